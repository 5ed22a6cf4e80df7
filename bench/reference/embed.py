"""Reference for bench/embed.bench.ts: the forward pass of the same network in torch.

The network and its weights (written by the TypeScript side in tfjs order) are the benchmark's;
the images are embedded in batches under torch.no_grad() and L2-normalized, as
deepmetric's model ends with an L2Normalize layer.

Usage: embed.py CONFIG.json
CONFIG holds: model ('convnet[:f1,f2,dense]' or 'mlp:256,128'), images (float32 file, n x 784), weights
(float32 file, tfjs order), embedding_dim, batch_size, threads, out (where to write the
embeddings, float32), reps.
Prints one JSON object: the milliseconds of each repetition, torch version and threads.
"""
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from train import build, load_weights


def main():
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    torch.set_num_threads(cfg["threads"])
    images = np.fromfile(cfg["images"], dtype=np.float32)
    shape = (-1, 1, 28, 28) if cfg["model"].startswith("convnet") else (-1, 784)
    data = torch.from_numpy(images.reshape(shape))
    net = build(cfg["model"], cfg["embedding_dim"])
    load_weights(net, np.fromfile(cfg["weights"], dtype=np.float32), cfg["model"])
    net.eval()
    times = []
    with torch.no_grad():
        for _ in range(cfg["reps"]):
            t0 = time.perf_counter()
            parts = [F.normalize(net(data[i:i + cfg["batch_size"]]), p=2, dim=1) for i in range(0, len(data), cfg["batch_size"])]
            out = torch.cat(parts)
            times.append((time.perf_counter() - t0) * 1000)
    out.numpy().astype(np.float32).tofile(cfg["out"])
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "ms": times}))


if __name__ == "__main__":
    main()
