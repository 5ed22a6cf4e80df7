#!/usr/bin/env bash
# The zoo's Python: the venv bench/.venv (PyTorch 2.x CPU, numpy, scikit-learn, TensorBoard, tqdm from
# this machine's pip index, `pip config list`) and pytorch-metric-learning (PML) from its public
# repository's source, imported with PYTHONPATH, never copied into this repo:
#
#   PML_SRC=/path/to/pytorch-metric-learning/src bash bench/zoo/setup.sh   # a source tree you have
#   bash bench/zoo/setup.sh    # extracts src/ of the local mirror's HEAD into bench/.venv/pml/<commit>/
#                              # (PML_MIRROR names another bare git dir); without a mirror it runs
#                              # `pip install pytorch-metric-learning` into the venv instead.
#
# It writes bench/.venv/pml.env (PML_SRC, PML_COMMIT), which make_zoo.py reads to set PYTHONPATH.
# Nothing is installed into the system Python.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="$PWD/.venv"
PY="$VENV/bin/python"
MIRROR="${PML_MIRROR:-/work/.mirror/KevinMusgrave+pytorch-metric-learning/repo}"

if [ ! -x "$PY" ]; then python3 -m venv "$VENV"; fi
# The venv may be being filled by another process (bench/setup-reference.sh): wait for it a while
# before installing anything ourselves, so two pips do not write the same site-packages.
for _ in $(seq 1 60); do
  if "$PY" -c "import torch, numpy, sklearn, tensorboard, tqdm" 2>/dev/null; then break; fi
  if pgrep -f "bench/\.venv/bin/(pip|python[0-9.]* -m pip)" >/dev/null 2>&1; then
    sleep 10
  else
    "$VENV/bin/pip" install --quiet torch numpy scikit-learn tensorboard tqdm
  fi
done
"$PY" -c "import torch, numpy, sklearn, tensorboard, tqdm" || {
  echo "setup.sh: the venv $VENV still lacks torch/numpy/sklearn/tensorboard/tqdm" >&2
  exit 1
}

ENV_FILE="$VENV/pml.env"
if [ -n "${PML_SRC:-}" ]; then
  src="$(cd "$PML_SRC" && pwd)"
  commit="$(git -C "$src" rev-parse HEAD 2>/dev/null || cat "$src/../COMMIT" 2>/dev/null || echo unknown)"
  printf 'PML_SRC=%s\nPML_COMMIT=%s\n' "$src" "$commit" >"$ENV_FILE"
elif [ -d "$MIRROR" ]; then
  commit="$(git --git-dir="$MIRROR" rev-parse HEAD)"
  dest="$VENV/pml/$commit"
  if [ ! -f "$dest/src/pytorch_metric_learning/__init__.py" ]; then
    rm -rf "$dest"
    mkdir -p "$dest"
    # (a snapshot may lack large blobs outside src/: git archive names them on stderr; src/ must be whole)
    git --git-dir="$MIRROR" archive HEAD src | tar -x -C "$dest"
    want="$(git --git-dir="$MIRROR" ls-tree -r HEAD src | wc -l)"
    got="$(find "$dest/src" -type f | wc -l)"
    if [ "$want" != "$got" ]; then
      echo "setup.sh: extracted $got of the $want files of src/ from $MIRROR" >&2
      exit 1
    fi
    echo "$commit" >"$dest/COMMIT"
  fi
  printf 'PML_SRC=%s\nPML_COMMIT=%s\n' "$dest/src" "$commit" >"$ENV_FILE"
else
  "$VENV/bin/pip" install --quiet pytorch-metric-learning
  printf 'PML_SRC=\nPML_COMMIT=pip\n' >"$ENV_FILE"
fi

# shellcheck disable=SC1090
. "$ENV_FILE"
PYTHONPATH="${PML_SRC}${PYTHONPATH:+:$PYTHONPATH}" "$PY" -c "
import torch, numpy, sklearn, tensorboard, pytorch_metric_learning as pml
print(f'torch {torch.__version__}, numpy {numpy.__version__}, scikit-learn {sklearn.__version__}, '
      f'tensorboard {tensorboard.__version__}, pytorch-metric-learning {pml.__version__} '
      f'({pml.__file__}, commit ${PML_COMMIT})')
"
