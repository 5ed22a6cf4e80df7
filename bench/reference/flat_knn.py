"""Reference for bench/approximate-knn.bench.ts: FAISS-style flat (brute-force) k-NN.

Exact squared-Euclidean k nearest rows of the sampled query rows among all rows of DATA (already
L2-normalized, float32, row-major), self excluded: a matrix product per chunk of queries on numpy's
BLAS (|r|^2 - 2 q.r), np.argpartition for the k + 1 smallest, a sort of those by (distance, index),
then the query's own row dropped. With faiss importable, faiss.IndexFlatL2 does the same search too.

Usage: flat_knn.py DATA.f32 N D QUERIES.i32 NQ K CHUNK OUT.i32
Prints one JSON object: wall seconds of numpy's search (and of faiss's add + search when present),
threadpoolctl's BLAS info and thread counts. Writes numpy's neighbours (NQ x K int32) to OUT.
"""
import json
import sys
import time

import numpy as np
from threadpoolctl import threadpool_info


def main():
    data_path, n, d, queries_path, nq, k, chunk, out_path = sys.argv[1:]
    n, d, nq, k, chunk = int(n), int(d), int(nq), int(k), int(chunk)
    x = np.fromfile(data_path, dtype=np.float32).reshape(n, d)
    rows = np.fromfile(queries_path, dtype=np.int32)[:nq]
    result = {"blas": [
        {"api": i.get("internal_api"), "version": i.get("version"), "threads": i.get("num_threads"), "library": i.get("filepath")}
        for i in threadpool_info() if i.get("user_api") == "blas"
    ], "numpy": np.__version__}
    start = time.perf_counter()
    rr = np.einsum("ij,ij->i", x, x)
    out = np.empty((nq, k), dtype=np.int32)
    for s in range(0, nq, chunk):
        q = x[rows[s:s + chunk]]
        dist = rr[None, :] - 2.0 * (q @ x.T)
        top = np.argpartition(dist, k + 1, axis=1)[:, :k + 1]
        for r in range(q.shape[0]):
            cand = top[r]
            order = np.lexsort((cand, dist[r, cand]))
            cand = cand[order]
            own = np.nonzero(cand == rows[s + r])[0]
            cand = np.delete(cand, own[0] if own.size else k)
            out[s + r] = cand[:k]
    result["numpySeconds"] = time.perf_counter() - start
    out.tofile(out_path)
    try:
        import faiss  # noqa: PLC0415
    except ImportError:
        result["faiss"] = None
    else:
        start = time.perf_counter()
        index = faiss.IndexFlatL2(d)
        index.add(x)
        index.search(x[rows], k + 1)
        result["faiss"] = {"version": faiss.__version__, "threads": faiss.omp_get_max_threads(), "seconds": time.perf_counter() - start}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
