"""lossbook.approx_ndcg_loss (ApproxNDCG, Qin et al. 2010): against a naive loop written here,
against TF-Ranking's documented example, and its limits: as the temperature falls the smooth
ranks tend to the ranks and the loss to 1 - NDCG."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from torch.testing import assert_close

import lossbook as lb
from lossbook import ranking

REDUCTIONS = ("none", "mean", "sum")


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def naive_approx_ndcg(scores, relevance, mask, temperature, gain):
    """1 - ApproxNDCG per query, one item at a time, over the real items only."""
    losses = []
    for s, r, m in zip(scores, relevance, mask):
        s, r = s[m], r[m].to(s.dtype)
        g = 2 ** r - 1 if gain == "exp" else r
        ideal = sum(v / math.log2(2 + pos) for pos, v in enumerate(sorted(g.tolist(), reverse=True)))
        if ideal == 0:
            losses.append(s.sum() * 0)
            continue
        dcg = 0
        for i in range(len(s)):
            rank = 1 + sum((torch.sigmoid((s[j] - s[i]) / temperature) for j in range(len(s)) if j != i),
                           s.new_zeros(()))
            dcg = dcg + g[i] / torch.log2(1 + rank)
        losses.append(1 - dcg / ideal)
    return torch.stack(losses)


def ragged(lengths, width, seed, pad=0.0):
    g = gen(seed)
    scores = torch.randn(len(lengths), width, generator=g, dtype=torch.float64)
    relevance = torch.randint(0, 5, (len(lengths), width), generator=g)
    mask = torch.arange(width) < torch.tensor(lengths)[:, None]
    return scores.masked_fill(~mask, pad), relevance.masked_fill(~mask, 0), mask


def true_ranks(scores):
    """1-based ranks by decreasing score (distinct scores)."""
    return torch.argsort(torch.argsort(scores, dim=-1, descending=True), dim=-1) + 1


# --------------------------------------------------------------------------- values and gradients

@pytest.mark.parametrize("temperature", [1.0, 0.3, 0.05])
@pytest.mark.parametrize("gain", ["exp", "linear"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_equals_a_naive_loop_values_and_gradients(temperature, gain, reduction):
    scores, relevance, mask = ragged([6, 4, 1, 5], 6, seed=1)
    results = []
    for fn in (lambda s: lb.approx_ndcg_loss(s, relevance, mask=mask, temperature=temperature,
                                             gain=gain, reduction=reduction),
               lambda s: {"none": lambda t: t, "mean": torch.mean, "sum": torch.sum}[reduction](
                   naive_approx_ndcg(s, relevance, mask, temperature, gain))):
        x = scores.clone().requires_grad_()
        loss = fn(x)
        loss.sum().backward()
        results.append((loss.detach(), x.grad))
    (ours, our_grad), (ref, ref_grad) = results
    assert ours.shape == ref.shape
    assert_close(ours, ref)
    assert_close(our_grad, ref_grad)


def test_matches_tf_ranking_documented_example():
    # tfr.keras.losses.ApproxNDCGLoss() (temperature 0.1) on y_true [[1, 0]], y_pred [[0.6, 0.8]]
    # returns -0.655107, minus the ApproxNDCG.
    loss = lb.approx_ndcg_loss(torch.tensor([[0.6, 0.8]]), torch.tensor([[1.0, 0.0]]), temperature=0.1)
    assert loss.item() == pytest.approx(1 - 0.655107, abs=1e-6)


def test_single_list_gives_a_scalar():
    scores, relevance, _ = ragged([5], 5, seed=2)
    one = lb.approx_ndcg_loss(scores[0], relevance[0], reduction="none")
    assert one.shape == ()
    assert_close(one, lb.approx_ndcg_loss(scores, relevance, reduction="none")[0])


# --------------------------------------------------------------------------- the limits

def test_smooth_ranks_tend_to_the_ranks_as_the_temperature_falls():
    scores = torch.randn(3, 8, generator=gen(3), dtype=torch.float64)
    mask = torch.ones(3, 8, dtype=torch.bool)
    gaps = [(ranking._approx_ranks(scores, mask, t) - true_ranks(scores)).abs().max().item()
            for t in (1.0, 0.1, 0.01, 1e-3, 1e-4)]
    closest = torch.sort(scores, dim=-1).values.diff(dim=-1).min().item()
    assert closest > 1e-3  # so that 1e-4 is well below every gap
    assert all(a > b for a, b in zip(gaps, gaps[1:]))
    assert gaps[-1] < 1e-9


def test_the_loss_tends_to_one_minus_ndcg():
    scores = torch.randn(4, 7, generator=gen(4), dtype=torch.float64)
    relevance = torch.randint(0, 5, (4, 7), generator=gen(5))
    relevance[:, 0] = 3  # every query has a relevant item
    exact = 1 - lb.ndcg(scores, relevance)
    errors = [(lb.approx_ndcg_loss(scores, relevance, temperature=t, reduction="none") - exact).abs().max().item()
              for t in (1.0, 0.1, 0.01, 1e-4)]
    assert errors[0] > 0.01 and errors[-1] < 1e-9
    assert errors[-1] < errors[0]


def test_temperature_is_a_scale_of_the_scores():
    scores, relevance, mask = ragged([5, 3], 5, seed=6)
    assert_close(lb.approx_ndcg_loss(scores, relevance, mask=mask, temperature=0.25),
                 lb.approx_ndcg_loss(scores / 0.25, relevance, mask=mask, temperature=1.0))


def list_batches():
    shapes = st.tuples(st.integers(1, 4), st.integers(1, 6))
    return shapes.flatmap(lambda shape: st.tuples(
        hnp.arrays(np.float64, shape, elements=st.floats(-20, 20, width=32)),
        hnp.arrays(np.int64, shape, elements=st.integers(0, 4))))


@given(list_batches(), st.sampled_from([0.05, 0.5, 2.0]), st.sampled_from(["exp", "linear"]))
def test_loss_lies_in_the_unit_interval_and_ignores_a_shift(batch, temperature, gain):
    s, r = torch.from_numpy(batch[0]), torch.from_numpy(batch[1])
    none = lb.approx_ndcg_loss(s, r, temperature=temperature, gain=gain, reduction="none")
    assert none.shape == (s.shape[0],)
    # The smooth ranks are a convex combination of permutations of 1..n, and the DCG is convex in
    # the ranks, so the smooth DCG never exceeds the ideal one.
    assert (none >= -1e-12).all() and (none <= 1 + 1e-12).all()
    assert_close(lb.approx_ndcg_loss(s + 3.5, r, temperature=temperature, gain=gain, reduction="none"), none)
    assert_close(lb.approx_ndcg_loss(s, r, temperature=temperature, gain=gain, reduction="sum"), none.sum())
    assert_close(lb.approx_ndcg_loss(s, r, temperature=temperature, gain=gain), none.mean())


def test_gradcheck():
    scores, relevance, mask = ragged([5, 3], 5, seed=7)
    x = scores.clone().requires_grad_()
    assert torch.autograd.gradcheck(
        lambda t: lb.approx_ndcg_loss(t, relevance, mask=mask, temperature=0.5), (x,))


# --------------------------------------------------------------------------- padding, empty, extreme

def test_padded_batch_equals_each_list_alone_and_padding_gets_no_gradient():
    scores, relevance, mask = ragged([6, 3, 4], 6, seed=8, pad=float("nan"))
    x = scores.clone().requires_grad_()
    none = lb.approx_ndcg_loss(x, relevance, mask=mask, reduction="none")
    none.sum().backward()
    for q, n in enumerate([6, 3, 4]):
        assert_close(none[q], lb.approx_ndcg_loss(scores[q, :n], relevance[q, :n], reduction="none"))
    assert torch.isfinite(x.grad).all() and (x.grad[~mask] == 0).all()


def test_a_query_without_relevant_items_has_zero_loss_and_gradient():
    x = torch.randn(2, 4, generator=gen(9), dtype=torch.float64, requires_grad=True)
    relevance = torch.tensor([[0, 0, 0, 0], [0, 2, 1, 0]])
    none = lb.approx_ndcg_loss(x, relevance, reduction="none")
    none.sum().backward()
    assert none[0].item() == 0 and (x.grad[0] == 0).all() and (x.grad[1] != 0).any()


def test_empty_batch_behaves_like_the_other_list_losses():
    s, r = torch.zeros(0, 4), torch.zeros(0, 4)
    assert lb.approx_ndcg_loss(s, r, reduction="none").shape == (0,)
    assert lb.approx_ndcg_loss(s, r, reduction="sum").item() == 0
    assert math.isnan(lb.approx_ndcg_loss(s, r).item())


@pytest.mark.parametrize("temperature", [1.0, 1e-3, 1e-30])
def test_gradients_stay_finite_at_ties_and_extreme_scores(temperature):
    s = torch.tensor([[1e4, -1e4, 0.0, 5e3], [2.0, 2.0, 2.0, 2.0]], requires_grad=True)  # float32
    r = torch.tensor([[0, 3, 1, 2], [4, 0, 2, 1]])
    loss = lb.approx_ndcg_loss(s, r, temperature=temperature)
    loss.backward()
    assert torch.isfinite(loss) and 0 <= loss.item() <= 1
    assert torch.isfinite(s.grad).all()


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
def test_half_precision_is_close_to_float32(dtype):
    scores, relevance, _ = ragged([6, 6], 6, seed=10)
    want = lb.approx_ndcg_loss(scores.float(), relevance)
    got = lb.approx_ndcg_loss(scores.to(dtype), relevance)
    assert got.dtype == dtype
    assert_close(got.float(), want, rtol=0.03, atol=0.03)


# --------------------------------------------------------------------------- module, catalog, API

def test_module_calls_the_function():
    scores, relevance, mask = ragged([4, 2], 4, seed=11)
    for reduction in REDUCTIONS:
        module = lb.ApproxNDCGLoss(temperature=0.3, gain="linear", reduction=reduction)
        assert_close(module(scores, relevance, mask),
                     lb.approx_ndcg_loss(scores, relevance, mask=mask, temperature=0.3, gain="linear",
                                         reduction=reduction))


def test_exported_catalogued_and_keyword_only():
    assert "approx_ndcg_loss" in ranking.__all__ and "ApproxNDCGLoss" in ranking.__all__
    row = next(info for info in lb.catalog() if info.name == "approx_ndcg_loss")
    assert row.module == "ApproxNDCGLoss" and row.family == "ranking" and row.pytorch is None
    assert row.chapter == "chapters/ranking-losses"
    with pytest.raises(TypeError):
        lb.approx_ndcg_loss(torch.zeros(1, 2), torch.zeros(1, 2), None, 0.5)  # hyper-parameters by keyword


S = torch.zeros(2, 3)
R = torch.zeros(2, 3, dtype=torch.long)

BAD = [
    ("temperature 0", lambda: lb.approx_ndcg_loss(S, R, temperature=0), ValueError, "temperature"),
    ("temperature negative", lambda: lb.approx_ndcg_loss(S, R, temperature=-1.0), ValueError, "temperature"),
    ("temperature nan", lambda: lb.approx_ndcg_loss(S, R, temperature=float("nan")), ValueError, "temperature"),
    ("temperature str", lambda: lb.approx_ndcg_loss(S, R, temperature="0.1"), TypeError, "temperature"),
    ("temperature tensor", lambda: lb.approx_ndcg_loss(S, R, temperature=torch.tensor(0.1)), TypeError,
     "temperature"),
    ("gain", lambda: lb.approx_ndcg_loss(S, R, gain="log"), ValueError, "gain"),
    ("reduction", lambda: lb.approx_ndcg_loss(S, R, reduction="batchmean"), ValueError, "reduction"),
    ("negative relevance", lambda: lb.approx_ndcg_loss(S, -torch.ones(2, 3)), ValueError, "relevance"),
    ("relevance shape", lambda: lb.approx_ndcg_loss(S, torch.zeros(2, 4)), ValueError, "relevance"),
    ("scores long", lambda: lb.approx_ndcg_loss(R, R), TypeError, "scores"),
    ("scores 3-D", lambda: lb.approx_ndcg_loss(torch.zeros(1, 2, 3), torch.zeros(1, 2, 3)), ValueError, "scores"),
    ("mask float", lambda: lb.approx_ndcg_loss(S, R, mask=torch.ones(2, 3)), TypeError, "mask"),
    ("module temperature", lambda: lb.ApproxNDCGLoss(temperature=0.0), ValueError, "temperature"),
    ("module gain", lambda: lb.ApproxNDCGLoss(gain="none"), ValueError, "gain"),
]


@pytest.mark.parametrize("call,exc,name", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_refused(call, exc, name):
    with pytest.raises(exc, match=f"`{name}`"):
        call()


def test_value_checks_are_skipped_with_validation_off():
    with lb.validation(False):
        loss = lb.approx_ndcg_loss(S, -torch.ones(2, 3))  # no error: the formula's value
    assert loss.shape == ()
