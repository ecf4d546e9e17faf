"""Metric-learning losses: train an embedding whose distances mean something.

Derived in chapters/metric-learning. Three exact twins of PyTorch and eight losses it lacks:

* :func:`hinge_embedding_loss`, :func:`cosine_embedding_loss`, :func:`triplet_margin_loss` --
  the twins, equal to ``torch.nn.functional``'s in values and gradients for every option;
* :func:`contrastive_loss` -- pairs pulled together or pushed past a margin (Hadsell et al. 2006);
* :func:`triplet_loss` -- the triplet loss of the triplets a miner chose
  (:mod:`lossbook.mining`: ``batch_hard_miner``, ``batch_all_miner``, ``semi_hard_miner``);
* :func:`batch_all_triplet_loss`, :func:`batch_hard_triplet_loss` -- triplets mined online
  from the labels of one batch (Schroff et al. 2015; Hermans et al. 2017): the miners and
  :func:`triplet_loss` in one, on fixed-shape masks (so they compile) and in O(B²) memory;
* :func:`binomial_deviance_loss` -- a logistic loss on every pairwise cosine similarity of a
  batch (Yi et al. 2014);
* :func:`info_nce_loss` -- InfoNCE / NT-Xent for two views of a batch (van den Oord et al.
  2018; Chen et al. 2020);
* :func:`supcon_loss` -- supervised contrastive learning, InfoNCE with labels (Khosla et al. 2020);
* :func:`normalized_softmax_loss` -- cross-entropy over cosine similarities to one learned proxy
  per class (Zhai and Wu 2019).

The triplet losses of mined triplets (:func:`triplet_loss`, :func:`batch_hard_triplet_loss`)
also take Hermans et al.'s soft margin, ``margin="soft"``: ``softplus(d_ap - d_an)`` in place of
the hinge ``max(0, d_ap - d_an + margin)``.

Two helpers build the matrices the batch losses share: :func:`euclidean_distance_matrix`
(with a gradient that stays finite on the diagonal, and an ``exact`` option) and
:func:`cosine_similarity_matrix`.

Conventions. Embeddings are floating tensors, one row per example. Labels are integer class
ids (``torch.long`` or any integer dtype; never float, never bool). lossbook is stricter
than PyTorch: targets must be exactly 1 or -1 (1 or 0 for the contrastive loss), shapes must
agree exactly, and margins or temperatures that make a loss meaningless raise ``ValueError``.
The twins keep PyTorch's signatures, with ``reduction`` keyword-only where PyTorch has the
deprecated ``size_average`` and ``reduce`` before it.

**Empty batches.** Every loss here gives what PyTorch's losses give for a batch without
examples (N = 0 or B = 0): an empty tensor for 'none', 0 for 'sum', NaN for 'mean'. A
*non-empty* batch in which a mined loss finds nothing to average (no anchor with a positive
and a negative, no active triplet, no pair) gives 0 with a zero gradient: an easy batch, not
an error.
"""
from __future__ import annotations

import math
from typing import Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from ._core import autocast_float32, no_autocast, reduce
from ._registry import LossInfo
from ._validation import (
    check_class_indices,
    check_dims,
    check_embeddings,
    check_flag,
    check_floating,
    check_index_tuple,
    check_int,
    check_labels,
    check_pair,
    check_real,
    check_reduction,
    check_same_device,
    check_same_shape,
    check_scalar,
    check_shape,
    check_values_among,
    fail,
)
from .mining import _distance_matrix, _hardest, _label_masks, _safe_sqrt  # noqa: F401 (the book shows them)

__all__ = [
    "hinge_embedding_loss", "HingeEmbeddingLoss",
    "cosine_embedding_loss", "CosineEmbeddingLoss",
    "triplet_margin_loss", "TripletMarginLoss",
    "contrastive_loss", "ContrastiveLoss",
    "triplet_loss", "TripletLoss",
    "batch_all_triplet_loss", "BatchAllTripletLoss",
    "batch_hard_triplet_loss", "BatchHardTripletLoss",
    "binomial_deviance_loss", "BinomialDevianceLoss",
    "info_nce_loss", "InfoNCELoss",
    "supcon_loss", "SupConLoss",
    "normalized_softmax_loss", "NormalizedSoftmaxLoss",
    "euclidean_distance_matrix", "cosine_similarity_matrix",
]

# ATen adds this to each squared norm in cosine_embedding_loss (aten/src/ATen/native/Loss.cpp).
_COSINE_EPSILON = 1e-12


# --------------------------------------------------------------------------- target checks

def _check_two_valued(target: object, like: torch.Tensor, like_name: str, fn: str,
                      allowed: Tuple[int, int], *, same_shape: bool = True) -> None:
    """``target`` is a real (integer or floating) tensor holding only the two ``allowed`` values."""
    check_real(target, "target", fn, f"{allowed[0]} and {allowed[1]}")
    check_same_device(fn, **{like_name: like, "target": target})
    if same_shape:
        check_same_shape(like, like_name, target, "target", fn)
    check_values_among(target, "target", fn, allowed)


def _check_margin(margin: object, fn: str) -> None:
    check_scalar(margin, "margin", fn, low=0, low_open=True)


def _check_margin_or_soft(margin: object, fn: str) -> None:
    """A margin > 0, or the string 'soft' (Hermans et al.'s soft margin)."""
    if isinstance(margin, str):
        if margin != "soft":
            fail(ValueError, fn, "margin", "a number > 0 or 'soft'", repr(margin))
        return
    _check_margin(margin, fn)


def _hinge(violation: torch.Tensor, margin) -> torch.Tensor:
    """``max(0, violation + margin)``, or ``softplus(violation)`` for ``margin='soft'``."""
    if isinstance(margin, str):
        return F.softplus(violation)
    return torch.clamp_min(violation + margin, 0)


def _empty_batch(x: torch.Tensor, reduction: str, none_shape: tuple) -> torch.Tensor:
    """What PyTorch's losses give for an empty batch: an empty tensor ('none'), 0 ('sum'),
    NaN ('mean'), connected to ``x`` so that ``backward`` runs."""
    zero = x.sum() * 0
    if reduction == "none":
        return zero.expand(none_shape)
    return zero if reduction == "sum" else zero / 0


# --------------------------------------------------------------------------- pairwise matrices

