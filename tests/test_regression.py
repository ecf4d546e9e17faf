"""lossbook.regression: the six PyTorch twins against torch.nn.functional (values and gradients,
float64), the three losses PyTorch lacks against their definitions, gradcheck, properties,
extreme inputs and bad inputs."""
from __future__ import annotations

import inspect
import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from torch.testing import assert_close

import lossbook as lb
from lossbook import regression

REDUCTIONS = ("none", "mean", "sum")
SHAPES = [(), (7,), (4, 3), (2, 3, 4, 5), (0,)]
TORCH_HAS_WEIGHT = "weight" in inspect.signature(F.mse_loss).parameters


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def pair(shape, seed=0, scale=2.0):
    g = gen(seed)
    x = scale * torch.randn(shape, generator=g, dtype=torch.float64)
    y = scale * torch.randn(shape, generator=g, dtype=torch.float64)
    return x, y


def run(fn, tensors, grad_of, **kwargs):
    """Call fn on fresh leaves; return the loss and the gradients of the tensors named in grad_of."""
    leaves = {k: (v.clone().requires_grad_() if k in grad_of else v) for k, v in tensors.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # same shapes everywhere: PyTorch must not warn either
        loss = fn(*leaves.values(), **kwargs)
    if loss.requires_grad:
        loss.sum().backward()
    return loss.detach(), [leaves[k].grad for k in grad_of]


def assert_twins(ours, theirs, tensors, grad_of, reductions=REDUCTIONS, **kwargs):
    """Values and gradients equal for every reduction."""
    for reduction in reductions:
        v1, g1 = run(ours, tensors, grad_of, reduction=reduction, **kwargs)
        v2, g2 = run(theirs, tensors, grad_of, reduction=reduction, **kwargs)
        assert v1.shape == v2.shape and v1.dtype == v2.dtype
        assert_close(v1, v2, equal_nan=True)
        for a, b in zip(g1, g2):
            assert_close(a, b, equal_nan=True)


# --------------------------------------------------------------------------- exact twins

SIMPLE_TWINS = [
    ("mse", lb.mse_loss, F.mse_loss, {}),
    ("l1", lb.l1_loss, F.l1_loss, {}),
    ("huber-0.5", lb.huber_loss, F.huber_loss, {"delta": 0.5}),
    ("huber-1", lb.huber_loss, F.huber_loss, {}),
    ("huber-2.5", lb.huber_loss, F.huber_loss, {"delta": 2.5}),
    ("smooth_l1-0", lb.smooth_l1_loss, F.smooth_l1_loss, {"beta": 0.0}),
    ("smooth_l1-0.5", lb.smooth_l1_loss, F.smooth_l1_loss, {"beta": 0.5}),
    ("smooth_l1-1", lb.smooth_l1_loss, F.smooth_l1_loss, {}),
    ("smooth_l1-3", lb.smooth_l1_loss, F.smooth_l1_loss, {"beta": 3.0}),
]


@pytest.mark.parametrize("name,ours,theirs,kwargs", SIMPLE_TWINS, ids=[t[0] for t in SIMPLE_TWINS])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_simple_twins_equal_pytorch_values_and_grads(name, ours, theirs, kwargs, shape):
    x, y = pair(shape, seed=len(shape))
    assert_twins(ours, theirs, {"input": x, "target": y}, ["input", "target"], **kwargs)


def test_l1_and_smooth_l1_gradients_at_a_zero_residual_equal_pytorch():
    x = torch.tensor([0.0, 1.0, -2.0, 0.5], dtype=torch.float64)
    for ours, theirs, kw in [(lb.l1_loss, F.l1_loss, {}), (lb.smooth_l1_loss, F.smooth_l1_loss, {"beta": 0.0}),
                             (lb.huber_loss, F.huber_loss, {"delta": 1.0}),
                             (lb.smooth_l1_loss, F.smooth_l1_loss, {"beta": 0.5})]:
        # residuals 0 and exactly on the joins |r| = delta = 1 and |r| = beta = 0.5
        assert_twins(ours, theirs, {"input": x, "target": torch.zeros_like(x)}, ["input"], **kw)


@pytest.mark.skipif(not TORCH_HAS_WEIGHT, reason="this PyTorch has no `weight` in mse/l1/huber")
@pytest.mark.parametrize("ours,theirs", [(lb.mse_loss, F.mse_loss), (lb.l1_loss, F.l1_loss),
                                         (lb.huber_loss, F.huber_loss)], ids=["mse", "l1", "huber"])
@pytest.mark.parametrize("shape", [(7,), (4, 3)], ids=str)
def test_weighted_twins_equal_pytorch(ours, theirs, shape):
    x, y = pair(shape, seed=3)
    w = torch.rand(shape, generator=gen(4), dtype=torch.float64) * 3
    assert_twins(ours, theirs, {"input": x, "target": y}, ["input", "target"], weight=w)


def test_weighted_mean_denominators_differ_between_mse_and_huber_as_in_pytorch():
    x, y = pair((6,), seed=5)
    w = torch.tensor([1.0, 2.0, 0.0, 1.0, 3.0, 1.0], dtype=torch.float64)
    sq = (x - y) ** 2
    assert_close(lb.mse_loss(x, y, weight=w), (w * sq).sum() / w.sum())
    hub = lb.huber_loss(x, y, reduction="none", delta=100.0)  # = sq / 2 for these residuals
    assert_close(lb.huber_loss(x, y, delta=100.0, weight=w), (w * hub).sum() / len(w))


@pytest.mark.parametrize("pairs", [
    (lb.MSELoss(reduction="sum"), nn.MSELoss(reduction="sum")),
    (lb.L1Loss(), nn.L1Loss()),
    (lb.HuberLoss("none", 0.7), nn.HuberLoss("none", 0.7)),
    (lb.SmoothL1Loss(beta=0.3), nn.SmoothL1Loss(beta=0.3)),
    (lb.PoissonNLLLoss(False, True, eps=1e-3), nn.PoissonNLLLoss(False, True, eps=1e-3)),
], ids=["mse", "l1", "huber", "smooth_l1", "poisson"])
def test_modules_equal_pytorch_modules(pairs):
    ours, theirs = pairs
    x, y = pair((5, 2), seed=6)
    x, y = x.abs(), y.abs().round()  # valid for Poisson with log_input=False too
    assert_close(ours(x, y), theirs(x, y))


def test_gaussian_module_equals_pytorch_module():
    x, y = pair((5, 2), seed=7)
    var = torch.rand(5, 1, generator=gen(8), dtype=torch.float64)
    assert_close(lb.GaussianNLLLoss(full=True, eps=1e-3)(x, y, var),
                 nn.GaussianNLLLoss(full=True, eps=1e-3)(x, y, var))


def test_positional_arguments_mean_what_they_mean_in_pytorch():
    # PyTorch: mse_loss(input, target, size_average, reduce, reduction); lossbook omits the two
    # deprecated slots and makes what follows keyword-only, so no positional call changes meaning.
    x, y = pair((3,))
    with pytest.raises(TypeError):
        lb.mse_loss(x, y, "sum")
    with pytest.raises(TypeError):
        lb.poisson_nll_loss(x, y, True, False, 1e-8)
    # huber_loss and gaussian_nll_loss have no deprecated slot: the positional order is PyTorch's
    assert_close(lb.huber_loss(x, y, "sum", 0.5), F.huber_loss(x, y, "sum", 0.5))
    var = torch.ones(3, dtype=torch.float64)
    assert_close(lb.gaussian_nll_loss(x, y, var, True, 1e-3, "sum"), F.gaussian_nll_loss(x, y, var, True, 1e-3, "sum"))


# --------------------------------------------------------------------------- Gaussian NLL

def gaussian_case(shape, var_shape, seed=0):
    x, y = pair(shape, seed=seed)
    # some variances below eps = 0.05 so the clamp (and its invisible-to-autograd gradient) is exercised
    var = torch.rand(var_shape, generator=gen(seed + 100), dtype=torch.float64) * 2
    return x, y, var


GAUSS_SHAPES = [
    ((6,), (6,)),            # one variance per prediction
    ((6,), ()),              # (N,) input, scalar-shaped var: "one fewer dimension"
    ((5, 3), (5, 3)),
    ((5, 3), (5, 1)),        # shared over the last dimension
    ((5, 3), (5,)),          # one fewer dimension
    ((5, 3), (1, 3)),        # shared over the batch
    ((2, 3, 4, 4), (2, 1, 4, 4)),  # shared over channels
    ((), ()),
    ((0,), (0,)),
]


@pytest.mark.parametrize("shape,var_shape", GAUSS_SHAPES, ids=str)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("eps", [1e-6, 0.05])
def test_gaussian_nll_equals_pytorch(shape, var_shape, full, eps):
    x, y, var = gaussian_case(shape, var_shape, seed=len(shape) + len(var_shape))
    assert_twins(lb.gaussian_nll_loss, F.gaussian_nll_loss, {"input": x, "target": y, "var": var},
                 ["input", "target", "var"], full=full, eps=eps)


@pytest.mark.parametrize("var", [0.0, 0.3, 2.0])
def test_gaussian_nll_float_var_equals_pytorch(var):
    x, y = pair((4, 2), seed=9)
    assert_twins(lb.gaussian_nll_loss, F.gaussian_nll_loss, {"input": x, "target": y}, ["input"],
                 var=var, full=True)


def test_gaussian_nll_with_fixed_variance_is_half_mse_plus_a_constant():
    x, y = pair((10,), seed=10)
    var = 1.7
    expected = 0.5 * (math.log(var) + lb.mse_loss(x, y) / var)
    assert_close(lb.gaussian_nll_loss(x, y, var), expected)


# --------------------------------------------------------------------------- Poisson NLL

def poisson_case(shape, seed=0):
    g = gen(seed)
    rate = torch.rand(shape, generator=g, dtype=torch.float64) * 4
    counts = torch.poisson(rate, generator=g)  # 0, 1 and larger counts: all branches of `full`
    return rate, counts


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
def test_poisson_nll_equals_pytorch(shape, log_input, full):
    rate, counts = poisson_case(shape, seed=len(shape))
    input = rate.log() if log_input else rate
    for eps in (1e-8, 0.1):  # eps only enters with log_input=False
        assert_twins(lb.poisson_nll_loss, F.poisson_nll_loss, {"input": input, "target": counts}, ["input"],
                     log_input=log_input, full=full, eps=eps)


def test_poisson_full_covers_all_target_branches():
    rate, counts = poisson_case((50,), seed=3)
    assert (counts == 0).any() and (counts == 1).any() and (counts > 1).any()


def test_poisson_stirling_term_approximates_log_factorial():
    # full=True adds an approximation of log(y!): the total is then close to -log Poisson(y | lam)
    lam = torch.tensor([3.0, 7.0, 20.0], dtype=torch.float64)
    y = torch.tensor([2.0, 9.0, 25.0], dtype=torch.float64)
    exact = -(y * lam.log() - lam - torch.lgamma(y + 1))
    ours = lb.poisson_nll_loss(lam.log(), y, full=True, reduction="none")
    assert_close(ours, exact, rtol=0, atol=0.05)


# --------------------------------------------------------------------------- RMSE, quantile, log-cosh

def test_rmse_is_the_root_of_the_mse_plus_eps():
    x, y = pair((4, 5), seed=11)
    for eps in (0.0, 1e-8, 0.25):
        assert_close(lb.rmse_loss(x, y, eps=eps), torch.sqrt(F.mse_loss(x, y) + eps))


def test_rmse_reproduces_the_seed_notebook_numbers():
    torch.manual_seed(42)
    y_hat = torch.randn(3, 5)
    target = torch.randn(3, 5)
    assert f"{lb.mse_loss(y_hat, target).item():.4f}" == "1.0192"
    assert f"{lb.l1_loss(y_hat, target).item():.4f}" == "0.8502"
    assert f"{lb.rmse_loss(y_hat, target, eps=1e-7).item():.4f}" == "1.0096"


def test_rmse_eps_keeps_the_gradient_finite_at_zero_error():
    target = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64)
    exact = target.clone().requires_grad_()
    lb.rmse_loss(exact, target, eps=0.0).backward()
    assert torch.isnan(exact.grad).all()  # 0 * inf: what eps is there to prevent
    safe = target.clone().requires_grad_()
    lb.rmse_loss(safe, target).backward()
    assert torch.equal(safe.grad, torch.zeros(3, dtype=torch.float64))


