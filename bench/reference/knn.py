"""Reference for bench/knn.bench.ts: exact k-NN + PML's retrieval metrics in numpy.

The k-NN is a matrix product per chunk of queries (squared Euclidean |r|^2 - 2 q.r, or minus the
cosine similarity of L2-normalized rows), np.argpartition for the k smallest and a sort of those by
(distance, index); the metrics are PML 2.8.1 AccuracyCalculator's (precision@1, R-precision,
MAP@R, MAP, MRR in float32), for a separate reference set (no lone queries in this data).

Usage: knn.py QUERY.f32 QUERY_LABELS.i32 REF.f32 REF_LABELS.i32 NQ NR D DISTANCE K CHUNK REPS
DISTANCE is euclidean or cosine; K is an integer or max_bin_count.
Prints one JSON object: median wall seconds (total and the matrix-product part), median CPU
seconds of this process (all its threads), and the metrics.
"""
import json
import statistics
import sys
import time

import numpy as np


def load(path, dtype, shape):
    return np.fromfile(path, dtype=dtype).reshape(shape)


def retrieval(query, ql, ref, rl, distance, k, chunk):
    if distance == "cosine":
        query = query / np.maximum(np.linalg.norm(query, axis=1, keepdims=True), 1e-12)
        ref = ref / np.maximum(np.linalg.norm(ref, axis=1, keepdims=True), 1e-12)
    counts = np.bincount(rl, minlength=max(ql.max(), rl.max()) + 1)
    rr = np.einsum("ij,ij->i", ref, ref)
    ref_t = np.ascontiguousarray(ref.T)
    positions = np.arange(1, k + 1)
    sums = np.zeros(5)
    scored = 0
    product_seconds = 0.0
    for start in range(0, len(query), chunk):
        q = query[start:start + chunk]
        t0 = time.perf_counter()
        dots = q @ ref_t
        product_seconds += time.perf_counter() - t0
        # Smaller is nearer; |q|^2 is the same along a row and does not change the order.
        scores = rr - 2 * dots if distance == "euclidean" else -dots
        part = np.argpartition(scores, k - 1, axis=1)[:, :k]
        picked = np.take_along_axis(scores, part, axis=1)
        order = np.lexsort((part, picked), axis=1)
        idx = np.take_along_axis(part, order, axis=1)

        labels = ql[start:start + chunk]
        R = counts[labels]
        keep = R > 0
        rel = rl[idx] == labels[:, None]
        rel, R = rel[keep], R[keep]
        cutoff = np.minimum(R, k)
        hits = np.cumsum(rel, axis=1)
        precision = hits * rel / positions
        within = positions[None, :] <= cutoff[:, None]
        first = np.argmax(rel, axis=1)
        mrr = np.where(rel.any(axis=1), np.float32(1) / (first + 1).astype(np.float32), np.float32(0))
        sums += [
            rel[:, 0].sum(),
            (np.sum(rel & within, axis=1) / cutoff).sum(),
            (np.sum(precision * within, axis=1) / R).sum(),
            (np.sum(precision, axis=1) / R).sum(),
            mrr.astype(np.float64).sum(),
        ]
        scored += len(R)
    names = ["precisionAt1", "rPrecision", "meanAveragePrecisionAtR", "meanAveragePrecision", "meanReciprocalRank"]
    return dict(zip(names, (sums / scored).tolist())), product_seconds


def main():
    qpath, qlpath, rpath, rlpath, nq, nr, d, distance, k, chunk, reps = sys.argv[1:]
    nq, nr, d, chunk, reps = int(nq), int(nr), int(d), int(chunk), int(reps)
    query = load(qpath, np.float32, (nq, d))
    ql = load(qlpath, np.int32, (nq,))
    ref = load(rpath, np.float32, (nr, d))
    rl = load(rlpath, np.int32, (nr,))
    if k == "max_bin_count":
        k = int(np.bincount(rl)[np.unique(ql)].max())
    else:
        k = int(k)
    totals, products, cpu = [], [], []
    metrics = None
    for _ in range(reps):
        t0 = time.perf_counter()
        c0 = time.process_time()
        metrics, product_seconds = retrieval(query, ql, ref, rl, distance, k, chunk)
        cpu.append(time.process_time() - c0)
        totals.append(time.perf_counter() - t0)
        products.append(product_seconds)
    print(json.dumps({
        "numpy": np.__version__,
        "k": k,
        "seconds": statistics.median(totals),
        "product_seconds": statistics.median(products),
        "cpu_seconds": statistics.median(cpu),
        "metrics": metrics,
    }))


main()
