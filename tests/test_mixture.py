"""gaussian_mixture_nll_loss: the negative log-likelihood of a mixture of Gaussians.

Checked in float64 against torch.distributions.MixtureSameFamily (values and gradients), against
gaussian_nll_loss for one component, with gradcheck and lossbook's check_loss battery, on extreme
inputs (a target far from every component, where every density underflows) and on bad inputs.
"""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch.distributions import Categorical, MixtureSameFamily, Normal
from torch.testing import assert_close

import lossbook as lb


def draw(shape=(5, 3), seed=0, dtype=torch.float64, grad=False):
    g = torch.Generator().manual_seed(seed)
    mean = torch.randn(shape, generator=g, dtype=dtype)
    target = torch.randn(shape[:-1], generator=g, dtype=dtype)
    var = torch.rand(shape, generator=g, dtype=dtype) + 0.1
    logits = 3 * torch.randn(shape, generator=g, dtype=dtype)
    return [t.requires_grad_(grad) for t in (mean, target, var, logits)]


def reference(mean, target, var, logits, *, full=False, eps=1e-6, reduction="mean"):
    """-log p(target) from torch.distributions, with gaussian_nll_loss's clamp (value only)."""
    var = var + (var.clamp(min=eps) - var).detach()
    nll = -MixtureSameFamily(Categorical(logits=logits), Normal(mean, var.sqrt())).log_prob(target)
    if not full:
        nll = nll - 0.5 * math.log(2 * math.pi)
    return {"none": nll, "sum": nll.sum(), "mean": nll.mean()}[reduction]


@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 2), (3,)], ids=str)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_equals_mixture_same_family_values_and_gradients(shape, full, reduction):
    ours_in, ref_in = draw(shape, grad=True), draw(shape, grad=True)
    ours = lb.gaussian_mixture_nll_loss(*ours_in, full=full, reduction=reduction)
    ref = reference(*ref_in, full=full, reduction=reduction)
    assert ours.shape == ref.shape == (shape[:-1] if reduction == "none" else ())
    assert_close(ours, ref)
    ours.sum().backward()
    ref.sum().backward()
    for a, b in zip(ours_in, ref_in):
        assert_close(a.grad, b.grad)


def test_one_component_is_gaussian_nll_loss():
    mean, target, var, logits = draw((6, 1), grad=True)
    for full in (False, True):
        ours = lb.gaussian_mixture_nll_loss(mean, target, var, logits, full=full, reduction="none")
        assert_close(ours, F.gaussian_nll_loss(mean[:, 0], target, var[:, 0], full=full, reduction="none"))
    # the mixing logit of a single component does not matter
    assert_close(lb.gaussian_mixture_nll_loss(mean, target, var, logits + 5.0),
                 lb.gaussian_mixture_nll_loss(mean, target, var, logits))


def test_check_loss_battery():
    inputs = (lb.Arg("real"), lb.Arg("target", shape=(6,)), lb.Arg("positive"), lb.Arg("logits"))
    lb.check_loss(lb.gaussian_mixture_nll_loss, reference, inputs=inputs, shape=(6, 4)).raise_if_failed()


def test_gradcheck():
    args = draw((4, 3), grad=True)
    assert torch.autograd.gradcheck(
        lambda m, y, v, z: lb.gaussian_mixture_nll_loss(m, y, v, z, full=True, reduction="sum"), args)


def test_module_twin_equals_function():
    args = draw((5, 2))
    loss_fn = lb.GaussianMixtureNLLLoss(full=True, eps=1e-3, reduction="sum")
    assert_close(loss_fn(*args), lb.gaussian_mixture_nll_loss(*args, full=True, eps=1e-3, reduction="sum"))


