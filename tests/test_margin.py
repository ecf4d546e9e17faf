"""lossbook.margin against PyTorch: values and gradients in float64 over every option, the module
twins, gradcheck, the relations to BCE, extreme inputs, PyTorch's quirks pinned (the weight of
multi_margin_loss after the power, repeated labels counted twice, 'mean' of nothing is 0) and a
table of bad inputs."""
from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.testing import assert_close

import lossbook as lb

F64 = torch.float64
REDUCTIONS = ("none", "mean", "sum")


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def twin(ours, theirs, inputs, grad_of, **kwargs):
    """Both functions on fresh leaves: equal values, and equal gradients of (loss * v).sum() for
    a fixed, varied v (every element of a 'none' loss checked with its own weight)."""
    results = []
    for fn in (ours, theirs):
        args = [t.detach().clone().requires_grad_(i in grad_of) for i, t in enumerate(inputs)]
        loss = fn(*args, **kwargs)
        v = torch.linspace(0.5, 1.5, loss.numel(), dtype=loss.dtype).reshape(loss.shape)
        grads = torch.autograd.grad((loss * v).sum(), [args[i] for i in grad_of], allow_unused=True) \
            if loss.requires_grad else [None] * len(grad_of)
        results.append((loss.detach(), grads))
    (lo, go), (lt, gt) = results
    assert lo.shape == lt.shape and lo.dtype == lt.dtype
    assert_close(lo, lt, equal_nan=True)
    for a, b in zip(go, gt):
        assert (a is None) == (b is None)
        if a is not None:
            assert_close(a, b, equal_nan=True)
    return lo


def signs(shape, g):
    return (torch.rand(shape, generator=g) < 0.5).to(F64) * 2 - 1


def label_lists(n, c, g, *, count=None):
    """Rows of distinct classes ended by -1 (padded after it with classes that must be ignored)."""
    perm = torch.rand(n, c, generator=g).argsort(1)
    k = torch.randint(0, c + 1, (n,), generator=g) if count is None else torch.full((n,), count)
    return torch.where(torch.arange(c) == k.unsqueeze(1), -1, perm)


SHAPES = {"(N,C)": (7, 5), "(C,)": (5,), "(0,C)": (0, 5)}


# --------------------------------------------------------------------------- soft margin

@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 4), (), (0, 3)], ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin_equals_pytorch(shape, reduction):
    g = gen(1)
    twin(lb.soft_margin_loss, F.soft_margin_loss, [3 * torch.randn(shape, generator=g, dtype=F64),
                                                    signs(shape, g)], [0], reduction=reduction)


def test_soft_margin_is_bce_with_logits_on_zero_one_labels():
    g = gen(2)
    x, y = torch.randn(20, generator=g, dtype=F64), signs((20,), g)
    assert_close(lb.soft_margin_loss(x, y), lb.binary_cross_entropy_with_logits(x, (y + 1) / 2))


def test_soft_margin_is_finite_where_pytorch_overflows():
    x = torch.tensor([1000.0, -1000.0, 50.0, 0.0], requires_grad=True)
    y = torch.tensor([-1.0, 1.0, -1.0, 1.0])
    loss = lb.soft_margin_loss(x, y, reduction="none")
    loss.sum().backward()
    assert_close(loss.detach(), torch.tensor([1000.0, 1000.0, 50.0, 0.6931]), atol=1e-4, rtol=0)
    assert_close(x.grad, torch.tensor([1.0, -1.0, 1.0, -0.5]))
    theirs = F.soft_margin_loss(x.detach(), y, reduction="none")
    assert torch.isinf(theirs[:2]).all()  # log(1 + exp(1000)) in float32, PyTorch's kernel
    assert_close(loss.detach()[2:], theirs[2:])


@pytest.mark.parametrize("dtype", [F64, torch.bfloat16, torch.long], ids=str)
def test_soft_margin_keeps_inputs_dtype_whatever_the_targets_like_pytorch(dtype):
    g = gen(3)
    x, y = torch.randn(6, generator=g), signs((6,), g).to(dtype)
    ours, theirs = lb.soft_margin_loss(x, y), F.soft_margin_loss(x, y)
    assert ours.dtype == theirs.dtype == torch.float32
    assert_close(ours, theirs)


