"""The exact pair statistics of every row of the shards, the reference the sampled ones of
`deepmetric diagnose` are checked against (bench/scale/sampled-vs-exact.bench.ts).

Over all ordered pairs of distinct rows: the mean Euclidean distance of the raw rows and of the
L2-normalized rows; with the labels, the mean d(a, p) and d(a, n) of the normalized rows, their gap,
and the share of all triplets (a, p, n) with d(a, p) - d(a, n) + margin > 0 (PML's
TripletMarginLoss default margin 0.05), every triplet counted: per block of anchors of one class,
the positives' thresholds d(a, p) + margin sorted and every negative placed among them by
torch.searchsorted. torch on its own threads (its build printed), float64 sums.

    bench/.venv/bin/python bench/scale/exact_pairs.py SHARD_DIR [--margin 0.05] [--block 256]
Prints one JSON line: the values, seconds, torch's version, BLAS and threads.
"""
import argparse
import glob
import json
import os
import time

import numpy as np
import torch


def distances(a, b, b_sq):
    """Euclidean distances between the rows of a and b (b_sq: |b|^2), clamped at 0 before the root."""
    return (a.pow(2).sum(1, keepdim=True) + b_sq[None, :] - 2.0 * (a @ b.T)).clamp_min_(0).sqrt_()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--margin", type=float, default=0.05)
    parser.add_argument("--block", type=int, default=256)
    args = parser.parse_args()
    shards = sorted(p for p in glob.glob(os.path.join(args.dir, "part-*.npy")) if not p.endswith(".labels.npy"))
    x = torch.from_numpy(np.concatenate([np.load(p) for p in shards]).astype(np.float32))
    labels = torch.from_numpy(np.concatenate([np.load(p[:-4] + ".labels.npy") for p in shards]).astype(np.int64))
    start = time.perf_counter()
    n = x.shape[0]
    z = x / x.norm(dim=1, keepdim=True).clamp_min(1e-12)
    x_sq, z_sq = x.pow(2).sum(1), z.pow(2).sum(1)
    raw_sum = norm_sum = positive_sum = negative_sum = 0.0
    positive_pairs = negative_pairs = triplets = violations = 0
    # Anchors grouped by class, so a block's anchors share their positive columns.
    for label in torch.unique(labels).tolist():
        members = torch.nonzero(labels == label).flatten()
        others = torch.nonzero(labels != label).flatten()
        k = members.numel()
        for s in range(0, k, args.block):
            anchors = members[s : s + args.block]
            b = anchors.numel()
            raw = distances(x[anchors], x, x_sq)
            norm = distances(z[anchors], z, z_sq)
            # The diagonal: exactly 0 apart from rounding, left out.
            raw[torch.arange(b), anchors] = 0.0
            norm[torch.arange(b), anchors] = 0.0
            raw_sum += raw.double().sum().item()
            norm_sum += norm.double().sum().item()
            pos = norm[:, members]
            pos[torch.arange(b), torch.arange(s, s + b)] = float("-inf")  # the anchor itself: no positive
            neg = norm[:, others]
            positive_sum += pos.clamp_min(0).double().sum().item()
            negative_sum += neg.double().sum().item()
            positive_pairs += b * (k - 1)
            negative_pairs += b * others.numel()
            triplets += b * (k - 1) * others.numel()
            # d(a, n) < d(a, p) + margin: the thresholds above each negative (the -inf one never is).
            thresholds, _ = torch.sort(pos + args.margin, dim=1)
            at_most = torch.searchsorted(thresholds, neg.contiguous(), right=True)
            violations += int((k - at_most).sum().item())
    seconds = time.perf_counter() - start
    pairs = n * (n - 1)
    mean_positive, mean_negative = positive_sum / positive_pairs, negative_sum / negative_pairs
    print(json.dumps({
        "rows": n,
        "seconds": seconds,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "build": torch.__config__.show(),
        "meanDistance": raw_sum / pairs,
        "meanNormalizedDistance": norm_sum / pairs,
        "meanPositive": mean_positive,
        "meanNegative": mean_negative,
        "gap": mean_negative - mean_positive,
        "violationFraction": violations / triplets,
        "numTriplets": triplets,
        "numViolations": violations,
    }))


if __name__ == "__main__":
    main()
