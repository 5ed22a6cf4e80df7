"""Maps `deepmetric diagnose SHARD --partial` over the shards as Ray tasks on a local Ray (one task
per shard, each a subprocess), then merges the partials with `deepmetric diagnose --merge` and
compares with diagnosing the concatenation.

    bench/.venv/bin/python bench/scale/ray_diagnose.py SHARD_DIR [--cpus 2] [--no-compare]
"""
import argparse
import os
import time

import ray

import engine_common as common


@ray.remote(num_cpus=1)
def diagnose_shard(shard, labels, offset, partial):
    return common.diagnose_shard(shard, labels, offset, partial)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--cpus", type=int, default=2)
    parser.add_argument("--no-compare", action="store_true")
    args = parser.parse_args()
    parts = os.path.join(args.folder, "parts-ray")
    os.makedirs(parts, exist_ok=True)
    for old in os.listdir(parts):
        os.remove(os.path.join(parts, old))
    shards = common.shards_of(args.folder)
    ray.init(num_cpus=args.cpus, include_dashboard=False, runtime_env={"env_vars": {"PYTHONPATH": os.path.dirname(os.path.abspath(__file__))}})
    start = time.perf_counter()
    written = ray.get([
        diagnose_shard.remote(shard, labels, offset, os.path.join(parts, f"{i:05d}.json"))
        for i, (shard, labels, offset) in enumerate(shards)
    ])
    mapped = time.perf_counter() - start
    ray.shutdown()
    merged = common.merge(os.path.join(parts, "*.json"))
    print(f"ray: {len(written)} shards measured by {args.cpus} CPUs in {mapped:.1f} s, merged in {time.perf_counter() - start - mapped:.1f} s")
    print(f"merged verdict: {merged['verdict']}")
    if args.no_compare:
        return
    common.finish(common.compare(merged, common.whole(args.folder)))


if __name__ == "__main__":
    main()
