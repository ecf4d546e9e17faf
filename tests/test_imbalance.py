"""lossbook.imbalance: focal losses against BCE / cross-entropy (gamma=0) and against naive
float64 formulas (gamma>0, torchvision's recipe), soft Dice against a naive formula, class
weights against hand-computed values."""
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
from lossbook import imbalance

REDUCTIONS = ("none", "mean", "sum")
F64 = torch.float64


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def values_and_grads(fn, x, *args, **kwargs):
    x = x.detach().clone().requires_grad_()
    loss = fn(x, *args, **kwargs)
    (grad,) = torch.autograd.grad(loss.sum(), x, allow_unused=False) if loss.numel() else (torch.zeros_like(x),)
    return loss.detach(), grad


def assert_same(fn_a, fn_b, x, *args, kwargs_a=None, kwargs_b=None):
    va, ga = values_and_grads(fn_a, x, *args, **(kwargs_a or {}))
    vb, gb = values_and_grads(fn_b, x, *args, **(kwargs_b or {}))
    assert va.shape == vb.shape
    assert_close(va, vb, equal_nan=True)
    assert_close(ga, gb, equal_nan=True)


def torchvision_focal(inputs, targets, alpha=0.25, gamma=2.0):
    """torchvision.ops.sigmoid_focal_loss, reduction='none', written out naively."""
    p = torch.sigmoid(inputs)
    ce = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * (1 - p_t) ** gamma
    if alpha is not None and alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    return loss


def naive_softmax_focal(input, target, gamma, weight=None, ignore_index=-100):
    """Per-element multi-class focal loss and per-element weights, by the textbook formula."""
    probs = torch.softmax(input, dim=1)
    keep = target != ignore_index
    t = target.masked_fill(~keep, 0)
    p_t = probs.gather(1, t.unsqueeze(1)).squeeze(1)
    w = torch.ones_like(p_t) if weight is None else weight[t]
    w = w * keep
    return -w * (1 - p_t) ** gamma * torch.log(p_t), w


# --------------------------------------------------------------------------- sigmoid focal