def euclidean_distance_matrix(embeddings: torch.Tensor, *, squared: bool = False,
                              exact: bool = False) -> torch.Tensor:
    r"""All pairwise Euclidean distances of a batch: (B, D) -> (B, B).

    By default from the Gram matrix (one matrix product, memory B², not B²D),

    .. math:: d_{ij}^2 = \lVert x_i \rVert^2 + \lVert x_j \rVert^2 - 2\, x_i^\top x_j,

    clamped at 0 against rounding, with the diagonal set to exactly 0. With ``squared=False``
    the square root is taken safely, so the gradient is finite on the diagonal and wherever two
    embeddings coincide.

    **Precision.** The Gram form subtracts numbers of the size of the squared norms, so
    :math:`d_{ij}^2` carries an absolute error of a few :math:`\varepsilon\,(\lVert x_i
    \rVert^2 + \lVert x_j \rVert^2)` (:math:`\varepsilon` = 1.2e-7 in float32, 2.2e-16 in
    float64): a distance :math:`d` is accurate only while :math:`d^2` is well above that. For
    embeddings of norm 80 in float32 that is about 1e-3 in :math:`d^2`, so a true distance of
    0.0069 can come out as 0. ``exact=True`` computes every distance from the differences
    :math:`x_i - x_j` instead (``torch.cdist`` without matrix products): accurate to a few
    ulps of :math:`d` itself, still O(B²) memory, but several times slower for large B and D.
    """
    fn = "euclidean_distance_matrix"
    check_embeddings(embeddings, "embeddings", fn)
    check_flag(squared, "squared", fn)
    check_flag(exact, "exact", fn)
    return _distance_matrix(embeddings, squared, exact)


def cosine_similarity_matrix(embeddings: torch.Tensor, *, eps: float = 1e-8) -> torch.Tensor:
    r"""All pairwise cosine similarities of a batch: (B, D) -> (B, B).

    .. math:: S_{ij} = \frac{x_i^\top x_j}{\max(\lVert x_i \rVert, \epsilon)\,\max(\lVert x_j \rVert, \epsilon)}

    This is the matrix the binomial deviance loss needs. Note that
    ``F.cosine_similarity(x, x)`` is *not* it: that compares row i with row i only and returns
    B ones.
    """
    fn = "cosine_similarity_matrix"
    check_embeddings(embeddings, "embeddings", fn)
    check_scalar(eps, "eps", fn, low=0, low_open=True)
    return _cosine_matrix(embeddings, eps)


def _cosine_matrix(x: torch.Tensor, eps: float) -> torch.Tensor:
    (x,) = autocast_float32(x)
    unit = x / torch.linalg.vector_norm(x, dim=-1, keepdim=True).clamp_min(eps)
    with no_autocast(x):
        return unit @ unit.T


# --------------------------------------------------------------------------- hinge embedding

def hinge_embedding_loss(input: torch.Tensor, target: torch.Tensor, margin: float = 1.0,
                         *, reduction: str = "mean") -> torch.Tensor:
    r"""Hinge embedding loss; equals ``F.hinge_embedding_loss``.

    .. math::
        \ell_n = \begin{cases} x_n & y_n = 1 \\ \max(0, \text{margin} - x_n) & y_n = -1 \end{cases}

    ``input`` is usually a distance (for instance the L1 distance between two embeddings):
    similar pairs (:math:`y = 1`) are penalised by their distance, dissimilar pairs
    (:math:`y = -1`) until their distance reaches ``margin``.

    Shapes: ``input`` any shape, ``target`` the same shape (integer or floating, values 1 or
    -1). ``reduction='none'`` returns that shape; 'mean' of an empty input is NaN as in PyTorch.

    Stricter than PyTorch: every target must be 1 or -1 (PyTorch silently gives an element
    whose target is neither the sum of both branches, as with ``torch.randn`` targets) and the
    two tensors must have the same shape (PyTorch broadcasts).

    Derived in chapters/metric-learning.
    """
    fn = "hinge_embedding_loss"
    check_floating(input, "input", fn)
    check_scalar(margin, "margin", fn)
    check_reduction(reduction, fn)
    _check_two_valued(target, input, "input", fn, (1, -1))
    input, target = autocast_float32(input, target)
    loss = torch.where(target == 1, input, torch.clamp_min(margin - input, 0))
    return reduce(loss, reduction)


class HingeEmbeddingLoss(nn.Module):
    """Module twin of :func:`hinge_embedding_loss` (and of ``torch.nn.HingeEmbeddingLoss``)."""

    def __init__(self, margin: float = 1.0, *, reduction: str = "mean") -> None:
        super().__init__()
        check_scalar(margin, "margin", "HingeEmbeddingLoss")
        check_reduction(reduction, "HingeEmbeddingLoss")
        self.margin, self.reduction = margin, reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


# --------------------------------------------------------------------------- cosine embedding

def cosine_embedding_loss(input1: torch.Tensor, input2: torch.Tensor, target: torch.Tensor,
                          margin: float = 0, *, reduction: str = "mean") -> torch.Tensor:
    r"""Cosine embedding loss; equals ``F.cosine_embedding_loss``.

    .. math::
        \cos_n = \frac{x_{1,n}^\top x_{2,n}}{\sqrt{(\lVert x_{1,n}\rVert^2 + \epsilon)
                 (\lVert x_{2,n}\rVert^2 + \epsilon)}}, \qquad
        \ell_n = \begin{cases} 1 - \cos_n & y_n = 1 \\ \max(0, \cos_n - \text{margin}) & y_n = -1 \end{cases}

    with :math:`\epsilon = 10^{-12}` added to each *squared* norm, exactly as ATen does (so a
    zero vector has cosine 0 with everything, not NaN).

    Shapes: ``input1`` and ``input2`` (N, D) with ``target`` (N,), or (D,) with a scalar
    ``target``; 'none' returns (N,) or a scalar.

    Stricter than PyTorch: targets must be 1 or -1 (PyTorch gives 0 loss to any other value),
    ``input1`` and ``input2`` must have the same shape, and ``margin`` must lie in [-1, 1] (a
    margin of 1 or more switches the dissimilar branch off for good).

    Derived in chapters/metric-learning.
    """
    fn = "cosine_embedding_loss"
    check_pair(input1, input2, fn, input_name="input1", target_name="input2")
    check_dims(input1, "input1", fn, (1, 2), "(N, D) or (D,)")
    check_real(target, "target", fn, "1 and -1")
    check_shape(target, "target", fn, tuple(input1.shape[:-1]), "one per row of `input1`")
    check_scalar(margin, "margin", fn, low=-1, high=1)
    check_reduction(reduction, fn)
    _check_two_valued(target, input1, "input1", fn, (1, -1), same_shape=False)
    input1, input2, target = autocast_float32(input1, input2, target)
    prod_sum = (input1 * input2).sum(-1)
    mag_square1 = (input1 * input1).sum(-1) + _COSINE_EPSILON
    mag_square2 = (input2 * input2).sum(-1) + _COSINE_EPSILON
    cos = prod_sum / torch.sqrt(mag_square1 * mag_square2)
    loss = torch.where(target == 1, 1 - cos, torch.clamp_min(cos - margin, 0))
    return reduce(loss, reduction)


