"""The triplet loss of the torch references: batch-hard mining and the triplet margin loss as
pytorch-metric-learning computes them with its default LpDistance (L2-normalized rows, Euclidean)
and AvgNonZeroReducer, in plain torch (PML is not installed here). As in PML, the miner computes the
distance matrix without gradients and the loss computes it again on the tape.
"""
import torch
import torch.nn.functional as F


def distance(x):
    e = F.normalize(x, p=2, dim=1)
    return torch.cdist(e, e)


def batch_hard(x, labels):
    with torch.no_grad():
        mat = distance(x)
        same = labels.unsqueeze(1) == labels.unsqueeze(0)
        eye = torch.eye(len(labels), dtype=torch.bool)
        pos = same & ~eye
        neg = ~same
        ap, p = mat.masked_fill(~pos, float("-inf")).max(dim=1)
        an, n = mat.masked_fill(~neg, float("inf")).min(dim=1)
        keep = pos.any(dim=1) & neg.any(dim=1)
        a = torch.arange(len(labels))[keep]
        return a, p[keep], n[keep]


def triplet_loss(x, a, p, n, margin):
    if len(a) == 0:
        return torch.sum(x * 0)
    mat = distance(x)
    losses = F.relu(mat[a, p] - mat[a, n] + margin)
    active = losses[losses > 0]
    return active.mean() if len(active) > 0 else torch.sum(x * 0)
