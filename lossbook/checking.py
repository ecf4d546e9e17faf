"""Check a loss the way lossbook checks its own: one call, one readable report.

:func:`check_loss` runs a loss (yours, or one of lossbook's) through the battery every loss in
the book passes, in float64:

=====================================  =====================================================
check                                  what it catches
=====================================  =====================================================
gradients reach the inputs             ``.item()``, NumPy or ``torch.tensor(x)`` inside the
                                       loss: a gradient that is ``None``, NaN or all zero
values match the reference             a wrong formula, a wrong default, a missing term
gradients match the reference          a wrong hand-written backward, a detached term, a
                                       backward that ignores its ``grad_output``
finite on extreme inputs               ``log(sigmoid(x))``, ``log(p)`` at p = 0, ``sqrt`` at 0
matches the reference on extremes      a different clamp or sub-gradient at the edges
gradcheck (float64)                    a backward that disagrees with finite differences
reductions consistent                  'sum' != 'none'.sum(), 'mean' != 'none'.mean()
batch-permutation invariant            a loss that depends on the order of the examples
=====================================  =====================================================

Describe the inputs with one *kind* per positional argument; the checker draws them (on the
CPU, from a seeded generator), in random and extreme versions::

    report = check_loss(my_mse, F.mse_loss, inputs=("real", "target"))
    print(report)              # a table: check, status, detail
    report.raise_if_failed()   # in a test

Kinds (``*`` = differentiated by default; wrap a kind in :class:`Arg` to change its shape,
whether it needs a gradient, or the magnitude of its "large" case):

============  ===================================  ==========================================
kind          random draw                          large / zeros / ties
============  ===================================  ==========================================
real*         standard normal                      x large / 0 / one draw shared by every
                                                   real and target of the same shape
target        standard normal                      x large / unchanged / as for real
logits*       normal x 3                           x large / 0 / constant along dim 1
probs*        uniform in (0.05, 0.95)              rounded to 0 or 1 / 0 / 0.5
log_probs*    log_softmax of normal along dim 1    of normal x large / uniform / uniform
positive*     uniform in (0.5, 2)                  x large / 0 / 1
binary        0.0 or 1.0                           unchanged
sign          -1.0 or 1.0                          unchanged
counts        Poisson(3) as floats                 x large / unchanged / unchanged
dist          softmax of normal along dim 1        one-hot / unchanged / unchanged
classes       long indices in [0, shape[1])        unchanged; shape is ``shape`` without dim 1
============  ===================================  ==========================================

"large" is ``Arg.large``, 1e4 unless set (``Arg("real", large=30.0)`` for a log-rate that is
exponentiated). Dim 1 is the class dimension (dim 0 for 1-d shapes), as in PyTorch.

For inputs no kind describes, pass ``inputs=make_inputs``, a function ``(generator, dtype)``
returning the tuple of positional arguments, with ``requires_grad`` set on those to
differentiate; the extreme-input checks are then skipped. Used in chapters/custom-losses.
"""
from __future__ import annotations

import inspect
import warnings
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence, Tuple, Union

import torch

__all__ = ["check_loss", "LossCheckReport", "CheckResult", "Arg", "KINDS", "draw_inputs"]

KINDS = ("real", "target", "logits", "probs", "log_probs", "positive",
         "binary", "sign", "counts", "dist", "classes")
_DIFFERENTIABLE = {"real", "logits", "probs", "log_probs", "positive"}
CASES = ("large", "zeros", "ties")


@dataclass(frozen=True)
class Arg:
    """One positional argument: its kind, and optionally its shape (default: ``check_loss``'s
    ``shape``), whether it is differentiated (default: by kind) and its "large" magnitude."""

    kind: str
    shape: Optional[Tuple[int, ...]] = None
    grad: Optional[bool] = None
    large: float = 1e4

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Arg: `kind` must be one of {KINDS}, got {self.kind!r}")


