"""lossbook.classification against PyTorch: values and gradients in float64 over every option,
gradcheck, properties, extreme logits, low precision and a table of bad inputs."""
from __future__ import annotations

import warnings

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from torch.testing import assert_close

import lossbook as lb
from lossbook import classification

REDUCTIONS = ("none", "mean", "sum")
F64 = torch.float64


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def twin(ours, theirs, inputs, grad_of, **kwargs):
    """Run both functions on fresh leaves; compare values and the gradients of ``grad_of``.

    ``inputs`` is a list of tensors passed positionally; ``grad_of`` the indices of those that
    need a gradient. The gradient is that of ``(loss * v).sum()`` for a fixed random ``v``, so
    every element of a 'none' loss is checked with its own weight.
    """
    results = []
    for fn in (ours, theirs):
        args = [t.detach().clone().requires_grad_(i in grad_of) for i, t in enumerate(inputs)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # kl_div's 'mean' warns in both
            loss = fn(*args, **kwargs)
        v = torch.linspace(0.5, 1.5, loss.numel(), dtype=loss.dtype).reshape(loss.shape)
        grads = torch.autograd.grad((loss * v).sum(), [args[i] for i in grad_of], allow_unused=True) \
            if loss.numel() and loss.requires_grad else [None] * len(grad_of)
        results.append((loss.detach(), grads))
    (lo, go), (lt, gt) = results
    assert lo.shape == lt.shape
    assert_close(lo, lt, equal_nan=True)
    for a, b in zip(go, gt):
        assert_close(a, b, equal_nan=True)
    return lo


# --------------------------------------------------------------------------- softmax

@pytest.mark.parametrize("shape,dim", [((5,), 0), ((4, 5), 1), ((4, 5), 0), ((2, 3, 4), -1), ((2, 3, 4), 1)],
                         ids=str)
def test_softmax_and_log_softmax_equal_pytorch(shape, dim):
    x = 3 * torch.randn(shape, generator=gen(0), dtype=F64)
    twin(lb.softmax, torch.softmax, [x], [0], dim=dim)
    twin(lb.log_softmax, torch.log_softmax, [x], [0], dim=dim)


def test_softmax_of_the_seed_logits():
    probs = lb.softmax(torch.tensor([1.3863, 0.0, -0.6931]), 0)
    assert_close(probs, torch.tensor([0.7273, 0.1818, 0.0909]), atol=1e-4, rtol=0)


def test_softmax_survives_logits_that_overflow_the_naive_formula():
    x = torch.tensor([1000.0, 0.0, -1000.0])
    naive = x.exp() / x.exp().sum()
    assert torch.isnan(naive).any()  # inf / inf: the reason for the shift
    assert_close(lb.softmax(x, 0), torch.tensor([1.0, 0.0, 0.0]))
    assert_close(lb.log_softmax(x, 0), torch.tensor([0.0, -1000.0, -2000.0]))


# --------------------------------------------------------------------------- BCE

SHAPES_ANY = [(), (7,), (3, 4), (2, 3, 4), (0,)]


def _weight(kind, shape, g):
    if kind is None:
        return None
    if kind == "full":
        return torch.rand(shape, generator=g, dtype=F64) + 0.1
    return torch.rand(shape[-1:] if shape else (), generator=g, dtype=F64) + 0.1  # broadcast along last dim


@pytest.mark.parametrize("shape", SHAPES_ANY, ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, "full", "last"])
def test_bce_equals_pytorch(shape, reduction, weight):
    g = gen(1)
    probs = torch.rand(shape, generator=g, dtype=F64) * 0.98 + 0.01
    target = torch.rand(shape, generator=g, dtype=F64)
    twin(lb.binary_cross_entropy, F.binary_cross_entropy, [probs, target], [0],
         weight=_weight(weight, shape, g), reduction=reduction)


def test_bce_clamps_each_log_at_minus_100_like_pytorch():
    probs = torch.tensor([0.0, 1.0, 1e-50, 0.5], dtype=F64)
    target = torch.tensor([1.0, 0.0, 1.0, 1.0], dtype=F64)
    ours = lb.binary_cross_entropy(probs, target, reduction="none")
    assert_close(ours, F.binary_cross_entropy(probs, target, reduction="none"))
    assert ours[0].item() == 100.0 and ours[1].item() == 100.0


