"""The training examples: each runs as `python -m autocore.examples.NAME`, reproducibly, ends with its
headline metric as `NAME: VALUE`, and clears its quality bar on the held-out split."""

import re
import subprocess
import sys

import pytest

from conftest import DEVICES

BARS = {
    "titanic": ("test_accuracy", 0.78, None),
    "automobile": ("test_r2", 0.85, None),
    "digits": ("test_accuracy", 0.95, None),
    "autograd_basics": ("final_loss", None, 1e-4),
}


def run(name, *args):
    result = subprocess.run(
        [sys.executable, "-m", f"autocore.examples.{name}", *args], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", sorted(BARS))
def test_example_meets_its_quality_bar_reproducibly(name, device):
    if name == "autograd_basics" and device != "cpu":
        pytest.skip("autograd_basics is a CPU walk-through of the gradients; it takes no --device")
    metric, at_least, at_most = BARS[name]
    lines = run(name, "--device", device) if device != "cpu" else run(name)
    match = re.fullmatch(rf"{metric}: (\d+\.\d{{4}})", lines[-1])
    assert match, lines[-1]
    value = float(match.group(1))
    assert at_least is None or value >= at_least
    assert at_most is None or value <= at_most
    again = run(name, "--device", device) if device != "cpu" else run(name)
    assert again[-1] == lines[-1]  # the default seed gives the same result every time


def test_options_change_the_run():
    assert run("digits", "--epochs", "2", "--seed", "3")[-1] != run("digits", "--epochs", "2", "--seed", "4")[-1]
    lines = run("autograd_basics", "--epochs", "1")
    header = lines[0].split()
    assert header == ["param", "value", "symbolic", "numeric", "autograd"]
    for row in lines[1:5]:  # the three gradients agree on every parameter
        symbolic, numeric, automatic = map(float, row.split()[2:])
        assert abs(symbolic - automatic) < 1e-12 and abs(numeric - automatic) < 1e-6


def test_plot_option_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "loss.png"
    run("titanic", "--epochs", "2", "--plot", str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name", ["titanic", "automobile", "digits", "autograd_basics"])
def test_a_diverging_learning_rate_is_reported_not_printed_as_results(name):
    result = subprocess.run(
        [sys.executable, "-m", f"autocore.examples.{name}", "--lr", "1e30", "--epochs", "5"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert re.search(r"error: loss became (nan|inf) at epoch \d+", result.stderr), result.stderr
    assert not re.search(r"^(test_|final_)", result.stdout, re.M)  # no headline metric from garbage weights
