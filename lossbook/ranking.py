"""Ranking losses: learn a scoring function whose *order* is right.

Derived in chapters/ranking-losses. Five losses and one metric:

* :func:`margin_ranking_loss` -- the exact twin of PyTorch's, one pair at a time;
* :func:`ranknet_loss` -- pairwise logistic loss over every ordered pair of a list
  (Burges et al. 2005);
* :func:`listnet_loss` -- cross-entropy between top-one probabilities (Cao et al. 2007);
* :func:`lambda_loss` -- RankNet pairs weighted by the NDCG change of swapping them
  (LambdaRank, Burges et al. 2006; Wang et al. 2018's "NDCG-LambdaRank" loss);
* :func:`approx_ndcg_loss` -- one minus a smooth NDCG whose ranks are sums of sigmoids
  (ApproxNDCG, Qin et al. 2010);
* :func:`ndcg` -- the metric the last two target (Jarvelin and Kekalainen 2002; the gain
  2^rel - 1 and discount 1 / log2(1 + r) of Burges et al. 2005).

The list losses take a batch of ``N`` queries with ``n`` items each: ``scores``
(N, n) from the model, graded ``relevance`` labels (N, n) (integers or floats
>= 0), and an optional boolean ``mask`` (N, n) that is True for real items, so
that lists of unequal length can be padded to one length. Padded entries of
``scores`` and ``relevance`` are never read: they may hold anything, even NaN.
A single list of shape (n,) is accepted too; its ``reduction='none'`` result is
then a scalar.

lossbook is stricter than PyTorch: :func:`margin_ranking_loss` refuses targets
other than 1 and -1 and tensors of different shapes (PyTorch broadcasts them),
and the list losses refuse negative relevance, a non-boolean mask and
``sigma <= 0``. The checks that read values (targets, relevance) are skipped while
validation is off (:func:`lossbook.set_validation`). ``margin_ranking_loss`` keeps PyTorch's
signature, with ``reduction`` keyword-only (PyTorch's deprecated ``size_average`` and
``reduce`` come before it). Mixed dtypes promote and autocast computes in float32, as in
PyTorch. A batch of no queries gives PyTorch's empty-batch values: NaN for 'mean', 0 for
'sum', an empty tensor for 'none'.
"""
from __future__ import annotations

import math
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from ._core import autocast_float32, reduce
from ._registry import LossInfo
from ._validation import (
    check_choice,
    check_dims,
    check_floating,
    check_int,
    check_mask,
    check_pair,
    check_real,
    check_reduction,
    check_same_device,
    check_same_shape,
    check_scalar,
    check_values_among,
    check_values_in,
)

__all__ = [
    "margin_ranking_loss", "MarginRankingLoss",
    "ranknet_loss", "RankNetLoss",
    "listnet_loss", "ListNetLoss",
    "lambda_loss", "LambdaLoss",
    "approx_ndcg_loss", "ApproxNDCGLoss",
    "ndcg",
]

GAINS = ("exp", "linear")


# --------------------------------------------------------------------------- margin ranking

def margin_ranking_loss(input1: torch.Tensor, input2: torch.Tensor, target: torch.Tensor,
                        margin: float = 0, *, reduction: str = "mean") -> torch.Tensor:
    r"""Hinge loss on the difference of two scores; equals ``F.margin_ranking_loss``.

    .. math:: \ell_n = \max\bigl(0,\; -y_n (x_{1,n} - x_{2,n}) + \text{margin}\bigr)

    ``target`` :math:`y_n = 1` says that ``input1[n]`` should rank higher (score more) than
    ``input2[n]``; :math:`y_n = -1` says the opposite. The loss is zero once the right score
    leads by at least ``margin``.

    Shapes: ``input1``, ``input2`` and ``target`` all of one shape (``()``, ``(N,)``, any);
    ``reduction='none'`` returns that shape, 'mean' and 'sum' a scalar ('mean' of an empty
    batch is NaN, as in PyTorch).

    Stricter than PyTorch: the three tensors must have the same shape (PyTorch broadcasts
    tensors with the same number of dimensions) and every target must be 1 or -1 (PyTorch
    accepts any number, e.g. ``randn(3).sign()`` which may hold 0). ``target`` may be an
    integer or floating tensor.

    Derived in chapters/ranking-losses.
    """
    fn = "margin_ranking_loss"
    check_pair(input1, input2, fn, input_name="input1", target_name="input2")
    check_real(target, "target", fn, "1 and -1")
    check_same_device(fn, input1=input1, target=target)
    check_same_shape(input1, "input1", target, "target", fn)
    check_scalar(margin, "margin", fn)
    check_reduction(reduction, fn)
    check_values_among(target, "target", fn, (1, -1))
    input1, input2, target = autocast_float32(input1, input2, target)
    loss = torch.clamp_min(-target * (input1 - input2) + margin, 0)
    return reduce(loss, reduction)