@pytest.mark.parametrize("shape", [(), (7,), (4, 3), (2, 3, 5), (0,)], ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_sigmoid_focal_gamma_0_no_alpha_is_bce_with_logits(shape, reduction):
    g = gen(1)
    x = 3 * torch.randn(shape, generator=g, dtype=F64)
    y = torch.randint(0, 2, shape, generator=g).to(F64)
    assert_same(lb.sigmoid_focal_loss, F.binary_cross_entropy_with_logits, x, y,
                kwargs_a=dict(alpha=None, gamma=0.0, reduction=reduction),
                kwargs_b=dict(reduction=reduction))


@pytest.mark.parametrize("alpha", [0.25, 0.9, 0.0, 1.0])
def test_sigmoid_focal_gamma_0_with_alpha_is_weighted_bce(alpha):
    g = gen(2)
    x = 3 * torch.randn(6, 4, generator=g, dtype=F64)
    y = torch.randint(0, 2, (6, 4), generator=g).to(F64)
    weight = alpha * y + (1 - alpha) * (1 - y)
    for reduction in REDUCTIONS:
        assert_same(lb.sigmoid_focal_loss, F.binary_cross_entropy_with_logits, x, y,
                    kwargs_a=dict(alpha=alpha, gamma=0, reduction=reduction),
                    kwargs_b=dict(weight=weight, reduction=reduction))


@pytest.mark.parametrize("alpha", [0.25, 0.75, None, -1])
@pytest.mark.parametrize("gamma", [0.5, 1.0, 2.0, 5.0])
def test_sigmoid_focal_equals_torchvision_formula(alpha, gamma):
    g = gen(3)
    x = 4 * torch.randn(5, 6, generator=g, dtype=F64)
    y = torch.randint(0, 2, (5, 6), generator=g).to(F64)
    tv_alpha = -1 if alpha is None else alpha
    assert_same(lb.sigmoid_focal_loss, torchvision_focal, x, y,
                kwargs_a=dict(alpha=alpha, gamma=gamma, reduction="none"),
                kwargs_b=dict(alpha=tv_alpha, gamma=gamma))


def test_sigmoid_focal_reductions_and_module():
    g = gen(4)
    x = torch.randn(10, generator=g, dtype=F64)
    y = torch.randint(0, 2, (10,), generator=g).to(F64)
    none = lb.sigmoid_focal_loss(x, y, reduction="none")
    assert_close(lb.sigmoid_focal_loss(x, y), none.mean())  # the default is 'mean'
    assert_close(lb.sigmoid_focal_loss(x, y, reduction="sum"), none.sum())
    module = lb.SigmoidFocalLoss(alpha=0.5, gamma=1.5, reduction="sum")
    assert_close(module(x, y), lb.sigmoid_focal_loss(x, y, alpha=0.5, gamma=1.5, reduction="sum"))


def test_sigmoid_focal_paper_numbers():
    # Lin et al.: with gamma = 2, p_t = 0.9 has 100x and p_t ~ 0.968 about 1000x less loss than CE.
    for p_t, factor in [(0.9, 100.0), (0.968, 1 / 0.032**2)]:
        x = torch.tensor([math.log(p_t / (1 - p_t))], dtype=F64)
        y = torch.ones(1, dtype=F64)
        ce = lb.sigmoid_focal_loss(x, y, alpha=None, gamma=0)
        fl = lb.sigmoid_focal_loss(x, y, alpha=None, gamma=2)
        assert (ce / fl).item() == pytest.approx(factor, rel=1e-9)


# --------------------------------------------------------------------------- softmax focal

CE_CASES = [
    ("(N, C)", (8, 5), None),
    ("(C,) unbatched", (5,), None),
    ("(N, C, d)", (4, 3, 6), None),
    ("(N, C, d1, d2)", (2, 4, 3, 2), None),
    ("(N, C) ignore", (8, 5), -100),
    ("(N, C, d) ignore 2", (4, 3, 6), 2),
    ("empty", (0, 3), None),
]


@pytest.mark.parametrize("name,shape,ignore", CE_CASES, ids=[c[0] for c in CE_CASES])
@pytest.mark.parametrize("use_weight", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_focal_gamma_0_is_cross_entropy(name, shape, ignore, use_weight, reduction):
    g = gen(5)
    x = 3 * torch.randn(shape, generator=g, dtype=F64)
    num_classes = shape[0] if len(shape) == 1 else shape[1]
    target_shape = () if len(shape) == 1 else shape[:1] + shape[2:]
    target = torch.randint(0, num_classes, target_shape, generator=g)
    ignore_index = -100 if ignore is None else ignore
    if ignore is not None and target.numel():
        target.view(-1)[::3] = ignore  # a third of the elements are ignored
    weight = torch.rand(num_classes, generator=g, dtype=F64) + 0.1 if use_weight else None
    assert_same(lb.focal_loss, F.cross_entropy, x, target,
                kwargs_a=dict(gamma=0, weight=weight, ignore_index=ignore_index, reduction=reduction),
                kwargs_b=dict(weight=weight, ignore_index=ignore_index, reduction=reduction))


def test_focal_all_ignored_is_nan_like_cross_entropy():
    x = torch.randn(3, 4, dtype=F64)
    target = torch.full((3,), -100)
    assert math.isnan(lb.focal_loss(x, target).item()) and math.isnan(F.cross_entropy(x, target).item())
    assert lb.focal_loss(x, target, reduction="sum").item() == 0.0


@pytest.mark.parametrize("gamma", [0.5, 1.0, 2.0, 3.5])
@pytest.mark.parametrize("use_weight", [False, True], ids=["unweighted", "weighted"])
def test_focal_equals_naive_formula(gamma, use_weight):
    g = gen(6)
    x = 2 * torch.randn(6, 4, 5, generator=g, dtype=F64)
    target = torch.randint(0, 4, (6, 5), generator=g)
    target[0, :2] = 3
    target[1, 1] = -100
    weight = torch.rand(4, generator=g, dtype=F64) + 0.2 if use_weight else None

    def naive(x, target, reduction):
        loss, w = naive_softmax_focal(x, target, gamma, weight)
        return {"none": loss, "sum": loss.sum(), "mean": loss.sum() / w.sum()}[reduction]

    for reduction in REDUCTIONS:
        assert_same(lb.focal_loss, naive, x, target,
                    kwargs_a=dict(gamma=gamma, weight=weight, reduction=reduction),
                    kwargs_b=dict(reduction=reduction))


def test_focal_mean_is_weighted_mean_invariant_to_weight_scale():
    g = gen(7)
    x = torch.randn(20, 3, generator=g, dtype=F64)
    target = torch.randint(0, 3, (20,), generator=g)
    weight = torch.tensor([0.2, 1.0, 3.0], dtype=F64)
    mean = lb.focal_loss(x, target, weight=weight)
    assert_close(lb.focal_loss(x, target, weight=10 * weight), mean)
    by_count = lb.focal_loss(x, target, weight=weight, reduction="sum") / len(target)
    assert abs(mean.item() - by_count.item()) > 1e-3  # a different normalisation, on purpose
    assert_close(mean, lb.focal_loss(x, target, weight=weight, reduction="sum") / weight[target].sum())


def test_focal_module_moves_weight_and_matches_function():
    weight = torch.tensor([1.0, 2.0, 0.5], dtype=F64)
    module = lb.FocalLoss(gamma=1.0, weight=weight, ignore_index=1)
    assert "weight" in dict(module.named_buffers())
    x = torch.randn(5, 3, dtype=F64)
    target = torch.tensor([0, 1, 2, 2, 0])
    assert_close(module(x, target), lb.focal_loss(x, target, gamma=1.0, weight=weight, ignore_index=1))


def test_focal_binary_softmax_equals_sigmoid_focal_without_alpha():
    # Two classes with logits (0, x) are a sigmoid of x: both focal losses agree.
    g = gen(8)
    x = 3 * torch.randn(12, generator=g, dtype=F64)
    y = torch.randint(0, 2, (12,), generator=g)
    two = torch.stack([torch.zeros_like(x), x], dim=1)
    assert_close(lb.focal_loss(two, y, gamma=2, reduction="none"),
                 lb.sigmoid_focal_loss(x, y.to(F64), alpha=None, gamma=2, reduction="none"))


# --------------------------------------------------------------------------- gradcheck

def test_gradcheck_all_losses():
    g = gen(9)
    x = torch.randn(4, 3, generator=g, dtype=F64, requires_grad=True)
    y = torch.randint(0, 2, (4, 3), generator=g).to(F64)
    for gamma in (0.0, 0.5, 2.0):
        assert torch.autograd.gradcheck(lambda z, gamma=gamma: lb.sigmoid_focal_loss(z, y, gamma=gamma), (x,))
    target = torch.tensor([0, 2, 1, -100])
    weight = torch.tensor([0.5, 1.0, 2.0], dtype=F64)
    for gamma in (0.0, 0.5, 2.0):
        assert torch.autograd.gradcheck(
            lambda z, gamma=gamma: lb.focal_loss(z, target, gamma=gamma, weight=weight, reduction="none"), (x,))
    assert torch.autograd.gradcheck(lambda z: lb.dice_loss(z, y, reduction="none"), (x,))
    xm = torch.randn(2, 3, 4, generator=g, dtype=F64, requires_grad=True)
    tm = torch.randint(0, 3, (2, 4), generator=g)
    assert torch.autograd.gradcheck(lambda z: lb.dice_loss(z, tm, multiclass=True, reduction="none"), (xm,))


# --------------------------------------------------------------------------- properties

logits_1d = st.lists(st.floats(-30, 30), min_size=1, max_size=12)


@given(logits_1d, st.data(), st.floats(0, 5), st.sampled_from([None, 0.25, 0.8]))
def test_sigmoid_focal_properties(values, data, gamma, alpha):
    x = torch.tensor(values, dtype=F64)
    y = torch.tensor(data.draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=len(values),
                                        max_size=len(values))), dtype=F64)
    none = lb.sigmoid_focal_loss(x, y, alpha=alpha, gamma=gamma, reduction="none")
    ce = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    assert (none >= 0).all()
    assert (none <= ce * (1 if alpha is None else max(alpha, 1 - alpha)) + 1e-12).all()  # focal <= CE
    assert_close(lb.sigmoid_focal_loss(x, y, alpha=alpha, gamma=gamma, reduction="sum"), none.sum())
    perm = torch.randperm(len(values), generator=gen(len(values)))
    assert_close(lb.sigmoid_focal_loss(x[perm], y[perm], alpha=alpha, gamma=gamma), none.mean())