# --------------------------------------------------------------------------- multi-label soft margin

@pytest.mark.parametrize("shape", [(7, 5), (5,), (2, 3, 5), (0, 5)], ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, "class", "full"])
def test_multilabel_soft_margin_equals_pytorch_with_the_targets_gradient(shape, reduction, weight):
    g = gen(4)
    x = 3 * torch.randn(shape, generator=g, dtype=F64)
    y = torch.rand(shape, generator=g, dtype=F64)  # soft labels too: both differentiate them
    w = {None: None, "class": torch.rand(shape[-1], generator=g, dtype=F64) + 0.1,
         "full": torch.rand(shape, generator=g, dtype=F64) + 0.1}[weight]
    twin(lb.multilabel_soft_margin_loss, F.multilabel_soft_margin_loss, [x, y], [0, 1], weight=w,
         reduction=reduction)


def test_multilabel_soft_margin_is_bce_with_logits_averaged_over_the_labels():
    g = gen(5)
    x, y, w = torch.randn(6, 4, generator=g, dtype=F64), (torch.rand(6, 4, generator=g) < 0.5).to(F64), \
        torch.rand(4, generator=g, dtype=F64)
    bce = lb.binary_cross_entropy_with_logits(x, y, weight=w, reduction="none").mean(1)
    assert_close(lb.multilabel_soft_margin_loss(x, y, weight=w, reduction="none"), bce)
    assert_close(lb.multilabel_soft_margin_loss(x, y), lb.binary_cross_entropy_with_logits(x, y))


# --------------------------------------------------------------------------- multi-class margin

@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multi_margin_equals_pytorch_on_every_option(shape, reduction):
    if 0 in shape and reduction != "none":
        pytest.skip("PyTorch's result is uninitialised memory: see the empty-batch test below")
    g = gen(6)
    x = torch.randn(shape, generator=g, dtype=F64)
    t = torch.randint(0, shape[-1], shape[:-1], generator=g)
    weight = torch.rand(shape[-1], generator=g, dtype=F64) + 0.1
    for p, margin, w in itertools.product([1, 2], [1.0, 0.3, 2.5, 0.0, -0.5], [None, weight]):
        twin(lb.multi_margin_loss, F.multi_margin_loss, [x, t], [0], p=p, margin=margin, weight=w,
             reduction=reduction)


def test_multi_margin_weight_multiplies_after_the_power_as_pytorchs_kernel_does():
    x = torch.tensor([[0.0, 0.5, -1.0]], dtype=F64)
    t, w = torch.tensor([0]), torch.tensor([3.0, 1.0, 1.0], dtype=F64)
    # hinges: class 1: 1 - 0 + 0.5 = 1.5; class 2: 1 - 0 - 1 = 0; w_y = 3
    expected = 3 * 1.5 ** 2 / 3  # w (hinge)^2 / C, not (w hinge)^2 / C = 6.75 as the documentation reads
    assert_close(lb.multi_margin_loss(x, t, p=2, weight=w), torch.tensor(expected, dtype=F64))
    assert_close(F.multi_margin_loss(x, t, p=2, weight=w), torch.tensor(expected, dtype=F64))


def test_multi_margin_is_zero_once_the_true_class_leads_by_the_margin():
    x = torch.tensor([[3.0, 1.9, 0.0], [0.0, 1.0, 5.0]], dtype=F64)
    assert lb.multi_margin_loss(x, torch.tensor([0, 2]), margin=1.0).item() == 0.0
    assert lb.multi_margin_loss(x, torch.tensor([0, 2]), margin=1.2).item() > 0.0


# --------------------------------------------------------------------------- multi-label margin

