"""Classification losses: the log-likelihood of a class under the model's distribution.

Derived in chapters/binary-cross-entropy (two classes) and chapters/cross-entropy
(many classes). Every loss here is an exact twin of its ``torch.nn.functional``
namesake, written from scratch:

* :func:`binary_cross_entropy` -- BCE on probabilities, each log clamped at -100;
* :func:`binary_cross_entropy_with_logits` -- BCE on logits, with ``pos_weight``;
* :func:`nll_loss` -- minus the log-probability of the true class;
* :func:`cross_entropy` -- log-softmax followed by NLL, with class-index or
  probability targets and label smoothing;
* :func:`kl_div` -- the Kullback-Leibler divergence, with ``'batchmean'`` and
  ``log_target``;

and the two building blocks :func:`softmax` and :func:`log_softmax`, computed
stably by subtracting the maximum (the log-sum-exp trick).

The signatures are PyTorch's, less the deprecated ``size_average`` and ``reduce``: what
follows the first of them in PyTorch is keyword-only here (``nll_loss(x, t, None, 2)`` is a
``TypeError``, where PyTorch would read the 2 as ``size_average``), in the functions and in
the modules. Mixed dtypes and autocast give PyTorch's result dtype (see ``lossbook/_core.py``).

lossbook is stricter than PyTorch where PyTorch accepts nonsense silently:
BCE-with-logits targets outside [0, 1], ``nll_loss`` inputs that are not log-probabilities
(probabilities or logits, which give a meaningless, even negative, loss),
``kl_div`` inputs or targets that are not (log-)probabilities, float class
indices, and tensors of different shapes all raise ``ValueError`` or
``TypeError``. Each function's docstring lists its own checks; those that read values are
skipped while validation is off (:func:`lossbook.set_validation`).

Cross-entropy with class indices and BCE are :class:`torch.autograd.Function` subclasses with
PyTorch's backward written by hand: a loss that runs on every batch should not cost several
times what PyTorch's fused kernels cost.

Shapes follow PyTorch. ``C`` is the number of classes; the class dimension is
dimension 1, or dimension 0 for a single unbatched sample of shape (C,).
"""
from __future__ import annotations

import math
import warnings
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from ._core import autocast_float32, reduce
from ._registry import LossInfo
from ._validation import (
    check_choice,
    check_class_input,
    check_class_target,
    check_class_weight,
    check_flag,
    check_floating,
    check_int,
    check_pair,
    check_reduction,
    check_same_dtype,
    check_scalar,
    check_tensor,
    check_values_in,
    check_weight,
    class_dim,
)

__all__ = [
    "softmax", "log_softmax",
    "binary_cross_entropy", "BCELoss",
    "binary_cross_entropy_with_logits", "BCEWithLogitsLoss",
    "nll_loss", "NLLLoss",
    "cross_entropy", "CrossEntropyLoss",
    "kl_div", "KLDivLoss",
]

KL_REDUCTIONS = ("none", "batchmean", "sum", "mean")
_LOG_PROBS = "log-probabilities (<= 0 everywhere; apply log_softmax to logits)"


# --------------------------------------------------------------------------- softmax

def softmax(input: torch.Tensor, dim: int) -> torch.Tensor:
    r"""Softmax along ``dim``, stable for any finite input.

    .. math:: \operatorname{softmax}(x)_c = \frac{e^{x_c - m}}{\sum_k e^{x_k - m}},
              \qquad m = \max_k x_k

    Subtracting the maximum changes nothing mathematically (it cancels between numerator
    and denominator) but keeps every exponent <= 0, so ``exp`` cannot overflow and the
    denominator is at least 1. Equals ``torch.softmax(input, dim)``.

    Derived in chapters/cross-entropy.
    """
    check_floating(input, "input", "softmax")
    # The shift is a constant for the gradient: softmax does not depend on it.
    shifted = input - input.amax(dim=dim, keepdim=True).detach()
    e = shifted.exp()
    return e / e.sum(dim=dim, keepdim=True)


