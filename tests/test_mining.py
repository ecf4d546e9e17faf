"""Mining separated from the losses: miners return index tuples that triplet_loss consumes; the
batch losses equal those compositions; batch all in O(B²) memory; exact distances near zero."""
from __future__ import annotations

import itertools

import pytest
import torch
from torch.testing import assert_close

import lossbook as lb

F64 = torch.float64


def batch(b=12, d=3, classes=4, seed=0, dtype=F64):
    g = torch.Generator().manual_seed(seed)
    embeddings = torch.randn(b, d, generator=g, dtype=dtype)
    labels = torch.arange(b) % classes
    return embeddings, labels


def brute_triplets(labels):
    lab = labels.tolist()
    n = len(lab)
    return [(a, p, q) for a, p, q in itertools.product(range(n), repeat=3)
            if a != p and lab[a] == lab[p] and lab[q] != lab[a]]


def as_set(indices):
    return set(zip(*(i.tolist() for i in indices)))


def test_batch_all_miner_returns_every_valid_triplet_and_with_a_margin_the_active_ones():
    e, labels = batch()
    triplets = brute_triplets(labels)
    assert as_set(lb.batch_all_miner(e, labels)) == set(triplets)
    assert [t.dtype for t in lb.batch_all_miner(e, labels)] == [torch.long] * 3
    d = torch.cdist(e, e)
    active = {(a, p, n) for a, p, n in triplets if d[a, p] - d[a, n] + 0.5 > 0}
    assert as_set(lb.batch_all_miner(e, labels, margin=0.5)) == active


def test_batch_hard_miner_picks_the_farthest_positive_and_the_nearest_negative():
    e, labels = batch(b=10, classes=3)
    labels[9] = 7  # an anchor without a positive: no triplet
    d = torch.cdist(e, e)
    expected = set()
    for a in range(10):
        pos = [p for p in range(10) if p != a and labels[p] == labels[a]]
        neg = [n for n in range(10) if labels[n] != labels[a]]
        if pos and neg:
            expected.add((a, max(pos, key=lambda p: d[a, p]), min(neg, key=lambda n: d[a, n])))
    assert as_set(lb.batch_hard_miner(e, labels)) == expected


@pytest.mark.parametrize("squared", [False, True])
def test_semi_hard_miner_is_facenets(squared):
    e, labels = batch(b=16, d=2, classes=4, seed=3)
    margin = 0.8
    d = torch.cdist(e, e) ** (2 if squared else 1)
    expected = set()
    for a, p in itertools.product(range(16), repeat=2):
        if a == p or labels[a] != labels[p]:
            continue
        semi = [n for n in range(16) if labels[n] != labels[a] and d[a, p] < d[a, n] < d[a, p] + margin]
        if semi:
            expected.add((a, p, min(semi, key=lambda n: d[a, n])))
    got = lb.semi_hard_miner(e, labels, margin=margin, squared=squared)
    assert as_set(got) == expected and 0 < len(expected) < 16 * 3
    loss = lb.triplet_loss(e, got, margin=margin, squared=squared, reduction="none")
    assert bool(((loss > 0) & (loss < margin)).all())  # semi-hard: violating, but not harder than p


