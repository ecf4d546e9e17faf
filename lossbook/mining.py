"""Online mining: which triplets of a labelled batch a triplet loss should look at.

As in pytorch-metric-learning, mining is separate from the loss. A **miner** looks at the
distances of a batch and returns an index tuple ``(anchors, positives, negatives)`` of 1-D
``torch.long`` tensors, one entry per triplet; a **loss** consumes it::

    a, p, n = lb.semi_hard_miner(embeddings, labels, margin=0.2)
    loss = lb.triplet_loss(embeddings, (a, p, n), margin=0.2)

Three miners (Schroff et al. 2015; Hermans et al. 2017), each a function and an
``nn.Module`` whose ``forward(embeddings, labels)`` calls it:

* :func:`batch_hard_miner` -- for each anchor, its farthest positive and its nearest negative;
* :func:`batch_all_miner` -- every valid triplet, or with ``margin`` only the active ones
  (those whose loss is > 0);
* :func:`semi_hard_miner` -- FaceNet's: for each anchor-positive pair, the hardest negative
  that is still farther than the positive, within the margin
  (:math:`d_{ap} < d_{an} < d_{ap} + m`); pairs without one are left out.

A triplet is valid when :math:`y_a = y_p`, :math:`a \\ne p` and :math:`y_n \\ne y_a`.
Miners run without gradient (they only choose), on the distances of
:func:`lossbook.euclidean_distance_matrix` (``squared`` and ``exact`` as there), and return
empty tuples for a batch without a valid triplet. The number of triplets depends on the data,
so a miner synchronises with the device and ends a ``torch.compile`` graph: mine outside the
compiled step, or use :func:`lossbook.batch_hard_triplet_loss` and
:func:`lossbook.batch_all_triplet_loss`, which make the same choices on fixed-shape masks.

Memory: :func:`batch_hard_miner` and :func:`semi_hard_miner` need O(B²) (a sort of each
anchor's negatives); :func:`batch_all_miner` needs O(B² + T) for its T triplets, built from
index arithmetic, never from a (B, B, B) mask.
"""
from __future__ import annotations

from typing import Optional, Tuple

import torch
import torch.nn as nn

from ._core import autocast_float32, no_autocast
from ._validation import check_flag, check_labels, check_scalar

__all__ = ["batch_hard_miner", "BatchHardMiner", "batch_all_miner", "BatchAllMiner",
           "semi_hard_miner", "SemiHardMiner"]

Triplets = Tuple[torch.Tensor, torch.Tensor, torch.Tensor]


# --------------------------------------------------------------------------- shared pieces

def _safe_sqrt(squared: torch.Tensor) -> torch.Tensor:
    """sqrt with gradient 0 (not inf, not NaN) where the argument is 0.

    The derivative of sqrt(s) is 1 / (2 sqrt(s)), infinite at s = 0; times the zero gradient
    of s there it would give 0 * inf = NaN. Evaluating sqrt at 1 on those entries (and masking
    the result) keeps every gradient finite.
    """
    positive = squared > 0
    return torch.where(positive, torch.sqrt(torch.where(positive, squared, 1.0)), 0.0)


def _distance_matrix(x: torch.Tensor, squared: bool, exact: bool = False) -> torch.Tensor:
    """(B, D) -> (B, B) Euclidean distances (see :func:`lossbook.euclidean_distance_matrix`)."""
    (x,) = autocast_float32(x)
    with no_autocast(x):
        if exact:
            # differences, never a Gram matrix: exact near 0; gradient 0 at distance 0
            dist = torch.cdist(x, x, compute_mode="donot_use_mm_for_euclid_dist")
            return dist * dist if squared else dist
        gram = x @ x.T
    sq_norms = torch.diagonal(gram)
    sq = (sq_norms[:, None] + sq_norms[None, :] - 2 * gram).clamp_min(0)
    eye = torch.eye(x.shape[0], dtype=torch.bool, device=x.device)
    sq = sq.masked_fill(eye, 0.0)
    return sq if squared else _safe_sqrt(sq)