def log_softmax(input: torch.Tensor, dim: int) -> torch.Tensor:
    r"""Log-softmax along ``dim`` by the log-sum-exp trick.

    .. math:: \log\operatorname{softmax}(x)_c = x_c - m - \log \sum_k e^{x_k - m},
              \qquad m = \max_k x_k

    Never ``log(softmax(x))``: a probability that underflows to 0 would give ``-inf``,
    whereas this form stays finite for any finite input. Equals
    ``torch.log_softmax(input, dim)``.

    Derived in chapters/cross-entropy.
    """
    check_floating(input, "input", "log_softmax")
    shifted = input - input.amax(dim=dim, keepdim=True).detach()
    return shifted - shifted.exp().sum(dim=dim, keepdim=True).log()


# --------------------------------------------------------------------------- shared pieces

def _picked(input: torch.Tensor, target: torch.Tensor, weight: Optional[torch.Tensor],
            ignore_index: int):
    """What NLL and cross-entropy share: for each target, its index along the class dimension
    (ignored targets, which may hold -100, point at class 0), whether it is kept, and its
    weight :math:`w_{y_n}` (0 where ignored)."""
    cdim = class_dim(input)
    keep = target != ignore_index
    index = torch.where(keep, target, 0).unsqueeze(cdim)
    if weight is None:
        w = keep.to(input.dtype)
    else:
        w = torch.where(keep, weight[index.squeeze(cdim)], 0)
    return cdim, index, keep, w


def _reduce_weighted(loss: torch.Tensor, w: torch.Tensor, reduction: str):
    """'none', 'sum', or the weighted mean sum(loss) / sum(w); returns (value, denominator)."""
    if reduction == "none":
        return loss, None
    if reduction == "sum":
        return loss.sum(), None
    denominator = w.sum()
    return loss.sum() / denominator, denominator


def _coefficients(grad: torch.Tensor, keep: torch.Tensor, w: torch.Tensor,
                  denominator: Optional[torch.Tensor]) -> torch.Tensor:
    """d loss / d (per-target loss) times the incoming gradient: w, or w / sum(w) for 'mean'.
    Ignored targets get 0, even when every target is ignored (0 / 0), as in PyTorch."""
    coef = w * grad if denominator is None else w * (grad / denominator)
    return torch.where(keep, coef, 0)


# --------------------------------------------------------------------------- binary

class _ClampedBCE(torch.autograd.Function):
    """Per-element BCE with each log clamped at -100, and PyTorch's backward.

    Forward: -[y max(log p, -100) + (1 - y) max(log(1 - p), -100)].
    Backward (as ATen's binary_cross_entropy_backward and its target derivative):
    d/dp = (p - y) / max(p (1 - p), 1e-12), finite everywhere in [0, 1], where autograd
    through the clamps would give NaN at the ends; and d/dy = log(1 - p) - log(p), unclamped
    as in PyTorch (infinite at p = 0 or 1).
    """

    @staticmethod
    def forward(ctx, input, target):
        log_p = torch.log(input).clamp_min(-100)
        log_1mp = torch.log1p(-input).clamp_min(-100)
        ctx.save_for_backward(input, target)
        return -(target * log_p + (1 - target) * log_1mp)

    @staticmethod
    def backward(ctx, grad):
        input, target = ctx.saved_tensors
        grad_input = grad_target = None
        if ctx.needs_input_grad[0]:
            grad_input = grad * (input - target) / (input * (1 - input)).clamp_min(1e-12)
        if ctx.needs_input_grad[1]:
            grad_target = grad * (torch.log1p(-input) - torch.log(input))
        return grad_input, grad_target


