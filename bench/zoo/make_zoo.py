#!/usr/bin/env python3
"""The zoo: real PyTorch metric-learning runs (pytorch-metric-learning losses, miners, distances)
for judging `deepmetric diagnose` on runs it was not designed on.

    bench/.venv/bin/python bench/zoo/make_zoo.py [--seed S] [--out bench/zoo/runs] [--only NAME] [--list]

Each run writes runs/<name>/embeddings.npy (float32, the evaluation split), labels.npy (int64),
truth.json (the measurements and the truth they give, README.md) and tb/ (a TensorBoard log:
train/loss, lr, train/mined per logged step; add_embedding of a fixed 500-row probe of the
evaluation split at ~5 steps including 0).

The run kinds are fixed; their settings (data set, classes held out, dims, lrs, steps, margins...)
are drawn from --seed, so another seed gives a different zoo of the same kinds. What a run was
meant to show never enters its truth: that is measured on the embeddings it wrote.
"""

from __future__ import annotations

import argparse
import copy
import fnmatch
import gzip
import json
import math
import os
import platform
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
PML_ENV = HERE.parent / ".venv" / "pml.env"


def _pml_env() -> dict[str, str]:
    if not PML_ENV.exists():
        return {}
    out = {}
    for line in PML_ENV.read_text().splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip()
    return out


def _pml_src() -> str:
    """Where PML's source is: $PML_SRC, else what bench/zoo/setup.sh recorded ('' for a pip install)."""
    return os.environ.get("PML_SRC") or _pml_env().get("PML_SRC", "")


def _ensure_pml_on_path() -> None:
    """PML comes from its repository's source via PYTHONPATH (bench/zoo/setup.sh writes where it is):
    unless that source is first on PYTHONPATH, re-run this script with it there, so that a
    pytorch-metric-learning installed in the venv does not stand in for it."""
    src = _pml_src()
    if src:
        src = str(Path(src).resolve())
        path = os.environ.get("PYTHONPATH", "").split(os.pathsep)
        if path[0] != src:
            if os.environ.get("_ZOO_REEXEC"):
                sys.exit(f"make_zoo.py: could not put {src} first on PYTHONPATH")
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join([src] + [p for p in path if p])
            env["_ZOO_REEXEC"] = "1"
            os.execve(sys.executable, [sys.executable, *sys.argv], env)
    try:
        import pytorch_metric_learning  # noqa: F401
    except ImportError:
        sys.exit(
            "make_zoo.py: pytorch_metric_learning is not importable: run `bash bench/zoo/setup.sh` "
            "(or set PML_SRC to pytorch-metric-learning's src)"
        )


_ensure_pml_on_path()

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from pytorch_metric_learning import distances, losses, miners  # noqa: E402
import pytorch_metric_learning as pml  # noqa: E402
from torch.utils.tensorboard import SummaryWriter  # noqa: E402

FMNIST_DIR = Path(os.environ.get("FMNIST_DIR", "/usr/share/datasets/fashion-mnist"))
PROBE_ROWS = 500
PROBE_SNAPSHOTS = 5


# ----------------------------------------------------------------------------------------------
# data