def test_bce_seed_example_and_swapped_arguments():
    labels, predictions = torch.tensor([1.0, 0.0]), torch.tensor([0.9, 0.2])
    assert f"{lb.binary_cross_entropy(predictions, labels).item():.4f}" == "0.1643"
    # Swapped, the 0/1 labels pass as probabilities: log(0) clamps to -100, (0.9 + 0.2) * 100 / 2 ...
    swapped = lb.binary_cross_entropy(labels, predictions)
    assert f"{swapped.item():.4f}" == "15.0000"
    assert_close(swapped, F.binary_cross_entropy(labels, predictions))


@pytest.mark.parametrize("shape", SHAPES_ANY, ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, "full", "last"])
@pytest.mark.parametrize("pos_weight", [False, True])
def test_bce_with_logits_equals_pytorch(shape, reduction, weight, pos_weight):
    g = gen(2)
    logits = 3 * torch.randn(shape, generator=g, dtype=F64)
    target = torch.rand(shape, generator=g, dtype=F64)
    pw = _weight("last", shape, g) * 3 if pos_weight else None
    twin(lb.binary_cross_entropy_with_logits, F.binary_cross_entropy_with_logits, [logits, target], [0, 1],
         weight=_weight(weight, shape, g), reduction=reduction, pos_weight=pw)


def test_bce_with_logits_equals_bce_of_sigmoid():
    g = gen(3)
    logits = torch.randn(20, generator=g, dtype=F64)
    target = torch.rand(20, generator=g, dtype=F64)
    assert_close(lb.binary_cross_entropy_with_logits(logits, target),
                 lb.binary_cross_entropy(torch.sigmoid(logits), target))


# --------------------------------------------------------------------------- NLL and cross-entropy

C = 5
INDEX_SHAPES = {"(C)": (C,), "(N,C)": (6, C), "(N,C,d1,d2)": (3, C, 2, 4), "(0,C)": (0, C)}


def index_target(input_shape, g, ignore_index, *, ignored=True):
    shape = () if len(input_shape) == 1 else (input_shape[0], *input_shape[2:])
    target = torch.randint(0, C, shape, generator=g)
    if ignored and target.numel() > 1:
        target.view(-1)[::3] = ignore_index  # ignore every third entry
    return target


@pytest.mark.parametrize("shape", INDEX_SHAPES.values(), ids=INDEX_SHAPES.keys())
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore_index", [-100, 2])
def test_nll_equals_pytorch(shape, reduction, weighted, ignore_index):
    g = gen(4)
    log_probs = torch.log_softmax(2 * torch.randn(shape, generator=g, dtype=F64), dim=0 if len(shape) == 1 else 1)
    target = index_target(shape, g, ignore_index)
    weight = torch.rand(C, generator=g, dtype=F64) + 0.1 if weighted else None
    twin(lb.nll_loss, F.nll_loss, [log_probs, target], [0], weight=weight, ignore_index=ignore_index,
         reduction=reduction)


@pytest.mark.parametrize("shape", INDEX_SHAPES.values(), ids=INDEX_SHAPES.keys())
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore_index", [-100, 2])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2, 1.0])
def test_cross_entropy_index_targets_equal_pytorch(shape, reduction, weighted, ignore_index, label_smoothing):
    g = gen(5)
    logits = 2 * torch.randn(shape, generator=g, dtype=F64)
    target = index_target(shape, g, ignore_index)
    weight = torch.rand(C, generator=g, dtype=F64) + 0.1 if weighted else None
    twin(lb.cross_entropy, F.cross_entropy, [logits, target], [0], weight=weight, ignore_index=ignore_index,
         reduction=reduction, label_smoothing=label_smoothing)


@pytest.mark.parametrize("shape", INDEX_SHAPES.values(), ids=INDEX_SHAPES.keys())
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_cross_entropy_probability_targets_equal_pytorch(shape, reduction, weighted, label_smoothing):
    g = gen(6)
    cdim = 0 if len(shape) == 1 else 1
    logits = 2 * torch.randn(shape, generator=g, dtype=F64)
    probs = torch.softmax(torch.randn(shape, generator=g, dtype=F64), dim=cdim)
    weight = torch.rand(C, generator=g, dtype=F64) + 0.1 if weighted else None
    twin(lb.cross_entropy, F.cross_entropy, [logits, probs], [0, 1], weight=weight, reduction=reduction,
         label_smoothing=label_smoothing)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
