"""`python -m autocore`: what this build contains (the 1024x1024 matmul check joins when matmul lands)."""
from . import backends_info


def main() -> None:
    info = backends_info()
    print(f"autocore {info['version']}")
    print(f"  cpu kernels : {info['cpu_isa']} (compiled: {', '.join(info['compiled_isas'])})")
    print(f"  threads     : {info['num_threads']} (OpenMP {'on' if info['openmp'] else 'off'})")
    print(f"  cuda        : {'available' if info['cuda'] else 'not available'}")


if __name__ == "__main__":
    main()
