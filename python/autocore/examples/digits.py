"""Handwritten digits (8x8): an MLP with a softmax output, trained with CrossEntropyLoss and Adam.

python -m autocore.examples.digits [--epochs N] [--lr LR] [--seed S] [--plot loss.png] [--device cuda]
"""

import autocore as torch
from autocore import nn
from autocore.utils.data import DataLoader, TensorDataset

from ._common import on_device, parse_args, plot_losses, run, train


def main(argv=None):
    args = parse_args("8x8 digit classification with CrossEntropyLoss and Adam", epochs=30, lr=1e-3, argv=argv)
    torch.manual_seed(args.seed)
    data = torch.datasets.load_digits(seed=args.seed)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))  # logits; softmax in the loss
    loss_fn = nn.CrossEntropyLoss()
    model.to(args.device)
    data = on_device(data, args.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loader = DataLoader(TensorDataset(data.x_train, data.y_train), batch_size=32, shuffle=True)

    losses = train(model, loss_fn, optimizer, loader, args.epochs, "digits")

    with torch.no_grad():
        probabilities = model(data.x_test).softmax(dim=1)
        accuracy = (probabilities.argmax(1) == data.y_test).float().mean().item()
    if args.plot:
        plot_losses(losses, args.plot, "Digits: cross-entropy loss")
    print(f"test_accuracy: {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    run(main)