@pytest.mark.parametrize("weighted", [False, True])
def test_every_target_ignored_gives_nan_mean_like_pytorch(label_smoothing, weighted):
    logits = torch.randn(4, C, generator=gen(7), dtype=F64)
    target = torch.full((4,), -100)
    weight = torch.rand(C, generator=gen(8), dtype=F64) if weighted else None
    ours = twin(lb.cross_entropy, F.cross_entropy, [logits, target], [0], weight=weight,
                label_smoothing=label_smoothing)
    assert torch.isnan(ours)
    assert torch.isnan(lb.nll_loss(torch.log_softmax(logits, 1), target, weight=weight))
    assert lb.nll_loss(torch.log_softmax(logits, 1), target, reduction="sum").item() == 0.0


def test_weighted_nll_mean_divides_by_the_weights_of_the_kept_targets():
    log_probs = torch.log_softmax(torch.randn(6, 3, generator=gen(9), dtype=F64), 1)
    target = torch.tensor([0, 1, 2, 2, -100, 1])
    weight = torch.tensor([1.0, 2.0, 3.0], dtype=F64)
    kept = target != -100
    picked = log_probs[kept.nonzero().squeeze(1), target[kept]]
    w = weight[target[kept]]
    expected = -(w * picked).sum() / w.sum()
    assert_close(lb.nll_loss(log_probs, target, weight=weight), expected)


def test_seed_examples_nll_and_cross_entropy():
    torch.manual_seed(11)
    logits = torch.randn((5, 3))
    labels = torch.tensor([0, 0, 1, 2, 1])
    log_probs = lb.log_softmax(logits, -1)
    assert f"{lb.nll_loss(log_probs, labels).item():.4f}" == "1.6553"
    assert f"{lb.nll_loss(log_probs, labels, weight=torch.tensor([1.0, 1.0, 2.0])).item():.4f}" == "1.7188"
    assert f"{lb.nll_loss(log_probs, labels, ignore_index=2).item():.4f}" == "1.5599"
    torch.manual_seed(42)
    outputs = torch.randn(3, 5)
    targets = torch.tensor([1, 0, 3])
    assert f"{lb.cross_entropy(outputs, targets).item():.4f}" == "2.6812"


def test_cross_entropy_is_log_softmax_then_nll():
    g = gen(10)
    logits = torch.randn(7, C, generator=g, dtype=F64)
    target = torch.randint(0, C, (7,), generator=g)
    assert_close(lb.cross_entropy(logits, target), lb.nll_loss(lb.log_softmax(logits, 1), target))


# --------------------------------------------------------------------------- KL divergence

KL_SHAPES = {"(C)": (C,), "(N,C)": (6, C), "(N,C,d)": (3, C, 4), "(0,C)": (0, C)}