def test_rmse_gradient_is_mse_gradient_over_twice_rmse():
    x, y = pair((8,), seed=12)
    _, (g_rmse,) = run(lb.rmse_loss, {"input": x, "target": y}, ["input"], eps=0.0)
    _, (g_mse,) = run(lb.mse_loss, {"input": x, "target": y}, ["input"])
    assert_close(g_rmse, g_mse / (2 * lb.rmse_loss(x, y, eps=0.0)))


@pytest.mark.parametrize("reduction", ["none", "sum"])
def test_rmse_refuses_reductions_other_than_mean(reduction):
    x, y = pair((3,))
    with pytest.raises(ValueError, match="reduction"):
        lb.rmse_loss(x, y, reduction=reduction)
    with pytest.raises(ValueError, match="reduction"):
        lb.RMSELoss(reduction=reduction)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("q", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_quantile_loss_equals_its_definition(shape, q, reduction):
    x, y = pair(shape, seed=13)
    r = y - x
    naive = torch.maximum(q * r, (q - 1) * r)
    expected = {"none": naive, "sum": naive.sum(), "mean": naive.mean()}[reduction]
    assert_close(lb.quantile_loss(x, y, q=q, reduction=reduction), expected, equal_nan=True)
    assert_close(lb.QuantileLoss(q=q, reduction=reduction)(x, y), expected, equal_nan=True)


def test_quantile_loss_at_one_half_is_half_l1():
    x, y = pair((9,), seed=14)
    assert_close(lb.quantile_loss(x, y, q=0.5), 0.5 * lb.l1_loss(x, y))


@pytest.mark.parametrize("q", [0.1, 0.25, 0.5, 0.9])
def test_quantile_loss_is_minimised_by_the_empirical_quantile(q):
    # The loss is piecewise linear in a constant prediction c, so its minimum is at a data point:
    # the ceil(n q)-th smallest (unique here, since n q is not an integer).
    y = torch.randn(999, generator=gen(15), dtype=torch.float64).exp()  # skewed, so quantiles differ
    grid = y[:, None].expand(len(y), len(y))  # row i: the constant prediction y[i]
    losses = lb.quantile_loss(grid, y.expand_as(grid), q=q, reduction="none").mean(dim=1)
    assert y[losses.argmin()] == y.sort().values[math.ceil(len(y) * q) - 1]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_log_cosh_equals_its_definition_and_gradient_is_tanh(shape, reduction):
    x, y = pair(shape, seed=16)
    naive = torch.log(torch.cosh(x - y))  # safe in float64 for these residuals
    expected = {"none": naive, "sum": naive.sum(), "mean": naive.mean()}[reduction]
    assert_close(lb.log_cosh_loss(x, y, reduction=reduction), expected, equal_nan=True)
    _, (g,) = run(lb.log_cosh_loss, {"input": x, "target": y}, ["input"], reduction="sum")
    assert_close(g, torch.tanh(x - y))
    assert_close(lb.LogCoshLoss(reduction=reduction)(x, y), expected, equal_nan=True)


def test_log_cosh_is_accurate_for_tiny_residuals_in_float32():
    r = torch.tensor([1e-6, 1e-4, 1e-2, 0.5, 2.0, 30.0])
    ours = lb.log_cosh_loss(r, torch.zeros_like(r), reduction="none").double()
    exact = torch.log(torch.cosh(r.double()))
    assert_close(ours, exact, rtol=1e-4, atol=0)
    naive = r.abs() + F.softplus(-2 * r.abs()) - math.log(2)  # the overflow-safe form alone
    assert ((naive[:2].double() - exact[:2]).abs() / exact[:2] > 0.5).all()  # loses every digit there


# --------------------------------------------------------------------------- gradcheck

GRADCHECK = [
    ("mse", lambda x, y: lb.mse_loss(x, y, reduction="sum")),
    ("l1", lambda x, y: lb.l1_loss(x, y)),
    ("huber", lambda x, y: lb.huber_loss(x, y, delta=0.8)),
    ("smooth_l1", lambda x, y: lb.smooth_l1_loss(x, y, beta=0.8)),
    ("rmse", lambda x, y: lb.rmse_loss(x, y)),
    ("quantile", lambda x, y: lb.quantile_loss(x, y, q=0.3)),
    ("log_cosh", lambda x, y: lb.log_cosh_loss(x, y, reduction="none")),
    ("gaussian", lambda x, y: lb.gaussian_nll_loss(x, y, (x * y).exp() + 0.1, full=True)),
    ("poisson", lambda x, y: lb.poisson_nll_loss(x, y.abs().round().detach(), full=True)),
]


@pytest.mark.parametrize("name,fn", GRADCHECK, ids=[g[0] for g in GRADCHECK])
def test_gradcheck(name, fn):
    x, y = pair((4, 3), seed=17)
    assert torch.autograd.gradcheck(fn, (x.requires_grad_(), y.requires_grad_()))


def test_gradcheck_gaussian_with_respect_to_var():
    x, y = pair((4, 3), seed=18)
    var = (torch.rand(4, 1, generator=gen(19), dtype=torch.float64) + 0.1).requires_grad_()
    assert torch.autograd.gradcheck(lambda v: lb.gaussian_nll_loss(x, y, v), (var,))


def test_gradcheck_poisson_rate_input():
    rate, counts = poisson_case((6,), seed=20)
    assert torch.autograd.gradcheck(lambda r: lb.poisson_nll_loss(r + 0.5, counts, log_input=False, full=True),
                                    (rate.requires_grad_(),))


# --------------------------------------------------------------------------- properties

floats = st.floats(-50, 50, allow_nan=False, width=64)
arrays = hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5), elements=floats)

