"""The two-neuron linear network y_hat = W2 (W1 x + b1) + b2, and the gradient of its squared error
computed three ways side by side: symbolically (the hand-derived formula), numerically (central finite
differences) and automatically (autograd). Then plain gradient descent:
parameters(t+1) = parameters(t) - learning_rate * gradient.

    python -m autocore.examples.autograd_basics [--epochs N] [--lr LR] [--seed S] [--plot loss.png]
"""

import autocore as torch

from ._common import Progress, check_finite, parse_args, plot_losses, run

NAMES = ("W1", "b1", "W2", "b2")


def loss_of(params, x, y):
    w1, b1, w2, b2 = params
    theta = w2 * (w1 * x + b1) + b2 - y  # the error
    return 0.5 * theta * theta, theta


def symbolic_gradient(values, x, y):
    """d(theta^2 / 2) = theta * d theta, with d theta / d(W1, b1, W2, b2) = (W2 x, W2, W1 x + b1, 1)."""
    w1, b1, w2, b2 = values
    theta = w2 * (w1 * x + b1) + b2 - y
    return [theta * w2 * x, theta * w2, theta * (w1 * x + b1), theta * 1.0]


def numeric_gradient(values, x, y, eps=1e-6):
    grads = []
    for i in range(4):
        plus, minus = list(values), list(values)
        plus[i] += eps
        minus[i] -= eps
        f = lambda v: 0.5 * (v[2] * (v[0] * x + v[1]) + v[3] - y) ** 2  # noqa: E731
        grads.append((f(plus) - f(minus)) / (2 * eps))
    return grads


def main(argv=None):
    args = parse_args(
        "Gradients three ways on a two-neuron network, then gradient descent", epochs=50, lr=0.05, argv=argv
    )
    torch.manual_seed(args.seed)
    x, y = 1.5, 2.0
    params = [torch.randn((), dtype=torch.float64, requires_grad=True) for _ in NAMES]

    loss, _ = loss_of(params, x, y)
    loss.backward()
    values = [p.item() for p in params]
    symbolic, numeric = symbolic_gradient(values, x, y), numeric_gradient(values, x, y)
    print(f"{'param':>6} {'value':>10} {'symbolic':>12} {'numeric':>12} {'autograd':>12}")
    for name, value, s, n, p in zip(NAMES, values, symbolic, numeric, params):
        print(f"{name:>6} {value:>10.5f} {s:>12.6f} {n:>12.6f} {p.grad.item():>12.6f}")
    worst = max(abs(s - p.grad.item()) for s, p in zip(symbolic, params))
    print(f"largest |symbolic - autograd|: {worst:.2e}")

    losses, progress = [], Progress(args.epochs, "gradient descent")
    try:
        for epoch in range(args.epochs):
            for p in params:
                p.grad = None
            loss, _ = loss_of(params, x, y)
            check_finite(loss.item(), epoch)
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p -= args.lr * p.grad  # parameters(t+1) = parameters(t) - learning_rate * gradient
            losses.append(loss.item())
            progress.update(epoch, losses[-1])
    finally:
        progress.close()
    final, theta = loss_of(params, x, y)
    print(
        "after training: "
        + ", ".join(f"{n}={p.item():.4f}" for n, p in zip(NAMES, params))
        + f"; prediction {theta.item() + y:.4f} for target {y}"
    )
    if args.plot:
        plot_losses(losses, args.plot, "Two-neuron network: squared error")
    print(f"final_loss: {final.item():.4f}")
    return final.item()


if __name__ == "__main__":
    run(main)
