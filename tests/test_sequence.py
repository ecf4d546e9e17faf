"""lossbook.sequence against PyTorch's F.ctc_loss: values and gradients in float64 over every option
(padded and concatenated targets, any blank, reductions, zero_infinity, impossible alignments and
their NaN gradients, unbatched), against a brute-force sum over every path, the gradient convention
(p - posterior), gradcheck through log_softmax, the decoders, extreme and bad inputs."""
from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.testing import assert_close

import lossbook as lb

F64 = torch.float64


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def value_and_grad(fn, log_probs, *args, **kwargs):
    lp = log_probs.detach().clone().requires_grad_()
    loss = fn(lp, *args, **kwargs)
    v = torch.linspace(0.5, 1.5, loss.numel(), dtype=loss.dtype).reshape(loss.shape)
    (grad,) = torch.autograd.grad((loss * v).sum(), lp)
    return loss.detach(), grad


def assert_twins(*args, **kwargs):
    (a, ga), (b, gb) = (value_and_grad(fn, *args, **kwargs) for fn in (lb.ctc_loss, F.ctc_loss))
    assert a.shape == b.shape and a.dtype == b.dtype
    assert_close(a, b, equal_nan=True)
    assert_close(ga, gb, equal_nan=True)
    return a, ga


def draw(n, steps, classes, s_max, g, *, blank=0, repeats=False):
    log_probs = torch.log_softmax(2 * torch.randn(steps, n, classes, generator=g, dtype=F64), 2)
    labels = torch.tensor([c for c in range(classes) if c != blank])
    targets = labels[torch.randint(0, len(labels), (n, s_max), generator=g)]
    if repeats and s_max > 1:
        targets[:, 1::2] = targets[:, 0:-1:2]  # pairs of equal labels
    target_lengths = torch.randint(0, s_max + 1, (n,), generator=g)
    input_lengths = torch.randint(0, steps + 1, (n,), generator=g)  # some too short: inf
    return log_probs, targets, input_lengths, target_lengths


def concatenated(targets, target_lengths):
    return torch.cat([targets[i, :k] for i, k in enumerate(target_lengths.tolist())])


# --------------------------------------------------------------------------- the twin battery

CASES = {"N=1,T=1": (1, 1, 2, 1), "N=3,T=6": (3, 6, 4, 2), "N=6,T=12": (6, 12, 5, 4), "N=4,T=3": (4, 3, 3, 3)}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_ctc_equals_pytorch_padded_and_concatenated_any_blank(case, reduction, zero_infinity):
    g = gen(1)
    n, steps, classes, s_max = case
    for blank, repeats in itertools.product([0, classes - 1], [False, True]):
        lp, targets, il, tl = draw(n, steps, classes, s_max, g, blank=blank, repeats=repeats)
        kw = dict(blank=blank, reduction=reduction, zero_infinity=zero_infinity)
        assert_twins(lp, targets, il, tl, **kw)
        assert_twins(lp, concatenated(targets, tl), il, tl, **kw)
        assert_twins(lp, targets, tuple(il.tolist()), tuple(tl.tolist()), **kw)  # lengths as tuples
        assert_twins(lp, targets, il.int(), tl.int(), **kw)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_without_validation_concatenated_targets_pad_to_their_total_length_and_agree(reduction):
    lp, targets, il, tl = draw(5, 9, 4, 3, gen(2), repeats=True)
    flat = concatenated(targets, tl)
    with lb.validation(False):
        ours = value_and_grad(lb.ctc_loss, lp, flat, il, tl, reduction=reduction)
    theirs = value_and_grad(F.ctc_loss, lp, flat, il, tl, reduction=reduction)
    assert_close(ours[0], theirs[0], equal_nan=True)
    assert_close(ours[1], theirs[1], equal_nan=True)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_unbatched_equals_pytorch(reduction):
    lp, targets, _, _ = draw(1, 7, 4, 3, gen(3))
    assert_twins(lp[:, 0], targets[0], torch.tensor(7), torch.tensor(3), reduction=reduction)
    assert_twins(lp[:, 0], targets[0, :2], torch.tensor(5), torch.tensor(2), reduction=reduction)
    with pytest.raises(ValueError, match="`targets`"):  # unbatched targets are exactly target_lengths long
        lb.ctc_loss(lp[:, 0], targets[0], torch.tensor(5), torch.tensor(2))


def test_mean_divides_each_loss_by_its_target_length_before_averaging():
    lp, targets, _, _ = draw(4, 10, 5, 4, gen(4))
    il, tl = torch.full((4,), 10), torch.tensor([1, 2, 3, 4])
    none = lb.ctc_loss(lp, targets, il, tl, reduction="none")
    assert_close(lb.ctc_loss(lp, targets, il, tl), (none / tl).mean())
    assert_close(lb.ctc_loss(lp, targets, il, tl, reduction="sum"), none.sum())


