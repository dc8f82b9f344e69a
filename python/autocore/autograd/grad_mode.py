"""Whether operations record the graph: no_grad, enable_grad, set_grad_enabled, inference_mode, as
context managers and decorators, as in PyTorch."""

import functools
import threading


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