@pytest.mark.parametrize("squared", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_batch_losses_are_a_miner_followed_by_triplet_loss(squared, reduction):
    e, labels = batch(b=12, classes=3, seed=1)
    margin = 0.7
    pairs = [
        (lambda x: lb.batch_hard_triplet_loss(x, labels, margin=margin, squared=squared, reduction=reduction),
         lambda x: lb.triplet_loss(x, lb.batch_hard_miner(x, labels, squared=squared), margin=margin,
                                   squared=squared, reduction=reduction)),
        (lambda x: lb.batch_all_triplet_loss(x, labels, margin=margin, squared=squared, reduction=reduction),
         lambda x: lb.triplet_loss(x, lb.batch_all_miner(x, labels, margin=margin, squared=squared),
                                   margin=margin, squared=squared, reduction=reduction)),
    ]
    for fused, composed in pairs:
        x1, x2 = e.clone().requires_grad_(), e.clone().requires_grad_()
        v1, v2 = fused(x1), composed(x2)
        v1.backward(), v2.backward()
        assert_close(v1, v2)
        assert_close(x1.grad, x2.grad)


@pytest.mark.parametrize("squared", [False, True])
def test_batch_all_in_b_squared_memory_equals_the_b_cubed_formulation(squared):
    e, labels = batch(b=20, d=4, classes=5, seed=2)
    for reduction in ("sum", "mean"):
        x1, x2 = e.clone().requires_grad_(), e.clone().requires_grad_()
        fast = lb.batch_all_triplet_loss(x1, labels, margin=0.6, squared=squared, reduction=reduction)
        cube = lb.batch_all_triplet_loss(x2, labels, margin=0.6, squared=squared, reduction="none")
        cube = cube.sum() if reduction == "sum" else cube.sum() / (cube > 0).sum()
        fast.backward(), cube.backward()
        assert_close(fast, cube)
        assert_close(x1.grad, x2.grad)


def test_batch_all_peak_memory_grows_like_b_squared_not_b_cubed():
    def peak(b, reduction):
        e, labels = batch(b=b, d=8, classes=b // 4, dtype=torch.float32)
        e.requires_grad_()
        return lb.peak_memory(lambda: lb.batch_all_triplet_loss(e, labels, reduction=reduction).sum().backward())
    assert 3 < peak(128, "mean") / peak(64, "mean") < 5      # B² : x4 per doubling
    assert peak(64, "none") / peak(64, "mean") > 8           # the (B, B, B) tensor 'none' returns
    assert peak(128, "mean") < 2e6                           # a few (B, B) float32 tensors, no B³


def test_exact_distances_keep_a_small_distance_between_large_embeddings():
    # The example: two float32 embeddings of norm 80, a true distance 0.0069.
    g = torch.Generator().manual_seed(0)
    base = torch.randn(16, generator=g, dtype=F64)
    base = 80 * base / base.norm()
    step = torch.randn(16, generator=g, dtype=F64)
    pair = torch.stack([base, base + 0.0069 * step / step.norm()])
    true = torch.linalg.vector_norm(pair[0] - pair[1]).item()
    x = pair.float().requires_grad_()
    exact = lb.euclidean_distance_matrix(x, exact=True)
    assert abs(exact[0, 1].item() - true) < 1e-3 * true + 1e-5  # float32 rounding of the inputs only
    gram = lb.euclidean_distance_matrix(pair.float())
    bound = (3 * torch.finfo(torch.float32).eps * 2 * 80 ** 2) ** 0.5  # the documented bound, in d
    assert abs(gram[0, 1].item() - true) <= bound
    exact.sum().backward()
    assert torch.isfinite(x.grad).all()
    # zero distance (the diagonal, duplicates): exact 0 and a zero gradient, as for the Gram form
    dup = torch.stack([pair[0], pair[0], pair[1]]).float().requires_grad_()
    d = lb.euclidean_distance_matrix(dup, exact=True)
    assert d[0, 1].item() == 0.0 and d.diagonal().eq(0).all()
    d[0, 1].backward()
    assert dup.grad.eq(0).all()


@pytest.mark.parametrize("exact", [False, True])
def test_batch_losses_accept_exact_distances(exact):
    e, labels = batch(b=8, classes=2, seed=4)
    ref = torch.cdist(e, e)
    assert_close(lb.euclidean_distance_matrix(e, exact=exact), ref)
    assert_close(lb.batch_hard_triplet_loss(e, labels, exact=exact), lb.batch_hard_triplet_loss(e, labels))
    assert_close(lb.batch_all_triplet_loss(e, labels, exact=exact), lb.batch_all_triplet_loss(e, labels))


def test_miners_give_empty_tuples_and_modules_match_functions():
    e, labels = batch(b=6, classes=6)  # every label once: no positive pair
    for miner in (lb.batch_hard_miner, lb.batch_all_miner, lambda x, y: lb.semi_hard_miner(x, y, margin=1.0)):
        assert [len(t) for t in miner(e, labels)] == [0, 0, 0]
    assert lb.triplet_loss(e.requires_grad_(), lb.batch_hard_miner(e, labels)).item() == 0.0
    e, labels = batch()
    for module, fn in [(lb.BatchHardMiner(), lb.batch_hard_miner), (lb.BatchAllMiner(margin=0.3),
                       lambda x, y: lb.batch_all_miner(x, y, margin=0.3)),
                       (lb.SemiHardMiner(margin=0.3), lambda x, y: lb.semi_hard_miner(x, y, margin=0.3))]:
        assert as_set(module(e, labels)) == as_set(fn(e, labels))
    mined = lb.semi_hard_miner(e, labels, margin=0.3)
    assert_close(lb.TripletLoss(margin=0.3)(e, mined), lb.triplet_loss(e, mined, margin=0.3))


@pytest.mark.parametrize("call, exc, match", [
    (lambda e, y: lb.triplet_loss(e, (y, y)), TypeError, r"`indices` must be a tuple \(anchors, positives, negatives\)"),
    (lambda e, y: lb.triplet_loss(e, (y, y, y.float())), TypeError, r"`indices \(negatives\)` must be an integer"),
    (lambda e, y: lb.triplet_loss(e, (y, y, y[:2])), ValueError, r"as long as `indices \(anchors\)`"),
    (lambda e, y: lb.semi_hard_miner(e, y, margin=0.0), ValueError, "margin"),
    (lambda e, y: lb.batch_all_miner(e, y.float()), TypeError, "labels"),
    (lambda e, y: lb.batch_hard_miner(e, y, exact=1), TypeError, "exact"),
])
def test_bad_inputs(call, exc, match):
    e, labels = batch()
    with pytest.raises(exc, match=match):
        call(e, labels)
