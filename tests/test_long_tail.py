"""lossbook's long-tail losses: the logit-adjusted loss (Menon et al. 2021) and balanced softmax
(Ren et al. 2020) against the reference formula CE(z + kappa log pi, y) written out in float64,
values and gradients; gradcheck; the minimiser the chapter derives; extreme and bad inputs."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from torch.testing import assert_close

import lossbook as lb

F64 = torch.float64
REDUCTIONS = ("none", "mean", "sum")


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def reference(input, target, prior, kappa=1.0, ignore_index=-100, reduction="mean"):
    """-log softmax(z + kappa log pi)_y by hand: log pi from the normalised prior, the class
    dimension 1 (0 unbatched), the mean over the elements not ignored."""
    dim = 0 if input.dim() == 1 else 1
    shape = [1] * input.dim()
    shape[dim] = -1
    log_pi = torch.log(prior.to(F64) / prior.to(F64).sum()).reshape(shape)
    shifted = input + kappa * log_pi
    log_probs = shifted - torch.logsumexp(shifted, dim=dim, keepdim=True)
    keep = target != ignore_index
    safe = target.masked_fill(~keep, 0)
    per = -log_probs.gather(dim, safe.unsqueeze(dim)).squeeze(dim) * keep
    if reduction == "none":
        return per
    return per.sum() if reduction == "sum" else per.sum() / keep.sum()


def values_and_grads(fn, x, *args, **kwargs):
    x = x.detach().clone().requires_grad_()
    loss = fn(x, *args, **kwargs)
    (grad,) = torch.autograd.grad(loss.sum(), x)
    return loss.detach(), grad


def inputs(shape=(7, 5), seed=0):
    g = gen(seed)
    logits = 3 * torch.randn(shape, generator=g, dtype=F64)
    c = shape[0] if len(shape) == 1 else shape[1]
    tshape = () if len(shape) == 1 else (shape[0], *shape[2:])
    target = torch.randint(0, c, tshape, generator=g)
    counts = torch.randint(1, 500, (c,), generator=g)
    return logits, target, counts


@pytest.mark.parametrize("shape", [(7, 5), (4, 3, 6), (5,)])
@pytest.mark.parametrize("kappa", [0.0, 1.0, 1.7, -0.5])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_equals_the_reference_formula_values_and_gradients(shape, kappa, reduction):
    logits, target, counts = inputs(shape)
    if logits.dim() > 1:
        target.view(-1)[0] = -100  # an ignored element
    for prior in (counts, counts.to(F64), counts.to(F64) / counts.sum()):
        ours = values_and_grads(lb.logit_adjusted_cross_entropy, logits, target, prior, kappa=kappa, reduction=reduction)
        theirs = values_and_grads(reference, logits, target, counts, kappa=kappa, reduction=reduction)
        for a, b in zip(ours, theirs):
            assert_close(a, b)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_kappa_zero_is_cross_entropy_and_balanced_softmax_is_kappa_one(reduction):
    logits, target, counts = inputs((9, 4), seed=1)
    target[2] = 3
    for a, b in zip(values_and_grads(lb.logit_adjusted_cross_entropy, logits, target, counts, kappa=0.0,
                                     reduction=reduction, ignore_index=3),
                    values_and_grads(F.cross_entropy, logits, target, reduction=reduction, ignore_index=3)):
        assert_close(a, b)
    log_pi = torch.log(counts.to(F64) / counts.sum())
    for a, b in zip(values_and_grads(lb.balanced_softmax_loss, logits, target, counts, reduction=reduction),
                    values_and_grads(lambda z, t: F.cross_entropy(z + log_pi, t, reduction=reduction), logits, target)):
        assert_close(a, b)
    assert_close(lb.balanced_softmax_loss(logits, target, counts, reduction=reduction),
                 lb.logit_adjusted_cross_entropy(logits, target, counts, kappa=1.0, reduction=reduction))


def test_modules_equal_the_functions():
    logits, target, counts = inputs((6, 5), seed=2)
    for reduction in REDUCTIONS:
        assert_close(lb.LogitAdjustedCrossEntropyLoss(kappa=1.5, reduction=reduction)(logits, target, counts),
                     lb.logit_adjusted_cross_entropy(logits, target, counts, kappa=1.5, reduction=reduction))
        assert_close(lb.BalancedSoftmaxLoss(reduction=reduction)(logits, target, counts),
                     lb.balanced_softmax_loss(logits, target, counts, reduction=reduction))


def test_gradcheck():
    logits, target, counts = inputs((5, 4), seed=3)
    logits.requires_grad_()
    assert torch.autograd.gradcheck(lambda z: lb.logit_adjusted_cross_entropy(z, target, counts, kappa=1.3), (logits,))
    assert torch.autograd.gradcheck(lambda z: lb.balanced_softmax_loss(z, target, counts.to(F64)), (logits,))


@given(scale=st.floats(1e-3, 1e6), kappa=st.floats(-3, 3), seed=st.integers(0, 10_000))
def test_only_the_ratios_of_the_prior_matter(scale, kappa, seed):
    logits, target, counts = inputs((6, 4), seed=seed)
    prior = counts.to(F64)
    assert_close(lb.logit_adjusted_cross_entropy(logits, target, prior * scale, kappa=kappa),
                 lb.logit_adjusted_cross_entropy(logits, target, prior, kappa=kappa))


def test_the_minimiser_is_the_posterior_minus_kappa_log_prior():
    """The expected loss under a true posterior q is stationary at z = log q - kappa log pi (+ c):
    the adjusted logits the chapter derives, whose argmax is the balanced Bayes rule at kappa=1."""
    q = torch.tensor([0.5, 0.3, 0.15, 0.05], dtype=F64)
    counts = torch.tensor([800, 150, 40, 10])
    for kappa in (0.5, 1.0, 2.0):
        z = (q.log() - kappa * torch.log(counts.to(F64) / counts.sum()) + 0.7).requires_grad_()
        per_class = lb.logit_adjusted_cross_entropy(z.expand(4, 4), torch.arange(4), counts, kappa=kappa,
                                                    reduction="none")
        (grad,) = torch.autograd.grad((q * per_class).sum(), z)
        assert_close(grad, torch.zeros(4, dtype=F64), atol=1e-12, rtol=0)


def test_extreme_logits_and_priors_stay_finite():
    logits = torch.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]], dtype=torch.float32, requires_grad=True)
    target = torch.tensor([1, 0])
    prior = torch.tensor([1e-30, 1.0, 1e30], dtype=F64)  # frequencies spanning 60 orders of magnitude
    for loss in (lb.logit_adjusted_cross_entropy(logits, target, prior, kappa=2.0),
                 lb.balanced_softmax_loss(logits, target, torch.tensor([60000, 1, 3]))):
        (grad,) = torch.autograd.grad(loss, logits)
        assert torch.isfinite(loss) and torch.isfinite(grad).all()
    # counts too large for float16 still give a finite loss in float16
    half = lb.balanced_softmax_loss(torch.zeros(2, 3, dtype=torch.float16), target,
                                    torch.tensor([1e6, 10.0, 1.0]))
    assert half.dtype == torch.float16 and torch.isfinite(half)


def test_autocast_computes_in_float32():
    logits, target, counts = inputs((6, 4), seed=4)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = lb.logit_adjusted_cross_entropy(logits.to(torch.bfloat16), target, counts)
    assert out.dtype == torch.float32
    assert_close(out, lb.logit_adjusted_cross_entropy(logits.to(torch.bfloat16).float(), target, counts))


@pytest.mark.parametrize("fn", [lb.logit_adjusted_cross_entropy, lb.balanced_softmax_loss])
def test_bad_inputs_raise_clear_errors(fn):
    name = fn.__name__
    logits, target, counts = inputs((5, 4), seed=5)
    with pytest.raises(ValueError, match=rf"{name}: `prior` must be of shape \(4,\)"):
        fn(logits, target, counts[:3])
    for bad in (torch.tensor([3.0, 0.0, 1.0, 2.0]), torch.tensor([3.0, -1.0, 1.0, 2.0]),
                torch.tensor([3.0, math.nan, 1.0, 2.0]), torch.tensor([3.0, math.inf, 1.0, 2.0])):
        with pytest.raises(ValueError, match=rf"{name}: `prior` must be class frequencies or counts"):
            fn(logits, target, bad)
    with pytest.raises(TypeError, match=rf"{name}: `prior` must be a real tensor"):
        fn(logits, target, torch.ones(4, dtype=torch.bool))
    with pytest.raises(TypeError, match=rf"{name}: `prior` must be a torch.Tensor"):
        fn(logits, target, [1, 2, 3, 4])
    with pytest.raises(TypeError, match=rf"{name}: `target` must be an integer"):
        fn(logits, target.double(), counts)
    with pytest.raises(ValueError, match=rf"{name}: `target`"):
        fn(logits, target.clamp(max=3) + 1, counts)  # index 4 is out of range
    with pytest.raises(ValueError, match=rf"{name}: `reduction` must be one of"):
        fn(logits, target, counts, reduction="batchmean")
    with pytest.raises(TypeError, match=rf"{name}: `ignore_index` must be an int"):
        fn(logits, target, counts, ignore_index=1.0)


def test_bad_kappa_raises_and_value_checks_switch_off():
    logits, target, counts = inputs((5, 4), seed=6)
    with pytest.raises(ValueError, match=r"logit_adjusted_cross_entropy: `kappa` must be in"):
        lb.logit_adjusted_cross_entropy(logits, target, counts, kappa=math.nan)
    with pytest.raises(TypeError, match=r"LogitAdjustedCrossEntropyLoss: `kappa` must be a Python number"):
        lb.LogitAdjustedCrossEntropyLoss(kappa=torch.tensor(1.0))
    with lb.validation(False):  # a zero count is a value: not read with validation off
        out = lb.balanced_softmax_loss(logits, target, torch.tensor([1.0, 0.0, 2.0, 3.0]))
    assert out.shape == ()
