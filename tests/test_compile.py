"""With validation off, every loss of the catalog reads no tensor value on the host (no device
synchronisation) and compiles with torch.compile(fullgraph=True) to what it computes eagerly.

The compiled runs use the "eager" backend, which checks that Dynamo captures one whole graph
without generating code (inductor would take seconds per loss); cross-entropy, whose backward
is hand-written, also goes through "aot_eager", which traces the backward too.
"""
from __future__ import annotations

import contextlib
import inspect
import warnings

import pytest
import torch
from torch.testing import assert_close

import lossbook as lb

LOSSES = lb.catalog()
READS = ("item", "tolist", "__bool__", "__int__", "__float__", "__index__", "numpy")


def run(fn, args, kwargs):
    """The value and the gradients of the example arguments that require grad."""
    args = [a.detach().requires_grad_(a.requires_grad) if isinstance(a, torch.Tensor) else a for a in args]
    value = fn(*args, **kwargs)
    leaves = [a for a in args if isinstance(a, torch.Tensor) and a.requires_grad]
    grads = torch.autograd.grad(value.sum(), leaves, allow_unused=True)
    return value.detach(), grads


@pytest.fixture
def no_validation():
    with lb.validation(False):
        yield


@contextlib.contextmanager
def no_value_reads():
    """Every way Python reads a tensor's value (and so synchronises with a GPU) raises."""
    def refuse(self, *args, **kwargs):
        raise AssertionError("a tensor's value was read on the host")
    saved = {name: getattr(torch.Tensor, name) for name in READS}
    try:
        for name in READS:
            setattr(torch.Tensor, name, refuse)
        yield
    finally:
        for name, method in saved.items():
            setattr(torch.Tensor, name, method)


def reductions(fn):
    """The values of ``reduction`` a loss accepts (just the default when it has no such argument)."""
    if "reduction" not in inspect.signature(fn).parameters:
        return [None]
    return ["mean"] if fn is lb.rmse_loss else ["none", "sum", "mean"]


@pytest.mark.parametrize("info", LOSSES, ids=lambda i: i.name)
def test_no_loss_reads_a_value_without_validation(info, no_validation):
    args, kwargs = lb.example_inputs(info.name, (6, 4))
    fn = getattr(lb, info.name)
    with no_value_reads(), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # kl_div's reduction='mean' warns, as PyTorch's
        for reduction in reductions(fn):
            run(fn, args, kwargs if reduction is None else dict(kwargs, reduction=reduction))


def test_the_patch_does_catch_a_value_read():
    with pytest.raises(AssertionError, match="value was read"), no_value_reads():
        lb.binary_cross_entropy(torch.full((3,), 0.5), torch.ones(3))  # validation on: reads


@pytest.mark.parametrize("info", LOSSES, ids=lambda i: i.name)
def test_every_loss_compiles_to_one_graph_and_equals_eager(info, no_validation):
    args, kwargs = lb.example_inputs(info.name, (6, 4))
    fn = getattr(lb, info.name)
    compiled = torch.compile(fn, backend="eager", fullgraph=True)
    value, grads = run(compiled, args, kwargs)
    expected, expected_grads = run(fn, args, kwargs)
    assert_close(value, expected)
    for a, b in zip(grads, expected_grads):
        assert_close(a, b)


@pytest.mark.parametrize("name", ["cross_entropy"])
def test_hand_written_backwards_trace_with_aot_autograd(name, no_validation):
    args, kwargs = lb.example_inputs(name, (6, 4))
    fn = getattr(lb, name)
    value, grads = run(torch.compile(fn, backend="aot_eager", fullgraph=True), args, kwargs)
    expected, expected_grads = run(fn, args, kwargs)
    assert_close(value, expected)
    for a, b in zip(grads, expected_grads):
        assert_close(a, b)


def test_with_validation_on_a_value_check_is_a_graph_break():
    compiled = torch.compile(lb.binary_cross_entropy_with_logits, backend="eager", fullgraph=True)
    x, y = torch.randn(4), torch.rand(4)
    with pytest.raises(Exception, match="(?i)data.dependent|item|graph break|unsupported"):
        compiled(x, y)
    with lb.validation(False):
        assert_close(compiled(x, y), lb.binary_cross_entropy_with_logits(x, y))
