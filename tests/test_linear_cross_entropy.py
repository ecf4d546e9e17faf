"""lossbook.linear_cross_entropy against PyTorch's F.linear_cross_entropy and against the logits it
never materialises: values and gradients (input, projection, bias, probability targets) in float64
over every option, chunk sizes, the module twin, gradcheck, peak memory, extreme and bad inputs."""
from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.testing import assert_close

import lossbook as lb

F64 = torch.float64
C, H = 5, 4


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def value_and_grads(fn, input, linear_weight, target, linear_bias=None, **kwargs):
    """The loss and the gradients of (loss * v).sum() (v fixed and varied, so every element of a
    'none' loss is checked) for input, linear_weight, linear_bias and a probability target."""
    leaves = [t.detach().clone().requires_grad_(t.is_floating_point()) if t is not None else None
              for t in (input, linear_weight, target, linear_bias)]
    loss = fn(*leaves[:3], linear_bias=leaves[3], **kwargs)
    v = torch.linspace(0.5, 1.5, loss.numel(), dtype=loss.dtype).reshape(loss.shape)
    wrt = [t for t in leaves if t is not None and t.requires_grad]
    grads = torch.autograd.grad((loss * v).sum(), wrt, allow_unused=True) if loss.requires_grad else ()
    return loss.detach(), grads


def assert_twins(a, b):
    assert a[0].shape == b[0].shape and a[0].dtype == b[0].dtype
    assert_close(a[0], b[0], equal_nan=True)
    assert len(a[1]) == len(b[1])
    for x, y in zip(a[1], b[1]):
        assert (x is None) == (y is None)
        if x is not None:
            assert_close(x, y, equal_nan=True)


def draw(n, out=(), *, probabilities=False, ignore_index=None, bias=False, weighted=False, seed=0):
    g = gen(seed)
    x = torch.randn(n, H, generator=g, dtype=F64)
    w = torch.randn(C, *out, H, generator=g, dtype=F64)
    b = torch.randn(C, *out, generator=g, dtype=F64) if bias else None
    if probabilities:
        t = torch.softmax(2 * torch.randn(n, C, *out, generator=g, dtype=F64), 1)
    else:
        t = torch.randint(0, C, (n, *out), generator=g)
        if ignore_index is not None and t.numel() > 1:
            t.view(-1)[::3] = ignore_index
    weight = torch.rand(C, generator=g, dtype=F64) + 0.1 if weighted else None
    return x, w, t, b, weight


# --------------------------------------------------------------------------- the twin battery

@pytest.mark.parametrize("n", [0, 1, 9, 40], ids=lambda n: f"N={n}")
@pytest.mark.parametrize("out", [(), (3,), (2, 3)], ids=str)
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_class_indices_equal_pytorch_on_every_option(n, out, reduction):
    for ignore_index, bias, weighted, label_smoothing in itertools.product(
            [None, -100, 2], [False, True], [False, True], [0.0, 0.3]):
        x, w, t, b, weight = draw(n, out, ignore_index=ignore_index, bias=bias, weighted=weighted)
        kw = dict(weight=weight, reduction=reduction, ignore_index=ignore_index, label_smoothing=label_smoothing)
        assert_twins(value_and_grads(lb.linear_cross_entropy, x, w, t, b, **kw),
                     value_and_grads(F.linear_cross_entropy, x, w, t, b, **kw))


@pytest.mark.parametrize("n", [0, 1, 9, 40], ids=lambda n: f"N={n}")
@pytest.mark.parametrize("out", [(), (3,)], ids=str)
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_probability_targets_equal_pytorch_with_the_targets_gradient(n, out, reduction):
    for bias, weighted, label_smoothing in itertools.product([False, True], [False, True], [0.0, 0.3]):
        x, w, t, b, weight = draw(n, out, probabilities=True, bias=bias, weighted=weighted)
        kw = dict(weight=weight, reduction=reduction, label_smoothing=label_smoothing)
        assert_twins(value_and_grads(lb.linear_cross_entropy, x, w, t, b, **kw),
                     value_and_grads(F.linear_cross_entropy, x, w, t, b, **kw))


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_unbatched_input_equals_pytorch(reduction):
    g = gen(1)
    x, w, b = (torch.randn(*s, generator=g, dtype=F64) for s in [(H,), (C, H), (C,)])
    for t in (torch.tensor(3), torch.softmax(torch.randn(C, generator=g, dtype=F64), 0)):
        assert_twins(value_and_grads(lb.linear_cross_entropy, x, w, t, b, reduction=reduction),
                     value_and_grads(F.linear_cross_entropy, x, w, t, b, reduction=reduction))


