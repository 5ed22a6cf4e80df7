#!/usr/bin/env bash
# Makes the benchmarks' reference: a venv (bench/.venv) with PyTorch 2.x from pip (this machine's pip
# index, `pip config list`), numpy on its optimized BLAS, and threadpoolctl to report that BLAS. The
# benches run their Python references with it (bench/reference-python.ts) and refuse a netlib BLAS.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/pip install --quiet torch numpy threadpoolctl faiss-cpu
.venv/bin/python reference/build_info.py
