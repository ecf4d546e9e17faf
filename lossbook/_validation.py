"""Input checks shared by every loss in lossbook.

Every public loss validates its arguments at the boundary with these helpers,
so that all error messages have one shape::

    <function>: `<argument>` must be <what was expected>, got <what arrived>

Nothing here broadcasts, converts or repairs an input: a loss either gets what
it needs or raises ``ValueError`` (wrong value or shape) or ``TypeError``
(wrong type or dtype).
"""
from __future__ import annotations

from typing import Iterable, Optional

import torch

REDUCTIONS = ("none", "mean", "sum")


def fail(exc: type, fn: str, name: str, expected: str, got: object) -> None:
    """Raise ``exc`` with the house message: function, argument, expected, got."""
    raise exc(f"{fn}: `{name}` must be {expected}, got {got}")


def check_reduction(reduction: object, fn: str, allowed: Iterable[str] = REDUCTIONS) -> None:
    """``reduction`` must be one of ``allowed`` (by default 'none', 'mean', 'sum')."""
    allowed = tuple(allowed)
    if not isinstance(reduction, str) or reduction not in allowed:
        fail(ValueError, fn, "reduction", f"one of {allowed}", repr(reduction))


def reduce(loss: torch.Tensor, reduction: str) -> torch.Tensor:
    """Apply 'none' / 'sum' / 'mean' to per-element losses.

    'mean' of an empty tensor is NaN, as in PyTorch.
    """
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.mean()


def check_tensor(x: object, name: str, fn: str) -> None:
    """``x`` must be a ``torch.Tensor``."""
    if not isinstance(x, torch.Tensor):
        fail(TypeError, fn, name, "a torch.Tensor", type(x).__name__)


def check_floating(x: object, name: str, fn: str) -> None:
    """``x`` must be a floating-point tensor (float16, bfloat16, float32, float64)."""
    check_tensor(x, name, fn)
    if not x.is_floating_point():
        fail(TypeError, fn, name, "a floating-point tensor", f"dtype {x.dtype}")


def check_same_shape(a: torch.Tensor, a_name: str, b: torch.Tensor, b_name: str, fn: str) -> None:
    """``b`` must have exactly the shape of ``a``: no silent broadcasting.

    PyTorch's regression losses broadcast (N, 1) against (N,) into (N, N) with
    only a warning; that is almost always a bug, so lossbook refuses it.
    """
    if a.shape != b.shape:
        hint = ""
        if a.dim() == b.dim() + 1 and a.shape[-1] == 1 or b.dim() == a.dim() + 1 and b.shape[-1] == 1:
            hint = " (squeeze the trailing dimension of size 1; broadcasting would compare every pair)"
        fail(ValueError, fn, b_name, f"a tensor of the same shape as `{a_name}` {tuple(a.shape)}",
             f"{tuple(b.shape)}{hint}")


def check_same_device(fn: str, **tensors: Optional[torch.Tensor]) -> None:
    """All tensors given (``None`` is skipped) must live on one device."""
    items = [(n, t) for n, t in tensors.items() if isinstance(t, torch.Tensor)]
    if not items:
        return
    first_name, first = items[0]
    for name, t in items[1:]:
        if t.device != first.device:
            fail(ValueError, fn, name, f"on the same device as `{first_name}` ({first.device})",
                 f"device {t.device}")


def check_same_dtype(fn: str, **tensors: Optional[torch.Tensor]) -> None:
    """All floating tensors given (``None`` is skipped) must share one dtype."""
    items = [(n, t) for n, t in tensors.items() if isinstance(t, torch.Tensor)]
    if not items:
        return
    first_name, first = items[0]
    for name, t in items[1:]:
        if t.dtype != first.dtype:
            fail(TypeError, fn, name, f"of the same dtype as `{first_name}` ({first.dtype})",
                 f"dtype {t.dtype}")


