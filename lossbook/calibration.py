"""Calibration: how far predicted probabilities are from observed frequencies, and how to fix it.

Metrics and tools, not losses (no ``CATALOG`` rows): they score and repair the probabilities a
trained classifier outputs. The chapter *From scores to decisions: thresholds, calibration and
proper scoring rules* (``chapters/decisions-and-calibration``) derives and uses each of them.

Every function takes either

* **binary** predictions: ``probs`` (or ``logits``) of any shape, and a floating ``target`` of
  the same shape with labels in [0, 1]; the probability is that of the positive class; or
* **multi-class** predictions: ``probs`` (or ``logits``) of shape (N, C), and a ``target`` of N
  class indices (an integer tensor); the calibration measured is that of the top label (the
  predicted class and its probability), as in Guo et al. (2017).

==============================  ===========================================================
``brier_score``                 mean squared distance between the predicted distribution
                                and the one-hot target (a strictly proper score)
``reliability_curve``           per bin of confidence: mean confidence, observed frequency,
                                number of predictions (the points of a reliability diagram)
``expected_calibration_error``  the count-weighted mean gap of the reliability curve (ECE)
``fit_temperature``             the temperature tau that minimises the NLL of logits / tau
``fit_platt``                   Platt scaling: the scale and bias that minimise the NLL of
                                sigmoid(scale * z + bias) (binary only)
==============================  ===========================================================
"""
from __future__ import annotations

import math
from typing import Tuple

import torch
import torch.nn.functional as F

from ._validation import (
    check_class_indices,
    check_dims,
    check_floating,
    check_int,
    check_integer,
    check_same_device,
    check_same_shape,
    check_shape,
    check_tensor,
    check_values_in,
    fail,
)

__all__ = ["brier_score", "reliability_curve", "expected_calibration_error", "fit_temperature", "fit_platt"]


def _check_pair(scores: object, target: object, fn: str, name: str, *, probabilities: bool) -> bool:
    """Check (scores, target); return True for multi-class (class indices), False for binary."""
    check_floating(scores, name, fn)
    check_tensor(target, "target", fn)
    check_same_device(fn, **{name: scores, "target": target})
    if scores.numel() == 0:
        fail(ValueError, fn, name, "a non-empty tensor", f"shape {tuple(scores.shape)}")
    multiclass = not target.is_floating_point()
    if multiclass:
        check_integer(target, "target", fn, "class indices (or floating-point 0/1 labels, for binary predictions)")
        check_dims(scores, name, fn, (2,), "(N, C) when `target` holds class indices")
        check_shape(target, "target", fn, (scores.shape[0],), f"one class index per row of `{name}`")
        check_class_indices(target, "target", fn, scores.shape[1])
    else:
        check_same_shape(scores, name, target, "target", fn)
        check_values_in(target, "target", fn, 0.0, 1.0)
    if probabilities:
        check_values_in(scores, name, fn, 0.0, 1.0, what="probabilities, in [0, 1]")
    return multiclass


