"""Reference for bench/approximate-knn.bench.ts: FAISS-style flat (brute-force) k-NN.

Exact squared-Euclidean k nearest rows of the sampled query rows among all rows of DATA (already
L2-normalized, float32, row-major), self excluded: a matrix product per chunk of queries on numpy's
BLAS (|r|^2 - 2 q.r), np.argpartition for the k + 1 smallest, a sort of those by (distance, index),
then the query's own row dropped. With faiss importable, faiss.IndexFlatL2 does the same search too,
and faiss.IndexHNSWFlat (the same M, efConstruction and ef as deepmetric's USearch index) is built
over all rows and searched for the sampled queries, its recall@K measured against numpy's neighbours.

Usage: flat_knn.py DATA.f32 N D QUERIES.i32 NQ K CHUNK OUT.i32 M EF_CONSTRUCTION EF_SEARCH
Prints one JSON object: wall seconds of numpy's search (and of faiss's flat add + search, its HNSW
build and search when present), threadpoolctl's BLAS info and thread counts. Writes numpy's
neighbours (NQ x K int32) to OUT.
"""
import json
import sys
import time

import numpy as np
from threadpoolctl import threadpool_info


def main():
    data_path, n, d, queries_path, nq, k, chunk, out_path, m, ef_construction, ef_search = sys.argv[1:]
    n, d, nq, k, chunk = int(n), int(d), int(nq), int(k), int(chunk)
    m, ef_construction, ef_search = int(m), int(ef_construction), int(ef_search)
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
        result["faissHnsw"] = faiss_hnsw(faiss, x, rows, k, out, m, ef_construction, ef_search)
    print(json.dumps(result))


def faiss_hnsw(faiss, x, rows, k, exact, m, ef_construction, ef_search):
    """Build and search seconds of faiss's HNSW over all rows, and its recall@k of the sampled rows."""
    start = time.perf_counter()
    index = faiss.IndexHNSWFlat(x.shape[1], m)
    index.hnsw.efConstruction = ef_construction
    index.add(x)
    build = time.perf_counter() - start
    index.hnsw.efSearch = max(ef_search, k + 1)
    start = time.perf_counter()
    _, found = index.search(x[rows], k + 1)
    search = time.perf_counter() - start
    hits = 0
    for r in range(len(rows)):
        hits += len(set(found[r][found[r] != rows[r]][:k].tolist()) & set(exact[r].tolist()))
    return {"buildSeconds": build, "searchSeconds": search, "recallAtK": hits / (len(rows) * k)}


if __name__ == "__main__":
    main()
