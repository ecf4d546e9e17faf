"""SupCon, normalised softmax (a proxy loss), the soft-margin triplet loss and binomial
deviance's parameters: each against a reference formula written out in float64 (values and
gradients), gradcheck, the edge cases the module docstring promises, and bad inputs."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

import lossbook as lb


def draw(*shape, seed=0, dtype=torch.float64):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def value_and_grads(fn, *tensors):
    leaves = [t.detach().clone().requires_grad_() for t in tensors]
    value = fn(*leaves)
    grads = torch.autograd.grad(value.sum(), leaves, allow_unused=True)
    return value.detach(), grads


# --------------------------------------------------------------------------- SupCon

def supcon_by_loop(e, labels, tau):
    """Khosla et al.'s L_out, one anchor and one positive at a time (the list of per-anchor
    losses, None for an anchor without a positive)."""
    unit = e / e.norm(dim=1, keepdim=True)
    sim = unit @ unit.T / tau
    n, out = len(labels), []
    for i in range(n):
        positives = [p for p in range(n) if p != i and labels[p] == labels[i]]
        if not positives:
            out.append(None)
            continue
        denominator = torch.logsumexp(torch.stack([sim[i, j] for j in range(n) if j != i]), 0)
        out.append(-sum(sim[i, p] - denominator for p in positives) / len(positives))
    return out


LABELS = [torch.tensor([0, 0, 1, 1, 1, 2, 2, 3]),   # one anchor without a positive
          torch.tensor([0, 0, 0, 0, 1, 1, 1, 1]),   # two classes
          torch.tensor([5, 3, 5, 3, 5, 3, 9, 9])]   # class ids need not be 0..C-1


@pytest.mark.parametrize("labels", LABELS, ids=["singleton", "two-classes", "sparse-ids"])
@pytest.mark.parametrize("tau", [0.05, 0.5, 2.0])
def test_supcon_equals_the_loop_in_value_and_gradient(labels, tau):
    e = draw(8, 5, seed=1)
    for reduction in ("none", "sum", "mean"):
        ours, ours_grad = value_and_grads(
            lambda x, r=reduction: lb.supcon_loss(x, labels, temperature=tau, reduction=r), e)

        def reference(x, reduction=reduction):
            terms = supcon_by_loop(x, labels.tolist(), tau)
            if reduction == "none":
                return torch.stack([t if t is not None else x.sum() * 0 for t in terms])
            kept = torch.stack([t for t in terms if t is not None])
            return kept.sum() if reduction == "sum" else kept.mean()

        expected, expected_grad = value_and_grads(reference, e)
        assert_close(ours, expected)
        assert_close(ours_grad[0], expected_grad[0])


def test_supcon_with_two_views_is_info_nce():
    v1, v2 = draw(6, 4, seed=2), draw(6, 4, seed=3)
    labels = torch.arange(6).repeat(2)
    for reduction in ("none", "sum", "mean"):
        ours, (g1, g2) = value_and_grads(
            lambda a, b, r=reduction: lb.supcon_loss(torch.cat([a, b]), labels, temperature=0.3, reduction=r), v1, v2)
        theirs, (h1, h2) = value_and_grads(
            lambda a, b, r=reduction: lb.info_nce_loss(a, b, temperature=0.3, reduction=r), v1, v2)
        assert_close(ours, theirs)
        assert_close(g1, h1)
        assert_close(g2, h2)


def test_supcon_gradcheck():
    e = draw(6, 3, seed=4).requires_grad_()
    labels = torch.tensor([0, 0, 1, 1, 1, 2])
    assert torch.autograd.gradcheck(lambda x: lb.supcon_loss(x, labels, temperature=0.2), (e,))
    assert torch.autograd.gradcheck(lambda x: lb.supcon_loss(x, labels, reduction="none"), (e,))


def test_supcon_is_stable_at_a_tiny_temperature():
    e = draw(8, 4, seed=5)
    labels = torch.tensor([0, 0, 1, 1, 2, 2, 3, 3])
    loss, (grad,) = value_and_grads(lambda x: lb.supcon_loss(x, labels, temperature=1e-4), e)
    assert torch.isfinite(loss) and torch.isfinite(grad).all()
    expected = torch.stack(supcon_by_loop(e, labels.tolist(), 1e-4)).mean()
    assert_close(loss, expected)
    # float32 too: the logits reach 1e4, far beyond exp's range
    loss32 = lb.supcon_loss(e.float(), labels, temperature=1e-4)
    assert torch.isfinite(loss32)
    assert_close(loss32.double(), expected, rtol=1e-4, atol=1e-3)


def test_supcon_edge_cases():
    e = draw(5, 3, seed=6).requires_grad_()
    # no positive pair in a non-empty batch: 0, with a zero gradient
    loss = lb.supcon_loss(e, torch.arange(5))
    (grad,) = torch.autograd.grad(loss, e)
    assert loss.item() == 0 and torch.count_nonzero(grad) == 0
    assert torch.equal(lb.supcon_loss(e, torch.arange(5), reduction="none"), torch.zeros(5, dtype=e.dtype))
    # a batch of one: 0 and finite (the self-similarity is masked with a finite number)
    one = lb.supcon_loss(e[:1], torch.tensor([0]), reduction="none")
    assert one.shape == (1,) and one.item() == 0
    # an empty batch: PyTorch's empty-batch values
    empty = torch.empty(0, 3, dtype=torch.float64, requires_grad=True)
    no_labels = torch.empty(0, dtype=torch.long)
    assert lb.supcon_loss(empty, no_labels).isnan()
    assert lb.supcon_loss(empty, no_labels, reduction="sum").item() == 0
    assert lb.supcon_loss(empty, no_labels, reduction="none").shape == (0,)
    # the module is the function
    labels = torch.tensor([0, 0, 1, 1, 2])
    assert_close(lb.SupConLoss(temperature=0.3, reduction="sum")(e, labels),
                 lb.supcon_loss(e, labels, temperature=0.3, reduction="sum"))


def test_supcon_equals_pytorch_metric_learnings_formula():
    """pytorch-metric-learning's SupConLoss (2.9.0, adapted from the authors' code): per anchor,
    -(mean over positives of log_softmax over every other embedding), averaged over the anchors
    whose loss is not zero. Written out here from its source, without the package."""
    e = draw(10, 4, seed=7)
    labels = torch.tensor([0, 0, 0, 1, 1, 2, 2, 2, 2, 3])
    unit = F.normalize(e, dim=1)
    mat = unit @ unit.T / 0.1
    mat = mat - mat.max(dim=1, keepdim=True).values
    pos = (labels[:, None] == labels[None, :]).double().fill_diagonal_(0)
    neg = (labels[:, None] != labels[None, :]).double()
    keep = (pos + neg).bool()
    denominator = torch.logsumexp(mat.masked_fill(~keep, -math.inf), dim=1, keepdim=True)
    per_anchor = -(pos * (mat - denominator)).sum(1) / (pos.sum(1) + torch.finfo(torch.float64).tiny)
    expected = per_anchor[per_anchor != 0].mean()
    assert_close(lb.supcon_loss(e, labels, temperature=0.1), expected)


# --------------------------------------------------------------------------- normalised softmax

def normalized_softmax_by_loop(e, labels, proxies, tau):
    out = []
    for i in range(len(labels)):
        cosines = torch.stack([F.cosine_similarity(e[i], w, dim=0) for w in proxies]) / tau
        out.append(torch.logsumexp(cosines, 0) - cosines[labels[i]])
    return torch.stack(out)


@pytest.mark.parametrize("tau", [0.05, 1.0])
def test_normalized_softmax_equals_the_loop_and_cross_entropy(tau):
    e, proxies = draw(7, 4, seed=8), draw(3, 4, seed=9)
    labels = torch.tensor([0, 2, 1, 1, 0, 2, 2])
    for reduction in ("none", "sum", "mean"):
        ours, ours_grads = value_and_grads(
            lambda x, w, r=reduction: lb.normalized_softmax_loss(x, labels, w, temperature=tau, reduction=r), e, proxies)

        def reference(x, w, reduction=reduction):
            per = normalized_softmax_by_loop(x, labels, w, tau)
            return {"none": per, "sum": per.sum(), "mean": per.mean()}[reduction]

        expected, expected_grads = value_and_grads(reference, e, proxies)
        assert_close(ours, expected)
        for a, b in zip(ours_grads, expected_grads):
            assert_close(a, b)
        logits = F.normalize(e, dim=1) @ F.normalize(proxies, dim=1).T / tau
        assert_close(ours, F.cross_entropy(logits, labels, reduction=reduction))


def test_normalized_softmax_gradcheck_and_module():
    e, proxies = draw(5, 3, seed=10).requires_grad_(), draw(4, 3, seed=11).requires_grad_()
    labels = torch.tensor([3, 0, 1, 3, 2])
    assert torch.autograd.gradcheck(lambda x, w: lb.normalized_softmax_loss(x, labels, w, temperature=0.5),
                                    (e, proxies))
    module = lb.NormalizedSoftmaxLoss(temperature=0.5, reduction="sum")
    assert_close(module(e, labels, proxies), lb.normalized_softmax_loss(e, labels, proxies, temperature=0.5,
                                                                         reduction="sum"))
    assert list(module.parameters()) == []
    with pytest.raises(TypeError, match="`proxies`"):
        module(e, labels)
    # with_proxies: the module owns them, as parameters an optimiser can train
    owned = lb.NormalizedSoftmaxLoss.with_proxies(4, 3, temperature=0.5, generator=torch.Generator().manual_seed(0))
    assert [name for name, _ in owned.named_parameters()] == ["proxies"] and owned.proxies.shape == (4, 3)
    x = e.detach().float()
    assert_close(owned(x, labels), lb.normalized_softmax_loss(x, labels, owned.proxies, temperature=0.5))
    owned(x, labels).backward()
    assert owned.proxies.grad is not None and owned.proxies.grad.shape == (4, 3)
    with pytest.raises(ValueError, match="`num_classes`"):
        lb.NormalizedSoftmaxLoss.with_proxies(0, 3)


def test_normalized_softmax_floor_is_set_by_the_temperature():
    """Cosines are bounded, so the loss is too: with C proxies on a regular simplex and each
    embedding on its own proxy, the loss is log(1 + (C - 1) exp(-(1 + 1/(C - 1)) / tau))."""
    proxies = torch.tensor([[1.0, 0.0], [-0.5, math.sqrt(3) / 2], [-0.5, -math.sqrt(3) / 2]], dtype=torch.float64)
    labels = torch.arange(3)
    for tau in (1.0, 0.1):
        floor = math.log(1 + 2 * math.exp(-1.5 / tau))
        assert lb.normalized_softmax_loss(proxies * 3, labels, proxies, temperature=tau).item() == pytest.approx(floor)


def test_normalized_softmax_edge_cases_and_dtypes():
    proxies = draw(3, 4, seed=12)
    empty = torch.empty(0, 4, dtype=torch.float64, requires_grad=True)
    no_labels = torch.empty(0, dtype=torch.long)
    assert lb.normalized_softmax_loss(empty, no_labels, proxies).isnan()
    assert lb.normalized_softmax_loss(empty, no_labels, proxies, reduction="sum").item() == 0
    # float32 embeddings with float64 proxies promote, as PyTorch's operators do
    e = draw(4, 4, seed=13)
    labels = torch.tensor([0, 1, 2, 0])
    mixed = lb.normalized_softmax_loss(e.float(), labels, proxies)
    assert mixed.dtype == torch.float64
    assert_close(mixed, lb.normalized_softmax_loss(e.float().double(), labels, proxies))


# --------------------------------------------------------------------------- soft margin

def soft_batch_hard_by_loop(e, labels):
    d = torch.cdist(e, e)
    terms = []
    for a in range(len(labels)):
        pos = [d[a, p] for p in range(len(labels)) if p != a and labels[p] == labels[a]]
        neg = [d[a, n] for n in range(len(labels)) if labels[n] != labels[a]]
        if pos and neg:
            terms.append(F.softplus(torch.stack(pos).max() - torch.stack(neg).min()))
    return torch.stack(terms)


def test_soft_margin_batch_hard_equals_the_loop():
    e = draw(9, 3, seed=14)
    labels = torch.tensor([0, 0, 0, 1, 1, 2, 2, 2, 3])  # the last anchor has no positive
    for reduction in ("sum", "mean"):
        ours, (grad,) = value_and_grads(
            lambda x, r=reduction: lb.batch_hard_triplet_loss(x, labels, margin="soft", reduction=r), e)
        expected, (expected_grad,) = value_and_grads(
            lambda x, r=reduction: getattr(soft_batch_hard_by_loop(x, labels), r)(), e)
        assert_close(ours, expected)
        assert_close(grad, expected_grad)
    per_anchor = lb.batch_hard_triplet_loss(e, labels, margin="soft", reduction="none")
    assert per_anchor[-1].item() == 0 and (per_anchor[:-1] > 0).all()


def test_soft_margin_through_a_miner_and_the_modules():
    e = draw(8, 3, seed=15)
    labels = torch.tensor([0, 0, 1, 1, 2, 2, 3, 3])
    mined = lb.triplet_loss(e, lb.batch_hard_miner(e, labels), margin="soft")
    assert_close(mined, lb.batch_hard_triplet_loss(e, labels, margin="soft"))
    a, p, n = lb.semi_hard_miner(e, labels, margin=1.0)
    d = torch.cdist(e, e)
    assert_close(lb.triplet_loss(e, (a, p, n), margin="soft", reduction="none"), F.softplus(d[a, p] - d[a, n]))
    assert_close(lb.BatchHardTripletLoss(margin="soft")(e, labels), lb.batch_hard_triplet_loss(e, labels, margin="soft"))
    assert_close(lb.TripletLoss(margin="soft")(e, (a, p, n)), lb.triplet_loss(e, (a, p, n), margin="soft"))
    e.requires_grad_()
    assert torch.autograd.gradcheck(lambda x: lb.batch_hard_triplet_loss(x, labels, margin="soft"), (e,))


# --------------------------------------------------------------------------- binomial deviance

def test_binomial_deviance_takes_the_books_names():
    """a (`scale`), xi (`threshold`), nu (`cost`): notation.md's symbols, in code."""
    e = draw(6, 3, seed=16)
    labels = torch.tensor([0, 0, 1, 1, 1, 2])
    s = F.normalize(e, dim=1) @ F.normalize(e, dim=1).T
    same = labels[:, None] == labels[None, :]
    positive = same & ~torch.eye(6, dtype=torch.bool)
    a, xi, nu = 3.0, 0.2, 10.0
    expected = F.softplus(-a * (s - xi))[positive].mean() + F.softplus(a * nu * (s - xi))[~same].mean()
    assert_close(lb.binomial_deviance_loss(e, labels, scale=a, threshold=xi, cost=nu), expected)
    assert_close(lb.BinomialDevianceLoss(scale=a, threshold=xi, cost=nu)(e, labels), expected)
    with pytest.raises(TypeError):
        lb.binomial_deviance_loss(e, labels, alpha=2.0)


