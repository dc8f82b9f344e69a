"""Generators, as torch.Generator: independent Philox streams passed as `generator=` to every random function,
the default one behind functions without it (seeded from the OS's entropy until manual_seed), and their states."""

import subprocess
import sys

import numpy as np
import pytest

import autocore
import autocore.nn.functional as F
from autocore import nn
from autocore.utils.data import DataLoader, TensorDataset, random_split

from conftest import DEVICES, torch_or_skip


def draw_with(generator, device="cpu"):
    """One draw from every random function that takes `generator=`, as numpy arrays."""
    x = autocore.zeros(3, 4, device=device)
    draws = {
        "rand": autocore.rand(3, 4, generator=generator, device=device),
        "randn": autocore.randn(5, generator=generator, device=device),
        "randint": autocore.randint(0, 100, (6,), generator=generator, device=device),
        "randperm": autocore.randperm(7, generator=generator, device=device),
        "bernoulli": autocore.bernoulli(autocore.full((8,), 0.5, device=device), generator=generator),
        "uniform_": x.clone().uniform_(-1, 1, generator=generator),
        "normal_": x.clone().normal_(2, 3, generator=generator),
        "bernoulli_": x.clone().bernoulli_(0.3, generator=generator),
        "dropout": F.dropout(autocore.ones(20, device=device), 0.5, generator=generator),
        "nn.init.uniform_": nn.init.uniform_(x.clone(), generator=generator),
        "nn.init.normal_": nn.init.normal_(x.clone(), generator=generator),
        "nn.init.xavier_uniform_": nn.init.xavier_uniform_(x.clone(), generator=generator),
        "nn.init.xavier_normal_": nn.init.xavier_normal_(x.clone(), generator=generator),
        "nn.init.kaiming_uniform_": nn.init.kaiming_uniform_(x.clone(), generator=generator),
        "nn.init.kaiming_normal_": nn.init.kaiming_normal_(x.clone(), generator=generator),
    }
    arrays = {name: t.cpu().numpy() for name, t in draws.items()}
    data = TensorDataset(autocore.arange(10))
    arrays["DataLoader"] = np.concatenate(
        [b.numpy() for (b,) in DataLoader(data, batch_size=4, shuffle=True, generator=generator)]
    )
    arrays["random_split"] = np.array(random_split(range(10), [6, 4], generator=generator)[0].indices)
    return arrays


@pytest.mark.parametrize("device", DEVICES)
def test_a_seed_fixes_every_draw_and_leaves_the_default_stream_alone(device):
    autocore.manual_seed(123)
    default_state = autocore.get_rng_state()
    first = draw_with(autocore.Generator(device).manual_seed(7), device)
    assert autocore.get_rng_state().tolist() == default_state.tolist()  # the default stream did not move
    second = draw_with(autocore.Generator(device).manual_seed(7), device)
    other = draw_with(autocore.Generator(device).manual_seed(8), device)
    for name in first:
        np.testing.assert_array_equal(first[name], second[name], err_msg=name)
    differing = [name for name in first if not np.array_equal(first[name], other[name])]
    assert len(differing) >= len(first) - 2  # a 0.5 mask or a permutation may repeat by chance; not all of them


def test_the_default_generator_serves_functions_without_one():
    autocore.manual_seed(11)
    a = draw_with(None)
    autocore.manual_seed(11)
    b = draw_with(autocore.default_generator)
    autocore.manual_seed(11)
    c = draw_with(None)
    for name in a:
        np.testing.assert_array_equal(a[name], c[name], err_msg=name)
    # The default generator passed explicitly is the same stream, so its draws continue it the same way.
    np.testing.assert_array_equal(a["rand"], b["rand"])


def test_generator_api():
    g = autocore.Generator()
    assert g.device == autocore.device("cpu")
    assert g.manual_seed(42) is g
    assert g.initial_seed() == 42
    fresh = g.seed()
    assert g.initial_seed() == fresh and isinstance(fresh, int)
    state = g.get_state()
    drawn = autocore.rand(5, generator=g)
    assert g.set_state(state) is g
    np.testing.assert_array_equal(autocore.rand(5, generator=g).numpy(), drawn.numpy())
    assert autocore.manual_seed(9) is autocore.default_generator
    assert autocore.initial_seed() == 9 and autocore.random.initial_seed() == 9
    state = autocore.get_rng_state()
    drawn = autocore.randn(4)
    autocore.set_rng_state(state)
    np.testing.assert_array_equal(autocore.randn(4).numpy(), drawn.numpy())


def test_bad_generators_are_refused_with_pytorchs_errors():
    with pytest.raises(TypeError, match=r"rand\(\): argument 'generator' must be torch.Generator, not int"):
        autocore.rand(2, generator=3)
    with pytest.raises(TypeError, match="must be torch.Generator"):
        DataLoader(TensorDataset(autocore.arange(4)), shuffle=True, generator="seed").__iter__().__next__()
    with pytest.raises(RuntimeError, match="Expected a 'cuda' device type for generator but found 'cpu'"):
        autocore.rand(2, device="cuda", generator=autocore.Generator())
    with pytest.raises(TypeError, match="manual_seed expected an int"):
        autocore.manual_seed("seven")
    with pytest.raises(TypeError):
        autocore.Generator().set_state([1, 2])


@pytest.mark.skipif(autocore.cuda.is_available(), reason="checks the error a machine without a GPU gives")
def test_a_cuda_generator_needs_a_gpu():
    with pytest.raises(RuntimeError):
        autocore.Generator("cuda")


def test_a_fresh_process_draws_a_fresh_seed():
    program = "import autocore; print(autocore.initial_seed(), autocore.rand(4).tolist())"
    runs = {subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True).stdout}
    runs.add(subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True).stdout)
    assert len(runs) == 2, runs
    program = "import autocore; autocore.manual_seed(5); print(autocore.rand(4).tolist())"
    seeded = {subprocess.run([sys.executable, "-c", program], capture_output=True, text=True).stdout for _ in range(2)}
    assert len(seeded) == 1


def test_the_api_matches_pytorchs():
    torch = torch_or_skip()
    for name in ("manual_seed", "seed", "initial_seed", "get_state", "set_state", "device"):
        assert hasattr(torch.Generator(), name) and hasattr(autocore.Generator(), name), name
    for name in ("Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state"):
        assert hasattr(torch, name) and hasattr(autocore, name), name
    assert isinstance(torch.manual_seed(0), torch.Generator) and isinstance(autocore.manual_seed(0), autocore.Generator)