class CosineEmbeddingLoss(nn.Module):
    """Module twin of :func:`cosine_embedding_loss` (and of ``torch.nn.CosineEmbeddingLoss``)."""

    def __init__(self, margin: float = 0.0, *, reduction: str = "mean") -> None:
        super().__init__()
        check_scalar(margin, "margin", "CosineEmbeddingLoss", low=-1, high=1)
        check_reduction(reduction, "CosineEmbeddingLoss")
        self.margin, self.reduction = margin, reduction

    def forward(self, input1: torch.Tensor, input2: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return cosine_embedding_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


# --------------------------------------------------------------------------- triplet margin

def _pairwise_distance(x1: torch.Tensor, x2: torch.Tensor, p: float, eps: float) -> torch.Tensor:
    """PyTorch's ``pairwise_distance``: the p-norm of ``x1 - x2 + eps`` over the last dimension.

    The eps is added to the *difference*, so two identical vectors are at distance
    ``eps * D ** (1 / p)``, not 0: this keeps the norm's gradient defined.
    """
    return torch.linalg.vector_norm(x1 - x2 + eps, ord=p, dim=-1)


def triplet_margin_loss(anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor,
                        margin: float = 1.0, p: float = 2, eps: float = 1e-06, swap: bool = False,
                        *, reduction: str = "mean") -> torch.Tensor:
    r"""Triplet margin loss; equals ``F.triplet_margin_loss``.

    .. math::
        \ell_n = \max\bigl(0,\; d(a_n, p_n) - d(a_n, n_n) + \text{margin}\bigr), \qquad
        d(x, y) = \lVert x - y + \epsilon \rVert_p

    PyTorch's distance adds ``eps`` to the difference, and so does this one. With
    ``swap=True`` the negative distance is :math:`\min(d(a, n), d(p, n))`, the "distance swap"
    of Balntas et al. (2016): the harder of the two negatives the triplet offers.

    Shapes: ``anchor``, ``positive``, ``negative`` all (N, D), or all (D,) for one triplet;
    'none' returns (N,) or a scalar.

    As in PyTorch, ``margin`` must be > 0. Stricter than PyTorch: the three tensors must have
    the same shape (PyTorch broadcasts), ``p`` must be > 0 and ``eps`` >= 0.

    Derived in chapters/metric-learning.
    """
    fn = "triplet_margin_loss"
    check_pair(anchor, positive, fn, input_name="anchor", target_name="positive")
    check_pair(anchor, negative, fn, input_name="anchor", target_name="negative")
    check_dims(anchor, "anchor", fn, (1, 2), "(N, D) or (D,)")
    _check_margin(margin, fn)
    check_scalar(p, "p", fn, low=0, low_open=True)
    check_scalar(eps, "eps", fn, low=0)
    check_flag(swap, "swap", fn)
    check_reduction(reduction, fn)
    anchor, positive, negative = autocast_float32(anchor, positive, negative)
    dist_pos = _pairwise_distance(anchor, positive, p, eps)
    dist_neg = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = torch.minimum(dist_neg, _pairwise_distance(positive, negative, p, eps))
    loss = torch.clamp_min(margin + dist_pos - dist_neg, 0)
    return reduce(loss, reduction)


class TripletMarginLoss(nn.Module):
    """Module twin of :func:`triplet_margin_loss` (and of ``torch.nn.TripletMarginLoss``)."""

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-06, swap: bool = False,
                 *, reduction: str = "mean") -> None:
        super().__init__()
        fn = "TripletMarginLoss"
        _check_margin(margin, fn)
        check_scalar(p, "p", fn, low=0, low_open=True)
        check_scalar(eps, "eps", fn, low=0)
        check_reduction(reduction, fn)
        self.margin, self.p, self.eps, self.swap, self.reduction = margin, p, eps, swap, reduction

    def forward(self, anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor) -> torch.Tensor:
        return triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p,
                                   eps=self.eps, swap=self.swap, reduction=self.reduction)


# --------------------------------------------------------------------------- contrastive

def contrastive_loss(e1: torch.Tensor, e2: torch.Tensor, target: torch.Tensor, *, margin: float = 1.0,
                     reduction: str = "mean") -> torch.Tensor:
    r"""Contrastive loss on pairs of embeddings (Chopra et al. 2005; Hadsell et al. 2006).

    .. math::
        \ell_n = y_n\, d_n^2 + (1 - y_n)\, \max(0, \text{margin} - d_n)^2, \qquad
        d_n = \lVert e_{1,n} - e_{2,n} \rVert_2

    **target 1 means similar, 0 dissimilar.** Similar pairs are pulled together by their
    squared distance; dissimilar pairs are pushed apart only until they are ``margin`` apart.
    The margin applies to *dissimilar* pairs: it is how far apart they must be, not a
    tolerance for similar ones.

    Hadsell et al. (2006) write the same loss with the opposite labels (:math:`Y = 0` for
    similar pairs) and a factor 1/2 on both terms: their :math:`L` equals
    ``0.5 * contrastive_loss(e1, e2, 1 - Y)``.

    :math:`d^2` is computed as a sum of squares (no square root), and :math:`d` for the
    margin term with a safe square root, so the gradient is finite (zero) when
    ``e1 == e2``.

    Shapes: ``e1``, ``e2`` (N, D) with ``target`` (N,), or (D,) with a scalar ``target``;
    ``target`` integer, floating or bool with values 0 and 1. 'none' returns (N,) or a scalar.
    ``margin`` must be > 0.

    Derived in chapters/metric-learning.
    """
    fn = "contrastive_loss"
    check_pair(e1, e2, fn, input_name="e1", target_name="e2")
    check_dims(e1, "e1", fn, (1, 2), "(N, D) or (D,)")
    if isinstance(target, torch.Tensor) and target.dtype == torch.bool:
        target = target.to(torch.long)
    check_real(target, "target", fn, "1 and 0")
    check_shape(target, "target", fn, tuple(e1.shape[:-1]), "one per pair")
    _check_margin(margin, fn)
    check_reduction(reduction, fn)
    _check_two_valued(target, e1, "e1", fn, (1, 0), same_shape=False)
    e1, e2 = autocast_float32(e1, e2)
    sq_dist = ((e1 - e2) ** 2).sum(-1)
    dist = _safe_sqrt(sq_dist)
    y = target.to(e1.dtype)
    loss = y * sq_dist + (1 - y) * torch.clamp_min(margin - dist, 0) ** 2
    return reduce(loss, reduction)


