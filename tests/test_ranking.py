"""lossbook.ranking: margin ranking against PyTorch; RankNet, ListNet, the lambda loss and NDCG
against naive loops written here (and NDCG against scikit-learn)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from torch.testing import assert_close

import lossbook as lb
from lossbook import ranking

REDUCTIONS = ("none", "mean", "sum")
LIST_LOSSES = {
    "ranknet": lb.ranknet_loss,
    "listnet": lb.listnet_loss,
    "lambda": lb.lambda_loss,
}


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


# --------------------------------------------------------------------------- margin ranking

def sign_target(shape, g, dtype):
    return (torch.randint(0, 2, shape, generator=g) * 2 - 1).to(dtype)


@pytest.mark.parametrize("shape", [(), (7,), (3, 4), (2, 3, 5), (0,)], ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0, 0.5, -0.25])
@pytest.mark.parametrize("target_dtype", [torch.float64, torch.long], ids=str)
def test_margin_ranking_equals_pytorch_values_and_grads(shape, reduction, margin, target_dtype):
    g = gen(1)
    x1 = torch.randn(shape, generator=g, dtype=torch.float64)
    x2 = torch.randn(shape, generator=g, dtype=torch.float64)
    target = sign_target(shape, g, target_dtype)
    results = []
    for fn in (lb.margin_ranking_loss, F.margin_ranking_loss):
        a, b = x1.clone().requires_grad_(), x2.clone().requires_grad_()
        loss = fn(a, b, target, margin=margin, reduction=reduction)
        loss.sum().backward()
        results.append((loss.detach(), a.grad, b.grad))
    ours, theirs = results
    assert ours[0].shape == theirs[0].shape
    for o, t in zip(ours, theirs):
        assert_close(o, t, equal_nan=True)


def test_margin_ranking_module_equals_pytorch_module():
    g = gen(2)
    x1, x2 = torch.randn(9, generator=g, dtype=torch.float64), torch.randn(9, generator=g, dtype=torch.float64)
    target = sign_target((9,), g, torch.float64)
    for reduction in REDUCTIONS:
        ours = lb.MarginRankingLoss(margin=0.3, reduction=reduction)(x1, x2, target)
        theirs = nn.MarginRankingLoss(margin=0.3, reduction=reduction)(x1, x2, target)
        assert_close(ours, theirs)


def test_margin_ranking_target_one_means_first_ranks_higher():
    # Right order with margin to spare: no loss; wrong order: loss = gap + margin.
    x1, x2 = torch.tensor([2.0]), torch.tensor([1.0])
    assert lb.margin_ranking_loss(x1, x2, torch.tensor([1.0]), margin=0.5).item() == 0.0
    assert lb.margin_ranking_loss(x1, x2, torch.tensor([-1.0]), margin=0.5).item() == pytest.approx(1.5)


def test_margin_ranking_rejects_the_zero_target_pytorch_accepts():
    x1, x2 = torch.tensor([1.0, 2.0]), torch.tensor([0.0, 0.0])
    target = torch.tensor([1.0, 0.0])  # what randn(...).sign() can produce
    F.margin_ranking_loss(x1, x2, target)  # PyTorch: silently no loss for the 0 entry
    with pytest.raises(ValueError, match="target"):
        lb.margin_ranking_loss(x1, x2, target)


# --------------------------------------------------------------------------- naive references

def naive_ranknet(s, r, sigma=1.0):
    terms = [math.log1p(math.exp(-sigma * (s[i] - s[j])))
             for i in range(len(s)) for j in range(len(s)) if r[i] > r[j]]
    return sum(terms) / len(terms) if terms else 0.0


def naive_listnet(s, r):
    if not s:
        return 0.0
    zp, zq = sum(math.exp(x) for x in r), sum(math.exp(x) for x in s)
    return -sum(math.exp(ri) / zp * math.log(math.exp(si) / zq) for si, ri in zip(s, r))


def gain_of(rel, gain):
    return 2.0 ** rel - 1 if gain == "exp" else float(rel)


def dcg_of_order(order, r, k, gain):
    k = len(order) if k is None else k
    return sum(gain_of(r[item], gain) / math.log2(pos + 2) for pos, item in enumerate(order[:k]))


def ranked(s):
    return sorted(range(len(s)), key=lambda i: (-s[i], i))


def naive_ndcg(s, r, k=None, gain="exp"):
    ideal = dcg_of_order(sorted(range(len(r)), key=lambda i: -r[i]), r, k, gain)
    return dcg_of_order(ranked(s), r, k, gain) / ideal if ideal > 0 else 0.0


def naive_lambda(s, r, sigma=1.0, k=None, gain="exp"):
    order = ranked(s)
    ideal = dcg_of_order(sorted(range(len(r)), key=lambda i: -r[i]), r, k, gain)
    if ideal == 0:
        return 0.0
    base = dcg_of_order(order, r, k, gain)
    total = 0.0
    for i in range(len(s)):
        for j in range(len(s)):
            if r[i] > r[j]:
                swapped = list(order)
                pi, pj = swapped.index(i), swapped.index(j)
                swapped[pi], swapped[pj] = j, i
                weight = abs(dcg_of_order(swapped, r, k, gain) - base) / ideal
                total += weight * math.log1p(math.exp(-sigma * (s[i] - s[j])))
    return total


NAIVE = {
    "ranknet": lambda s, r, **kw: naive_ranknet(s, r, **kw),
    "listnet": lambda s, r, **kw: naive_listnet(s, r),
    "lambda": lambda s, r, **kw: naive_lambda(s, r, **kw),
}


def ragged_batch(lengths, width, seed=0, pad=float("nan")):
    """A padded batch from lists of the given lengths, and the lists themselves."""
    g = gen(seed)
    scores = torch.full((len(lengths), width), pad, dtype=torch.float64)
    relevance = torch.full((len(lengths), width), -1, dtype=torch.long)  # allRank-style padding
    mask = torch.zeros(len(lengths), width, dtype=torch.bool)
    for q, n in enumerate(lengths):
        scores[q, :n] = 2 * torch.randn(n, generator=g, dtype=torch.float64)
        relevance[q, :n] = torch.randint(0, 5, (n,), generator=g)
        mask[q, :n] = True
    return scores, relevance, mask


def per_list_kwargs(name, sigma, k):
    if name == "listnet":
        return {}, {}
    if name == "ranknet":
        return {"sigma": sigma}, {"sigma": sigma}
    return {"sigma": sigma, "k": k}, {"sigma": sigma, "k": k}


@pytest.mark.parametrize("name", LIST_LOSSES)
@pytest.mark.parametrize("sigma,k", [(1.0, None), (0.5, 3), (2.0, 1)])
def test_list_losses_equal_naive_loops(name, sigma, k):
    scores, relevance, mask = ragged_batch([6, 4, 1, 5, 0], 6, seed=3)
    kwargs, naive_kwargs = per_list_kwargs(name, sigma, k)
    got = LIST_LOSSES[name](scores, relevance, mask=mask, reduction="none", **kwargs)
    want = [NAIVE[name](scores[q][mask[q]].tolist(), relevance[q][mask[q]].tolist(), **naive_kwargs)
            for q in range(scores.shape[0])]
    assert_close(got, torch.tensor(want, dtype=torch.float64))
    assert_close(LIST_LOSSES[name](scores, relevance, mask=mask, **kwargs), got.mean())


@pytest.mark.parametrize("gain", ["exp", "linear"])
def test_lambda_loss_gain_option_equals_naive(gain):
    scores, relevance, mask = ragged_batch([5, 3], 5, seed=4)
    got = lb.lambda_loss(scores, relevance, mask=mask, gain=gain, reduction="none")
    want = [naive_lambda(scores[q][mask[q]].tolist(), relevance[q][mask[q]].tolist(), gain=gain)
            for q in range(2)]
    assert_close(got, torch.tensor(want, dtype=torch.float64))


def test_ranknet_worked_example_is_0_5130_not_0_403():
    loss = lb.ranknet_loss(torch.tensor([0.7, 0.3], dtype=torch.float64), torch.tensor([1, 0]))
    p1 = torch.softmax(torch.tensor([0.7, 0.3], dtype=torch.float64), dim=0)[0]
    assert f"{p1.item():.4f}" == "0.5987"
    assert_close(loss, -torch.log(torch.sigmoid(torch.tensor(0.4, dtype=torch.float64))))
    assert f"{loss.item():.4f}" == "0.5130"
    # The seed's 0.668 is sigmoid(0.7), the score of item 1 alone, and -log(0.668) = 0.403.
    assert f"{torch.sigmoid(torch.tensor(0.7)).item():.3f}" == "0.668"
    assert abs(loss.item() - 0.403) > 0.1


def test_lambda_loss_gradient_is_the_lambdarank_lambdas():
    # Burges (2010): lambda_i = sum_j |dNDCG_ij| * (-sigma) / (1 + exp(sigma (s_i - s_j))) over
    # pairs where i is more relevant, minus the same over pairs where i is the less relevant one.
    g = gen(5)
    s = torch.randn(7, generator=g, dtype=torch.float64)
    r = torch.randint(0, 4, (7,), generator=g)
    sigma = 1.5
    x = s.clone().requires_grad_()
    lb.lambda_loss(x, r, sigma=sigma).backward()
    w = ranking._delta_ndcg(s[None], r[None].double(), torch.ones(1, 7, dtype=torch.bool), None, "exp")[0]
    lam = torch.zeros(7, dtype=torch.float64)
    for i in range(7):
        for j in range(7):
            if r[i] > r[j]:
                rho = sigma / (1 + torch.exp(sigma * (s[i] - s[j])))
                lam[i] -= w[i, j] * rho
                lam[j] += w[i, j] * rho
    assert_close(x.grad, lam)


def test_listnet_is_minimal_when_scores_equal_relevance_up_to_a_shift():
    r = torch.tensor([3.0, 0.0, 1.0, 2.0], dtype=torch.float64)
    x = (r + 5).requires_grad_()
    loss = lb.listnet_loss(x, r)
    loss.backward()
    p = torch.softmax(r, dim=0)
    assert_close(loss, -(p * p.log()).sum())  # the entropy of the target, not zero
    assert_close(x.grad, torch.zeros(4, dtype=torch.float64))


def test_pair_losses_vanish_for_a_confident_perfect_ranking():
    r = torch.tensor([[3, 2, 1, 0]])
    s = torch.tensor([[300.0, 200.0, 100.0, 0.0]])
    assert lb.ranknet_loss(s, r).item() == pytest.approx(0.0, abs=1e-30)
    assert lb.lambda_loss(s, r).item() == pytest.approx(0.0, abs=1e-30)


# --------------------------------------------------------------------------- padding

@pytest.mark.parametrize("name", LIST_LOSSES)
def test_padded_batch_equals_each_list_alone(name):
    scores, relevance, mask = ragged_batch([5, 2, 4, 1], 5, seed=6)  # padding holds NaN and -1
    x = scores.clone().requires_grad_()
    batch = LIST_LOSSES[name](x, relevance, mask=mask, reduction="none")
    batch.sum().backward()
    assert torch.isfinite(x.grad).all()
    assert (x.grad[~mask] == 0).all()
    for q in range(scores.shape[0]):
        xq = scores[q][mask[q]].clone().requires_grad_()
        alone = LIST_LOSSES[name](xq, relevance[q][mask[q]], reduction="none")
        alone.backward()
        assert alone.shape == ()
        assert_close(batch[q], alone)
        assert_close(x.grad[q][mask[q]], xq.grad)


@pytest.mark.parametrize("name", LIST_LOSSES)
def test_fully_padded_list_has_zero_loss_and_gradient(name):
    s = torch.tensor([[1.0, 2.0], [float("nan"), 4.0]], dtype=torch.float64, requires_grad=True)
    r = torch.tensor([[1, 0], [2, 0]])
    mask = torch.tensor([[True, True], [False, False]])
    loss = LIST_LOSSES[name](s, r, mask=mask, reduction="none")
    loss.sum().backward()
    assert loss[1].item() == 0.0
    assert (s.grad[1] == 0).all()


def test_padding_ndcg_equals_each_list_alone():
    scores, relevance, mask = ragged_batch([6, 3, 2], 6, seed=7)
    got = lb.ndcg(scores, relevance, mask=mask, k=3)
    want = torch.stack([lb.ndcg(scores[q][mask[q]], relevance[q][mask[q]], k=3) for q in range(3)])
    assert_close(got, want)


# --------------------------------------------------------------------------- NDCG

@pytest.mark.parametrize("k", [None, 1, 3, 5, 20])
def test_ndcg_linear_gain_equals_sklearn(k):
    from sklearn.metrics import ndcg_score  # here, not at the top: importing sklearn takes seconds
    g = gen(8)
    scores = torch.randn(6, 8, generator=g, dtype=torch.float64)
    relevance = torch.randint(0, 5, (6, 8), generator=g)
    relevance[2] = 0  # no relevant item: NDCG 0 in both
    ours = lb.ndcg(scores, relevance, k=k, gain="linear")
    theirs = [ndcg_score(relevance[q:q + 1].numpy(), scores[q:q + 1].numpy(), k=k, ignore_ties=True)
              for q in range(6)]
    assert_close(ours, torch.tensor(theirs, dtype=torch.float64))
    assert ours[2].item() == 0.0


def test_ndcg_exp_gain_equals_sklearn_on_transformed_labels():
    from sklearn.metrics import ndcg_score
    g = gen(9)
    scores = torch.randn(4, 10, generator=g, dtype=torch.float64)
    relevance = torch.randint(0, 5, (4, 10), generator=g)
    ours = lb.ndcg(scores, relevance, k=5)
    theirs = ndcg_score((2.0 ** relevance - 1).numpy(), scores.numpy(), k=5, ignore_ties=True, )
    assert_close(ours.mean(), torch.tensor(theirs, dtype=torch.float64))
    assert_close(ours, torch.tensor([naive_ndcg(scores[q].tolist(), relevance[q].tolist(), k=5)
                                     for q in range(4)], dtype=torch.float64))


def test_ndcg_is_one_for_the_ideal_order_and_has_no_gradient():
    r = torch.tensor([0, 3, 1, 2])
    s = r.double().requires_grad_()
    value = lb.ndcg(s, r)
    assert value.item() == pytest.approx(1.0)
    assert not value.requires_grad


# --------------------------------------------------------------------------- gradcheck

@pytest.mark.parametrize("name", LIST_LOSSES)
def test_list_losses_gradcheck(name):
    scores, relevance, mask = ragged_batch([5, 3], 5, seed=10, pad=0.0)
    x = scores.clone().requires_grad_()
    assert torch.autograd.gradcheck(lambda t: LIST_LOSSES[name](t, relevance, mask=mask), (x,))


def test_margin_ranking_gradcheck():
    g = gen(11)
    x1 = torch.randn(6, generator=g, dtype=torch.float64, requires_grad=True)
    x2 = torch.randn(6, generator=g, dtype=torch.float64, requires_grad=True)
    target = sign_target((6,), g, torch.float64)
    assert torch.autograd.gradcheck(lambda a, b: lb.margin_ranking_loss(a, b, target, margin=0.1), (x1, x2))


# --------------------------------------------------------------------------- properties

def list_batches(unique=False):
    """(scores, relevance) arrays of shape (Q, L), scores distinct when ``unique``."""
    shapes = st.tuples(st.integers(1, 4), st.integers(1, 6))
    return shapes.flatmap(lambda shape: st.tuples(
        hnp.arrays(np.float64, shape, elements=st.floats(-8, 8, width=32), unique=unique),
        hnp.arrays(np.int64, shape, elements=st.integers(0, 4))))


@given(list_batches(), st.sampled_from(sorted(LIST_LOSSES)))
def test_list_losses_are_non_negative_and_sum_is_none_sum(batch, name):
    s, r = torch.from_numpy(batch[0]), torch.from_numpy(batch[1])
    fn = LIST_LOSSES[name]
    none = fn(s, r, reduction="none")
    assert none.shape == (s.shape[0],)
    assert (none >= 0).all()
    assert_close(fn(s, r, reduction="sum"), none.sum())
    assert_close(fn(s, r, reduction="mean"), none.mean())


@given(list_batches(unique=True), st.sampled_from(sorted(LIST_LOSSES)), st.randoms(use_true_random=False))
def test_permuting_items_and_queries_changes_nothing(batch, name, rnd):
    s, r = torch.from_numpy(batch[0]), torch.from_numpy(batch[1])
    fn = LIST_LOSSES[name]
    none = fn(s, r, reduction="none")
    items = torch.tensor(rnd.sample(range(s.shape[1]), s.shape[1]))
    assert_close(fn(s[:, items], r[:, items], reduction="none"), none)
    queries = torch.tensor(rnd.sample(range(s.shape[0]), s.shape[0]))
    assert_close(fn(s[queries], r[queries], reduction="none"), none[queries])
    assert_close(lb.ndcg(s[:, items], r[:, items], k=3), lb.ndcg(s, r, k=3))


@given(hnp.arrays(np.float64, st.integers(0, 10), elements=st.floats(-50, 50)),
       st.floats(-2, 2), st.sampled_from(REDUCTIONS))
def test_margin_ranking_properties(x, margin, reduction):
    x1 = torch.from_numpy(x)
    x2 = torch.flip(x1, dims=(0,))
    target = torch.where(torch.arange(len(x)) % 2 == 0, 1.0, -1.0).double()
    none = lb.margin_ranking_loss(x1, x2, target, margin=margin, reduction="none")
    assert (none >= 0).all()
    assert_close(lb.margin_ranking_loss(x1, x2, target, margin=margin, reduction="sum"), none.sum())
    perm = torch.randperm(len(x), generator=gen(len(x)))
    assert_close(lb.margin_ranking_loss(x1[perm], x2[perm], target[perm], margin=margin, reduction="none"),
                 none[perm])


# --------------------------------------------------------------------------- stability and dtypes

@pytest.mark.parametrize("name", LIST_LOSSES)
def test_extreme_scores_float32_stay_finite(name):
    s = torch.tensor([[1e4, -1e4, 0.0, 5e3], [-1e4, 1e4, -1e4, 1e4]], requires_grad=True)
    r = torch.tensor([[0, 3, 1, 2], [4, 0, 2, 1]])
    loss = LIST_LOSSES[name](s, r)
    loss.backward()
    assert torch.isfinite(loss) and loss.item() > 100  # badly wrong order: large, finite loss
    assert torch.isfinite(s.grad).all()


def test_extreme_margin_ranking_float32_stays_finite():
    x1 = torch.tensor([1e4, -1e4], requires_grad=True)
    x2 = torch.tensor([-1e4, 1e4], requires_grad=True)
    loss = lb.margin_ranking_loss(x1, x2, torch.tensor([-1.0, 1.0]))
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(x1.grad).all()


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
@pytest.mark.parametrize("name", LIST_LOSSES)
def test_half_precision_is_close_to_float32(name, dtype):
    scores, relevance, _ = ragged_batch([6, 6], 6, seed=12)
    want = LIST_LOSSES[name](scores.float(), relevance)
    got = LIST_LOSSES[name](scores.to(dtype), relevance)
    assert got.dtype == dtype
    assert_close(got.float(), want, rtol=0.03, atol=0.03)


# --------------------------------------------------------------------------- modules and catalog

@pytest.mark.parametrize("module,fn,kwargs", [
    (lb.RankNetLoss, lb.ranknet_loss, {"sigma": 0.7}),
    (lb.ListNetLoss, lb.listnet_loss, {}),
    (lb.LambdaLoss, lb.lambda_loss, {"sigma": 0.7, "k": 3, "gain": "linear"}),
])
def test_modules_call_their_functions(module, fn, kwargs):
    scores, relevance, mask = ragged_batch([4, 2], 4, seed=13)
    for reduction in REDUCTIONS:
        assert_close(module(reduction=reduction, **kwargs)(scores, relevance, mask),
                     fn(scores, relevance, mask=mask, reduction=reduction, **kwargs))


def test_catalog_rows_name_real_functions_and_modules():
    assert [info.name for info in ranking.CATALOG] == [
        "margin_ranking_loss", "ranknet_loss", "listnet_loss", "lambda_loss", "approx_ndcg_loss"]
    for info in ranking.CATALOG:
        assert info.name in ranking.__all__ and info.module in ranking.__all__
        assert info.family == "ranking" and info.chapter == "chapters/ranking-losses"
    assert "ndcg" in ranking.__all__


# --------------------------------------------------------------------------- bad input

S = torch.zeros(2, 3)
R = torch.zeros(2, 3, dtype=torch.long)
X = torch.zeros(3)

BAD = [
    ("target 0", lambda: lb.margin_ranking_loss(X, X, torch.tensor([1.0, 0.0, -1.0])), ValueError, "target"),
    ("target bool", lambda: lb.margin_ranking_loss(X, X, torch.ones(3, dtype=torch.bool)), TypeError, "target"),
    ("input2 broadcast", lambda: lb.margin_ranking_loss(X, torch.zeros(3, 1), torch.ones(3)), ValueError, "input2"),
    ("target shape", lambda: lb.margin_ranking_loss(X, X, torch.ones(1)), ValueError, "target"),
    ("input1 long", lambda: lb.margin_ranking_loss(X.long(), X, torch.ones(3)), TypeError, "input1"),
    ("margin str", lambda: lb.margin_ranking_loss(X, X, torch.ones(3), margin="1"), TypeError, "margin"),
    ("margin reduction", lambda: lb.margin_ranking_loss(X, X, torch.ones(3), reduction="avg"), ValueError, "reduction"),
    ("negative relevance", lambda: lb.ranknet_loss(S, -torch.ones(2, 3)), ValueError, "relevance"),
    ("nan relevance", lambda: lb.listnet_loss(S, torch.full((2, 3), float("nan"))), ValueError, "relevance"),
    ("bool relevance", lambda: lb.listnet_loss(S, torch.ones(2, 3, dtype=torch.bool)), TypeError, "relevance"),
    ("relevance shape", lambda: lb.lambda_loss(S, torch.zeros(2, 4)), ValueError, "relevance"),
    ("relevance (Q, L, 1)", lambda: lb.ranknet_loss(S, torch.zeros(2, 3, 1)), ValueError, "relevance"),
    ("mask float", lambda: lb.ranknet_loss(S, R, mask=torch.ones(2, 3)), TypeError, "mask"),
    ("mask shape", lambda: lb.listnet_loss(S, R, mask=torch.ones(2, 2, dtype=torch.bool)), ValueError, "mask"),
    ("scores long", lambda: lb.ranknet_loss(R, R), TypeError, "scores"),
    ("scores 3-D", lambda: lb.listnet_loss(torch.zeros(1, 2, 3), torch.zeros(1, 2, 3)), ValueError, "scores"),
    ("sigma 0", lambda: lb.ranknet_loss(S, R, sigma=0), ValueError, "sigma"),
    ("sigma negative", lambda: lb.lambda_loss(S, R, sigma=-1.0), ValueError, "sigma"),
    ("k 0", lambda: lb.lambda_loss(S, R, k=0), ValueError, "k"),
    ("k float", lambda: lb.ndcg(S, R, k=2.5), TypeError, "k"),
    ("gain", lambda: lb.ndcg(S, R, gain="log"), ValueError, "gain"),
    ("ranknet reduction", lambda: lb.ranknet_loss(S, R, reduction="batchmean"), ValueError, "reduction"),
    ("listnet reduction", lambda: lb.listnet_loss(S, R, reduction=None), ValueError, "reduction"),
    ("lambda reduction", lambda: lb.lambda_loss(S, R, reduction="avg"), ValueError, "reduction"),
    ("module sigma", lambda: lb.RankNetLoss(sigma=0.0), ValueError, "sigma"),
    ("module k", lambda: lb.LambdaLoss(k=-2), ValueError, "k"),
    ("module margin", lambda: lb.MarginRankingLoss(margin=None), TypeError, "margin"),
]


@pytest.mark.parametrize("call,exc,name", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_refused(call, exc, name):
    with pytest.raises(exc, match=f"`{name}`"):
        call()


def test_negative_relevance_on_padding_is_allowed():
    r = torch.tensor([[2, 0, -1]])
    mask = torch.tensor([[True, True, False]])
    assert torch.isfinite(lb.ranknet_loss(torch.zeros(1, 3), r, mask=mask))