@dataclass(frozen=True)
class CheckResult:
    check: str
    status: str  # "pass", "FAIL" or "skip"
    detail: str = ""


@dataclass(repr=False)
class LossCheckReport:
    """What :func:`check_loss` found: one :class:`CheckResult` per check."""

    name: str
    results: List[CheckResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.status != "FAIL" for r in self.results)

    @property
    def failures(self) -> List[CheckResult]:
        return [r for r in self.results if r.status == "FAIL"]

    def raise_if_failed(self) -> None:
        """Raise ``AssertionError`` listing every failed check (for tests)."""
        if not self.ok:
            lines = "\n".join(f"  - {r.check}: {r.detail}" for r in self.failures)
            raise AssertionError(f"check_loss({self.name}): {len(self.failures)} check(s) failed\n{lines}")

    def __str__(self) -> str:
        width = max(len(r.check) for r in self.results) if self.results else 5
        head = f"check_loss({self.name}): {'all checks pass' if self.ok else f'{len(self.failures)} FAILED'}"
        return "\n".join([head] + [f"  {r.check:<{width}}  {r.status:<4}  {r.detail}".rstrip()
                                   for r in self.results])

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        rows = [f"**check_loss({self.name})**: {'all checks pass' if self.ok else 'FAILED'}", "",
                "| check | status | detail |", "|---|---|---|"]
        rows += [f"| {r.check} | {r.status} | {r.detail.replace('|', chr(92) + '|')} |" for r in self.results]
        return "\n".join(rows)


# --------------------------------------------------------------------------- drawing inputs

def _class_dim(shape) -> int:
    return 1 if len(shape) > 1 else 0


def _draw(arg: Arg, shape, case: str, g: torch.Generator, dtype, tie) -> torch.Tensor:
    kind = arg.kind
    if kind == "classes":
        return torch.randint(0, shape[_class_dim(shape)], shape[:1] + shape[2:] if len(shape) > 1 else (),
                             generator=g)
    n = torch.randn(shape, generator=g, dtype=dtype)
    u = torch.rand(shape, generator=g, dtype=dtype)
    d = _class_dim(shape)
    if kind in ("real", "target"):
        return {"large": n * arg.large, "zeros": n * 0 if kind == "real" else n, "ties": tie}.get(case, n)
    if kind == "logits":
        const = n.narrow(d, 0, 1).expand(shape).clone() if shape else n
        return {"large": n * arg.large, "zeros": n * 0, "ties": const}.get(case, 3 * n)
    if kind == "probs":
        return {"large": u.round(), "zeros": u * 0, "ties": u * 0 + 0.5}.get(case, 0.05 + 0.9 * u)
    if kind == "log_probs":
        scale = {"large": arg.large, "zeros": 0.0, "ties": 0.0}.get(case, 1.0)
        return torch.log_softmax(n * scale, dim=d)
    if kind == "positive":
        return {"large": (0.5 + 1.5 * u) * arg.large, "zeros": u * 0, "ties": u * 0 + 1}.get(case, 0.5 + 1.5 * u)
    if kind == "binary":
        return (u < 0.5).to(dtype)
    if kind == "sign":
        return (u < 0.5).to(dtype) * 2 - 1
    if kind == "counts":
        rate = torch.full(shape, 3.0, dtype=dtype)
        c = torch.poisson(rate, generator=g)
        return c * arg.large if case == "large" else c
    # dist
    p = torch.softmax(n, dim=d)
    return torch.nn.functional.one_hot(p.argmax(d), shape[d]).movedim(-1, d).to(dtype) if case == "large" else p


def _make_args(specs, shape, case, g, dtype, device):
    specs = [s if isinstance(s, Arg) else Arg(s) for s in specs]
    tie = None
    args = []
    for s in specs:
        s_shape = tuple(s.shape) if s.shape is not None else tuple(shape)
        if tie is None or tie.shape != s_shape:
            tie = torch.randn(s_shape, generator=g, dtype=dtype)
        x = _draw(s, s_shape, case, g, dtype, tie).to(device).clone()
        grad = s.kind in _DIFFERENTIABLE if s.grad is None else s.grad
        args.append(x.requires_grad_(grad) if x.is_floating_point() else x)
    return args