def test_equals_cross_entropy_of_the_materialised_logits():
    x, w, t, b, weight = draw(23, ignore_index=-100, bias=True, weighted=True, seed=2)
    kw = dict(weight=weight, label_smoothing=0.1)
    assert_twins(value_and_grads(lb.linear_cross_entropy, x, w, t, b, **kw),
                 value_and_grads(lambda x, w, t, linear_bias, **k: lb.cross_entropy(F.linear(x, w, linear_bias), t, **k),
                                 x, w, t, b, **kw))


@pytest.mark.parametrize("chunk", [1, 2, 7, 64])
def test_every_chunk_size_gives_the_same_values_and_gradients(chunk):
    x, w, t, b, weight = draw(21, ignore_index=-100, bias=True, weighted=True, seed=3)
    options = nn.LinearCrossEntropyOptions(batch_chunk_size=chunk)
    for reduction in ("none", "mean", "sum"):
        kw = dict(weight=weight, reduction=reduction, label_smoothing=0.2)
        assert_twins(value_and_grads(lb.linear_cross_entropy, x, w, t, b, options=options, **kw),
                     value_and_grads(F.linear_cross_entropy, x, w, t, b, **kw))


@pytest.mark.parametrize("rows,in_features,classes,expected", [
    (1024, 128, 32768, 128),   # H rows: a chunk of logits the size of the projection
    (8192, 16, 1000, 256),     # more rows when the input is the larger buffer
    (6, 4, 6, 4), (3, 64, 10, 3), (0, 4, 6, 1)])
def test_default_chunks_hold_logits_no_larger_than_the_larger_of_input_and_projection(rows, in_features, classes,
                                                                                    expected):
    from lossbook.classification import _chunk_size
    assert _chunk_size(rows, in_features, classes, None) == expected
    options = nn.LinearCrossEntropyOptions(chunking_method="aspect_ratio")
    got = _chunk_size(rows, in_features, classes, options)
    if rows:  # PyTorch's own rule, reproduced
        assert got == options._adjust(rows, in_features, classes, torch.float32).batch_chunk_size


def test_every_target_ignored_gives_nan_mean_and_zero_gradients_like_pytorch():
    x, w, _, b, weight = draw(6, bias=True, weighted=True, seed=4)
    t = torch.full((6,), -100)
    ours = value_and_grads(lb.linear_cross_entropy, x, w, t, b, weight=weight, label_smoothing=0.3)
    assert torch.isnan(ours[0])
    assert_twins(ours, value_and_grads(F.linear_cross_entropy, x, w, t, b, weight=weight, label_smoothing=0.3))


# --------------------------------------------------------------------------- the module twin

@pytest.mark.parametrize("out,bias", [((), False), ((), True), ((2, 3), True)], ids=str)
def test_module_equals_pytorchs_module_with_the_weights_copied(out, bias):
    weight = torch.rand(C, generator=gen(5), dtype=F64) + 0.1
    kw = dict(out_features=out, bias=bias, dtype=F64, weight=weight, ignore_index=1, label_smoothing=0.1,
              reduction="sum")
    ours, theirs = lb.LinearCrossEntropyLoss(H, C, **kw), nn.LinearCrossEntropyLoss(H, C, **kw)
    assert ours.state_dict().keys() == theirs.state_dict().keys()
    ours.load_state_dict(theirs.state_dict())
    g = gen(6)
    x = torch.randn(8, H, generator=g, dtype=F64)
    t = torch.randint(0, C, (8, *out), generator=g)
    assert_close(ours(x, t), theirs(x, t))
    ours(x, t).backward()
    theirs(x, t).backward()
    for p, q in zip(ours.parameters(), theirs.parameters()):
        assert_close(p.grad, q.grad)
    assert "weight" in dict(ours.named_buffers())


# --------------------------------------------------------------------------- gradcheck

def test_gradcheck():
    x, w, t, b, weight = draw(7, ignore_index=-100, bias=True, weighted=True, seed=7)
    t[0] = -100
    opts = nn.LinearCrossEntropyOptions(batch_chunk_size=3)
    for kw in (dict(weight=weight, label_smoothing=0.2), dict(reduction="none"), dict(reduction="sum")):
        assert torch.autograd.gradcheck(
            lambda x, w, b, kw=kw: lb.linear_cross_entropy(x, w, t, linear_bias=b, options=opts, **kw),
            (x.requires_grad_(), w.requires_grad_(), b.requires_grad_()))
    _, w3, soft, b3, _ = draw(7, (2,), probabilities=True, bias=True, seed=8)
    assert torch.autograd.gradcheck(
        lambda x, w, t, b: lb.linear_cross_entropy(x, w, t, linear_bias=b, label_smoothing=0.1, options=opts),
        (x, w3.requires_grad_(), soft.requires_grad_(), b3.requires_grad_()))


