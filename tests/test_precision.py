"""Mixed precision as PyTorch does it, over the whole catalog: under CPU autocast (bfloat16 and
float16) and with mixed input dtypes, every twin returns PyTorch's dtype and value, and every
other loss computes in float32 under autocast and promotes mixed dtypes."""
from __future__ import annotations

import warnings

import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

import lossbook as lb

TWINS = [info for info in lb.catalog() if info.pytorch]
OTHERS = [info for info in lb.catalog() if not info.pytorch]
LOW = [torch.bfloat16, torch.float16]


def inputs(info, dtype=torch.float32, first=None):
    """Example arguments in ``dtype``; ``first`` overrides the dtype of the first floating one."""
    args, kwargs = lb.example_inputs(info.name, (6, 4), dtype=torch.float32)
    out, done = [], False
    for a in args:
        if isinstance(a, torch.Tensor) and a.is_floating_point():
            a = a.detach().to(first if first is not None and not done else dtype)
            done = True
        out.append(a)
    return out, kwargs


def call(fn, args, kwargs, autocast=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if autocast is None:
            return fn(*args, **kwargs)
        with torch.autocast("cpu", dtype=autocast):
            return fn(*args, **kwargs)


def outcome(fn, args, kwargs, autocast=None):
    try:
        return call(fn, args, kwargs, autocast)
    except (RuntimeError, TypeError) as exc:
        return exc


def assert_same(ours, theirs):
    if isinstance(theirs, Exception):  # PyTorch refuses (binary_cross_entropy of mixed dtypes)
        assert isinstance(ours, Exception), f"PyTorch raises {theirs!r}, lossbook returns {ours}"
        return
    assert not isinstance(ours, Exception), f"lossbook raises {ours!r}"
    assert ours.dtype == theirs.dtype
    tol = {torch.bfloat16: 2e-2, torch.float16: 2e-3}.get(ours.dtype, 1e-5)
    assert_close(ours, theirs, rtol=tol, atol=tol, equal_nan=True)


@pytest.mark.parametrize("low", LOW, ids=str)
@pytest.mark.parametrize("info", TWINS, ids=lambda i: i.name)
def test_twins_under_autocast_return_pytorchs_dtype_and_value(info, low):
    ours, theirs = getattr(lb, info.name), getattr(F, info.name)
    for dtype in (torch.float32, low):  # float32 inputs, and inputs already in low precision
        args, kwargs = inputs(info, dtype)
        assert_same(outcome(ours, args, kwargs, low), outcome(theirs, args, kwargs, low))


@pytest.mark.parametrize("mix", [(torch.bfloat16, torch.float32), (torch.float32, torch.bfloat16),
                                 (torch.float64, torch.float32), (torch.float16, torch.float64)], ids=str)
@pytest.mark.parametrize("info", [i for i in TWINS if sum(k not in ("classes", "sign", "sign_rows") for k in i.inputs) > 1],
                         ids=lambda i: i.name)
def test_twins_promote_mixed_dtypes_as_pytorch_does(info, mix):
    args, kwargs = inputs(info, mix[1], first=mix[0])
    assert_same(outcome(getattr(lb, info.name), args, kwargs), outcome(getattr(F, info.name), args, kwargs))


@pytest.mark.parametrize("info", [i for i in TWINS if "sign" in i.inputs or "sign_rows" in i.inputs],
                         ids=lambda i: i.name)
def test_twins_treat_a_target_of_another_dtype_as_pytorch_does(info):
    args, kwargs = lb.example_inputs(info.name, (6, 4), dtype=torch.float32)
    for dtype in (torch.float64, torch.bfloat16, torch.long):
        args = [a.to(dtype) if a.dtype != dtype and a is args[-1] else a.detach() for a in args]
        assert_same(outcome(getattr(lb, info.name), args, kwargs), outcome(getattr(F, info.name), args, kwargs))


@pytest.mark.parametrize("low", LOW, ids=str)
@pytest.mark.parametrize("info", OTHERS, ids=lambda i: i.name)
def test_other_losses_compute_in_float32_under_autocast(info, low):
    fn = getattr(lb, info.name)
    reference = call(fn, *inputs(info, torch.float32))  # float32, no autocast
    for dtype in (torch.float32, low):
        out = call(fn, *inputs(info, dtype), autocast=low)
        assert out.dtype == torch.float32
        # low-precision inputs were rounded before the float32 computation
        tol = 1e-5 if dtype == torch.float32 else 3e-2
        assert_close(out, reference, rtol=tol, atol=tol)


@pytest.mark.parametrize("info", [i for i in OTHERS if sum(k == "real" for k in i.inputs) > 1],
                         ids=lambda i: i.name)
def test_other_losses_promote_mixed_dtypes(info):
    fn = getattr(lb, info.name)
    args, kwargs = inputs(info, torch.float64, first=torch.float32)
    out = call(fn, args, kwargs)
    assert out.dtype == torch.float64
    assert_close(out, call(fn, [a.double() if a.is_floating_point() else a for a in args], kwargs))


def test_the_issue_examples():
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(8, 3, generator=g), torch.randn(8, 3, generator=g)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert lb.mse_loss(x.bfloat16(), y).dtype == F.mse_loss(x.bfloat16(), y).dtype == torch.float32
        t = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
        assert lb.cross_entropy(x.bfloat16(), t).dtype == F.cross_entropy(x.bfloat16(), t).dtype == torch.float32
        # matrix products inside a loss stay in float32 under autocast
        e = torch.randn(8, 4, generator=g)
        assert_close(lb.euclidean_distance_matrix(e), torch.cdist(e, e), rtol=1e-5, atol=1e-5)
