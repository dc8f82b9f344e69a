"""Titanic survival: a small MLP with a LogSoftmax output and NLLLoss, trained with SGD with momentum.

python -m autocore.examples.titanic [--epochs N] [--lr LR] [--seed S] [--plot loss.png] [--device cuda]
"""

import autocore as torch
from autocore import nn
from autocore.utils.data import DataLoader, TensorDataset

from ._common import on_device, parse_args, plot_losses, run, train


def main(argv=None):
    args = parse_args("Titanic survival with LogSoftmax + NLLLoss and SGD with momentum", epochs=60, lr=0.01, argv=argv)
    torch.manual_seed(args.seed)
    data = torch.datasets.load_titanic(seed=args.seed)
    model = nn.Sequential(
        nn.Linear(data.x_train.shape[1], 32),
        nn.ReLU(),
        nn.Linear(32, 16),
        nn.ReLU(),
        nn.Linear(16, 2),
        nn.LogSoftmax(dim=1),
    )
    loss_fn = nn.NLLLoss()
    model.to(args.device)
    data = on_device(data, args.device)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    loader = DataLoader(TensorDataset(data.x_train, data.y_train), batch_size=32, shuffle=True)

    losses = train(model, loss_fn, optimizer, loader, args.epochs, "titanic")

    with torch.no_grad():
        accuracy = (model(data.x_test).argmax(1) == data.y_test).float().mean().item()
    if args.plot:
        plot_losses(losses, args.plot, "Titanic: NLL loss")
    print(f"test_accuracy: {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    run(main)