def test_the_hand_written_backward_traces_with_aot_autograd():
    x, w, t, b, _ = draw(9, bias=True, seed=9)
    fn = torch.compile(lb.linear_cross_entropy, backend="aot_eager", fullgraph=True)
    with lb.validation(False):
        assert_twins(value_and_grads(fn, x, w, t, b), value_and_grads(F.linear_cross_entropy, x, w, t, b))


# --------------------------------------------------------------------------- memory

def test_peak_memory_is_a_fraction_of_the_materialised_logits():
    g = gen(10)
    n, h, v = 256, 16, 4096  # logits: 4 MiB in float32, the projection 0.25 MiB
    x = torch.randn(n, h, generator=g, requires_grad=True)
    w = (torch.randn(v, h, generator=g) / 4).requires_grad_()
    t = torch.randint(0, v, (n,), generator=g)

    def step(fn):
        return lambda: fn(x, w, t).backward()

    materialised = lb.peak_memory(step(lambda x, w, t: F.cross_entropy(F.linear(x, w), t)))
    chunked = lb.peak_memory(step(lb.linear_cross_entropy))
    logits = n * v * 4
    assert materialised >= 2 * logits  # the logits and their gradient, at least
    assert chunked < logits / 2 and chunked < materialised / 6


# --------------------------------------------------------------------------- extreme inputs

def test_extreme_logits_float32_finite_values_and_gradients():
    x = torch.tensor([[1e3, 0.0], [-1e3, 5.0]], requires_grad=True)
    w = torch.tensor([[1e2, 0.0], [-1e2, 0.0], [0.0, 1.0]], requires_grad=True)
    t = torch.tensor([1, 0])
    loss = lb.linear_cross_entropy(x, w, t, reduction="none", label_smoothing=0.1)
    loss.sum().backward()
    assert torch.isfinite(loss).all() and torch.isfinite(x.grad).all() and torch.isfinite(w.grad).all()
    assert_close(loss.detach(), F.linear_cross_entropy(x.detach(), w.detach(), t, reduction="none",
                                                       label_smoothing=0.1))
    assert_close(loss.detach()[0], torch.tensor(0.9 * 2e5 + 0.1 / 3 * (2e5 + 1e5)))


def test_under_autocast_the_projection_runs_in_bfloat16_and_the_loss_in_float32():
    x, w, t, b, weight = (a.float() if a.is_floating_point() else a for a in draw(12, bias=True, weighted=True))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        ours = lb.linear_cross_entropy(x, w, t, linear_bias=b, weight=weight)
        theirs = F.linear_cross_entropy(x, w, t, linear_bias=b, weight=weight)
    assert ours.dtype == theirs.dtype == torch.float32
    assert_close(ours, theirs, rtol=1e-2, atol=1e-2)
    assert_close(ours, lb.linear_cross_entropy(x.bfloat16().float(), w.bfloat16().float(), t,
                                               linear_bias=b.bfloat16().float(), weight=weight), rtol=1e-2, atol=1e-2)


# --------------------------------------------------------------------------- bad inputs

x2, w2, t2 = torch.randn(4, H), torch.randn(C, H), torch.tensor([0, 1, 4, 2])
p2 = torch.softmax(torch.randn(4, C), 1)