NON_NEGATIVE = {
    "mse": lb.mse_loss, "l1": lb.l1_loss, "huber": lambda x, y, **k: lb.huber_loss(x, y, delta=1.3, **k),
    "smooth_l1": lambda x, y, **k: lb.smooth_l1_loss(x, y, beta=0.4, **k),
    "quantile": lambda x, y, **k: lb.quantile_loss(x, y, q=0.2, **k), "log_cosh": lb.log_cosh_loss,
}


@pytest.mark.parametrize("name", list(NON_NEGATIVE))
@given(data=st.data())
def test_non_negative_zero_at_perfect_prediction_and_sum_equals_none(name, data):
    fn = NON_NEGATIVE[name]
    a = data.draw(arrays)
    b = data.draw(hnp.arrays(np.float64, a.shape, elements=floats))
    x, y = torch.from_numpy(a), torch.from_numpy(b)
    none = fn(x, y, reduction="none")
    assert none.shape == x.shape and (none >= 0).all()
    assert_close(fn(x, y, reduction="sum"), none.sum())
    assert_close(fn(x, y, reduction="mean"), none.mean())
    assert (fn(y, y, reduction="none") == 0).all()


@pytest.mark.parametrize("name", list(NON_NEGATIVE) + ["rmse", "gaussian", "poisson"])
@given(data=st.data())
def test_mean_loss_is_invariant_to_permuting_the_batch(name, data):
    fns = {**NON_NEGATIVE, "rmse": lb.rmse_loss,
           "gaussian": lambda x, y: lb.gaussian_nll_loss(x, y, x.abs() + 0.1),
           "poisson": lambda x, y: lb.poisson_nll_loss(x / 10, y.abs().round())}
    fn = fns[name]
    n = data.draw(st.integers(1, 12))
    x = torch.from_numpy(data.draw(hnp.arrays(np.float64, (n, 2), elements=floats)))
    y = torch.from_numpy(data.draw(hnp.arrays(np.float64, (n, 2), elements=floats)))
    perm = torch.from_numpy(np.array(data.draw(st.permutations(range(n)))))
    assert_close(fn(x[perm], y[perm]), fn(x, y))


