"""Regression losses: how far a real-valued prediction is from a real-valued target.

Derived in chapters/regression-losses (and the three likelihoods in
chapters/maximum-likelihood). Ten losses, each a function and an ``nn.Module``:

* exact twins of ``torch.nn.functional``, written from scratch:
  :func:`mse_loss`, :func:`l1_loss`, :func:`huber_loss` (``delta``),
  :func:`smooth_l1_loss` (``beta``; ``smooth_l1(beta) = huber(delta=beta) / beta``),
  :func:`gaussian_nll_loss` (a predicted variance) and :func:`poisson_nll_loss` (counts);
* losses PyTorch lacks, with keyword-only hyper-parameters:
  :func:`rmse_loss` (the root of the MSE, with ``eps`` so its gradient stays finite),
  :func:`quantile_loss` (the pinball loss of quantile regression, ``q``),
  :func:`log_cosh_loss` (quadratic near zero, linear far away, smooth everywhere) and
  :func:`gaussian_mixture_nll_loss` (a mixture of Gaussians: a mixture density network).

``input`` is the prediction and ``target`` the observed value throughout; the
residual is ``input - target``.

The twins keep PyTorch's signatures exactly (names, order, defaults), less the deprecated
``size_average`` and ``reduce``: the arguments that follow the first of them in PyTorch are
keyword-only here, in the functions and in the modules, so that a positional call never means
something else than in PyTorch (``mse_loss(x, y, 'sum')`` and ``MSELoss('sum')`` are a
``TypeError`` instead of passing ``'sum'`` as ``size_average``). ``huber_loss`` and
``gaussian_nll_loss`` have no deprecated argument and keep PyTorch's positional order.
``tests/test_api.py`` checks every twin's signature against PyTorch's.

One deliberate difference, stricter: ``input`` and ``target`` (and ``weight``) must have
exactly the same shape. PyTorch only warns and broadcasts, so a prediction of shape (N, 1)
against a target of shape (N,) silently becomes an (N, N) comparison of every prediction with
every target. Here it is a ``ValueError``.

Mixed dtypes promote and autocast runs the losses in float32, as in PyTorch (see
``lossbook/_core.py``). Other checks (each function lists its own): floating tensors on one
device, a known ``reduction``, ``delta > 0``, ``beta >= 0``, ``eps >= 0``, ``0 < q < 1``, and,
while validation is on (:func:`lossbook.set_validation`), non-negative variances, weights and
counts.

MSE, Huber and SmoothL1 are :class:`torch.autograd.Function` subclasses with PyTorch's gradient written
by hand: a composition of elementwise operations costs one pass over the data (and one autograd
node) per operation, and these losses are used in the hot loop of a regression model.
"""
from __future__ import annotations

import math
from typing import Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from ._core import autocast_float32, reduce
from ._registry import LossInfo
from ._validation import (
    check_flag,
    check_floating,
    check_not_empty,
    check_pair,
    check_reduction,
    check_same_device,
    check_same_shape,
    check_scalar,
    check_shape,
    check_values_in,
    check_variance,
    check_weight,
)

__all__ = [
    "mse_loss", "MSELoss",
    "l1_loss", "L1Loss",
    "huber_loss", "HuberLoss",
    "smooth_l1_loss", "SmoothL1Loss",
    "rmse_loss", "RMSELoss",
    "quantile_loss", "QuantileLoss",
    "log_cosh_loss", "LogCoshLoss",
    "gaussian_nll_loss", "GaussianNLLLoss",
    "poisson_nll_loss", "PoissonNLLLoss",
    "gaussian_mixture_nll_loss", "GaussianMixtureNLLLoss",
]


# --------------------------------------------------------------------------- shared helpers

def _weighted(loss: torch.Tensor, weight: Optional[torch.Tensor], reduction: str) -> torch.Tensor:
    """Reduce ``weight * loss`` the way ``F.mse_loss`` and ``F.l1_loss`` do: the weighted mean
    divides by the sum of the weights, not by the number of elements."""
    if weight is None:
        return reduce(loss, reduction)
    loss = loss * weight
    if reduction == "mean":
        return loss.sum() / weight.sum()
    return reduce(loss, reduction)


def _scale(n: int, reduction: str) -> float:
    """What a sum is multiplied by to give the reduction: 1 / n for 'mean' (NaN if n = 0)."""
    if reduction != "mean":
        return 1.0
    return 1.0 / n if n else math.nan


