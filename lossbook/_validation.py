"""Every input check of lossbook, and the switch that turns the costly ones off.

Each kind of check is written once, here, and every message has one shape::

    <function>: `<argument>` must be <what was expected>, got <what arrived>

A wrong value or shape raises ``ValueError``, a wrong type or dtype ``TypeError``. Nothing
here broadcasts, converts or repairs an input.

Two families of checks:

* **structural** checks (types, dtypes, devices, shapes, Python arguments) read only metadata.
  They cost a few hundred nanoseconds, never synchronise with a GPU and never break a
  ``torch.compile`` graph, so they are always on;
* **value** checks (probabilities in [0, 1], class indices in range, labels that are 0 or 1,
  non-negative weights ...) read the tensors' values. On a GPU each is a synchronisation, and
  under ``torch.compile`` a graph break. They are on by default, so the book's clear errors
  stay, and off with :func:`set_validation` or the :class:`validation` context manager, the
  way ``torch.distributions.Distribution.set_default_validate_args`` works::

      lb.set_validation(False)          # for the rest of the program
      with lb.validation(False):        # for a block
          loss = lb.cross_entropy(logits, target)

With validation off, no lossbook loss reads a tensor's value on the host: nothing
synchronises, and every loss of the catalog compiles with ``torch.compile(fullgraph=True)``.
Invalid values then give what the formula gives (often NaN, a wrong number, or an
index error from a kernel), as in PyTorch.
"""
from __future__ import annotations

import math
from typing import Iterable, Optional, Sequence, Tuple

import torch

__all__ = ["set_validation", "is_validation_enabled", "validation"]

REDUCTIONS = ("none", "mean", "sum")

_enabled = True


# --------------------------------------------------------------------------- the switch

def set_validation(enabled: bool) -> None:
    """Turn lossbook's value checks on (the default) or off, for the whole program.

    Structural checks (types, dtypes, devices, shapes, Python arguments) stay on either way.
    """
    global _enabled
    if not isinstance(enabled, bool):
        fail(TypeError, "set_validation", "enabled", "a bool", type(enabled).__name__)
    _enabled = enabled


def is_validation_enabled() -> bool:
    """Whether lossbook's value checks are on."""
    return _enabled


class validation:
    """Context manager (and decorator) that sets the value checks on or off for a block and
    restores the previous setting afterwards::

        with lb.validation(False):
            compiled = torch.compile(lb.cross_entropy, fullgraph=True)
            loss = compiled(logits, target)
    """

    def __init__(self, enabled: bool) -> None:
        if not isinstance(enabled, bool):
            fail(TypeError, "validation", "enabled", "a bool", type(enabled).__name__)
        self.enabled = enabled
        self._previous: list = []

    def __enter__(self) -> "validation":
        self._previous.append(_enabled)
        set_validation(self.enabled)
        return self

    def __exit__(self, *exc) -> None:
        set_validation(self._previous.pop())

    def __call__(self, func):
        import functools

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with validation(self.enabled):
                return func(*args, **kwargs)
        return wrapper


# --------------------------------------------------------------------------- the message

def fail(exc: type, fn: str, name: str, expected: str, got: object) -> None:
    """Raise ``exc`` with the house message: function, argument, expected, got."""
    raise exc(f"{fn}: `{name}` must be {expected}, got {got}")


def _interval(low: Optional[float], high: Optional[float], low_open: bool, high_open: bool) -> str:
    low_s = "-inf" if low is None else f"{low:g}"  # 0 and 1, not 0.0 and 1.0
    high_s = "inf" if high is None else f"{high:g}"
    return f"{'(' if low_open else '['}{low_s}, {high_s}{')' if high_open else ']'}"


# --------------------------------------------------------------------------- Python arguments

def check_reduction(reduction: object, fn: str, allowed: Iterable[str] = REDUCTIONS) -> None:
    """``reduction`` must be one of ``allowed`` (by default 'none', 'mean', 'sum')."""
    check_choice(reduction, "reduction", fn, tuple(allowed))


def check_choice(value: object, name: str, fn: str, choices: Sequence[str]) -> None:
    """A string among ``choices``."""
    if not isinstance(value, str) or value not in choices:
        fail(ValueError, fn, name, f"one of {tuple(choices)}", repr(value))


