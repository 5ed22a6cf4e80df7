"""Reference for bench/train.bench.ts: the same training steps in torch.

The network, its initial weights (written by the TypeScript side in tfjs order), the batches
(row indices written by deepmetric's MPerClassSampler), the loss and the optimizer are the
benchmark's: an L2-normalized embedding network, pytorch-metric-learning's BatchHardMiner and
TripletMarginLoss (LpDistance on normalized rows, AvgNonZeroReducer) written directly in torch
(PML is not installed here), Adam (eps 1e-8). As in PML, the miner computes the distance matrix
without gradients and the loss computes it again on the tape.

Usage: train.py CONFIG.json
CONFIG holds: model ('convnet[:f1,f2,dense]' or 'mlp:256,128'), images (float32 file, n x 784), labels (int32
file), batches (int32 file, one row of indices per step), batch (rows per step), weights (float32
file, tfjs order), embedding_dim, margin, lr, threads.
It prints {"torch", "threads"} as one JSON line when ready, then for every line N read from stdin
trains the next N steps (the batches in order) and prints one JSON line: each step's
milliseconds and loss. The benchmark interleaves these chunks with its own, so that load from
other processes falls on both sides alike.
"""
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from triplet import batch_hard, triplet_loss


def convnet_sizes(model):
    """'convnet' or 'convnet:f1,f2,dense', as deepmetric's model specs (default 32,64,128)."""
    if model == "convnet":
        return 32, 64, 128
    f1, f2, dense = (int(v) for v in model.split(":")[1].split(","))
    return f1, f2, dense


def build(model, embedding_dim):
    if model.startswith("convnet"):
        f1, f2, dense = convnet_sizes(model)
        return nn.Sequential(
            nn.Conv2d(1, f1, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(f1, f2, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(7 * 7 * f2, dense), nn.ReLU(), nn.Linear(dense, embedding_dim),
        )
    hidden = [int(h) for h in model.split(":")[1].split(",")]
    layers, width = [nn.Flatten()], 784
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    layers.append(nn.Linear(width, embedding_dim))
    return nn.Sequential(*layers)


def load_weights(net, flat, model):
    """tfjs order is kernel, bias per layer; conv kernels are [fh, fw, in, out], dense [in, out]."""
    offset = 0
    params = [m for m in net if isinstance(m, (nn.Conv2d, nn.Linear))]
    dense_seen = 0
    for m in params:
        w = m.weight
        if isinstance(m, nn.Conv2d):
            out_c, in_c, fh, fw = w.shape
            size = fh * fw * in_c * out_c
            k = torch.from_numpy(flat[offset:offset + size].reshape(fh, fw, in_c, out_c)).permute(3, 2, 0, 1)
        else:
            out_f, in_f = w.shape
            size = in_f * out_f
            k = torch.from_numpy(flat[offset:offset + size].reshape(in_f, out_f))
            if model.startswith("convnet") and dense_seen == 0:
                # tfjs flattens NHWC (h, w, c); torch flattens NCHW (c, h, w): reorder the rows.
                k = k.reshape(7, 7, convnet_sizes(model)[1], out_f).permute(2, 0, 1, 3).reshape(in_f, out_f)
            k = k.t()
            dense_seen += 1
        offset += size
        with torch.no_grad():
            w.copy_(k.contiguous())
            m.bias.copy_(torch.from_numpy(flat[offset:offset + m.bias.numel()]))
        offset += m.bias.numel()
    assert offset == len(flat), (offset, len(flat))


def load_step(path):
    """The config at path and what it names, on its threads: (cfg, data, labels, batches, net, opt)."""
    with open(path) as f:
        cfg = json.load(f)
    torch.set_num_threads(cfg["threads"])
    images = np.fromfile(cfg["images"], dtype=np.float32)
    labels = torch.from_numpy(np.fromfile(cfg["labels"], dtype=np.int32).astype(np.int64))
    n = len(labels)
    shape = (n, 1, 28, 28) if cfg["model"].startswith("convnet") else (n, 784)
    data = torch.from_numpy(images.reshape(shape))
    batches = torch.from_numpy(np.fromfile(cfg["batches"], dtype=np.int32).astype(np.int64)).reshape(-1, cfg["batch"])
    net = build(cfg["model"], cfg["embedding_dim"])
    load_weights(net, np.fromfile(cfg["weights"], dtype=np.float32), cfg["model"])
    opt = torch.optim.Adam(net.parameters(), lr=cfg["lr"], eps=1e-8)
    return cfg, data, labels, batches, net, opt


def main():
    cfg, data, labels, batches, net, opt = load_step(sys.argv[1])
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    step = 0
    for line in sys.stdin:
        losses, times = [], []
        for _ in range(int(line)):
            t0 = time.perf_counter()
            rows = batches[step % len(batches)]
            x, y = data[rows], labels[rows]
            opt.zero_grad(set_to_none=True)
            e = F.normalize(net(x), p=2, dim=1)
            a, p, ng = batch_hard(e, y)
            loss = triplet_loss(e, a, p, ng, cfg["margin"])
            loss.backward()
            opt.step()
            losses.append(loss.item())
            times.append((time.perf_counter() - t0) * 1000)
            step += 1
        print(json.dumps({"step_ms": times, "losses": losses}), flush=True)


if __name__ == "__main__":
    main()