def _dot(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """sum(a * b) in one pass (a BLAS dot product) for float32 and float64; float16 and
    bfloat16 multiply and sum in float32, as PyTorch's reductions do."""
    if a.dtype in (torch.float32, torch.float64):
        return torch.dot(a.reshape(-1), b.reshape(-1))
    return (a.float() * b.float()).sum().to(a.dtype)


class _SquaredError(torch.autograd.Function):
    """The sum or mean of (input - target)^2, with PyTorch's gradient 2 (input - target) / n.

    One subtraction and one dot product forward, one product backward (and its negation for
    the target): the same passes over the data as PyTorch's fused kernel.
    """

    @staticmethod
    def forward(ctx, input, target, reduction):
        residual = input - target
        ctx.scale = _scale(residual.numel(), reduction)
        ctx.save_for_backward(residual)
        return _dot(residual, residual) * ctx.scale

    @staticmethod
    def backward(ctx, grad):
        (residual,) = ctx.saved_tensors
        grad_input = residual * (grad * (2 * ctx.scale))
        return (grad_input if ctx.needs_input_grad[0] else None,
                -grad_input if ctx.needs_input_grad[1] else None, None)


class _Huber(torch.autograd.Function):
    r"""Huber loss of the residual r = input - target, times ``factor``, with PyTorch's gradient.

    With :math:`c = \operatorname{clamp}(r, -\delta, \delta)`, the Huber loss is
    :math:`c\,(r - c/2)` (it is :math:`r^2/2` where :math:`|r| < \delta` and
    :math:`\delta(|r| - \delta/2)` beyond) and its gradient is :math:`c`: the residual
    clipped to :math:`[-\delta, \delta]`, which is PyTorch's backward. So one clamp gives the
    value and the gradient, with no branch (``torch.where``) at all. ``factor`` = 1 is
    ``huber_loss``; ``factor`` = 1 / beta with delta = beta is ``smooth_l1_loss``.
    """

    @staticmethod
    def forward(ctx, input, target, delta, factor, reduction, weight):
        residual = input - target
        clipped = residual.clamp(-delta, delta)
        ctx.scale = factor * _scale(residual.numel(), reduction)
        ctx.save_for_backward(clipped, weight)
        if reduction == "none" or weight is not None:
            loss = clipped * torch.add(residual, clipped, alpha=-0.5)
            if weight is not None:
                loss = loss * weight
            return loss * factor if reduction == "none" else loss.sum() * ctx.scale
        # c (r - c / 2) summed is c.r - c.c / 2: two dot products, each one pass
        return (_dot(clipped, residual) - 0.5 * _dot(clipped, clipped)) * ctx.scale

    @staticmethod
    def backward(ctx, grad):
        clipped, weight = ctx.saved_tensors
        grad_input = clipped * (grad * ctx.scale)
        if weight is not None:
            grad_input = grad_input * weight
        return (grad_input if ctx.needs_input_grad[0] else None,
                -grad_input if ctx.needs_input_grad[1] else None, None, None, None, None)


# --------------------------------------------------------------------------- MSE and MAE

def mse_loss(input: torch.Tensor, target: torch.Tensor, *, reduction: str = "mean",
             weight: Optional[torch.Tensor] = None) -> torch.Tensor:
    r"""Mean squared error; equals ``F.mse_loss``.

    .. math:: \ell_n = w_n (x_n - y_n)^2

    ``reduction='mean'`` divides the sum by the number of elements, or, with ``weight``, by
    the sum of the weights (a weighted mean, as PyTorch does).

    The minimiser over a constant prediction is the mean of the targets; it is the negative
    log-likelihood of Gaussian noise of fixed variance, up to scale and a constant.

    Shapes: ``input``, ``target`` and ``weight`` (optional, per element, >= 0) all of one
    shape; 'none' returns that shape, 'mean' and 'sum' a scalar ('mean' of an empty tensor is
    NaN, as in PyTorch). ``reduction`` and ``weight`` are keyword-only (see the module
    docstring); stricter than PyTorch, the shapes must match exactly.

    Derived in chapters/regression-losses.
    """
    fn = "mse_loss"
    check_pair(input, target, fn)
    check_reduction(reduction, fn)
    check_weight(weight, "weight", input, fn, same_shape=True)
    input, target, weight = autocast_float32(input, target, weight)
    if weight is None and reduction != "none":
        return _SquaredError.apply(input, target, reduction)  # (input - target)**2, summed by hand
    return _weighted((input - target) ** 2, weight, reduction)


class MSELoss(nn.Module):
    """Module twin of :func:`mse_loss` (and of ``torch.nn.MSELoss``)."""

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__()
        check_reduction(reduction, "MSELoss")
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return mse_loss(input, target, reduction=self.reduction)


def l1_loss(input: torch.Tensor, target: torch.Tensor, *, reduction: str = "mean",
            weight: Optional[torch.Tensor] = None) -> torch.Tensor:
    r"""Mean absolute error (MAE); equals ``F.l1_loss``.

    .. math:: \ell_n = w_n \lvert x_n - y_n \rvert

    Its minimiser over a constant prediction is the median of the targets, which is why it
    is robust to outliers; it is the negative log-likelihood of Laplace noise. The gradient
    is the sign of the residual (0 at a residual of exactly 0, as in PyTorch): its size does
    not shrink near the optimum, so a fixed learning rate makes the iterates oscillate.

    Shapes, ``weight`` and the weighted 'mean' (divided by the sum of the weights) as in
    :func:`mse_loss`.

    Derived in chapters/regression-losses.
    """
    fn = "l1_loss"
    check_pair(input, target, fn)
    check_reduction(reduction, fn)
    check_weight(weight, "weight", input, fn, same_shape=True)
    input, target, weight = autocast_float32(input, target, weight)
    return _weighted((input - target).abs(), weight, reduction)


class L1Loss(nn.Module):
    """Module twin of :func:`l1_loss` (and of ``torch.nn.L1Loss``)."""

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__()
        check_reduction(reduction, "L1Loss")
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return l1_loss(input, target, reduction=self.reduction)


# --------------------------------------------------------------------------- Huber and SmoothL1

def huber_loss(input: torch.Tensor, target: torch.Tensor, reduction: str = "mean",
               delta: float = 1.0, weight: Optional[torch.Tensor] = None) -> torch.Tensor:
    r"""Huber loss (Huber 1964); equals ``F.huber_loss``.

    .. math::
        \ell_n = w_n \begin{cases} \tfrac12 r_n^2 & |r_n| < \delta \\
                 \delta\,(|r_n| - \tfrac12 \delta) & \text{otherwise} \end{cases},
        \qquad r_n = x_n - y_n

    Quadratic for small residuals, linear beyond ``delta``, with matching value and slope at
    the join: its gradient is the residual clipped to :math:`[-\delta, \delta]`. As
    ``delta`` grows it tends to half the MSE; as it shrinks, ``huber / delta`` tends to L1.
    Computed as :math:`c\,(r - c/2)` with :math:`c` the clipped residual (:class:`_Huber`).

    ``delta`` must be > 0 (PyTorch raises a ``RuntimeError``; here a ``ValueError``).
    With ``weight``, PyTorch's 'mean' is ``(weight * loss).mean()``: it divides by the number
    of elements, **not** by the sum of the weights as :func:`mse_loss` and :func:`l1_loss`
    do. This twin does the same; divide by ``weight.sum()`` yourself for a weighted mean.

    Shapes as in :func:`mse_loss`. Like PyTorch's kernel, the result has ``input``'s dtype
    (a float64 ``target`` does not make it float64; a float64 ``weight`` does).

    Derived in chapters/regression-losses.
    """
    fn = "huber_loss"
    check_pair(input, target, fn)
    check_reduction(reduction, fn)
    check_scalar(delta, "delta", fn, low=0, low_open=True)
    check_weight(weight, "weight", input, fn, same_shape=True)
    input, target, weight = autocast_float32(input, target, weight)
    return _Huber.apply(input, target.to(input.dtype), delta, 1.0, reduction, weight)


class HuberLoss(nn.Module):
    """Module twin of :func:`huber_loss` (and of ``torch.nn.HuberLoss``)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__()
        check_reduction(reduction, "HuberLoss")
        check_scalar(delta, "delta", "HuberLoss", low=0, low_open=True)
        self.reduction = reduction
        self.delta = delta

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return huber_loss(input, target, reduction=self.reduction, delta=self.delta)


def smooth_l1_loss(input: torch.Tensor, target: torch.Tensor, *, reduction: str = "mean",
                   beta: float = 1.0) -> torch.Tensor:
    r"""Smooth L1 loss (Girshick 2015); equals ``F.smooth_l1_loss``.

    .. math::
        \ell_n = \begin{cases} \tfrac12 r_n^2 / \beta & |r_n| < \beta \\
                 |r_n| - \tfrac12 \beta & \text{otherwise} \end{cases}

    It is the Huber loss divided by its threshold: ``smooth_l1_loss(x, y, beta=b) ==
    huber_loss(x, y, delta=b) / b``, and that is how it is computed. The two are equal only at
    ``b = 1``. Beyond ``beta`` its slope is 1 whatever ``beta`` is (Huber's is ``delta``), so
    ``beta`` changes where the quadratic zone ends without changing the size of large gradients.

    ``beta = 0`` is plain L1, exactly as in PyTorch (the formula would divide by zero);
    ``beta`` must be >= 0. ``reduction`` and ``beta`` are keyword-only (see the module
    docstring). Shapes as in :func:`mse_loss`.

    Derived in chapters/regression-losses.
    """
    fn = "smooth_l1_loss"
    check_pair(input, target, fn)
    check_reduction(reduction, fn)
    check_scalar(beta, "beta", fn, low=0)
    input, target = autocast_float32(input, target)
    if beta == 0:
        # The quadratic zone is empty and its gradient r / beta would divide by zero:
        # use L1 directly, as PyTorch does.
        return reduce((input - target).abs(), reduction)
    return _Huber.apply(input, target, float(beta), 1.0 / beta, reduction, None)


class SmoothL1Loss(nn.Module):
    """Module twin of :func:`smooth_l1_loss` (and of ``torch.nn.SmoothL1Loss``)."""

    def __init__(self, *, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__()
        check_reduction(reduction, "SmoothL1Loss")
        check_scalar(beta, "beta", "SmoothL1Loss", low=0)
        self.reduction = reduction
        self.beta = beta

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


# --------------------------------------------------------------------------- RMSE

def rmse_loss(input: torch.Tensor, target: torch.Tensor, *, eps: float = 1e-8,
              reduction: str = "mean") -> torch.Tensor:
    r"""Root mean squared error, kept differentiable at zero error. PyTorch has no twin.

    .. math:: \text{RMSE}_\epsilon = \sqrt{\tfrac1N \textstyle\sum_n (x_n - y_n)^2 + \epsilon}

    **Why eps.** :math:`\frac{d}{du}\sqrt{u} = \frac{1}{2\sqrt u}` is infinite at
    :math:`u = 0`. When every residual is 0, autograd multiplies that infinity by the
    gradient of the mean squared error, which is 0, and ``0 * inf`` is NaN: one perfect
    batch would poison every parameter. With ``eps > 0`` the derivative is at most
    :math:`1 / (2\sqrt\epsilon)` and the gradient at zero error is exactly 0. Away from zero
    the gradient never needs eps: its norm is at most :math:`1/\sqrt N`.

    **Why 1e-8.** eps adds a bias of at most :math:`\sqrt\epsilon` (1e-4 for the default,
    reached only at zero error), so it should be small; and it must survive in the dtype
    used. 1e-8 is a normal float32 and bfloat16 number, and it rounds away next to any mean
    squared error above about 0.2 in float32, where it is not needed. In float16 it underflows to 0
    (the smallest float16 is about 6e-8): pass ``eps=1e-4`` or compute in float32. A popular
    notebook uses 1e-7, which gives the same numbers to four decimals for ordinary errors.

    **Reduction.** RMSE is the root of a mean, not a mean of per-element terms, so only
    ``reduction='mean'`` is accepted (anything else is a ``ValueError``). A per-element
    'none' would be :math:`\sqrt{r_n^2 + \epsilon} \approx |r_n|`, which is the L1 loss, and
    a 'sum' of roots has no meaning; use :func:`mse_loss` with ``reduction='none'`` and take
    the root of your own mean where you need it (per sample, per output, ...).

    Shapes: ``input`` and ``target`` of one shape (any); returns a scalar. The root of a
    mean over an empty tensor is NaN, as for every 'mean'. ``eps`` must be >= 0 (``eps=0``
    gives the exact RMSE and its NaN gradient at zero error).

    Its minimiser is the MSE's: a root is monotone. But its gradient is the MSE's divided
    by :math:`2\,\text{RMSE}`, so its effective learning rate grows as the fit improves.

    Derived in chapters/regression-losses.
    """
    fn = "rmse_loss"
    check_pair(input, target, fn)
    check_scalar(eps, "eps", fn, low=0)
    check_reduction(reduction, fn, allowed=("mean",))
    input, target = autocast_float32(input, target)
    return torch.sqrt(_SquaredError.apply(input, target, "mean") + eps)  # the root of the MSE


class RMSELoss(nn.Module):
    """Module twin of :func:`rmse_loss`."""

    def __init__(self, *, eps: float = 1e-8, reduction: str = "mean") -> None:
        super().__init__()
        check_scalar(eps, "eps", "RMSELoss", low=0)
        check_reduction(reduction, "RMSELoss", allowed=("mean",))
        self.eps = eps
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return rmse_loss(input, target, eps=self.eps, reduction=self.reduction)


# --------------------------------------------------------------------------- quantile

def quantile_loss(input: torch.Tensor, target: torch.Tensor, *, q: float = 0.5,
                  reduction: str = "mean") -> torch.Tensor:
    r"""Pinball (quantile) loss of quantile regression (Koenker and Bassett 1978).

    .. math::
        \ell_n = \begin{cases} q\,(y_n - x_n) & y_n \ge x_n \\
                 (1 - q)\,(x_n - y_n) & y_n < x_n \end{cases}
        = \max\bigl(q\,(y_n - x_n),\; (q - 1)\,(y_n - x_n)\bigr)

    Under-predicting costs ``q`` per unit, over-predicting ``1 - q``; the constant that
    minimises its expectation is the ``q``-quantile of the target's distribution, so a model
    trained with it predicts that quantile. ``q = 0.5`` gives half the L1 loss (the median).
    Train one output per ``q`` (say 0.1 and 0.9) for a prediction interval.

    ``q`` must lie in the open interval (0, 1): at 0 or 1 one side costs nothing and the
    prediction can run off to infinity. The gradient at a residual of exactly 0 is taken
    from the under-prediction side (``-q`` with respect to ``input``).

    Shapes as in :func:`mse_loss`. PyTorch has no twin.

    Derived in chapters/regression-losses.
    """
    fn = "quantile_loss"
    check_pair(input, target, fn)
    check_scalar(q, "q", fn, low=0, high=1, low_open=True, high_open=True)
    check_reduction(reduction, fn)
    input, target = autocast_float32(input, target)
    r = target - input
    loss = torch.where(r >= 0, q * r, (q - 1) * r)
    return reduce(loss, reduction)


class QuantileLoss(nn.Module):
    """Module twin of :func:`quantile_loss`."""

    def __init__(self, *, q: float = 0.5, reduction: str = "mean") -> None:
        super().__init__()
        check_scalar(q, "q", "QuantileLoss", low=0, high=1, low_open=True, high_open=True)
        check_reduction(reduction, "QuantileLoss")
        self.q = q
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return quantile_loss(input, target, q=self.q, reduction=self.reduction)


# --------------------------------------------------------------------------- log-cosh

_LOG2 = math.log(2.0)


def log_cosh_loss(input: torch.Tensor, target: torch.Tensor, *,
                  reduction: str = "mean") -> torch.Tensor:
    r"""Log-cosh loss: :math:`\ell_n = \log\cosh(x_n - y_n)`. PyTorch has no twin.

    About :math:`r^2 / 2` for small residuals and :math:`|r| - \log 2` for large ones, like a
    Huber loss with ``delta = 1``, but with every derivative continuous: its gradient is
    :math:`\tanh(r)`.

    Computed without overflow. ``cosh`` overflows float32 beyond :math:`|r| \approx 89`, so
    the naive ``log(cosh(r))`` is ``inf`` there; instead, for :math:`|r| \ge 1`,

    .. math:: \log\cosh r = |r| + \operatorname{softplus}(-2|r|) - \log 2,

    which is exact and never overflows. That form subtracts nearly equal numbers when
    :math:`r` is small (it is :math:`|r| - |r| + r^2/2`), which in float32 loses every digit
    below :math:`|r| \approx 10^{-3}` and can even return a negative loss. So for
    :math:`|r| < 1` it uses :math:`\log\cosh r = -\tfrac12 \log(1 - \tanh^2 r)` with
    ``log1p``, accurate to the last digit there. Both branches give gradient
    :math:`\tanh r`.

    Shapes as in :func:`mse_loss`.

    Derived in chapters/regression-losses.
    """
    fn = "log_cosh_loss"
    check_pair(input, target, fn)
    check_reduction(reduction, fn)
    input, target = autocast_float32(input, target)
    a = (input - target).abs()
    # The clamp keeps the unused branch finite, so torch.where's backward never meets inf * 0.
    near = -0.5 * torch.log1p(-torch.tanh(a.clamp(max=1.0)) ** 2)
    far = a + F.softplus(-2.0 * a) - _LOG2
    return reduce(torch.where(a < 1.0, near, far), reduction)


class LogCoshLoss(nn.Module):
    """Module twin of :func:`log_cosh_loss`."""

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__()
        check_reduction(reduction, "LogCoshLoss")
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return log_cosh_loss(input, target, reduction=self.reduction)


# --------------------------------------------------------------------------- Gaussian NLL

def _gaussian_var(var: Union[torch.Tensor, float], input: torch.Tensor, fn: str) -> torch.Tensor:
    """Validate ``var`` and return it as a tensor that broadcasts against ``input``."""
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        check_scalar(var, "var", fn, low=0)
        return torch.full_like(input, float(var))
    check_variance(var, input, fn)
    if var.shape != input.shape and input.dim() >= 1 and var.shape == input.shape[:-1]:
        var = var.unsqueeze(-1)  # one variance per sample, shared by its last dimension
    return var


def gaussian_nll_loss(input: torch.Tensor, target: torch.Tensor, var: Union[torch.Tensor, float],
                      full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> torch.Tensor:
    r"""Gaussian negative log-likelihood with a predicted variance (Nix and Weigend 1994);
    equals ``F.gaussian_nll_loss``.

    .. math::
        \ell_n = \tfrac12 \Bigl(\log \max(\sigma_n^2, \epsilon)
                 + \frac{(x_n - y_n)^2}{\max(\sigma_n^2, \epsilon)}\Bigr)
                 \;\bigl[+\, \tfrac12 \log 2\pi \text{ if full}\bigr]

    ``input`` is the predicted mean, ``var`` the predicted variance :math:`\sigma^2` (not the
    standard deviation). With a fixed ``var`` it is the MSE up to scale and a constant.

    ``var`` may be a Python number (>= 0) or a tensor of non-negative values whose shape is
    one PyTorch accepts: the shape of ``input`` (one variance per prediction); ``input``'s
    shape without its last dimension, or with one dimension of size 1 (a variance shared
    along that dimension, e.g. (N, 1) for an (N, D) input). Negative variances are a
    ``ValueError``, as in PyTorch.

    As in PyTorch, the clamp at ``eps`` is applied without recording it for autograd: the
    value uses :math:`\max(\sigma^2, \epsilon)` but the gradient with respect to ``var`` is
    computed as if no clamp had happened, so a variance below ``eps`` still learns.

    Stricter than PyTorch: ``input`` and ``target`` must have the same shape (PyTorch
    broadcasts them), ``eps`` >= 0. Like ``F.gaussian_nll_loss``, a composition of PyTorch
    operations (not one kernel), it is not cast to float32 under autocast: bfloat16 inputs
    give a bfloat16 loss on the CPU, in both.

    Derived in chapters/maximum-likelihood.
    """
    fn = "gaussian_nll_loss"
    check_pair(input, target, fn)
    check_scalar(eps, "eps", fn, low=0)
    check_flag(full, "full", fn)
    check_reduction(reduction, fn)
    var = _gaussian_var(var, input, fn).clone()
    with torch.no_grad():
        var.clamp_(min=eps)  # in place under no_grad: the clamp is invisible to autograd
    loss = 0.5 * (torch.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return reduce(loss, reduction)


class GaussianNLLLoss(nn.Module):
    """Module twin of :func:`gaussian_nll_loss` (and of ``torch.nn.GaussianNLLLoss``)."""

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__()
        check_scalar(eps, "eps", "GaussianNLLLoss", low=0)
        check_reduction(reduction, "GaussianNLLLoss")
        self.full = full
        self.eps = eps
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor,
                var: Union[torch.Tensor, float]) -> torch.Tensor:
        return gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps,
                                 reduction=self.reduction)


# --------------------------------------------------------------------------- Poisson NLL

def poisson_nll_loss(input: torch.Tensor, target: torch.Tensor, log_input: bool = True,
                     full: bool = False, *, eps: float = 1e-8,
                     reduction: str = "mean") -> torch.Tensor:
    r"""Poisson negative log-likelihood for count targets; equals ``F.poisson_nll_loss``.

    .. math::
        \ell_n = \begin{cases} e^{x_n} - y_n x_n & \text{log\_input (x is } \log\lambda) \\
                 x_n - y_n \log(x_n + \epsilon) & \text{otherwise (x is } \lambda)
                 \end{cases}
                 \;\bigl[+\, y_n \log y_n - y_n + \tfrac12 \log(2\pi y_n)
                 \text{ where } y_n > 1, \text{ if full}\bigr]

    This is :math:`-\log p(y \mid \lambda)` without the term :math:`\log y!`, which does
    not depend on the prediction; ``full=True`` adds Stirling's approximation of it (only
    for targets above 1, where it is accurate; 0 for targets 0 and 1, whose :math:`\log y!`
    is exactly 0). ``log_input=True`` (the default) lets the model output any real number,
    the log-rate; ``eps`` only matters when ``log_input=False``, and keeps
    :math:`\log(0)` away.

    ``eps`` and ``reduction`` are keyword-only (PyTorch's signature has ``size_average``
    between ``full`` and ``eps``, see the module docstring).

    Stricter than PyTorch: same shapes, ``target`` >= 0 (counts), and with
    ``log_input=False`` an ``input`` >= 0 (a rate; PyTorch returns NaN for a negative one),
    ``eps`` >= 0.

    Derived in chapters/maximum-likelihood.
    """
    fn = "poisson_nll_loss"
    check_pair(input, target, fn)
    check_scalar(eps, "eps", fn, low=0)
    check_flag(log_input, "log_input", fn)
    check_flag(full, "full", fn)
    check_reduction(reduction, fn)
    check_values_in(target, "target", fn, 0.0, math.inf, high_open=True)
    input, target = autocast_float32(input, target)
    if log_input:
        loss = torch.exp(input) - target * input
    else:
        check_values_in(input, "input", fn, 0.0, math.inf, high_open=True)
        loss = input - target * torch.log(input + eps)
    if full:
        big = target > 1
        t = torch.where(big, target, torch.ones_like(target))  # keep log finite where unused
        stirling = t * torch.log(t) - t + 0.5 * torch.log(2 * math.pi * t)
        loss = loss + torch.where(big, stirling, torch.zeros_like(stirling))
    return reduce(loss, reduction)


class PoissonNLLLoss(nn.Module):
    """Module twin of :func:`poisson_nll_loss` (and of ``torch.nn.PoissonNLLLoss``)."""

    def __init__(self, log_input: bool = True, full: bool = False, *, eps: float = 1e-8,
                 reduction: str = "mean") -> None:
        super().__init__()
        check_scalar(eps, "eps", "PoissonNLLLoss", low=0)
        check_reduction(reduction, "PoissonNLLLoss")
        self.log_input = log_input
        self.full = full
        self.eps = eps
        self.reduction = reduction

    def forward(self, log_input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        # PyTorch names the first argument of PoissonNLLLoss.forward `log_input`, as here.
        return poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full,
                                eps=self.eps, reduction=self.reduction)


# --------------------------------------------------------------------------- Gaussian mixture NLL

def gaussian_mixture_nll_loss(input: torch.Tensor, target: torch.Tensor, var: torch.Tensor,
                              logits: torch.Tensor, *, full: bool = False, eps: float = 1e-6,
                              reduction: str = "mean") -> torch.Tensor:
    r"""Negative log-likelihood of a mixture of :math:`G` Gaussians, the loss of a mixture
    density network (Bishop 1994). PyTorch has no such loss.

    .. math::
        \ell_n = -\log \sum_{g=1}^{G} \omega_{ng}\,
                 \mathcal{N}\bigl(y_n;\ \mu_{ng},\ \max(\sigma^2_{ng}, \epsilon)\bigr)
                 \;\bigl[-\, \tfrac12 \log 2\pi \text{ unless full}\bigr],
        \qquad \omega_n = \operatorname{softmax}(z_n)

    computed as ``-logsumexp(log_softmax(z) - (log var + (y - mu)**2 / var) / 2)``, so that
    no density is ever formed: a target far from every component, whose densities all
    underflow to 0, still gets a finite loss and gradient. Like :func:`gaussian_nll_loss`, it
    leaves out the constant :math:`\tfrac12 \log 2\pi` unless ``full=True``, and with one
    component (G = 1) it equals :func:`gaussian_nll_loss`.

    Shapes: ``input`` (the means :math:`\mu`), ``var`` (the variances :math:`\sigma^2`, not
    standard deviations) and ``logits`` (the mixing logits :math:`z`) are (*, G), the
    components on the last dimension; ``target`` is (*), one observed value per mixture. The
    result is (*) with ``reduction='none'``, else its mean or sum.

    As in :func:`gaussian_nll_loss`, the clamp at ``eps`` is invisible to autograd (the value
    uses :math:`\max(\sigma^2, \epsilon)`, the gradient flows as if unclamped), and a negative
    variance is a ``ValueError`` while validation is on. Under autocast the loss is computed
    in float32, like the other losses here; mixed dtypes promote.

    Derived in chapters/maximum-likelihood.
    """
    fn = "gaussian_mixture_nll_loss"
    check_floating(input, "input", fn)
    check_floating(target, "target", fn)
    check_floating(var, "var", fn)
    check_floating(logits, "logits", fn)
    check_same_device(fn, input=input, target=target, var=var, logits=logits)
    check_not_empty(input, "input", fn, "a tensor of shape (*, G): G >= 1 components on its last dimension",
                    dim=max(input.dim() - 1, 0))
    check_shape(target, "target", fn, tuple(input.shape[:-1]),
                "`input`'s shape without its last (component) dimension")
    check_same_shape(input, "input", var, "var", fn)
    check_same_shape(input, "input", logits, "logits", fn)
    check_scalar(eps, "eps", fn, low=0)
    check_flag(full, "full", fn)
    check_reduction(reduction, fn)
    check_values_in(var, "var", fn, 0.0, math.inf, high_open=True)
    input, target, var, logits = autocast_float32(input, target, var, logits)
    var = var.clone()
    with torch.no_grad():
        var.clamp_(min=eps)  # in place under no_grad: the clamp is invisible to autograd
    log_components = -0.5 * (torch.log(var) + (target.unsqueeze(-1) - input) ** 2 / var)
    loss = -torch.logsumexp(torch.log_softmax(logits, dim=-1) + log_components, dim=-1)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return reduce(loss, reduction)


class GaussianMixtureNLLLoss(nn.Module):
    """Module twin of :func:`gaussian_mixture_nll_loss`."""

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__()
        check_flag(full, "full", "GaussianMixtureNLLLoss")
        check_scalar(eps, "eps", "GaussianMixtureNLLLoss", low=0)
        check_reduction(reduction, "GaussianMixtureNLLLoss")
        self.full = full
        self.eps = eps
        self.reduction = reduction

    def forward(self, input: torch.Tensor, target: torch.Tensor, var: torch.Tensor,
                logits: torch.Tensor) -> torch.Tensor:
        return gaussian_mixture_nll_loss(input, target, var, logits, full=self.full, eps=self.eps,
                                         reduction=self.reduction)


# --------------------------------------------------------------------------- catalog

_CH = "chapters/regression-losses"
_ML = "chapters/maximum-likelihood"

CATALOG = (
    LossInfo("mse_loss", "MSELoss", "regression", "torch.nn.functional.mse_loss", _CH,
             "the default: Gaussian-like noise, and large errors should cost much more",
             inputs=("real", "target")),
    LossInfo("l1_loss", "L1Loss", "regression", "torch.nn.functional.l1_loss", _CH,
             "outliers or heavy tails: it predicts the median and every error counts linearly",
             inputs=("real", "target")),
    LossInfo("huber_loss", "HuberLoss", "regression", "torch.nn.functional.huber_loss", _CH,
             "MSE near the fit, L1 for outliers; gradients clipped at delta",
             inputs=("real", "target")),
    LossInfo("smooth_l1_loss", "SmoothL1Loss", "regression", "torch.nn.functional.smooth_l1_loss", _CH,
             "Huber divided by beta: slope 1 beyond beta, as in box regression (Fast R-CNN)",
             inputs=("real", "target")),
    LossInfo("rmse_loss", "RMSELoss", "regression", None, _CH,
             "you report RMSE and want to optimise it in the target's units (mind eps)",
             inputs=("real", "target")),
    LossInfo("quantile_loss", "QuantileLoss", "regression", None, _CH,
             "you need a quantile or a prediction interval, not the mean",
             inputs=("real", "target")),
    LossInfo("log_cosh_loss", "LogCoshLoss", "regression", None, _CH,
             "a Huber-like robust loss with a smooth gradient tanh(r)",
             inputs=("real", "target")),
    LossInfo("gaussian_nll_loss", "GaussianNLLLoss", "regression",
             "torch.nn.functional.gaussian_nll_loss", _ML,
             "the model predicts its own uncertainty (a variance per prediction)",
             inputs=("real", "target", "positive")),
    LossInfo("poisson_nll_loss", "PoissonNLLLoss", "regression",
             "torch.nn.functional.poisson_nll_loss", _ML,
             "targets are counts (events, clicks, photons) with a predicted rate",
             inputs=("real", "counts")),
    LossInfo("gaussian_mixture_nll_loss", "GaussianMixtureNLLLoss", "regression", None, _ML,
             "the target has several modes for one input (a mixture density network): the MSE "
             "would predict the empty space between them",
             inputs=("real", "target_rows", "positive", "logits")),
)