def brier_score(probs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Brier score: the mean squared error of predicted probabilities, a strictly proper score.

    Binary: ``probs`` and ``target`` of one shape, :math:`\\frac1N \\sum_i (p_i - y_i)^2`.
    Multi-class: ``probs`` (N, C), ``target`` (N,) class indices,
    :math:`\\frac1N \\sum_i \\sum_c (p_{ic} - [y_i = c])^2` (Brier's original form, which for two
    classes is twice the binary one). Returns a 0-dim tensor. Derived in the chapter
    ``decisions-and-calibration`` (its minimiser is the true probability).
    """
    fn = "brier_score"
    if _check_pair(probs, target, fn, "probs", probabilities=True):
        one_hot = F.one_hot(target.long(), probs.shape[1]).to(probs.dtype)
        return ((probs - one_hot) ** 2).sum(dim=1).mean()
    return ((probs - target.to(probs.dtype)) ** 2).mean()


def _confidence_and_outcome(probs: torch.Tensor, target: torch.Tensor, multiclass: bool):
    if multiclass:
        confidence, predicted = probs.max(dim=1)
        return confidence, (predicted == target).to(probs.dtype)
    return probs.reshape(-1), target.reshape(-1).to(probs.dtype)


def reliability_curve(probs: torch.Tensor, target: torch.Tensor, *,
                      n_bins: int = 15) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The points of a reliability diagram, over ``n_bins`` equal-width bins of [0, 1].

    Binary: the confidence is the predicted probability of the positive class and the outcome
    the label. Multi-class (``probs`` (N, C), ``target`` class indices): the confidence is the
    largest probability and the outcome whether its class is the target (top-label calibration).
    Bin b holds the confidences in [b/B, (b+1)/B), the last bin also 1.

    Returns ``(mean_confidence, frequency, counts)``, one entry per **non-empty** bin, in
    increasing order of confidence: the mean confidence in the bin, the mean outcome (the
    observed frequency of positives, or the accuracy), and the number of predictions. A
    calibrated model has ``frequency == mean_confidence`` up to noise.
    """
    fn = "reliability_curve"
    check_int(n_bins, "n_bins", fn, low=1)
    multiclass = _check_pair(probs, target, fn, "probs", probabilities=True)
    confidence, outcome = _confidence_and_outcome(probs.detach(), target, multiclass)
    bins = (confidence * n_bins).long().clamp(0, n_bins - 1)
    counts = torch.bincount(bins, minlength=n_bins)
    zeros = torch.zeros(n_bins, dtype=confidence.dtype, device=confidence.device)
    sum_confidence = zeros.index_add(0, bins, confidence)
    sum_outcome = zeros.index_add(0, bins, outcome)
    filled = counts > 0
    counts = counts[filled]
    return sum_confidence[filled] / counts, sum_outcome[filled] / counts, counts


def expected_calibration_error(probs: torch.Tensor, target: torch.Tensor, *, n_bins: int = 15) -> torch.Tensor:
    """Expected calibration error (ECE) over ``n_bins`` equal-width bins (Naeini et al., 2015).

    :math:`\\mathrm{ECE} = \\sum_b \\frac{n_b}{N} \\lvert \\bar p_b - \\bar y_b \\rvert`, the gaps of
    :func:`reliability_curve` weighted by the share of predictions in each bin: binary
    (probability of the positive class against the frequency of positives) or multi-class
    top-label (largest probability against accuracy), as that function describes. Returns a
    0-dim tensor in [0, 1]. ECE is not a proper score: a constant prediction at the base rate
    has an ECE near 0; report it beside the Brier score or the log loss. Chapter
    ``decisions-and-calibration``.
    """
    mean_confidence, frequency, counts = reliability_curve(probs, target, n_bins=n_bins)
    weights = counts.to(mean_confidence.dtype) / counts.sum()
    return (weights * (mean_confidence - frequency).abs()).sum()


def _nll_slope(logits: torch.Tensor, target: torch.Tensor, multiclass: bool, beta: float) -> Tuple[float, float]:
    """First and second derivatives in beta of the mean NLL of beta * logits (the first increases)."""
    if multiclass:
        probs = torch.softmax(beta * logits, dim=1)
        mean = (probs * logits).sum(dim=1)
        slope = (mean - logits.gather(1, target[:, None]).squeeze(1)).mean()
        curvature = ((probs * logits ** 2).sum(dim=1) - mean ** 2).mean()
    else:
        probs = torch.sigmoid(beta * logits)
        slope = ((probs - target) * logits).mean()
        curvature = (probs * (1 - probs) * logits ** 2).mean()
    return slope.item(), curvature.item()


def fit_temperature(logits: torch.Tensor, target: torch.Tensor, *, tol: float = 1e-10) -> float:
    """The temperature tau > 0 that minimises the mean NLL of ``logits / tau`` (Guo et al., 2017).

    Binary logits (any shape, float ``target`` of the same shape): the NLL is binary
    cross-entropy of ``sigmoid(logits / tau)``. Multi-class logits (N, C) with class indices:
    cross-entropy of ``softmax(logits / tau)``. Fit it on a **validation** split, never on the
    data the model was trained on or the data it is tested on.

    The NLL is convex in beta = 1 / tau, and its derivative,
    :math:`\\frac1N\\sum_i z_i(\\sigma(\\beta z_i) - y_i)` for binary logits, is increasing; the
    function finds its zero by Newton's method safeguarded by bisection, in float64, to a relative
    tolerance ``tol``. Raises
    ``ValueError`` when no positive temperature is optimal: logits that point away from the
    labels on average (the NLL falls as beta goes below 0), or a validation split they separate
    perfectly (the NLL falls towards 0 as tau goes to 0). Chapter ``decisions-and-calibration``.
    """
    fn = "fit_temperature"
    multiclass = _check_pair(logits, target, fn, "logits", probabilities=False)
    z = logits.detach().double()
    t = target.long() if multiclass else target.detach().double()
    if not multiclass:
        z, t = z.reshape(-1), t.reshape(-1)
    if multiclass:
        others = z.scatter(1, t[:, None], float("-inf")).amax(dim=1)
        separated = bool((z.gather(1, t[:, None]).squeeze(1) > others).all())
    else:
        separated = bool((((t == 0) | (t == 1)) & ((2 * t - 1) * z > 0)).all())
    if separated:
        fail(ValueError, fn, "logits", "held-out logits that misclassify at least one example (else no "
             "finite temperature is optimal)", "logits that classify every example correctly: their NLL "
             "falls towards 0 as tau goes to 0")
    if _nll_slope(z, t, multiclass, 0.0)[0] >= 0:
        fail(ValueError, fn, "logits", "logits that rank the targets better than chance (a positive "
             "temperature to fit)", "logits whose NLL does not decrease from tau = infinity")
    # Safeguarded Newton on beta = 1 / tau: Newton steps inside a bracket [low, high] that
    # holds the zero of the (increasing) slope, bisection when a step would leave it.
    low, high = 0.0, math.inf
    beta = 1.0
    for _ in range(200):
        slope, curvature = _nll_slope(z, t, multiclass, beta)
        if slope == 0:
            break
        if slope < 0:
            low = beta
        else:
            high = beta
        if high == math.inf:
            step_to = 2.0 * beta
            if step_to > 1e8:
                fail(ValueError, fn, "logits", "logits that do not separate the targets perfectly (a finite "
                     "optimal temperature)", "logits whose NLL keeps falling as tau goes to 0")
        else:
            step_to = 0.5 * (low + high)
        newton = beta - slope / curvature if curvature > 0 else math.nan
        if low < newton < high:
            step_to = newton
        if abs(step_to - beta) <= tol * beta:
            beta = step_to
            break
        beta = step_to
    return 1.0 / beta


def fit_platt(logits: torch.Tensor, target: torch.Tensor, *, max_iter: int = 100) -> Tuple[float, float]:
    """Platt scaling (Platt, 1999): the ``scale`` and ``bias`` minimising the binary cross-entropy
    of ``sigmoid(scale * logits + bias)`` against ``target``.

    A logistic regression on the logit alone, fitted by Newton's method with step halving, in
    float64. Binary only: ``logits`` of any shape and a float ``target`` of the same shape.
    Temperature scaling is the special case ``bias = 0``, ``scale = 1 / tau``; the bias also
    repairs a shifted logit (a model trained with ``pos_weight``). Fit it on a validation split.
    Returns ``(scale, bias)`` as floats; raises ``ValueError`` if the logits separate the
    targets perfectly (no finite optimum). Chapter ``decisions-and-calibration``.
    """
    fn = "fit_platt"
    check_int(max_iter, "max_iter", fn, low=1)
    if _check_pair(logits, target, fn, "logits", probabilities=False):
        fail(TypeError, fn, "target", "a floating-point tensor of binary labels (Platt scaling is binary; "
             "use fit_temperature for multi-class logits)", f"dtype {target.dtype}")
    z = logits.detach().double().reshape(-1)
    y = target.detach().double().reshape(-1)
    hard = bool(((y == 0) | (y == 1)).all())
    positives, negatives = z[y == 1], z[y == 0]
    if hard and (len(positives) == 0 or len(negatives) == 0 or positives.min() > negatives.max()
                 or positives.max() < negatives.min()):
        fail(ValueError, fn, "logits", "logits that do not separate the targets perfectly (a finite optimum)",
             "logits on which a threshold separates the two classes (or one class only)")
    design = torch.stack([z, torch.ones_like(z)], dim=1)
    theta = torch.tensor([1.0, 0.0], dtype=torch.float64, device=z.device)

    def nll(params):
        return F.binary_cross_entropy_with_logits(design @ params, y).item()

    current = nll(theta)
    for _ in range(max_iter):
        probs = torch.sigmoid(design @ theta)
        grad = design.T @ (probs - y) / len(y)
        hessian = (design * (probs * (1 - probs))[:, None]).T @ design / len(y)
        step = torch.linalg.solve(hessian + 1e-12 * torch.eye(2, dtype=torch.float64, device=z.device), grad)
        scale = 1.0
        while nll(theta - scale * step) > current and scale > 1e-10:
            scale /= 2
        theta = theta - scale * step
        previous, current = current, nll(theta)
        if grad.abs().max().item() < 1e-12 or previous - current < 1e-15:
            break
    if not torch.isfinite(theta).all() or theta.abs().max().item() > 1e6:
        fail(ValueError, fn, "logits", "logits that do not separate the targets perfectly (a finite optimum)",
             f"a = {theta[0].item():.3g}, b = {theta[1].item():.3g} after {max_iter} steps")
    return theta[0].item(), theta[1].item()
