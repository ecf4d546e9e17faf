"""Margin losses on scores: soft margin, multi-class and multi-label margins, and the triplet
margin loss with any distance. Exact twins of their ``torch.nn.functional`` namesakes.

* :func:`soft_margin_loss` -- the logistic loss of a signed margin, :math:`\\log(1 + e^{-y x})`,
  for targets +-1 (BCE with logits, written for +-1 labels);
* :func:`multilabel_soft_margin_loss` -- BCE with logits averaged over the C labels of a row;
* :func:`multi_margin_loss` -- the multi-class hinge (Weston-Watkins / Crammer-Singer style):
  every wrong class within ``margin`` of the true one costs, to the power ``p`` (1 or 2);
* :func:`multilabel_margin_loss` -- the same hinge between every true label and every false one,
  the true labels given as a list of indices ended by -1;
* :func:`triplet_margin_with_distance_loss` -- the triplet margin loss with any distance function.

The signatures are PyTorch's, less the deprecated ``size_average`` and ``reduce``: what follows
the first of them in PyTorch is keyword-only here (``multi_margin_loss(x, t, 1, 1.0, None, True)``
is a ``TypeError`` where PyTorch would read ``True`` as ``size_average``), in the functions and
the modules. Mixed dtypes and autocast give PyTorch's result dtype (each docstring says which).

Stricter than PyTorch where PyTorch accepts nonsense: +-1 targets that are not +-1, multi-label
targets outside [0, 1], label lists with repeated classes (PyTorch counts a class listed twice
twice) or an end marker other than -1, a distance function that returns a matrix or negative
values (a similarity), and tensors of different shapes, all raise ``ValueError`` or
``TypeError``; the value checks are skipped while validation is off
(:func:`lossbook.set_validation`).

Derived in chapters/loss-catalog (the appendix that treats each loss of ``torch.nn`` in a
paragraph); the triplet margin with a distance in chapters/metric-learning.
"""
from __future__ import annotations

import math
from typing import Callable, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from ._core import autocast_float32
from ._registry import LossInfo
from ._validation import (
    check_class_input,
    check_class_target,
    check_class_weight,
    check_dims,
    check_flag,
    check_floating,
    check_integer,
    check_min_dims,
    check_pair,
    check_real,
    check_reduction,
    check_same_device,
    check_same_shape,
    check_scalar,
    check_tensor,
    check_values_among,
    check_values_in,
    check_weight,
    fail,
    is_validation_enabled,
)
from .metric import _pairwise_distance

__all__ = [
    "soft_margin_loss", "SoftMarginLoss",
    "multilabel_soft_margin_loss", "MultiLabelSoftMarginLoss",
    "multi_margin_loss", "MultiMarginLoss",
    "multilabel_margin_loss", "MultiLabelMarginLoss",
    "triplet_margin_with_distance_loss", "TripletMarginWithDistanceLoss",
]


def _no_half_on_cpu(input: torch.Tensor, fn: str) -> None:
    """PyTorch's CPU kernels of the two margin losses have no float16 or bfloat16 version (they
    raise ``NotImplementedError``); the twins refuse the same inputs, with a ``TypeError``. Under
    autocast the inputs are float32 by then, and on a GPU half precision works (in both)."""
    if input.device.type == "cpu" and input.dtype in (torch.float16, torch.bfloat16):
        fail(TypeError, fn, "input", "float32 or float64 on the CPU, as PyTorch's CPU kernel (use autocast or "
             ".float())", f"dtype {input.dtype}")


def _mean_or_nan(loss: torch.Tensor, reduction: str) -> torch.Tensor:
    """The usual reductions: 'mean' of an empty batch is NaN (0 / 0)."""
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


# --------------------------------------------------------------------------- soft margin

