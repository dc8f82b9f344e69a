"""torch.random and torch.Generator: the Philox generators behind every random function. A Generator is an
independent stream (a seed and an offset into it); functions without `generator=` draw from the process-wide
default_generator, which starts from a seed of the OS's entropy, as PyTorch's does, until manual_seed fixes it.
Random numbers for a CUDA tensor are drawn on the host and copied over, so a CUDA generator is a stream like the
CPU's, and a seed gives the same numbers on every device."""

from . import _C, _dtype, cuda
from .tensor import Tensor


class Generator:
    """torch.Generator(device='cpu'): manual_seed(seed), seed(), initial_seed(), get_state(), set_state(state);
    passed as `generator=` to the random functions, DataLoader and random_split."""

    __slots__ = ("_c", "_device")

    def __init__(self, device="cpu"):
        self._device = _dtype.device(device)
        if self._device.type == "cuda":
            cuda._backend()  # no GPU, or a build without CUDA: the RuntimeError that says which
        self._c = _C.Generator("cpu")

    @classmethod
    def _of(cls, c, device="cpu"):
        generator = cls.__new__(cls)
        generator._c, generator._device = c, _dtype.device(device)
        return generator

    @property
    def device(self):
        return self._device

    def manual_seed(self, seed):
        self._c.manual_seed(_seed_value(seed))
        return self

    def seed(self):
        """Reseeds from the OS's entropy and returns the new seed."""
        return self._c.seed()

    def initial_seed(self):
        return self._c.initial_seed()

    def get_state(self):
        """The stream's position, (seed, offset) as an int64 tensor, for set_state."""
        return Tensor._wrap(self._c.get_state())

    def set_state(self, new_state):
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a Tensor as the new state, got {type(new_state).__name__}")
        self._c.set_state(new_state._c)
        return self

    def __repr__(self):
        return f"<autocore.Generator object at {id(self):#x} on {self._device}>"


def _seed_value(seed):
    if isinstance(seed, bool) or not isinstance(seed, int):
        try:
            seed = int(seed)
        except (TypeError, ValueError):
            raise TypeError(f"manual_seed expected an int, got {type(seed).__name__}") from None
    return seed


default_generator = Generator._of(_C.default_generator)


def manual_seed(seed):
    """Seeds the default generator (every device's: CUDA draws from it too) and returns it."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


def c_generator(generator, function, device=None):
    """The C++ generator behind `generator=` (None: the default one), refused unless it is a Generator for the
    device the numbers are drawn for, with PyTorch's messages."""
    if generator is None:
        return None
    if not isinstance(generator, Generator):
        raise TypeError(f"{function}(): argument 'generator' must be torch.Generator, not {type(generator).__name__}")
    wanted = "cpu" if device is None else _dtype.device(device).type
    if generator.device.type != wanted:
        raise RuntimeError(f"Expected a '{wanted}' device type for generator but found '{generator.device.type}'")
    return generator._c
