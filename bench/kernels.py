"""Kernel benchmarks: each family's section, autocore against numpy (and PyTorch when installed).

python bench/kernels.py                 # every section
python bench/kernels.py matmul          # one section
"""

import importlib
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import machine_description  # noqa: E402

SECTIONS = ["matmul", "elementwise", "softmax_loss", "optim_update", "random"]


def main(argv):
    wanted = argv or SECTIONS
    import autocore

    print(f"# autocore kernel benchmarks\n\nmachine: {machine_description()}; autocore {autocore.backends_info()}")
    for name in wanted:
        try:
            module = importlib.import_module(f"bench_{name}")
        except ModuleNotFoundError:
            print(f"\n(section {name}: no bench_{name}.py yet)")
            continue
        module.run()


if __name__ == "__main__":
    main(sys.argv[1:])