@pytest.mark.parametrize("shape", KL_SHAPES.values(), ids=KL_SHAPES.keys())
@pytest.mark.parametrize("reduction", ["none", "mean", "sum", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("with_zero", [False, True])
def test_kl_div_equals_pytorch(shape, reduction, log_target, with_zero):
    g = gen(11)
    log_probs = torch.log_softmax(torch.randn(shape, generator=g, dtype=F64), dim=-1)
    target = torch.softmax(torch.randn(shape, generator=g, dtype=F64), dim=-1)
    if with_zero and not log_target:
        target.view(-1)[::4] = 0.0  # xlogy: 0 log 0 = 0
    target = target.log() if log_target else target
    twin(lb.kl_div, F.kl_div, [log_probs, target], [0, 1], reduction=reduction, log_target=log_target)


def test_kl_div_mean_warns_like_pytorch_and_divides_by_every_element():
    log_probs = torch.log_softmax(torch.randn(4, C, generator=gen(12), dtype=F64), 1)
    target = torch.softmax(torch.randn(4, C, generator=gen(13), dtype=F64), 1)
    with pytest.warns(UserWarning, match="batchmean"):
        mean = lb.kl_div(log_probs, target)
    batchmean = lb.kl_div(log_probs, target, reduction="batchmean")
    assert_close(mean * C, batchmean)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lb.kl_div(log_probs, target, reduction="batchmean")  # no warning


def test_cross_entropy_is_entropy_plus_kl():
    g = gen(14)
    logits = torch.randn(5, C, generator=g, dtype=F64)
    target = torch.softmax(torch.randn(5, C, generator=g, dtype=F64), 1)
    entropy = -torch.xlogy(target, target).sum(1).mean()
    kl = lb.kl_div(lb.log_softmax(logits, 1), target, reduction="batchmean")
    assert_close(lb.cross_entropy(logits, target), entropy + kl)


# --------------------------------------------------------------------------- modules

def test_modules_equal_pytorch_modules():
    g = gen(15)
    logits = torch.randn(6, C, generator=g, dtype=F64)
    target = torch.randint(0, C, (6,), generator=g)
    weight = torch.rand(C, generator=g, dtype=F64)
    probs = torch.rand(6, C, generator=g, dtype=F64)
    labels = torch.rand(6, C, generator=g, dtype=F64)
    soft = torch.softmax(torch.randn(6, C, generator=g, dtype=F64), 1)
    cases = [
        (lb.BCELoss(weight=weight, reduction="sum"), nn.BCELoss(weight=weight, reduction="sum"), probs, labels),
        (lb.BCEWithLogitsLoss(weight=weight, pos_weight=2 * weight), nn.BCEWithLogitsLoss(weight=weight,
         pos_weight=2 * weight), logits, labels),
        (lb.NLLLoss(weight=weight, ignore_index=1), nn.NLLLoss(weight=weight, ignore_index=1),
         torch.log_softmax(logits, 1), target),
        (lb.CrossEntropyLoss(weight=weight, label_smoothing=0.1), nn.CrossEntropyLoss(weight=weight,
         label_smoothing=0.1), logits, target),
        (lb.KLDivLoss(reduction="batchmean", log_target=True), nn.KLDivLoss(reduction="batchmean",
         log_target=True), torch.log_softmax(logits, 1), soft.log()),
    ]
    for ours, theirs, a, b in cases:
        assert_close(ours(a, b), theirs(a, b))
    # Weights are buffers, so .to(device) moves them with the module, as in PyTorch.
    assert "weight" in dict(lb.CrossEntropyLoss(weight=weight).named_buffers())


def test_catalog_rows():
    names = {row.name for row in classification.CATALOG}
    assert names == {"binary_cross_entropy", "binary_cross_entropy_with_logits", "nll_loss", "cross_entropy",
                     "kl_div", "linear_cross_entropy"}
    for row in classification.CATALOG:
        assert hasattr(lb, row.name) and hasattr(lb, row.module)
        assert row.family == "classification"
        assert row.chapter == ("chapters/binary-cross-entropy" if row.name.startswith("binary")
                               else "chapters/cross-entropy")


# --------------------------------------------------------------------------- gradcheck

def test_gradcheck_every_loss():
    g = gen(16)
    logits = torch.randn(4, 3, generator=g, dtype=F64, requires_grad=True)
    labels = torch.rand(4, 3, generator=g, dtype=F64)
    target = torch.tensor([0, 2, 1, -100])
    weight = torch.rand(3, generator=g, dtype=F64) + 0.1
    soft = torch.softmax(torch.randn(4, 3, generator=g, dtype=F64), 1).requires_grad_()
    probs = (torch.rand(4, 3, generator=g, dtype=F64) * 0.8 + 0.1).requires_grad_()
    checks = [
        (lambda x: lb.softmax(x, 1), (logits,)),
        (lambda x: lb.log_softmax(x, 1), (logits,)),
        (lambda p: lb.binary_cross_entropy(p, labels, weight=weight), (probs,)),
        (lambda x: lb.binary_cross_entropy_with_logits(x, labels, weight=weight, pos_weight=3 * weight), (logits,)),
        (lambda x: lb.nll_loss(lb.log_softmax(x, 1), target, weight=weight), (logits,)),
        (lambda x: lb.cross_entropy(x, target, weight=weight, label_smoothing=0.2), (logits,)),
        (lambda x, t: lb.cross_entropy(x, t, weight=weight, label_smoothing=0.2), (logits, soft)),
        (lambda x, t: lb.kl_div(lb.log_softmax(x, 1), t, reduction="batchmean"), (logits, soft)),
        (lambda x, t: lb.kl_div(lb.log_softmax(x, 1), t.log(), reduction="batchmean", log_target=True),
         (logits, soft)),
    ]
    for fn, args in checks:
        assert torch.autograd.gradcheck(fn, args)


def test_gradient_of_cross_entropy_is_softmax_minus_one_hot():
    g = gen(17)
    logits = torch.randn(6, C, generator=g, dtype=F64, requires_grad=True)
    target = torch.randint(0, C, (6,), generator=g)
    lb.cross_entropy(logits, target, reduction="sum").backward()
    assert_close(logits.grad, torch.softmax(logits.detach(), 1) - F.one_hot(target, C).to(F64))


# --------------------------------------------------------------------------- properties

finite = st.floats(-30, 30, allow_nan=False, width=64)


@st.composite
def batch(draw, max_n=8):
    n = draw(st.integers(1, max_n))
    c = draw(st.integers(2, 6))
    logits = torch.tensor(draw(st.lists(finite, min_size=n * c, max_size=n * c)), dtype=F64).reshape(n, c)
    target = torch.tensor(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    return logits, target


@given(batch(), st.sampled_from([0.0, 0.1, 0.5]), st.booleans(), st.randoms(use_true_random=False))
def test_cross_entropy_properties(data, label_smoothing, weighted, rnd):
    logits, target = data
    n, c = logits.shape
    weight = torch.tensor([rnd.uniform(0.1, 2.0) for _ in range(c)], dtype=F64) if weighted else None
    kw = dict(weight=weight, label_smoothing=label_smoothing)
    none = lb.cross_entropy(logits, target, reduction="none", **kw)
    assert bool((none >= 0).all())
    assert_close(lb.cross_entropy(logits, target, reduction="sum", **kw), none.sum())
    perm = torch.tensor(rnd.sample(range(n), n))
    assert_close(lb.cross_entropy(logits[perm], target[perm], **kw), lb.cross_entropy(logits, target, **kw))
    # One-hot probability targets give the same per-sample loss as the indices they encode.
    one_hot = F.one_hot(target, c).to(F64)
    assert_close(lb.cross_entropy(logits, one_hot, reduction="none", **kw), none)
    if weight is None:
        assert_close(lb.cross_entropy(logits, one_hot, label_smoothing=label_smoothing),
                     lb.cross_entropy(logits, target, label_smoothing=label_smoothing))


@given(batch(), st.randoms(use_true_random=False))
def test_nll_and_kl_properties(data, rnd):
    logits, target = data
    n, c = logits.shape
    log_probs = lb.log_softmax(logits, 1)
    none = lb.nll_loss(log_probs, target, reduction="none")
    assert bool((none >= 0).all())
    assert_close(lb.nll_loss(log_probs, target, reduction="sum"), none.sum())
    soft = lb.softmax(torch.tensor([rnd.uniform(-3, 3) for _ in range(n * c)], dtype=F64).reshape(n, c), 1)
    kl = lb.kl_div(log_probs, soft, reduction="none")
    assert kl.sum(1).min() >= -1e-12  # Gibbs' inequality, per sample
    assert_close(lb.kl_div(log_probs, soft, reduction="sum"), kl.sum())
    # Zero at a perfect prediction.
    assert_close(lb.kl_div(soft.log(), soft, reduction="batchmean"), torch.tensor(0.0, dtype=F64))


@given(st.lists(st.tuples(finite, st.floats(0, 1)), min_size=1, max_size=20),
       st.floats(0.1, 5.0), st.randoms(use_true_random=False))
def test_bce_properties(pairs, pos_weight, rnd):
    logits = torch.tensor([p[0] for p in pairs], dtype=F64)
    target = torch.tensor([p[1] for p in pairs], dtype=F64)
    pw = torch.tensor(pos_weight, dtype=F64)
    none = lb.binary_cross_entropy_with_logits(logits, target, reduction="none", pos_weight=pw)
    assert bool((none >= 0).all())
    assert_close(lb.binary_cross_entropy_with_logits(logits, target, reduction="sum", pos_weight=pw), none.sum())
    perm = torch.tensor(rnd.sample(range(len(pairs)), len(pairs)))
    assert_close(lb.binary_cross_entropy_with_logits(logits[perm], target[perm], pos_weight=pw),
                 lb.binary_cross_entropy_with_logits(logits, target, pos_weight=pw))
    probs = torch.sigmoid(logits)
    bce = lb.binary_cross_entropy(probs, target, reduction="none")
    assert bool((bce >= 0).all())
    # Minimal (zero) at a perfect prediction of hard labels.
    hard = (target > 0.5).to(F64)
    assert lb.binary_cross_entropy(hard, hard).item() == 0.0


# --------------------------------------------------------------------------- stability

def test_extreme_logits_float32_finite_values_and_gradients():
    logits = torch.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 5e3]], requires_grad=True)
    target = torch.tensor([1, 0])
    loss = lb.cross_entropy(logits, target, reduction="sum", label_smoothing=0.1)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logits.grad).all()
    assert_close(lb.cross_entropy(logits.detach(), target, reduction="none"), torch.tensor([2e4, 2e4]))
    x = torch.tensor([1e4, -1e4, 1e4, -1e4], requires_grad=True)
    y = torch.tensor([1.0, 1.0, 0.0, 0.0])
    loss = lb.binary_cross_entropy_with_logits(x, y, reduction="none", pos_weight=torch.tensor(3.0))
    loss.sum().backward()
    assert_close(loss.detach(), torch.tensor([0.0, 3e4, 1e4, 0.0]))
    assert torch.isfinite(x.grad).all()
    assert_close(x.grad, torch.tensor([0.0, -3.0, 1.0, 0.0]))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
