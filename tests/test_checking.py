"""lossbook.checking: the checker catches what it promises to catch, passes what is right,
and every PyTorch twin in lossbook passes it against its torch.nn.functional counterpart."""
from __future__ import annotations

import importlib

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.autograd.gradcheck import GradcheckError

import lossbook as lb
from lossbook import checking
from lossbook._core import reduce

F64 = torch.float64


def status(report, check):
    return {r.check: r.status for r in report.results}[check]


# --------------------------------------------------------------------------- losses to check

def good_mse(input, target, reduction="mean"):
    return reduce((input - target) ** 2, reduction)


def mse_wrong_mean(input, target, reduction="mean"):
    """Divides by N - 1 for 'mean': a plausible slip that only a reference catches."""
    loss = (input - target) ** 2
    return loss.sum() / (loss.numel() - 1) if reduction == "mean" else reduce(loss, reduction)


def mse_through_item(input, target, reduction="mean"):
    """Leaves the graph through .item(): the value is right, no gradient reaches the input."""
    value = reduce((input - target) ** 2, reduction)
    if value.dim():
        return value
    return torch.tensor(value.item(), dtype=input.dtype, requires_grad=True)


def l1_through_sqrt(input, target, reduction="mean"):
    """|r| as sqrt(r**2): the right value, a NaN gradient where r = 0."""
    return reduce(torch.sqrt((input - target) ** 2), reduction)


def naive_bce(input, target, reduction="mean"):
    """log(p) without a clamp: infinite at p = 0 or 1."""
    return reduce(-(target * torch.log(input) + (1 - target) * torch.log(1 - input)), reduction)


class _DoubledBackward(torch.autograd.Function):
    """Squared error with a hand-written backward that is twice too large."""

    @staticmethod
    def forward(ctx, input, target):
        ctx.save_for_backward(input - target)
        return (input - target) ** 2

    @staticmethod
    def backward(ctx, grad):
        (r,) = ctx.saved_tensors
        return 4 * r * grad, None


def mse_bad_backward(input, target, reduction="mean"):
    return reduce(_DoubledBackward.apply(input, target), reduction)


def batch_mean_as_mean(input, target, reduction="mean"):
    """'mean' divides by the batch size only: not 'none'.mean() for 2-d inputs."""
    loss = (input - target) ** 2
    return loss.sum() / input.shape[0] if reduction == "mean" else reduce(loss, reduction)


def position_weighted(input, target):
    """Weights example n by n + 1: depends on the order of the batch."""
    weights = torch.arange(1, input.shape[0] + 1, dtype=input.dtype).unsqueeze(1)
    return (weights * (input - target) ** 2).mean()


def refuses_everything(input, target):
    raise ValueError("refuses_everything: `input` must be nothing, got a tensor")


# --------------------------------------------------------------------------- the checker itself

def test_a_right_loss_passes_every_check():
    report = lb.check_loss(good_mse, F.mse_loss)
    assert report.ok
    assert [r.status for r in report.results] == ["pass"] * 8
    report.raise_if_failed()  # must not raise


def test_a_wrong_mean_fails_against_the_reference_and_the_reductions():
    report = lb.check_loss(mse_wrong_mean, F.mse_loss)
    assert not report.ok
    assert status(report, "values match the reference") == "FAIL"
    assert status(report, "reductions consistent") == "FAIL"
    assert status(report, "gradcheck (float64)") == "pass"  # consistent, just wrong


def test_a_detached_loss_fails_gradient_checks():
    report = lb.check_loss(mse_through_item, F.mse_loss)
    assert status(report, "gradients reach the inputs") == "FAIL"
    assert "no gradient" in {r.check: r.detail for r in report.results}["gradients reach the inputs"]
    assert status(report, "gradients match the reference") == "FAIL"
    assert status(report, "gradcheck (float64)") == "FAIL"
    assert status(report, "values match the reference") == "pass"


def test_a_nan_gradient_at_ties_is_caught():
    report = lb.check_loss(l1_through_sqrt, F.l1_loss)
    detail = {r.check: r.detail for r in report.results}["finite on extreme inputs"]
    assert status(report, "finite on extreme inputs") == "FAIL"
    assert "non-finite gradient" in detail and "ties" in detail
    # On random inputs it is right: only the extreme inputs expose it.
    assert status(report, "values match the reference") == "pass"
    assert status(report, "gradients match the reference") == "pass"


