"""Reference for bench/triplet-loss.bench.ts: batch-hard mining + triplet margin loss in plain torch.

The same computation as pytorch-metric-learning's BatchHardMiner + TripletMarginLoss (see
triplet.py), timed, and the loss over all triplets of the batch.

Usage: triplet_loss.py EMB.f32 LABELS.i32 N D MARGIN WARMUP REPS THREADS
Prints one JSON object with median times in milliseconds and the losses.
"""
import json
import statistics
import sys
import time

import numpy as np
import torch

from triplet import batch_hard, triplet_loss


def all_triplets(labels):
    same = labels.unsqueeze(1) == labels.unsqueeze(0)
    pos = same.clone()
    pos.fill_diagonal_(False)
    return torch.where(pos.unsqueeze(2) & (~same).unsqueeze(1))


def timed(fn, warmup, reps):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main():
    emb_path, labels_path, n, d, margin, warmup, reps, threads = sys.argv[1:9]
    n, d, warmup, reps, threads = int(n), int(d), int(warmup), int(reps), int(threads)
    margin = float(margin)
    torch.set_num_threads(threads)
    emb = torch.from_numpy(np.fromfile(emb_path, dtype=np.float32).reshape(n, d).copy())
    labels = torch.from_numpy(np.fromfile(labels_path, dtype=np.int32).astype(np.int64))
    x = emb.clone().requires_grad_(True)
    out = {"threads": threads, "torch": torch.__version__}

    def hard_forward():
        with torch.no_grad():
            a, p, ng = batch_hard(x, labels)
            return triplet_loss(x, a, p, ng, margin)

    def hard_step():
        x.grad = None
        a, p, ng = batch_hard(x, labels)
        loss = triplet_loss(x, a, p, ng, margin)
        loss.backward()
        return loss

    def all_step():
        x.grad = None
        a, p, ng = all_triplets(labels)
        loss = triplet_loss(x, a, p, ng, margin)
        loss.backward()
        return loss

    out["mine_ms"] = timed(lambda: batch_hard(x, labels), warmup, reps)
    out["hard_forward_ms"] = timed(hard_forward, warmup, reps)
    out["hard_step_ms"] = timed(hard_step, warmup, reps)
    out["all_step_ms"] = timed(all_step, max(1, warmup // 2), max(3, reps // 4))
    out["hard_loss"] = hard_step().item()
    out["hard_grad_norm"] = x.grad.norm().item()
    out["all_loss"] = all_step().item()
    out["all_grad_norm"] = x.grad.norm().item()
    out["num_hard_triplets"] = int(len(batch_hard(x, labels)[0]))
    out["num_all_triplets"] = int(len(all_triplets(labels)[0]))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