def test_low_precision_matches_float64(dtype):
    # Both half types are supported on the CPU by every primitive used here.
    g = gen(18)
    logits = 4 * torch.randn(8, C, generator=g)
    target = torch.randint(0, C, (8,), generator=g)
    labels = torch.rand(8, C, generator=g)
    tol = dict(rtol=2e-2, atol=2e-2)
    for fn, args in [
        (lambda x: lb.cross_entropy(x, target, label_smoothing=0.1), (logits,)),
        (lambda x: lb.binary_cross_entropy_with_logits(x, labels.to(x.dtype)), (logits,)),
        (lambda x: lb.kl_div(lb.log_softmax(x, 1), lb.softmax(labels.to(x.dtype), 1), reduction="batchmean"),
         (logits,)),
    ]:
        low = fn(*(a.to(dtype) for a in args))
        assert low.dtype == dtype
        assert_close(low.double(), fn(*(a.double() for a in args)), **tol)
    # Logits near float16's maximum (65504): the shift keeps exp() finite; the loss is 1e4.
    big = torch.tensor([[6e4, 5e4]], dtype=torch.float16, requires_grad=True)
    loss = lb.cross_entropy(big, torch.tensor([1]))
    loss.backward()
    assert abs(loss.item() - 1e4) < 20 and torch.isfinite(big.grad).all()