def check_scalar(value: object, name: str, fn: str, *, low: Optional[float] = None,
                 high: Optional[float] = None, low_open: bool = False, high_open: bool = False) -> None:
    """A Python number in an interval, open or closed at each end (NaN never is)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        fail(TypeError, fn, name, "a Python number", type(value).__name__)
    interval = f"in {_interval(low, high, low_open, high_open)}"
    if value != value:  # NaN
        fail(ValueError, fn, name, interval, value)
    if low is not None and (value < low or (low_open and value == low)):
        fail(ValueError, fn, name, interval, value)
    if high is not None and (value > high or (high_open and value == high)):
        fail(ValueError, fn, name, interval, value)


def check_flag(value: object, name: str, fn: str) -> None:
    """A Python bool (not 0 or 1)."""
    if not isinstance(value, bool):
        fail(TypeError, fn, name, "a bool", type(value).__name__)


def check_int(value: object, name: str, fn: str, *, low: Optional[int] = None,
              allow_none: bool = False) -> None:
    """A Python int (not a bool), at least ``low`` if given; or None if ``allow_none``."""
    if allow_none and value is None:
        return
    expected = ("None or " if allow_none else "") + ("an int" if low is None else f"an int >= {low}")
    if isinstance(value, bool) or not isinstance(value, int):
        fail(TypeError, fn, name, expected, type(value).__name__)
    if low is not None and value < low:
        fail(ValueError, fn, name, expected, value)


# --------------------------------------------------------------------------- tensors: structure

def check_tensor(x: object, name: str, fn: str) -> None:
    """``x`` must be a ``torch.Tensor``."""
    if not isinstance(x, torch.Tensor):
        fail(TypeError, fn, name, "a torch.Tensor", type(x).__name__)


def check_floating(x: object, name: str, fn: str, *, expected: str = "a floating-point tensor") -> None:
    """``x`` must be a floating-point tensor (float16, bfloat16, float32, float64); ``expected``
    may say more about what it should hold."""
    check_tensor(x, name, fn)
    if not x.is_floating_point():
        fail(TypeError, fn, name, expected, f"dtype {x.dtype}")


def check_integer(x: object, name: str, fn: str, what: str = "class indices") -> None:
    """``x`` must be an integer tensor (``torch.long`` or another integer dtype; not bool)."""
    check_tensor(x, name, fn)
    if x.is_floating_point() or x.is_complex() or x.dtype == torch.bool:
        fail(TypeError, fn, name, f"an integer (torch.long) tensor of {what}", f"dtype {x.dtype}")


def check_real(x: object, name: str, fn: str, what: str, *, allow_bool: bool = False) -> None:
    """``x`` must be an integer or floating tensor (not complex; not bool unless ``allow_bool``)."""
    check_tensor(x, name, fn)
    if x.is_complex() or (x.dtype == torch.bool and not allow_bool):
        fail(TypeError, fn, name, f"a real tensor of {what}", f"dtype {x.dtype}")


def as_tensor(value: object, name: str, fn: str, what: str) -> torch.Tensor:
    """``value`` as a tensor: a tensor as it is, a sequence of numbers converted."""
    if isinstance(value, torch.Tensor):
        return value
    try:
        return torch.as_tensor(value)
    except (TypeError, ValueError, RuntimeError):
        fail(TypeError, fn, name, f"a tensor or sequence of {what}", type(value).__name__)


def check_mask(x: object, name: str, fn: str) -> None:
    """``x`` must be a boolean tensor."""
    check_tensor(x, name, fn)
    if x.dtype != torch.bool:
        fail(TypeError, fn, name, "a boolean tensor (True for real items)", f"dtype {x.dtype}")


def check_same_dtype(fn: str, **tensors: Optional[torch.Tensor]) -> None:
    """All tensors given (``None`` is skipped) share one dtype. Only where PyTorch requires it
    (``binary_cross_entropy``, class weights); elsewhere mixed dtypes promote, as in PyTorch."""
    items = [(n, t) for n, t in tensors.items() if isinstance(t, torch.Tensor)]
    for name, t in items[1:]:
        if t.dtype != items[0][1].dtype:
            fail(TypeError, fn, name, f"of the same dtype as `{items[0][0]}` ({items[0][1].dtype})",
                 f"dtype {t.dtype}")


def check_same_device(fn: str, **tensors: Optional[torch.Tensor]) -> None:
    """All tensors given (``None`` is skipped) live on one device."""
    items = [(n, t) for n, t in tensors.items() if isinstance(t, torch.Tensor)]
    for name, t in items[1:]:
        if t.device != items[0][1].device:
            fail(ValueError, fn, name, f"on the same device as `{items[0][0]}` ({items[0][1].device})",
                 f"device {t.device}")


def check_same_shape(a: torch.Tensor, a_name: str, b: torch.Tensor, b_name: str, fn: str) -> None:
    """``b`` must have exactly the shape of ``a``: no silent broadcasting.

    PyTorch's regression losses broadcast (N, 1) against (N,) into (N, N) with only a warning;
    that is almost always a bug, so lossbook refuses it.
    """
    if a.shape != b.shape:
        hint = ""
        if a.dim() == b.dim() + 1 and a.shape[-1] == 1 or b.dim() == a.dim() + 1 and b.shape[-1] == 1:
            hint = " (squeeze the trailing dimension of size 1; broadcasting would compare every pair)"
        fail(ValueError, fn, b_name, f"a tensor of the same shape as `{a_name}` {tuple(a.shape)}",
             f"{tuple(b.shape)}{hint}")


def check_shape(x: torch.Tensor, name: str, fn: str, expected: Tuple[int, ...], what: str) -> None:
    """``x`` has exactly the shape ``expected``; ``what`` says why (e.g. "one per embedding")."""
    if tuple(x.shape) != tuple(expected):
        fail(ValueError, fn, name, f"of shape {tuple(expected)}, {what}", f"shape {tuple(x.shape)}")


def check_dims(x: torch.Tensor, name: str, fn: str, dims: Tuple[int, ...], shapes: str) -> None:
    """``x`` has one of the numbers of dimensions ``dims``; ``shapes`` names them ("(N, D) or (D,)")."""
    if x.dim() not in dims:
        fail(ValueError, fn, name, f"a tensor of shape {shapes}", f"shape {tuple(x.shape)}")


def check_min_dims(x: torch.Tensor, name: str, fn: str, min_dims: int, shapes: str) -> None:
    """``x`` has at least ``min_dims`` dimensions; ``shapes`` names them ("(N, C, ...)")."""
    if x.dim() < min_dims:
        fail(ValueError, fn, name, f"a tensor of shape {shapes}", f"shape {tuple(x.shape)}")


def check_not_empty(x: torch.Tensor, name: str, fn: str, expected: str, dim: int = 0) -> None:
    """``x`` has at least one entry along ``dim``; ``expected`` says what it should hold."""
    if x.dim() <= dim or x.shape[dim] == 0:
        fail(ValueError, fn, name, expected, f"shape {tuple(x.shape)}")


def check_broadcastable(w: torch.Tensor, name: str, like: torch.Tensor, like_name: str, fn: str) -> None:
    """``w`` broadcasts to ``like``'s shape without enlarging it."""
    try:
        ok = torch.broadcast_shapes(w.shape, like.shape) == like.shape
    except RuntimeError:
        ok = False
    if not ok:
        fail(ValueError, fn, name, f"broadcastable to the shape of `{like_name}` {tuple(like.shape)}",
             f"shape {tuple(w.shape)}")