def draw_inputs(inputs: Sequence[Union[str, Arg]], shape: Sequence[int] = (6, 4), *,
                case: str = "random", seed: int = 0, dtype: torch.dtype = torch.float64,
                device=None) -> list:
    """The arguments :func:`check_loss` would draw: one tensor per kind (see the module
    docstring), for ``case`` "random", "large", "zeros" or "ties"; drawn on the CPU, then moved."""
    if case not in ("random",) + CASES:
        raise ValueError(f"draw_inputs: `case` must be one of {('random',) + CASES}, got {case!r}")
    g = torch.Generator().manual_seed(seed)
    return _make_args(inputs, tuple(shape), case, g, dtype, torch.device(device or "cpu"))


# --------------------------------------------------------------------------- running a loss

def _fresh(args):
    return [a.detach().clone().requires_grad_(a.requires_grad) for a in args]


def _weights(value: torch.Tensor) -> torch.Tensor:
    """Upstream gradients that are not all 1 (0.5 to about 1.5, or 0.75 for a scalar), so that a
    backward that ignores its ``grad_output`` gives a wrong gradient instead of a lucky one."""
    n = value.numel()
    return (0.5 + torch.arange(n, dtype=value.dtype, device=value.device) / max(n - 1, 1)
            if n > 1 else torch.full((n,), 0.75, dtype=value.dtype, device=value.device)).reshape(value.shape)


def _run(fn, args, kwargs):
    """(value, gradients of (weights * value).sum() with respect to the args that require grad)."""
    args = _fresh(args)
    value = fn(*args, **kwargs)
    wanted = [a for a in args if a.requires_grad]
    if not wanted or not (isinstance(value, torch.Tensor) and value.requires_grad):
        return value, [None] * len(wanted)
    grads = torch.autograd.grad(value, wanted, grad_outputs=_weights(value), allow_unused=True)
    return value.detach(), list(grads)


def _differ(a, b) -> Optional[str]:
    """None if a and b agree to float64 precision, else a short description."""
    if a is None or b is None:
        return None if a is None and b is None else f"one is None ({'ours' if a is None else 'reference'})"
    if not isinstance(a, torch.Tensor) or not isinstance(b, torch.Tensor):
        return f"not a tensor: {type(a).__name__} vs {type(b).__name__}"
    try:
        torch.testing.assert_close(a, b, equal_nan=True, check_dtype=False)
        return None
    except AssertionError:
        if a.shape != b.shape:
            return f"shape {tuple(a.shape)} vs {tuple(b.shape)}"
        fa, fb = torch.isfinite(a), torch.isfinite(b)
        if (fa != fb).any():
            ours = bool((~fa & fb).any())
            bad = (a[~fa & fb] if ours else b[fa & ~fb]).flatten()[0].item()
            return f"{bad} in {'ours' if ours else 'the reference'} where {'the reference' if ours else 'ours'} is finite"
        diff = (a.double() - b.double()).abs().nan_to_num(nan=float("inf"))
        return f"max abs diff {diff.max().item():.2e}"


def _reductions(fn, kwargs, reductions):
    if reductions is not None:
        return tuple(reductions)
    try:
        takes = "reduction" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        takes = False
    return ("none", "mean", "sum") if takes and "reduction" not in kwargs else ()


# --------------------------------------------------------------------------- the checks

@dataclass
class _Setup:
    loss_fn: Callable
    reference: Optional[Callable]
    kwargs: dict
    variants: List[dict]      # kwargs with each reduction to test
    reductions: Tuple[str, ...]
    randoms: list             # [("random", args), ...]
    extremes: list            # [("large", args), ("zeros", args), ("ties", args)] or []
    generator: torch.Generator