def binary_cross_entropy(input: torch.Tensor, target: torch.Tensor, weight: Optional[torch.Tensor] = None,
                         *, reduction: str = "mean") -> torch.Tensor:
    r"""Binary cross-entropy on probabilities; equals ``F.binary_cross_entropy``.

    .. math:: \ell_n = -w_n \bigl[\, y_n \max(\log p_n, -100)
              + (1 - y_n) \max(\log(1 - p_n), -100) \bigr]

    ``input`` holds probabilities :math:`p_n` (after a sigmoid), ``target`` the labels
    :math:`y_n \in [0, 1]`. Each log is clamped at -100, as PyTorch does, so a confident
    wrong prediction (p = 0 for y = 1) costs 100 instead of infinity. That clamp is why
    swapping the arguments (labels 0/1 as "probabilities") gives a finite, large loss such
    as 15.0000 rather than an error. Prefer :func:`binary_cross_entropy_with_logits`, which
    takes logits and needs no clamp.

    Shapes: ``input`` and ``target`` of one shape (any) and one dtype (as PyTorch requires);
    ``weight`` broadcastable to it (e.g. per-sample (N, 1) or per-output (C,)). 'none'
    returns that shape, 'mean' and 'sum' a scalar ('mean' of an empty tensor is NaN, as in
    PyTorch). ``reduction`` is keyword-only.

    Checks: ``input`` and ``target`` in [0, 1] (PyTorch 2.x checks both too, with a
    ``RuntimeError``; here a ``ValueError``); stricter than PyTorch, ``weight`` non-negative
    and broadcastable to ``input`` without enlarging it. Note that swapped arguments pass
    every check when the labels are 0/1: both tensors then lie in [0, 1].

    The gradient is PyTorch's, :math:`w_n (p_n - y_n) / \max(p_n (1 - p_n), 10^{-12})`,
    written by hand (:class:`_ClampedBCE`): differentiating the clamped logs directly would
    give :math:`0 \cdot \infty = \text{NaN}` at :math:`p = 0` or :math:`1`, which a float32
    sigmoid reaches for logits beyond about 17.

    Under autocast it computes in float32 like every lossbook loss. (PyTorch computes it in
    float32 under CPU autocast but refuses it under CUDA autocast, as unsafe in float16.)

    Derived in chapters/binary-cross-entropy.
    """
    fn = "binary_cross_entropy"
    check_pair(input, target, fn)
    check_same_dtype(fn, input=input, target=target)
    check_weight(weight, "weight", input, fn)
    check_reduction(reduction, fn)
    check_values_in(input, "input", fn, 0.0, 1.0)
    check_values_in(target, "target", fn, 0.0, 1.0)
    input, target, weight = autocast_float32(input, target, weight)
    loss = _ClampedBCE.apply(input, target)
    if weight is not None:
        loss = (loss * weight).to(loss.dtype)  # PyTorch keeps input's dtype
    return reduce(loss, reduction)


class _BCEWithLogits(torch.autograd.Function):
    r"""BCE on logits, :math:`(1 - y)\,x + (1 + (q - 1)\,y)\operatorname{softplus}(-x)`, with
    PyTorch's backward: :math:`(1 + (q - 1) y)\,\sigma(x) - q y` for the logit (:math:`\sigma(x)
    - y` without ``pos_weight``) and :math:`(q - 1)\operatorname{softplus}(-x) - x` for the
    target (:math:`-x`), times the weight and the incoming gradient.
    """

    @staticmethod
    def forward(ctx, input, target, weight, pos_weight, reduction):
        softplus_neg = F.softplus(-input)  # = -log sigmoid(x), stable for any x
        if pos_weight is None:
            loss = torch.addcmul(softplus_neg, 1 - target, input)
        else:
            loss = (1 - target) * input + (1 + (pos_weight - 1) * target) * softplus_neg
        if weight is not None:
            loss = loss * weight
        loss = loss.to(target.dtype)  # PyTorch's kernel works in target's dtype
        ctx.scale = 1.0 if reduction != "mean" else (1.0 / loss.numel() if loss.numel() else math.nan)
        ctx.reduction = reduction
        ctx.save_for_backward(input, target, weight, pos_weight, softplus_neg)
        return reduce(loss, reduction)

    @staticmethod
    def backward(ctx, grad):
        input, target, weight, pos_weight, softplus_neg = ctx.saved_tensors
        g = grad * ctx.scale
        if weight is not None:
            g = g * weight
        grad_input = grad_target = None
        if ctx.needs_input_grad[0]:
            if pos_weight is None:
                grad_input = (torch.sigmoid(input) - target) * g
            else:
                grad_input = ((1 + (pos_weight - 1) * target) * torch.sigmoid(input) - pos_weight * target) * g
            grad_input = grad_input.sum_to_size(input.shape)
        if ctx.needs_input_grad[1]:
            d_target = -input if pos_weight is None else (pos_weight - 1) * softplus_neg - input
            grad_target = (d_target * g).sum_to_size(target.shape)
        return grad_input, grad_target, None, None, None


