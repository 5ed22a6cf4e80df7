"""Writes seeded embedding shards for the scale benchmark and the engine check.

    python make_shards.py OUT_DIR --rows 200000 --dim 128 --shards 5 [--variant healthy|collapsed] [--seed 0]
        [--classes 100] [--uneven] [--whole]

OUT_DIR/part-00000.npy .. (float32, C order) and part-00000.labels.npy .. (int64), written one
shard at a time (memory: one shard). healthy: rows around `classes` random centres on the unit
sphere's scale, every direction used; collapsed: every row one point plus noise of 1e-3 (what a
collapsed model gives). --uneven gives the shards different sizes; --whole also writes
whole.npy / whole.labels.npy, the concatenation (for the comparison at small scale).
"""
import argparse
import os

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--shards", type=int, default=5)
    parser.add_argument("--classes", type=int, default=100)
    parser.add_argument("--variant", choices=["healthy", "collapsed"], default="healthy")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--uneven", action="store_true")
    parser.add_argument("--whole", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    centres = rng.standard_normal((args.classes, args.dim)).astype(np.float32)
    point = rng.standard_normal(args.dim).astype(np.float32)
    if args.uneven:
        weights = rng.uniform(0.3, 1.7, args.shards)
        sizes = np.floor(weights / weights.sum() * args.rows).astype(int)
        sizes[-1] = args.rows - sizes[:-1].sum()
    else:
        sizes = np.full(args.shards, args.rows // args.shards)
        sizes[: args.rows % args.shards] += 1
    parts = []
    for i, n in enumerate(sizes):
        labels = rng.integers(0, args.classes, int(n))
        if args.variant == "healthy":
            x = centres[labels] + 0.7 * rng.standard_normal((int(n), args.dim), dtype=np.float32)
        else:
            x = point + 1e-3 * rng.standard_normal((int(n), args.dim), dtype=np.float32)
        x = np.ascontiguousarray(x, dtype=np.float32)
        np.save(os.path.join(args.out, f"part-{i:05d}.npy"), x)
        np.save(os.path.join(args.out, f"part-{i:05d}.labels.npy"), labels.astype(np.int64))
        if args.whole:
            parts.append((x, labels))
    if args.whole:
        np.save(os.path.join(args.out, "whole.npy"), np.concatenate([p[0] for p in parts]))
        np.save(os.path.join(args.out, "whole.labels.npy"), np.concatenate([p[1] for p in parts]).astype(np.int64))
    print(f"wrote {args.shards} shards ({', '.join(str(int(s)) for s in sizes)} rows) x {args.dim} to {args.out}")


if __name__ == "__main__":
    main()