def soft_margin_loss(input: torch.Tensor, target: torch.Tensor, *, reduction: str = "mean") -> torch.Tensor:
    r"""The logistic loss of a signed margin; equals ``F.soft_margin_loss``.

    .. math:: \ell_i = \log\bigl(1 + e^{-y_i x_i}\bigr) = \operatorname{softplus}(-y_i x_i),
              \qquad y_i \in \{-1, +1\}

    It is :func:`binary_cross_entropy_with_logits` written for labels :math:`\pm 1` instead of
    0/1 (:math:`y = 2t - 1`): the same loss, the same gradient :math:`-y\,\sigma(-y x)`.
    'mean' averages over every element.

    Computed as ``softplus``, which never overflows: PyTorch's kernel computes
    :math:`\log(1 + e^{-yx})` literally and returns ``inf`` (and a NaN gradient) once
    :math:`-yx` exceeds about 88 in float32, where this one returns :math:`-yx`. Everywhere else
    the two agree.

    Shapes: ``input`` and ``target`` of one shape (any); 'none' returns it. As in PyTorch, the
    result has ``input``'s dtype (a float64 or integer target does not promote it); under
    autocast it is float32. ``reduction`` is keyword-only.

    Checks, stricter than PyTorch (which computes a number for any target): ``target`` -1 or 1
    everywhere; the same shape (PyTorch broadcasts when it can).

    Derived in chapters/loss-catalog.
    """
    fn = "soft_margin_loss"
    check_floating(input, "input", fn)
    check_real(target, "target", fn, "labels -1 or 1")
    check_same_device(fn, input=input, target=target)
    check_same_shape(input, "input", target, "target", fn)
    check_reduction(reduction, fn)
    check_values_among(target, "target", fn, (-1.0, 1.0), what="labels; for 0/1 labels use "
                       "binary_cross_entropy_with_logits")
    input, target = autocast_float32(input, target)
    loss = F.softplus(-target * input).to(input.dtype)
    return _mean_or_nan(loss, reduction)


# --------------------------------------------------------------------------- multi-label soft margin