def binary_cross_entropy_with_logits(input: torch.Tensor, target: torch.Tensor,
                                     weight: Optional[torch.Tensor] = None, *, reduction: str = "mean",
                                     pos_weight: Optional[torch.Tensor] = None) -> torch.Tensor:
    r"""Binary cross-entropy on logits; equals ``F.binary_cross_entropy_with_logits``.

    With :math:`\sigma` the sigmoid, :math:`x_n` the logit and :math:`q` = ``pos_weight``,

    .. math:: \ell_n = -w_n \bigl[\, q\, y_n \log \sigma(x_n) + (1 - y_n) \log(1 - \sigma(x_n)) \bigr]
              = w_n \bigl[ (1 - y_n)\, x_n + \bigl(1 + (q - 1)\, y_n\bigr) \operatorname{softplus}(-x_n) \bigr]

    The right-hand form uses :math:`-\log\sigma(x) = \operatorname{softplus}(-x)` and
    :math:`-\log(1 - \sigma(x)) = x + \operatorname{softplus}(-x)`; ``softplus`` never
    overflows, so the loss and its gradient :math:`w_n[(1 + (q - 1) y_n)\sigma(x_n) - q y_n]`
    are finite for any finite logit (tested to |x| = 1e4 in float32). The gradient is written
    by hand (:class:`_BCEWithLogits`), as PyTorch's is.

    Shapes: ``input`` and ``target`` of one shape (any); ``weight`` and ``pos_weight``
    broadcastable to it (``pos_weight`` is usually (C,) for C independent labels: the
    weight of the positive examples of each label, e.g. #negatives / #positives).
    ``reduction`` and ``pos_weight`` are keyword-only. As in PyTorch, the result has
    ``target``'s dtype.

    Checks: ``target`` floating (PyTorch raises on integer targets too, with a cryptic
    "result type Float can't be cast" error; write ``target.float()``) and, stricter than
    PyTorch (which computes a meaningless number), in [0, 1]; ``weight`` and ``pos_weight``
    non-negative and broadcastable to ``input``.

    Derived in chapters/binary-cross-entropy.
    """
    fn = "binary_cross_entropy_with_logits"
    check_floating(input, "input", fn)
    check_floating(target, "target", fn, expected="a floating-point tensor of labels in [0, 1] (use target.float())")
    check_pair(input, target, fn)
    check_weight(weight, "weight", input, fn)
    check_weight(pos_weight, "pos_weight", input, fn)
    check_reduction(reduction, fn)
    check_values_in(target, "target", fn, 0.0, 1.0)
    input, target, weight, pos_weight = autocast_float32(input, target, weight, pos_weight)
    return _BCEWithLogits.apply(input, target, weight, pos_weight, reduction)


# --------------------------------------------------------------------------- NLL