@given(st.integers(1, 8), st.integers(2, 5), st.floats(0, 5), st.integers(0, 10_000))
def test_softmax_focal_properties(n, c, gamma, seed):
    g = gen(seed)
    x = 5 * torch.randn(n, c, generator=g, dtype=F64)
    target = torch.randint(0, c, (n,), generator=g)
    none = lb.focal_loss(x, target, gamma=gamma, reduction="none")
    assert (none >= 0).all()
    assert (none <= F.cross_entropy(x, target, reduction="none") + 1e-12).all()
    assert_close(lb.focal_loss(x, target, gamma=gamma, reduction="sum"), none.sum())
    perm = torch.randperm(n, generator=g)
    assert_close(lb.focal_loss(x[perm], target[perm], gamma=gamma), none.mean())
    # more gamma, less loss (every factor (1 - p_t) is <= 1)
    assert (lb.focal_loss(x, target, gamma=gamma + 1, reduction="none") <= none + 1e-12).all()


@given(st.integers(1, 5), st.integers(1, 12), st.floats(0.01, 3), st.integers(0, 10_000))
def test_dice_properties(n, d, smooth, seed):
    g = gen(seed)
    x = 4 * torch.randn(n, d, generator=g, dtype=F64)
    y = torch.randint(0, 2, (n, d), generator=g).to(F64)
    none = lb.dice_loss(x, y, smooth=smooth, reduction="none")
    assert none.shape == (n,)
    assert ((none >= 0) & (none < 1)).all()
    assert_close(lb.dice_loss(x, y, smooth=smooth, reduction="sum"), none.sum())
    perm = torch.randperm(n, generator=g)
    assert_close(lb.dice_loss(x[perm], y[perm], smooth=smooth, reduction="none"), none[perm])
    # within a sample, the order of the elements does not matter either
    cols = torch.randperm(d, generator=g)
    assert_close(lb.dice_loss(x[:, cols], y[:, cols], smooth=smooth, reduction="none"), none)


