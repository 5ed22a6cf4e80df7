"""What the Dask and Ray scripts share: the shards, their global row offsets, the command that
measures one shard (`deepmetric diagnose SHARD --partial parts/i.json --row-offset N`), the merge,
and the comparison with diagnosing the concatenation. Only the standard library: it runs under
Debian's python3 (Dask distributed) and under bench/.venv (Ray) alike."""
import glob
import json
import os
import shlex
import struct
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# From the sources by default (no build needed); DEEPMETRIC_CLI="npx deepmetric" runs the built CLI.
CLI = shlex.split(os.environ.get("DEEPMETRIC_CLI", f"node --import tsx {os.path.join(ROOT, 'src/cli/main.ts')}"))


def npy_rows(path: str) -> int:
    """The first dimension of a .npy file, from its header (the data is not read)."""
    with open(path, "rb") as f:
        magic = f.read(8)
        if magic[:6] != b"\x93NUMPY":
            raise SystemExit(f"{path}: not a .npy file")
        size = struct.unpack("<H" if magic[6] == 1 else "<I", f.read(2 if magic[6] == 1 else 4))[0]
        header = f.read(size).decode("latin1")
    shape = header[header.index("(") + 1 : header.index(")")]
    return int(shape.split(",")[0])


def shards_of(folder: str):
    """(shard, labels, global row offset) of every part-*.npy in sorted order."""
    shards = sorted(p for p in glob.glob(os.path.join(folder, "part-*.npy")) if not p.endswith(".labels.npy"))
    if not shards:
        raise SystemExit(f"no part-*.npy in {folder}: make them with make_shards.py")
    out, offset = [], 0
    for shard in shards:
        labels = shard[: -len(".npy")] + ".labels.npy"
        out.append((shard, labels if os.path.exists(labels) else None, offset))
        offset += npy_rows(shard)
    return out


def run(args, what):
    """Runs deepmetric ARGS; exit 0 (healthy) and 1 (not) are results, anything else a failure."""
    proc = subprocess.run(CLI + args, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{what}: deepmetric exited {proc.returncode}: {proc.stderr.strip()}")
    return proc.stdout


def diagnose_shard(shard: str, labels, offset: int, partial: str, backend: str = "wasm") -> str:
    """One task of the engine: measure a shard and write its partial result; returns the partial's path."""
    args = ["diagnose", shard, "--partial", partial, "--row-offset", str(offset), "--json", "--backend", backend]
    if labels:
        args += ["--labels", labels]
    run(args, shard)
    return partial


def merge(parts_glob: str, backend: str = "wasm") -> dict:
    return json.loads(run(["diagnose", "--merge", parts_glob, "--json", "--backend", backend], "--merge"))


def whole(folder: str, backend: str = "wasm") -> dict:
    """The concatenation (whole.npy, written by make_shards.py --whole), streamed: the same sample as the merge."""
    path = os.path.join(folder, "whole.npy")
    if not os.path.exists(path):
        raise SystemExit(f"{path} is missing: make the shards with make_shards.py --whole to compare")
    args = ["diagnose", path, "--partial", os.path.join(folder, "whole.partial.json"), "--json", "--backend", backend]
    labels = os.path.join(folder, "whole.labels.npy")
    if os.path.exists(labels):
        args += ["--labels", labels]
    return json.loads(run(args, path))


def compare(merged: dict, reference: dict, tol: float = 1e-6) -> bool:
    """Prints the verdicts and every evidence number that differs by more than tol (relative)."""
    ok = merged["verdict"] == reference["verdict"]
    print(f"verdict: merged {merged['verdict']}, whole {reference['verdict']}")
    for key, want in reference["evidence"].items():
        got = merged["evidence"].get(key)
        if isinstance(want, (int, float)) and isinstance(got, (int, float)):
            if abs(got - want) > tol * max(abs(want), 1e-6):
                ok = False
                print(f"  {key}: merged {got}, whole {want}")
        elif got != want:
            ok = False
            print(f"  {key}: merged {got}, whole {want}")
    print("merge equals the whole" if ok else "MERGE DIFFERS FROM THE WHOLE", f"(tolerance {tol} relative)")
    return ok


def finish(ok: bool) -> None:
    sys.exit(0 if ok else 1)