def test_far_target_stays_finite_where_the_naive_formula_overflows():
    mean = torch.tensor([[-1.0, 1.0]], requires_grad=True)
    var = torch.full((1, 2), 1e-4)
    logits = torch.zeros(1, 2)
    target = torch.tensor([1e3])
    naive = -torch.log((torch.softmax(logits, -1) * Normal(mean, var.sqrt()).log_prob(target[:, None]).exp()).sum())
    assert torch.isinf(naive)
    loss = lb.gaussian_mixture_nll_loss(mean, target, var, logits)
    (grad,) = torch.autograd.grad(loss, mean)
    assert torch.isfinite(loss) and torch.isfinite(grad).all()
    # the nearest component carries the whole gradient: (mu - y) / var
    assert_close(grad, torch.tensor([[0.0, (1.0 - 1e3) / 1e-4]]), rtol=1e-5, atol=0)


def test_extreme_logits_and_tiny_variances():
    mean, target, var, logits = draw((4, 3), dtype=torch.float32)
    loss = lb.gaussian_mixture_nll_loss(mean, target, var, logits * 1e4)  # one component per row
    chosen = (logits * 1e4).argmax(-1, keepdim=True)
    single = F.gaussian_nll_loss(mean.gather(-1, chosen)[:, 0], target, var.gather(-1, chosen)[:, 0])
    assert_close(loss, single)
    # variances below eps: the value uses eps, the gradient still reaches var (as in PyTorch)
    tiny = torch.full((4, 1), 1e-9, requires_grad=True)
    loss = lb.gaussian_mixture_nll_loss(mean[:, :1], target, tiny, logits[:, :1])
    expected = F.gaussian_nll_loss(mean[:, 0], target, tiny.detach()[:, 0])
    assert_close(loss, expected)
    (grad,) = torch.autograd.grad(loss, tiny)
    assert torch.isfinite(grad).all() and (grad != 0).all()


def test_autocast_and_mixed_dtypes():
    args = draw((4, 3), dtype=torch.float32)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = lb.gaussian_mixture_nll_loss(*[a.bfloat16() for a in args])
    assert out.dtype == torch.float32
    mixed = lb.gaussian_mixture_nll_loss(args[0].double(), *args[1:])
    assert mixed.dtype == torch.float64


BAD = [
    (lambda m, y, v, z: (m, y[:-1], v, z), ValueError, "`target` must be of shape"),
    (lambda m, y, v, z: (m, y[:, None], v, z), ValueError, "`target` must be of shape"),
    (lambda m, y, v, z: (m, y, v[:, :2], z), ValueError, "`var` must be"),
    (lambda m, y, v, z: (m, y, v, z[:, :1]), ValueError, "`logits` must be"),
    (lambda m, y, v, z: (m, y, -v, z), ValueError, "`var` must be in"),
    (lambda m, y, v, z: (m.long(), y, v, z), TypeError, "`input` must be a floating-point tensor"),
    (lambda m, y, v, z: (m, y, v.tolist(), z), TypeError, "`var` must be a torch.Tensor"),
    (lambda m, y, v, z: (m[:, :0], y, v[:, :0], z[:, :0]), ValueError, "`input` must be a tensor of shape"),
    (lambda m, y, v, z: (m[0, 0], y[0], v[0, 0], z[0, 0]), ValueError, "`input` must be a tensor of shape"),
]


@pytest.mark.parametrize("make, exc, message", BAD, ids=[b[2] + str(i) for i, b in enumerate(BAD)])
def test_bad_inputs(make, exc, message):
    with pytest.raises(exc, match=message.replace("(", r"\(")):
        lb.gaussian_mixture_nll_loss(*make(*draw((5, 3))))


@pytest.mark.parametrize("kwargs, exc", [({"eps": -1.0}, ValueError), ({"full": 1}, TypeError),
                                         ({"reduction": "avg"}, ValueError)])
def test_bad_hyper_parameters(kwargs, exc):
    with pytest.raises(exc, match="gaussian_mixture_nll_loss: `"):
        lb.gaussian_mixture_nll_loss(*draw((5, 3)), **kwargs)
    with pytest.raises(exc, match="GaussianMixtureNLLLoss: `"):
        lb.GaussianMixtureNLLLoss(**kwargs)


def test_negative_variance_passes_with_validation_off():
    mean, target, var, logits = draw((5, 3))
    with lb.validation(False):
        out = lb.gaussian_mixture_nll_loss(mean, target, -var, logits)  # clamped to eps, no check
    assert torch.isfinite(out)