def test_module_equals_pytorchs():
    lp, targets, il, tl = draw(4, 8, 5, 3, gen(5), blank=4)
    for kw in (dict(), dict(blank=4, reduction="sum", zero_infinity=True)):
        assert_close(lb.CTCLoss(**kw)(lp, targets, il, tl), nn.CTCLoss(**kw)(lp, targets, il, tl), equal_nan=True)


# --------------------------------------------------------------------------- the derivation

def brute_force(log_probs, target, blank=0):
    """-log of the sum over every one of the C^T paths whose collapse is the target."""
    steps, classes = log_probs.shape
    total = torch.tensor(-float("inf"), dtype=log_probs.dtype)
    for path in itertools.product(range(classes), repeat=steps):
        if lb.ctc_collapse(path, blank) == list(target):
            total = torch.logaddexp(total, log_probs[torch.arange(steps), list(path)].sum())
    return -total


@pytest.mark.parametrize("target", [[1], [1, 2], [1, 1], [2, 1, 2], [1, 1, 1], []], ids=str)
def test_the_recursion_sums_every_path_that_collapses_to_the_target(target):
    lp = torch.log_softmax(torch.randn(5, 3, generator=gen(6), dtype=F64), 1)
    ours = lb.ctc_loss(lp.unsqueeze(1), torch.tensor([target + [1] * (3 - len(target))]), [5], [len(target)],
                       reduction="sum")
    assert_close(ours, brute_force(lp, target))


@pytest.mark.parametrize("target,needed", [([1, 2, 3], 3), ([1, 1], 3), ([1, 1, 1], 5), ([2, 1, 1, 2, 2], 7)],
                         ids=str)
def test_a_target_needs_its_length_plus_its_repeats_in_frames(target, needed):
    lp = torch.log_softmax(torch.randn(8, 1, 4, generator=gen(7), dtype=F64), 2)
    t = torch.tensor([target])
    for frames in (needed - 1, needed):
        ours = lb.ctc_loss(lp, t, [frames], [len(target)], reduction="sum")
        assert_close(ours, F.ctc_loss(lp, t, [frames], [len(target)], reduction="sum"))
        assert torch.isinf(ours) == (frames < needed)
        zeroed = lb.ctc_loss(lp, t, [frames], [len(target)], reduction="sum", zero_infinity=True)
        assert (zeroed.item() == 0.0) == (frames < needed)


def test_an_impossible_alignment_has_pytorchs_nan_gradient_on_its_frames_only():
    lp, targets, _, _ = draw(2, 6, 4, 3, gen(8))
    il, tl = torch.tensor([6, 2]), torch.tensor([2, 3])  # the second cannot fit 3 labels in 2 frames
    loss, grad = assert_twins(lp, targets, il, tl, reduction="none")
    assert torch.isinf(loss[1]) and torch.isfinite(loss[0])
    assert torch.isnan(grad[:2, 1]).all() and (grad[2:, 1] == 0).all() and torch.isfinite(grad[:, 0]).all()
    _, grad = assert_twins(lp, targets, il, tl, zero_infinity=True)
    assert (grad[:, 1] == 0).all()


def test_the_gradient_is_softmax_minus_posterior_as_pytorch_defines_it():
    """PyTorch's gradient w.r.t. log_probs is p - gamma (the logits' gradient under log_softmax);
    the true gradient w.r.t. log_probs is -gamma. Per frame, p sums to 1 and gamma sums to 1."""
    lp, targets, _, _ = draw(3, 7, 4, 2, gen(9))
    il, tl = torch.full((3,), 7), torch.full((3,), 2)
    _, grad = assert_twins(lp, targets, il, tl, reduction="sum")
    assert_close(grad.sum(2), torch.zeros(7, 3, dtype=F64))  # sum_c (p - gamma) = 1 - 1
    posterior = lp.exp() - grad
    assert (posterior >= -1e-12).all()
    assert_close(posterior.sum(2), torch.ones(7, 3, dtype=F64))
    # Through log_softmax both conventions give the same gradient to the logits: gradcheck holds.
    z = torch.randn(7, 3, 4, generator=gen(10), dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda z: lb.ctc_loss(z.log_softmax(2), targets, il, tl), (z,))
    # ... but not to log_probs themselves, for PyTorch as for lossbook.
    raw = lp.clone().requires_grad_()
    for fn in (lb.ctc_loss, F.ctc_loss):
        assert not torch.autograd.gradcheck(lambda x, fn=fn: fn(x, targets, il, tl), (raw,), raise_exception=False)


