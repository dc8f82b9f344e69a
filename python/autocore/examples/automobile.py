"""Automobile prices: a fully connected regression network trained with MSELoss and Adam.

python -m autocore.examples.automobile [--epochs N] [--lr LR] [--seed S] [--plot loss.png] [--device cuda]
"""

import autocore as torch
from autocore import nn
from autocore.utils.data import DataLoader, TensorDataset

from ._common import on_device, parse_args, plot_losses, run, train


def main(argv=None):
    args = parse_args("Car price regression with MSELoss and Adam", epochs=300, lr=1e-3, argv=argv)
    torch.manual_seed(args.seed)
    data = torch.datasets.load_automobile(seed=args.seed)
    model = nn.Sequential(
        nn.Linear(data.x_train.shape[1], 64),
        nn.ReLU(),
        nn.Linear(64, 32),
        nn.ReLU(),
        nn.Linear(32, 1),
    )
    loss_fn = nn.MSELoss()
    model.to(args.device)
    data = on_device(data, args.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loader = DataLoader(TensorDataset(data.x_train, data.y_train), batch_size=16, shuffle=True)

    losses = train(model, loss_fn, optimizer, loader, args.epochs, "automobile")

    with torch.no_grad():
        predicted = model(data.x_test)
    # Back to thousands of dollars for the error; R^2 is the same in either unit.
    error = (predicted - data.y_test) * data.target_scale
    rmse = (error * error).mean().sqrt().item()
    r2 = 1 - ((predicted - data.y_test) ** 2).sum().item() / ((data.y_test - data.y_test.mean()) ** 2).sum().item()
    if args.plot:
        plot_losses(losses, args.plot, "Automobile: MSE loss (standardised price)")
    print(f"test RMSE: ${rmse * 1000:,.0f}")
    print(f"test_r2: {r2:.4f}")
    return r2


if __name__ == "__main__":
    run(main)