def _gradients_flow(s: _Setup) -> str:
    for _, args in s.randoms:
        _, grads = _run(s.loss_fn, args, s.kwargs)
        for i, gr in zip([i for i, a in enumerate(args) if a.requires_grad], grads):
            if gr is None:
                return f"FAIL: no gradient reaches argument {i}"
            if not torch.isfinite(gr).all():
                return f"FAIL: non-finite gradient for argument {i}"
            if not gr.any():
                return f"FAIL: the gradient of argument {i} is all zero"
    return ""


def _compare(s: _Setup, draws, what: str) -> str:
    """Values, gradients or both, of loss_fn against the reference, for every reduction."""
    for case, args in draws:
        for kw in s.variants:
            ours, theirs = _run(s.loss_fn, args, kw), _run(s.reference, args, kw)
            pairs = []
            if what in ("values", "both"):
                pairs.append(("value", ours[0], theirs[0]))
            if what in ("gradients", "both"):
                pairs += [("gradient", a, b) for a, b in zip(ours[1], theirs[1])]
            for label, a, b in pairs:
                why = _differ(a, b)
                if why:
                    options = "".join(f", {k}={v!r}" for k, v in kw.items())
                    return f"FAIL: {label} differs ({case} inputs{options}): {why}"
    return ""


def _finite(s: _Setup) -> str:
    for case, args in s.extremes:
        value, grads = _run(s.loss_fn, args, s.kwargs)
        if not torch.isfinite(value).all():
            return f"FAIL: non-finite value ({case} inputs)"
        if any(gr is not None and not torch.isfinite(gr).all() for gr in grads):
            return f"FAIL: non-finite gradient ({case} inputs)"
    return ", ".join(case for case, _ in s.extremes)


def _gradcheck(s: _Setup) -> str:
    args = _fresh(s.randoms[0][1])
    wanted = [i for i, a in enumerate(args) if a.requires_grad]
    if not wanted:
        return "skip: no argument requires grad"

    def f(*diff):
        full = list(args)
        for i, d in zip(wanted, diff):
            full[i] = d
        return s.loss_fn(*full, **s.kwargs)
    torch.autograd.gradcheck(f, tuple(args[i] for i in wanted))
    return ""


def _reductions_consistent(s: _Setup) -> str:
    if not {"none", "sum"} <= set(s.reductions):
        return "skip: no `reduction` parameter"
    for _, args in s.randoms:
        out = {r: s.loss_fn(*_fresh(args), **dict(s.kwargs, reduction=r)).detach() for r in s.reductions}
        for r, aggregate in (("sum", torch.sum), ("mean", torch.mean)):
            why = _differ(out[r], aggregate(out["none"])) if r in out else None
            if why:
                return f"FAIL: '{r}' != 'none'.{r}(): {why}"
    return " / ".join(f"'{r}'" for r in s.reductions)


def _permutation_invariant(s: _Setup) -> str:
    args = s.randoms[0][1]
    n = args[0].shape[0] if args[0].dim() else 0
    if n < 2 or any(a.dim() == 0 or a.shape[0] != n for a in args):
        return "skip: the arguments share no batch dimension"
    perm = torch.randperm(n, generator=s.generator).to(args[0].device)
    before = s.loss_fn(*_fresh(args), **s.kwargs).detach()
    after = s.loss_fn(*[a[perm] for a in _fresh(args)], **s.kwargs).detach()
    # 'none' permutes with the batch; a reduced loss must not change.
    expected = before[perm] if before.dim() and before.shape[0] == n else before
    why = _differ(after, expected)
    return f"FAIL: {why}" if why else ""


def _result(check: str, run: Callable[[], str]) -> CheckResult:
    """Run one check. It returns "", a detail, "skip: why" or "FAIL: why"; an exception raised
    by the loss becomes a failure that names it."""
    try:
        out = run()
    except Exception as exc:  # noqa: BLE001 -- the report shows what the loss raised
        first = str(exc).strip().splitlines()[0][:120].rstrip(",") if str(exc).strip() else ""
        return CheckResult(check, "FAIL", f"raised {type(exc).__name__}: {first}")
    for status in ("FAIL", "skip"):
        if out.startswith(status + ": "):
            return CheckResult(check, status, out[len(status) + 2:])
    return CheckResult(check, "pass", out)