def _nll(log_probs: torch.Tensor, target: torch.Tensor, weight: Optional[torch.Tensor],
         ignore_index: int, reduction: str) -> torch.Tensor:
    r"""NLL on validated inputs (shared by :func:`nll_loss` and the label-smoothing path of
    :func:`cross_entropy`).

    Each target's log-probability is picked with ``gather`` along the class dimension; ignored
    targets count 0 and their weight is left out of the denominator, so 'mean' is
    :math:`\sum_n w_{y_n} \ell_n / \sum_n w_{y_n}`, a true weighted average (NaN, 0 / 0, when
    every target is ignored, with a zero gradient, as in PyTorch).
    """
    cdim = class_dim(log_probs)
    keep = target != ignore_index
    index = torch.where(keep, target, 0).unsqueeze(cdim)  # ignored targets may hold -100: pick class 0
    picked = log_probs.gather(cdim, index).squeeze(cdim)
    if weight is None:
        # where, not a product with the mask: an ignored log-probability of -inf times 0 is NaN
        loss = torch.where(keep, -picked, 0)
        denominator = keep.sum()
    else:
        w = torch.where(keep, weight[index.squeeze(cdim)], 0)
        loss = torch.where(keep, -w * picked, 0)
        denominator = w.sum()
    if reduction == "mean":
        return loss.sum() / denominator
    return reduce(loss, reduction)


def nll_loss(input: torch.Tensor, target: torch.Tensor, weight: Optional[torch.Tensor] = None,
             *, ignore_index: int = -100, reduction: str = "mean") -> torch.Tensor:
    r"""Negative log-likelihood of the true class; equals ``F.nll_loss``.

    .. math:: \ell_n = -w_{y_n} \log p_{n, y_n}, \qquad
              \text{mean} = \frac{\sum_n \ell_n}{\sum_n w_{y_n}}

    Only the log-probability of the true class :math:`y_n` enters (picked with ``gather``);
    the other classes count only through the normalisation that produced the log-probabilities.
    Targets equal to ``ignore_index`` contribute 0 to the sum and their weight is left out of
    the denominator, so 'mean' is a true weighted average; if every target is ignored, 'mean'
    is NaN (0/0), as in PyTorch.

    Shapes: ``input`` (C,), (N, C) or (N, C, d1, ...) of log-probabilities; ``target`` (),
    (N,) or (N, d1, ...) of class indices (``torch.long``) in [0, C) or ``ignore_index``;
    ``weight`` (C,), of ``input``'s dtype. 'none' returns ``target``'s shape (0 where
    ignored). ``ignore_index`` and ``reduction`` are keyword-only: ``nll_loss(x, t, None, 2)``
    is a ``TypeError``, where PyTorch reads the 2 as its deprecated ``size_average``.

    Checks, stricter than PyTorch: ``input`` <= 0 everywhere (probabilities or raw logits
    give a meaningless, possibly negative, loss in PyTorch); ``weight`` non-negative. Like
    PyTorch: integer targets in range, ``weight`` of shape (C,).

    Derived in chapters/cross-entropy.
    """
    fn = "nll_loss"
    num_classes = check_class_input(input, fn)
    check_int(ignore_index, "ignore_index", fn)
    check_class_target(input, target, fn, ignore_index=ignore_index)
    check_class_weight(weight, input, num_classes, fn)
    check_reduction(reduction, fn)
    check_values_in(input, "input", fn, -math.inf, 0.0, what=_LOG_PROBS)
    input, weight = autocast_float32(input, weight)
    return _nll(input, target, weight, ignore_index, reduction)


# --------------------------------------------------------------------------- cross-entropy

class _CrossEntropy(torch.autograd.Function):
    r"""Cross-entropy of logits and class indices, log-softmax and NLL in one, with PyTorch's
    backward: :math:`w_{y_n}(\operatorname{softmax}(x_n) - \text{onehot}(y_n))` (over
    :math:`\sum w` for 'mean'). The forward keeps :math:`e^{x - m}` and its sum, from which the
    backward gets the softmax in one division."""

    @staticmethod
    def forward(ctx, input, target, weight, ignore_index, reduction):
        cdim, index, keep, w = _picked(input, target, weight, ignore_index)
        m = input.amax(cdim, keepdim=True)
        e = (input - m).exp_()
        total = e.sum(cdim, keepdim=True)
        log_z = (total.log() + m).squeeze(cdim)  # log sum_c exp(x_c), by the log-sum-exp trick
        loss = torch.where(keep, (log_z - input.gather(cdim, index).squeeze(cdim)) * w, 0)
        value, denominator = _reduce_weighted(loss, w, reduction)
        ctx.cdim = cdim
        ctx.save_for_backward(e, total, index, keep, w, denominator)
        return value

    @staticmethod
    def backward(ctx, grad):
        e, total, index, keep, w, denominator = ctx.saved_tensors
        coef = _coefficients(grad, keep, w, denominator).unsqueeze(ctx.cdim)
        grad_input = e / total  # the softmax
        grad_input.scatter_add_(ctx.cdim, index, torch.full_like(coef, -1.0))
        return grad_input.mul_(coef), None, None, None, None