def test_an_unclamped_log_is_caught_at_saturated_probabilities():
    report = lb.check_loss(naive_bce, F.binary_cross_entropy, inputs=("probs", "binary"))
    assert status(report, "finite on extreme inputs") == "FAIL"
    assert status(report, "matches the reference on extremes") == "FAIL"
    assert status(report, "gradcheck (float64)") == "pass"


def test_a_wrong_hand_written_backward_is_caught():
    report = lb.check_loss(mse_bad_backward, F.mse_loss)
    assert status(report, "gradients match the reference") == "FAIL"
    assert status(report, "gradcheck (float64)") == "FAIL"
    # Without a reference, gradcheck alone still catches it.
    alone = lb.check_loss(mse_bad_backward)
    assert status(alone, "gradcheck (float64)") == "FAIL"
    assert status(alone, "values match the reference") == "skip"


def test_inconsistent_reductions_are_caught_without_a_reference():
    report = lb.check_loss(batch_mean_as_mean)
    assert status(report, "reductions consistent") == "FAIL"
    assert "'mean' != 'none'.mean()" in str(report)


def test_an_order_dependent_loss_fails_permutation_invariance():
    report = lb.check_loss(position_weighted)
    assert status(report, "batch-permutation invariant") == "FAIL"
    assert status(report, "reductions consistent") == "skip"  # no `reduction` parameter


def test_an_exception_becomes_a_failed_row_that_names_it():
    report = lb.check_loss(refuses_everything, extremes=False)
    details = [r.detail for r in report.failures]
    assert details and all(d.startswith("raised ValueError: refuses_everything") for d in details)


def test_raise_if_failed_lists_every_failure():
    report = lb.check_loss(mse_wrong_mean, F.mse_loss)
    with pytest.raises(AssertionError, match=r"check_loss\(mse_wrong_mean\): 4 check\(s\) failed") as info:
        report.raise_if_failed()
    for failure in report.failures:
        assert failure.check in str(info.value)


def test_the_report_renders_as_text_and_markdown():
    report = lb.check_loss(naive_bce, F.binary_cross_entropy, inputs=("probs", "binary"))
    text, markdown = str(report), report._repr_markdown_()
    assert text.splitlines()[0] == "check_loss(naive_bce): 2 FAILED"
    assert len(text.splitlines()) == 1 + len(report.results)
    assert "| check | status | detail |" in markdown
    assert markdown.count("| FAIL |") == 2
    assert repr(report) == text  # what a notebook shows as plain text


def test_the_report_is_reproducible():
    assert str(lb.check_loss(mse_wrong_mean, F.mse_loss)) == str(lb.check_loss(mse_wrong_mean, F.mse_loss))


def test_a_function_can_make_the_inputs():
    def make_inputs(generator, dtype):
        input = torch.randn(5, 3, generator=generator, dtype=dtype, requires_grad=True)
        return input, torch.randn(5, 3, generator=generator, dtype=dtype)

    report = lb.check_loss(good_mse, F.mse_loss, inputs=make_inputs)
    assert report.ok
    assert status(report, "finite on extreme inputs") == "skip"


def huber_ignoring_delta(input, target, reduction="mean", delta=1.0):
    return F.huber_loss(input, target, reduction=reduction)  # forgets to pass delta on


def test_kwargs_reach_both_functions():
    assert lb.check_loss(huber_ignoring_delta, F.huber_loss, kwargs={"delta": 1.0}).ok
    report = lb.check_loss(huber_ignoring_delta, F.huber_loss, kwargs={"delta": 0.5})
    assert "delta=0.5" in {r.check: r.detail for r in report.results}["values match the reference"]


def test_arg_rejects_an_unknown_kind():
    with pytest.raises(ValueError, match="`kind`"):
        lb.Arg("probabilities")


@pytest.mark.parametrize("kind", lb.KINDS)
@pytest.mark.parametrize("case", ("random",) + checking.CASES)
def test_every_kind_draws_what_it_promises(kind, case):
    g = torch.Generator().manual_seed(0)
    (x,) = checking._make_args([kind], (6, 4), case, g, F64, "cpu")
    if kind == "classes":
        assert x.dtype == torch.long and x.shape == (6,) and 0 <= x.min() and x.max() < 4
        return
    assert x.dtype == F64 and x.shape == (6, 4) and torch.isfinite(x).all()
    assert x.requires_grad == (kind in checking._DIFFERENTIABLE)
    if kind in ("probs", "binary"):
        assert ((x >= 0) & (x <= 1)).all()
    if kind in ("log_probs", "dist"):
        probs = x.exp() if kind == "log_probs" else x
        torch.testing.assert_close(probs.sum(1), torch.ones(6, dtype=F64))
    if kind == "sign":
        assert set(x.unique().tolist()) <= {-1.0, 1.0}
    if kind in ("positive", "counts"):
        assert (x >= 0).all()


