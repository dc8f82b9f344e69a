"""numpy's names for two arguments, which PyTorch's argument parser takes as well: axis for dim and keepdims for
keepdim, so that x.sum(axis=1, keepdims=True), as tutorials write it, runs."""

import functools

ALIASES = {"axis": "dim", "keepdims": "keepdim"}


def numpy_names(fn):
    """fn, also taking axis= and keepdims= (a call without them pays one dict lookup each)."""

    @functools.wraps(fn)
    def call(*args, **kwargs):
        if kwargs and ("axis" in kwargs or "keepdims" in kwargs):
            kwargs = _renamed(fn.__name__, kwargs)
        return fn(*args, **kwargs)

    return call


def _renamed(name, kwargs):
    renamed = {}
    for key, value in kwargs.items():
        key = ALIASES.get(key, key)
        if key in renamed:
            raise TypeError(f"{name}() got multiple values for argument '{key}'")
        renamed[key] = value
    return renamed