def test_gradcheck_through_log_softmax_with_blank_repeats_and_zero_infinity():
    g = gen(11)
    z = torch.randn(6, 4, 5, generator=g, dtype=F64, requires_grad=True)
    targets = torch.tensor([[1, 1, 2], [3, 3, 3], [2, 4, 1], [1, 2, 3]])
    il, tl = torch.tensor([6, 5, 6, 2]), torch.tensor([3, 2, 1, 3])  # the last one impossible
    for kw in (dict(zero_infinity=True), dict(zero_infinity=True, reduction="none", blank=0)):
        assert torch.autograd.gradcheck(lambda z, kw=kw: lb.ctc_loss(z.log_softmax(2), targets, il, tl, **kw), (z,))


def test_forward_variables_give_the_loss():
    lp = torch.log_softmax(torch.randn(6, 4, generator=gen(12), dtype=F64), 1)
    alpha = lb.ctc_forward_variables(lp, [2, 2, 3])
    assert alpha.shape == (6, 7)
    assert torch.isinf(alpha[0, 2:]).all()  # after one frame only the blank and y1 are reachable
    assert_close(-torch.logsumexp(alpha[-1, -2:], 0), lb.ctc_loss(lp, torch.tensor([2, 2, 3]), 6, 3, reduction="sum"))


# --------------------------------------------------------------------------- decoding

def test_collapse_merges_repeats_then_drops_blanks():
    assert lb.ctc_collapse([0, 1, 1, 0, 1, 2, 2, 0]) == [1, 1, 2]
    assert lb.ctc_collapse(torch.tensor([3, 3, 1, 3]), blank=3) == [1]
    assert lb.ctc_collapse([]) == []


def test_greedy_decoding_collapses_the_best_path():
    probs = torch.tensor([[0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.1, 0.7]])
    lp = probs.log().unsqueeze(1).repeat(1, 2, 1)
    paths, best = lb.ctc_best_path(lp, [5, 3])
    assert paths[:, 0].tolist() == [1, 1, 0, 1, 2] and paths[:, 1].tolist() == [1, 1, 0, -1, -1]
    assert_close(best[0], probs.max(1).values.log().sum())
    assert lb.ctc_greedy_decode(lp, [5, 3]) == [[1, 1, 2], [1]]
    assert lb.ctc_greedy_decode(lp) == [[1, 1, 2], [1, 1, 2]]


def test_edit_distance_and_label_error_rate():
    assert lb.edit_distance([1, 2, 3], [1, 2, 3]) == 0
    assert lb.edit_distance([1, 3], [1, 2, 3]) == 1
    assert lb.edit_distance([], [4, 5]) == 2
    assert lb.edit_distance([3, 2, 1], [1, 2, 3]) == 2
    assert lb.label_error_rate([[1, 3], [7, 8, 9]], [[1, 2, 3], [7, 8]]) == pytest.approx(2 / 5)


# --------------------------------------------------------------------------- extreme inputs

def test_extreme_and_minus_infinity_log_probabilities():
    g = gen(13)
    z = 50 * torch.randn(10, 3, 6, generator=g)  # float32, nearly one-hot frames
    lp = torch.log_softmax(z, 2).requires_grad_()
    targets, il, tl = torch.tensor([[1, 2, 2], [3, 4, 5], [5, 5, 1]]), torch.full((3,), 10), torch.tensor([3, 3, 2])
    loss = lb.ctc_loss(lp, targets, il, tl, reduction="sum", zero_infinity=True)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(lp.grad).all()
    assert_close(loss, F.ctc_loss(lp.detach(), targets, il, tl, reduction="sum", zero_infinity=True))
    # Classes of probability exactly 0 (log-probability -inf) are paths that do not count.
    p = torch.softmax(torch.randn(6, 1, 4, generator=g, dtype=F64), 2)
    p[:, :, 3] = 0
    p = p / p.sum(2, keepdim=True)
    (ours, ours_grad), (theirs, theirs_grad) = (value_and_grad(fn, p.log(), torch.tensor([[1, 2]]), [6], [2])
                                                for fn in (lb.ctc_loss, F.ctc_loss))
    assert_close(ours, theirs)
    assert_close(ours_grad[..., :3], theirs_grad[..., :3])
    # PyTorch's gradient at a log-probability of -inf is NaN (-inf - (-inf)); lossbook's is 0, the limit.
    assert torch.isnan(theirs_grad[..., 3]).all() and (ours_grad[..., 3] == 0).all()
    assert torch.isinf(lb.ctc_loss(p.log(), torch.tensor([[1, 3]]), [6], [2]))  # needs class 3: impossible