def test_ties_make_inputs_equal_to_targets():
    g = torch.Generator().manual_seed(0)
    x, y = checking._make_args(["real", "target"], (6, 4), "ties", g, F64, "cpu")
    assert torch.equal(x.detach(), y)


# --------------------------------------------------------------------------- every PyTorch twin

def _w(*values):
    return torch.tensor(values, dtype=F64)


SIGN_N = lb.Arg("sign", shape=(6,))
# One or more ways to call each twin: the inputs' kinds, their shape and keyword options.
# A twin added to the catalog without an entry here fails test_every_twin_has_a_factory.
FACTORIES = {
    "mse_loss": [{}],
    "l1_loss": [{}],
    "huber_loss": [{}, {"kwargs": {"delta": 0.5}}],
    "smooth_l1_loss": [{}, {"kwargs": {"beta": 0.5}}],
    "gaussian_nll_loss": [{"inputs": ("real", "target", "positive")},
                          {"inputs": ("real", "target", "positive"), "kwargs": {"full": True}}],
    "poisson_nll_loss": [{"inputs": (lb.Arg("real", large=30.0), "counts")},
                         {"inputs": ("positive", "counts"), "kwargs": {"log_input": False}}],
    "binary_cross_entropy": [{"inputs": ("probs", "binary")},
                             {"inputs": ("probs", lb.Arg("probs", grad=False))}],
    "binary_cross_entropy_with_logits": [
        {"inputs": ("logits", "binary")},
        {"inputs": ("logits", "binary"), "kwargs": {"pos_weight": _w(1.0, 2.0, 0.5, 3.0)}}],
    "cross_entropy": [{"inputs": ("logits", "classes")},
                      {"inputs": ("logits", "dist")},
                      {"inputs": ("logits", "classes"), "kwargs": {"label_smoothing": 0.1}}],
    "nll_loss": [{"inputs": ("log_probs", "classes")},
                 {"inputs": ("log_probs", "classes"),
                  "kwargs": {"weight": _w(1.0, 2.0, 0.5, 3.0)}, "reductions": ("none", "sum")}],
    "kl_div": [{"inputs": ("log_probs", "dist"), "kwargs": {"reduction": "batchmean"}},
               {"inputs": ("log_probs", "dist")},
               {"inputs": ("log_probs", lb.Arg("log_probs", grad=False)), "kwargs": {"log_target": True}}],
    "margin_ranking_loss": [{"inputs": ("real", "real", "sign")},
                            {"inputs": ("real", "real", "sign"), "kwargs": {"margin": 0.5}}],
    "hinge_embedding_loss": [{"inputs": ("positive", "sign")},
                             {"inputs": ("real", "sign"), "kwargs": {"margin": 2.0}}],
    "cosine_embedding_loss": [{"inputs": ("real", "real", SIGN_N)},
                              {"inputs": ("real", "real", SIGN_N), "kwargs": {"margin": 0.3}}],
    "triplet_margin_loss": [{"inputs": ("real", "real", "real")},
                            {"inputs": ("real", "real", "real"), "kwargs": {"margin": 0.5, "p": 1.0, "swap": True}}],
    # issue 13: the margin losses, CTC and the chunked linear cross-entropy
    "soft_margin_loss": [{"inputs": (lb.Arg("real", large=100.0), "sign")}],  # PyTorch's log1p(exp) overflows at 1e4
    "multilabel_soft_margin_loss": [{"inputs": ("logits", "binary")},
                                    {"inputs": ("logits", "binary"), "kwargs": {"weight": _w(1.0, 2.0, 0.5, 3.0)}}],
    "multi_margin_loss": [{"inputs": ("real", "classes")},
                          {"inputs": ("real", "classes"), "kwargs": {"p": 2, "margin": 0.5,
                                                                     "weight": _w(1.0, 2.0, 0.5, 3.0)}}],
    "multilabel_margin_loss": [{"inputs": lambda g, dtype: (torch.randn(6, 4, generator=g, dtype=dtype).requires_grad_(),
                                                            torch.tensor([[3, 0, -1, 1], [1, -1, 2, 2], [0, 1, 2, 3],
                                                                          [-1, 0, 0, 0], [2, 3, -1, 0], [1, -1, 1, 1]]))}],
    "triplet_margin_with_distance_loss": [
        {"inputs": ("real", "real", "real")},
        {"inputs": ("real", "real", "real"), "kwargs": {"margin": 0.5, "swap": True, "distance_function":
                                                        lambda x, y: 1 - F.cosine_similarity(x, y, dim=-1)},
         "extremes": False}],  # the cosine of two zero vectors
    # ctc_loss's gradient for log_probs is PyTorch's p - posterior, not the derivative: gradcheck goes through
    # log_softmax in tests/test_sequence.py; 'mean' divides by the target lengths, not by N.
    "ctc_loss": [{"inputs": lambda g, dtype: (
        torch.log_softmax(torch.randn(8, 4, 5, generator=g, dtype=dtype), 2).requires_grad_(),
        torch.tensor([[1, 2, 2], [3, 4, 1], [4, 4, 4], [2, 1, 3]]), torch.tensor([8, 7, 8, 5]),
        torch.tensor([3, 2, 3, 1])), "gradcheck": False, "reductions": ("none", "sum")}],
    "linear_cross_entropy": [{"inputs": ("real", lb.Arg("real", shape=(7, 4)), "classes")},
                             {"inputs": ("real", lb.Arg("real", shape=(7, 4)), "classes"),
                              "kwargs": {"label_smoothing": 0.1, "weight": _w(1, 2, 0.5, 3, 1, 1, 2)},
                              "reductions": ("none", "sum")}],
}
# Module twins that need constructor arguments, tested against PyTorch's module elsewhere.
MODULES_TESTED_ELSEWHERE = {"linear_cross_entropy": "tests/test_linear_cross_entropy.py"}