@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin_equals_pytorch(shape, reduction):
    if 0 in shape and reduction != "none":
        pytest.skip("PyTorch's result is uninitialised memory: see the empty-batch test below")
    g = gen(7)
    for _ in range(4):
        x = torch.randn(shape, generator=g, dtype=F64)
        t = label_lists(max(x.shape[0], 1) if x.dim() == 2 else 1, shape[-1], g)
        t = t[: x.shape[0]] if x.dim() == 2 else t[0]
        twin(lb.multilabel_margin_loss, F.multilabel_margin_loss, [x, t], [0], reduction=reduction)


def test_multilabel_margin_rows_with_no_or_every_label_cost_zero_like_pytorch():
    x = torch.randn(3, 4, generator=gen(8), dtype=F64)
    t = torch.tensor([[-1, 0, 1, 2], [0, 1, 2, 3], [2, -1, -1, -1]])
    ours = twin(lb.multilabel_margin_loss, F.multilabel_margin_loss, [x, t], [0], reduction="none")
    assert ours[0].item() == 0.0 and ours[1].item() == 0.0 and ours[2].item() > 0.0


def test_multilabel_margin_at_its_kinks_and_ties_equals_pytorch():
    # Integer scores put many hinges exactly at 0 (x_i = x_c - 1) and many scores level: the
    # sorted-search form and PyTorch's pairwise kernel agree there, gradient 0 at a kink.
    g = gen(19)
    x = torch.randint(-2, 3, (40, 6), generator=g).to(F64)
    t = label_lists(40, 6, g)
    twin(lb.multilabel_margin_loss, F.multilabel_margin_loss, [x, t], [0], reduction="none")
    twin(lb.multi_margin_loss, F.multi_margin_loss, [x, t[:, 0].clamp_min(0)], [0], reduction="sum")


def test_multilabel_margin_formula():
    x = torch.tensor([0.1, 0.2, 0.4, 0.8], dtype=F64)
    t = torch.tensor([3, 0, -1, 1])  # classes 3 and 0 true, 1 and 2 false
    pairs = [(3, 1), (3, 2), (0, 1), (0, 2)]
    expected = sum(max(0.0, 1 - (x[j] - x[i]).item()) for j, i in pairs) / 4
    assert_close(lb.multilabel_margin_loss(x, t), torch.tensor(expected, dtype=F64))


def test_pytorch_counts_a_repeated_label_twice_and_lossbook_refuses_it():
    x = torch.randn(1, 4, generator=gen(9), dtype=F64)
    once, twice = torch.tensor([[1, -1, 0, 0]]), torch.tensor([[1, 1, -1, 0]])
    assert_close(F.multilabel_margin_loss(x, twice), 2 * F.multilabel_margin_loss(x, once))
    with pytest.raises(ValueError, match="listed twice"):
        lb.multilabel_margin_loss(x, twice)
    with lb.validation(False):  # without the check: PyTorch's number
        assert_close(lb.multilabel_margin_loss(x, twice), F.multilabel_margin_loss(x, twice))


def test_multi_and_multilabel_margin_of_an_empty_batch_follow_the_rule_where_pytorch_returns_garbage():
    x, t, lists = torch.zeros(0, 4, dtype=F64), torch.zeros(0, dtype=torch.long), torch.zeros(0, 4, dtype=torch.long)
    for fn, target in ((lb.multi_margin_loss, t), (lb.multilabel_margin_loss, lists)):
        assert fn(x, target, reduction="sum").item() == 0.0 and torch.isnan(fn(x, target))
        assert fn(x, target, reduction="none").shape == (0,)
    # (PyTorch 2.13's CPU kernels leave 'sum' and 'mean' of an empty batch uninitialised: whatever the
    # memory held, 1e277 or NaN as often as 0, so there is nothing of theirs to compare with.)


# --------------------------------------------------------------------------- triplet with a distance

def cosine_distance(x, y):
    return 1 - F.cosine_similarity(x, y, dim=-1)


def l1_distance(x, y):
    return (x - y).abs().sum(-1)


