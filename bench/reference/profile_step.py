"""Reference for bench/profile-step.bench.ts: where the time of one torch training step goes.

The step is bench/reference/train.py's (same network, weights, batches, batch-hard triplet loss,
Adam), cut into phases with torch.profiler.record_function: the batch's hand-off, the network's
forward pass, L2-normalize, mining + loss, and the backward pass in three parts (the loss's, the
normalize's, the network's: torch.autograd.grad to the embeddings, then to the network's output,
then backward from there; the same gradients as one backward). Inside the network's phases every
top-level op (forward: aten::conv2d, aten::linear, ...; backward: each autograd node) is charged
with its inclusive CPU time to its layer, named as deepmetric's profile names it ("conv 16->32
forward", "dense 1568->128 backward").

Usage: profile_step.py CONFIG.json
CONFIG holds train.py's keys (model, images, labels, batches, batch, weights, embedding_dim,
margin, lr, threads) and steps, warmup. Prints one JSON line: threads, the median step without
the profiler (step_ms), the mean step under it (profiled_step_ms) and ms per category and step.
"""
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch.profiler import ProfilerActivity, profile, record_function

from train import load_step
from triplet import batch_hard, triplet_loss

PHASES = ("data", "forward", "normalize", "loss", "loss backward", "normalize backward", "model backward", "adam")


def layer_names(net):
    """Each module's layer name, as deepmetric's profile names it."""
    names = {}
    for m in net:
        if isinstance(m, torch.nn.Conv2d):
            names[m] = f"conv {m.in_channels}->{m.out_channels}"
        elif isinstance(m, torch.nn.Linear):
            names[m] = f"dense {m.in_features}->{m.out_features}"
    return names


def category(phase, event, dims, linears):
    """The category of a top-level op of a phase; dims maps (kind, out, in) to a layer name, and
    linears holds the dense layers whose backward nodes are still to come, last layer first (the
    backward pass visits them in reverse)."""
    if phase == "data":
        return "data hand-off"
    if phase in ("normalize", "normalize backward"):
        return "L2 normalize (fwd + bwd)"
    if phase in ("loss", "loss backward"):
        return "distance + mining + loss (fwd + bwd)"
    if phase == "adam":
        return "Adam"
    name = event.name
    shapes = event.input_shapes or []
    if phase == "forward":
        if name == "aten::conv2d":
            return f"{dims[('conv', shapes[1][0], shapes[1][1])]} forward"
        if name == "aten::linear":
            return f"{dims[('dense', shapes[1][0], shapes[1][1])]} forward"
        if name == "aten::relu":
            return "relu (fwd + bwd)"
        if name == "aten::max_pool2d":
            return "max pool (fwd + bwd)"
        return f"other: {name}"
    # model backward: the autograd nodes, named after their forward op.
    node = name.split(": ")[-1]
    if node.startswith("ConvolutionBackward"):
        out_c, in_c = conv_channels(event)
        return f"{dims[('conv', out_c, in_c)]} backward"
    if node.startswith("AddmmBackward"):
        return f"{linears.pop(0)} backward"
    if node.startswith("ReluBackward") or node.startswith("ThresholdBackward"):
        return "relu (fwd + bwd)"
    if node.startswith("MaxPool2DWithIndicesBackward"):
        return "max pool (fwd + bwd)"
    if node.startswith("AccumulateGrad"):
        return "grad accumulation"
    return f"other: {node}"


def key_of(phase):
    """The category of a phase that is one category."""
    return category(phase, None, {}, [])


def conv_channels(event):
    """(out, in) channels of a ConvolutionBackward node, from its aten::convolution_backward child."""
    for child in all_children(event):
        if child.name == "aten::convolution_backward" and child.input_shapes:
            weight = child.input_shapes[2]
            return weight[0], weight[1]
    raise ValueError(f"no aten::convolution_backward under {event.name}")


def all_children(event):
    for child in event.cpu_children:
        yield child
        yield from all_children(child)


def main():
    cfg, data, labels, batches, net, opt = load_step(sys.argv[1])
    dims = {}
    for m, layer in layer_names(net).items():
        w = m.weight.shape
        dims[("conv" if len(w) == 4 else "dense", w[0], w[1])] = layer
    step = 0

    def train_step():
        nonlocal step
        with record_function("data"):
            rows = batches[step % len(batches)]
            x, y = data[rows], labels[rows]
            opt.zero_grad(set_to_none=True)
        with record_function("forward"):
            out = net(x)
        with record_function("normalize"):
            e = F.normalize(out, p=2, dim=1)
        with record_function("loss"):
            a, p, ng = batch_hard(e, y)
            loss = triplet_loss(e, a, p, ng, cfg["margin"])
        with record_function("loss backward"):
            (de,) = torch.autograd.grad(loss, e)
        with record_function("normalize backward"):
            (dout,) = torch.autograd.grad(e, out, de)
        with record_function("model backward"):
            out.backward(dout)
        with record_function("adam"):
            opt.step()
            value = loss.item()
        step += 1
        return value

    for _ in range(cfg["warmup"]):
        train_step()
    plain = []
    for _ in range(cfg["steps"]):
        t0 = time.perf_counter()
        train_step()
        plain.append((time.perf_counter() - t0) * 1000)
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        t0 = time.perf_counter()
        for _ in range(cfg["steps"]):
            train_step()
        profiled = (time.perf_counter() - t0) * 1000 / cfg["steps"]
    ms = {}
    phase_ms = {}
    for event in prof.events():
        if event.name not in PHASES or event.cpu_parent is not None:
            continue
        phase_ms[event.name] = phase_ms.get(event.name, 0.0) + event.cpu_time_total / 1000
        inside = 0.0
        linears = [layer for layer in reversed(layer_names(net).values()) if layer.startswith("dense")]
        for child in event.cpu_children:
            key = category(event.name, child, dims, linears)
            ms[key] = ms.get(key, 0.0) + child.cpu_time_total / 1000
            inside += child.cpu_time_total / 1000
        # The network's phases: the time between its ops is Python's and the dispatcher's; the
        # other phases are one category each, Python included.
        outside = "network: outside ops (Python, dispatch)" if event.name in ("forward", "model backward") else key_of(event.name)
        ms[outside] = ms.get(outside, 0.0) + event.cpu_time_total / 1000 - inside
    steps = cfg["steps"]
    print(json.dumps({
        "threads": torch.get_num_threads(),
        "step_ms": float(np.median(plain)),
        "profiled_step_ms": profiled,
        "ms": {k: v / steps for k, v in ms.items()},
        "phases": {k: v / steps for k, v in phase_ms.items()},
    }))


if __name__ == "__main__":
    main()