def multilabel_soft_margin_loss(input: torch.Tensor, target: torch.Tensor, weight: Optional[torch.Tensor] = None,
                                *, reduction: str = "mean") -> torch.Tensor:
    r"""Binary cross-entropy with logits, averaged over the C labels of each row; equals
    ``F.multilabel_soft_margin_loss``.

    .. math:: \ell_n = -\frac{1}{C} \sum_{c=1}^{C} w_c \bigl[\, y_{n,c} \log\sigma(x_{n,c})
              + (1 - y_{n,c}) \log\sigma(-x_{n,c}) \bigr]

    so it is ``binary_cross_entropy_with_logits(x, y, weight, reduction='none').mean(-1)``, then
    reduced over the rows. 'mean' is the same number as BCE with logits' 'mean' when every
    row has C labels. The name is historical: nothing here is a margin.

    Shapes: ``input`` and ``target`` of one shape (..., C), the labels along the last dimension
    (so (C,) for one sample, (N, C) for a batch); ``weight`` broadcastable to it (a weight per
    label (C,), or per element). 'none' returns the shape without its last dimension.
    ``reduction`` is keyword-only. Computed in the promoted dtype of the arguments, in low
    precision too (PyTorch does not raise it to float32 under autocast either).

    Checks: ``target`` in [0, 1] (stricter than PyTorch, which computes a number for any
    target); ``weight`` non-negative and broadcastable to ``input`` without enlarging it.

    Derived in chapters/loss-catalog; BCE with logits in chapters/binary-cross-entropy.
    """
    fn = "multilabel_soft_margin_loss"
    check_pair(input, target, fn)
    check_min_dims(input, "input", fn, 1, "(C,) or (N, C) (labels along the last dimension)")
    check_weight(weight, "weight", input, fn)
    check_reduction(reduction, fn)
    check_values_in(target, "target", fn, 0.0, 1.0)
    loss = -(target * F.logsigmoid(input) + (1 - target) * F.logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(-1) / input.shape[-1]
    return _mean_or_nan(loss, reduction)


# --------------------------------------------------------------------------- multi-class margin

def multi_margin_loss(input: torch.Tensor, target: torch.Tensor, p: int = 1, margin: float = 1.0,
                      weight: Optional[torch.Tensor] = None, *, reduction: str = "mean") -> torch.Tensor:
    r"""The multi-class hinge loss; equals ``F.multi_margin_loss``.

    For a row of C scores :math:`x` with true class :math:`y`, margin :math:`m` and class
    weights :math:`w`,

    .. math:: \ell = \frac{1}{C} \sum_{i \ne y} w_y \max\bigl(0,\; m - x_y + x_i\bigr)^p,
              \qquad p \in \{1, 2\}

    Every wrong class scored within :math:`m` of the true class costs; classes farther below
    cost nothing, so the loss is 0 once the true class leads every other by :math:`m` (a
    cross-entropy never reaches 0). The weight multiplies the hinge *after* the power, as
    PyTorch's kernel does (its documentation puts :math:`w_y` inside the power, which differs
    for ``p=2``; the tests pin the kernel's behaviour). The gradient at a hinge's kink
    (:math:`m - x_y + x_i = 0`) is 0, PyTorch's choice.

    Shapes: ``input`` (N, C) or (C,); ``target`` (N,) or () class indices; ``weight`` (C,);
    'none' returns (N,) or a scalar; 'mean' divides the sum by N. For an empty batch, PyTorch
    2.13's CPU kernel returns uninitialised memory ('sum' and 'mean' alike: any number, NaN
    included); this one follows the rule of every other loss, 0 for 'sum' and NaN for 'mean'.
    ``reduction`` is keyword-only. Under autocast it computes in float32; float16
    and bfloat16 on the CPU raise a ``TypeError``, as PyTorch's CPU kernel raises
    ``NotImplementedError``.

    Checks: ``p`` 1 or 2 (as in PyTorch), ``margin`` a number, class indices in range, ``weight``
    (C,) non-negative and of ``input``'s dtype.

    Derived in chapters/loss-catalog; Weston and Watkins (1999), Crammer and Singer (2001).
    """
    fn = "multi_margin_loss"
    num_classes = check_class_input(input, fn)
    check_dims(input, "input", fn, (1, 2), "(N, C) or (C,)")
    check_class_target(input, target, fn)
    if isinstance(p, bool) or p not in (1, 2):
        fail(ValueError, fn, "p", "1 or 2", repr(p))
    check_scalar(margin, "margin", fn)
    check_class_weight(weight, input, num_classes, fn)
    check_reduction(reduction, fn)
    input, weight = autocast_float32(input, weight)
    _no_half_on_cpu(input, fn)
    cdim = input.dim() - 1
    index = target.unsqueeze(cdim)
    hinge = torch.relu(margin - input.gather(cdim, index) + input)
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:
        hinge = hinge * weight[index]
    others = torch.ones_like(hinge).scatter_(cdim, index, 0.0)  # leave the true class out
    loss = (hinge * others).sum(cdim) / num_classes
    return _mean_or_nan(loss, reduction)


# --------------------------------------------------------------------------- multi-label margin

def multilabel_margin_loss(input: torch.Tensor, target: torch.Tensor, *, reduction: str = "mean") -> torch.Tensor:
    r"""The multi-label hinge loss between every true label and every false one; equals
    ``F.multilabel_margin_loss``.

    ``target`` lists each row's true classes as indices, ended by -1: ``[3, 0, -1, 1]`` means
    classes 3 and 0 are true (what follows the first -1 is ignored). With :math:`Y` that set,

    .. math:: \ell = \frac{1}{C} \sum_{j \in Y} \sum_{i \notin Y} \max\bigl(0,\; 1 - (x_j - x_i)\bigr)

    so each true class should outscore each false class by 1. A row with no true class (a
    leading -1) or with every class true costs 0. The gradient at a kink is 0, as in PyTorch.

    Shapes: ``input`` (N, C) or (C,); ``target`` of the same shape, integer, padded with -1
    (or anything in range after the first -1); 'none' returns (N,) or a scalar; 'mean' divides
    by N. For an empty batch PyTorch 2.13's CPU kernel returns uninitialised memory; this one
    gives 0 for 'sum' and NaN for 'mean', like every other loss. It costs O(N C log C): each true class's hinges
    come from the sorted false scores and a suffix sum, not from the N C^2 pairs.
    ``reduction`` is keyword-only. Under autocast it computes in float32; float16 and bfloat16
    on the CPU raise a ``TypeError``, as PyTorch's CPU kernel raises ``NotImplementedError``.

    Checks: ``target`` integer of ``input``'s shape with entries in [-1, C) (as PyTorch); stricter
    than PyTorch, no class listed twice before the -1 (PyTorch counts such a class twice, which
    doubles its hinges). A common mistake is a 0/1 multi-hot target: it passes PyTorch's check
    and means "classes 0 and 1" or "class 1, then class 0 ...". This function cannot tell the
    two apart in general, but it does refuse the repeats a multi-hot row almost always has.

    Derived in chapters/loss-catalog.
    """
    fn = "multilabel_margin_loss"
    check_floating(input, "input", fn)
    check_dims(input, "input", fn, (1, 2), "(N, C) or (C,)")
    check_integer(target, "target", fn, "class indices ended by -1")
    check_same_device(fn, input=input, target=target)
    check_same_shape(input, "input", target, "target", fn)
    check_reduction(reduction, fn)
    num_classes = input.shape[-1]
    check_values_in(target, "target", fn, -1, num_classes - 1, what=f"class indices in [0, {num_classes - 1}] "
                    "ended by -1")
    listed = (target >= 0).cumprod(-1).bool()  # the entries before the first end marker
    index = torch.where(listed, target, 0)
    counts = torch.zeros_like(target).scatter_add_(-1, index, listed.to(target.dtype))  # times each class is listed
    if is_validation_enabled() and target.numel():
        if bool((counts > 1).any()):
            fail(ValueError, fn, "target", "a list of distinct classes per row (ended by -1)",
                 f"{int((counts > 1).sum())} class(es) listed twice; a 0/1 multi-hot target? "
                 "pass the indices of the true classes, e.g. [c1, c2, -1, ...]")
    (input,) = autocast_float32(input)
    _no_half_on_cpu(input, fn)
    # For a listed class c, the hinges sum over the false classes i scored above x_c - 1:
    # sum_i max(0, x_i - (x_c - 1)) = (their sum) - (their number) (x_c - 1). With the false
    # scores sorted, both come from one search and a suffix sum: O(C log C) per row, not the
    # (C, C) table of pairs. A class listed twice (validation off) counts twice, as in PyTorch.
    false = counts == 0
    ascending = torch.where(false, input, -math.inf).sort(-1).values  # the true classes first, at -inf
    suffix = torch.cat([torch.where(ascending > -math.inf, ascending, 0).flip(-1).cumsum(-1).flip(-1),
                        torch.zeros_like(input[..., :1])], -1)  # suffix[j]: the sum of ascending[j:]
    threshold = (input - 1).contiguous()
    first_above = torch.searchsorted(ascending.detach().contiguous(), threshold.detach(), right=True)
    above = suffix.gather(-1, first_above) - (num_classes - first_above).to(input.dtype) * threshold
    loss = (counts.to(input.dtype) * above).sum(-1) / num_classes
    return _mean_or_nan(loss, reduction)


# --------------------------------------------------------------------------- triplet with a distance

def _default_distance(x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
    """``torch.pairwise_distance`` with its defaults (p = 2, eps = 1e-6): PyTorch's distance
    when none is given. The formula lives in :mod:`lossbook.metric` (``triplet_margin_loss``)."""
    return _pairwise_distance(x1, x2, 2.0, 1e-6)


def triplet_margin_with_distance_loss(anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor, *,
                                      distance_function: Optional[Callable[[torch.Tensor, torch.Tensor],
                                                                           torch.Tensor]] = None,
                                      margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> torch.Tensor:
    r"""The triplet margin loss with any distance; equals ``F.triplet_margin_with_distance_loss``.

    .. math:: \ell_n = \max\bigl(0,\; d(a_n, p_n) - d(a_n, n_n) + m\bigr)

    ``distance_function`` :math:`d` takes two (N, D) tensors and returns N distances; None
    means PyTorch's ``pairwise_distance``, :math:`\lVert x - y + 10^{-6} \rVert_2`. A cosine
    distance is ``lambda x, y: 1 - F.cosine_similarity(x, y)``. With ``swap=True`` the negative
    distance is :math:`\min(d(a, n), d(p, n))`, the "distance swap" of Balntas et al. (2016).
    The gradient at the hinge's kink is that of ``clamp_min``, as PyTorch's.

    Shapes: ``anchor``, ``positive``, ``negative`` of one shape, (N, D) or (D,) with the
    default distance (any shape with your own); 'none' returns (N,) or a scalar. Everything
    after the three tensors is keyword-only (in PyTorch too). Computed in the promoted dtype
    of the arguments (PyTorch does not raise it to float32 under autocast).

    Checks: ``margin`` > 0 (as PyTorch); stricter than PyTorch, the three tensors of one shape
    (PyTorch checks only their number of dimensions), ``distance_function`` callable and
    returning one distance per triplet (shape (N,), or () for one triplet; a distance matrix
    such as ``torch.cdist``'s would broadcast into an (N, N) loss), and (a value check) >= 0: a
    similarity (cosine similarity instead of 1 minus it) would reward the wrong pairs.

    Derived in chapters/metric-learning.
    """
    fn = "triplet_margin_with_distance_loss"
    check_pair(anchor, positive, fn, input_name="anchor", target_name="positive")
    check_pair(anchor, negative, fn, input_name="anchor", target_name="negative")
    if anchor.dim() == 0:
        fail(ValueError, fn, "anchor", "a tensor of shape (N, D) or (D,)", "a scalar")
    if distance_function is None:
        check_dims(anchor, "anchor", fn, (1, 2), "(N, D) or (D,) with the default distance")
        distance = _default_distance
    elif not callable(distance_function):
        fail(TypeError, fn, "distance_function", "None or a callable (x, y) -> distances",
             type(distance_function).__name__)
    else:
        distance = distance_function
    check_scalar(margin, "margin", fn, low=0.0, low_open=True)
    check_flag(swap, "swap", fn)
    check_reduction(reduction, fn)
    expected = tuple(anchor.shape[:1]) if anchor.dim() > 1 else ()
    pairs = [(anchor, positive), (anchor, negative)] + ([(positive, negative)] if swap else [])
    dists = []
    for x, y in pairs:
        d = distance(x, y)
        if distance is not _default_distance:
            check_tensor(d, "distance_function", fn)
            if tuple(d.shape) != expected:
                fail(ValueError, fn, "distance_function", f"returning one distance per triplet, shape {expected}",
                     f"shape {tuple(d.shape)}")
            check_values_in(d, "distance_function", fn, 0.0, math.inf,
                            what="returning distances (>= 0; a similarity is not a distance: use 1 - similarity)")
        dists.append(d)
    dist_neg = dists[1] if not swap else torch.minimum(dists[1], dists[2])
    loss = torch.clamp_min(margin + dists[0] - dist_neg, 0)
    return _mean_or_nan(loss, reduction)


# --------------------------------------------------------------------------- modules

class SoftMarginLoss(nn.Module):
    """Module twin of :func:`soft_margin_loss` (and of ``torch.nn.SoftMarginLoss``)."""

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__()
        check_reduction(reduction, "SoftMarginLoss")
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(nn.Module):
    """Module twin of :func:`multilabel_soft_margin_loss` (and of ``torch.nn.MultiLabelSoftMarginLoss``)."""

    def __init__(self, weight: Optional[torch.Tensor] = None, *, reduction: str = "mean") -> None:
        super().__init__()
        check_reduction(reduction, "MultiLabelSoftMarginLoss")
        self.register_buffer("weight", weight)
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return multilabel_soft_margin_loss(input, target, weight=self.weight, reduction=self.reduction)


class MultiMarginLoss(nn.Module):
    """Module twin of :func:`multi_margin_loss` (and of ``torch.nn.MultiMarginLoss``)."""

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Optional[torch.Tensor] = None, *,
                 reduction: str = "mean") -> None:
        super().__init__()
        fn = "MultiMarginLoss"
        if isinstance(p, bool) or p not in (1, 2):
            fail(ValueError, fn, "p", "1 or 2", repr(p))
        check_scalar(margin, "margin", fn)
        check_reduction(reduction, fn)
        if weight is not None:
            check_floating(weight, "weight", fn)
            check_dims(weight, "weight", fn, (1,), "(C,), one weight per class")
        self.register_buffer("weight", weight)
        self.p, self.margin, self.reduction = p, margin, reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return multi_margin_loss(input, target, p=self.p, margin=self.margin, weight=self.weight,
                                 reduction=self.reduction)


class MultiLabelMarginLoss(nn.Module):
    """Module twin of :func:`multilabel_margin_loss` (and of ``torch.nn.MultiLabelMarginLoss``)."""

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__()
        check_reduction(reduction, "MultiLabelMarginLoss")
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return multilabel_margin_loss(input, target, reduction=self.reduction)


class TripletMarginWithDistanceLoss(nn.Module):
    """Module twin of :func:`triplet_margin_with_distance_loss` (and of
    ``torch.nn.TripletMarginWithDistanceLoss``)."""

    def __init__(self, *, distance_function: Optional[Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = None,
                 margin: float = 1.0, swap: bool = False, reduction: str = "mean") -> None:
        super().__init__()
        fn = "TripletMarginWithDistanceLoss"
        if distance_function is not None and not callable(distance_function):
            fail(TypeError, fn, "distance_function", "None or a callable (x, y) -> distances",
                 type(distance_function).__name__)
        check_scalar(margin, "margin", fn, low=0.0, low_open=True)
        check_flag(swap, "swap", fn)
        check_reduction(reduction, fn)
        self.distance_function = distance_function
        self.margin, self.swap, self.reduction = margin, swap, reduction

    def forward(self, anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor) -> torch.Tensor:
        return triplet_margin_with_distance_loss(anchor, positive, negative, distance_function=self.distance_function,
                                                 margin=self.margin, swap=self.swap, reduction=self.reduction)


# --------------------------------------------------------------------------- catalog

def _example_label_lists(n: int, num_classes: int, generator: torch.Generator) -> torch.Tensor:
    """Valid multi-label margin targets for :func:`lossbook.example_inputs`: row i lists
    1 + i mod (C - 1) distinct classes, then -1, then classes that must be ignored."""
    perm = torch.rand(n, num_classes, generator=generator).argsort(1)
    count = 1 + torch.arange(n) % max(num_classes - 1, 1)
    pos = torch.arange(num_classes)
    return torch.where(pos == count.unsqueeze(1), -1, perm)


_APPENDIX = "chapters/loss-catalog"

CATALOG: tuple[LossInfo, ...] = (
    LossInfo("soft_margin_loss", "SoftMarginLoss", "margin", "torch.nn.functional.soft_margin_loss", _APPENDIX,
             "binary labels coded -1/+1: the same loss as BCE with logits on 0/1 labels",
             inputs=("real", "sign")),
    LossInfo("multilabel_soft_margin_loss", "MultiLabelSoftMarginLoss", "margin",
             "torch.nn.functional.multilabel_soft_margin_loss", _APPENDIX,
             "multi-label 0/1 targets: BCE with logits averaged over the labels of each row",
             inputs=("logits", "binary")),
    LossInfo("multi_margin_loss", "MultiMarginLoss", "margin", "torch.nn.functional.multi_margin_loss", _APPENDIX,
             "one class out of C with a hinge (a multi-class SVM): zero once the true class leads by the margin",
             inputs=("real", "classes")),
    LossInfo("multilabel_margin_loss", "MultiLabelMarginLoss", "margin",
             "torch.nn.functional.multilabel_margin_loss", _APPENDIX,
             "multi-label ranking with a hinge: every true label above every false one, labels as -1-ended lists",
             inputs=("real", "label_lists")),
    LossInfo("triplet_margin_with_distance_loss", "TripletMarginWithDistanceLoss", "margin",
             "torch.nn.functional.triplet_margin_with_distance_loss", "chapters/metric-learning",
             "triplets with a distance of your choice (cosine, a learned metric) instead of the p-norm",
             inputs=("real", "real", "real")),
)
