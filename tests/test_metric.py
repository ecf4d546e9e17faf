"""lossbook.metric: the three twins against PyTorch; contrastive, batch-all, batch-hard, binomial
deviance and InfoNCE against naive loops written here; properties, the seed-000 bugs, bad inputs."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from torch.testing import assert_close

import lossbook as lb
from lossbook import metric

REDUCTIONS = ("none", "mean", "sum")
F64 = torch.float64


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def randn(*shape, seed=0, scale=1.0):
    return torch.randn(shape, generator=gen(seed), dtype=F64) * scale


def sign_target(shape, seed, dtype):
    return (torch.randint(0, 2, shape, generator=gen(seed)) * 2 - 1).to(dtype)


def run_both(fns, inputs, **kwargs):
    """Value and gradients (w.r.t. every input) of each function, on fresh leaf copies."""
    results = []
    for fn in fns:
        leaves = [x.clone().requires_grad_() for x in inputs]
        loss = fn(*leaves, **kwargs)
        loss.sum().backward()
        results.append([loss.detach()] + [x.grad for x in leaves])
    return results


def assert_same(results):
    ours, theirs = results
    assert ours[0].shape == theirs[0].shape
    for o, t in zip(ours, theirs):
        assert_close(o, t, equal_nan=True)


# --------------------------------------------------------------------------- hinge embedding

@pytest.mark.parametrize("shape", [(), (7,), (3, 4), (2, 3, 5), (0,)], ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.5, -0.3, 2])
@pytest.mark.parametrize("target_dtype", [F64, torch.long], ids=str)
def test_hinge_embedding_equals_pytorch(shape, reduction, margin, target_dtype):
    x = randn(*shape, seed=1)
    target = sign_target(shape, 2, target_dtype)
    results = []
    for fn in (lb.hinge_embedding_loss, F.hinge_embedding_loss):
        leaf = x.clone().requires_grad_()
        loss = fn(leaf, target, margin=margin, reduction=reduction)
        loss.sum().backward()
        results.append([loss.detach(), leaf.grad])
    assert_same(results)


def test_hinge_embedding_gradient_at_the_margin_equals_pytorch():
    x = torch.tensor([1.0, 0.5, 2.0], dtype=F64)  # the first sits exactly on the margin
    target = torch.tensor([-1.0, -1.0, 1.0], dtype=F64)
    results = []
    for fn in (lb.hinge_embedding_loss, F.hinge_embedding_loss):
        leaf = x.clone().requires_grad_()
        fn(leaf, target, margin=1.0, reduction="sum").backward()
        results.append(leaf.grad)
    assert_close(*results)


def test_hinge_embedding_rejects_randn_targets_pytorch_accepts():
    x, target = randn(3, 5, seed=3).abs(), randn(3, 5, seed=4)  # seed 001's example
    # PyTorch gives every entry with target neither 1 nor -1 BOTH branches: x + max(0, 1 - x).
    torch_loss = F.hinge_embedding_loss(x, target, reduction="none")
    assert_close(torch_loss, x + torch.clamp_min(1 - x, 0))
    with pytest.raises(ValueError, match="`target`"):
        lb.hinge_embedding_loss(x, target)


def test_hinge_embedding_module_equals_pytorch_module():
    x, target = randn(4, 6, seed=5), sign_target((4, 6), 6, F64)
    for reduction in REDUCTIONS:
        assert_close(lb.HingeEmbeddingLoss(margin=0.7, reduction=reduction)(x, target),
                     nn.HingeEmbeddingLoss(margin=0.7, reduction=reduction)(x, target))


# --------------------------------------------------------------------------- cosine embedding

@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.3, -0.5, 1.0])
@pytest.mark.parametrize("target_dtype", [F64, torch.long], ids=str)
def test_cosine_embedding_equals_pytorch(batched, reduction, margin, target_dtype):
    if batched:
        x1, x2 = randn(8, 5, seed=7), randn(8, 5, seed=8)
        x1[0] = 0.0  # a zero vector: ATen's eps on the squared norms gives cosine 0, not NaN
        target = sign_target((8,), 9, target_dtype)
    else:
        x1, x2 = randn(5, seed=7), randn(5, seed=8)
        target = torch.tensor(-1, dtype=target_dtype)
    assert_same(run_both((lb.cosine_embedding_loss, F.cosine_embedding_loss), (x1, x2),
                         target=target, margin=margin, reduction=reduction))


def test_cosine_embedding_module_equals_pytorch_module():
    x1, x2, target = randn(6, 3, seed=10), randn(6, 3, seed=11), sign_target((6,), 12, F64)
    for reduction in REDUCTIONS:
        assert_close(lb.CosineEmbeddingLoss(margin=0.2, reduction=reduction)(x1, x2, target),
                     nn.CosineEmbeddingLoss(margin=0.2, reduction=reduction)(x1, x2, target))


def test_cosine_embedding_uses_atens_epsilon_on_squared_norms():
    x1, x2 = torch.tensor([[1e-7, 0.0]], dtype=F64), torch.tensor([[1.0, 0.0]], dtype=F64)
    ours = lb.cosine_embedding_loss(x1, x2, torch.tensor([1]), reduction="none")
    expected = 1 - 1e-7 / math.sqrt((1e-14 + 1e-12) * (1 + 1e-12))
    assert ours.item() == pytest.approx(expected, rel=1e-12)
    assert_close(ours, F.cosine_embedding_loss(x1, x2, torch.tensor([1]), reduction="none"))


# --------------------------------------------------------------------------- triplet margin

TRIPLET_OPTIONS = [
    dict(),
    dict(margin=0.3),
    dict(p=1),
    dict(p=3.0),
    dict(p=math.inf),
    dict(swap=True),
    dict(swap=True, p=1, margin=2.0),
    dict(eps=0.0),
    dict(eps=0.1),
]


@pytest.mark.parametrize("shape", [(6, 4), (4,), (0, 4)], ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", TRIPLET_OPTIONS, ids=str)
def test_triplet_margin_equals_pytorch(shape, reduction, options):
    a, p, n = randn(*shape, seed=13), randn(*shape, seed=14), randn(*shape, seed=15)
    assert_same(run_both((lb.triplet_margin_loss, F.triplet_margin_loss), (a, p, n),
                         reduction=reduction, **options))


def test_triplet_margin_module_equals_pytorch_module():
    a, p, n = randn(5, 3, seed=16), randn(5, 3, seed=17), randn(5, 3, seed=18)
    for reduction in REDUCTIONS:
        ours = lb.TripletMarginLoss(margin=0.5, p=1.0, swap=True, reduction=reduction)(a, p, n)
        theirs = nn.TripletMarginLoss(margin=0.5, p=1.0, swap=True, reduction=reduction)(a, p, n)
        assert_close(ours, theirs)


def test_triplet_margin_adds_eps_to_the_difference():
    a = torch.zeros(3, dtype=F64)
    # Identical points are eps * sqrt(D) apart, as in F.pairwise_distance.
    assert_close(metric._pairwise_distance(a, a, 2, 1e-6), torch.tensor(1e-6 * math.sqrt(3), dtype=F64))
    assert_close(metric._pairwise_distance(a, a, 2, 1e-6), F.pairwise_distance(a, a))


# --------------------------------------------------------------------------- naive references

def ref_distance(x, y, squared=False):
    sq = sum((x[k] - y[k]) ** 2 for k in range(len(x)))
    return sq if squared else torch.sqrt(sq)


def ref_contrastive(x1, x2, target, margin, reduction):
    losses = []
    for a, b, t in zip(x1, x2, target.tolist()):
        d = ref_distance(a, b)
        losses.append(d ** 2 if t == 1 else torch.clamp_min(margin - d, 0) ** 2)
    losses = torch.stack(losses)
    return {"none": losses, "sum": losses.sum(), "mean": losses.mean()}[reduction]


def ref_batch_all(e, labels, margin, squared):
    b, labels = len(e), labels.tolist()
    total, active = e.new_zeros(()), 0
    for a in range(b):
        for p in range(b):
            for n in range(b):
                if a != p and labels[a] == labels[p] and labels[n] != labels[a]:
                    value = ref_distance(e[a], e[p], squared) - ref_distance(e[a], e[n], squared) + margin
                    if value > 0:
                        total, active = total + value, active + 1
    return total / max(active, 1), total


def ref_batch_hard(e, labels, margin, squared):
    b, labels = len(e), labels.tolist()
    per_anchor, valid = [], 0
    for a in range(b):
        pos = [ref_distance(e[a], e[p], squared) for p in range(b) if p != a and labels[p] == labels[a]]
        neg = [ref_distance(e[a], e[n], squared) for n in range(b) if labels[n] != labels[a]]
        if pos and neg:
            per_anchor.append(torch.clamp_min(max(pos) - min(neg) + margin, 0))
            valid += 1
        else:
            per_anchor.append(e.new_zeros(()))
    per_anchor = torch.stack(per_anchor)
    return per_anchor, per_anchor.sum() / max(valid, 1)


def ref_cosine(x, y):
    return sum(x[k] * y[k] for k in range(len(x))) / (ref_distance(x, 0 * x) * ref_distance(y, 0 * y))


def ref_binomial(e, labels, alpha, beta, cost):
    labels = labels.tolist()
    pos, neg = [], []
    for i in range(len(e)):
        for j in range(len(e)):
            if i == j:
                continue
            s = ref_cosine(e[i], e[j])
            if labels[i] == labels[j]:
                pos.append(torch.log(1 + torch.exp(-alpha * (s - beta))))
            else:
                neg.append(torch.log(1 + torch.exp(alpha * cost * (s - beta))))
    mean = lambda terms: sum(terms) / len(terms) if terms else 0.0  # noqa: E731
    return mean(pos) + mean(neg)


def ref_info_nce(z1, z2, temperature):
    z = torch.cat([z1, z2])
    n2, n = len(z), len(z1)
    losses = []
    for k in range(n2):
        partner = k + n if k < n else k - n
        others = [torch.exp(ref_cosine(z[k], z[j]) / temperature) for j in range(n2) if j != k]
        losses.append(-torch.log(torch.exp(ref_cosine(z[k], z[partner]) / temperature) / sum(others)))
    return torch.stack(losses)


def grads_of(fn, *inputs):
    leaves = [x.clone().requires_grad_() for x in inputs]
    out = fn(*leaves)
    out.sum().backward()
    return out.detach(), [x.grad for x in leaves]


# --------------------------------------------------------------------------- contrastive

@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 2.5, 0.3])
@pytest.mark.parametrize("target_dtype", [torch.long, F64, torch.bool], ids=str)
def test_contrastive_equals_loop(batched, reduction, margin, target_dtype):
    if batched:
        x1, x2 = randn(10, 3, seed=20), randn(10, 3, seed=21) * 0.5
        target = torch.tensor([1, 0, 0, 1, 0, 1, 1, 0, 0, 0]).to(target_dtype)
    else:
        x1, x2, target = randn(3, seed=20), randn(3, seed=21) * 0.5, torch.tensor(0).to(target_dtype)
    ours = grads_of(lambda a, b: lb.contrastive_loss(a, b, target, margin=margin, reduction=reduction), x1, x2)
    long_target = target.to(torch.long).reshape(-1)
    ref_fn = lambda a, b: ref_contrastive(a.reshape(-1, 3), b.reshape(-1, 3), long_target, margin,  # noqa: E731
                                          reduction).reshape(ours[0].shape)
    ref = grads_of(ref_fn, x1, x2)
    assert_close(ours[0], ref[0])
    for o, r in zip(ours[1], ref[1]):
        assert_close(o, r)


def test_contrastive_matches_hadsell_convention_and_margin_is_for_dissimilar_pairs():
    x1, x2 = randn(8, 4, seed=22), randn(8, 4, seed=23)
    y_hadsell = torch.tensor([0, 1, 1, 0, 1, 0, 0, 1])  # Hadsell et al.: Y = 0 means similar
    d = (x1 - x2).norm(dim=1)
    m = 2.0
    hadsell = ((1 - y_hadsell) * 0.5 * d ** 2 + y_hadsell * 0.5 * torch.clamp_min(m - d, 0) ** 2)
    ours = 0.5 * lb.contrastive_loss(x1, x2, 1 - y_hadsell, margin=m, reduction="none")
    assert_close(ours, hadsell)
    # A dissimilar pair farther apart than the margin costs nothing; a similar one always costs d².
    far1, far2 = torch.zeros(1, 2, dtype=F64), torch.tensor([[3.0, 0.0]], dtype=F64)
    assert lb.contrastive_loss(far1, far2, torch.tensor([0]), margin=m).item() == 0.0
    assert lb.contrastive_loss(far1, far2, torch.tensor([1]), margin=m).item() == pytest.approx(9.0)


@pytest.mark.parametrize("target", [0, 1])
def test_contrastive_gradient_is_finite_at_zero_distance(target):
    x1 = randn(2, 3, seed=24).requires_grad_()
    x2 = x1.detach().clone().requires_grad_()
    loss = lb.contrastive_loss(x1, x2, torch.tensor([target, target]), margin=1.0)
    loss.backward()
    assert torch.isfinite(x1.grad).all() and torch.isfinite(x2.grad).all()
    assert loss.item() == pytest.approx(1.0 if target == 0 else 0.0)


# --------------------------------------------------------------------------- batch all / batch hard

def labelled_batch(seed=30, b=9, d=3, classes=3):
    e = randn(b, d, seed=seed)
    labels = torch.randint(0, classes, (b,), generator=gen(seed + 1))
    return e, labels


@pytest.mark.parametrize("squared", [False, True])
@pytest.mark.parametrize("margin", [1.0, 0.2, 5.0])
@pytest.mark.parametrize("seed", [30, 31])
def test_batch_all_equals_loop(squared, margin, seed):
    e, labels = labelled_batch(seed)
    ours = grads_of(lambda x: lb.batch_all_triplet_loss(x, labels, margin=margin, squared=squared), e)
    ref = grads_of(lambda x: ref_batch_all(x, labels, margin, squared)[0], e)
    assert_close(ours[0], ref[0])
    assert_close(ours[1][0], ref[1][0])
    ours_sum = lb.batch_all_triplet_loss(e, labels, margin=margin, squared=squared, reduction="sum")
    assert_close(ours_sum, ref_batch_all(e, labels, margin, squared)[1])


def test_batch_all_fraction_none_and_sum():
    e, labels = labelled_batch(32, b=10)
    loss, fraction = lb.batch_all_triplet_loss(e, labels, margin=0.5, return_fraction=True)
    per_triplet = lb.batch_all_triplet_loss(e, labels, margin=0.5, reduction="none")
    assert per_triplet.shape == (10, 10, 10)
    assert_close(per_triplet.sum(), lb.batch_all_triplet_loss(e, labels, margin=0.5, reduction="sum"))
    same = labels[:, None] == labels[None, :]
    valid = (same & ~torch.eye(10, dtype=torch.bool))[:, :, None] & ~same[:, None, :]
    assert (per_triplet[~valid] == 0).all()
    active = (per_triplet > 0).sum()
    assert_close(loss, per_triplet.sum() / active)
    assert fraction.item() == pytest.approx(active.item() / valid.sum().item())
    assert not fraction.requires_grad and 0 < fraction.item() <= 1


@pytest.mark.parametrize("squared", [False, True])
@pytest.mark.parametrize("margin", [1.0, 0.2])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_batch_hard_equals_loop(squared, margin, reduction):
    e = randn(9, 3, seed=33)
    labels = torch.tensor([0, 0, 1, 1, 1, 2, 2, 3, 0])  # label 3 alone: an anchor without positive
    ours = grads_of(lambda x: lb.batch_hard_triplet_loss(x, labels, margin=margin, squared=squared,
                                                          reduction=reduction), e)

    def ref_fn(x):
        per_anchor, mean = ref_batch_hard(x, labels, margin, squared)
        return {"none": per_anchor, "sum": per_anchor.sum(), "mean": mean}[reduction]

    ref = grads_of(ref_fn, e)
    assert_close(ours[0], ref[0])
    assert_close(ours[1][0], ref[1][0])


def test_batch_hard_excludes_anchors_without_positive_or_negative():
    e = randn(5, 2, seed=34)
    labels = torch.tensor([0, 0, 1, 1, 2])
    per_anchor = lb.batch_hard_triplet_loss(e, labels, margin=10.0, reduction="none")
    assert per_anchor[4] == 0 and (per_anchor[:4] > 0).all()
    assert_close(lb.batch_hard_triplet_loss(e, labels, margin=10.0), per_anchor[:4].mean())
    one_class = lb.batch_hard_triplet_loss(e, torch.zeros(5, dtype=torch.long), margin=1.0)
    assert one_class.item() == 0.0  # no negative anywhere: no valid anchor


def test_distance_matrix_equals_cdist_and_has_finite_gradient_on_the_diagonal():
    e = randn(6, 4, seed=35)
    assert_close(lb.euclidean_distance_matrix(e), torch.cdist(e, e))
    assert_close(lb.euclidean_distance_matrix(e, squared=True), torch.cdist(e, e) ** 2)
    leaf = e.clone().requires_grad_()
    lb.euclidean_distance_matrix(leaf).sum().backward()
    assert torch.isfinite(leaf.grad).all()
    naive = e.clone().requires_grad_()
    torch.sqrt(((naive[:, None] - naive[None]) ** 2).sum(-1)).sum().backward()
    assert torch.isnan(naive.grad).all()  # the naive sqrt: 0 * inf on the diagonal


# --------------------------------------------------------------------------- binomial deviance

@pytest.mark.parametrize("params", [dict(), dict(scale=1.0, threshold=0.0, cost=1.0), dict(scale=5.0, threshold=-0.2, cost=3.0)],
                         ids=str)
@pytest.mark.parametrize("seed", [40, 41])
def test_binomial_deviance_equals_loop(params, seed):
    e, labels = labelled_batch(seed, b=8, d=4)
    full = {"alpha": params.get("scale", 2.0), "beta": params.get("threshold", 0.5), "cost": params.get("cost", 25.0)}
    ours = grads_of(lambda x: lb.binomial_deviance_loss(x, labels, **params), e)
    ref = grads_of(lambda x: ref_binomial(x, labels, **full), e)
    assert_close(ours[0], ref[0])
    assert_close(ours[1][0], ref[1][0])


def test_binomial_deviance_is_stable_where_the_naive_formula_overflows():
    e = torch.tensor([[1.0, 0.0], [1.0, 0.0], [1.0, 1e-3]])  # a near-duplicate negative
    labels = torch.tensor([0, 1, 2])
    loss = lb.binomial_deviance_loss(e, labels, scale=10.0, cost=100.0)
    # exp(10 * 100 * 0.5) overflows float32; softplus does not.
    naive = torch.log(1 + torch.exp(torch.tensor(10.0 * 100.0 * 0.5)))
    assert math.isinf(naive.item()) and math.isfinite(loss.item())


def test_seed_000_cosine_similarity_is_row_wise_not_pairwise():
    x = randn(5, 3, seed=42)
    with pytest.raises(TypeError):
        F.cosine_similarity()  # seed 000 calls it with no arguments in __init__
    row_wise = F.cosine_similarity(x, x)
    assert row_wise.shape == (5,)
    assert_close(row_wise, torch.ones(5, dtype=F64))  # every row with itself: all ones
    pairwise = lb.cosine_similarity_matrix(x)
    assert pairwise.shape == (5, 5)
    assert_close(torch.diagonal(pairwise), torch.ones(5, dtype=F64))
    assert (pairwise - torch.eye(5, dtype=F64)).abs().max() < 1 - 1e-6  # off-diagonal is informative
    assert_close(pairwise, F.cosine_similarity(x[:, None, :], x[None, :, :], dim=-1))


def test_seed_000_variable_cuts_the_graph_and_lossbook_does_not():
    from torch.autograd import Variable

    x = randn(6, 3, seed=43).requires_grad_()
    labels = torch.tensor([0, 0, 1, 1, 2, 2])
    sim = Variable(lb.cosine_similarity_matrix(x), requires_grad=True)  # a new leaf
    m = torch.where(labels[:, None] == labels[None, :], 1.0, -25.0).double()
    (F.softplus(-2.0 * (sim - 0.5) * m)).sum().backward()
    assert x.grad is None and sim.grad is not None
    cut = lb.cosine_similarity_matrix(x).detach().clone().requires_grad_()  # the modern spelling
    assert cut.is_leaf and cut.grad_fn is None
    lb.binomial_deviance_loss(x, labels).backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


# --------------------------------------------------------------------------- InfoNCE

@pytest.mark.parametrize("temperature", [0.1, 0.5, 1.0])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_info_nce_equals_loop(temperature, reduction):
    z1, z2 = randn(4, 3, seed=50), randn(4, 3, seed=51)
    ours = grads_of(lambda a, b: lb.info_nce_loss(a, b, temperature=temperature, reduction=reduction), z1, z2)

    def ref_fn(a, b):
        per = ref_info_nce(a, b, temperature)
        return {"none": per, "sum": per.sum(), "mean": per.mean()}[reduction]

    ref = grads_of(ref_fn, z1, z2)
    assert_close(ours[0], ref[0])
    for o, r in zip(ours[1], ref[1]):
        assert_close(o, r)


def test_info_nce_is_cross_entropy_over_the_other_embeddings():
    z1, z2 = randn(6, 5, seed=52), randn(6, 5, seed=53)
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    logits = (z @ z.T / 0.2).fill_diagonal_(-math.inf)
    target = torch.cat([torch.arange(6, 12), torch.arange(6)])
    assert_close(lb.info_nce_loss(z1, z2, temperature=0.2), F.cross_entropy(logits, target))


def test_info_nce_single_pair_and_perfect_views():
    z = randn(1, 4, seed=54)
    assert lb.info_nce_loss(z, z.clone()).item() == pytest.approx(0.0, abs=1e-12)
    # Identical views, orthogonal examples: each positive logit 1/tau against 2N-2 logits 0.
    eye = torch.eye(3, dtype=F64)
    tau = 0.5
    expected = -1 / tau + math.log(math.exp(1 / tau) + 4)
    assert lb.info_nce_loss(eye, eye.clone(), temperature=tau).item() == pytest.approx(expected)


# --------------------------------------------------------------------------- gradcheck

GRADCHECK_CASES = {
    "hinge": (lambda x, y: lb.hinge_embedding_loss(x - y, torch.tensor([1.0, -1.0, -1.0, 1.0]), margin=2.0), 4, 1),
    "cosine": (lambda x, y: lb.cosine_embedding_loss(x, y, torch.tensor([1, -1, -1, 1]), margin=-0.5), 4, 3),
    "triplet": (lambda x, y: lb.triplet_margin_loss(x, y, x.flip(0) * 0.3, margin=3.0, swap=True), 4, 3),
    "contrastive": (lambda x, y: lb.contrastive_loss(x, y, torch.tensor([1, 0, 0, 1]), margin=3.0), 4, 3),
    "batch_all": (lambda x, y: lb.batch_all_triplet_loss(torch.cat([x, y]), torch.tensor([0, 1, 2, 0, 1, 2, 0, 1]),
                                                         margin=2.0), 4, 3),
    "batch_hard": (lambda x, y: lb.batch_hard_triplet_loss(torch.cat([x, y]), torch.tensor([0, 1, 2, 0, 1, 2, 0, 1]),
                                                           margin=2.0), 4, 3),
    "binomial": (lambda x, y: lb.binomial_deviance_loss(torch.cat([x, y]), torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])),
                 4, 3),
    "info_nce": (lambda x, y: lb.info_nce_loss(x, y, temperature=0.3), 4, 3),
}


@pytest.mark.parametrize("name", list(GRADCHECK_CASES))
def test_gradcheck(name):
    fn, n, d = GRADCHECK_CASES[name]
    shape = (n,) if d == 1 else (n, d)
    x = randn(*shape, seed=60).requires_grad_()
    y = randn(*shape, seed=61).requires_grad_()
    assert torch.autograd.gradcheck(fn, (x, y))


# --------------------------------------------------------------------------- properties

BATCH_LOSSES = {
    "batch_all": lambda e, y: lb.batch_all_triplet_loss(e, y, margin=0.5),
    "batch_hard": lambda e, y: lb.batch_hard_triplet_loss(e, y, margin=0.5),
    "binomial": lambda e, y: lb.binomial_deviance_loss(e, y),
}
PAIR_LOSSES = {
    "contrastive": lambda a, b, t: lb.contrastive_loss(a, b, t, margin=1.5),
    "cosine": lambda a, b, t: lb.cosine_embedding_loss(a, b, 2 * t - 1, margin=0.1),
    "triplet": lambda a, b, t: lb.triplet_margin_loss(a, b, 0.5 * a - b, margin=0.7, eps=0.0),
    "info_nce": lambda a, b, t: lb.info_nce_loss(a, b, temperature=0.5),
}


def random_orthogonal(d, seed):
    q, r = torch.linalg.qr(torch.randn(d, d, generator=gen(seed), dtype=F64))
    return q * torch.sign(torch.diagonal(r))


@given(seed=st.integers(0, 10_000), b=st.integers(2, 10), d=st.integers(1, 5))
def test_batch_losses_non_negative_permutation_and_rotation_invariant(seed, b, d):
    e = randn(b, d, seed=seed)
    labels = torch.randint(0, 3, (b,), generator=gen(seed + 1))
    perm = torch.randperm(b, generator=gen(seed + 2))
    rotation = random_orthogonal(d, seed + 3)
    for name, fn in BATCH_LOSSES.items():
        loss = fn(e, labels)
        assert loss.item() >= 0, name
        assert_close(fn(e[perm], labels[perm]), loss, msg=name)
        assert_close(fn(e @ rotation, labels), loss, msg=name)


@given(seed=st.integers(0, 10_000), n=st.integers(1, 8), d=st.integers(1, 5))
def test_pair_losses_non_negative_permutation_and_rotation_invariant(seed, n, d):
    a, b = randn(n, d, seed=seed), randn(n, d, seed=seed + 1)
    t = torch.randint(0, 2, (n,), generator=gen(seed + 2))
    perm = torch.randperm(n, generator=gen(seed + 3))
    rotation = random_orthogonal(d, seed + 4)
    for name, fn in PAIR_LOSSES.items():
        loss = fn(a, b, t)
        assert loss.item() >= -1e-12, name
        assert_close(fn(a[perm], b[perm], t[perm]), loss, msg=name)
        assert_close(fn(a @ rotation, b @ rotation, t), loss, msg=name)


@given(seed=st.integers(0, 10_000), n=st.integers(0, 8))
def test_sum_equals_none_sum(seed, n):
    a, b = randn(n, 3, seed=seed), randn(n, 3, seed=seed + 1)
    t = torch.randint(0, 2, (n,), generator=gen(seed + 2))
    cases = [
        lambda r: lb.contrastive_loss(a, b, t, reduction=r),
        lambda r: lb.cosine_embedding_loss(a, b, 2 * t - 1, reduction=r),
        lambda r: lb.hinge_embedding_loss(a[:, 0], 2 * t - 1, reduction=r),
        lambda r: lb.triplet_margin_loss(a, b, b.flip(0), reduction=r),
    ]
    if n:
        labels = torch.randint(0, 2, (2 * n,), generator=gen(seed + 3))
        cases += [lambda r: lb.info_nce_loss(a, b, reduction=r),
                  lambda r: lb.batch_hard_triplet_loss(torch.cat([a, b]), labels, reduction=r),
                  lambda r: lb.batch_all_triplet_loss(torch.cat([a, b]), labels, reduction=r)]
    for fn in cases:
        assert_close(fn("sum"), fn("none").sum())


# --------------------------------------------------------------------------- collapse

def test_collapsed_embedding_costs_the_margin():
    collapsed = torch.ones(6, 3, dtype=F64)
    labels = torch.tensor([0, 0, 1, 1, 2, 2])
    assert lb.batch_hard_triplet_loss(collapsed, labels, margin=0.4).item() == pytest.approx(0.4)
    assert lb.batch_all_triplet_loss(collapsed, labels, margin=0.4).item() == pytest.approx(0.4)
    assert lb.triplet_margin_loss(collapsed, collapsed, collapsed, margin=0.4).item() == pytest.approx(0.4)
    pair_target = torch.tensor([1, 0, 1, 0, 1, 0])
    # Similar pairs cost nothing, dissimilar ones margin² each: half the pairs here.
    assert lb.contrastive_loss(collapsed, collapsed, pair_target, margin=0.4).item() == pytest.approx(0.08)
    # InfoNCE at collapse: every logit equal, the loss is log(2N - 1).
    assert lb.info_nce_loss(collapsed, collapsed.clone()).item() == pytest.approx(math.log(11))


# --------------------------------------------------------------------------- stability and dtypes

def test_large_embeddings_give_finite_values_and_gradients_float32():
    e = (torch.randn(8, 4, generator=gen(70)) * 1e4).requires_grad_()
    labels = torch.tensor([0, 0, 1, 1, 2, 2, 3, 3])
    losses = [
        lb.batch_all_triplet_loss(e, labels), lb.batch_hard_triplet_loss(e, labels),
        lb.binomial_deviance_loss(e, labels), lb.info_nce_loss(e[:4], e[4:], temperature=0.01),
        lb.contrastive_loss(e[:4], e[4:], torch.tensor([1, 0, 1, 0])),
        lb.cosine_embedding_loss(e[:4], e[4:], torch.tensor([1, -1, 1, -1])),
        lb.triplet_margin_loss(e[:3], e[3:6], e[5:]),
    ]
    for loss in losses:
        assert torch.isfinite(loss)
        (grad,) = torch.autograd.grad(loss, e)
        assert torch.isfinite(grad).all()


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16], ids=str)
def test_low_precision_runs_and_agrees_roughly(dtype):
    e = torch.randn(8, 4, generator=gen(71))
    labels = torch.tensor([0, 0, 1, 1, 2, 2, 3, 3])
    for fn in (lambda x: lb.batch_hard_triplet_loss(x, labels), lambda x: lb.binomial_deviance_loss(x, labels),
               lambda x: lb.info_nce_loss(x[:4], x[4:], temperature=0.5),
               lambda x: lb.contrastive_loss(x[:4], x[4:], torch.tensor([1, 0, 1, 0]))):
        low = fn(e.to(dtype))
        assert low.dtype == dtype
        assert_close(low.float(), fn(e), rtol=0.05, atol=0.05)


# --------------------------------------------------------------------------- bad inputs

X = torch.randn(4, 3)
LABELS = torch.tensor([0, 0, 1, 1])
BAD_INPUTS = [
    ("hinge randn targets (seed 001)", lambda: lb.hinge_embedding_loss(X, torch.randn(4, 3)), ValueError, "target"),
    ("hinge target shape", lambda: lb.hinge_embedding_loss(X, torch.ones(4)), ValueError, "target"),
    ("hinge bool target", lambda: lb.hinge_embedding_loss(X, torch.ones(4, 3, dtype=torch.bool)), TypeError,
     "target"),
    ("hinge integer input", lambda: lb.hinge_embedding_loss(torch.ones(3, dtype=torch.long), torch.ones(3)),
     TypeError, "input"),
    ("cosine target 0", lambda: lb.cosine_embedding_loss(X, X, torch.tensor([1, 0, 1, 1])), ValueError, "target"),
    ("cosine target shape", lambda: lb.cosine_embedding_loss(X, X, torch.ones(3)), ValueError, "target"),
    ("cosine margin > 1", lambda: lb.cosine_embedding_loss(X, X, torch.ones(4), margin=1.5), ValueError, "margin"),
    ("cosine shapes", lambda: lb.cosine_embedding_loss(X, X[:, :2], torch.ones(4)), ValueError, "input2"),
    ("triplet margin 0", lambda: lb.triplet_margin_loss(X, X, X, margin=0.0), ValueError, "margin"),
    ("triplet shapes", lambda: lb.triplet_margin_loss(X, X, X[:2]), ValueError, "negative"),
    ("triplet p <= 0", lambda: lb.triplet_margin_loss(X, X, X, p=0), ValueError, "`p`"),
    ("triplet 3-D", lambda: lb.triplet_margin_loss(X[None], X[None], X[None]), ValueError, "anchor"),
    ("contrastive target 2", lambda: lb.contrastive_loss(X, X, torch.tensor([0, 1, 2, 1])), ValueError, "target"),
    ("contrastive target -1", lambda: lb.contrastive_loss(X, X, torch.tensor([0, 1, -1, 1])), ValueError,
     "target"),
    ("contrastive negative margin", lambda: lb.contrastive_loss(X, X, torch.ones(4), margin=-1.0), ValueError,
     "margin"),
    ("batch-all float labels", lambda: lb.batch_all_triplet_loss(X, LABELS.float()), TypeError, "labels"),
    ("batch-hard labels length", lambda: lb.batch_hard_triplet_loss(X, LABELS[:3]), ValueError, "labels"),
    ("batch-hard negative margin", lambda: lb.batch_hard_triplet_loss(X, LABELS, margin=-0.2), ValueError,
     "margin"),
    ("batch-all 1-D embeddings", lambda: lb.batch_all_triplet_loss(X[0], LABELS[:3]), ValueError, "embeddings"),
    ("batch-all unknown reduction", lambda: lb.batch_all_triplet_loss(X, LABELS, reduction="batchmean"),
     ValueError, "reduction"),
    ("binomial bool labels", lambda: lb.binomial_deviance_loss(X, LABELS.bool()), TypeError, "labels"),
    ("binomial scale 0", lambda: lb.binomial_deviance_loss(X, LABELS, scale=0.0), ValueError, "scale"),
    ("binomial cost < 0", lambda: lb.binomial_deviance_loss(X, LABELS, cost=-1.0), ValueError, "cost"),
    ("info_nce temperature 0", lambda: lb.info_nce_loss(X, X, temperature=0.0), ValueError, "temperature"),
    ("info_nce temperature < 0", lambda: lb.info_nce_loss(X, X, temperature=-0.1), ValueError, "temperature"),
    ("info_nce batch sizes", lambda: lb.info_nce_loss(X, X[:3]), ValueError, "e2"),
    ("info_nce not a tensor", lambda: lb.info_nce_loss(X.tolist(), X), TypeError, "e1"),
    ("info_nce unknown reduction", lambda: lb.info_nce_loss(X, X, reduction="avg"), ValueError, "reduction"),
    ("hinge unknown reduction", lambda: lb.hinge_embedding_loss(X, torch.ones(4, 3), reduction="elementwise_mean"),
     ValueError, "reduction"),
    ("module margin", lambda: lb.ContrastiveLoss(margin=0), ValueError, "margin"),
    ("module temperature", lambda: lb.InfoNCELoss(temperature=-1), ValueError, "temperature"),
]


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_inputs_raise(case):
    _, call, exc, name = case
    with pytest.raises(exc, match=name):
        call()


# --------------------------------------------------------------------------- modules and catalog

def test_modules_equal_functions():
    e, labels = labelled_batch(80, b=8)
    assert_close(lb.BatchAllTripletLoss(margin=0.3)(e, labels), lb.batch_all_triplet_loss(e, labels, margin=0.3))
    assert_close(lb.BatchHardTripletLoss(margin=0.3, squared=True)(e, labels),
                 lb.batch_hard_triplet_loss(e, labels, margin=0.3, squared=True))
    assert_close(lb.BinomialDevianceLoss(scale=3.0)(e, labels), lb.binomial_deviance_loss(e, labels, scale=3.0))
    assert_close(lb.InfoNCELoss(temperature=0.4)(e[:4], e[4:]), lb.info_nce_loss(e[:4], e[4:], temperature=0.4))
    t = torch.tensor([1, 0, 1, 0])
    assert_close(lb.ContrastiveLoss(margin=2.0)(e[:4], e[4:], t), lb.contrastive_loss(e[:4], e[4:], t, margin=2.0))
    assert isinstance(lb.BatchHardTripletLoss(), nn.Module)


def test_catalog_rows():
    names = [info.name for info in metric.CATALOG]
    assert names == ["hinge_embedding_loss", "cosine_embedding_loss", "triplet_margin_loss", "contrastive_loss",
                     "triplet_loss", "batch_all_triplet_loss", "batch_hard_triplet_loss", "binomial_deviance_loss", "info_nce_loss",
                     "supcon_loss", "normalized_softmax_loss"]
    for info in metric.CATALOG:
        assert info.name in metric.__all__ and info.module in metric.__all__
        assert info.family == "metric" and info.chapter == "chapters/metric-learning"
        if info.pytorch:
            module_path, attr = info.pytorch.rsplit(".", 1)
            assert attr == info.name and getattr(F, attr) is not None
    assert {"euclidean_distance_matrix", "cosine_similarity_matrix"} <= set(metric.__all__)