def check_pair(input: object, target: object, fn: str, *, same_shape: bool = True,
               input_name: str = "input", target_name: str = "target") -> None:
    """The common case: two floating tensors, same dtype, same device, same shape."""
    check_floating(input, input_name, fn)
    check_floating(target, target_name, fn)
    check_same_device(fn, **{input_name: input, target_name: target})
    check_same_dtype(fn, **{input_name: input, target_name: target})
    if same_shape:
        check_same_shape(input, input_name, target, target_name, fn)


def check_values_in(x: torch.Tensor, name: str, fn: str, low: float, high: float) -> None:
    """Every element of ``x`` must lie in the closed interval [low, high] (NaN fails)."""
    if x.numel() == 0:
        return
    with torch.no_grad():
        ok = bool(((x >= low) & (x <= high)).all())
    if not ok:
        with torch.no_grad():
            lo, hi = x.min().item(), x.max().item()
        fail(ValueError, fn, name, f"in [{low}, {high}]", f"values from {lo:.4g} to {hi:.4g}")


def check_scalar(value: object, name: str, fn: str, *, low: Optional[float] = None,
                 high: Optional[float] = None, low_open: bool = False, high_open: bool = False) -> None:
    """A Python number in a given interval; open or closed at each end."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        fail(TypeError, fn, name, "a Python number", type(value).__name__)
    left = "(" if low_open else "["
    right = ")" if high_open else "]"
    interval = f"in {left}{'-inf' if low is None else low}, {'inf' if high is None else high}{right}"
    if value != value:  # NaN
        fail(ValueError, fn, name, interval, value)
    if low is not None and (value < low or (low_open and value == low)):
        fail(ValueError, fn, name, interval, value)
    if high is not None and (value > high or (high_open and value == high)):
        fail(ValueError, fn, name, interval, value)


def check_class_indices(target: object, name: str, fn: str, num_classes: int,
                        ignore_index: Optional[int] = None) -> None:
    """Integer class indices in [0, num_classes), except entries equal to ``ignore_index``."""
    check_tensor(target, name, fn)
    if target.is_floating_point() or target.dtype == torch.bool or target.is_complex():
        fail(TypeError, fn, name, "an integer (torch.long) tensor of class indices",
             f"dtype {target.dtype}")
    if target.numel() == 0:
        return
    with torch.no_grad():
        valid = target if ignore_index is None else target[target != ignore_index]
        if valid.numel() and bool(((valid < 0) | (valid >= num_classes)).any()):
            fail(ValueError, fn, name, f"class indices in [0, {num_classes - 1}]"
                 + ("" if ignore_index is None else f" or ignore_index={ignore_index}"),
                 f"values from {valid.min().item()} to {valid.max().item()}")


def check_non_negative(x: torch.Tensor, name: str, fn: str) -> None:
    """Every element of ``x`` finite and >= 0 (weights, class weights)."""
    if x.numel() == 0:
        return
    with torch.no_grad():
        ok = bool((torch.isfinite(x) & (x >= 0)).all())
    if not ok:
        with torch.no_grad():
            lo, hi = x.min().item(), x.max().item()
        fail(ValueError, fn, name, "finite and >= 0 everywhere", f"values from {lo:.4g} to {hi:.4g}")


def check_class_weight(weight: Optional[torch.Tensor], input: torch.Tensor, num_classes: int,
                       fn: str) -> None:
    """``weight`` is None, or one finite, non-negative weight per class: shape (C,), on the
    device and of the dtype of ``input``."""
    if weight is None:
        return
    check_floating(weight, "weight", fn)
    check_same_device(fn, input=input, weight=weight)
    check_same_dtype(fn, input=input, weight=weight)
    if weight.shape != (num_classes,):
        fail(ValueError, fn, "weight", f"a tensor of shape (C,) = ({num_classes},), one weight per class",
             f"shape {tuple(weight.shape)}")
    check_non_negative(weight, "weight", fn)
