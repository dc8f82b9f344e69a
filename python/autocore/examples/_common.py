"""What the examples share: command-line options, a progress bar over epochs, the check that training has
not diverged, an optional loss plot."""

import argparse
import math
import sys
import time


def parse_args(description, epochs, lr, argv=None):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--epochs", type=int, default=epochs, help=f"training epochs (default {epochs})")
    parser.add_argument("--lr", type=float, default=lr, help=f"learning rate (default {lr})")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--plot", metavar="PATH", help="write the loss curve to this PNG (needs matplotlib)")
    parser.add_argument("--device", default="cpu", help="where to train: cpu (default), cuda or cuda:N")
    return parser.parse_args(argv)


def on_device(data, device):
    """A data set's train and test tensors moved to `device` (the model is initialised on the CPU first, so
    a seed gives the same starting weights everywhere)."""
    return data._replace(
        x_train=data.x_train.to(device),
        y_train=data.y_train.to(device),
        x_test=data.x_test.to(device),
        y_test=data.y_test.to(device),
    )


class TrainingDiverged(RuntimeError):
    """The training loss stopped being a finite number (a learning rate too high, usually)."""


def check_finite(loss, epoch):
    """Stops training as soon as the loss is inf or nan: every later number would be garbage."""
    if not math.isfinite(loss):
        raise TrainingDiverged(f"loss became {loss} at epoch {epoch + 1}; try a smaller --lr")


def run(main):
    """Runs an example's main(); a diverged run ends with its one-line reason on stderr and exit status 1."""
    try:
        main()
    except TrainingDiverged as error:
        sys.exit(f"error: {error}")


class Progress:
    """tqdm when it is installed, else a plain one-line bar on stderr; shows the running loss."""

    def __init__(self, total, name):
        self.total, self.name, self.start = total, name, time.perf_counter()
        try:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=name, file=sys.stderr, leave=False)
        except ImportError:
            self.bar = None

    def update(self, epoch, loss):
        if self.bar is not None:
            self.bar.set_postfix(loss=f"{loss:.4f}")
            self.bar.update(1)
            return
        width = 30
        done = int(width * (epoch + 1) / self.total)
        sys.stderr.write(f"\r{self.name} [{'#' * done}{'.' * (width - done)}] {epoch + 1}/{self.total} loss {loss:.4f}")
        sys.stderr.flush()

    def close(self):
        if self.bar is not None:
            self.bar.close()
        else:
            sys.stderr.write(f"  ({time.perf_counter() - self.start:.1f} s)\n")


def train(model, loss_fn, optimizer, loader, epochs, name):
    """The PyTorch training loop (zero_grad, forward, loss, backward, step) over `epochs` passes of
    `loader`, with a progress bar; returns the mean training loss of each epoch."""
    losses, progress = [], Progress(epochs, name)
    try:
        for epoch in range(epochs):
            model.train()
            total, count = 0.0, 0
            for xb, yb in loader:
                optimizer.zero_grad()
                loss = loss_fn(model(xb), yb)
                value = loss.item()
                check_finite(value, epoch)
                loss.backward()
                optimizer.step()
                total, count = total + value * len(yb), count + len(yb)
            losses.append(total / count)
            progress.update(epoch, losses[-1])
    finally:
        progress.close()
    model.eval()
    return losses


def plot_losses(losses, path, title):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"--plot needs matplotlib (pip install matplotlib); {path} not written", file=sys.stderr)
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(range(1, len(losses) + 1), losses)
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