@given(a=arrays, beta=st.floats(0.01, 20))
def test_smooth_l1_is_huber_divided_by_beta(a, beta):
    x = torch.from_numpy(a)
    y = torch.zeros_like(x)
    assert_close(lb.smooth_l1_loss(x, y, reduction="none", beta=beta),
                 lb.huber_loss(x, y, reduction="none", delta=beta) / beta)


def test_smooth_l1_and_huber_coincide_only_at_one():
    x = torch.tensor([0.2, 1.5, -4.0], dtype=torch.float64)
    y = torch.zeros_like(x)
    assert_close(lb.smooth_l1_loss(x, y, beta=1.0), lb.huber_loss(x, y, delta=1.0))
    assert not torch.allclose(lb.smooth_l1_loss(x, y, beta=2.0), lb.huber_loss(x, y, delta=2.0))


@given(r=st.floats(-1e3, 1e3, allow_nan=False), delta=st.floats(0.01, 10))
def test_huber_gradient_is_the_clipped_residual(r, delta):
    x = torch.tensor([r], dtype=torch.float64, requires_grad=True)
    lb.huber_loss(x, torch.zeros(1, dtype=torch.float64), delta=delta).backward()
    assert x.grad.item() == pytest.approx(max(-delta, min(delta, r)), abs=1e-12)


