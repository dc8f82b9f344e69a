"""gradcheck: every analytical gradient against central finite differences, in float64."""

import numpy as np

from ..factories import from_numpy
from ..ops.modes import no_grad
from ..tensor import Tensor
from .api import grad as autograd_grad


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """True when autograd's gradient of sum(fn(*inputs) * r), for a fixed random r, matches central
    differences for every input that requires grad; otherwise raises (or returns False) naming the
    worst entry."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    differentiable = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    for i in differentiable:
        if inputs[i].dtype.name != "float64":
            raise ValueError(f"gradcheck expects float64 inputs, input {i} is {inputs[i].dtype}")
    out = fn(*inputs)
    outputs = out if isinstance(out, (tuple, list)) else (out,)
    rng = np.random.default_rng(0)
    weights = [from_numpy(rng.standard_normal(o.shape)).to(o.device) for o in outputs]

    def objective():
        with no_grad():
            result = fn(*inputs)
            result = result if isinstance(result, (tuple, list)) else (result,)
            return sum(float((r * w).sum().item()) for r, w in zip(result, weights))

    total = None
    for o, w in zip(outputs, weights):
        term = (o * w).sum()
        total = term if total is None else total + term
    analytic = autograd_grad([total], [inputs[i] for i in differentiable], allow_unused=True)
    for k, i in enumerate(differentiable):
        x = inputs[i]
        data = x.detach()  # shares x's memory on any device, so perturbing an element perturbs the input
        values = data.cpu().numpy().copy()
        numeric = np.zeros(values.shape)
        for index in np.ndindex(*values.shape):
            element = data[index]
            old = float(values[index])
            element.fill_(old + eps)
            plus = objective()
            element.fill_(old - eps)
            minus = objective()
            element.fill_(old)
            numeric[index] = (plus - minus) / (2 * eps)
        got = np.zeros(values.shape) if analytic[k] is None else analytic[k].detach().cpu().numpy()
        error = np.abs(got - numeric) - (atol + rtol * np.abs(numeric))
        if error.size and error.max() > 0:
            worst = np.unravel_index(np.argmax(error), error.shape)
            message = (
                f"Jacobian mismatch for output 0 with respect to input {i},\nnumerical:{numeric[worst]}\n"
                f"analytical:{got[worst]}\n(at index {tuple(int(j) for j in worst)})"
            )
            if raise_exception:
                raise RuntimeError(message)
            return False
    return True
