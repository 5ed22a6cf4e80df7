"""Reference for bench/hardest-triplets.bench.ts: offline hardest-triplet mining in numpy.

For every row as anchor: the farthest row of its label (itself excluded) and the closest row of
another label, by Euclidean distance between L2-normalized rows. Chunked as deepmetric's
hardestTriplets is: CHUNK anchor rows at a time against all rows, with squared distances from
the Gram form |x|^2 + |y|^2 - 2 x.y (one BLAS product per chunk) and masked argmax/argmin, so
that memory stays at one CHUNK x N matrix.

Usage: hardest_triplets.py EMB.f32 LABELS.i32 N D CHUNK OUT.i32
Writes anchors, positives, negatives (int32, anchors without a triplet are -1) to OUT and
prints one JSON object with the time of the mining in milliseconds.
"""
import json
import os
import sys
import time

import numpy as np


def hardest_triplets(x, labels, chunk):
    n = x.shape[0]
    e = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    sq = np.einsum("ij,ij->i", e, e)
    pos_idx = np.full(n, -1, dtype=np.int64)
    neg_idx = np.full(n, -1, dtype=np.int64)
    # Buffers allocated once and written in place: fresh large arrays every chunk would spend
    # the time faulting in new memory pages rather than computing.
    gram = np.empty((chunk, n), dtype=np.float32)
    work = np.empty((chunk, n), dtype=np.float32)
    same = np.empty((chunk, n), dtype=bool)
    other = np.empty((chunk, n), dtype=bool)
    for s in range(0, n, chunk):
        t = min(n, s + chunk)
        c = t - s
        g, w, sm, ot = gram[:c], work[:c], same[:c], other[:c]
        np.matmul(e[s:t], e.T, out=g)
        g *= -2.0
        g += sq[None, :]
        g += sq[s:t, None]
        np.equal(labels[s:t, None], labels[None, :], out=sm)
        # hardest negative: the closest row of another label
        np.copyto(w, g)
        np.copyto(w, np.float32(np.inf), where=sm)
        hardest_neg = w.argmin(axis=1)
        has_neg = ~sm.all(axis=1)
        # hardest positive: the farthest row of the same label, the anchor itself excluded
        sm[np.arange(c), np.arange(s, t)] = False
        np.logical_not(sm, out=ot)
        np.copyto(w, g)
        np.copyto(w, np.float32(-np.inf), where=ot)
        hardest_pos = w.argmax(axis=1)
        keep = sm.any(axis=1) & has_neg
        pos_idx[s:t] = np.where(keep, hardest_pos, -1)
        neg_idx[s:t] = np.where(keep, hardest_neg, -1)
    anchors = np.where(pos_idx >= 0, np.arange(n), -1)
    return anchors, pos_idx, neg_idx


def main():
    emb_path, labels_path, n, d, chunk, out_path = sys.argv[1:7]
    n, d, chunk = int(n), int(d), int(chunk)
    x = np.fromfile(emb_path, dtype=np.float32).reshape(n, d)
    labels = np.fromfile(labels_path, dtype=np.int32)
    t0 = time.perf_counter()
    anchors, pos, neg = hardest_triplets(x, labels, chunk)
    ms = (time.perf_counter() - t0) * 1000
    np.concatenate([anchors, pos, neg]).astype(np.int32).tofile(out_path)
    print(json.dumps({"ms": ms, "numpy": np.__version__, "threads": os.environ.get("OPENBLAS_NUM_THREADS", "default")}))


if __name__ == "__main__":
    main()
