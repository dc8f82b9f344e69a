"""Device dispatch happens in C++: every kernel declared in csrc/core/kernels.def has one dispatch table, the CPU
fills every table when _C loads, and a build with the CUDA backend fills every CUDA entry too."""

import pathlib
import re

import autocore
from autocore import _C

CSRC = pathlib.Path(__file__).resolve().parents[1] / "csrc"


def declared_kernels():
    # core/kernels.def includes one file per family, in order.
    families = re.findall(r'^#include "(core/kernels/\w+\.def)"', (CSRC / "core" / "kernels.def").read_text(), re.M)
    text = "".join((CSRC / family).read_text() for family in families)
    return re.findall(r"^AC_KERNEL\((\w+),", text, flags=re.MULTILINE)


def test_every_declared_kernel_has_a_table_in_declaration_order():
    declared = declared_kernels()
    assert len(declared) > 60
    assert list(_C._kernels()) == declared


def test_the_cpu_registers_every_kernel():
    missing = [name for name, devices in _C._kernels().items() if "cpu" not in devices]
    assert missing == []


def test_cuda_registers_every_kernel_exactly_when_built():
    built = _C.cuda_build.startswith("built")
    assert autocore.cuda.is_built() == built
    for name, devices in _C._kernels().items():
        assert ("cuda" in devices) == built, name


def test_no_python_round_trip_remains():
    # The old design forwarded device calls through a registered Python module by name.
    assert not hasattr(_C, "_register_device_module")
    assert not hasattr(autocore, "_C_cuda")