def _label_masks(labels: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """(B, B) boolean masks: positive pairs (same label, i != j) and negative pairs."""
    same = labels[:, None] == labels[None, :]
    eye = torch.eye(labels.shape[0], dtype=torch.bool, device=labels.device)
    return same & ~eye, ~same


def _hardest(dist: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor):
    """For each anchor: the index of its farthest positive, of its nearest negative, and
    whether it has both (fixed shapes: (B,), (B,), (B,)). Ties go to the lowest index."""
    hardest_pos = torch.where(positive, dist, -torch.inf).argmax(dim=1)
    hardest_neg = torch.where(negative, dist, torch.inf).argmin(dim=1)
    valid = positive.any(dim=1) & negative.any(dim=1)
    return hardest_pos, hardest_neg, valid


def _semi_hard(dist: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor, margin: float):
    """For each pair (a, p): the index of the nearest negative with d_ap < d_an, and whether it
    exists and lies within the margin, d_an < d_ap + margin. (B, B) each, from one sort of
    each anchor's negative distances and a binary search; no (B, B, B) tensor."""
    b = dist.shape[0]
    sorted_neg, order = torch.sort(torch.where(negative, dist, torch.inf), dim=1)
    first = torch.searchsorted(sorted_neg, dist.contiguous(), right=True)  # first d_an > d_ap
    first = first.clamp_max(max(b - 1, 0))
    d_an = sorted_neg.gather(1, first)
    ok = positive & (d_an > dist) & (d_an < dist + margin)
    return order.gather(1, first), ok


def _check(embeddings, labels, fn, squared, exact, margin=None, allow_none=False):
    check_labels(embeddings, labels, fn)
    check_flag(squared, "squared", fn)
    check_flag(exact, "exact", fn)
    if margin is not None or not allow_none:
        check_scalar(margin, "margin", fn, low=0, low_open=True)


def _empty(device) -> Triplets:
    e = torch.empty(0, dtype=torch.long, device=device)
    return e, e.clone(), e.clone()


# --------------------------------------------------------------------------- batch hard

def batch_hard_miner(embeddings: torch.Tensor, labels: torch.Tensor, *, squared: bool = False,
                     exact: bool = False) -> Triplets:
    r"""For each anchor, its hardest positive and its hardest negative ("batch hard").

    .. math:: p^*(a) = \arg\max_{p:\, y_p = y_a,\, p \ne a} d_{ap}, \qquad
              n^*(a) = \arg\min_{n:\, y_n \ne y_a} d_{an}

    Returns ``(anchors, positives, negatives)``: one triplet per anchor that has a positive
    and a negative in the batch (ties go to the lowest index). With
    :func:`lossbook.triplet_loss` it gives :func:`lossbook.batch_hard_triplet_loss`.
    """
    _check(embeddings, labels, "batch_hard_miner", squared, exact, allow_none=True)
    with torch.no_grad():
        if embeddings.shape[0] == 0:
            return _empty(embeddings.device)
        positive, negative = _label_masks(labels)
        hardest_pos, hardest_neg, valid = _hardest(_distance_matrix(embeddings, squared, exact),
                                                   positive, negative)
        anchors = valid.nonzero().squeeze(1)
        return anchors, hardest_pos[anchors], hardest_neg[anchors]


# --------------------------------------------------------------------------- batch all

def batch_all_miner(embeddings: torch.Tensor, labels: torch.Tensor, *, margin: Optional[float] = None,
                    squared: bool = False, exact: bool = False) -> Triplets:
    r"""Every valid triplet of the batch, or, with ``margin``, only the active ones.

    Without ``margin``: all (a, p, n) with :math:`y_a = y_p`, :math:`a \ne p` and
    :math:`y_n \ne y_a`, ordered by anchor, then positive, then negative. With ``margin``:
    only those whose triplet loss is positive, :math:`d_{an} < d_{ap} + m` (the hard and the
    semi-hard ones). With :func:`lossbook.triplet_loss` and the same margin it gives
    :func:`lossbook.batch_all_triplet_loss`.

    The triplets are built by index arithmetic from the (B, B) positive and negative masks
    (each positive pair repeated once per negative of its anchor), so memory is O(B² + T) for
    T triplets, not the O(B³) of a (B, B, B) mask. T itself grows like B³ / P for P classes.
    """
    _check(embeddings, labels, "batch_all_miner", squared, exact, margin, allow_none=True)
    device = embeddings.device
    with torch.no_grad():
        positive, negative = _label_masks(labels)
        pos_a, pos_p = positive.nonzero(as_tuple=True)       # pairs in anchor order
        neg_count = negative.sum(dim=1)
        neg_n = negative.nonzero(as_tuple=True)[1]           # each anchor's negatives, in order
        neg_start = neg_count.cumsum(0) - neg_count
        repeats = neg_count[pos_a]                            # negatives per positive pair
        total = int(repeats.sum())
        pair = torch.repeat_interleave(torch.arange(len(pos_a), device=device), repeats,
                                       output_size=total)
        start = (repeats.cumsum(0) - repeats)[pair]
        offset = torch.arange(total, device=device) - start  # which of its anchor's negatives
        anchors, positives = pos_a[pair], pos_p[pair]
        negatives = neg_n[neg_start[anchors] + offset]
        if margin is not None and total:
            dist = _distance_matrix(embeddings, squared, exact)
            active = dist[anchors, positives] - dist[anchors, negatives] + margin > 0
            anchors, positives, negatives = anchors[active], positives[active], negatives[active]
        return anchors, positives, negatives


# --------------------------------------------------------------------------- semi-hard

def semi_hard_miner(embeddings: torch.Tensor, labels: torch.Tensor, *, margin: float = 1.0,
                    squared: bool = False, exact: bool = False) -> Triplets:
    r"""FaceNet's semi-hard negatives (Schroff et al. 2015): for each anchor-positive pair, the
    hardest negative that is still farther than the positive, within the margin.

    .. math:: n^*(a, p) = \arg\min_{n:\, y_n \ne y_a,\; d_{ap} < d_{an} < d_{ap} + m} d_{an}

    Such a negative violates the margin (its loss :math:`d_{ap} - d_{an} + m` is in
    :math:`(0, m)`) without being closer than the positive; Schroff et al. found that the very
    hardest negatives (closer than the positive) can collapse the embedding early in
    training. Pairs with no semi-hard negative are left out, so the result may be empty.

    Returns ``(anchors, positives, negatives)``, ordered by anchor then positive. Use the same
    ``margin`` (and ``squared``) as the loss: FaceNet uses squared distances.
    """
    _check(embeddings, labels, "semi_hard_miner", squared, exact, margin)
    with torch.no_grad():
        if embeddings.shape[0] == 0:
            return _empty(embeddings.device)
        positive, negative = _label_masks(labels)
        negatives, ok = _semi_hard(_distance_matrix(embeddings, squared, exact), positive, negative, margin)
        anchors, positives = ok.nonzero(as_tuple=True)
        return anchors, positives, negatives[anchors, positives]


# --------------------------------------------------------------------------- modules

class BatchHardMiner(nn.Module):
    """Module form of :func:`batch_hard_miner`; ``forward(embeddings, labels)``."""

    def __init__(self, *, squared: bool = False, exact: bool = False) -> None:
        super().__init__()
        self.squared, self.exact = squared, exact

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor) -> Triplets:
        return batch_hard_miner(embeddings, labels, squared=self.squared, exact=self.exact)


class BatchAllMiner(nn.Module):
    """Module form of :func:`batch_all_miner`; ``forward(embeddings, labels)``."""

    def __init__(self, *, margin: Optional[float] = None, squared: bool = False, exact: bool = False) -> None:
        super().__init__()
        if margin is not None:
            check_scalar(margin, "margin", "BatchAllMiner", low=0, low_open=True)
        self.margin, self.squared, self.exact = margin, squared, exact

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor) -> Triplets:
        return batch_all_miner(embeddings, labels, margin=self.margin, squared=self.squared, exact=self.exact)


class SemiHardMiner(nn.Module):
    """Module form of :func:`semi_hard_miner`; ``forward(embeddings, labels)``."""

    def __init__(self, *, margin: float = 1.0, squared: bool = False, exact: bool = False) -> None:
        super().__init__()
        check_scalar(margin, "margin", "SemiHardMiner", low=0, low_open=True)
        self.margin, self.squared, self.exact = margin, squared, exact

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor) -> Triplets:
        return semi_hard_miner(embeddings, labels, margin=self.margin, squared=self.squared, exact=self.exact)
