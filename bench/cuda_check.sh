#!/usr/bin/env bash
# The GPU check, for a machine with an NVIDIA GPU and nvcc: build autocore with CUDA (AUTOCORE_CUDA=AUTO builds
# for this GPU's architecture) into the current Python, run the CUDA tests, the whole suite, the examples on the
# GPU and bench/cuda.py. Logs go to $OUT (or ./gpu-logs); the exit status is the first failure's.
set -u
out=${OUT:-gpu-logs}
mkdir -p "$out"
status=0
step() {  # step NAME COMMAND...: runs it, keeps its log, remembers the first failure
  local name=$1; shift
  local start=$SECONDS
  "$@" > "$out/$name.log" 2>&1
  local rc=$?
  echo "== $name: exit $rc, $((SECONDS - start)) s"
  tail -n 25 "$out/$name.log"
  [ $rc -ne 0 ] && [ $status -eq 0 ] && status=$rc
  return $rc
}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/device.txt"
step build python3 -m pip install --no-build-isolation --no-deps -v . || exit 1
export PYTHONUNBUFFERED=1
step test_cuda python3 -m pytest -q -rfE -p no:cacheprovider tests/test_cuda.py
step suite python3 -m pytest -q -rfE -p no:cacheprovider --ignore=tests/test_cuda.py
for example in titanic automobile digits; do
  step "example_$example" python3 -m autocore.examples.$example --device cuda
done
step bench python3 bench/cuda.py
exit $status
