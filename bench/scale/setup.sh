#!/usr/bin/env bash
# Makes the Python side of the scale benchmark and of the engine check (none of it is needed by
# the tests):
# - bench/.venv (shared with bench/setup-reference.sh): numpy and threadpoolctl (the reference
#   sums and its BLAS report), torch (the exact pair numbers, exact_pairs.py), Ray, and Dask, from
#   this machine's pip index; only what is missing.
# - Dask's distributed scheduler (LocalCluster) from Debian (python3-distributed, for
#   /usr/bin/python3): the pip index has dask but no `distributed` wheel.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
if ! .venv/bin/python -c "import numpy, threadpoolctl, torch, dask, ray" 2>/dev/null; then
  .venv/bin/pip install --quiet numpy threadpoolctl torch dask ray
fi
if ! /usr/bin/python3 -c "import distributed" 2>/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get install -y -q python3-distributed >/dev/null
  else
    echo "Dask's LocalCluster needs Debian's python3-distributed: sudo apt-get install python3-distributed" >&2
  fi
fi
.venv/bin/python -c "import numpy, dask, ray; print('bench/.venv: numpy', numpy.__version__, 'dask', dask.__version__, 'ray', ray.__version__)"
/usr/bin/python3 -c "import distributed; print('/usr/bin/python3: distributed', distributed.__version__)" || true