def check_pair(input: object, target: object, fn: str, *, same_shape: bool = True,
               input_name: str = "input", target_name: str = "target") -> None:
    """The common case: two floating tensors on one device, of one shape (dtypes may differ:
    they promote, as in PyTorch)."""
    check_floating(input, input_name, fn)
    check_floating(target, target_name, fn)
    check_same_device(fn, **{input_name: input, target_name: target})
    if same_shape:
        check_same_shape(input, input_name, target, target_name, fn)


def check_weight(w: Optional[torch.Tensor], name: str, like: torch.Tensor, fn: str, *,
                 same_shape: bool = False, same_dtype: bool = False) -> None:
    """An optional weight tensor: floating, on ``like``'s device, of its shape (``same_shape``)
    or broadcastable to it, of its dtype if ``same_dtype``, and (a value check) finite and >= 0."""
    if w is None:
        return
    check_floating(w, name, fn)
    check_same_device(fn, input=like, **{name: w})
    if same_dtype:
        check_same_dtype(fn, input=like, **{name: w})
    if same_shape:
        check_same_shape(like, "input", w, name, fn)
    else:
        check_broadcastable(w, name, like, "input", fn)
    check_values_in(w, name, fn, 0.0, math.inf, high_open=True, what="finite and >= 0 everywhere")