# --------------------------------------------------------------------------- soft Dice

def naive_dice(probs, onehot, smooth):
    dims = tuple(range(1, probs.dim()))
    return 1 - (2 * (probs * onehot).sum(dims) + smooth) / (probs.sum(dims) + onehot.sum(dims) + smooth)


@pytest.mark.parametrize("shape", [(3,), (3, 7), (2, 4, 5), (2, 1, 3, 3)], ids=str)
@pytest.mark.parametrize("smooth", [1.0, 0.0, 1e-5])
def test_binary_dice_equals_naive_formula(shape, smooth):
    g = gen(10)
    x = 2 * torch.randn(shape, generator=g, dtype=F64)
    y = torch.randint(0, 2, shape, generator=g).to(F64)
    y.view(-1)[0] = 1  # no empty sample, so that smooth=0 is defined
    for reduction in REDUCTIONS:
        naive = naive_dice(torch.sigmoid(x), y, smooth)
        naive = {"none": naive, "mean": naive.mean(), "sum": naive.sum()}[reduction]
        assert_close(lb.dice_loss(x, y, smooth=smooth, reduction=reduction), naive)


def test_multiclass_dice_averages_per_class_dice():
    g = gen(11)
    x = torch.randn(3, 4, 5, 6, generator=g, dtype=F64)
    target = torch.randint(0, 4, (3, 5, 6), generator=g)
    probs = torch.softmax(x, dim=1)
    per_class = torch.stack([naive_dice(probs[:, c], (target == c).to(F64), 1.0) for c in range(4)], 1)
    assert_close(lb.dice_loss(x, target, multiclass=True, reduction="none"), per_class.mean(1))
    assert_close(lb.DiceLoss(multiclass=True)(x, target), per_class.mean())