# --------------------------------------------------------------------------- extreme inputs and half precision

def test_log_cosh_is_finite_at_residual_1e4_in_float32():
    x = torch.tensor([1e4, -1e4, 1e3, 0.0], requires_grad=True)
    loss = lb.log_cosh_loss(x, torch.zeros(4), reduction="none")
    loss.sum().backward()
    assert torch.isfinite(loss).all() and torch.isfinite(x.grad).all()
    assert_close(loss[:2], torch.tensor([1e4 - math.log(2)] * 2))
    assert_close(x.grad, torch.tensor([1.0, -1.0, 1.0, 0.0]))
    assert torch.isinf(torch.log(torch.cosh(x.detach()[:2]))).all()  # what the naive formula gives


@pytest.mark.parametrize("fn", [lb.mse_loss, lb.l1_loss, lb.huber_loss, lb.smooth_l1_loss, lb.quantile_loss,
                                lb.log_cosh_loss, lb.rmse_loss], ids=lambda f: f.__name__)
def test_large_residuals_float32_stay_finite(fn):
    x = torch.tensor([1e4, -1e4, 3e4], requires_grad=True)
    loss = fn(x, torch.zeros(3))
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(x.grad).all()


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
@pytest.mark.parametrize("fn", [lb.mse_loss, lb.l1_loss, lb.huber_loss, lb.smooth_l1_loss, lb.quantile_loss,
                                lb.log_cosh_loss], ids=lambda f: f.__name__)