def cross_entropy(input: torch.Tensor, target: torch.Tensor, weight: Optional[torch.Tensor] = None,
                  *, ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> torch.Tensor:
    r"""Cross-entropy of logits: log-softmax then NLL; equals ``F.cross_entropy``.

    ``input`` holds **logits** (no softmax before it). With :math:`\log p = \log\operatorname{softmax}(x)`
    along the class dimension, :math:`\varepsilon` = ``label_smoothing`` and C classes:

    *Class-index targets* (``target`` integer, ``input``'s shape without the class dim):

    .. math:: \ell_n = (1 - \varepsilon)\,\bigl(-w_{y_n} \log p_{n, y_n}\bigr)
              + \frac{\varepsilon}{C} \Bigl(-\sum_c w_c \log p_{n, c}\Bigr)

    Ignored targets give 0. 'mean' divides the sum of both terms by
    :math:`\sum_{n \text{ kept}} w_{y_n}`, the weights of the kept targets' own classes
    (PyTorch's convention; the smoothing term is normalised by the same number). Without
    smoothing, log-softmax and NLL run fused, with the gradient softmax minus one-hot written
    by hand (:class:`_CrossEntropy`).

    *Probability targets* (``target`` floating, same shape as ``input``; soft labels):

    .. math:: \ell_n = -\sum_c w_c\, \tilde t_{n, c} \log p_{n, c}, \qquad
              \tilde t = (1 - \varepsilon)\, t + \varepsilon / C

    'mean' divides by the number of samples (N d1 ...), **not** by a sum of weights, and
    ``ignore_index`` is not used (both as in PyTorch).

    Shapes: ``input`` (C,), (N, C) or (N, C, d1, ...): the class dimension is 1 (0 when
    unbatched), so an (N, H, W, C) channels-last tensor must be permuted first. ``weight`` (C,),
    of ``input``'s dtype. PyTorch's rule decides the kind of target: same shape as ``input``
    means probabilities. Everything after ``weight`` is keyword-only.

    Checks: class indices integer and in range; probability targets floating and, stricter
    than PyTorch, in [0, 1] (rows should sum to 1; that is not checked); ``label_smoothing``
    in [0, 1]; ``weight`` (C,) non-negative.

    Derived in chapters/cross-entropy; label smoothing from Szegedy et al. (2016).
    """
    fn = "cross_entropy"
    num_classes = check_class_input(input, fn)
    check_tensor(target, "target", fn)
    check_int(ignore_index, "ignore_index", fn)
    check_class_weight(weight, input, num_classes, fn)
    check_reduction(reduction, fn)
    check_scalar(label_smoothing, "label_smoothing", fn, low=0.0, high=1.0)
    if target.shape == input.shape:
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing, fn)
    check_class_target(input, target, fn, ignore_index=ignore_index)
    input, weight = autocast_float32(input, weight)
    if label_smoothing == 0:
        return _CrossEntropy.apply(input, target, weight, ignore_index, reduction)
    cdim = class_dim(input)
    log_probs = log_softmax(input, cdim)
    nll = _nll(log_probs, target, weight, ignore_index, reduction)
    keep = target != ignore_index
    w = 1 if weight is None else weight.view([-1 if d == cdim else 1 for d in range(input.dim())])
    smooth = torch.where(keep, -(log_probs * w).sum(cdim), 0)  # -sum_c w_c log p_c; 0 where ignored
    if reduction == "sum":
        smooth = smooth.sum()
    elif reduction == "mean":  # normalised like the NLL term: by the kept targets' own weights
        smooth = smooth.sum() / _picked(input, target, weight, ignore_index)[3].sum()
    return (1 - label_smoothing) * nll + (label_smoothing / num_classes) * smooth


