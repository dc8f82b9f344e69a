"""`python -m autocore`, the README's main job: reports the build and checks a 1024x1024 matmul."""

import subprocess
import sys


def test_main_job_reports_build_and_checks_matmul():
    result = subprocess.run([sys.executable, "-m", "autocore"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    for expected in (
        "autocore ",
        "cpu kernels",
        "threads",
        "cuda",
        "cuda build  : ",
        "matmul 1024x1024 float32",
        "-> ok",
        "GFLOP/s",
    ):
        assert expected in result.stdout