def test_half_precision_matches_float32(fn, dtype):
    x, y = pair((32,), seed=21, scale=1.0)
    ref = fn(x.float(), y.float())
    low = fn(x.to(dtype), y.to(dtype))
    assert low.dtype == dtype
    assert_close(low.float(), ref, rtol=2e-2, atol=2e-2)


def test_rmse_default_eps_underflows_in_float16_as_documented():
    target = torch.tensor([1.0, 2.0], dtype=torch.float16)
    x = target.clone().requires_grad_()
    lb.rmse_loss(x, target).backward()
    assert torch.isnan(x.grad).all()  # 1e-8 rounds to 0 in float16
    x = target.clone().requires_grad_()
    lb.rmse_loss(x, target, eps=1e-4).backward()
    assert torch.equal(x.grad, torch.zeros(2, dtype=torch.float16))


# --------------------------------------------------------------------------- bad inputs

X = torch.zeros(4, 1)
Y = torch.zeros(4)
A = torch.ones(4)
B = torch.ones(4)

BAD = [
    ("column vs vector", lambda: lb.mse_loss(X, Y), ValueError, "target"),
    ("column vs vector huber", lambda: lb.huber_loss(torch.zeros(4), torch.zeros(4, 1)), ValueError, "target"),
    ("gaussian input vs target shape", lambda: lb.gaussian_nll_loss(X, Y, 1.0), ValueError, "target"),
    ("negative variance", lambda: lb.gaussian_nll_loss(A, B, torch.tensor([1.0, -1.0, 1.0, 1.0])),
     ValueError, "var"),
    ("negative float variance", lambda: lb.gaussian_nll_loss(A, B, -0.5), ValueError, "var"),
    ("variance of a wrong shape", lambda: lb.gaussian_nll_loss(torch.ones(3, 4), torch.ones(3, 4), torch.ones(1, 1)),
     ValueError, "var"),
    ("q = 0", lambda: lb.quantile_loss(A, B, q=0.0), ValueError, "q"),
    ("q = 1", lambda: lb.quantile_loss(A, B, q=1.0), ValueError, "q"),
    ("q > 1", lambda: lb.quantile_loss(A, B, q=1.5), ValueError, "q"),
    ("q not a number", lambda: lb.quantile_loss(A, B, q="0.5"), TypeError, "q"),
    ("unknown reduction", lambda: lb.mse_loss(A, B, reduction="avg"), ValueError, "reduction"),
    ("batchmean", lambda: lb.l1_loss(A, B, reduction="batchmean"), ValueError, "reduction"),
    ("rmse per element", lambda: lb.rmse_loss(A, B, reduction="none"), ValueError, "reduction"),
    ("int input", lambda: lb.mse_loss(torch.ones(4, dtype=torch.long), B), TypeError, "input"),
    ("int target", lambda: lb.l1_loss(A, torch.ones(4, dtype=torch.long)), TypeError, "target"),
    ("not a tensor", lambda: lb.log_cosh_loss(A, [1.0, 1.0, 1.0, 1.0]), TypeError, "target"),
    ("negative rmse eps", lambda: lb.rmse_loss(A, B, eps=-1e-8), ValueError, "eps"),
    ("nan rmse eps", lambda: lb.rmse_loss(A, B, eps=float("nan")), ValueError, "eps"),
    ("negative gaussian eps", lambda: lb.gaussian_nll_loss(A, B, 1.0, eps=-1.0), ValueError, "eps"),
    ("negative poisson eps", lambda: lb.poisson_nll_loss(A, B, eps=-1.0), ValueError, "eps"),
    ("eps not a number", lambda: lb.RMSELoss(eps=None), TypeError, "eps"),
    ("delta = 0", lambda: lb.huber_loss(A, B, delta=0.0), ValueError, "delta"),
    ("negative beta", lambda: lb.smooth_l1_loss(A, B, beta=-1.0), ValueError, "beta"),
    ("negative counts", lambda: lb.poisson_nll_loss(A, -B), ValueError, "target"),
    ("negative rate", lambda: lb.poisson_nll_loss(-A, B, log_input=False), ValueError, "input"),
    ("negative weight", lambda: lb.mse_loss(A, B, weight=-torch.ones(4)), ValueError, "weight"),
    ("weight of another shape", lambda: lb.l1_loss(A, B, weight=torch.ones(4, 1)), ValueError, "weight"),
    ("module with a bad reduction", lambda: lb.HuberLoss(reduction="max"), ValueError, "reduction"),
    ("module with a bad q", lambda: lb.QuantileLoss(q=-0.1), ValueError, "q"),
]