@pytest.mark.parametrize("shape", [(7, 3), (3,), (0, 3)], ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("distance", [None, cosine_distance, l1_distance], ids=["default", "cosine", "l1"])
def test_triplet_margin_with_distance_equals_pytorch(shape, reduction, distance):
    g = gen(10)
    a, p, n = (torch.randn(shape, generator=g, dtype=F64) for _ in range(3))
    for margin, swap in itertools.product([1.0, 0.2, 3.0], [False, True]):
        twin(lb.triplet_margin_with_distance_loss, F.triplet_margin_with_distance_loss, [a, p, n], [0, 1, 2],
             distance_function=distance, margin=margin, swap=swap, reduction=reduction)


def test_triplet_with_the_default_distance_is_the_triplet_margin_loss():
    g = gen(11)
    a, p, n = (torch.randn(6, 4, generator=g, dtype=F64) for _ in range(3))
    assert_close(lb.triplet_margin_with_distance_loss(a, p, n, swap=True),
                 lb.triplet_margin_loss(a, p, n, swap=True))


def test_triplet_any_shape_with_your_own_distance():
    g = gen(12)
    a, p, n = (torch.randn(4, 2, 3, generator=g, dtype=F64) for _ in range(3))

    def frobenius(x, y):
        return (x - y).flatten(1).norm(dim=1)
    twin(lb.triplet_margin_with_distance_loss, F.triplet_margin_with_distance_loss, [a, p, n], [0, 1, 2],
         distance_function=frobenius, reduction="none")


# --------------------------------------------------------------------------- modules

def test_modules_equal_pytorch_modules():
    g = gen(13)
    x = torch.randn(6, 4, generator=g, dtype=F64)
    y, t = signs((6, 4), g), torch.randint(0, 4, (6,), generator=g)
    w = torch.rand(4, generator=g, dtype=F64) + 0.1
    lists = label_lists(6, 4, g)
    e = [torch.randn(6, 4, generator=g, dtype=F64) for _ in range(3)]
    cases = [
        (lb.SoftMarginLoss(reduction="sum"), nn.SoftMarginLoss(reduction="sum"), (x, y)),
        (lb.MultiLabelSoftMarginLoss(w, reduction="none"), nn.MultiLabelSoftMarginLoss(w, reduction="none"),
         (x, (y + 1) / 2)),
        (lb.MultiMarginLoss(2, 0.5, w), nn.MultiMarginLoss(2, 0.5, w), (x, t)),
        (lb.MultiLabelMarginLoss(), nn.MultiLabelMarginLoss(), (x, lists)),
        (lb.TripletMarginWithDistanceLoss(distance_function=cosine_distance, margin=0.3, swap=True),
         nn.TripletMarginWithDistanceLoss(distance_function=cosine_distance, margin=0.3, swap=True), e),
    ]
    for ours, theirs, args in cases:
        assert_close(ours(*args), theirs(*args))
    assert "weight" in dict(lb.MultiMarginLoss(weight=w).named_buffers())
    assert "weight" in dict(lb.MultiLabelSoftMarginLoss(w).named_buffers())


# --------------------------------------------------------------------------- gradcheck

def test_gradcheck_every_loss():
    g = gen(14)
    x = torch.randn(5, 4, generator=g, dtype=F64, requires_grad=True)
    y = signs((5, 4), g)
    soft = torch.rand(5, 4, generator=g, dtype=F64).requires_grad_()
    t = torch.randint(0, 4, (5,), generator=g)
    w = torch.rand(4, generator=g, dtype=F64) + 0.1
    lists = label_lists(5, 4, g)
    e = [torch.randn(5, 3, generator=g, dtype=F64, requires_grad=True) for _ in range(3)]
    checks = [
        (lambda x: lb.soft_margin_loss(x, y), (x,)),
        (lambda x, s: lb.multilabel_soft_margin_loss(x, s, weight=w), (x, soft)),
        (lambda x: lb.multi_margin_loss(x, t, p=1, margin=0.7, weight=w), (x,)),
        (lambda x: lb.multi_margin_loss(x, t, p=2, weight=w, reduction="sum"), (x,)),
        (lambda x: lb.multilabel_margin_loss(x, lists, reduction="none"), (x,)),
        (lambda a, p, n: lb.triplet_margin_with_distance_loss(a, p, n, swap=True, margin=2.0), e),
        (lambda a, p, n: lb.triplet_margin_with_distance_loss(a, p, n, distance_function=cosine_distance,
                                                              margin=0.5, reduction="none"), e),
    ]
    for fn, args in checks:
        assert torch.autograd.gradcheck(fn, args)


# --------------------------------------------------------------------------- extreme inputs

def test_extreme_scores_give_finite_values_and_gradients():
    big = torch.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 5e3]], requires_grad=True)
    t = torch.tensor([1, 0])
    lists = torch.tensor([[1, -1, 0], [0, 2, -1]])
    for loss in (lb.multi_margin_loss(big, t, p=2), lb.multilabel_margin_loss(big, lists),
                 lb.multilabel_soft_margin_loss(big, torch.ones(2, 3)), lb.soft_margin_loss(big, -torch.ones(2, 3))):
        big.grad = None
        loss.backward()
        assert torch.isfinite(loss) and torch.isfinite(big.grad).all()
    assert_close(lb.multi_margin_loss(big.detach(), t, p=2), F.multi_margin_loss(big.detach(), t, p=2))
    assert_close(lb.multilabel_margin_loss(big.detach(), lists), F.multilabel_margin_loss(big.detach(), lists))
    e = torch.full((2, 3), 1e3, requires_grad=True)  # anchor and positive equal: eps keeps the gradient finite
    loss = lb.triplet_margin_with_distance_loss(e, e.detach().clone(), torch.zeros(2, 3))
    loss.backward()
    assert torch.isfinite(e.grad).all()