def check_loss(loss_fn: Callable, reference: Optional[Callable] = None, *,
               inputs: Union[Sequence[Union[str, Arg]], Callable] = ("real", "target"),
               shape: Sequence[int] = (6, 4), kwargs: Optional[dict] = None,
               reductions: Optional[Sequence[str]] = None, extremes: bool = True,
               gradcheck: bool = True, permutation: bool = True, trials: int = 3, seed: int = 0,
               device=None, name: Optional[str] = None) -> LossCheckReport:
    """Check ``loss_fn`` (against ``reference`` if given) and return a :class:`LossCheckReport`.

    inputs      -- one kind (or :class:`Arg`) per positional argument, see the module docstring;
                   or a function ``(generator, dtype) -> tuple of args``
    shape       -- the shape of every argument whose Arg gives none (dim 0 is the batch)
    kwargs      -- keyword arguments passed to both functions (``margin=0.5`` ...)
    reductions  -- the values of ``reduction`` to test; default: 'none', 'mean', 'sum' when
                   ``loss_fn`` has a ``reduction`` parameter (and ``kwargs`` does not set it)
    extremes    -- run the large / zeros / ties inputs (needs kinds, not a function)
    gradcheck   -- run ``torch.autograd.gradcheck`` on the first random draw
    permutation -- check that permuting dim 0 of every input permutes ('none') or leaves
                   unchanged (a reduced loss) the result
    trials      -- how many random draws the value and gradient checks use

    Everything runs in float64 on ``device`` (default: the CPU); inputs are drawn on the CPU
    from a generator seeded with ``seed``, so a report is the same on every machine. Warnings
    the losses emit while being checked are silenced (the report is the output).
    """
    kwargs = dict(kwargs or {})
    name = name or getattr(loss_fn, "__name__", type(loss_fn).__name__)
    device = torch.device(device or "cpu")
    g = torch.Generator().manual_seed(seed)
    dtype = torch.float64

    def draw(case):
        if callable(inputs):
            return [a.to(device) for a in inputs(g, dtype)]
        return _make_args(inputs, tuple(shape), case, g, dtype, device)

    reds = _reductions(loss_fn, kwargs, reductions)
    use_extremes = extremes and not callable(inputs)
    s = _Setup(loss_fn, reference, kwargs, [dict(kwargs, reduction=r) for r in reds] or [kwargs], reds,
               [("random", draw("random")) for _ in range(trials)],
               [(case, draw(case)) for case in CASES] if use_extremes else [], g)

    no_reference = lambda: "skip: no reference given"  # noqa: E731
    no_extremes = ("skip: extremes=False" if not extremes
                   else "skip: inputs is a function; give kinds to test extreme inputs")
    checks = [
        ("gradients reach the inputs", lambda: _gradients_flow(s)),
        ("values match the reference",
         (lambda: _compare(s, s.randoms, "values")) if reference else no_reference),
        ("gradients match the reference",
         (lambda: _compare(s, s.randoms, "gradients")) if reference else no_reference),
        ("finite on extreme inputs", (lambda: _finite(s)) if use_extremes else lambda: no_extremes),
    ]
    if use_extremes and reference is not None:
        checks.append(("matches the reference on extremes", lambda: _compare(s, s.extremes, "both")))
    if gradcheck:
        checks.append(("gradcheck (float64)", lambda: _gradcheck(s)))
    checks.append(("reductions consistent", lambda: _reductions_consistent(s)))
    if permutation:
        checks.append(("batch-permutation invariant", lambda: _permutation_invariant(s)))

    report = LossCheckReport(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report.results = [_result(check, run) for check, run in checks]
    return report