# --------------------------------------------------------------------------- bad inputs

x2 = torch.randn(4, 3)
lp2 = torch.log_softmax(x2, 1)
t2 = torch.tensor([0, 1, 2, 1])
p2 = torch.rand(4, 3)

BAD = [
    ("bce probabilities > 1", lambda: lb.binary_cross_entropy(x2.abs() + 1, p2), ValueError, "`input`"),
    ("bce target outside [0, 1]", lambda: lb.binary_cross_entropy(p2, p2 * 2 - 0.5), ValueError, "`target`"),
    ("bce-logits target outside [0, 1]", lambda: lb.binary_cross_entropy_with_logits(x2, p2 + 1), ValueError,
     "`target`"),
    ("bce (N,1) vs (N,)", lambda: lb.binary_cross_entropy(p2[:, :1], p2[:, 0]), ValueError, "`target`"),
    ("bce weight not broadcastable", lambda: lb.binary_cross_entropy(p2, p2, weight=torch.ones(4)), ValueError,
     "`weight`"),
    ("bce unknown reduction", lambda: lb.binary_cross_entropy(p2, p2, reduction="avg"), ValueError, "`reduction`"),
    ("bce-logits integer target", lambda: lb.binary_cross_entropy_with_logits(x2, t2[:, None].expand(4, 3)),
     TypeError, "`target`"),
    ("bce-logits negative pos_weight", lambda: lb.binary_cross_entropy_with_logits(x2, p2,
     pos_weight=-torch.ones(3)), ValueError, "`pos_weight`"),
    ("nll float class indices", lambda: lb.nll_loss(lp2, t2.float()), TypeError, "`target`"),
    ("nll index out of range", lambda: lb.nll_loss(lp2, torch.tensor([0, 1, 3, 1])), ValueError, "`target`"),
    ("nll negative index", lambda: lb.nll_loss(lp2, torch.tensor([0, -1, 2, 1])), ValueError, "`target`"),
    ("nll on probabilities", lambda: lb.nll_loss(torch.softmax(x2, 1) + 0.01, t2), ValueError, "`input`"),
    ("nll weight of wrong length", lambda: lb.nll_loss(lp2, t2, weight=torch.ones(4)), ValueError, "`weight`"),
    ("nll ignore_index not int", lambda: lb.nll_loss(lp2, t2, ignore_index=1.0), TypeError, "`ignore_index`"),
    ("ce target (N,1)", lambda: lb.cross_entropy(x2, t2[:, None]), ValueError, "`target`"),
    ("ce label_smoothing > 1", lambda: lb.cross_entropy(x2, t2, label_smoothing=1.5), ValueError,
     "`label_smoothing`"),
    ("ce label_smoothing negative", lambda: lb.CrossEntropyLoss(label_smoothing=-0.1), ValueError,
     "`label_smoothing`"),
    ("ce integer one-hot target", lambda: lb.cross_entropy(x2, F.one_hot(t2, 3)), TypeError, "`target`"),
    ("ce weight dtype mismatch", lambda: lb.cross_entropy(x2, t2, weight=torch.ones(3, dtype=F64)), TypeError,
     "`weight`"),
    ("ce weight on another device", lambda: lb.cross_entropy(x2, t2, weight=torch.ones(3, device="meta")),
     ValueError, "`weight`"),
    ("ce scalar input", lambda: lb.cross_entropy(torch.tensor(1.0), torch.tensor(0)), ValueError, "`input`"),
    ("ce channels-last (N,H,W,C)", lambda: lb.cross_entropy(torch.randn(2, 4, 4, 3),
     torch.randint(0, 3, (2, 4, 4))), ValueError, "`target`"),
    ("ce soft target outside [0, 1]", lambda: lb.cross_entropy(x2, x2), ValueError, "`target`"),
    ("kl raw scores as input", lambda: lb.kl_div(x2.abs() + 0.1, torch.softmax(x2, 1), reduction="batchmean"),
     ValueError, "`input`"),
    ("kl shape mismatch", lambda: lb.kl_div(lp2, torch.softmax(x2, 1)[:1], reduction="batchmean"), ValueError,
     "`target`"),
    ("kl negative target", lambda: lb.kl_div(lp2, -p2, reduction="batchmean"), ValueError, "`target`"),
    ("kl unknown reduction", lambda: lb.kl_div(lp2, p2, reduction="avg"), ValueError, "`reduction`"),
    ("kl log_target not bool", lambda: lb.kl_div(lp2, p2, reduction="sum", log_target=1), TypeError,
     "`log_target`"),
    ("softmax integer input", lambda: lb.softmax(t2, 0), TypeError, "`input`"),
]