def check_variance(var: object, input: torch.Tensor, fn: str) -> None:
    """A Gaussian variance tensor: floating, on ``input``'s device, of a shape PyTorch accepts
    (``input``'s; ``input``'s without its last dimension; or ``input``'s with one dimension of
    size 1), and (a value check) finite and >= 0."""
    check_floating(var, "var", fn)
    check_same_device(fn, input=input, var=var)
    shape, ishape = tuple(var.shape), tuple(input.shape)
    ok = shape == ishape or (input.dim() >= 1 and shape == ishape[:-1])
    if not ok and var.dim() == input.dim():
        differ = [d for d in range(input.dim()) if shape[d] != ishape[d]]
        ok = len(differ) == 1 and shape[differ[0]] == 1
    if not ok:
        fail(ValueError, fn, "var", f"of shape {ishape}, {ishape[:-1]}, or {ishape} with one "
             "dimension of size 1", f"shape {shape}")
    check_values_in(var, "var", fn, 0.0, math.inf, high_open=True)


def class_dim(input: torch.Tensor) -> int:
    """The class dimension of logits: 1, or 0 for one unbatched sample of shape (C,)."""
    return 0 if input.dim() == 1 else 1


def check_class_input(input: object, fn: str, *, min_classes: int = 1, name: str = "input") -> int:
    """Floating logits or log-probabilities of shape (C,), (N, C) or (N, C, d1, ...) with at
    least ``min_classes`` classes; returns C."""
    check_floating(input, name, fn)
    if input.dim() == 0:
        fail(ValueError, fn, name, "a tensor of shape (C,), (N, C) or (N, C, d1, ...)", "a scalar")
    num_classes = input.shape[class_dim(input)]
    if num_classes < min_classes:
        fail(ValueError, fn, name, f"scores for at least {min_classes} class{'es' if min_classes > 1 else ''} "
             "along dimension 1 (0 when unbatched)", f"shape {tuple(input.shape)}")
    return num_classes


def check_class_target(input: torch.Tensor, target: object, fn: str, *,
                       ignore_index: Optional[int] = None) -> None:
    """Integer class indices of ``input``'s shape without its class dimension, on its device;
    and (a value check) in [0, C) or equal to ``ignore_index``."""
    check_integer(target, "target", fn)
    check_same_device(fn, input=input, target=target)
    expected = () if input.dim() == 1 else (input.shape[0], *input.shape[2:])
    if tuple(target.shape) != expected:
        fail(ValueError, fn, "target", f"class indices of shape {expected} for input of shape "
             f"{tuple(input.shape)} (input's shape without the class dimension)",
             f"shape {tuple(target.shape)}")
    check_class_indices(target, "target", fn, input.shape[class_dim(input)], ignore_index)


def check_class_weight(weight: Optional[torch.Tensor], input: torch.Tensor, num_classes: int,
                       fn: str) -> None:
    """``weight`` is None, or one finite, non-negative weight per class: shape (C,), on the
    device and of the dtype of ``input`` (PyTorch requires the dtype too)."""
    if weight is None:
        return
    check_floating(weight, "weight", fn)
    check_same_device(fn, input=input, weight=weight)
    check_same_dtype(fn, input=input, weight=weight)
    check_shape(weight, "weight", fn, (num_classes,), "one weight per class")
    check_values_in(weight, "weight", fn, 0.0, math.inf, high_open=True, what="finite and >= 0 everywhere")


def check_embeddings(embeddings: object, name: str, fn: str) -> None:
    """A floating (B, D) tensor of embeddings."""
    check_floating(embeddings, name, fn)
    check_dims(embeddings, name, fn, (2,), "(B, D)")


def check_index_tuple(indices: object, embeddings: torch.Tensor, fn: str,
                      names: Tuple[str, ...] = ("anchors", "positives", "negatives")) -> None:
    """A tuple of 1-D integer index tensors of one length, on ``embeddings``' device: what a
    miner returns."""
    if not isinstance(indices, (tuple, list)):
        fail(TypeError, fn, "indices", f"a tuple ({', '.join(names)}) of index tensors", type(indices).__name__)
    if len(indices) != len(names):
        fail(TypeError, fn, "indices", f"a tuple ({', '.join(names)}) of index tensors", f"{len(indices)} items")
    for name, index in zip(names, indices):
        label = f"indices ({name})"
        check_integer(index, label, fn, "indices into the batch")
        check_same_device(fn, embeddings=embeddings, **{label: index})
        check_shape(index, label, fn, tuple(indices[0].shape[:1]), f"1-D, as long as `indices ({names[0]})`")