def test_dice_perfect_prediction_is_near_zero_and_bounds():
    g = gen(12)
    y = torch.randint(0, 2, (4, 50), generator=g).float()
    perfect = 20 * (2 * y - 1)
    assert lb.dice_loss(perfect, y).item() < 1e-6
    assert lb.dice_loss(-perfect, y).item() > 0.95  # exactly wrong: near the upper bound 1
    # an empty target predicted empty: Dice 1 thanks to `smooth`; NaN without it
    empty = torch.zeros(2, 50)
    assert lb.dice_loss(torch.full((2, 50), -1e4), empty).item() == 0.0
    assert math.isnan(lb.dice_loss(torch.full((2, 50), -1e4), empty, smooth=0).item())
    target = torch.randint(0, 3, (2, 6, 6), generator=g)
    perfect_mc = 30 * F.one_hot(target, 3).permute(0, 3, 1, 2).float()
    assert lb.dice_loss(perfect_mc, target, multiclass=True).item() < 1e-6


def test_dice_multilabel_by_flattening():
    g = gen(13)
    x = torch.randn(2, 3, 8, generator=g, dtype=F64)
    y = torch.randint(0, 2, (2, 3, 8), generator=g).to(F64)
    per_label = lb.dice_loss(x.flatten(0, 1), y.flatten(0, 1), reduction="none").view(2, 3)
    for c in range(3):
        assert_close(per_label[:, c], lb.dice_loss(x[:, c], y[:, c], reduction="none"))


# --------------------------------------------------------------------------- stability

@pytest.mark.parametrize("gamma", [0.0, 0.25, 2.0])
def test_extreme_logits_are_finite(gamma):
    big = torch.tensor([1e4, -1e4, 1e4, -1e4, 0.0])
    y = torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0])
    x = big.clone().requires_grad_()
    loss = lb.sigmoid_focal_loss(x, y, gamma=gamma, alpha=None, reduction="none")
    loss.sum().backward()
    assert torch.isfinite(loss).all() and torch.isfinite(x.grad).all()
    assert loss[0] == 0 and loss[1] == 0 and loss[2] == 1e4 and loss[3] == 1e4
    # the naive power has an infinite slope at p_t = 1 when gamma < 1: NaN gradient
    if 0 < gamma < 1:
        z = big.clone().requires_grad_()
        torchvision_focal(z, y, alpha=-1, gamma=gamma).sum().backward()
        assert torch.isnan(z.grad).any()

    xs = torch.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, -1e4], [1e4, 1e4, -1e4]], requires_grad=True)
    target = torch.tensor([0, 0, 2])
    loss = lb.focal_loss(xs, target, gamma=gamma, reduction="none")
    loss.sum().backward()
    assert torch.isfinite(loss).all() and torch.isfinite(xs.grad).all()
    assert loss[0] == 0 and loss[1] == 2e4 and loss[2].item() == pytest.approx(2e4 + math.log(2))

    xd = torch.tensor([[1e4, -1e4], [-1e4, -1e4]], requires_grad=True)
    dice = lb.dice_loss(xd, torch.tensor([[1.0, 0.0], [0.0, 0.0]]))
    dice.backward()
    assert torch.isfinite(dice) and torch.isfinite(xd.grad).all()


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
def test_low_precision_on_cpu(dtype):
    g = gen(14)
    x32 = 5 * torch.randn(6, 4, generator=g)
    y = torch.randint(0, 2, (6, 4), generator=g)
    target = torch.randint(0, 4, (6,), generator=g)
    tol = dict(atol=0.05, rtol=0.05)
    low = lb.sigmoid_focal_loss(x32.to(dtype), y.to(dtype))
    assert low.dtype == dtype
    assert_close(low.float(), lb.sigmoid_focal_loss(x32, y.float()), **tol)
    assert_close(lb.focal_loss(x32.to(dtype), target).float(), lb.focal_loss(x32, target), **tol)
    assert_close(lb.dice_loss(x32.to(dtype), y.to(dtype)).float(), lb.dice_loss(x32, y.float()), **tol)


# --------------------------------------------------------------------------- weights