@pytest.mark.parametrize("case,call,exc,arg", BAD, ids=[b[0] for b in BAD])
def test_bad_input_raises(case, call, exc, arg):
    with pytest.raises(exc, match=f"`{arg}`"):
        call()


def test_pytorch_broadcasts_what_lossbook_refuses():
    y_hat = torch.tensor([[1.0], [2.0], [3.0]])
    target = torch.tensor([1.0, 2.0, 3.0])
    with pytest.warns(UserWarning, match="target size"):
        wrong = F.mse_loss(y_hat, target)
    assert wrong.item() == pytest.approx(12 / 9)  # every prediction against every target
    assert lb.mse_loss(y_hat.squeeze(1), target).item() == 0.0


# --------------------------------------------------------------------------- catalog

def test_catalog_rows():
    rows = {info.name: info for info in regression.CATALOG}
    assert len(rows) == 10
    for name, info in rows.items():
        assert name in regression.__all__ and info.module in regression.__all__
        assert getattr(lb, name) is getattr(regression, name)
        assert info.family == "regression"
        assert info.chapter == ("chapters/maximum-likelihood" if "nll" in name else "chapters/regression-losses")
        if info.pytorch:
            assert info.pytorch == f"torch.nn.functional.{name}"
            assert hasattr(F, name) and hasattr(nn, info.module)
    assert {n for n, i in rows.items() if i.pytorch is None} == {"rmse_loss", "quantile_loss", "log_cosh_loss",
                                                                 "gaussian_mixture_nll_loss"}
