"""Maps `deepmetric diagnose SHARD --partial` over the shards on a local Dask cluster
(distributed.LocalCluster: worker processes, one task per shard, each a subprocess), then merges
the partials with `deepmetric diagnose --merge` and compares with diagnosing the concatenation.

    /usr/bin/python3 bench/scale/dask_diagnose.py SHARD_DIR [--workers 2] [--no-compare]

Runs under Debian's python3 with python3-distributed (this machine's pip index has no
`distributed` wheel; bench/scale/setup.sh installs the Debian package).
"""
import argparse
import os
import time

from distributed import Client, LocalCluster

import engine_common as common


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-compare", action="store_true")
    args = parser.parse_args()
    parts = os.path.join(args.folder, "parts-dask")
    os.makedirs(parts, exist_ok=True)
    for old in os.listdir(parts):
        os.remove(os.path.join(parts, old))
    shards = common.shards_of(args.folder)
    start = time.perf_counter()
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        futures = [
            client.submit(common.diagnose_shard, shard, labels, offset, os.path.join(parts, f"{i:05d}.json"), pure=False)
            for i, (shard, labels, offset) in enumerate(shards)
        ]
        written = client.gather(futures)
    mapped = time.perf_counter() - start
    merged = common.merge(os.path.join(parts, "*.json"))
    print(f"dask: {len(written)} shards measured by {args.workers} workers in {mapped:.1f} s, merged in {time.perf_counter() - start - mapped:.1f} s")
    print(f"merged verdict: {merged['verdict']}")
    if args.no_compare:
        return
    common.finish(common.compare(merged, common.whole(args.folder)))


if __name__ == "__main__":
    main()