def _cross_entropy_probs(input, target, weight, reduction, label_smoothing, fn):
    check_floating(target, "target", fn, expected="a floating tensor of class probabilities when it has the "
                   f"shape of `input` {tuple(input.shape)} (for class indices, pass shape {_index_shape(input)}: "
                   "e.g. target.argmax(1))")
    check_pair(input, target, fn)
    check_values_in(target, "target", fn, 0.0, 1.0)
    input, target, weight = autocast_float32(input, target, weight)
    cdim = class_dim(input)
    num_classes = input.shape[cdim]
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / num_classes
    prod = log_softmax(input, cdim) * target
    if weight is not None:
        prod = prod * weight.view([-1 if d == cdim else 1 for d in range(input.dim())])
    loss = -prod.sum(cdim)
    return reduce(loss, reduction)  # 'mean' over samples; NaN for an empty batch


def _index_shape(input: torch.Tensor) -> tuple:
    return () if input.dim() == 1 else (input.shape[0], *input.shape[2:])


# --------------------------------------------------------------------------- KL divergence

def kl_div(input: torch.Tensor, target: torch.Tensor, *, reduction: str = "mean",
           log_target: bool = False) -> torch.Tensor:
    r"""Kullback-Leibler divergence :math:`\mathrm{KL}(t \,\|\, p)`; equals ``F.kl_div``.

    ``input`` holds **log-probabilities** :math:`\log p` (from ``log_softmax``), ``target``
    probabilities :math:`t` (or log-probabilities if ``log_target=True``). Pointwise:

    .. math:: \ell = t \,(\log t - \log p) \quad (t = 0 \text{ gives } 0,\ \text{by } \operatorname{xlogy}),
              \qquad \ell = e^{\log t} (\log t - \log p) \text{ if log\_target}

    Reductions: ``'batchmean'`` = sum / N (``input.size(0)``), the KL divergence per sample
    (for a 0-dim input, the sum); ``'sum'``; ``'none'``; and ``'mean'``, PyTorch's default,
    which divides by **every** element (N C) and so is the KL divergence divided by C.
    ``'mean'`` is kept for twinship and warns with a ``UserWarning``, as PyTorch does (not
    inside ``torch.compile``, which cannot trace a warning).
    ``reduction`` and ``log_target`` are keyword-only.

    Note the argument order: ``kl_div(log p, t)`` is :math:`\mathrm{KL}(t \| p)`, the target
    first, unlike the mathematical notation's order of arguments.

    Shapes: ``input`` and ``target`` of one shape, the distribution along the last dims.

    Checks, stricter than PyTorch: same shape (PyTorch broadcasts); ``input`` <= 0 (raw
    scores or probabilities are not log-probabilities); ``target`` in [0, 1], or <= 0 with
    ``log_target=True``.

    Derived in chapters/cross-entropy; Kullback and Leibler (1951).
    """
    fn = "kl_div"
    check_pair(input, target, fn)
    check_flag(log_target, "log_target", fn)
    check_choice(reduction, "reduction", fn, KL_REDUCTIONS)
    check_values_in(input, "input", fn, -math.inf, 0.0, what=_LOG_PROBS)
    if log_target:
        check_values_in(target, "target", fn, -math.inf, 0.0, what=_LOG_PROBS)
    else:
        check_values_in(target, "target", fn, 0.0, 1.0)
    input, target = autocast_float32(input, target)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = torch.xlogy(target, target) - target * input
    if reduction == "mean" and not torch.compiler.is_compiling():  # torch.compile cannot trace a warning
        warnings.warn("kl_div: reduction='mean' divides by every element (batch size times the number "
                      "of classes), so it is not the KL divergence; reduction='batchmean' is.",
                      UserWarning, stacklevel=2)
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.dim() else loss.sum()
    return reduce(loss, reduction)


