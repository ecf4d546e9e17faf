"""Empty batches, over the catalog: the twins do what PyTorch does; every other loss follows the
one documented rule (an empty tensor for 'none', 0 for 'sum', NaN for 'mean', and a backward that
runs), and a non-empty batch with nothing to average gives 0."""
from __future__ import annotations

import inspect
import warnings

import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

import lossbook as lb

TWINS = [info for info in lb.catalog() if info.pytorch]
OTHERS = [info for info in lb.catalog() if not info.pytorch]


def reductions(fn, info):
    if "reduction" not in inspect.signature(fn).parameters:
        return [None]
    if fn is lb.rmse_loss:
        return ["mean"]
    return ["none", "sum", "mean"] + (["batchmean"] if info.name == "kl_div" else [])


def outcome(fn, args, kwargs):
    args = [a.detach().requires_grad_(a.requires_grad) if isinstance(a, torch.Tensor) else a for a in args]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = fn(*args, **kwargs)
        except (RuntimeError, ValueError, IndexError) as exc:
            return exc, None
    leaves = [a for a in args if isinstance(a, torch.Tensor) and a.requires_grad]
    grads = torch.autograd.grad(value.sum(), leaves, allow_unused=True) if value.requires_grad else None
    return value.detach(), grads


# Twins whose PyTorch 2.13 CPU kernel returns uninitialised memory for an empty batch ('sum' and
# 'mean'): there is nothing to compare with, so these follow the rule of the other losses.
UNINITIALISED_IN_PYTORCH = {"multi_margin_loss", "multilabel_margin_loss"}


@pytest.mark.parametrize("info", TWINS, ids=lambda i: i.name)
def test_twins_on_an_empty_batch_do_what_pytorch_does(info):
    args, kwargs = lb.example_inputs(info.name, (0, 4))
    ours, theirs = getattr(lb, info.name), getattr(F, info.name)
    for reduction in reductions(ours, info):
        kw = dict(kwargs, reduction=reduction)
        (v1, g1), (v2, g2) = outcome(ours, args, kw), outcome(theirs, args, kw)
        assert isinstance(v1, Exception) == isinstance(v2, Exception), (reduction, v1, v2)
        if isinstance(v1, Exception):
            continue
        assert v1.shape == v2.shape and v1.dtype == v2.dtype
        if info.name in UNINITIALISED_IN_PYTORCH and reduction != "none":
            assert (v1.isnan() if reduction == "mean" else v1 == 0).all(), (reduction, v1)
            continue
        assert_close(v1, v2, equal_nan=True)
        for a, b in zip(g1 or (), g2 or ()):
            assert (a is None) == (b is None) and (a is None or a.shape == b.shape)


@pytest.mark.parametrize("info", OTHERS, ids=lambda i: i.name)
def test_other_losses_follow_one_rule_on_an_empty_batch(info):
    args, kwargs = lb.example_inputs(info.name, (0, 4))
    fn = getattr(lb, info.name)
    for reduction in reductions(fn, info):
        kw = kwargs if reduction is None else dict(kwargs, reduction=reduction)
        value, grads = outcome(fn, args, kw)
        assert not isinstance(value, Exception), f"{reduction}: {value!r}"
        if reduction == "none":
            assert value.numel() == 0 and value.shape[0] == 0
        elif reduction == "sum":
            assert value.shape == () and value.item() == 0
        else:  # 'mean', or no reduction argument (a mean)
            assert value.shape == () and value.isnan()
        assert grads is None or all(g is None or g.numel() == 0 for g in grads)


def test_a_batch_with_nothing_to_average_gives_zero():
    g = torch.Generator().manual_seed(0)
    e = torch.randn(5, 3, generator=g, requires_grad=True)
    distinct = torch.arange(5)  # no positive pair, so no triplet
    for loss in (lb.batch_all_triplet_loss(e, distinct), lb.batch_hard_triplet_loss(e, distinct),
                 lb.triplet_loss(e, lb.batch_hard_miner(e, distinct)),
                 lb.ranknet_loss(torch.randn(2, 3, generator=g), torch.ones(2, 3))):
        assert loss.item() == 0.0
    lb.batch_hard_triplet_loss(e, distinct).backward()
    assert e.grad.eq(0).all()
