"""autocore.func: functional transforms. jvp(f, primals, tangents) -> (f(*primals), J v) by forward mode."""

from .autograd import forward_ad
from .factories import zeros_like


def jvp(func, primals, tangents):
    primals = tuple(primals) if isinstance(primals, (tuple, list)) else (primals,)
    tangents = tuple(tangents) if isinstance(tangents, (tuple, list)) else (tangents,)
    if len(primals) != len(tangents):
        raise RuntimeError(
            f"jvp: Expected primals and tangents to have the same length, got {len(primals)} and {len(tangents)}"
        )
    with forward_ad.dual_level():
        out = func(*(forward_ad.make_dual(p, t) for p, t in zip(primals, tangents)))
        primal, tangent = forward_ad.unpack_dual(out)
        if tangent is None:  # the output does not depend on the primals
            tangent = zeros_like(primal)
    return primal, tangent