# --------------------------------------------------------------------------- bad inputs

x2 = torch.randn(4, 3)
s2 = torch.tensor([[1.0, -1.0, 1.0]] * 4)
t2 = torch.tensor([0, 1, 2, 1])
l2 = torch.tensor([[0, -1, 0], [1, 2, -1], [2, -1, 1], [-1, 0, 0]])


def cdist(x, y):
    return torch.cdist(x, y)


BAD = [
    ("soft margin 0/1 targets", lambda: lb.soft_margin_loss(x2, (s2 + 1) / 2), ValueError, "`target`.*-1.0 or 1.0"),
    ("soft margin (N,1) vs (N,)", lambda: lb.soft_margin_loss(x2[:, :1], s2[:, 0]), ValueError, "`target`"),
    ("soft margin unknown reduction", lambda: lb.soft_margin_loss(x2, s2, reduction="avg"), ValueError,
     "`reduction`"),
    ("soft margin positional reduction", lambda: lb.soft_margin_loss(x2, s2, None, None, "sum"), TypeError,
     "positional"),
    ("multilabel soft margin labels outside [0, 1]", lambda: lb.multilabel_soft_margin_loss(x2, s2), ValueError,
     "`target`"),
    ("multilabel soft margin integer target", lambda: lb.multilabel_soft_margin_loss(x2, l2.clamp(0)), TypeError,
     "`target`"),
    ("multilabel soft margin negative weight", lambda: lb.multilabel_soft_margin_loss(x2, x2.sigmoid(),
     weight=-torch.ones(3)), ValueError, "`weight`"),
    ("multilabel soft margin scalar input", lambda: lb.multilabel_soft_margin_loss(x2[0, 0], x2[0, 0].sigmoid()),
     ValueError, "`input`"),
    ("multi margin p = 3", lambda: lb.multi_margin_loss(x2, t2, p=3), ValueError, "`p`"),
    ("multi margin p = True", lambda: lb.MultiMarginLoss(p=True), ValueError, "`p`"),
    ("multi margin index out of range", lambda: lb.multi_margin_loss(x2, t2 + 1), ValueError, "`target`"),
    ("multi margin float targets", lambda: lb.multi_margin_loss(x2, t2.float()), TypeError, "`target`"),
    ("multi margin one-hot targets", lambda: lb.multi_margin_loss(x2, F.one_hot(t2, 3)), ValueError, "`target`"),
    ("multi margin weight (N,)", lambda: lb.multi_margin_loss(x2, t2, weight=torch.ones(4)), ValueError,
     "`weight`"),
    ("multi margin 3-d input", lambda: lb.multi_margin_loss(x2[None], t2[None]), ValueError, "`input`"),
    ("multi margin bfloat16 on the CPU", lambda: lb.multi_margin_loss(x2.bfloat16(), t2), TypeError, "`input`"),
    ("multi margin positional size_average", lambda: lb.multi_margin_loss(x2, t2, 1, 1.0, None, True), TypeError,
     "positional"),
    ("multilabel margin repeated label", lambda: lb.multilabel_margin_loss(x2, torch.tensor([[1, 1, -1]] * 4)),
     ValueError, "listed twice"),
    ("multilabel margin 0/1 multi-hot target", lambda: lb.multilabel_margin_loss(x2, torch.tensor([[1, 0, 1]] * 4)),
     ValueError, "multi-hot"),
    ("multilabel margin end marker -2", lambda: lb.multilabel_margin_loss(x2, l2 - 1), ValueError, "`target`"),
    ("multilabel margin class out of range", lambda: lb.multilabel_margin_loss(x2, l2 + 1), ValueError,
     "`target`"),
    ("multilabel margin target shape", lambda: lb.multilabel_margin_loss(x2, l2[:, :2]), ValueError, "`target`"),
    ("multilabel margin float target", lambda: lb.multilabel_margin_loss(x2, l2.float()), TypeError, "`target`"),
    ("triplet margin 0", lambda: lb.triplet_margin_with_distance_loss(x2, x2, x2, margin=0.0), ValueError,
     "`margin`"),
    ("triplet shapes differ", lambda: lb.triplet_margin_with_distance_loss(x2, x2[:2], x2), ValueError,
     "`positive`"),
    ("triplet distance not callable", lambda: lb.triplet_margin_with_distance_loss(x2, x2, x2,
     distance_function="cosine"), TypeError, "`distance_function`"),
    ("triplet distance matrix", lambda: lb.triplet_margin_with_distance_loss(x2, x2, x2, distance_function=cdist),
     ValueError, "one distance per triplet"),
    ("triplet similarity as distance", lambda: lb.triplet_margin_with_distance_loss(x2, -x2, x2 + 1,
     distance_function=lambda a, b: F.cosine_similarity(a, b)), ValueError, "similarity is not a distance"),
    ("triplet positional margin", lambda: lb.triplet_margin_with_distance_loss(x2, x2, x2, None), TypeError,
     "positional"),
    ("triplet 3-d with the default distance", lambda: lb.triplet_margin_with_distance_loss(x2[None], x2[None],
     x2[None]), ValueError, "`anchor`"),
    ("triplet swap not bool", lambda: lb.TripletMarginWithDistanceLoss(swap=1), TypeError, "`swap`"),
]


@pytest.mark.parametrize("call,exc,match", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_input_raises(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_pytorch_accepts_what_lossbook_refuses():
    # The reasons for the strictness, shown: PyTorch returns a number for each of these.
    assert torch.isfinite(F.soft_margin_loss(x2, (s2 + 1) / 2))  # 0 labels: log 2 whatever the score
    assert torch.isfinite(F.multilabel_margin_loss(x2, torch.tensor([[1, 0, 1]] * 4)))  # multi-hot read as indices
    assert torch.isfinite(F.multilabel_soft_margin_loss(x2, s2))  # -1 "labels"
    similarity = F.triplet_margin_with_distance_loss(x2, -x2, x2 + 1, distance_function=lambda a, b:
                                                     F.cosine_similarity(a, b))
    assert torch.isfinite(similarity)
    assert F.triplet_margin_with_distance_loss(x2, x2, x2, distance_function=cdist, reduction="none").shape == (4, 4)