TWINS = {info.name: info for info in lb.catalog() if info.pytorch is not None}


def _resolve(dotted):
    module, _, attr = dotted.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def test_every_twin_has_a_factory():
    missing = sorted(set(TWINS) - set(FACTORIES))
    assert not missing, f"add input factories to FACTORIES for: {missing}"


def test_the_catalog_has_pytorch_twins():
    # The cross-cutting test below is vacuous if the catalog lists none.
    assert len(TWINS) >= 6


@pytest.mark.parametrize("name", sorted(TWINS))
def test_every_twin_passes_check_loss_against_pytorch(name):
    reference = _resolve(TWINS[name].pytorch)
    for case in FACTORIES[name]:
        report = lb.check_loss(getattr(lb, name), reference, trials=2, **case)
        report.raise_if_failed()
        assert status(report, "values match the reference") == "pass"  # not skipped


@pytest.mark.parametrize("name", sorted(TWINS))
def test_every_twin_module_equals_pytorch_module(name):
    info = TWINS[name]
    assert hasattr(nn, info.module), f"{info.module} should carry PyTorch's class name"
    if name in MODULES_TESTED_ELSEWHERE:
        pytest.skip(f"{info.module} takes constructor arguments: see {MODULES_TESTED_ELSEWHERE[name]}")
    case = FACTORIES[name][0]
    report = lb.check_loss(getattr(lb, info.module)(), getattr(nn, info.module)(), trials=1,
                           extremes=False, gradcheck=False, name=info.module,
                           **{k: v for k, v in case.items() if k not in ("kwargs", "extremes", "gradcheck", "reductions")})
    report.raise_if_failed()


class _MeanSquareIgnoringGradOutput(torch.autograd.Function):
    """Mean squared error whose backward forgets to multiply by grad_output."""

    @staticmethod
    def forward(ctx, input, target):
        ctx.save_for_backward(input - target)
        return ((input - target) ** 2).mean()

    @staticmethod
    def backward(ctx, grad):
        (r,) = ctx.saved_tensors
        return 2 * r / r.numel(), None  # should be grad * 2 * r / N


def test_a_backward_that_ignores_grad_output_is_caught():
    fn = _MeanSquareIgnoringGradOutput.apply
    x = torch.randn(6, 4, dtype=F64, requires_grad=True)
    y = torch.randn(6, 4, dtype=F64)
    # A scalar loss called with grad_output = 1 hides the bug; gradcheck tests for it...
    with pytest.raises(GradcheckError, match="not multiplied by grad_output"):
        torch.autograd.gradcheck(lambda a: fn(a, y), (x,))
    report = lb.check_loss(fn, lambda a, b: F.mse_loss(a, b), name="mean_square")
    assert "not multiplied by grad_output" in {r.check: r.detail for r in report.results}["gradcheck (float64)"]
    # ... and so does the comparison with a reference, whose upstream gradient is not 1.
    assert status(report, "gradients match the reference") == "FAIL"
    assert status(report, "values match the reference") == "pass"