@pytest.mark.parametrize("call,exc,match", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_input_raises(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_pytorch_accepts_what_lossbook_refuses():
    # The reasons for the strictness, shown: PyTorch returns a number for each of these.
    assert F.nll_loss(torch.softmax(x2, 1), t2).item() < 0  # a negative "loss"
    assert torch.isfinite(F.kl_div(x2.abs(), torch.softmax(x2, 1), reduction="batchmean"))
    assert torch.isnan(F.kl_div(x2, torch.randn(4, 3), reduction="batchmean"))  # seed 001's call
    assert torch.isfinite(F.binary_cross_entropy_with_logits(x2, p2 * 2 - 0.5))
    assert torch.isfinite(F.cross_entropy(x2, -p2))  # "probabilities" below 0


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_bce_gradient_is_finite_and_equals_pytorch_at_probabilities_zero_and_one(reduction):
    """A float32 sigmoid reaches exactly 0 or 1 for large logits; autograd through the clamped
    logs would give NaN there, PyTorch's backward (and lossbook's) gives a finite gradient."""
    p = torch.tensor([0.0, 1e-30, 0.3, 1 - 1e-12, 1.0, 1.0, 0.0], dtype=torch.float64)
    y = torch.tensor([1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0], dtype=torch.float64)
    w = torch.linspace(0.5, 2.0, 7, dtype=torch.float64)
    ours_in, ref_in = p.clone().requires_grad_(), p.clone().requires_grad_()
    ours = lb.binary_cross_entropy(ours_in, y, weight=w, reduction=reduction)
    ref = F.binary_cross_entropy(ref_in, y, weight=w, reduction=reduction)
    ours.sum().backward()
    ref.sum().backward()
    torch.testing.assert_close(ours, ref)
    torch.testing.assert_close(ours_in.grad, ref_in.grad)
    assert torch.isfinite(ours_in.grad).all()
