"""Losses and weights for imbalanced classes: focal losses, soft Dice, long-tail losses, class
weights.

Derived in chapters/class-imbalance. Five losses PyTorch lacks, each from logits:

* :func:`sigmoid_focal_loss` -- binary / multi-label focal loss (Lin et al. 2017), the formula
  of ``torchvision.ops.sigmoid_focal_loss`` computed in log space;
* :func:`focal_loss` -- multi-class softmax focal loss; with ``gamma=0`` it *is*
  ``F.cross_entropy`` (same ``weight``, ``ignore_index`` and weighted mean);
* :func:`dice_loss` -- soft Dice (Milletari et al. 2016), binary (sigmoid) or multi-class
  (softmax), one Dice per sample;
* :func:`logit_adjusted_cross_entropy` -- cross-entropy of the logits plus :math:`\\kappa \\log \\pi`
  (Menon et al. 2021), for long-tailed classes judged by balanced accuracy;
* :func:`balanced_softmax_loss` -- the same with :math:`\\kappa = 1` (Ren et al. 2020);

and two helpers that are not losses:

* :func:`class_weights` -- inverse frequency, square-root inverse frequency, or the effective
  number of samples (Cui et al. 2019), scaled to sum to the number of classes;
* :func:`pos_weight_from_targets` -- ``n_neg / n_pos`` per column, for
  ``BCEWithLogitsLoss(pos_weight=...)``.

The factor :math:`(1 - p_t)^\\gamma` is computed as :math:`\\exp(\\gamma \\log(1 - p_t))` with
:math:`\\log(1 - p_t)` taken straight from the logits (``logsigmoid`` or a ``logsumexp`` over the
other classes). It never rounds to :math:`\\log 0`, so values and gradients stay finite for
logits of +-1e4, for ``gamma=0`` and for ``0 < gamma < 1`` (where the naive ``(1 - p) ** gamma``
has an infinite slope at ``p_t = 1`` and gives NaN gradients).

lossbook is stricter than the usual implementations: binary targets must be exactly 0 or 1,
class indices must be integers, ``gamma`` must be >= 0, ``alpha`` in [0, 1], class weights
non-negative, and shapes must match exactly (no broadcasting). The checks that read values
(0/1 targets, class indices in range, weights) are skipped while validation is off
(:func:`lossbook.set_validation`). Under autocast the losses compute in float32; mixed dtypes
promote. An empty batch gives an empty tensor ('none'), 0 ('sum') or NaN ('mean'), as in PyTorch.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from ._core import autocast_float32, reduce
from ._registry import LossInfo
from ._validation import (
    as_tensor,
    check_at_least_one,
    check_choice,
    check_class_input,
    check_class_target,
    check_class_weight,
    check_dims,
    check_flag,
    check_floating,
    check_int,
    check_min_dims,
    check_not_empty,
    check_pair,
    check_real,
    check_reduction,
    check_same_device,
    check_scalar,
    check_shape,
    check_values_among,
    check_values_in,
    class_dim,
)

__all__ = [
    "sigmoid_focal_loss", "SigmoidFocalLoss",
    "focal_loss", "FocalLoss",
    "dice_loss", "DiceLoss",
    "logit_adjusted_cross_entropy", "LogitAdjustedCrossEntropyLoss",
    "balanced_softmax_loss", "BalancedSoftmaxLoss",
    "class_weights", "pos_weight_from_targets",
]

SCHEMES = ("inverse", "sqrt_inverse", "effective")


# --------------------------------------------------------------------------- shared checks

def _check_binary(target: torch.Tensor, name: str, fn: str) -> None:
    """(Value check.) Every element exactly 0 or 1."""
    check_values_among(target, name, fn, (0, 1), what="hard binary labels")


def _check_gamma(gamma: object, fn: str) -> None:
    check_scalar(gamma, "gamma", fn, low=0)


def _check_alpha(alpha: object, fn: str) -> None:
    """``alpha`` in [0, 1], or None / -1 (torchvision's value) to switch it off."""
    if alpha is None or (isinstance(alpha, (int, float)) and not isinstance(alpha, bool) and alpha == -1):
        return
    check_scalar(alpha, "alpha", fn, low=0, high=1)


# --------------------------------------------------------------------------- sigmoid focal

def sigmoid_focal_loss(inputs: torch.Tensor, targets: torch.Tensor, *, alpha: Optional[float] = 0.25,
                       gamma: float = 2.0, reduction: str = "mean") -> torch.Tensor:
    r"""Binary (or multi-label) focal loss on logits (Lin et al. 2017).

    With :math:`p = \sigma(x)` the predicted probability of class 1 and :math:`y \in \{0, 1\}`,

    .. math::

        p_t = \begin{cases} p & y = 1 \\ 1 - p & y = 0 \end{cases}, \qquad
        \alpha_t = \begin{cases} \alpha & y = 1 \\ 1 - \alpha & y = 0 \end{cases}, \qquad
        \ell = -\alpha_t\, (1 - p_t)^\gamma \log p_t .

    ``gamma=0`` and ``alpha=None`` give ``F.binary_cross_entropy_with_logits`` exactly. With
    :math:`z = (2y - 1)x`, :math:`-\log p_t = \operatorname{softplus}(-z)` and
    :math:`\log(1 - p_t) = \operatorname{logsigmoid}(-z)`: both are finite for any finite logit,
    so values and gradients are finite for logits of +-1e4 and for ``0 <= gamma < 1``.

    This is the formula of ``torchvision.ops.sigmoid_focal_loss`` (the same ``alpha=0.25``,
    ``gamma=2`` defaults; ``alpha=None`` or ``-1`` switches :math:`\alpha_t` off), with two
    differences. The default ``reduction`` is ``'mean'``, as for every lossbook loss (torchvision's
    is ``'none'``); RetinaNet itself normalises the *sum* by the number of positive anchors,
    ``sigmoid_focal_loss(x, y, reduction='sum') / num_pos``. And it is stricter: ``targets``
    must be exactly 0 or 1 (torchvision accepts any float, for which the formula is not Lin et
    al.'s loss), ``alpha`` must lie in [0, 1] and ``gamma`` be >= 0.

    Note that ``alpha`` weights the *positives*: the paper's ``alpha=0.25`` gives the rare
    class the smaller weight, which works because :math:`\gamma = 2` already silences the many
    easy negatives.

    Shapes: ``inputs`` (logits) and ``targets`` (floating, 0 or 1) of one shape, any; 'none'
    returns that shape, 'mean' and 'sum' a scalar ('mean' of an empty tensor is NaN).

    Derived in chapters/class-imbalance.
    """
    fn = "sigmoid_focal_loss"
    check_pair(inputs, targets, fn, input_name="inputs", target_name="targets")
    _check_binary(targets, "targets", fn)
    _check_alpha(alpha, fn)
    _check_gamma(gamma, fn)
    check_reduction(reduction, fn)
    inputs, targets = autocast_float32(inputs, targets)
    z = (2 * targets - 1) * inputs          # the signed margin: large and positive when right
    loss = F.softplus(-z)                   # -log p_t, the cross-entropy
    if gamma != 0:
        loss = torch.exp(gamma * F.logsigmoid(-z)) * loss   # (1 - p_t)^gamma, from log space
    if alpha is not None and alpha != -1:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    return reduce(loss, reduction)


class SigmoidFocalLoss(nn.Module):
    """Module twin of :func:`sigmoid_focal_loss`."""

    def __init__(self, *, alpha: Optional[float] = 0.25, gamma: float = 2.0,
                 reduction: str = "mean") -> None:
        super().__init__()
        _check_alpha(alpha, "SigmoidFocalLoss")
        _check_gamma(gamma, "SigmoidFocalLoss")
        check_reduction(reduction, "SigmoidFocalLoss")
        self.alpha, self.gamma, self.reduction = alpha, gamma, reduction

    def forward(self, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return sigmoid_focal_loss(inputs, targets, alpha=self.alpha, gamma=self.gamma,
                                  reduction=self.reduction)


# --------------------------------------------------------------------------- softmax focal

def focal_loss(input: torch.Tensor, target: torch.Tensor, *, gamma: float = 2.0,
               weight: Optional[torch.Tensor] = None, ignore_index: int = -100,
               reduction: str = "mean") -> torch.Tensor:
    r"""Multi-class (softmax) focal loss on logits; ``gamma=0`` gives ``F.cross_entropy``.

    With :math:`p_t = \operatorname{softmax}(x)_{y}` the probability of the true class and
    :math:`w_y` = ``weight[y]`` (1 if ``weight`` is None),

    .. math::

        \ell_n = -w_{y_n}\, (1 - p_{t,n})^\gamma \log p_{t,n}, \qquad
        \text{'mean'} = \frac{\sum_n \ell_n}{\sum_n w_{y_n}}

    over the elements whose target is not ``ignore_index``; ignored elements give 0 under
    'none'. This is exactly ``F.cross_entropy``'s weighted mean, so ``gamma=0`` reproduces
    ``F.cross_entropy(input, target, weight, ignore_index=..., reduction=...)`` for every
    option, and the mean does not change when all weights are scaled by one factor.
    ``weight`` plays the role of Lin et al.'s :math:`\alpha_t`, one value per class. (Many
    implementations divide by the number of elements instead; that is
    ``reduction='sum'`` divided by the count.)

    :math:`\log p_t` is a log-softmax and :math:`\log(1 - p_t)` a ``logsumexp`` over the other
    classes minus the one over all classes, so neither rounds to :math:`\log 0` and the loss
    is finite, with finite gradients, for logits of +-1e4 and any ``gamma >= 0``.

    Shapes: ``input`` (C,), (N, C) or (N, C, d1, ..., dK) logits with C >= 2; ``target`` of
    ``input``'s shape without dimension 1 (``()`` for an unbatched (C,) input), integer class
    indices in [0, C) or ``ignore_index``. 'none' returns ``target``'s shape.

    Stricter than ``F.cross_entropy``: ``target`` must hold class indices (no probabilities,
    no float dtype), ``weight`` must be non-negative, and there is no ``label_smoothing``.

    Derived in chapters/class-imbalance (Lin et al. 2017).
    """
    fn = "focal_loss"
    num_classes = check_class_input(input, fn, min_classes=2)
    check_int(ignore_index, "ignore_index", fn)
    check_class_target(input, target, fn, ignore_index=ignore_index)
    check_class_weight(weight, input, num_classes, fn)
    _check_gamma(gamma, fn)
    check_reduction(reduction, fn)
    input, weight = autocast_float32(input, weight)

    unbatched = input.dim() == 1
    if unbatched:
        input, target = input[None], target[None]
    keep = target != ignore_index
    safe_target = target.masked_fill(~keep, 0).unsqueeze(1)   # any valid index; masked below
    log_z = torch.logsumexp(input, dim=1)
    loss = log_z - input.gather(1, safe_target).squeeze(1)     # -log p_t
    if gamma != 0:
        is_target = torch.zeros_like(input, dtype=torch.bool).scatter_(1, safe_target, True)
        log_rest = torch.logsumexp(input.masked_fill(is_target, -math.inf), dim=1)
        loss = torch.exp(gamma * (log_rest - log_z)) * loss    # (1 - p_t)^gamma
    w = keep.to(input.dtype) if weight is None else weight[safe_target.squeeze(1)] * keep
    loss = torch.where(keep, loss * w, torch.zeros_like(loss))
    if unbatched:
        loss, w = loss[0], w[0]
    if reduction == "mean":
        return loss.sum() / w.sum()
    return reduce(loss, reduction)


class FocalLoss(nn.Module):
    """Module twin of :func:`focal_loss`; ``weight`` is a buffer, so ``.to(device)`` moves it."""

    def __init__(self, *, gamma: float = 2.0, weight: Optional[torch.Tensor] = None,
                 ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__()
        _check_gamma(gamma, "FocalLoss")
        check_reduction(reduction, "FocalLoss")
        check_int(ignore_index, "ignore_index", "FocalLoss")
        if weight is not None:
            check_floating(weight, "weight", "FocalLoss")
        self.register_buffer("weight", weight)
        self.gamma, self.ignore_index, self.reduction = gamma, ignore_index, reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return focal_loss(input, target, gamma=self.gamma, weight=self.weight,
                          ignore_index=self.ignore_index, reduction=self.reduction)


# --------------------------------------------------------------------------- soft Dice

def dice_loss(input: torch.Tensor, target: torch.Tensor, *, smooth: float = 1.0,
              multiclass: bool = False, reduction: str = "mean") -> torch.Tensor:
    r"""Soft Dice loss on logits, one Dice coefficient per sample (Milletari et al. 2016).

    For one sample with predicted probabilities :math:`p_i` and targets :math:`g_i` over its
    elements :math:`i` (pixels, voxels, time steps) and :math:`s` = ``smooth``,

    .. math::

        D = \frac{2 \sum_i p_i g_i + s}{\sum_i p_i + \sum_i g_i + s}, \qquad \ell = 1 - D .

    * ``multiclass=False`` (binary): :math:`p = \sigma(\text{input})`; ``input`` and ``target``
      have one shape (N, \*), ``target`` floating and 0 or 1; the sums run over every dimension
      but the first. For multi-label masks (N, C, \*) with one Dice per class, pass
      ``input.flatten(0, 1)`` and ``target.flatten(0, 1)``.
    * ``multiclass=True``: :math:`p = \operatorname{softmax}` over dimension 1 of (N, C, \*)
      logits, C >= 2; ``target`` (N, \*) holds integer class indices, one-hot encoded inside.
      Each class gets its own Dice per sample, and the sample's loss is 1 minus their mean
      (every class counts equally, background included).

    ``smooth`` is added to numerator and denominator: with ``smooth > 0`` an empty target
    predicted empty scores :math:`D = 1`, and :math:`0 \le \ell < 1` always (because
    :math:`2pg \le p + g` on [0, 1]). With ``smooth=0`` that case is 0/0 = NaN. Milletari et
    al. square :math:`p_i` and :math:`g_i` in the denominator; this is the linear form that
    most libraries use (for 0/1 targets :math:`g^2 = g`, so only the :math:`p` term differs).

    'none' returns the (N,) per-sample losses, 'mean' and 'sum' a scalar.

    Derived in chapters/class-imbalance.
    """
    fn = "dice_loss"
    check_scalar(smooth, "smooth", fn, low=0)
    check_flag(multiclass, "multiclass", fn)
    check_reduction(reduction, fn)
    if multiclass:
        check_floating(input, "input", fn)
        check_min_dims(input, "input", fn, 2, "(N, C, ...) with multiclass=True")
        check_class_input(input, fn, min_classes=2)
        check_class_target(input, target, fn)
        (input,) = autocast_float32(input)
        probs = torch.softmax(input, dim=1)
        onehot = torch.zeros_like(probs).scatter_(1, target.unsqueeze(1), 1.0)
        dims = tuple(range(2, input.dim()))              # per sample and per class
    else:
        check_pair(input, target, fn)
        check_min_dims(input, "input", fn, 1, "(N, ...) (the first dimension is the batch)")
        _check_binary(target, "target", fn)
        input, target = autocast_float32(input, target)
        probs, onehot = torch.sigmoid(input), target
        dims = tuple(range(1, input.dim()))               # per sample
    overlap = (probs * onehot).sum(dim=dims)
    total = probs.sum(dim=dims) + onehot.sum(dim=dims)
    dice = (2 * overlap + smooth) / (total + smooth)
    if multiclass:
        dice = dice.mean(dim=1)
    return reduce(1 - dice, reduction)


class DiceLoss(nn.Module):
    """Module twin of :func:`dice_loss`."""

    def __init__(self, *, smooth: float = 1.0, multiclass: bool = False, reduction: str = "mean") -> None:
        super().__init__()
        check_scalar(smooth, "smooth", "DiceLoss", low=0)
        check_reduction(reduction, "DiceLoss")
        self.smooth, self.multiclass, self.reduction = smooth, multiclass, reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return dice_loss(input, target, smooth=self.smooth, multiclass=self.multiclass,
                         reduction=self.reduction)


# --------------------------------------------------------------------------- long tail

def _log_prior(prior: torch.Tensor, input: torch.Tensor, fn: str) -> torch.Tensor:
    """:math:`\\log \\pi_c` from class frequencies or counts, shaped to add along ``input``'s
    class dimension, in ``input``'s dtype (computed in at least float32, so that counts too
    large for float16 stay finite)."""
    num_classes = input.shape[class_dim(input)]
    check_real(prior, "prior", fn, "class frequencies or counts")
    check_same_device(fn, input=input, prior=prior)
    check_shape(prior, "prior", fn, (num_classes,), "one frequency or count per class")
    check_values_in(prior, "prior", fn, 0.0, math.inf, low_open=True, high_open=True,
                    what="class frequencies or counts (> 0 and finite everywhere)")
    p = prior.to(torch.promote_types(input.dtype, torch.float32))
    log_prior = (torch.log(p) - torch.log(p.sum())).to(input.dtype)
    shape = [1] * input.dim()
    shape[class_dim(input)] = num_classes
    return log_prior.reshape(shape)


def logit_adjusted_cross_entropy(input: torch.Tensor, target: torch.Tensor, prior: torch.Tensor, *,
                                 kappa: float = 1.0, ignore_index: int = -100,
                                 reduction: str = "mean") -> torch.Tensor:
    r"""Logit-adjusted cross-entropy (Menon et al. 2021): cross-entropy of the logits shifted by
    :math:`\kappa` times the log prior.

    With :math:`\pi_c` = ``prior[c] / prior.sum()``,

    .. math::

        \ell(z, y) = -\log \frac{e^{z_y + \kappa \log \pi_y}}{\sum_c e^{z_c + \kappa \log \pi_c}}
                   = \operatorname{CE}(z + \kappa \log \pi,\ y),

    reduced like ``F.cross_entropy`` ('mean' over the elements whose target is not
    ``ignore_index``). Training with it and predicting :math:`\arg\max_c z_c` targets the
    *balanced* error: its minimiser is :math:`z_c = \log p(c \mid x) - \kappa \log \pi_c` + a
    constant, the Bayes-optimal rule for the balanced error at :math:`\kappa = 1`. ``kappa=0``
    is ``F.cross_entropy``; ``kappa=1`` is :func:`balanced_softmax_loss`. (Menon et al. call
    :math:`\kappa` :math:`\tau`.)

    Shapes: ``input`` (C,), (N, C) or (N, C, d1, ..., dK) logits; ``target`` integer class
    indices of ``input``'s shape without dimension 1 (or ``ignore_index``); ``prior`` (C,)
    positive class frequencies *or* counts, integer or floating: only their ratios matter,
    since a constant added to every logit cancels in the softmax. 'none' returns ``target``'s
    shape. Under autocast the loss is computed in float32, like ``F.cross_entropy``.

    Derived in chapters/class-imbalance.
    """
    fn = "logit_adjusted_cross_entropy"
    check_class_input(input, fn)
    check_int(ignore_index, "ignore_index", fn)
    check_class_target(input, target, fn, ignore_index=ignore_index)
    check_scalar(kappa, "kappa", fn, low=-math.inf, high=math.inf, low_open=True, high_open=True)
    check_reduction(reduction, fn)
    (input,) = autocast_float32(input)
    shifted = input + kappa * _log_prior(prior, input, fn)
    return F.cross_entropy(shifted, target, ignore_index=ignore_index, reduction=reduction)


class LogitAdjustedCrossEntropyLoss(nn.Module):
    """Module twin of :func:`logit_adjusted_cross_entropy`; the prior is passed with each call."""

    def __init__(self, *, kappa: float = 1.0, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__()
        fn = "LogitAdjustedCrossEntropyLoss"
        check_scalar(kappa, "kappa", fn, low=-math.inf, high=math.inf, low_open=True, high_open=True)
        check_int(ignore_index, "ignore_index", fn)
        check_reduction(reduction, fn)
        self.kappa, self.ignore_index, self.reduction = kappa, ignore_index, reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor, prior: torch.Tensor) -> torch.Tensor:
        return logit_adjusted_cross_entropy(input, target, prior, kappa=self.kappa,
                                            ignore_index=self.ignore_index, reduction=self.reduction)


def balanced_softmax_loss(input: torch.Tensor, target: torch.Tensor, prior: torch.Tensor, *,
                          ignore_index: int = -100, reduction: str = "mean") -> torch.Tensor:
    r"""Balanced softmax loss (Ren et al. 2020): cross-entropy of a softmax that multiplies each
    class's exponential by its prior,

    .. math::

        \ell(z, y) = -\log \frac{\pi_y e^{z_y}}{\sum_c \pi_c e^{z_c}}
                   = \operatorname{CE}(z + \log \pi,\ y),

    which is :func:`logit_adjusted_cross_entropy` with ``kappa=1``. Ren et al. derive it as the
    likelihood of training labels drawn with prior :math:`\pi` under a model whose own softmax
    is the balanced (uniform-prior) posterior; predict with :math:`\arg\max_c z_c`.

    Shapes and ``prior`` (frequencies or counts) as for :func:`logit_adjusted_cross_entropy`.

    Derived in chapters/class-imbalance.
    """
    fn = "balanced_softmax_loss"
    check_class_input(input, fn)
    check_int(ignore_index, "ignore_index", fn)
    check_class_target(input, target, fn, ignore_index=ignore_index)
    check_reduction(reduction, fn)
    (input,) = autocast_float32(input)
    return F.cross_entropy(input + _log_prior(prior, input, fn), target, ignore_index=ignore_index,
                           reduction=reduction)


class BalancedSoftmaxLoss(nn.Module):
    """Module twin of :func:`balanced_softmax_loss`; the prior is passed with each call."""

    def __init__(self, *, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__()
        check_int(ignore_index, "ignore_index", "BalancedSoftmaxLoss")
        check_reduction(reduction, "BalancedSoftmaxLoss")
        self.ignore_index, self.reduction = ignore_index, reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor, prior: torch.Tensor) -> torch.Tensor:
        return balanced_softmax_loss(input, target, prior, ignore_index=self.ignore_index,
                                     reduction=self.reduction)


# --------------------------------------------------------------------------- weights

def class_weights(counts: Union[torch.Tensor, Sequence[int]], *, scheme: str = "inverse",
                  beta: float = 0.999) -> torch.Tensor:
    r"""Per-class weights from per-class counts :math:`n_c`, scaled to sum to C.

    * ``'inverse'``: :math:`w_c \propto 1 / n_c`;
    * ``'sqrt_inverse'``: :math:`w_c \propto 1 / \sqrt{n_c}` (a milder correction);
    * ``'effective'``: :math:`w_c \propto 1 / E_{n_c}` with the effective number of samples
      :math:`E_n = (1 - \beta^n) / (1 - \beta)` (Cui et al. 2019). :math:`\beta = 0` gives
      equal weights, :math:`\beta \to 1` inverse frequency; Cui et al. try
      :math:`\beta \in \{0.9, 0.99, 0.999, 0.9999\}`.

    Like Cui et al., the weights are scaled so that :math:`\sum_c w_c = C`. (scikit-learn's
    ``compute_class_weight('balanced')`` has the same ratios as ``'inverse'`` but scales them
    so that :math:`\sum_c n_c w_c = N`.) For ``F.cross_entropy(weight=...)`` and
    :func:`focal_loss`, whose mean divides by the sum of the weights, the scale does not
    matter; for a plain sum or ``pos_weight`` it does.

    ``counts``: a 1-D tensor or sequence of C positive counts, for instance
    ``torch.bincount(target, minlength=C)``. Returns a 1-D tensor of C weights, in ``counts``'
    floating dtype or the default dtype, on ``counts``' device.

    Derived in chapters/class-imbalance.
    """
    fn = "class_weights"
    counts = as_tensor(counts, "counts", fn, "counts")
    check_real(counts, "counts", fn, "counts")
    check_dims(counts, "counts", fn, (1,), "(C,), one count per class")
    check_not_empty(counts, "counts", fn, "a 1-D tensor with one count per class")
    check_values_in(counts, "counts", fn, 0, math.inf, low_open=True, high_open=True,
                    what="finite and > 0 for every class")
    check_choice(scheme, "scheme", fn, SCHEMES)
    check_scalar(beta, "beta", fn, low=0, high=1, high_open=True)
    n = counts.to(counts.dtype if counts.is_floating_point() else torch.get_default_dtype())
    if scheme == "inverse":
        w = 1 / n
    elif scheme == "sqrt_inverse":
        w = 1 / n.sqrt()
    elif beta == 0:
        w = torch.ones_like(n)  # E_n = 1: every class counts alike
    else:
        # 1 - beta^n as -expm1(n log beta): accurate even for beta = 1 - 1e-9 in float32
        effective = -torch.expm1(n * math.log1p(beta - 1)) / (1 - beta)
        w = 1 / effective
    return w * (len(w) / w.sum())


def pos_weight_from_targets(target: torch.Tensor) -> torch.Tensor:
    r"""``pos_weight`` for ``BCEWithLogitsLoss``: :math:`n_\text{neg} / n_\text{pos}` per column.

    ``target``: 0/1 labels of shape (N,) (one binary task; returns a scalar tensor) or (N, C)
    (C labels per sample; returns shape (C,)). PyTorch's documentation gives the example of 100
    positives and 300 negatives, for which ``pos_weight`` is 3: the positives then carry as
    much total weight as the negatives. Every column needs at least one positive.

    Derived in chapters/class-imbalance.
    """
    fn = "pos_weight_from_targets"
    check_real(target, "target", fn, "0/1 labels", allow_bool=True)
    check_dims(target, "target", fn, (1, 2), "(N,) or (N, C)")
    check_not_empty(target, "target", fn, "0/1 labels of shape (N,) or (N, C) with N >= 1")
    _check_binary(target, "target", fn)
    check_at_least_one(target != 0, "target", fn, "at least one positive (1) in every column")
    dtype = target.dtype if target.is_floating_point() else torch.get_default_dtype()
    pos = target.to(dtype).sum(dim=0)
    return (target.shape[0] - pos) / pos


# --------------------------------------------------------------------------- catalog

CATALOG = (
    LossInfo("sigmoid_focal_loss", "SigmoidFocalLoss", "imbalance", None, "chapters/class-imbalance",
             "binary or multi-label logits where easy negatives swamp the loss (dense detection)",
             inputs=("logits", "binary")),
    LossInfo("focal_loss", "FocalLoss", "imbalance", None, "chapters/class-imbalance",
             "multi-class logits where well-classified examples dominate; gamma=0 is cross-entropy",
             inputs=("logits", "classes")),
    LossInfo("dice_loss", "DiceLoss", "imbalance", None, "chapters/class-imbalance",
             "segmentation with a rare foreground, scored by overlap (often added to BCE)",
             inputs=("logits", "binary")),
    LossInfo("logit_adjusted_cross_entropy", "LogitAdjustedCrossEntropyLoss", "imbalance", None,
             "chapters/class-imbalance",
             "long-tailed classes judged by balanced accuracy: cross-entropy of the logits plus kappa log prior",
             inputs=("logits", "classes", "prior")),
    LossInfo("balanced_softmax_loss", "BalancedSoftmaxLoss", "imbalance", None, "chapters/class-imbalance",
             "long-tailed classes judged by balanced accuracy: the logit-adjusted loss with kappa=1",
             inputs=("logits", "classes", "prior")),
)