class MarginRankingLoss(nn.Module):
    """Module twin of :func:`margin_ranking_loss` (and of ``torch.nn.MarginRankingLoss``)."""

    def __init__(self, margin: float = 0.0, *, reduction: str = "mean") -> None:
        super().__init__()
        check_scalar(margin, "margin", "MarginRankingLoss")
        check_reduction(reduction, "MarginRankingLoss")
        self.margin = margin
        self.reduction = reduction

    def forward(self, input1: torch.Tensor, input2: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return margin_ranking_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


# --------------------------------------------------------------------------- list inputs

def _prepare(scores, relevance, mask, fn):
    """Validate a batch of lists; return (scores, relevance, mask) as (N, n) and a flag.

    Padded entries are overwritten with 0 here (``masked_fill`` passes no gradient to them),
    so whatever they held (even NaN) can reach neither the value nor the gradient.
    """
    check_floating(scores, "scores", fn)
    check_dims(scores, "scores", fn, (1, 2), "(n,) or (N, n)")
    check_real(relevance, "relevance", fn, "graded labels (integer or floating)")
    check_same_device(fn, scores=scores, relevance=relevance, mask=mask)
    check_same_shape(scores, "scores", relevance, "relevance", fn)
    if mask is None:
        mask = torch.ones_like(scores, dtype=torch.bool)
    else:
        check_mask(mask, "mask", fn)
        check_same_shape(scores, "scores", mask, "mask", fn)
    scores, relevance = autocast_float32(scores, relevance)
    if relevance.is_floating_point():  # mixed floating dtypes promote, as in PyTorch
        scores = scores.to(torch.promote_types(scores.dtype, relevance.dtype))
    relevance = relevance.to(scores.dtype).masked_fill(~mask, 0)
    check_values_in(relevance, "relevance", fn, 0.0, math.inf, high_open=True,
                    what="finite and >= 0 on every real item")
    scores = scores.masked_fill(~mask, 0)
    single = scores.dim() == 1
    if single:
        scores, relevance, mask = scores[None], relevance[None], mask[None]
    return scores, relevance, mask, single


def _finish(per_query: torch.Tensor, single: bool, reduction: str) -> torch.Tensor:
    if single and reduction == "none":
        return per_query[0]
    return reduce(per_query, reduction)


def _check_sigma(sigma, fn):
    check_scalar(sigma, "sigma", fn, low=0, low_open=True)


def _check_k(k, fn):
    check_int(k, "k", fn, low=1, allow_none=True)


def _check_gain(gain, fn):
    check_choice(gain, "gain", fn, GAINS)


def _pairs(relevance: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """(N, n, n) boolean: entry [q, i, j] is True when item i should rank above item j."""
    both = mask[:, :, None] & mask[:, None, :]
    return both & (relevance[:, :, None] > relevance[:, None, :])


def _pair_logistic(scores: torch.Tensor, sigma: float) -> torch.Tensor:
    """(N, n, n): log(1 + exp(-sigma (s_i - s_j))), with softplus so it never overflows."""
    return F.softplus(-sigma * (scores[:, :, None] - scores[:, None, :]))


# --------------------------------------------------------------------------- RankNet

def ranknet_loss(scores: torch.Tensor, relevance: torch.Tensor, *, mask: Optional[torch.Tensor] = None,
                 sigma: float = 1.0, reduction: str = "mean") -> torch.Tensor:
    r"""RankNet: the pairwise logistic loss over every pair of a list (Burges et al. 2005).

    For each query, over the set :math:`P` of pairs of real items with
    :math:`\text{rel}_i > \text{rel}_j`:

    .. math:: \ell = \frac{1}{|P|} \sum_{(i, j) \in P} \log\bigl(1 + e^{-\sigma (s_i - s_j)}\bigr)

    which is the cross-entropy of the target "i above j" against the model's probability
    :math:`1 / (1 + e^{-\sigma (s_i - s_j)})` that it is, computed with ``softplus`` (stable
    for any scores). Pairs of equal relevance are skipped (Burges et al. give them target 1/2; most
    implementations, and LambdaRank, drop them). A query with no such pair (every real item
    equally relevant, or fewer than two real items) has loss 0.

    Shapes: ``scores`` (N, n) or (n,) floating; ``relevance`` the same shape, integer or
    floating, >= 0 on real items; ``mask`` the same shape, boolean, True for real items
    (default: all real). ``reduction='none'`` returns the per-query losses (N,) (a scalar
    for a single list); 'mean' averages them over queries, so every query weighs the same
    however many pairs it has; 'sum' adds them.

    ``sigma > 0`` scales the score differences (default 1): the slope of the logistic, which
    the book writes :math:`a` (it keeps :math:`\sigma` for the sigmoid).

    Derived in chapters/ranking-losses.
    """
    fn = "ranknet_loss"
    _check_sigma(sigma, fn)
    check_reduction(reduction, fn)
    scores, relevance, mask, single = _prepare(scores, relevance, mask, fn)
    pairs = _pairs(relevance, mask)
    pair_loss = torch.where(pairs, _pair_logistic(scores, sigma), 0)
    count = pairs.sum(dim=(1, 2)).clamp_min(1)
    per_query = pair_loss.sum(dim=(1, 2)) / count
    return _finish(per_query, single, reduction)


class RankNetLoss(nn.Module):
    """Module twin of :func:`ranknet_loss`; ``forward(scores, relevance, mask=None)``."""

    def __init__(self, *, sigma: float = 1.0, reduction: str = "mean") -> None:
        super().__init__()
        _check_sigma(sigma, "RankNetLoss")
        check_reduction(reduction, "RankNetLoss")
        self.sigma = sigma
        self.reduction = reduction

    def forward(self, scores: torch.Tensor, relevance: torch.Tensor,
                mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        return ranknet_loss(scores, relevance, mask=mask, sigma=self.sigma, reduction=self.reduction)


# --------------------------------------------------------------------------- ListNet

def _masked_log_softmax(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """log_softmax over the real items of each row.

    Padded items get the most negative finite number, so ``exp`` sends them to exactly 0
    without ever computing inf - inf (a row with no real item stays finite too).
    """
    return torch.log_softmax(x.masked_fill(~mask, torch.finfo(x.dtype).min), dim=-1)


def listnet_loss(scores: torch.Tensor, relevance: torch.Tensor, *, mask: Optional[torch.Tensor] = None,
                 reduction: str = "mean") -> torch.Tensor:
    r"""ListNet: cross-entropy between top-one probabilities (Cao et al. 2007).

    For each query, over its real items:

    .. math::
        P_i = \frac{e^{\text{rel}_i}}{\sum_k e^{\text{rel}_k}}, \qquad
        Q_i = \frac{e^{s_i}}{\sum_k e^{s_k}}, \qquad
        \ell = -\sum_i P_i \log Q_i

    :math:`P_i` is the probability that item i is ranked first under the labels (Cao et al.
    use the exponential of the relevance), :math:`Q_i` the same under the scores. ``log Q``
    is a log-softmax, stable for any scores. The minimum over scores is the entropy of
    :math:`P` (reached at ``scores = relevance + c``), not 0. To sharpen or soften the target
    distribution, pass ``relevance / T``. A query with no real item has loss 0.

    Shapes and ``reduction`` as :func:`ranknet_loss`: 'none' gives the per-query losses (N,).

    Derived in chapters/ranking-losses.
    """
    fn = "listnet_loss"
    check_reduction(reduction, fn)
    scores, relevance, mask, single = _prepare(scores, relevance, mask, fn)
    target = _masked_log_softmax(relevance, mask).exp() * mask
    per_query = -(target * _masked_log_softmax(scores, mask)).sum(dim=-1)
    return _finish(per_query, single, reduction)


class ListNetLoss(nn.Module):
    """Module twin of :func:`listnet_loss`; ``forward(scores, relevance, mask=None)``."""

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__()
        check_reduction(reduction, "ListNetLoss")
        self.reduction = reduction

    def forward(self, scores: torch.Tensor, relevance: torch.Tensor,
                mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        return listnet_loss(scores, relevance, mask=mask, reduction=self.reduction)


# --------------------------------------------------------------------------- NDCG pieces

def _gains(relevance: torch.Tensor, gain: str) -> torch.Tensor:
    return torch.exp2(relevance) - 1 if gain == "exp" else relevance


def _ranks(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """1-based rank of every item when sorted by decreasing score (ties: lower index first);
    padded items come after every real one."""
    key = scores.detach().masked_fill(~mask, -torch.inf)
    order = torch.argsort(key, dim=-1, descending=True, stable=True)
    ranks = torch.empty_like(order)
    positions = torch.arange(1, order.shape[-1] + 1, device=order.device).expand_as(order)
    return ranks.scatter_(-1, order, positions)


def _discounts(ranks: torch.Tensor, k: Optional[int], dtype: torch.dtype) -> torch.Tensor:
    """1 / log2(1 + rank), and 0 beyond rank k."""
    d = 1.0 / torch.log2(1.0 + ranks.to(dtype))
    return d if k is None else d * (ranks <= k)


def _ideal_dcg(gains: torch.Tensor, k: Optional[int]) -> torch.Tensor:
    """DCG@k of the best ordering: gains sorted decreasingly (padded gains are 0)."""
    best = torch.sort(gains, dim=-1, descending=True).values
    ranks = torch.arange(1, gains.shape[-1] + 1, device=gains.device).expand_as(best)
    return (best * _discounts(ranks, k, gains.dtype)).sum(dim=-1)


def ndcg(scores: torch.Tensor, relevance: torch.Tensor, *, mask: Optional[torch.Tensor] = None,
         k: Optional[int] = None, gain: str = "exp") -> torch.Tensor:
    r"""Normalised discounted cumulative gain at k, per query.

    Rank the real items by decreasing score (ties: the lower index first); then

    .. math::
        \text{DCG@}k = \sum_{r=1}^{\min(k, n)} \frac{g(\text{rel}_{(r)})}{\log_2(1 + r)}, \qquad
        \text{NDCG@}k = \frac{\text{DCG@}k}{\text{IDCG@}k}

    with gain :math:`g(\text{rel}) = 2^{\text{rel}} - 1` (``gain='exp'``, the usual choice in
    learning to rank; it overflows float32 for grades above 127) or
    :math:`g(\text{rel}) = \text{rel}` (``gain='linear'``, what ``sklearn.metrics.ndcg_score``
    uses: with distinct scores ``gain='linear'`` equals ``ndcg_score(..., ignore_ties=True)``
    query by query). IDCG@k is the DCG@k of the best order;
    a query whose IDCG is 0 (no relevant item) gets NDCG 0, as in scikit-learn.

    This is the variant of Burges et al. (2005), used in learning to rank since. Jarvelin and
    Kekalainen's original DCG (2002) takes the grade as the gain and divides by
    :math:`\log_b r` only from rank :math:`b` on (ranks 1 and 2 undiscounted for :math:`b = 2`).

    Returns a tensor of shape (N,) (a scalar for one list) in [0, 1], without gradient (a
    rank is piecewise constant in the scores). Same input rules as :func:`ranknet_loss`.
    """
    fn = "ndcg"
    _check_k(k, fn)
    _check_gain(gain, fn)
    with torch.no_grad():
        scores, relevance, mask, single = _prepare(scores, relevance, mask, fn)
        gains = _gains(relevance, gain)
        dcg = (gains * _discounts(_ranks(scores, mask), k, gains.dtype)).sum(dim=-1)
        ideal = _ideal_dcg(gains, k)
        values = torch.where(ideal > 0, dcg / ideal.clamp_min(torch.finfo(ideal.dtype).tiny), 0)
    return values[0] if single else values


# --------------------------------------------------------------------------- LambdaRank-style

def lambda_loss(scores: torch.Tensor, relevance: torch.Tensor, *, mask: Optional[torch.Tensor] = None,
                sigma: float = 1.0, k: Optional[int] = None, gain: str = "exp",
                reduction: str = "mean") -> torch.Tensor:
    r"""RankNet pairs weighted by how much swapping them would change NDCG@k (LambdaRank).

    For each query, with :math:`r_i` the rank of item i in the order the current scores
    induce (by ``argsort``, detached), gains :math:`G_i = 2^{\text{rel}_i} - 1` and discounts
    :math:`D_i = 1 / \log_2(1 + r_i)` (:math:`D_i = 0` when :math:`r_i > k`):

    .. math::
        |\Delta\text{NDCG}_{ij}| = \frac{|G_i - G_j|\,|D_i - D_j|}{\text{IDCG@}k}, \qquad
        \ell = \sum_{\text{rel}_i > \text{rel}_j} |\Delta\text{NDCG}_{ij}|\,
               \log\bigl(1 + e^{-\sigma (s_i - s_j)}\bigr)

    :math:`|\Delta\text{NDCG}_{ij}|` is exactly the change in NDCG@k if items i and j traded
    places; it is treated as a constant (no gradient flows through the ranks). The gradient
    of :math:`\ell` with respect to :math:`s_i` is then LambdaRank's :math:`\lambda_i` (Burges
    et al. 2006; Burges 2010, section 4), and :math:`\ell` is the "NDCG-LambdaRank" loss of
    Wang et al. (2018) written with the natural logarithm (they use :math:`\log_2`, a factor
    :math:`1/\ln 2`). The pair terms are summed, not averaged: the weights already put the
    loss on the scale of NDCG. A query with no relevant item (IDCG = 0) has loss 0.

    ``sigma > 0`` scales score differences; ``k`` (None: the whole list) truncates NDCG;
    ``gain`` is 'exp' (:math:`2^{\text{rel}} - 1`) or 'linear' (rel). Shapes and
    ``reduction`` as :func:`ranknet_loss`: 'none' gives the per-query losses (N,).

    Derived in chapters/ranking-losses.
    """
    fn = "lambda_loss"
    _check_sigma(sigma, fn)
    _check_k(k, fn)
    _check_gain(gain, fn)
    check_reduction(reduction, fn)
    scores, relevance, mask, single = _prepare(scores, relevance, mask, fn)
    weights = _delta_ndcg(scores, relevance, mask, k, gain)
    pairs = _pairs(relevance, mask)
    pair_loss = torch.where(pairs, weights * _pair_logistic(scores, sigma), 0)
    return _finish(pair_loss.sum(dim=(1, 2)), single, reduction)


def _delta_ndcg(scores, relevance, mask, k, gain):
    """(N, n, n) |change in NDCG@k| if items i and j swapped ranks; constant (no gradient)."""
    with torch.no_grad():
        gains = _gains(relevance, gain)
        discounts = _discounts(_ranks(scores, mask), k, gains.dtype)
        ideal = _ideal_dcg(gains, k)
        delta = ((gains[:, :, None] - gains[:, None, :]).abs()
                 * (discounts[:, :, None] - discounts[:, None, :]).abs())
        scale = torch.where(ideal > 0, 1 / ideal.clamp_min(torch.finfo(ideal.dtype).tiny), 0)
        return delta * scale[:, None, None]


class LambdaLoss(nn.Module):
    """Module twin of :func:`lambda_loss`; ``forward(scores, relevance, mask=None)``."""

    def __init__(self, *, sigma: float = 1.0, k: Optional[int] = None, gain: str = "exp",
                 reduction: str = "mean") -> None:
        super().__init__()
        _check_sigma(sigma, "LambdaLoss")
        _check_k(k, "LambdaLoss")
        _check_gain(gain, "LambdaLoss")
        check_reduction(reduction, "LambdaLoss")
        self.sigma, self.k, self.gain, self.reduction = sigma, k, gain, reduction

    def forward(self, scores: torch.Tensor, relevance: torch.Tensor,
                mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        return lambda_loss(scores, relevance, mask=mask, sigma=self.sigma, k=self.k,
                           gain=self.gain, reduction=self.reduction)


# --------------------------------------------------------------------------- ApproxNDCG

def _approx_ranks(scores: torch.Tensor, mask: torch.Tensor, temperature: float) -> torch.Tensor:
    """(N, n) smooth ranks: 1 + sum over the other real items j of sigmoid((s_j - s_i) / temperature).

    Each sigmoid is a soft "j scores above i"; as the temperature goes to 0 it becomes the
    indicator, and the sum becomes the rank (for distinct scores).
    """
    n = scores.shape[-1]
    above = torch.sigmoid((scores[:, None, :] - scores[:, :, None]) / temperature)  # [., i, j]: s_j vs s_i
    others = mask[:, None, :] & ~torch.eye(n, dtype=torch.bool, device=scores.device)
    return 1 + torch.where(others, above, 0).sum(dim=-1)


def approx_ndcg_loss(scores: torch.Tensor, relevance: torch.Tensor, *, mask: Optional[torch.Tensor] = None,
                     temperature: float = 1.0, gain: str = "exp", reduction: str = "mean") -> torch.Tensor:
    r"""ApproxNDCG: one minus NDCG with every rank replaced by a smooth rank (Qin et al. 2010).

    For each query, over its real items, with gains :math:`G_i = 2^{\text{rel}_i} - 1`:

    .. math::
        \hat r_i = 1 + \sum_{j \ne i} \sigma\Bigl(\frac{s_j - s_i}{\tau}\Bigr), \qquad
        \ell = 1 - \frac{1}{\text{IDCG}} \sum_i \frac{G_i}{\log_2(1 + \hat r_i)}

    :math:`\hat r_i` counts, softly, the items that score above item i; as the temperature
    :math:`\tau` goes to 0 it tends to the rank :math:`r_i` (distinct scores) and :math:`\ell`
    to 1 - NDCG over the whole list. Unlike NDCG, :math:`\ell` has a gradient everywhere: a
    small :math:`\tau` follows NDCG closely but its gradient vanishes except near ties, a
    large one is smooth but biased. Qin et al.'s :math:`\alpha` is :math:`1/\tau`; allRank's
    ``approxNDCGLoss`` uses :math:`\tau = 1`, TF-Ranking's ``ApproxNDCGLoss`` :math:`\tau = 0.1`.
    There is no cut-off k: like those, it approximates NDCG over the whole list. The
    smooth ranks are a convex combination of permutations of 1..n, so :math:`\ell` lies in
    [0, 1]. A query with no relevant item (IDCG = 0) has loss 0.

    Shapes and ``reduction`` as :func:`ranknet_loss`: ``scores`` (N, n) or (n,), ``relevance``
    the same shape, ``mask`` optional; 'none' gives the per-query losses (N,). ``gain`` is
    'exp' (:math:`2^{\text{rel}} - 1`) or 'linear' (rel); ``temperature`` must be > 0.

    Derived in chapters/ranking-losses.
    """
    fn = "approx_ndcg_loss"
    check_scalar(temperature, "temperature", fn, low=0, low_open=True)
    _check_gain(gain, fn)
    check_reduction(reduction, fn)
    scores, relevance, mask, single = _prepare(scores, relevance, mask, fn)
    gains = _gains(relevance, gain)  # 0 on padded items, so their smooth ranks never count
    dcg = (gains / torch.log2(1 + _approx_ranks(scores, mask, temperature))).sum(dim=-1)
    ideal = _ideal_dcg(gains, None)
    per_query = torch.where(ideal > 0, 1 - dcg / ideal.clamp_min(torch.finfo(ideal.dtype).tiny), 0)
    return _finish(per_query, single, reduction)


class ApproxNDCGLoss(nn.Module):
    """Module twin of :func:`approx_ndcg_loss`; ``forward(scores, relevance, mask=None)``."""

    def __init__(self, *, temperature: float = 1.0, gain: str = "exp", reduction: str = "mean") -> None:
        super().__init__()
        check_scalar(temperature, "temperature", "ApproxNDCGLoss", low=0, low_open=True)
        _check_gain(gain, "ApproxNDCGLoss")
        check_reduction(reduction, "ApproxNDCGLoss")
        self.temperature, self.gain, self.reduction = temperature, gain, reduction

    def forward(self, scores: torch.Tensor, relevance: torch.Tensor,
                mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        return approx_ndcg_loss(scores, relevance, mask=mask, temperature=self.temperature,
                                gain=self.gain, reduction=self.reduction)


CATALOG = (
    LossInfo("margin_ranking_loss", "MarginRankingLoss", "ranking",
             "torch.nn.functional.margin_ranking_loss", "chapters/ranking-losses",
             "you have pairs of scores and know which of each pair should be higher (target 1 or -1)",
             inputs=("real", "real", "sign")),
    LossInfo("ranknet_loss", "RankNetLoss", "ranking", None, "chapters/ranking-losses",
             "you rank lists with graded labels and every misordered pair matters equally",
             inputs=("real", "relevance")),
    LossInfo("listnet_loss", "ListNetLoss", "ranking", None, "chapters/ranking-losses",
             "you want one softmax per list: a cheap listwise loss that stresses the top item",
             inputs=("real", "relevance")),
    LossInfo("lambda_loss", "LambdaLoss", "ranking", None, "chapters/ranking-losses",
             "you are judged by NDCG@k and want pair errors near the top to count most",
             inputs=("real", "relevance")),
    LossInfo("approx_ndcg_loss", "ApproxNDCGLoss", "ranking", None, "chapters/ranking-losses",
             "you are judged by NDCG and want to train on a smooth version of it (choose the "
             "temperature on validation data)",
             inputs=("real", "relevance")),
)