# --------------------------------------------------------------------------- bad inputs

E = draw(6, 3, seed=17)
Y = torch.tensor([0, 0, 1, 1, 2, 2])
W = draw(3, 3, seed=18)

BAD = [
    ("supcon float labels", lambda: lb.supcon_loss(E, Y.double()), TypeError, "labels"),
    ("supcon labels length", lambda: lb.supcon_loss(E, Y[:4]), ValueError, "labels"),
    ("supcon 1-D embeddings", lambda: lb.supcon_loss(E[0], Y[:1]), ValueError, "embeddings"),
    ("supcon temperature 0", lambda: lb.supcon_loss(E, Y, temperature=0.0), ValueError, "temperature"),
    ("supcon reduction", lambda: lb.supcon_loss(E, Y, reduction="avg"), ValueError, "reduction"),
    ("supcon module temperature", lambda: lb.SupConLoss(temperature=-1.0), ValueError, "temperature"),
    ("softmax proxies width", lambda: lb.normalized_softmax_loss(E, Y, W[:, :2]), ValueError, "proxies"),
    ("softmax proxies 1-D", lambda: lb.normalized_softmax_loss(E, Y, W[0]), ValueError, "proxies"),
    ("softmax proxies integer", lambda: lb.normalized_softmax_loss(E, Y, W.long()), TypeError, "proxies"),
    ("softmax label out of range", lambda: lb.normalized_softmax_loss(E, Y + 1, W), ValueError, "labels"),
    ("softmax temperature", lambda: lb.normalized_softmax_loss(E, Y, W, temperature=0), ValueError, "temperature"),
    ("soft margin typo", lambda: lb.batch_hard_triplet_loss(E, Y, margin="sotf"), ValueError, "margin"),
    ("soft margin in triplet_loss", lambda: lb.triplet_loss(E, lb.batch_hard_miner(E, Y), margin="hard"),
     ValueError, "margin"),
    ("hinge margin 0", lambda: lb.batch_hard_triplet_loss(E, Y, margin=0.0), ValueError, "margin"),
    ("binomial scale 0", lambda: lb.binomial_deviance_loss(E, Y, scale=0.0), ValueError, "scale"),
    ("binomial cost < 0", lambda: lb.binomial_deviance_loss(E, Y, cost=-1.0), ValueError, "cost"),
]


@pytest.mark.parametrize("call, exc, name", [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_bad_inputs_raise_a_clear_error(call, exc, name):
    with pytest.raises(exc, match=f"`{name}`"):
        call()


def test_labels_out_of_range_are_not_read_without_validation():
    """With validation off the label check (a value check) is skipped; PyTorch's kernel then
    reports the bad class itself."""
    with lb.validation(False), pytest.raises((IndexError, RuntimeError)):
        lb.normalized_softmax_loss(E, Y + 5, W)