class ContrastiveLoss(nn.Module):
    """Module twin of :func:`contrastive_loss`; ``forward(e1, e2, target)``, target 1 = similar."""

    def __init__(self, *, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__()
        _check_margin(margin, "ContrastiveLoss")
        check_reduction(reduction, "ContrastiveLoss")
        self.margin, self.reduction = margin, reduction

    def forward(self, e1: torch.Tensor, e2: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return contrastive_loss(e1, e2, target, margin=self.margin, reduction=self.reduction)


# --------------------------------------------------------------------------- mined triplets

def _check_mined(embeddings, labels, fn, margin, squared, exact, reduction, reductions=("none", "mean", "sum"),
                 soft=False):
    check_labels(embeddings, labels, fn)
    (_check_margin_or_soft if soft else _check_margin)(margin, fn)
    check_flag(squared, "squared", fn)
    check_flag(exact, "exact", fn)
    check_reduction(reduction, fn, reductions)


def triplet_loss(embeddings: torch.Tensor, indices: Tuple[torch.Tensor, torch.Tensor, torch.Tensor], *,
                 margin: Union[float, str] = 1.0, squared: bool = False, exact: bool = False,
                 reduction: str = "mean") -> torch.Tensor:
    r"""Triplet loss of the triplets a miner chose (Schroff et al. 2015).

    ``indices`` is an index tuple ``(anchors, positives, negatives)`` of 1-D integer tensors of
    one length T, as the miners of :mod:`lossbook.mining` return (or any you build); for each:

    .. math:: \ell_t = \max\bigl(0,\; d_{a_t p_t} - d_{a_t n_t} + \text{margin}\bigr)

    with :math:`d` the Euclidean distance of :func:`euclidean_distance_matrix` (``squared``,
    ``exact`` as there), read from the (B, B) matrix: memory O(B² + T), never T x D.
    ``margin="soft"`` replaces the hinge by Hermans et al.'s soft margin,
    :math:`\ell_t = \ln(1 + e^{d_{a_t p_t} - d_{a_t n_t}})`.
    'none' returns the (T,) losses, 'sum' their sum, 'mean' their mean; with no triplet (a
    miner found none) 'mean' and 'sum' are 0, with a zero gradient, and an empty batch gives
    PyTorch's empty-batch values (see the module docstring).

    ``triplet_loss(e, lb.batch_hard_miner(e, labels))`` is
    :func:`batch_hard_triplet_loss` (for 'mean' over the anchors that have a triplet), and
    ``triplet_loss(e, lb.batch_all_miner(e, labels, margin=m), margin=m)`` is
    :func:`batch_all_triplet_loss`.

    Derived in chapters/metric-learning.
    """
    fn = "triplet_loss"
    check_embeddings(embeddings, "embeddings", fn)
    check_index_tuple(indices, embeddings, fn)
    _check_margin_or_soft(margin, fn)
    check_flag(squared, "squared", fn)
    check_flag(exact, "exact", fn)
    check_reduction(reduction, fn)
    anchors, positives, negatives = indices
    if embeddings.shape[0] == 0:
        return _empty_batch(embeddings, reduction, (0,))
    dist = _distance_matrix(embeddings, squared, exact)
    loss = _hinge(dist[anchors, positives] - dist[anchors, negatives], margin)
    if reduction == "mean":
        return loss.sum() / max(loss.numel(), 1)
    return reduce(loss, reduction)


class TripletLoss(nn.Module):
    """Module twin of :func:`triplet_loss`; ``forward(embeddings, indices)``."""

    def __init__(self, *, margin: Union[float, str] = 1.0, squared: bool = False, exact: bool = False,
                 reduction: str = "mean") -> None:
        super().__init__()
        _check_margin_or_soft(margin, "TripletLoss")
        check_reduction(reduction, "TripletLoss")
        self.margin, self.squared, self.exact, self.reduction = margin, squared, exact, reduction

    def forward(self, embeddings: torch.Tensor,
                indices: Tuple[torch.Tensor, torch.Tensor, torch.Tensor]) -> torch.Tensor:
        return triplet_loss(embeddings, indices, margin=self.margin, squared=self.squared, exact=self.exact,
                            reduction=self.reduction)


def _batch_all_sum(dist: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor, margin: float):
    r"""The sum of :math:`\max(0, d_{ap} - d_{an} + m)` over every valid triplet, and the number of
    active ones, in O(B²) memory and O(B² log B) time.

    For anchor :math:`a`, let :math:`s_1 \le s_2 \le \dots` be its negatives' distances,
    sorted. For a positive :math:`p`, with :math:`t = d_{ap} + m`, the active negatives are the
    :math:`k = \#\{j : s_j < t\}` first ones (a binary search), and their losses add up to
    :math:`k\,t - \sum_{j \le k} s_j`: a prefix sum. Gradients flow through :math:`t`, the sort
    and the prefix sums, so autograd gives each distance the number of active triplets it is in,
    as for the (B, B, B) formulation, with nothing of size B³. Each anchor's distances are
    shifted by its nearest negative before the prefix sums, so that they do not lose the
    small differences to rounding (the shift cancels exactly).
    """
    sorted_neg = torch.sort(torch.where(negative, dist, torch.inf), dim=1).values
    shift = sorted_neg[:, :1].detach()
    shift = torch.where(torch.isfinite(shift), shift, 0)
    shifted = sorted_neg - shift
    prefix = F.pad(torch.where(negative.any(1, keepdim=True) & torch.isfinite(shifted), shifted, 0).cumsum(1),
                   (1, 0))
    threshold = dist + margin
    k = torch.searchsorted(sorted_neg, threshold.detach().contiguous())  # negatives with s_j < t
    per_pair = k * (threshold - shift) - prefix.gather(1, k)
    per_pair = torch.where(positive, per_pair, 0)
    return per_pair.sum(), torch.where(positive, k, 0).sum()


def batch_all_triplet_loss(embeddings: torch.Tensor, labels: torch.Tensor, *, margin: float = 1.0,
                           squared: bool = False, exact: bool = False, reduction: str = "mean",
                           return_fraction: bool = False
                           ) -> Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]:
    r"""Triplet loss over every valid triplet of a batch ("batch all", Hermans et al. 2017).

    For all (a, p, n) with :math:`y_a = y_p`, :math:`a \ne p` and :math:`y_n \ne y_a`:

    .. math:: \ell_{apn} = \max(0,\; d_{ap} - d_{an} + \text{margin})

    with :math:`d` the Euclidean distance (squared if ``squared=True``, as in FaceNet; from
    differences if ``exact=True``, see :func:`euclidean_distance_matrix`).

    ``reduction='mean'`` averages over the *active* triplets (those with
    :math:`\ell_{apn} > 0`), the variant Hermans et al. call "BA≠0": averaging over all valid
    triplets would let the many easy ones (loss 0) shrink the gradient as training
    progresses. With no active triplet the loss is 0. 'sum' adds every valid triplet's loss;
    'none' returns the (B, B, B) tensor of triplet losses, 0 where the triplet is not valid.
    An anchor without a positive or a negative in the batch forms no triplet. It equals
    ``triplet_loss(embeddings, batch_all_miner(embeddings, labels, margin=margin), margin=margin)``.

    Memory: 'mean' and 'sum' never form the B³ triplets. They sort each anchor's negative
    distances and sum the active ones with a binary search and prefix sums
    (:func:`_batch_all_sum`): O(B²) memory, forward and backward. Only 'none', which returns
    them, takes O(B³).

    ``return_fraction=True`` also returns the fraction of valid triplets that are active (a
    float tensor without gradient; 0 when the batch has no valid triplet), a useful training
    signal: it falls as the embedding improves.

    Shapes: ``embeddings`` (B, D) floating, ``labels`` (B,) integer. ``margin`` must be > 0.

    Derived in chapters/metric-learning.
    """
    fn = "batch_all_triplet_loss"
    _check_mined(embeddings, labels, fn, margin, squared, exact, reduction)
    check_flag(return_fraction, "return_fraction", fn)
    b = embeddings.shape[0]
    positive, negative = _label_masks(labels)
    if b == 0:
        loss = _empty_batch(embeddings, reduction, (0, 0, 0))
    else:
        dist = _distance_matrix(embeddings, squared, exact)
        if reduction == "none":
            valid = positive[:, :, None] & negative[:, None, :]
            loss = torch.where(valid, torch.clamp_min(dist[:, :, None] - dist[:, None, :] + margin, 0), 0.0)
            active = (loss > 0).sum()
        else:
            loss, active = _batch_all_sum(dist, positive, negative, margin)
            if reduction == "mean":
                loss = loss / active.clamp_min(1)
    if not return_fraction:
        return loss
    with torch.no_grad():
        valid_count = (positive.sum(1) * negative.sum(1)).sum()
        dtype = loss.dtype
        if b == 0:
            return loss, torch.zeros((), dtype=dtype, device=embeddings.device)
        fraction = active.to(dtype) / valid_count.clamp_min(1).to(dtype)
    return loss, fraction


class BatchAllTripletLoss(nn.Module):
    """Module twin of :func:`batch_all_triplet_loss`; ``forward(embeddings, labels)``."""

    def __init__(self, *, margin: float = 1.0, squared: bool = False, exact: bool = False,
                 reduction: str = "mean", return_fraction: bool = False) -> None:
        super().__init__()
        _check_margin(margin, "BatchAllTripletLoss")
        check_reduction(reduction, "BatchAllTripletLoss")
        self.margin, self.squared, self.exact, self.reduction = margin, squared, exact, reduction
        self.return_fraction = return_fraction

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor):
        return batch_all_triplet_loss(embeddings, labels, margin=self.margin, squared=self.squared,
                                      exact=self.exact, reduction=self.reduction,
                                      return_fraction=self.return_fraction)


