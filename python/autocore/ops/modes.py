"""What graph recording reads before every op: grad mode (no_grad, enable_grad, set_grad_enabled,
inference_mode, as context managers and decorators, as in PyTorch) and the forward-mode level inside which
tensors carry tangents (autograd.forward_ad's dual_level). autocore.autograd re-exports them."""

import functools
import threading
import weakref


class _ThreadState(threading.local):
    """Grad mode is per thread, as in PyTorch: one thread's no_grad (an optimizer step, say) must not stop
    another thread's forward pass from recording its graph. Every thread starts with it on."""

    enabled = True


_state = _ThreadState()


def is_grad_enabled():
    return _state.enabled


class _GradMode:
    """Sets grad mode to `self.mode` inside a with-block or a decorated function."""

    mode = True

    def __enter__(self):
        self.prev = _state.enabled
        _state.enabled = self.mode

    def __exit__(self, *exc):
        _state.enabled = self.prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    mode = False


class enable_grad(_GradMode):
    mode = True


class inference_mode(_GradMode):
    def __init__(self, mode=True):
        self.mode = not mode

    def __call__(self, fn):
        mode = not self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return fn(*args, **kwargs)

        return wrapper


class set_grad_enabled(_GradMode):
    """Takes effect at once (as a function call) and also works as a context manager."""

    def __init__(self, mode):
        self.prev = _state.enabled
        self.mode = bool(mode)
        _state.enabled = self.mode

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _state.enabled = self.prev
        return False

    def __call__(self, fn):
        _state.enabled = self.prev  # as a decorator it must not switch the mode now
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper


# Forward mode.

_forward_state = {"level": 0, "duals": []}  # one forward-mode level at most, as PyTorch's default


def forward_active():
    return _forward_state["level"] > 0


class dual_level:
    """Tangents live for the duration of the level: on exit they are removed from every tensor that got one."""

    def __enter__(self):
        if _forward_state["level"] > 0:
            raise RuntimeError("autocore supports a single forward AD level; nested dual_level() is not supported")
        _forward_state["level"] += 1
        return 0

    def __exit__(self, *exc):
        _forward_state["level"] -= 1
        for ref in _forward_state["duals"]:
            t = ref()
            if t is not None:
                t._tangent = None
        _forward_state["duals"] = []
        return False


class paused:
    """Inside, ops carry no tangents (a custom Function's forward, whose outputs get theirs from its jvp)."""

    def __enter__(self):
        self.level, _forward_state["level"] = _forward_state["level"], 0

    def __exit__(self, *exc):
        _forward_state["level"] = self.level
        return False


def remember(t):
    """Registers a tensor that carries a tangent, so that leaving the level clears it."""
    _forward_state["duals"].append(weakref.ref(t))
    return t