def test_class_weights_known_values():
    counts = torch.tensor([900, 90, 10])
    assert_close(lb.class_weights(counts), torch.tensor([1 / 900, 1 / 90, 1 / 10]) * 3 / (1 / 900 + 1 / 90 + 1 / 10))
    sqrt = torch.tensor([1 / 30, 1 / math.sqrt(90), 1 / math.sqrt(10)])
    assert_close(lb.class_weights(counts, scheme="sqrt_inverse"), sqrt * 3 / sqrt.sum())
    # effective number, beta = 0.99: E_n = (1 - 0.99^n) / 0.01
    e = torch.tensor([(1 - 0.99**n) / 0.01 for n in (900, 90, 10)], dtype=F64)
    w = lb.class_weights(counts.to(F64), scheme="effective", beta=0.99)
    assert w.dtype == F64
    assert_close(w, (1 / e) * 3 / (1 / e).sum())
    assert_close(w.sum(), torch.tensor(3.0, dtype=F64))


def test_class_weights_effective_limits():
    counts = [5000, 500, 50]
    assert_close(lb.class_weights(counts, scheme="effective", beta=0.0), torch.ones(3))
    assert_close(lb.class_weights(counts, scheme="effective", beta=1 - 1e-9),
                 lb.class_weights(counts), rtol=1e-4, atol=1e-6)


def test_class_weights_balanced_scheme_has_same_ratios():
    # scikit-learn's compute_class_weight('balanced') is N / (C n_c): inverse frequency, other scale.
    counts = torch.tensor([70.0, 25.0, 5.0], dtype=F64)
    balanced = counts.sum() / (3 * counts)
    ours = lb.class_weights(counts)
    assert_close(ours / ours[0], balanced / balanced[0])
    assert abs(ours.sum().item() - balanced.sum().item()) > 1  # ... but not the same numbers


def test_pos_weight_from_targets():
    y = torch.tensor([1.0] * 100 + [0.0] * 300)
    pw = lb.pos_weight_from_targets(y)
    assert pw.shape == () and pw.item() == 3.0  # PyTorch's documented example
    multi = torch.tensor([[1, 0], [0, 1], [0, 1], [0, 0]])
    assert_close(lb.pos_weight_from_targets(multi), torch.tensor([3.0, 1.0]))


def test_catalog_rows():
    assert len(imbalance.CATALOG) == 5
    for info in imbalance.CATALOG:
        assert info.name in imbalance.__all__ and info.module in imbalance.__all__
        assert info.family == "imbalance" and info.chapter == "chapters/class-imbalance"
        assert isinstance(getattr(lb, info.module)(), nn.Module)
    assert {"class_weights", "pos_weight_from_targets"} <= set(imbalance.__all__)


# --------------------------------------------------------------------------- bad input

X = torch.zeros(4, 3)
Y = torch.zeros(4, 3)
T = torch.tensor([0, 1, 2, 1])