def test_under_autocast_it_computes_in_float32_like_pytorch():
    lp, targets, il, tl = draw(3, 6, 4, 2, gen(14))
    lp = lp.float()
    for dtype in (torch.float32, torch.bfloat16):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            ours, theirs = (fn(lp.to(dtype), targets, il, tl) for fn in (lb.ctc_loss, F.ctc_loss))
        assert ours.dtype == theirs.dtype == torch.float32
        assert_close(ours, theirs, equal_nan=True)


# --------------------------------------------------------------------------- bad inputs

g0 = gen(15)
lp2 = torch.log_softmax(torch.randn(6, 3, 5, generator=g0), 2)
t2 = torch.tensor([[1, 2], [3, 3], [4, 1]])
il2, tl2 = torch.tensor([6, 6, 5]), torch.tensor([2, 2, 1])

BAD = [
    ("logits instead of log-probabilities", lambda: lb.ctc_loss(3 * lp2.exp(), t2, il2, tl2), ValueError,
     "apply log_softmax"),
    ("log_softmax over the batch", lambda: lb.ctc_loss(torch.log_softmax(lp2, 1), t2, il2, tl2), ValueError,
     "`log_probs`"),
    ("(N, T, C) instead of (T, N, C)", lambda: lb.ctc_loss(lp2.transpose(0, 1), t2, il2, tl2), ValueError,
     "transpose"),
    ("float16 outside autocast", lambda: lb.ctc_loss(lp2.half(), t2, il2, tl2), TypeError, "`log_probs`"),
    ("4-d log_probs", lambda: lb.ctc_loss(lp2[None], t2, il2, tl2), ValueError, "`log_probs`"),
    ("float targets", lambda: lb.ctc_loss(lp2, t2.float(), il2, tl2), TypeError, "`targets`"),
    ("blank among the targets", lambda: lb.ctc_loss(lp2, t2 - 1, il2, tl2), ValueError, "blank"),
    ("label out of range", lambda: lb.ctc_loss(lp2, t2 + 1, il2, tl2), ValueError, "`targets`"),
    ("blank out of range", lambda: lb.ctc_loss(lp2, t2, il2, tl2, blank=5), ValueError, "`blank`"),
    ("input length > T", lambda: lb.ctc_loss(lp2, t2, il2 + 1, tl2), ValueError, "`input_lengths`"),
    ("negative target length", lambda: lb.ctc_loss(lp2, t2, il2, tl2 - 2), ValueError, "`target_lengths`"),
    ("target length > S", lambda: lb.ctc_loss(lp2, t2, il2, tl2 + 1), ValueError, "`target_lengths`"),
    ("lengths of the wrong size", lambda: lb.ctc_loss(lp2, t2, il2[:2], tl2), ValueError, "`input_lengths`"),
    ("float lengths", lambda: lb.ctc_loss(lp2, t2, il2.float(), tl2), TypeError, "`input_lengths`"),
    ("concatenated targets too long", lambda: lb.ctc_loss(lp2, t2.reshape(-1), il2, tl2), ValueError, "`targets`"),
    ("padded targets of the wrong batch", lambda: lb.ctc_loss(lp2, t2[:2], il2, tl2), ValueError, "`targets`"),
    ("empty batch", lambda: lb.ctc_loss(lp2[:, :0], t2[:0], il2[:0], tl2[:0]), ValueError, "non-empty"),
    ("unknown reduction", lambda: lb.ctc_loss(lp2, t2, il2, tl2, reduction="batchmean"), ValueError, "`reduction`"),
    ("zero_infinity not a bool", lambda: lb.CTCLoss(zero_infinity=1), TypeError, "`zero_infinity`"),
    ("decoding (N, T, C)", lambda: lb.ctc_greedy_decode(lp2[0]), ValueError, "`log_probs`"),
]


@pytest.mark.parametrize("call,exc,match", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_input_raises(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_pytorch_accepts_what_lossbook_refuses():
    # The reasons for the strictness, shown: PyTorch returns a number for each of these.
    assert F.ctc_loss(3 * lp2.exp(), t2, il2, tl2).item() < 0  # logits: a negative "loss"
    assert torch.isfinite(F.ctc_loss(torch.log_softmax(lp2, 1), t2, il2, tl2))
    assert torch.isfinite(F.ctc_loss(lp2, t2 - 1, il2, tl2))  # the blank as a label
    assert torch.isfinite(F.ctc_loss(lp2, t2.float(), il2, tl2))
