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
* :func:`linear_cross_entropy` -- cross-entropy of a linear projection (a large vocabulary)
  computed in chunks of rows, without ever holding the (N, C) logits;

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
from typing import NamedTuple, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from ._core import autocast_float32, no_autocast, reduce
from ._registry import LossInfo
from ._validation import (
    check_choice,
    check_class_indices,
    check_class_input,
    check_class_target,
    check_class_weight,
    check_dims,
    check_flag,
    check_floating,
    check_int,
    check_integer,
    check_min_dims,
    check_pair,
    check_reduction,
    check_same_device,
    check_same_dtype,
    check_scalar,
    check_shape,
    check_tensor,
    check_values_in,
    check_weight,
    class_dim,
    fail,
)

__all__ = [
    "softmax", "log_softmax",
    "binary_cross_entropy", "BCELoss",
    "binary_cross_entropy_with_logits", "BCEWithLogitsLoss",
    "nll_loss", "NLLLoss",
    "cross_entropy", "CrossEntropyLoss",
    "kl_div", "KLDivLoss",
    "linear_cross_entropy", "LinearCrossEntropyLoss",
    "AdaptiveLogSoftmaxWithLoss", "ASMoutput",
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


# --------------------------------------------------------------------------- linear cross-entropy

class _LinearCrossEntropy(torch.autograd.Function):
    r"""Cross-entropy of the logits :math:`z = x W^\top + b`, computed ``chunk`` rows at a time.

    Forward keeps, per row, only the loss and :math:`\log \sum_c e^{z_c}` (N numbers per output
    position); backward recomputes each chunk's logits and turns them into the gradient of the
    logits, :math:`g\,\bigl((\textstyle\sum_c q_c)\, p - q\bigr)`, where :math:`p` is the softmax and
    :math:`q` the weighted target distribution of the row (:math:`\ell = -\sum_c q_c \log p_c`), then
    into the gradients of :math:`x`, :math:`W` and :math:`b` by two matrix products. No more than one
    chunk of logits exists at a time, in forward or backward.

    Shapes: ``input`` (N, H); ``linear_weight`` (C D, H), flat; ``linear_bias`` (C D,) or None;
    ``target`` (N, D) class indices or (N, C, D) probabilities. Returns the (N, D) losses in
    ``dtype``. Not twice differentiable (PyTorch's chunked path is not either).
    """

    @staticmethod
    def forward(ctx, input, linear_weight, linear_bias, target, weight, ignore_index, label_smoothing,
                num_classes, chunk, dtype):
        ctx.meta = (ignore_index, label_smoothing, num_classes, chunk, dtype)
        losses, log_zs = [], []
        with no_autocast(input):
            for start in range(0, input.shape[0], chunk):
                rows = slice(start, start + chunk)
                z = _chunk_logits(input[rows], linear_weight, linear_bias, num_classes, dtype)
                log_z = torch.logsumexp(z, 1)
                log_p = z.sub_(log_z.unsqueeze(1))  # in place, here and below: one chunk of logits at a time
                if target.is_floating_point():
                    q = _soft_q(target[rows], weight, label_smoothing, num_classes)
                    losses.append(-(log_p * q).sum(1))
                else:
                    losses.append(_index_loss(log_p, target[rows], weight, ignore_index, label_smoothing,
                                              num_classes))
                log_zs.append(log_z)
        depth = linear_weight.shape[0] // max(num_classes, 1)
        empty = input.new_zeros((0, depth), dtype=dtype)
        log_z = torch.cat(log_zs) if log_zs else empty
        ctx.save_for_backward(input, linear_weight, linear_bias, target, weight, log_z)
        return torch.cat(losses) if losses else empty

    @staticmethod
    def backward(ctx, grad):
        input, linear_weight, linear_bias, target, weight, log_z = ctx.saved_tensors
        ignore_index, eps, num_classes, chunk, dtype = ctx.meta
        need_x, need_w, need_b, need_t = ctx.needs_input_grad[:4]
        # Gradients of a half-precision projection accumulate in float32 over the chunks.
        acc = torch.float32 if linear_weight.dtype in (torch.float16, torch.bfloat16) else linear_weight.dtype
        grad_w = torch.zeros(linear_weight.shape, dtype=acc, device=input.device) if need_w else None
        grad_b = torch.zeros(linear_weight.shape[:1], dtype=acc, device=input.device) if need_b else None
        grad_x, grad_t = [], []
        with no_autocast(input):
            for start in range(0, input.shape[0], chunk):
                rows = slice(start, start + chunk)
                x = input[rows]
                log_p = _chunk_logits(x, linear_weight, linear_bias, num_classes, dtype).sub_(log_z[rows].unsqueeze(1))
                g = grad[rows]
                if target.is_floating_point():
                    q = _soft_q(target[rows], weight, eps, num_classes)
                    if need_t:
                        w = 1 if weight is None else weight.view(1, -1, 1)
                        grad_t.append(-(1 - eps) * g.unsqueeze(1) * log_p * w)
                    dz = log_p.exp_().mul_((g * q.sum(1)).unsqueeze(1)).sub_(g.unsqueeze(1) * q)  # (sum q) p - q
                else:
                    t = target[rows]
                    keep = t != ignore_index
                    index = torch.where(keep, t, 0).unsqueeze(1)
                    g = torch.where(keep, g, 0)  # ignored rows: 0, even when 'mean' divides by 0
                    w_y = 1 if weight is None else weight[index.squeeze(1)]
                    total = (1 - eps) * w_y + eps * (1 if weight is None else weight.sum() / num_classes)
                    dz = log_p.exp_().mul_((g * total).unsqueeze(1))  # (sum_c q_c) p
                    dz.scatter_add_(1, index, (-(1 - eps) * g * w_y).unsqueeze(1))  # - q, its one-hot part
                    if eps > 0:  # - q, its uniform part
                        dz.sub_((eps / num_classes) * g.unsqueeze(1) * (1 if weight is None else weight.view(1, -1, 1)))
                dz = dz.reshape(x.shape[0], -1)
                dz_mm = dz.to(input.dtype)
                if need_x:
                    grad_x.append(dz_mm @ linear_weight)
                if need_w:  # in place: no second (C D, H) buffer
                    if acc == dz_mm.dtype:
                        grad_w.addmm_(dz_mm.T, x)
                    else:
                        grad_w += (dz_mm.T @ x).to(acc)
                if need_b:
                    grad_b += dz.sum(0).to(acc)
        grad_input = (torch.cat(grad_x) if grad_x else torch.zeros_like(input)) if need_x else None
        grad_target = (torch.cat(grad_t) if grad_t else torch.zeros_like(target)) if need_t else None
        return (grad_input, None if grad_w is None else grad_w.to(linear_weight.dtype),
                None if grad_b is None else grad_b.to(linear_bias.dtype), grad_target,
                None, None, None, None, None, None)


def _chunk_logits(x, linear_weight, linear_bias, num_classes, dtype):
    """The logits of a chunk of rows, (n, C, D), in the loss's dtype."""
    return F.linear(x, linear_weight, linear_bias).to(dtype).view(x.shape[0], num_classes, -1)


def _soft_q(target, weight, eps, num_classes):
    """The weighted target distribution of probability targets, (n, C, D): w (1 - eps) t + w eps / C."""
    if eps > 0:
        target = target * (1 - eps) + eps / num_classes
    return target if weight is None else target * weight.view(1, -1, 1)


def _index_loss(log_p, target, weight, ignore_index, eps, num_classes):
    """Per-element cross-entropy of class-index targets (0 where ignored), PyTorch's formula."""
    keep = target != ignore_index
    index = torch.where(keep, target, 0).unsqueeze(1)
    picked = log_p.gather(1, index).squeeze(1)
    loss = -picked if weight is None else -weight[index.squeeze(1)] * picked
    if eps > 0:
        smooth = -(log_p.sum(1) if weight is None else (log_p * weight.view(1, -1, 1)).sum(1))
        loss = (1 - eps) * loss + (eps / num_classes) * smooth
    return torch.where(keep, loss, 0)


def _chunk_size(num_rows: int, in_features: int, num_logits: int, options) -> int:
    """Rows per chunk.

    With ``options=None``: H rows (rounded up to a power of two), or more if the input is larger
    than the projection, so that a chunk's logits are about the size of the larger of the
    projection weight (C D, H) and the input (N, H), the two buffers backward must hold anyway.
    Smaller chunks save no memory that matters and cost time: each adds a pass over the
    (C D, H) gradient of the weight.

    With ``options``: its ``batch_chunk_size`` if set; otherwise its ``chunking_method``,
    PyTorch's "aspect_ratio:k" rule (the next power of two of N / ceil(C D / H), divided by k;
    "auto" is PyTorch's fallback, k = 2), or one chunk for ``chunking_method=None``.
    """
    if num_rows == 0 or num_logits == 0:
        return max(num_rows, 1)
    if options is not None and options.batch_chunk_size is not None:
        return min(options.batch_chunk_size, num_rows)
    method = "aspect_ratio" if options is None else options.chunking_method
    if method is None:
        return num_rows
    method = "aspect_ratio:2" if method == "auto" else method
    factor = int(method.split(":", 1)[1]) if ":" in method else 1
    target = -(-num_rows // -(-num_logits // max(in_features, 1)))
    rows = (1 << (target - 1).bit_length()) // factor
    if options is None:
        rows = max(rows, 1 << (in_features - 1).bit_length())
    return max(1, min(rows, num_rows))


def _autocast_dtype(device: torch.device) -> Optional[torch.dtype]:
    """The dtype autocast gives matrix products on ``device``, or None when autocast is off."""
    if torch.amp.is_autocast_available(device.type) and torch.is_autocast_enabled(device.type):
        return torch.get_autocast_dtype(device.type)
    return None


def linear_cross_entropy(input: torch.Tensor, linear_weight: torch.Tensor, target: torch.Tensor, *,
                         linear_bias: Optional[torch.Tensor] = None, weight: Optional[torch.Tensor] = None,
                         reduction: str = "mean", ignore_index: Optional[int] = None,
                         label_smoothing: float = 0.0, options=None) -> torch.Tensor:
    r"""Cross-entropy of a linear projection, without the logits; equals ``F.linear_cross_entropy``.

    The value is that of ``cross_entropy(linear(input, linear_weight, linear_bias), target, ...)``,

    .. math:: z_n = W x_n + b, \qquad \ell_n = \operatorname{CE}(z_n, y_n)

    (every option of :func:`cross_entropy`: class indices or probabilities, ``weight``,
    ``ignore_index``, ``label_smoothing``, the three reductions), but the (N, C) logits are
    never held in memory at once, forward or backward: the rows go through in chunks, forward
    keeps only each row's :math:`\log\sum_c e^{z_{n,c}}`, and backward recomputes each chunk's
    logits to form its gradient :math:`\operatorname{softmax}(z_n) - \text{onehot}(y_n)` (scaled
    and weighted) and multiplies it into the gradients of ``input``, ``linear_weight`` and
    ``linear_bias`` (:class:`_LinearCrossEntropy`). With a vocabulary of C tokens and H features,
    the logits are N C numbers against N H for the input: the memory that large-vocabulary
    language models cannot afford. PyTorch chunks only when ``options`` is given; lossbook
    always does.

    Shapes (PyTorch's): ``input`` (H,) or (N, H); ``linear_weight`` (C, H), or (C, d1, ..., dK, H)
    for a K-dimensional loss (batched input only); ``linear_bias`` (C,) or (C, d1, ..., dK);
    ``target`` class indices of shape (), (N,) or (N, d1, ..., dK), or probabilities of the
    logits' shape (C,), (N, C) or (N, C, d1, ..., dK); ``weight`` (C,). 'none' returns the
    target's shape without C. ``ignore_index`` is None by default, which means -100 for class
    indices and must stay None for probability targets (PyTorch's rule). Everything after
    ``target`` is keyword-only, as in PyTorch.

    ``options`` (a ``torch.nn.LinearCrossEntropyOptions`` or None) sets only the chunk size here:
    its ``batch_chunk_size``, or its ``chunking_method``; with None the chunks' logits are about
    the size of ``input`` (PyTorch's "aspect_ratio" rule). Its precision policies do not apply:
    lossbook computes in the input's dtype, or as PyTorch's reference path does under autocast
    (the projection in the autocast dtype, the cross-entropy in float32).

    Checks: ``input`` and ``linear_weight`` (and ``linear_bias``) floating, of one dtype and device
    (PyTorch raises too), ``linear_weight``'s last dimension equal to ``input``'s; class indices
    integer, of the target shape, in range or ``ignore_index`` (a value check); probabilities in
    [0, 1] (a value check, stricter than PyTorch); ``weight`` (C,) non-negative;
    ``label_smoothing`` in [0, 1].

    The backward is hand-written, so it is not twice differentiable. Derived in
    chapters/cross-entropy (the gradient softmax minus one-hot); used at scale in
    chapters/losses-at-scale.
    """
    fn = "linear_cross_entropy"
    check_floating(input, "input", fn)
    check_dims(input, "input", fn, (1, 2), "(in_features,) or (N, in_features)")
    check_floating(linear_weight, "linear_weight", fn)
    check_min_dims(linear_weight, "linear_weight", fn, 2, "(C, in_features) or (C, d1, ..., dK, in_features)")
    check_same_device(fn, input=input, linear_weight=linear_weight)
    in_features, num_classes = input.shape[-1], linear_weight.shape[0]
    out_features = tuple(linear_weight.shape[1:-1])
    if linear_weight.shape[-1] != in_features:
        fail(ValueError, fn, "linear_weight", f"a tensor whose last dimension is in_features = {in_features} "
             "(input's last dimension)", f"shape {tuple(linear_weight.shape)}")
    if linear_bias is not None:
        check_floating(linear_bias, "linear_bias", fn)
        check_same_device(fn, input=input, linear_bias=linear_bias)
        check_shape(linear_bias, "linear_bias", fn, (num_classes, *out_features),
                    "one bias per logit (linear_weight's shape without in_features)")
    if out_features and input.dim() == 1:
        fail(ValueError, fn, "input", f"batched, (N, {in_features}), when linear_weight has dimensions "
             f"d1, ..., dK {out_features}", f"shape {tuple(input.shape)}")
    check_tensor(target, "target", fn)
    check_same_device(fn, input=input, target=target)
    check_int(ignore_index, "ignore_index", fn, allow_none=True)
    check_reduction(reduction, fn)
    check_scalar(label_smoothing, "label_smoothing", fn, low=0.0, high=1.0)
    options_type = getattr(nn, "LinearCrossEntropyOptions", None)
    if options is not None and (options_type is None or not isinstance(options, options_type)):
        fail(TypeError, fn, "options", "None or a torch.nn.LinearCrossEntropyOptions", type(options).__name__)

    # Autocast, as PyTorch's reference path: linear in the autocast dtype, cross-entropy in float32.
    low = _autocast_dtype(input.device)
    if low is not None:
        input, linear_weight, linear_bias = (
            t if t is None or t.dtype == torch.float64 else t.to(low) for t in (input, linear_weight, linear_bias))
    check_same_dtype(fn, input=input, linear_weight=linear_weight, linear_bias=linear_bias)
    dtype = torch.float32 if low is not None and input.dtype != torch.float64 else input.dtype
    if weight is not None:
        check_floating(weight, "weight", fn)
        check_same_device(fn, input=input, weight=weight)
        (weight,) = autocast_float32(weight)
        check_same_dtype(fn, logits=torch.empty(0, dtype=dtype), weight=weight)
        check_shape(weight, "weight", fn, (num_classes,), "one weight per class")
        check_values_in(weight, "weight", fn, 0.0, math.inf, high_open=True, what="finite and >= 0 everywhere")

    batch = tuple(input.shape[:-1])
    depth = math.prod(out_features)
    probabilities = tuple(target.shape) == (*batch, num_classes, *out_features)
    if probabilities:
        if ignore_index is not None:
            fail(ValueError, fn, "ignore_index", "None when target holds class probabilities (target has the "
                 f"logits' shape {tuple(target.shape)})", ignore_index)
        check_floating(target, "target", fn, expected="a floating tensor of class probabilities when it has the "
                       f"logits' shape {(*batch, num_classes, *out_features)} (for class indices, pass shape "
                       f"{(*batch, *out_features)})")
        check_values_in(target, "target", fn, 0.0, 1.0)
        (target,) = autocast_float32(target)
        dtype = torch.promote_types(dtype, target.dtype)
        rows = target.reshape(-1, num_classes, depth)
    else:
        ignore_index = -100 if ignore_index is None else ignore_index
        check_integer(target, "target", fn)
        if tuple(target.shape) != (*batch, *out_features):
            fail(ValueError, fn, "target", f"class indices of shape {(*batch, *out_features)} (input's batch "
                 f"shape, then linear_weight's d1, ..., dK) or probabilities of shape "
                 f"{(*batch, num_classes, *out_features)}", f"shape {tuple(target.shape)}")
        check_class_indices(target, "target", fn, num_classes, ignore_index)
        rows = target.reshape(-1, depth)
    if weight is not None:
        weight = weight.to(dtype)

    x = input.reshape(-1, in_features)
    w_flat = linear_weight.reshape(num_classes * depth, in_features)
    b_flat = None if linear_bias is None else linear_bias.reshape(num_classes * depth)
    chunk = _chunk_size(x.shape[0], in_features, num_classes * depth, options)
    losses = _LinearCrossEntropy.apply(x, w_flat, b_flat, rows, weight, ignore_index, label_smoothing,
                                       num_classes, chunk, dtype)
    if reduction == "none":
        return losses.reshape((*batch, *out_features))
    if reduction == "sum":
        return losses.sum()
    if probabilities:
        return losses.mean()  # over samples (N d1 ... dK), as cross_entropy with probabilities
    keep = rows != ignore_index
    if weight is None:
        return losses.sum() / keep.sum()
    return losses.sum() / torch.where(keep, weight[torch.where(keep, rows, 0)], 0).sum()


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


class LinearCrossEntropyLoss(nn.Module):
    """Module twin of :func:`linear_cross_entropy` (and of ``torch.nn.LinearCrossEntropyLoss``): holds
    the projection as ``self.linear``, an ``nn.Linear(in_features, C * prod(out_features))`` (a state
    dict loads into PyTorch's module and back), and never materialises the logits."""

    def __init__(self, in_features: int, num_classes: int, *, out_features: tuple = (), bias: bool = False,
                 device=None, dtype=None, reduction: str = "mean", weight: Optional[torch.Tensor] = None,
                 ignore_index: Optional[int] = None, label_smoothing: float = 0.0, options=None) -> None:
        super().__init__()
        fn = "LinearCrossEntropyLoss"
        check_int(in_features, "in_features", fn, low=1)
        check_int(num_classes, "num_classes", fn, low=1)
        if not isinstance(out_features, tuple) or not all(isinstance(d, int) and d >= 1 for d in out_features):
            fail(TypeError, fn, "out_features", "a tuple of positive ints", repr(out_features))
        check_flag(bias, "bias", fn)
        check_reduction(reduction, fn)
        check_int(ignore_index, "ignore_index", fn, allow_none=True)
        check_scalar(label_smoothing, "label_smoothing", fn, low=0.0, high=1.0)
        if weight is not None:
            check_floating(weight, "weight", fn)
            check_shape(weight, "weight", fn, (num_classes,), "one weight per class")
        self.register_buffer("weight", weight)
        self.num_classes = num_classes
        self.out_features = out_features
        self.reduction = reduction
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing
        self.options = options
        self.linear = nn.Linear(in_features, math.prod(out_features, start=num_classes), bias=bias,
                                device=device, dtype=dtype)

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        shape = (self.num_classes, *self.out_features)
        linear_weight = self.linear.weight.reshape(*shape, self.linear.in_features)
        linear_bias = None if self.linear.bias is None else self.linear.bias.reshape(shape)
        return linear_cross_entropy(input, linear_weight, target, linear_bias=linear_bias, weight=self.weight,
                                    reduction=self.reduction, ignore_index=self.ignore_index,
                                    label_smoothing=self.label_smoothing, options=self.options)


class KLDivLoss(nn.Module):
    """Module twin of :func:`kl_div` (and of ``torch.nn.KLDivLoss``): input log-probabilities."""

    def __init__(self, *, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__()
        check_choice(reduction, "reduction", "KLDivLoss", KL_REDUCTIONS)
        self.reduction = reduction
        self.log_target = log_target

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


# --------------------------------------------------------------------------- adaptive softmax

class ASMoutput(NamedTuple):
    """What :class:`AdaptiveLogSoftmaxWithLoss` returns: each target's log-probability, and the loss."""

    output: torch.Tensor
    loss: torch.Tensor


class AdaptiveLogSoftmaxWithLoss(nn.Module):
    r"""Twin of ``torch.nn.AdaptiveLogSoftmaxWithLoss`` (Grave et al. 2017): a softmax over a large
    vocabulary, cheap for frequent classes. A layer with its loss, not a loss function, so it has
    no catalog row (see :data:`lossbook.catalog.EXCLUDED`); with the weights copied (the same
    ``state_dict``) its outputs, loss, ``log_prob`` and ``predict`` equal PyTorch's.

    Classes sorted by frequency are split by ``cutoffs`` into a shortlist [0, c_0) and clusters
    [c_0, c_1), ... . The *head* is a linear layer to the shortlist's classes and one logit per
    cluster; cluster i has its own *tail*, a projection to ``in_features // div_value ** (i + 1)``
    features and then to its classes. The log-probability of a class is

    .. math:: \log p(y) = \log p_{\text{head}}(y) \ \text{(shortlist)}, \qquad
              \log p(y) = \log p_{\text{head}}(\text{cluster}_i) + \log p_{\text{tail}_i}(y)
              \ \text{(cluster } i\text{)},

    a proper distribution over all ``n_classes``; the loss is the mean of :math:`-\log p(y_n)`.
    Only the rows whose target falls in a cluster pay for that cluster's tail.

    ``forward(input_, target_)``: ``input_`` (N, in_features) with ``target_`` (N,), or
    (in_features,) with (); returns :class:`ASMoutput` ``(output, loss)``, ``output`` the
    log-probability of each target. ``log_prob(input)`` (N, n_classes); ``predict(input)`` (N,).
    Checks: the constructor's arguments as PyTorch; targets integer of the right shape and (a value
    check) in [0, n_classes), with this library's message.

    Used in chapters/losses-at-scale beside :func:`linear_cross_entropy`.
    """

    def __init__(self, in_features: int, n_classes: int, cutoffs, div_value: float = 4.0,
                 head_bias: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        fn = "AdaptiveLogSoftmaxWithLoss"
        check_int(in_features, "in_features", fn, low=1)
        check_int(n_classes, "n_classes", fn, low=2)
        cutoffs = list(cutoffs)
        if (not cutoffs or cutoffs != sorted(set(cutoffs)) or not all(isinstance(c, int) for c in cutoffs)
                or cutoffs[0] <= 0 or cutoffs[-1] > n_classes - 1):
            fail(ValueError, fn, "cutoffs", f"increasing distinct ints in [1, {n_classes - 1}] (n_classes - 1)",
                 cutoffs)
        check_scalar(div_value, "div_value", fn, low=0.0, low_open=True)
        check_flag(head_bias, "head_bias", fn)
        kw = {"device": device, "dtype": dtype}
        self.in_features, self.n_classes, self.div_value, self.head_bias = in_features, n_classes, div_value, head_bias
        self.cutoffs = cutoffs + [n_classes]
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = nn.Linear(in_features, self.head_size, bias=head_bias, **kw)
        self.tail = nn.ModuleList(
            nn.Sequential(nn.Linear(in_features, int(in_features // div_value ** (i + 1)), bias=False, **kw),
                          nn.Linear(int(in_features // div_value ** (i + 1)), self.cutoffs[i + 1] - self.cutoffs[i],
                                    bias=False, **kw))
            for i in range(self.n_clusters))

    def forward(self, input_: torch.Tensor, target_: torch.Tensor) -> ASMoutput:
        fn = "AdaptiveLogSoftmaxWithLoss"
        check_floating(input_, "input_", fn)
        check_integer(target_, "target_", fn)
        check_dims(input_, "input_", fn, (1, 2), "(N, in_features) or (in_features,)")
        if input_.shape[-1] != self.in_features:
            fail(ValueError, fn, "input_", f"a tensor whose last dimension is in_features = {self.in_features}",
                 f"shape {tuple(input_.shape)}")
        expected = tuple(input_.shape[:-1])
        if tuple(target_.shape) != expected:
            fail(ValueError, fn, "target_", f"class indices of shape {expected} for input_ of shape "
                 f"{tuple(input_.shape)}", f"shape {tuple(target_.shape)}")
        check_class_indices(target_, "target_", fn, self.n_classes)
        input = input_.reshape(-1, self.in_features)
        target = target_.reshape(-1)
        head_logprob = log_softmax(self.head(input), 1)
        cluster = torch.bucketize(target, torch.tensor(self.cutoffs, device=target.device), right=True)
        head_index = torch.where(cluster == 0, target, self.shortlist_size + cluster - 1)
        output = head_logprob.gather(1, head_index.unsqueeze(1)).squeeze(1)
        for i, tail in enumerate(self.tail, 1):  # each cluster's tail on its own rows only
            rows = (cluster == i).nonzero().squeeze(1)
            if rows.numel():
                local = log_softmax(tail(input.index_select(0, rows)), 1)
                relative = (target.index_select(0, rows) - self.cutoffs[i - 1]).unsqueeze(1)
                output = output.index_add(0, rows, local.gather(1, relative).squeeze(1))
        return ASMoutput(output.reshape(expected), (-output).mean())

    def log_prob(self, input: torch.Tensor) -> torch.Tensor:
        """The log-probabilities of all ``n_classes`` classes, (N, n_classes)."""
        check_floating(input, "input", "AdaptiveLogSoftmaxWithLoss.log_prob")
        check_dims(input, "input", "AdaptiveLogSoftmaxWithLoss.log_prob", (2,), "(N, in_features)")
        head_logprob = log_softmax(self.head(input), 1)
        parts = [head_logprob[:, :self.shortlist_size]]
        for i, tail in enumerate(self.tail):
            parts.append(log_softmax(tail(input), 1) + head_logprob[:, self.shortlist_size + i:self.shortlist_size + i + 1])
        return torch.cat(parts, 1)

    def predict(self, input: torch.Tensor) -> torch.Tensor:
        """The most probable class of each row, (N,): ``log_prob(input).argmax(1)``."""
        return self.log_prob(input).argmax(1)


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
    LossInfo("linear_cross_entropy", "LinearCrossEntropyLoss", "classification",
             "torch.nn.functional.linear_cross_entropy", _CE,
             "a projection to a large vocabulary followed by cross-entropy: never holds the (N, C) logits",
             inputs=("real", "real", "classes")),
)