BAD = [
    ("gamma < 0", lambda: lb.sigmoid_focal_loss(X, Y, gamma=-1.0), ValueError, "gamma"),
    ("gamma str", lambda: lb.focal_loss(X, T, gamma="2"), TypeError, "gamma"),
    ("softmax gamma < 0", lambda: lb.focal_loss(X, T, gamma=-0.5), ValueError, "gamma"),
    ("alpha > 1", lambda: lb.sigmoid_focal_loss(X, Y, alpha=1.5), ValueError, "alpha"),
    ("alpha -0.5", lambda: lb.sigmoid_focal_loss(X, Y, alpha=-0.5), ValueError, "alpha"),
    ("targets 0.5", lambda: lb.sigmoid_focal_loss(X, torch.full((4, 3), 0.5)), ValueError, "targets"),
    ("targets -1", lambda: lb.sigmoid_focal_loss(X, -torch.ones(4, 3)), ValueError, "targets"),
    ("targets long", lambda: lb.sigmoid_focal_loss(X, Y.long()), TypeError, "targets"),
    ("targets broadcast", lambda: lb.sigmoid_focal_loss(torch.zeros(4), torch.zeros(4, 1)), ValueError, "targets"),
    ("inputs long", lambda: lb.sigmoid_focal_loss(Y.long(), Y), TypeError, "inputs"),
    ("float class indices", lambda: lb.focal_loss(X, T.float()), TypeError, "target"),
    ("class index too big", lambda: lb.focal_loss(X, torch.tensor([0, 1, 3, 1])), ValueError, "target"),
    ("target shape", lambda: lb.focal_loss(X, torch.zeros(4, 1, dtype=torch.long)), ValueError, "target"),
    ("one class", lambda: lb.focal_loss(torch.zeros(4, 1), torch.zeros(4, dtype=torch.long)), ValueError, "input"),
    ("weight shape", lambda: lb.focal_loss(X, T, weight=torch.ones(4)), ValueError, "weight"),
    ("weight negative", lambda: lb.focal_loss(X, T, weight=torch.tensor([1.0, -1.0, 1.0])), ValueError, "weight"),
    ("weight dtype", lambda: lb.focal_loss(X, T, weight=torch.ones(3, dtype=F64)), TypeError, "weight"),
    ("ignore_index float", lambda: lb.focal_loss(X, T, ignore_index=-100.0), TypeError, "ignore_index"),
    ("focal reduction", lambda: lb.focal_loss(X, T, reduction="batchmean"), ValueError, "reduction"),
    ("sigmoid focal reduction", lambda: lb.sigmoid_focal_loss(X, Y, reduction=None), ValueError, "reduction"),
    ("dice targets 0.5", lambda: lb.dice_loss(X, torch.full((4, 3), 0.5)), ValueError, "target"),
    ("dice targets 255", lambda: lb.dice_loss(X, torch.full((4, 3), 255.0)), ValueError, "target"),
    ("dice shape", lambda: lb.dice_loss(X, torch.zeros(4, 3, 1)), ValueError, "target"),
    ("dice scalar", lambda: lb.dice_loss(torch.tensor(0.0), torch.tensor(1.0)), ValueError, "input"),
    ("dice smooth < 0", lambda: lb.dice_loss(X, Y, smooth=-1.0), ValueError, "smooth"),
    ("dice multiclass one channel", lambda: lb.dice_loss(torch.zeros(2, 1, 5), torch.zeros(2, 5, dtype=torch.long),
                                                         multiclass=True), ValueError, "input"),
    ("dice multiclass float target", lambda: lb.dice_loss(torch.zeros(2, 3, 5), torch.zeros(2, 5),
                                                          multiclass=True), TypeError, "target"),
    ("dice multiclass flag", lambda: lb.dice_loss(X, Y, multiclass=1), TypeError, "multiclass"),
    ("dice reduction", lambda: lb.dice_loss(X, Y, reduction="avg"), ValueError, "reduction"),
    ("unknown scheme", lambda: lb.class_weights([10, 5], scheme="balanced"), ValueError, "scheme"),
    ("zero count", lambda: lb.class_weights([10, 0, 5]), ValueError, "counts"),
    ("counts 2-D", lambda: lb.class_weights(torch.ones(2, 2)), ValueError, "counts"),
    ("beta 1", lambda: lb.class_weights([10, 5], scheme="effective", beta=1.0), ValueError, "beta"),
    ("pos_weight no positive", lambda: lb.pos_weight_from_targets(torch.zeros(5)), ValueError, "target"),
    ("pos_weight labels 2", lambda: lb.pos_weight_from_targets(torch.tensor([0, 1, 2])), ValueError, "target"),
    ("module gamma", lambda: lb.SigmoidFocalLoss(gamma=-2.0), ValueError, "gamma"),
    ("module alpha", lambda: lb.SigmoidFocalLoss(alpha=2.0), ValueError, "alpha"),
    ("module weight long", lambda: lb.FocalLoss(weight=torch.ones(3, dtype=torch.long)), TypeError, "weight"),
    ("module smooth", lambda: lb.DiceLoss(smooth=-0.1), ValueError, "smooth"),
]


@pytest.mark.parametrize("call,exc,name", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_refused(call, exc, name):
    with pytest.raises(exc, match=f"`{name}`"):
        call()


def test_alpha_minus_one_is_torchvisions_off_switch():
    g = gen(15)
    x = torch.randn(5, generator=g, dtype=F64)
    y = torch.randint(0, 2, (5,), generator=g).to(F64)
    assert_close(lb.sigmoid_focal_loss(x, y, alpha=-1), lb.sigmoid_focal_loss(x, y, alpha=None))
