"""lossbook.scale: the z-loss against its formula and gradient, and the distributed helpers
(all_gather_with_grad, run_distributed) on two CPU processes with gloo."""
from __future__ import annotations

import math
import time

import pytest
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.testing import assert_close

import lossbook as lb

G = torch.Generator().manual_seed(0)


def logits(*shape, scale=3.0):
    return (scale * torch.randn(*shape, generator=G, dtype=torch.float64)).requires_grad_()


# --------------------------------------------------------------------------- z-loss

@pytest.mark.parametrize("shape", [(7, 5), (5,), (4, 3, 2, 3)], ids=str)
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_z_loss_is_lambda_log_z_squared(shape, reduction):
    z = logits(*shape)
    dim = 0 if z.dim() == 1 else 1
    expected = 1e-3 * torch.log(torch.exp(z).sum(dim)) ** 2  # the plain formula: no overflow at this scale
    expected = {"none": expected, "mean": expected.mean(), "sum": expected.sum()}[reduction]
    assert_close(lb.z_loss(z, weight=1e-3, reduction=reduction), expected)
    assert_close(lb.ZLoss(weight=1e-3, reduction=reduction)(z), expected)


def test_z_loss_gradient_is_two_lambda_log_z_times_softmax():
    z = logits(6, 9)
    lb.z_loss(z, weight=0.5, reduction="sum").backward()
    log_z = torch.logsumexp(z.detach(), 1, keepdim=True)
    assert_close(z.grad, 2 * 0.5 * log_z * torch.softmax(z.detach(), 1))


def test_z_loss_gradcheck_and_default_weight():
    z = logits(4, 6)
    assert torch.autograd.gradcheck(lambda t: lb.z_loss(t, weight=0.3), (z,))
    assert_close(lb.z_loss(z), 1e-4 * torch.logsumexp(z, 1).square().mean())


def test_z_loss_is_zero_exactly_for_log_probabilities_and_shift_sensitive():
    z = logits(5, 8)
    assert lb.z_loss(torch.log_softmax(z, 1), weight=1.0).item() < 1e-28
    # cross-entropy ignores a common shift of the logits; the z-loss measures it
    shifted = z + 2.0
    assert_close(F.cross_entropy(shifted, torch.zeros(5, dtype=torch.long)),
                 F.cross_entropy(z, torch.zeros(5, dtype=torch.long)))
    assert_close(torch.logsumexp(shifted, 1), torch.logsumexp(z, 1) + 2.0)


def test_z_loss_on_extreme_logits_stays_finite():
    z = torch.tensor([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4]], dtype=torch.float32, requires_grad=True)
    value = lb.z_loss(z, weight=1.0, reduction="none")
    assert_close(value, torch.tensor([1e8, (-1e4 + math.log(3)) ** 2]))
    value.sum().backward()
    assert torch.isfinite(z.grad).all()


def test_z_loss_under_autocast_computes_in_float32():
    z = torch.randn(4, 6, generator=G)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = lb.z_loss(z.bfloat16(), weight=1.0)
    assert out.dtype == torch.float32
    assert_close(out, lb.z_loss(z.bfloat16().float(), weight=1.0))


def test_z_loss_empty_batch():
    z = torch.zeros(0, 5, requires_grad=True)
    assert lb.z_loss(z, reduction="none").shape == (0,)
    assert lb.z_loss(z, reduction="sum").item() == 0
    assert lb.z_loss(z).isnan()


@pytest.mark.parametrize("bad, exc, match", [
    (dict(input=torch.zeros(3, 4, dtype=torch.long)), TypeError, "`input` must be a floating-point"),
    (dict(input=torch.tensor(1.0)), ValueError, "`input` must be a tensor of shape"),
    (dict(weight=-1.0), ValueError, r"`weight` must be in \[0, inf\)"),
    (dict(weight=float("inf")), ValueError, r"`weight` must be in \[0, inf\)"),
    (dict(weight=float("nan")), ValueError, "`weight`"),
    (dict(weight=torch.tensor(1.0)), TypeError, "`weight` must be a Python number"),
    (dict(reduction="batchmean"), ValueError, "`reduction` must be one of"),
])
def test_z_loss_bad_inputs(bad, exc, match):
    kwargs = dict(input=torch.zeros(3, 4), weight=1e-4, reduction="mean") | bad
    with pytest.raises(exc, match=match):
        lb.z_loss(kwargs.pop("input"), **kwargs)


def test_z_loss_module_checks_its_arguments():
    with pytest.raises(ValueError, match="ZLoss: `weight`"):
        lb.ZLoss(weight=-0.1)
    with pytest.raises(TypeError):
        lb.ZLoss(1e-4)  # keyword-only


# --------------------------------------------------------------------------- gather and launcher

def test_all_gather_without_a_process_group_is_the_identity():
    x = torch.randn(3, 2, generator=G)
    assert lb.all_gather_with_grad(x) is x
    with pytest.raises(ValueError, match="`tensor` must be a tensor with a dimension of rows"):
        lb.all_gather_with_grad(torch.tensor(1.0))


def _gather_worker(rank, world_size, data):
    # unequal row counts: rank 0 holds rows 0-1, rank 1 rows 2-6
    rows = slice(0, 2) if rank == 0 else slice(2, 7)
    x = data[rows].clone().requires_grad_()
    gathered = lb.all_gather_with_grad(x)
    weights = torch.arange(1.0, 8.0, dtype=data.dtype)[:, None] * (rank + 1)  # each rank its own loss
    (gathered * weights).sum().backward()
    return {"gathered": gathered, "grad": x.grad, "rank": dist.get_rank()}


def test_all_gather_with_grad_sums_every_ranks_gradient():
    data = torch.randn(7, 3, generator=G, dtype=torch.float64)
    results = lb.run_distributed(_gather_worker, world_size=2, args=(data,))
    assert [r["rank"] for r in results] == [0, 1]
    for r in results:
        assert_close(r["gathered"], data)
    # d(sum_s L_s)/dx_i = (1 + 2) * i for every row i
    expected = 3 * torch.arange(1.0, 8.0, dtype=torch.float64)[:, None].expand(7, 3)
    assert_close(torch.cat([results[0]["grad"], results[1]["grad"]]), expected)


def _failing_worker(rank, world_size):
    if rank == 1:
        raise ValueError("rank 1 has no data")
    dist.barrier()  # would wait for rank 1 forever


def _sleeping_worker(rank, world_size):
    time.sleep(60)


def test_run_distributed_reports_a_failing_rank_and_stops_the_others():
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="rank 1 raised an exception:(.|\n)*rank 1 has no data"):
        lb.run_distributed(_failing_worker, world_size=2, timeout=30.0)
    assert time.monotonic() - start < 20


def test_run_distributed_times_out():
    with pytest.raises(TimeoutError, match=r"rank\(s\) \[0, 1\] still running after 1 s"):
        lb.run_distributed(_sleeping_worker, world_size=2, timeout=1.0)


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(fn=3), TypeError, "`fn` must be a callable"),
    (dict(world_size=0), ValueError, "`world_size` must be an int >= 1"),
    (dict(args=[1]), TypeError, "`args` must be a tuple"),
    (dict(timeout=0.0), ValueError, "`timeout`"),
    (dict(start_method="thread"), ValueError, "`start_method` must be None or one of"),
])
def test_run_distributed_bad_arguments(kwargs, exc, match):
    kwargs = dict(fn=_sleeping_worker) | kwargs
    with pytest.raises(exc, match=match):
        lb.run_distributed(kwargs.pop("fn"), **kwargs)