# --------------------------------------------------------------------------- modules

class BCELoss(nn.Module):
    """Module twin of :func:`binary_cross_entropy` (and of ``torch.nn.BCELoss``)."""

    def __init__(self, weight: Optional[torch.Tensor] = None, *, reduction: str = "mean") -> None:
        super().__init__()
        check_reduction(reduction, "BCELoss")
        self.register_buffer("weight", weight)
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(nn.Module):
    """Module twin of :func:`binary_cross_entropy_with_logits` (and of ``torch.nn.BCEWithLogitsLoss``)."""

    def __init__(self, weight: Optional[torch.Tensor] = None, *, reduction: str = "mean",
                 pos_weight: Optional[torch.Tensor] = None) -> None:
        super().__init__()
        check_reduction(reduction, "BCEWithLogitsLoss")
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return binary_cross_entropy_with_logits(input, target, weight=self.weight, reduction=self.reduction,
                                                pos_weight=self.pos_weight)


class NLLLoss(nn.Module):
    """Module twin of :func:`nll_loss` (and of ``torch.nn.NLLLoss``)."""

    def __init__(self, weight: Optional[torch.Tensor] = None, *, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__()
        check_reduction(reduction, "NLLLoss")
        check_int(ignore_index, "ignore_index", "NLLLoss")
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                        reduction=self.reduction)


class CrossEntropyLoss(nn.Module):
    """Module twin of :func:`cross_entropy` (and of ``torch.nn.CrossEntropyLoss``): takes logits."""

    def __init__(self, weight: Optional[torch.Tensor] = None, *, ignore_index: int = -100,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__()
        check_reduction(reduction, "CrossEntropyLoss")
        check_int(ignore_index, "ignore_index", "CrossEntropyLoss")
        check_scalar(label_smoothing, "label_smoothing", "CrossEntropyLoss", low=0.0, high=1.0)
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index
        self.reduction = reduction
        self.label_smoothing = label_smoothing

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                             reduction=self.reduction, label_smoothing=self.label_smoothing)


class KLDivLoss(nn.Module):
    """Module twin of :func:`kl_div` (and of ``torch.nn.KLDivLoss``): input log-probabilities."""

    def __init__(self, *, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__()
        check_choice(reduction, "reduction", "KLDivLoss", KL_REDUCTIONS)
        self.reduction = reduction
        self.log_target = log_target

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


# --------------------------------------------------------------------------- catalog

_BCE = "chapters/binary-cross-entropy"
_CE = "chapters/cross-entropy"

CATALOG = (
    LossInfo("binary_cross_entropy", "BCELoss", "classification", "torch.nn.functional.binary_cross_entropy",
             _BCE, "the model already outputs probabilities; otherwise prefer BCE with logits",
             inputs=("probs", "binary")),
    LossInfo("binary_cross_entropy_with_logits", "BCEWithLogitsLoss", "classification",
             "torch.nn.functional.binary_cross_entropy_with_logits", _BCE,
             "binary or multi-label targets from raw logits; pos_weight for rare positives",
             inputs=("logits", "binary")),
    LossInfo("nll_loss", "NLLLoss", "classification", "torch.nn.functional.nll_loss", _CE,
             "the model already outputs log-probabilities (a log_softmax head)",
             inputs=("log_probs", "classes")),
    LossInfo("cross_entropy", "CrossEntropyLoss", "classification", "torch.nn.functional.cross_entropy", _CE,
             "one class out of C from raw logits; also soft targets and label smoothing",
             inputs=("logits", "classes")),
    LossInfo("kl_div", "KLDivLoss", "classification", "torch.nn.functional.kl_div", _CE,
             "match a predicted distribution to a target distribution (distillation); use 'batchmean'",
             inputs=("log_probs", "dist")),
)