def batch_hard_triplet_loss(embeddings: torch.Tensor, labels: torch.Tensor, *, margin: Union[float, str] = 1.0,
                            squared: bool = False, exact: bool = False,
                            reduction: str = "mean") -> torch.Tensor:
    r"""Triplet loss of the hardest positive and hardest negative of each anchor ("batch hard").

    For each anchor :math:`a` of the batch (Hermans et al. 2017):

    .. math::
        \ell_a = \max\Bigl(0,\; \max_{p:\, y_p = y_a,\, p \ne a} d_{ap}
                 - \min_{n:\, y_n \ne y_a} d_{an} + \text{margin}\Bigr)

    the farthest same-class example against the nearest other-class example. Schroff et al.
    (2015) found the very hardest negatives can lead to bad local minima early in training
    (and mined *semi-hard* ones: :func:`lossbook.semi_hard_miner`); Hermans et al. showed
    batch-hard works well with P classes times K examples per batch.

    Anchors with no positive or no negative in the batch are excluded: 'none' gives them 0
    in the (B,) result, and 'mean' averages over the valid anchors only (0 if there is none).
    'sum' adds the per-anchor losses. It is :func:`lossbook.batch_hard_miner` followed by
    :func:`triplet_loss`, computed on fixed-shape masks (``argmax`` / ``argmin`` per anchor)
    so that it compiles and never synchronises.

    Shapes: ``embeddings`` (B, D) floating, ``labels`` (B,) integer. ``margin`` must be > 0,
    or ``"soft"`` for Hermans et al.'s soft margin, :math:`\ell_a = \ln(1 + e^{d_{ap} - d_{an}})`
    with the same hardest pair: smooth, never exactly 0, and nothing to tune.
    ``squared=True`` uses squared Euclidean distances, ``exact=True`` differences
    (see :func:`euclidean_distance_matrix`).

    Derived in chapters/metric-learning.
    """
    fn = "batch_hard_triplet_loss"
    _check_mined(embeddings, labels, fn, margin, squared, exact, reduction, soft=True)
    if embeddings.shape[0] == 0:
        return _empty_batch(embeddings, reduction, (0,))
    dist = _distance_matrix(embeddings, squared, exact)
    positive, negative = _label_masks(labels)
    hardest_pos, hardest_neg, valid = _hardest(dist, positive, negative)
    d_ap = dist.gather(1, hardest_pos[:, None]).squeeze(1)
    d_an = dist.gather(1, hardest_neg[:, None]).squeeze(1)
    per_anchor = torch.where(valid, _hinge(d_ap - d_an, margin), 0.0)
    if reduction == "mean":
        return per_anchor.sum() / valid.sum().clamp_min(1)
    return reduce(per_anchor, reduction)


