"""The numpy reference of the scale benchmark: the same sums `deepmetric diagnose` makes over every
row of the shards (norms, the mean and covariance of the L2-normalized rows, via Z^T Z on the
BLAS in float64, as deepmetric sums in float64), and from them normMean, normalizedStdSqrtDim,
effectiveRank (RankMe), firstComponentShare and deadDimensions. One shard in memory at a time.
Prints one JSON line: the numbers, seconds, peak RSS and numpy's BLAS (threadpoolctl); refuses a
netlib (reference) BLAS, against which a ratio says nothing.

    bench/.venv/bin/python bench/scale/numpy_reference.py SHARD_DIR
"""
import glob
import json
import os
import resource
import sys
import time

import numpy as np
from threadpoolctl import threadpool_info


def blas():
    info = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    if not info or any(p.get("internal_api") in (None, "", "blas", "netlib", "reference") or "libblas.so" in p.get("filepath", "") for p in info):
        raise SystemExit(f"numpy runs on the reference (netlib) BLAS or none ({info}): install numpy from pip (bench/scale/setup.sh)")
    return [{"api": p["internal_api"], "version": p.get("version"), "threads": p.get("num_threads"), "library": p.get("filepath")} for p in info]


def main() -> None:
    folder = sys.argv[1]
    shards = sorted(p for p in glob.glob(os.path.join(folder, "part-*.npy")) if not p.endswith(".labels.npy"))
    build = blas()
    start = time.perf_counter()
    n, dim = 0, None
    norm_sum, z_sum, gram = 0.0, None, None
    for shard in shards:
        x = np.load(shard, mmap_mode="r")
        if dim is None:
            dim = x.shape[1]
            z_sum, gram = np.zeros(dim), np.zeros((dim, dim))
        for i in range(0, x.shape[0], 262144):
            block = np.asarray(x[i : i + 262144], dtype=np.float64)
            norms = np.sqrt(np.einsum("ij,ij->i", block, block))
            z = block / np.maximum(norms, 1e-12)[:, None]
            norm_sum += norms.sum()
            z_sum += z.sum(axis=0)
            gram += z.T @ z
            n += block.shape[0]
    mean = z_sum / n
    cov = (gram - n * np.outer(mean, mean)) / (n - 1)
    spectrum = np.clip(np.linalg.eigvalsh(cov)[::-1], 0, None)
    singular = np.sqrt(np.clip(np.linalg.eigvalsh((n - 1) * cov + n * np.outer(mean, mean)), 0, None))
    p = singular / singular.sum() + 1e-7
    seconds = time.perf_counter() - start
    print(json.dumps({
        "rows": n,
        "dim": dim,
        "seconds": seconds,
        "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "numpy": np.__version__,
        "blas": build,
        "evidence": {
            "normMean": norm_sum / n,
            "normalizedStdSqrtDim": float(np.sqrt(np.diag(cov)).mean() * np.sqrt(dim)),
            "effectiveRank": float(np.exp(-(p * np.log(p)).sum())),
            "firstComponentShare": float(spectrum[0] / spectrum.sum()) if spectrum.sum() > 0 else 1.0,
            "deadDimensions": int((np.diag(cov) <= 1e-8).sum()),
        },
    }))


if __name__ == "__main__":
    main()