BAD = [
    ("input 3-d", lambda: lb.linear_cross_entropy(x2[None], w2, t2), ValueError, "`input`"),
    ("integer input", lambda: lb.linear_cross_entropy(t2[:, None].expand(4, H), w2, t2), TypeError, "`input`"),
    ("linear_weight 1-d", lambda: lb.linear_cross_entropy(x2, w2[0], t2), ValueError, "`linear_weight`"),
    ("linear_weight transposed (H, C)", lambda: lb.linear_cross_entropy(x2, w2.T, t2), ValueError,
     "`linear_weight`.*in_features = 4"),
    ("dtypes differ", lambda: lb.linear_cross_entropy(x2.double(), w2, t2), TypeError, "`linear_weight`"),
    ("bias of the wrong shape", lambda: lb.linear_cross_entropy(x2, w2, t2, linear_bias=torch.zeros(C + 1)),
     ValueError, "`linear_bias`"),
    ("float class indices", lambda: lb.linear_cross_entropy(x2, w2, t2.float()), TypeError, "`target`"),
    ("target (N, 1)", lambda: lb.linear_cross_entropy(x2, w2, t2[:, None]), ValueError, "`target`"),
    ("index out of range", lambda: lb.linear_cross_entropy(x2, w2, t2 + 1), ValueError, "`target`"),
    ("ignore_index with probabilities", lambda: lb.linear_cross_entropy(x2, w2, p2, ignore_index=-100),
     ValueError, "`ignore_index`"),
    ("probabilities outside [0, 1]", lambda: lb.linear_cross_entropy(x2, w2, p2 * 3 - 1), ValueError, "`target`"),
    ("ignore_index not an int", lambda: lb.linear_cross_entropy(x2, w2, t2, ignore_index=1.0), TypeError,
     "`ignore_index`"),
    ("label_smoothing > 1", lambda: lb.linear_cross_entropy(x2, w2, t2, label_smoothing=1.5), ValueError,
     "`label_smoothing`"),
    ("weight of wrong length", lambda: lb.linear_cross_entropy(x2, w2, t2, weight=torch.ones(H)), ValueError,
     "`weight`"),
    ("negative weight", lambda: lb.linear_cross_entropy(x2, w2, t2, weight=-torch.ones(C)), ValueError,
     "`weight`"),
    ("unknown reduction", lambda: lb.linear_cross_entropy(x2, w2, t2, reduction="batchmean"), ValueError,
     "`reduction`"),
    ("options not LinearCrossEntropyOptions", lambda: lb.linear_cross_entropy(x2, w2, t2, options={"chunk": 2}),
     TypeError, "`options`"),
    ("K-dim loss, unbatched input", lambda: lb.linear_cross_entropy(x2[0], torch.randn(C, 2, H), t2[:2]),
     ValueError, "`input`"),
    ("positional hyper-parameter", lambda: lb.linear_cross_entropy(x2, w2, t2, None), TypeError, "positional"),
    ("module: label_smoothing < 0", lambda: lb.LinearCrossEntropyLoss(H, C, label_smoothing=-0.1), ValueError,
     "`label_smoothing`"),
    ("module: weight of wrong length", lambda: lb.LinearCrossEntropyLoss(H, C, weight=torch.ones(3)), ValueError,
     "`weight`"),
]


@pytest.mark.parametrize("call,exc,match", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_input_raises(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_pytorch_accepts_probabilities_outside_zero_one():
    # The reason for the stricter check: PyTorch returns a number (a meaningless one).
    assert torch.isfinite(F.linear_cross_entropy(x2, w2, p2 * 3 - 1))


# --------------------------------------------------------------------------- adaptive softmax

@pytest.mark.parametrize("head_bias", [False, True])
def test_adaptive_log_softmax_equals_pytorchs_with_the_weights_copied(head_bias):
    kw = dict(div_value=2.0, head_bias=head_bias, dtype=F64)
    theirs = nn.AdaptiveLogSoftmaxWithLoss(16, 50, [5, 20, 35], **kw)
    ours = lb.AdaptiveLogSoftmaxWithLoss(16, 50, [5, 20, 35], **kw)
    assert ours.state_dict().keys() == theirs.state_dict().keys()
    ours.load_state_dict(theirs.state_dict())
    g = gen(20)
    x = torch.randn(40, 16, generator=g, dtype=F64)
    t = torch.randint(0, 50, (40,), generator=g)
    a, b = ours(x, t), theirs(x, t)
    assert_close(a.output, b.output)
    assert_close(a.loss, b.loss)
    a.loss.backward()
    b.loss.backward()
    for p, q in zip(ours.parameters(), theirs.parameters()):
        assert_close(p.grad, q.grad)
    assert_close(ours.log_prob(x), theirs.log_prob(x))
    assert_close(ours.log_prob(x).exp().sum(1), torch.ones(40, dtype=F64))  # a distribution over 50 classes
    assert torch.equal(ours.predict(x), theirs.predict(x))
    one, other = ours(x[0], t[0]), theirs(x[0], t[0])  # unbatched
    assert one.output.shape == other.output.shape == ()
    assert_close(one.loss, other.loss)


def test_adaptive_log_softmax_bad_inputs():
    with pytest.raises(ValueError, match="`cutoffs`"):
        lb.AdaptiveLogSoftmaxWithLoss(8, 10, [5, 3])
    with pytest.raises(ValueError, match="`cutoffs`"):
        lb.AdaptiveLogSoftmaxWithLoss(8, 10, [5, 10])
    asm = lb.AdaptiveLogSoftmaxWithLoss(8, 10, [5])
    with pytest.raises(ValueError, match="`target_`"):
        asm(torch.randn(3, 8), torch.tensor([0, 1, 10]))
    with pytest.raises(ValueError, match="`target_`"):
        asm(torch.randn(3, 8), torch.tensor([0, 1]))
    with pytest.raises(TypeError, match="`target_`"):
        asm(torch.randn(3, 8), torch.tensor([0.0, 1.0, 2.0]))