class BatchHardTripletLoss(nn.Module):
    """Module twin of :func:`batch_hard_triplet_loss`; ``forward(embeddings, labels)``."""

    def __init__(self, *, margin: Union[float, str] = 1.0, squared: bool = False, exact: bool = False,
                 reduction: str = "mean") -> None:
        super().__init__()
        _check_margin_or_soft(margin, "BatchHardTripletLoss")
        check_reduction(reduction, "BatchHardTripletLoss")
        self.margin, self.squared, self.exact, self.reduction = margin, squared, exact, reduction

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return batch_hard_triplet_loss(embeddings, labels, margin=self.margin, squared=self.squared,
                                       exact=self.exact, reduction=self.reduction)


# --------------------------------------------------------------------------- binomial deviance

def binomial_deviance_loss(embeddings: torch.Tensor, labels: torch.Tensor, *, scale: float = 2.0,
                           threshold: float = 0.5, cost: float = 25.0) -> torch.Tensor:
    r"""Binomial deviance loss over every pair of a batch (Yi et al. 2014).

    With :math:`S` the (B, B) matrix of pairwise cosine similarities of the batch,

    .. math::
        L = \sum_{i \ne j} W_{ij} \ln\bigl(1 + e^{-a (S_{ij} - \xi) M_{ij}}\bigr), \qquad
        M_{ij} = \begin{cases} 1 & y_i = y_j \\ -\nu & y_i \ne y_j \end{cases}, \quad
        W_{ij} = \begin{cases} 1/n_+ & y_i = y_j \\ 1/n_- & y_i \ne y_j \end{cases}

    where :math:`n_+` and :math:`n_-` count the positive and negative (ordered) pairs. So
    :math:`L` is the mean logistic loss over positive pairs, which want :math:`S > \xi`,
    plus the mean over negative pairs, which want :math:`S < \xi` and are weighted by the
    cost :math:`\nu` inside the exponent (there are far more of them, and a negative pair with
    high similarity is the costly mistake in re-identification). The diagonal (each
    embedding with itself, similarity 1) is not a pair. A batch with no positive (or no
    negative) pair has no such term. Each log term is a ``softplus``, stable for any input.

    ``scale`` (:math:`a` > 0) is the slope of the logistic, ``threshold`` (:math:`\xi`) the
    similarity at which a pair is undecided, ``cost`` (:math:`\nu` > 0) the weight of the
    negative pairs: Yi et al.'s :math:`\alpha`, :math:`\beta` and :math:`C`, named as the
    book's notation names them. The defaults are a = 2, ξ = 0.5, ν = 25. The loss is a scalar
    for the batch (there is no ``reduction``: W already averages).

    Shapes: ``embeddings`` (B, D) floating, ``labels`` (B,) integer.

    Derived in chapters/metric-learning, which also shows what a popular implementation gets
    wrong (a similarity that is not pairwise, and a graph cut by ``Variable``).
    """
    fn = "binomial_deviance_loss"
    check_labels(embeddings, labels, fn)
    check_scalar(scale, "scale", fn, low=0, low_open=True)
    check_scalar(threshold, "threshold", fn)
    check_scalar(cost, "cost", fn, low=0, low_open=True)
    if embeddings.shape[0] == 0:
        return _empty_batch(embeddings, "mean", ())
    sim = _cosine_matrix(embeddings, 1e-8)
    positive, negative = _label_masks(labels)
    pos_terms = F.softplus(-scale * (sim - threshold))
    neg_terms = F.softplus(scale * cost * (sim - threshold))
    pos_mean = torch.where(positive, pos_terms, 0.0).sum() / positive.sum().clamp_min(1)
    neg_mean = torch.where(negative, neg_terms, 0.0).sum() / negative.sum().clamp_min(1)
    return pos_mean + neg_mean


class BinomialDevianceLoss(nn.Module):
    """Module twin of :func:`binomial_deviance_loss`; ``forward(embeddings, labels)``."""

    def __init__(self, *, scale: float = 2.0, threshold: float = 0.5, cost: float = 25.0) -> None:
        super().__init__()
        fn = "BinomialDevianceLoss"
        check_scalar(scale, "scale", fn, low=0, low_open=True)
        check_scalar(threshold, "threshold", fn)
        check_scalar(cost, "cost", fn, low=0, low_open=True)
        self.scale, self.threshold, self.cost = scale, threshold, cost

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return binomial_deviance_loss(embeddings, labels, scale=self.scale, threshold=self.threshold,
                                      cost=self.cost)


# --------------------------------------------------------------------------- InfoNCE / NT-Xent

