"""Reference for bench/health.bench.ts: the embedding health metrics in plain torch.

The same metrics as deepmetric's embeddingHealth, written the way a torch user would: cdist for
the mean pairwise distances (raw and L2-normalized), the std of the normalized rows times
sqrt(d) (SimSiam), RankMe from torch.linalg.svdvals of the normalized rows, the covariance
spectrum from eigvalsh, dead dimensions, norms, and the label separation with every triplet
counted exactly (searchsorted over each anchor's sorted negative distances).

Usage: health.py EMB.f32 LABELS.i32 N D MARGIN WARMUP REPS THREADS
Prints one JSON object with the median wall and CPU times in milliseconds and the metrics.
"""
import json
import math
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def health(x, labels, margin):
    n, d = x.shape
    norms = x.norm(dim=1)
    z = F.normalize(x, p=2, dim=1)
    off = ~torch.eye(n, dtype=torch.bool)
    mean_distance = torch.cdist(x, x)[off].mean()
    dz = torch.cdist(z, z)
    mean_normalized = dz[off].mean()
    std = z.std(dim=0).mean() * math.sqrt(d)
    s = torch.linalg.svdvals(z)
    p = s / s.sum() + 1e-7
    rank = torch.exp(-(p * torch.log(p)).sum())
    zc = z - z.mean(dim=0)
    cov = zc.T @ zc / (n - 1)
    spectrum = torch.linalg.eigvalsh(cov).clamp(min=0)
    share = spectrum.max() / spectrum.sum()
    dead = (cov.diagonal() <= 1e-8).sum()
    same = labels.unsqueeze(1) == labels.unsqueeze(0)
    pos = same & off
    neg = ~same
    # Triplet (a, p, n) is violated when d(a, n) < d(a, p) + margin: for each (a, p), count the
    # negatives of a below the threshold in a's sorted negative distances.
    sorted_neg = dz.masked_fill(~neg, float("inf")).sort(dim=1).values
    below = torch.searchsorted(sorted_neg, (dz + margin).contiguous())
    violations = below[pos].sum()
    triplets = pos.sum(dim=1) * neg.sum(dim=1)
    return {
        "mean_distance": mean_distance.item(),
        "mean_normalized_distance": mean_normalized.item(),
        "normalized_std_sqrt_dim": std.item(),
        "effective_rank": rank.item(),
        "first_component_share": share.item(),
        "dead_dimensions": int(dead.item()),
        "norm_mean": norms.mean().item(),
        "mean_positive": dz[pos].mean().item(),
        "mean_negative": dz[neg].mean().item(),
        "violation_fraction": violations.item() / triplets.sum().item(),
    }


def main():
    emb_path, labels_path, n, d, margin, warmup, reps, threads = sys.argv[1:9]
    n, d, warmup, reps, threads = int(n), int(d), int(warmup), int(reps), int(threads)
    margin = float(margin)
    torch.set_num_threads(threads)
    x = torch.from_numpy(np.fromfile(emb_path, dtype=np.float32).reshape(n, d))
    labels = torch.from_numpy(np.fromfile(labels_path, dtype=np.int32).astype(np.int64))
    with torch.no_grad():
        for _ in range(warmup):
            health(x, labels, margin)
        times = []
        cpu_times = []
        for _ in range(reps):
            c0 = time.process_time()
            t0 = time.perf_counter()
            metrics = health(x, labels, margin)
            times.append((time.perf_counter() - t0) * 1000)
            cpu_times.append((time.process_time() - c0) * 1000)
    print(json.dumps({
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "ms": statistics.median(times),
        "cpu_ms": statistics.median(cpu_times),
        "metrics": metrics,
    }))


if __name__ == "__main__":
    main()