def check_labels(embeddings: object, labels: object, fn: str) -> None:
    """``embeddings`` (B, D) floating; ``labels`` (B,) integer class ids on the same device."""
    check_embeddings(embeddings, "embeddings", fn)
    check_integer(labels, "labels", fn, "class ids")
    check_same_device(fn, embeddings=embeddings, labels=labels)
    check_shape(labels, "labels", fn, tuple(embeddings.shape[:1]), "one per embedding")


# --------------------------------------------------------------------------- tensors: values

def check_values_in(x: torch.Tensor, name: str, fn: str, low: float, high: float, *,
                    low_open: bool = False, high_open: bool = False, what: str = "") -> None:
    """(Value check.) Every element of ``x`` in the interval from ``low`` to ``high``, closed
    unless ``low_open`` / ``high_open`` (so ``[0, inf)`` refuses inf, ``[-inf, 0]`` accepts
    -inf); NaN never is. The message says "in <interval>", or ``what`` instead when given
    ("log-probabilities (<= 0 everywhere; ...)"), and the extreme value(s) it found."""
    if not _enabled or x.numel() == 0:
        return
    # One reduction and one read of its result (the check's only synchronisation); NaN
    # propagates through min and max and fails every comparison.
    flat = x.detach().reshape(-1)
    if low == -math.inf and not low_open:
        hi = flat.max().item()
        ok, got = (hi < high if high_open else hi <= high), f"maximum {hi:.4g}"
    elif high == math.inf and not high_open:
        lo = flat.min().item()
        ok, got = (lo > low if low_open else lo >= low), f"minimum {lo:.4g}"
    else:
        lo, hi = (v.item() for v in torch.aminmax(flat))
        ok = (lo > low if low_open else lo >= low) and (hi < high if high_open else hi <= high)
        got = f"values from {lo:.4g} to {hi:.4g}"
    if not ok:
        fail(ValueError, fn, name, what or f"in {_interval(low, high, low_open, high_open)}", got)


def check_values_among(x: torch.Tensor, name: str, fn: str, allowed: Tuple[float, float], *,
                       what: str = "") -> None:
    """(Value check.) Every element of ``x`` equal to one of the two values ``allowed``
    (hard 0/1 labels, +-1 targets, 1/0 pair labels)."""
    if not _enabled or x.numel() == 0:
        return
    # (x - a)(x - b) is 0 exactly where x is a or b, and min = max = 0 says it is 0 everywhere:
    # arithmetic and one min-max pass, several times cheaper than comparisons on the CPU
    v = x.detach() if x.is_floating_point() else x.detach().long()  # no unsigned wrap-around
    lo, hi = (m.item() for m in torch.aminmax(((v - allowed[0]) * (v - allowed[1])).reshape(-1)))
    if not (lo == 0 and hi == 0):
        with torch.no_grad():
            bad = (x != allowed[0]) & (x != allowed[1])
        first = x[bad].reshape(-1)[0].item()
        expected = f"{allowed[0]} or {allowed[1]} everywhere" + (f" ({what})" if what else "")
        fail(ValueError, fn, name, expected,
             f"{int(bad.sum())} of {x.numel()} values that are not, the first {first:.4g}")


def check_class_indices(target: torch.Tensor, name: str, fn: str, num_classes: int,
                        ignore_index: Optional[int] = None) -> None:
    """(Value check.) Every index in [0, num_classes), or equal to ``ignore_index``."""
    if not _enabled or target.numel() == 0:
        return
    lo, hi = (v.item() for v in torch.aminmax(target.detach().reshape(-1)))
    if lo >= 0 and hi < num_classes:  # the common case: one reduction, one read
        return
    with torch.no_grad():
        bad = (target < 0) | (target >= num_classes)
        if ignore_index is not None:
            bad &= target != ignore_index
        if bool(bad.any()):  # some are out of range, and not all of those are ignore_index
            fail(ValueError, fn, name, f"class indices in [0, {num_classes - 1}]"
                 + ("" if ignore_index is None else f" or ignore_index={ignore_index}"),
                 f"{int(bad.sum())} out of range, the first {target[bad].reshape(-1)[0].item()}")


def check_at_least_one(x: torch.Tensor, name: str, fn: str, expected: str, dim: int = 0) -> None:
    """(Value check.) Every slice of the boolean ``x`` along ``dim`` holds at least one True."""
    if not _enabled:
        return
    with torch.no_grad():
        missing = ~x.any(dim=dim)
        if bool(missing.any()):
            fail(ValueError, fn, name, expected, f"{int(missing.sum())} column(s) without one")