def info_nce_loss(e1: torch.Tensor, e2: torch.Tensor, *, temperature: float = 0.1,
                  reduction: str = "mean") -> torch.Tensor:
    r"""InfoNCE / NT-Xent for two views of a batch (van den Oord et al. 2018; Chen et al. 2020).

    Stack the two views into :math:`2N` embeddings :math:`e_1, \dots, e_{2N}`; the positive
    of :math:`e_k` is the other view of the same example, :math:`e_{k \pm N}`, and the other
    :math:`2N - 2` embeddings are its negatives. With cosine similarities
    :math:`s_{kj}` and temperature :math:`\tau`:

    .. math::
        \ell_k = -\log \frac{\exp(s_{k, k^+} / \tau)}{\sum_{j \ne k} \exp(s_{kj} / \tau)}
               = -\frac{s_{k,k^+}}{\tau} + \operatorname{logsumexp}_{j \ne k} \frac{s_{kj}}{\tau}

    a softmax cross-entropy in which the classes are the other embeddings of the batch and the
    right class is the positive. The self-similarity :math:`s_{kk} = 1` is masked out.

    ``temperature`` (> 0): Chen et al. compare several values and find 0.1 best in their
    ImageNet setting; lossbook's default is 0.1. The best value depends on the data and the
    batch size, so tune it. A lower temperature concentrates the gradient on the hardest
    negatives.

    Shapes: ``e1``, ``e2`` (N, D), row n of each a view of example n. 'none' returns the
    (2N,) per-embedding losses (the first N anchored in ``e1``); 'mean' averages them, as
    SimCLR does. With labels (every other view of the class a positive) it is
    :func:`supcon_loss`.

    Derived in chapters/metric-learning.
    """
    fn = "info_nce_loss"
    check_pair(e1, e2, fn, input_name="e1", target_name="e2")
    check_dims(e1, "e1", fn, (2,), "(N, D)")
    check_scalar(temperature, "temperature", fn, low=0, low_open=True)
    check_reduction(reduction, fn)
    n = e1.shape[0]
    logits = _cosine_matrix(torch.cat([e1, e2]), 1e-8) / temperature  # cat promotes mixed dtypes
    eye = torch.eye(2 * n, dtype=torch.bool, device=e1.device)
    logits = logits.masked_fill(eye, -math.inf)
    partner = torch.cat([torch.arange(n, 2 * n, device=e1.device), torch.arange(n, device=e1.device)])
    positive_logit = logits.gather(1, partner[:, None]).squeeze(1)
    loss = torch.logsumexp(logits, dim=1) - positive_logit
    return reduce(loss, reduction)


class InfoNCELoss(nn.Module):
    """Module twin of :func:`info_nce_loss`; ``forward(e1, e2)``."""

    def __init__(self, *, temperature: float = 0.1, reduction: str = "mean") -> None:
        super().__init__()
        check_scalar(temperature, "temperature", "InfoNCELoss", low=0, low_open=True)
        check_reduction(reduction, "InfoNCELoss")
        self.temperature, self.reduction = temperature, reduction

    def forward(self, e1: torch.Tensor, e2: torch.Tensor) -> torch.Tensor:
        return info_nce_loss(e1, e2, temperature=self.temperature, reduction=self.reduction)


# --------------------------------------------------------------------------- supervised contrastive

def supcon_loss(embeddings: torch.Tensor, labels: torch.Tensor, *, temperature: float = 0.1,
                reduction: str = "mean") -> torch.Tensor:
    r"""Supervised contrastive loss, SupCon (Khosla et al. 2020; their :math:`L^{sup}_{out}`).

    With :math:`S_{ij}` the cosine similarity of embeddings :math:`i` and :math:`j`,
    :math:`P(i)` the *other* embeddings of :math:`i`'s class and :math:`\tau` the temperature:

    .. math::
        \ell_i = -\frac{1}{|P(i)|} \sum_{p \in P(i)}
                 \log \frac{\exp(S_{ip} / \tau)}{\sum_{j \ne i} \exp(S_{ij} / \tau)}

    InfoNCE with labels: every other embedding of the anchor's class is a positive, each
    scored by a softmax over all the other embeddings of the batch (the anchor's own
    similarity is masked out). With exactly two embeddings per class (two views of each
    example) it *is* :func:`info_nce_loss`.

    An anchor alone in its class has no term: 'none' gives it 0 in the (B,) result, 'mean'
    averages over the anchors that have a positive (0, with a zero gradient, when none has),
    'sum' adds the terms. The log-softmax is computed with ``logsumexp``, stable for any
    temperature > 0.

    Shapes: ``embeddings`` (B, D) floating, ``labels`` (B,) integer.

    Derived in chapters/metric-learning.
    """
    fn = "supcon_loss"
    check_labels(embeddings, labels, fn)
    check_scalar(temperature, "temperature", fn, low=0, low_open=True)
    check_reduction(reduction, fn)
    b = embeddings.shape[0]
    if b == 0:
        return _empty_batch(embeddings, reduction, (0,))
    logits = _cosine_matrix(embeddings, 1e-8) / temperature
    eye = torch.eye(b, dtype=torch.bool, device=embeddings.device)
    # The most negative finite number, not -inf: a batch of one then gives 0, not NaN.
    logits = logits.masked_fill(eye, torch.finfo(logits.dtype).min)
    log_prob = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    positive, _ = _label_masks(labels)
    n_pos = positive.sum(dim=1)
    per_anchor = -torch.where(positive, log_prob, 0.0).sum(dim=1) / n_pos.clamp_min(1)
    if reduction == "mean":
        return per_anchor.sum() / (n_pos > 0).sum().clamp_min(1)
    return reduce(per_anchor, reduction)


class SupConLoss(nn.Module):
    """Module twin of :func:`supcon_loss`; ``forward(embeddings, labels)``."""

    def __init__(self, *, temperature: float = 0.1, reduction: str = "mean") -> None:
        super().__init__()
        check_scalar(temperature, "temperature", "SupConLoss", low=0, low_open=True)
        check_reduction(reduction, "SupConLoss")
        self.temperature, self.reduction = temperature, reduction

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return supcon_loss(embeddings, labels, temperature=self.temperature, reduction=self.reduction)


# --------------------------------------------------------------------------- proxies

def normalized_softmax_loss(embeddings: torch.Tensor, labels: torch.Tensor, proxies: torch.Tensor, *,
                            temperature: float = 0.05, reduction: str = "mean") -> torch.Tensor:
    r"""Normalised softmax (Zhai and Wu 2019): cross-entropy over cosine similarities to one
    learned **proxy** per class.

    .. math::
        \ell_i = -\log \frac{\exp(\cos(e_i, w_{y_i}) / \tau)}{\sum_{c=1}^{C} \exp(\cos(e_i, w_c) / \tau)}

    ``proxies`` holds the vectors :math:`w_1, \dots, w_C`, one row per class, trained with the
    network (an ``nn.Parameter``; ``NormalizedSoftmaxLoss.with_proxies`` owns them). Embeddings and
    proxies are normalised to unit length, so the logits are cosines divided by the
    temperature :math:`\tau`: a classifier with a cosine head. Each example is compared with
    C proxies instead of the other examples of the batch, so the loss needs no pairs, no
    mining and no particular batch composition. Proxy-NCA (Movshovitz-Attias et al. 2017)
    leaves the positive proxy out of the denominator; ArcFace and CosFace subtract a margin
    from the positive's angle or cosine.

    It is ``F.cross_entropy`` of those logits, with its reductions and its behaviour on an
    empty batch. Shapes: ``embeddings`` (N, D) floating, ``labels`` (N,) integer class
    indices in [0, C), ``proxies`` (C, D) floating. ``temperature`` must be > 0 (0.05 is
    pytorch-metric-learning's default).

    Derived in chapters/metric-learning.
    """
    fn = "normalized_softmax_loss"
    check_labels(embeddings, labels, fn)
    check_embeddings(proxies, "proxies", fn)
    check_same_device(fn, embeddings=embeddings, proxies=proxies)
    if proxies.shape[1] != embeddings.shape[1]:
        fail(ValueError, fn, "proxies", f"(C, {embeddings.shape[1]}), one row of the embeddings' "
             "dimension per class", f"shape {tuple(proxies.shape)}")
    check_scalar(temperature, "temperature", fn, low=0, low_open=True)
    check_reduction(reduction, fn)
    check_class_indices(labels, "labels", fn, proxies.shape[0])
    embeddings, proxies = autocast_float32(embeddings, proxies)
    dtype = torch.promote_types(embeddings.dtype, proxies.dtype)
    unit = F.normalize(embeddings.to(dtype), dim=1, eps=1e-8)
    unit_proxies = F.normalize(proxies.to(dtype), dim=1, eps=1e-8)
    with no_autocast(unit):
        logits = unit @ unit_proxies.T / temperature
    return F.cross_entropy(logits, labels, reduction=reduction)