def _read_idx(path: Path) -> np.ndarray:
    """An IDX file (gzipped or not: read by its magic bytes, whatever its name says)."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    zero, dtype_code, ndim = raw[0] << 8 | raw[1], raw[2], raw[3]
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    return data.reshape(shape)


def _find(stem: str) -> Path:
    for name in (stem, stem + ".gz"):
        p = FMNIST_DIR / name
        if p.exists():
            return p
    raise FileNotFoundError(f"no {stem}[.gz] in {FMNIST_DIR} (set FMNIST_DIR)")


_FMNIST = None


def fmnist():
    """Fashion-MNIST as float32 in [0, 1]: (train images, train labels, test images, test labels)."""
    global _FMNIST
    if _FMNIST is None:
        xtr = _read_idx(_find("train-images-idx3-ubyte")).astype(np.float32) / 255.0
        ytr = _read_idx(_find("train-labels-idx1-ubyte")).astype(np.int64)
        xte = _read_idx(_find("t10k-images-idx3-ubyte")).astype(np.float32) / 255.0
        yte = _read_idx(_find("t10k-labels-idx1-ubyte")).astype(np.int64)
        _FMNIST = (xtr, ytr, xte, yte)
    return _FMNIST


@dataclass
class Task:
    """A data set as a run sees it: a class-balanced batch sampler over the training classes (labels
    0..n_train_classes-1), and the evaluation split (x_eval as the network's input, its labels)."""

    name: str
    input_shape: tuple  # (D,) for vectors, (1, H, W) for images
    n_train_classes: int
    sample: Callable  # (rng, P, K) -> (x float32 [P*K, *input_shape], y int64 [P*K])
    x_eval: np.ndarray
    y_eval: np.ndarray
    held_out: bool
    classes_total: int
    info: dict = field(default_factory=dict)


def _per_class(y: np.ndarray) -> dict[int, np.ndarray]:
    return {int(c): np.flatnonzero(y == c) for c in np.unique(y)}


def _balanced_eval(rng, y: np.ndarray, classes, per_class: int) -> np.ndarray:
    idx = []
    for c in classes:
        pool = np.flatnonzero(y == c)
        idx.append(rng.choice(pool, size=min(per_class, len(pool)), replace=False))
    return np.sort(np.concatenate(idx))


def _class_sampler(x: np.ndarray, y_local: np.ndarray, n_classes: int):
    pools = _per_class(y_local)

    def sample(rng, P, K):
        cls = rng.choice(n_classes, size=min(P, n_classes), replace=False)
        k = (P * K) // len(cls)
        idx = np.concatenate([rng.choice(pools[int(c)], size=k, replace=len(pools[int(c)]) < k) for c in cls])
        return x[idx], y_local[idx]

    return sample


def task_fmnist(rng, held_out: bool, image: bool) -> Task:
    xtr, ytr, xte, yte = fmnist()
    shape = (1, 28, 28) if image else (784,)
    if held_out:
        train_classes = np.sort(rng.choice(10, size=5, replace=False))
        eval_classes = np.setdiff1d(np.arange(10), train_classes)
        per = 500
    else:
        train_classes = eval_classes = np.arange(10)
        per = 400
    keep = np.isin(ytr, train_classes)
    remap = {int(c): i for i, c in enumerate(train_classes)}
    ytr_local = np.array([remap[int(c)] for c in ytr[keep]], dtype=np.int64)
    xtr_k = xtr[keep].reshape((-1, *shape))
    ev = _balanced_eval(rng, yte, eval_classes, per)
    return Task(
        "fmnist",
        shape,
        len(train_classes),
        _class_sampler(xtr_k, ytr_local, len(train_classes)),
        xte[ev].reshape((-1, *shape)),
        yte[ev],
        held_out,
        10,
        {"train_classes": train_classes.tolist(), "eval_classes": eval_classes.tolist(), "eval_per_class": per},
    )


def task_composite(rng, parts: int, held_out: bool, image: bool) -> Task:
    """Fashion-MNIST images side by side: `parts` images, class sum(10^(parts-1-i) * c_i) (10^parts
    classes). Training composites from the train split's images, evaluation from the test split's."""
    xtr, ytr, xte, yte = fmnist()
    n_cls = 10**parts
    digits_of = np.array([[(c // 10 ** (parts - 1 - i)) % 10 for i in range(parts)] for c in range(n_cls)])
    if held_out:
        frac = float(rng.choice([0.5, 0.6, 0.7]))
        perm = rng.permutation(n_cls)
        n_train = int(round(frac * n_cls))
        train_classes, eval_classes = np.sort(perm[:n_train]), np.sort(perm[n_train:])
        per = 40 if parts == 2 else 10
        max_eval_classes = 60 if parts == 2 else 400
        if len(eval_classes) > max_eval_classes:
            eval_classes = np.sort(rng.choice(eval_classes, size=max_eval_classes, replace=False))
    else:
        train_classes = eval_classes = np.arange(n_cls)
        per = 30 if parts == 2 else 4
    pools_tr, pools_te = _per_class(ytr), _per_class(yte)
    shape = (1, 28, 28 * parts) if image else (28 * 28 * parts,)

    def compose(images, pools, classes, k, rng):
        out = np.empty((len(classes) * k, 28, 28 * parts), dtype=np.float32)
        for j, c in enumerate(classes):
            for i, d in enumerate(digits_of[c]):
                pick = rng.choice(pools[int(d)], size=k)
                out[j * k : (j + 1) * k, :, 28 * i : 28 * (i + 1)] = images[pick]
        return out.reshape((-1, *shape))

    def sample(rng, P, K):
        local = rng.choice(len(train_classes), size=min(P, len(train_classes)), replace=False)
        k = (P * K) // len(local)
        x = compose(xtr, pools_tr, train_classes[local], k, rng)
        return x, np.repeat(local, k).astype(np.int64)

    x_eval = compose(xte, pools_te, eval_classes, per, rng)
    y_eval = np.repeat(eval_classes, per).astype(np.int64)
    return Task(
        f"comp{n_cls}",
        shape,
        len(train_classes),
        sample,
        x_eval,
        y_eval,
        held_out,
        n_cls,
        {
            "train_classes": len(train_classes),
            "eval_classes": len(eval_classes),
            "eval_per_class": per,
            "images": "Fashion-MNIST, train split for training, test split for evaluation",
        },
    )


def task_digits(rng, held_out: bool) -> Task:
    from sklearn.datasets import load_digits

    d = load_digits()
    x, y = (d.data / 16.0).astype(np.float32), d.target.astype(np.int64)
    if held_out:
        train_classes = np.sort(rng.choice(10, size=5, replace=False))
        eval_classes = np.setdiff1d(np.arange(10), train_classes)
        tr = np.isin(y, train_classes)
        ev = ~tr
    else:
        train_classes = eval_classes = np.arange(10)
        ev = np.zeros(len(y), bool)
        for c in range(10):
            pool = np.flatnonzero(y == c)
            ev[rng.choice(pool, size=len(pool) // 2, replace=False)] = True
        tr = ~ev
    remap = {int(c): i for i, c in enumerate(train_classes)}
    ytr_local = np.array([remap[int(c)] for c in y[tr]], dtype=np.int64)
    return Task(
        "digits",
        (64,),
        len(train_classes),
        _class_sampler(x[tr], ytr_local, len(train_classes)),
        x[ev],
        y[ev],
        held_out,
        10,
        {"train_classes": train_classes.tolist(), "eval_classes": eval_classes.tolist(), "train_rows": int(tr.sum())},
    )


def task_manifold(rng, held_out: bool) -> Task:
    """Synthetic: C class centres on a random k-dim manifold (uniform latent points mapped into
    256-d by a random sine-then-tanh network), samples = the centre of a jittered latent point plus a
    strong nuisance in a random 24-dim subspace (shared by all classes) plus isotropic noise. The raw
    Euclidean/cosine neighbours are dominated by the nuisance; a learned metric can project it out."""
    C = int(rng.choice([1000, 1200, 1500]))
    k = int(rng.integers(3, 7))
    D, H, q = 256, 96, 24
    z = rng.uniform(-1, 1, size=(C, k))
    W1 = rng.normal(0, 1.0, size=(k, H))
    b1 = rng.uniform(-np.pi, np.pi, size=H)
    W2 = rng.normal(0, 1 / np.sqrt(H), size=(H, D)) * 2.0
    Q = np.linalg.qr(rng.normal(size=(D, q)))[0]
    # classes of a higher-dim manifold lie further apart: a stronger nuisance keeps the raw input's
    # precision@1 at ~0.1-0.45 (measured over seeds) while projecting it out gives ~0.9-1.0
    nuisance = 0.6 * k - 0.6

    def draw(classes, n, rng):
        zc = np.repeat(z[classes], n, axis=0) + rng.normal(0, 0.03, size=(len(classes) * n, k))
        centre = np.tanh(np.sin(zc @ W1 + b1) @ W2)
        nuis = rng.normal(0, 1.0, size=(len(zc), q)) @ Q.T * nuisance
        return (centre + nuis + rng.normal(0, 0.08, size=centre.shape)).astype(np.float32)

    if held_out:
        perm = rng.permutation(C)
        train_classes, eval_classes = np.sort(perm[: C // 2]), np.sort(perm[C // 2 :][:600])
        per = 8
    else:
        train_classes = np.arange(C)
        eval_classes = np.sort(rng.choice(C, size=min(C, 1200), replace=False))
        per = 4
    n_train = 24
    x_tr = draw(train_classes, n_train, rng)
    y_tr = np.repeat(np.arange(len(train_classes)), n_train).astype(np.int64)
    x_ev = draw(eval_classes, per, rng)
    y_ev = np.repeat(eval_classes, per).astype(np.int64)
    return Task(
        "manifold",
        (D,),
        len(train_classes),
        _class_sampler(x_tr, y_tr, len(train_classes)),
        x_ev,
        y_ev,
        held_out,
        C,
        {
            "latent_dim": k,
            "nuisance_scale": nuisance,
            "train_classes": len(train_classes),
            "eval_classes": len(eval_classes),
            "train_per_class": n_train,
            "eval_per_class": per,
        },
    )


def make_task(data: str, rng, held_out: bool, image: bool) -> Task:
    if data == "fmnist":
        return task_fmnist(rng, held_out, image)
    if data == "comp100":
        return task_composite(rng, 2, held_out, image)
    if data == "comp1000":
        return task_composite(rng, 3, held_out, image)
    if data == "digits":
        return task_digits(rng, held_out)
    if data == "manifold":
        return task_manifold(rng, held_out)
    raise ValueError(data)


# ----------------------------------------------------------------------------------------------
# models


class MLP(nn.Module):
    def __init__(self, d_in: int, hidden: int, d_out: int, l2: bool, bottleneck: int | None = None):
        super().__init__()
        layers: list[nn.Module] = [nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU()]
        if bottleneck is not None:
            layers += [nn.Linear(hidden, bottleneck), nn.Linear(bottleneck, d_out)]
        else:
            layers += [nn.Linear(hidden, d_out)]
        self.net = nn.Sequential(*layers)
        self.l2 = l2

    def forward(self, x):
        e = self.net(x.flatten(1))
        return F.normalize(e, dim=1) if self.l2 else e

    def first_bias(self):
        return self.net[0].bias


class ConvNet(nn.Module):
    def __init__(self, shape: tuple, d_out: int, l2: bool):
        super().__init__()
        _, h, w = shape
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.head = nn.Sequential(nn.Linear(32 * (h // 4) * (w // 4), 256), nn.ReLU(), nn.Linear(256, d_out))
        self.l2 = l2

    def forward(self, x):
        e = self.head(self.features(x).flatten(1))
        return F.normalize(e, dim=1) if self.l2 else e

    def first_bias(self):
        return self.features[0].bias


# ----------------------------------------------------------------------------------------------
# the measurements of truth.json (numpy/torch here; nothing from deepmetric)


def _prepared(X: np.ndarray, metric: str) -> torch.Tensor:
    """Rows to rank by Euclidean distance: for cosine, the L2-normalized rows (|a-b|^2 = 2 - 2cos,
    so the same ranking); centred (distances unchanged) so float32 keeps near-collapsed detail."""
    X = torch.from_numpy(np.asarray(X, dtype=np.float64).reshape(len(X), -1))
    if metric == "cosine":
        X = X / X.norm(dim=1, keepdim=True).clamp_min(1e-12)
    return (X - X.mean(0)).float()


def retrieval(X: np.ndarray, y: np.ndarray, metric: str, seed: int, chunk: int = 512) -> dict:
    """Leave-one-out precision@1 and MAP@R (R = the query's class size - 1) over every row, by the
    run's distance. Rows are put in a seeded random order first, so exact ties rank at random."""
    n = len(X)
    perm = np.random.default_rng(seed).permutation(n)
    Xp = _prepared(X[perm], metric)
    yp = torch.from_numpy(np.asarray(y)[perm].astype(np.int64))
    _, inv, counts = torch.unique(yp, return_inverse=True, return_counts=True)
    R = counts[inv] - 1
    rmax = int(R.max())
    sq = (Xp * Xp).sum(1)
    hit1 = torch.zeros(n, dtype=torch.float64)
    ap = torch.zeros(n, dtype=torch.float64)
    ranks = torch.arange(1, rmax + 1, dtype=torch.float64)
    for s in range(0, n, chunk):
        e = min(n, s + chunk)
        d = sq[s:e, None] + sq[None, :] - 2 * Xp[s:e] @ Xp.T
        d[torch.arange(e - s), torch.arange(s, e)] = float("inf")
        idx = torch.topk(d, rmax, dim=1, largest=False, sorted=True).indices
        hits = (yp[idx] == yp[s:e, None]).double()
        mask = (ranks[None, :] <= R[s:e, None]).double()
        hits = hits * mask
        hit1[s:e] = hits[:, 0]
        prec = hits.cumsum(1) / ranks[None, :]
        ap[s:e] = (prec * hits).sum(1) / R[s:e].clamp_min(1).double()
    valid = (R > 0).numpy()
    chance = float((R[R > 0].double() / (n - 1)).mean())
    # per-query arrays back in the rows' original order (for the paired comparisons)
    h_orig, a_orig, v_orig = np.empty(n), np.empty(n), np.empty(n, dtype=bool)
    h_orig[perm], a_orig[perm], v_orig[perm] = hit1.numpy(), ap.numpy(), valid
    return {
        "precision_at_1": float(h_orig[v_orig].mean()),
        "map_at_r": float(a_orig[v_orig].mean()),
        "chance_precision_at_1": chance,
        "queries": int(v_orig.sum()),
        "_hits": h_orig,
        "_ap": a_orig,
        "_valid": v_orig,
    }


def mean_pairwise_distance(X: np.ndarray, normalize: bool, chunk: int = 1024) -> float:
    """The mean Euclidean distance over every pair i != j (of the L2-normalized rows: max 2)."""
    Xp = _prepared(X, "cosine" if normalize else "euclidean")
    n = len(Xp)
    sq = (Xp * Xp).sum(1)
    total = 0.0
    for s in range(0, n, chunk):
        e = min(n, s + chunk)
        d2 = (sq[s:e, None] + sq[None, :] - 2 * Xp[s:e] @ Xp.T).clamp_min(0)
        d2[torch.arange(e - s), torch.arange(s, e)] = 0
        total += float(d2.double().sqrt().sum())
    return total / (n * (n - 1))


def effective_rank(X: np.ndarray, normalize: bool) -> float:
    """exp(entropy) of the covariance eigenvalues normalized to sum 1 (0 when there is no variance)."""
    X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    if normalize:
        X = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
    X = X - X.mean(0)
    cov = X.T @ X / len(X) if X.shape[1] <= len(X) else X @ X.T / len(X)
    ev = np.clip(np.linalg.eigvalsh(cov), 0, None)
    if ev.sum() <= 0:
        return 0.0
    p = ev / ev.sum()
    p = p[p > 0]
    return float(np.exp(-(p * np.log(p)).sum()))


def _paired_margin(e_arr, b_arr, valid, base_value: float) -> tuple[float, float]:
    """(mean improvement over the baseline, the margin it must pass): max(3 paired standard errors,
    min(0.02, 0.2 * (1 - baseline)))."""
    diff = (e_arr - b_arr)[valid]
    se = float(diff.std(ddof=1) / math.sqrt(len(diff))) if len(diff) > 1 else 0.0
    return float(diff.mean()), max(3 * se, min(0.02, 0.2 * (1 - base_value)))


SPREAD_MIN = 0.1  # of the normalized spread's max 2
NEAR_CHANCE = 0.1  # P@1 and MAP@R within this of chance
P1_CEILING = 0.95  # a baseline P@1 this high leaves no room to be clearly better


def measure(emb, x_raw, emb_untrained, y, metric: str, seed: int) -> dict:
    normalize = metric == "cosine"
    finite = bool(np.isfinite(emb).all())
    out: dict = {"metric": metric, "finite": finite}
    base = {"raw_input": retrieval(x_raw, y, metric, seed), "untrained": retrieval(emb_untrained, y, metric, seed)}
    if finite:
        base["embeddings"] = retrieval(emb, y, metric, seed)
    for k, r in base.items():
        out[k] = {kk: v for kk, v in r.items() if not kk.startswith("_")}
    out["chance_precision_at_1"] = base["raw_input"]["chance_precision_at_1"]
    out["spread_untrained"] = mean_pairwise_distance(emb_untrained, True)
    out["effective_rank_untrained"] = effective_rank(emb_untrained, normalize)
    zero_rows = int((np.linalg.norm(emb_untrained, axis=1) == 0).sum())
    if not finite:
        out["nonfinite_rows"] = int((~np.isfinite(emb).all(1)).sum())
        out["truth"] = "degraded"
        out["truth_reason"] = "non-finite embeddings: no distance to measure, unusable, not one point"
        return out
    out["zero_rows"] = int((np.linalg.norm(emb, axis=1) == 0).sum())
    out["zero_rows_untrained"] = zero_rows
    out["spread"] = mean_pairwise_distance(emb, True)
    out["effective_rank"] = effective_rank(emb, normalize)
    if not normalize:
        out["euclidean_spread"] = mean_pairwise_distance(emb, False)
        out["euclidean_spread_untrained"] = mean_pairwise_distance(emb_untrained, False)
        out["mean_norm"] = float(np.linalg.norm(emb, axis=1).mean())
    else:
        out["effective_rank_unnormalized"] = effective_rank(emb, False)

    e = base["embeddings"]
    chance = out["chance_precision_at_1"]
    checks = {}
    for metric_key, arr in (("precision_at_1", "_hits"), ("map_at_r", "_ap")):
        best = max(("raw_input", "untrained"), key=lambda k: base[k][metric_key])
        gain, margin = _paired_margin(e[arr], base[best][arr], e["_valid"], base[best][metric_key])
        checks[metric_key] = {"best_baseline": best, "gain": gain, "margin": margin, "better": gain > margin}
    out["checks"] = checks
    point = out["spread"] < SPREAD_MIN or (
        not normalize and out["euclidean_spread"] < SPREAD_MIN * out["euclidean_spread_untrained"]
    )
    near_chance = (
        e["precision_at_1"] - chance < NEAR_CHANCE and e["map_at_r"] - chance < NEAR_CHANCE
    )
    healthy_geometry = out["spread"] >= SPREAD_MIN and not point
    map_better = checks["map_at_r"]["better"]
    p1 = checks["precision_at_1"]
    p1_not_worse = p1["gain"] > -p1["margin"]
    p1_base = base[p1["best_baseline"]]["precision_at_1"]
    # P@1 must be clearly better too, unless the baseline's is at the ceiling (>= 0.95: fewer than
    # 1 in 20 queries left to fix, of the order of the margin itself); there it must not be worse
    p1_ceiling = p1_base >= P1_CEILING
    p1_ok = p1["better"] or (p1_ceiling and p1_not_worse)
    checks["precision_at_1"]["ceiling"] = p1_ceiling
    # the lenient reading: MAP@R clearly better, P@1 only not clearly worse (kept beside the truth)
    out["truth_lenient"] = (
        "collapsed" if point and near_chance else "healthy" if healthy_geometry and map_better and p1_not_worse else "degraded"
    )
    if point and near_chance:
        out["truth"] = "collapsed"
        out["truth_reason"] = (
            (
                f"spread {out['spread']:.4f} < {SPREAD_MIN}"
                if out["spread"] < SPREAD_MIN
                else f"Euclidean spread {out['euclidean_spread']:.4g} < {SPREAD_MIN} x the untrained net's {out['euclidean_spread_untrained']:.4g}"
            )
            + f"; P@1 {e['precision_at_1']:.4f}, MAP@R {e['map_at_r']:.4f} within {NEAR_CHANCE} of chance {chance:.4f}"
        )
    elif healthy_geometry and map_better and p1_ok:
        out["truth"] = "healthy"
        out["truth_reason"] = (
            f"MAP@R {e['map_at_r']:.4f} beats the best baseline ({checks['map_at_r']['best_baseline']}) by "
            f"{checks['map_at_r']['gain']:+.4f} > margin {checks['map_at_r']['margin']:.4f}; P@1 {e['precision_at_1']:.4f} "
            f"{p1['gain']:+.4f} vs {p1['best_baseline']} "
            + (f"(> margin {p1['margin']:.4f})" if p1["better"] else f"(baseline {p1_base:.4f} at the ceiling; not below -{p1['margin']:.4f})")
            + f"; spread {out['spread']:.3f}"
        )
    else:
        why = []
        if not map_better:
            c = checks["map_at_r"]
            why.append(f"MAP@R gain {c['gain']:+.4f} over {c['best_baseline']} <= margin {c['margin']:.4f}")
        if not p1_ok:
            why.append(
                f"P@1 gain {p1['gain']:+.4f} over {p1['best_baseline']} <= margin {p1['margin']:.4f}"
                if not p1_ceiling
                else f"P@1 {p1['gain']:+.4f} below {p1['best_baseline']} (at the ceiling {p1_base:.4f}) by more than the margin {p1['margin']:.4f}"
            )
        if out["spread"] < SPREAD_MIN:
            why.append(f"spread {out['spread']:.4f} < {SPREAD_MIN} with retrieval above chance + {NEAR_CHANCE}")
        elif point:
            why.append(f"Euclidean spread < {SPREAD_MIN} x the untrained net's with retrieval above chance + {NEAR_CHANCE}")
        out["truth"] = "degraded"
        out["truth_reason"] = "; ".join(why)
    return out


# ----------------------------------------------------------------------------------------------
# the run kinds and their seeded settings


def _lr_str(lr: float) -> str:
    m, e = f"{lr:.0e}".split("e")
    return f"{m}e{int(e)}"


def _loguniform(rng, lo, hi, digits=1):
    v = math.exp(rng.uniform(math.log(lo), math.log(hi)))
    return float(f"{v:.{digits - 1}e}")


def build_specs(seed: int) -> list[dict]:
    """The zoo's runs for a seed: the same kinds every seed, with settings drawn from it."""
    rng = np.random.default_rng([seed, 7919])
    ch = lambda xs: xs[int(rng.integers(len(xs)))]  # noqa: E731
    lr = lambda lo=3e-4, hi=2e-3: _loguniform(rng, lo, hi)  # noqa: E731
    sched = lambda: ch(["const", "cos"])  # noqa: E731
    S = []

    def add(**kw):
        kw.setdefault("arch", "mlp")
        kw.setdefault("hidden", 512)
        kw.setdefault("miner", None)
        kw.setdefault("sched", "const")
        kw.setdefault("extra", {})
        S.append(kw)

    # runs trained the usual way, over the data sets, splits, dims, losses and distances
    add(data="fmnist", held_out=False, dim=ch([32, 64, 128]), loss="triplet", miner="semihard", dist="l2", lr=lr(), steps=int(ch([800, 1200])), sched=sched())
    add(data="fmnist", held_out=True, dim=ch([64, 128, 256]), loss="multisim", miner="ms", dist="cos", lr=lr(), steps=int(ch([800, 1200])), sched=sched())
    add(data="fmnist", held_out=False, arch="conv", dim=ch([64, 128]), loss="arcface", dist="cos", lr=lr(5e-4, 2e-3), steps=int(ch([300, 400])))
    add(data="fmnist", held_out=True, dim=ch([16, 32]), loss="contrastive", miner="pair", dist="raw", lr=lr(), steps=int(ch([800, 1200])), sched=sched())
    add(data="comp100", held_out=True, dim=ch([128, 256]), loss="triplet", miner="semihard", dist="l2", lr=lr(), steps=int(ch([1000, 1400])), sched=sched())
    add(data="comp100", held_out=False, dim=ch([256, 512]), loss="arcface", dist="cos", lr=lr(5e-4, 2e-3), steps=int(ch([1000, 1400])))
    add(data="comp100", held_out=True, arch="conv", dim=ch([128, 256]), loss="multisim", miner="ms", dist="cos", lr=lr(), steps=int(ch([300, 400])))
    add(data="comp100", held_out=False, dim=ch([64, 128]), loss="triplet", miner="semihard", dist="raw", lr=lr(), steps=int(ch([1000, 1400])), sched=sched())
    add(data="comp1000", held_out=True, dim=ch([512, 1024]), loss="multisim", miner="ms", dist="cos", lr=lr(), steps=int(ch([1000, 1400])), sched=sched())
    add(data="comp1000", held_out=False, dim=1024, loss="arcface", dist="cos", lr=lr(5e-4, 2e-3), steps=int(ch([1000, 1400])))
    add(data="comp1000", held_out=True, dim=ch([128, 256]), loss="contrastive", miner="pair", dist="cos", lr=lr(), steps=int(ch([1000, 1400])), sched=sched())
    add(data="digits", held_out=False, dim=16, loss="triplet", miner="semihard", dist="l2", lr=lr(), steps=int(ch([400, 600])), hidden=256)
    add(data="digits", held_out=True, dim=ch([16, 32, 64]), loss="contrastive", miner="pair", dist="cos", lr=lr(), steps=int(ch([400, 600])), hidden=256)
    add(data="manifold", held_out=True, dim=ch([64, 128, 256]), loss="multisim", miner="ms", dist="cos", lr=lr(), steps=int(ch([1000, 1400])), sched=sched(), hidden=384)
    add(data="manifold", held_out=False, dim=ch([32, 64, 128]), loss="triplet", miner="semihard", dist="raw", lr=lr(), steps=int(ch([1000, 1400])), hidden=384)
    add(data="manifold", held_out=True, dim=ch([128, 256, 512]), loss="arcface", dist="cos", lr=lr(5e-4, 2e-3), steps=int(ch([1000, 1400])), hidden=384)

    # runs set up the ways runs go wrong
    add(data=ch(["fmnist", "comp100"]), held_out=bool(ch([False, True])), dim=ch([64, 128]), loss="triplet", miner="batchhard", dist="l2", lr=lr(), steps=int(ch([800, 1200])))
    add(data=ch(["manifold", "comp1000"]), held_out=True, dim=ch([64, 128, 256]), loss="triplet", miner="hard", dist=ch(["l2", "raw"]), lr=lr(), steps=int(ch([800, 1200])))
    add(data=ch(["comp100", "fmnist"]), held_out=bool(ch([False, True])), dim=ch([128, 256]), loss="multisim", miner="ms", dist="cos", lr=float(ch([0.3, 1.0, 3.0])), steps=int(ch([400, 600])))
    add(data=ch(["manifold", "digits"]), held_out=False, dim=ch([32, 64]), loss="contrastive", miner="pair", dist="raw", lr=float(ch([0.3, 1.0, 3.0])), steps=int(ch([400, 600])))
    add(data="fmnist", held_out=bool(ch([False, True])), dim=ch([64, 128]), loss="triplet", miner="semihard", dist="l2", lr=lr(), steps=int(ch([600, 900])), extra={"bottleneck": 2})
    add(data=ch(["comp1000", "manifold"]), held_out=True, dim=ch([256, 512]), loss="multisim", miner="ms", dist="cos", lr=lr(), steps=int(ch([800, 1200])), extra={"bottleneck": 2})
    add(data=ch(["fmnist", "comp100", "digits"]), held_out=bool(ch([False, True])), dim=ch([64, 128]), loss="triplet", miner="semihard", dist=ch(["l2", "raw"]), lr=lr(), steps=int(ch([400, 600])), extra={"first_bias": -float(ch([3.0, 6.0, 12.0]))})
    add(data=ch(["fmnist", "comp100"]), held_out=bool(ch([False, True])), dim=ch([64, 128]), loss="triplet", miner="semihard", dist="l2", lr=lr(), steps=int(ch([800, 1200])), extra={"spike_at": float(ch([0.5, 0.7])), "spike_x": float(ch([1e3, 1e4]))})
    add(data=ch(["comp1000", "fmnist"]), held_out=bool(ch([False, True])), dim=ch([128, 512]), loss=ch(["triplet", "multisim"]), miner=None, dist="cos", lr=lr(), steps=0)
    add(data=ch(["manifold", "comp100"]), held_out=True, dim=ch([64, 256]), loss="triplet", miner="semihard", dist="l2", lr=lr(), steps=int(ch([3, 5, 10])))

    for i, s in enumerate(S):
        if s["loss"] == "triplet":
            s["margin"] = float(ch([0.1, 0.2])) if s["dist"] != "raw" else float(ch([0.5, 1.0]))
        if s["steps"] == 0:
            s["miner"] = "semihard" if s["loss"] == "triplet" else "ms"
        s["run_seed"] = int(np.random.default_rng([seed, i]).integers(2**31 - 1))
        s["name"] = spec_name(i, s)
    return S


def spec_name(i: int, s: dict) -> str:
    parts = [f"{i:02d}", s["data"], "heldout" if s["held_out"] else "same", s["arch"] + str(s["hidden"]) if s["arch"] == "mlp" else s["arch"]]
    if "bottleneck" in s["extra"]:
        parts.append(f"bneck{s['extra']['bottleneck']}")
    parts.append(f"d{s['dim']}")
    parts.append(s["loss"] + (f"-m{s['margin']:g}" if "margin" in s else ""))
    if s["miner"]:
        parts.append(s["miner"])
    parts.append(s["dist"])
    parts.append(f"lr{_lr_str(s['lr'])}" + ("cos" if s["sched"] == "cos" else ""))
    parts.append(f"s{s['steps']}")
    if "first_bias" in s["extra"]:
        parts.append(f"bias{s['extra']['first_bias']:g}")
    if "spike_at" in s["extra"]:
        at = int(s["extra"]["spike_at"] * s["steps"])
        parts.append(f"lrx{s['extra']['spike_x']:g}at{at}")
    return "-".join(parts)


# ----------------------------------------------------------------------------------------------
# training


def make_loss_and_miner(s: dict, n_classes: int):
    if s["dist"] == "raw":
        dist = distances.LpDistance(normalize_embeddings=False)
    elif s["dist"] == "cos":
        dist = distances.CosineSimilarity()
    else:
        dist = distances.LpDistance()  # the model's output is L2-normalized; so is this distance
    miner = None
    if s["loss"] == "triplet":
        loss = losses.TripletMarginLoss(margin=s["margin"], distance=dist)
        if s["miner"] == "semihard":
            miner = miners.TripletMarginMiner(margin=s["margin"], type_of_triplets="semihard", distance=dist)
        elif s["miner"] == "hard":
            miner = miners.TripletMarginMiner(margin=s["margin"], type_of_triplets="hard", distance=dist)
        elif s["miner"] == "batchhard":
            miner = miners.BatchHardMiner(distance=dist)
    elif s["loss"] == "contrastive":
        if s["dist"] == "cos":
            # similarities: positives pulled above 0.9, negatives pushed below 0.4
            loss = losses.ContrastiveLoss(pos_margin=0.9, neg_margin=0.4, distance=dist)
            miner = miners.PairMarginMiner(pos_margin=0.9, neg_margin=0.4, distance=dist)
        else:
            loss = losses.ContrastiveLoss(pos_margin=0.0, neg_margin=1.0, distance=dist)
            miner = miners.PairMarginMiner(pos_margin=0.2, neg_margin=0.8, distance=dist)
    elif s["loss"] == "multisim":
        loss = losses.MultiSimilarityLoss(alpha=2, beta=50, base=0.5, distance=dist)
        miner = miners.MultiSimilarityMiner(epsilon=0.1, distance=dist)
    elif s["loss"] == "arcface":
        loss = losses.ArcFaceLoss(num_classes=n_classes, embedding_size=s["dim"], margin=28.6, scale=64)
    else:
        raise ValueError(s["loss"])
    return loss, miner, dist


@torch.no_grad()
def embed(model, x: np.ndarray, batch: int = 1024) -> np.ndarray:
    model.eval()
    out = [model(torch.from_numpy(x[i : i + batch])).float() for i in range(0, len(x), batch)]
    model.train()
    return torch.cat(out).numpy().astype(np.float32)


def train_run(s: dict, out_dir: Path, zoo_seed: int) -> dict:
    t0 = time.time()
    torch.manual_seed(s["run_seed"])
    rng = np.random.default_rng(s["run_seed"])
    image = s["arch"] == "conv"
    task = make_task(s["data"], np.random.default_rng([zoo_seed, s["run_seed"]]), s["held_out"], image)
    l2 = s["dist"] == "l2"
    if image:
        model = ConvNet(task.input_shape, s["dim"], l2)
    else:
        model = MLP(task.input_shape[0], s["hidden"], s["dim"], l2, s["extra"].get("bottleneck"))
    untrained = copy.deepcopy(model)  # default init with the run's seed, before any sabotage
    if "first_bias" in s["extra"]:
        with torch.no_grad():
            model.first_bias().fill_(s["extra"]["first_bias"])
    loss_fn, miner, _ = make_loss_and_miner(s, task.n_train_classes)
    params = list(model.parameters()) + list(loss_fn.parameters())
    opt = torch.optim.Adam(params, lr=s["lr"])
    steps = s["steps"]
    P = min(32, task.n_train_classes)
    K = max(4, 128 // P)

    run_dir = out_dir / s["name"]
    if run_dir.exists():  # a run made again starts from nothing (no stale TensorBoard events)
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True)
    tb = SummaryWriter(log_dir=str(run_dir / "tb"))
    probe = np.sort(np.random.default_rng([zoo_seed, s["run_seed"], 1]).choice(len(task.y_eval), size=min(PROBE_ROWS, len(task.y_eval)), replace=False))
    probe_x, probe_meta = task.x_eval[probe], [str(int(v)) for v in task.y_eval[probe]]
    snaps = sorted({int(round(steps * i / (PROBE_SNAPSHOTS - 1))) for i in range(PROBE_SNAPSHOTS)})
    log_every = 1 if steps <= 50 else 5
    spike_step = int(s["extra"]["spike_at"] * steps) if "spike_at" in s["extra"] else None

    def lr_at(step):
        base = s["lr"] * (0.5 * (1 + math.cos(math.pi * step / steps)) if s["sched"] == "cos" and steps else 1.0)
        return base * s["extra"]["spike_x"] if step == spike_step else base

    losses_seen = []
    mined_seen = []
    nonfinite_loss_steps = 0
    for step in range(steps + 1):
        if step in snaps:
            tb.add_embedding(torch.from_numpy(embed(model, probe_x)), metadata=probe_meta, global_step=step, tag="probe")
        if step == steps and steps > 0:
            break
        if steps == 0:  # an untrained run logs its loss at init once, and takes no step
            with torch.no_grad():
                xb, yb = task.sample(rng, P, K)
                emb = model(torch.from_numpy(xb))
                yb = torch.from_numpy(yb)
                tuples = miner(emb, yb) if miner is not None else None
                lv = float(loss_fn(emb, yb, tuples) if tuples is not None else loss_fn(emb, yb))
                mined = (len(tuples[0]) if len(tuples) == 3 else len(tuples[0]) + len(tuples[2])) if tuples else len(yb)
            tb.add_scalar("train/loss", lv, 0)
            tb.add_scalar("lr", s["lr"], 0)
            tb.add_scalar("train/mined", mined, 0)
            break
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        xb, yb = task.sample(rng, P, K)
        xb, yb = torch.from_numpy(xb), torch.from_numpy(yb)
        emb = model(xb)
        if miner is not None:
            tuples = miner(emb, yb)
            mined = int(len(tuples[0])) if len(tuples) == 3 else int(len(tuples[0]) + len(tuples[2]))
            loss = loss_fn(emb, yb, tuples)
        else:
            mined = len(yb)  # a loss without a miner (ArcFace) uses every sample of the batch
            loss = loss_fn(emb, yb)
        opt.zero_grad(set_to_none=True)
        if torch.isfinite(loss):
            loss.backward()
            opt.step()
        else:
            nonfinite_loss_steps += 1
        lv = float(loss.detach())
        losses_seen.append(lv)
        mined_seen.append(mined)
        if step % log_every == 0 or step == steps - 1 or step in (spike_step, (spike_step or -2) + 1):
            tb.add_scalar("train/loss", lv, step)
            tb.add_scalar("lr", lr_at(step), step)
            tb.add_scalar("train/mined", mined, step)
    tb.flush()
    tb.close()
    t_train = time.time() - t0

    emb_eval = embed(model, task.x_eval)
    emb_untr = embed(untrained, task.x_eval)
    x_raw = task.x_eval.reshape(len(task.x_eval), -1)
    np.save(run_dir / "embeddings.npy", emb_eval.astype(np.float32))
    np.save(run_dir / "labels.npy", task.y_eval.astype(np.int64))
    metric = "euclidean" if s["dist"] == "raw" else "cosine"
    m = measure(emb_eval, x_raw, emb_untr, task.y_eval, metric, s["run_seed"])

    truth = {
        "name": s["name"],
        "truth": m.pop("truth"),
        "truth_reason": m.pop("truth_reason"),
        "truth_lenient": m.pop("truth_lenient"),
        "data": s["data"],
        "held_out": s["held_out"],
        "classes_total": task.classes_total,
        "train_classes": task.n_train_classes,
        "classes": int(len(np.unique(task.y_eval))),
        "rows": int(len(task.y_eval)),
        "dim": s["dim"],
        "input_dim": int(x_raw.shape[1]),
        "arch": s["arch"],
        "hidden": s["hidden"] if s["arch"] == "mlp" else None,
        "loss": s["loss"],
        "margin": s.get("margin"),
        "miner": s["miner"],
        "distance": {"l2": "LpDistance (L2-normalized output)", "cos": "CosineSimilarity", "raw": "LpDistance(normalize_embeddings=False)"}[s["dist"]],
        "normalized": s["dist"] != "raw",
        "optimizer": "Adam",
        "lr": s["lr"],
        "lr_schedule": s["sched"],
        "steps": steps,
        "batch": P * K,
        "classes_per_batch": P,
        "extra": s["extra"],
        "run_seed": s["run_seed"],
        "zoo_seed": zoo_seed,
        "task": task.info,
        "train_loss_first": losses_seen[0] if losses_seen else None,
        "train_loss_last_mean10": float(np.mean(losses_seen[-10:])) if losses_seen else None,
        "train_mined_last_mean10": float(np.mean(mined_seen[-10:])) if mined_seen else None,
        "nonfinite_loss_steps": nonfinite_loss_steps,
        "measurements": m,
        "probe_rows": int(len(probe)),
        "probe_steps": snaps,
        "seconds_train": round(t_train, 1),
        "seconds_total": round(time.time() - t0, 1),
        "versions": versions(),
    }
    (run_dir / "truth.json").write_text(json.dumps(truth, indent=2) + "\n")
    return truth


_VERSIONS = None


def versions() -> dict:
    global _VERSIONS
    if _VERSIONS is None:
        where = Path(pml.__file__).resolve().parent
        src = _pml_src()
        if src and where.is_relative_to(Path(src).resolve()):
            commit = os.environ.get("PML_COMMIT") or _pml_env().get("PML_COMMIT") or "unknown"
            cfile = Path(src).resolve().parent / "COMMIT"
            if commit == "unknown" and cfile.exists():
                commit = cfile.read_text().strip()
        else:
            commit = "installed package (no source commit)"
        _VERSIONS = {
            "pytorch_metric_learning": pml.__version__,
            "pytorch_metric_learning_commit": commit,
            "pytorch_metric_learning_path": str(where),
            "torch": torch.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
            "torch_threads": torch.get_num_threads(),
        }
    return _VERSIONS


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(HERE / "runs"))
    ap.add_argument("--only", action="append", help="a run name or glob (repeatable, or comma-separated)")
    ap.add_argument("--list", action="store_true", help="print the seed's run names and exit")
    # one thread: on this 2-core machine with other work running, 2 torch threads ran 2-10x slower
    ap.add_argument("--threads", type=int, default=int(os.environ.get("ZOO_THREADS", "1")))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    specs = build_specs(args.seed)
    if args.only:
        pats = [p for o in args.only for p in o.split(",") if p]
        specs = [s for s in specs if any(fnmatch.fnmatch(s["name"], p) or s["name"] == p or s["name"].startswith(p + "-") for p in pats)]
        if not specs:
            sys.exit(f"make_zoo.py: no run of seed {args.seed} matches {pats} (see --list)")
    if args.list:
        for s in specs:
            print(s["name"])
        return
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    v = versions()
    print(f"zoo seed {args.seed}: {len(specs)} runs -> {out}; torch {v['torch']}, pytorch-metric-learning {v['pytorch_metric_learning']} ({v['pytorch_metric_learning_commit']}), {args.threads} threads", flush=True)
    t0 = time.time()
    for s in specs:
        t = train_run(s, out, args.seed)
        m = t["measurements"]
        e = m.get("embeddings", {})
        print(
            f"{time.time() - t0:7.1f}s {t['name']}: {t['truth']}  P@1 {e.get('precision_at_1', float('nan')):.3f} "
            f"(raw {m['raw_input']['precision_at_1']:.3f}, untrained {m['untrained']['precision_at_1']:.3f})  "
            f"MAP@R {e.get('map_at_r', float('nan')):.3f}  spread {m.get('spread', float('nan')):.3f}  "
            f"rank {m.get('effective_rank', float('nan')):.1f}  [{t['seconds_total']}s]",
            flush=True,
        )
    if not args.only:
        summary = {"seed": args.seed, "runs": [s["name"] for s in specs], "seconds": round(time.time() - t0, 1), "versions": v}
        (out / "zoo.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"done in {time.time() - t0:.1f}s", flush=True)


if __name__ == "__main__":
    main()