class NormalizedSoftmaxLoss(nn.Module):
    """Module twin of :func:`normalized_softmax_loss`, stateless or owning its proxies.

    ``NormalizedSoftmaxLoss(temperature=...)`` holds no parameter: call it as
    ``forward(embeddings, labels, proxies)``. ``NormalizedSoftmaxLoss.with_proxies(num_classes,
    embedding_dim)`` owns the proxies, an ``nn.Parameter`` of shape (C, D) drawn from a standard
    normal (pass ``generator`` to make them reproducible): call it as ``forward(embeddings,
    labels)`` and give its ``parameters()`` to the optimiser with the model's; ``.to()`` moves
    them.
    """

    def __init__(self, *, temperature: float = 0.05, reduction: str = "mean") -> None:
        super().__init__()
        check_scalar(temperature, "temperature", "NormalizedSoftmaxLoss", low=0, low_open=True)
        check_reduction(reduction, "NormalizedSoftmaxLoss")
        self.temperature, self.reduction = temperature, reduction
        self.register_parameter("proxies", None)

    @classmethod
    def with_proxies(cls, num_classes: int, embedding_dim: int, *, temperature: float = 0.05,
                     reduction: str = "mean", generator: Optional[torch.Generator] = None
                     ) -> "NormalizedSoftmaxLoss":
        """A loss that owns ``num_classes`` proxies of dimension ``embedding_dim`` as parameters."""
        fn = "NormalizedSoftmaxLoss.with_proxies"
        check_int(num_classes, "num_classes", fn, low=1)
        check_int(embedding_dim, "embedding_dim", fn, low=1)
        module = cls(temperature=temperature, reduction=reduction)
        module.proxies = nn.Parameter(torch.randn(num_classes, embedding_dim, generator=generator))
        return module

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor,
                proxies: Optional[torch.Tensor] = None) -> torch.Tensor:
        if proxies is None:
            if self.proxies is None:
                fail(TypeError, "NormalizedSoftmaxLoss", "proxies", "a (C, D) tensor, or a module built "
                     "with NormalizedSoftmaxLoss.with_proxies", "None")
            proxies = self.proxies
        return normalized_softmax_loss(embeddings, labels, proxies, temperature=self.temperature,
                                       reduction=self.reduction)


CATALOG = (
    LossInfo("hinge_embedding_loss", "HingeEmbeddingLoss", "metric",
             "torch.nn.functional.hinge_embedding_loss", "chapters/metric-learning",
             "your input is already a distance per pair, with targets 1 (similar) or -1 (dissimilar)",
             inputs=("positive", "sign")),
    LossInfo("cosine_embedding_loss", "CosineEmbeddingLoss", "metric",
             "torch.nn.functional.cosine_embedding_loss", "chapters/metric-learning",
             "you compare pairs of embeddings by angle, with targets 1 (similar) or -1 (dissimilar)",
             inputs=("real", "real", "sign_rows")),
    LossInfo("triplet_margin_loss", "TripletMarginLoss", "metric",
             "torch.nn.functional.triplet_margin_loss", "chapters/metric-learning",
             "you already form (anchor, positive, negative) triplets yourself",
             inputs=("real", "real", "real")),
    LossInfo("contrastive_loss", "ContrastiveLoss", "metric", None, "chapters/metric-learning",
             "you have labelled pairs (1 similar, 0 dissimilar) and want Euclidean distances with a margin",
             inputs=("real", "real", "binary_rows")),
    LossInfo("triplet_loss", "TripletLoss", "metric", None, "chapters/metric-learning",
             "you mined the triplets yourself (lb.batch_hard_miner, lb.semi_hard_miner, lb.batch_all_miner)",
             inputs=("real", "triplets")),
    LossInfo("batch_all_triplet_loss", "BatchAllTripletLoss", "metric", None, "chapters/metric-learning",
             "you have class labels and want every valid triplet of the batch, averaged over the active ones",
             inputs=("real", "labels")),
    LossInfo("batch_hard_triplet_loss", "BatchHardTripletLoss", "metric", None, "chapters/metric-learning",
             "you have class labels, batches of P classes x K examples, and want the hardest triplet per anchor",
             inputs=("real", "labels")),
    LossInfo("binomial_deviance_loss", "BinomialDevianceLoss", "metric", None, "chapters/metric-learning",
             "you want a smooth loss on every pairwise cosine similarity of a labelled batch",
             inputs=("real", "labels")),
    LossInfo("info_nce_loss", "InfoNCELoss", "metric", None, "chapters/metric-learning",
             "you have two views of each example and no labels (self-supervised contrastive learning)",
             inputs=("real", "real")),
    LossInfo("supcon_loss", "SupConLoss", "metric", None, "chapters/metric-learning",
             "you have class labels and want every same-class embedding of the batch as a positive in a softmax",
             inputs=("real", "labels")),
    LossInfo("normalized_softmax_loss", "NormalizedSoftmaxLoss", "metric", None, "chapters/metric-learning",
             "you want an embedding from a classifier: cosine logits to one learned proxy per class, no pairs or mining",
             inputs=("real", "labels", "real")),
)
