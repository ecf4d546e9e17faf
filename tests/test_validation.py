"""lossbook._validation: the shared input checks and their messages."""
import math

import pytest
import torch

from lossbook import _core
from lossbook import _validation as v


def test_reduce():
    x = torch.tensor([1.0, 2.0, 3.0])
    assert _core.reduce(x, "none") is x
    assert _core.reduce(x, "sum").item() == 6.0
    assert _core.reduce(x, "mean").item() == 2.0
    assert _core.reduce(torch.empty(0), "mean").isnan()


@pytest.mark.parametrize("call, exc, match", [
    (lambda: v.check_reduction("avg", "f"), ValueError, r"f: `reduction` must be one of .* got 'avg'"),
    (lambda: v.check_reduction(None, "f"), ValueError, "reduction"),
    (lambda: v.check_tensor([1.0], "input", "f"), TypeError, r"`input` must be a torch.Tensor, got list"),
    (lambda: v.check_floating(torch.tensor([1]), "input", "f"), TypeError, r"floating-point.*torch.int64"),
    (lambda: v.check_same_shape(torch.zeros(3), "input", torch.zeros(3, 1), "target", "f"),
     ValueError, r"`target` must be a tensor of the same shape as `input` \(3,\), got \(3, 1\) \(squeeze"),
    (lambda: v.check_same_dtype("f", input=torch.zeros(1), target=torch.zeros(1, dtype=torch.float64)),
     TypeError, r"`target` must be of the same dtype"),
    (lambda: v.check_values_in(torch.tensor([0.5, 1.5]), "input", "f", 0, 1), ValueError,
     r"`input` must be in \[0, 1\], got values from 0.5 to 1.5"),
    (lambda: v.check_values_in(torch.tensor([float("nan")]), "input", "f", 0, 1), ValueError, "input"),
    (lambda: v.check_scalar("1", "margin", "f"), TypeError, "margin"),
    (lambda: v.check_scalar(True, "margin", "f"), TypeError, "margin"),
    (lambda: v.check_scalar(0.0, "q", "f", low=0, high=1, low_open=True, high_open=True), ValueError,
     r"`q` must be in \(0, 1\), got 0.0"),
    (lambda: v.check_scalar(1.0, "q", "f", low=0, high=1, high_open=True), ValueError, "q"),
    (lambda: v.check_scalar(-1.0, "eps", "f", low=0), ValueError, r"`eps` must be in \[0, inf\]"),
    (lambda: v.check_scalar(float("nan"), "eps", "f", low=0), ValueError, "eps"),
    (lambda: v.check_integer(torch.tensor([0.0, 1.0]), "target", "f"), TypeError,
     r"integer .* got dtype torch.float32"),
    (lambda: v.check_integer(torch.tensor([True]), "labels", "f", "class ids"), TypeError, r"class ids, got dtype torch.bool"),
    (lambda: v.check_class_indices(torch.tensor([0, 3]), "target", "f", 3), ValueError,
     r"class indices in \[0, 2\], got 1 out of range, the first 3"),
    (lambda: v.check_values_among(torch.tensor([1.0, 0.5, -1.0, 2.0]), "target", "f", (1, -1)), ValueError,
     r"`target` must be 1 or -1 everywhere, got 2 of 4 values that are not, the first 0.5"),
    (lambda: v.check_values_in(torch.tensor([0.0, math.inf]), "weight", "f", 0, math.inf, high_open=True),
     ValueError, r"`weight` must be in \[0, inf\), got values from 0 to inf"),
    (lambda: v.check_values_in(torch.tensor([-1.0, 0.5]), "input", "f", -math.inf, 0, what="log-probabilities"),
     ValueError, r"`input` must be log-probabilities, got maximum 0.5"),
    (lambda: v.check_values_in(torch.tensor([-1.0, 0.5]), "input", "f", 0.0, math.inf), ValueError,
     r"`input` must be in \[0, inf\], got minimum -1"),
    (lambda: v.check_flag(1, "swap", "f"), TypeError, r"`swap` must be a bool, got int"),
    (lambda: v.check_int(2.0, "ignore_index", "f"), TypeError, r"`ignore_index` must be an int, got float"),
    (lambda: v.check_int(0, "k", "f", low=1, allow_none=True), ValueError, r"`k` must be None or an int >= 1, got 0"),
    (lambda: v.check_choice("max", "gain", "f", ("exp", "linear")), ValueError, r"one of \('exp', 'linear'\)"),
    (lambda: v.check_shape(torch.zeros(3), "labels", "f", (4,), "one per embedding"), ValueError,
     r"`labels` must be of shape \(4,\), one per embedding, got shape \(3,\)"),
    (lambda: v.check_dims(torch.zeros(2, 2, 2), "x1", "f", (1, 2), "(N, D) or (D,)"), ValueError,
     r"`x1` must be a tensor of shape \(N, D\) or \(D,\), got shape \(2, 2, 2\)"),
    (lambda: v.check_broadcastable(torch.zeros(3), "weight", torch.zeros(2, 4), "input", "f"), ValueError,
     r"`weight` must be broadcastable to the shape of `input` \(2, 4\), got shape \(3,\)"),
    (lambda: v.check_class_input(torch.zeros(4, 1), "f", min_classes=2), ValueError, r"at least 2 classes"),
    (lambda: v.check_class_target(torch.zeros(4, 3), torch.zeros(4, 1, dtype=torch.long), "f"), ValueError,
     r"class indices of shape \(4,\)"),
    (lambda: v.check_class_weight(torch.ones(3, dtype=torch.float64), torch.zeros(4, 3), 3, "f"), TypeError,
     r"`weight` must be of the same dtype as `input`"),
    (lambda: v.check_class_weight(torch.ones(2), torch.zeros(4, 3), 3, "f"), ValueError, r"one weight per class"),
    (lambda: v.check_labels(torch.zeros(4, 2), torch.zeros(3, dtype=torch.long), "f"), ValueError, "labels"),
    (lambda: v.check_at_least_one(torch.tensor([[True, False]]), "target", "f", "at least one positive"),
     ValueError, r"got 1 column\(s\) without one"),
    (lambda: v.check_class_indices(torch.tensor([-1, 0]), "target", "f", 3, ignore_index=-100), ValueError,
     r"or ignore_index=-100"),
])
def test_checks_raise_with_a_message_naming_the_argument(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_checks_accept_good_input():
    v.check_reduction("mean", "f")
    v.check_pair(torch.zeros(2), torch.ones(2), "f")
    v.check_values_in(torch.tensor([0.0, 1.0]), "p", "f", 0, 1)
    v.check_values_in(torch.empty(0), "p", "f", 0, 1)
    v.check_scalar(0.5, "q", "f", low=0, high=1, low_open=True, high_open=True)
    v.check_class_indices(torch.tensor([0, 2, -100]), "target", "f", 3, ignore_index=-100)
    v.check_class_indices(torch.empty(0, dtype=torch.long), "target", "f", 3)
    v.check_same_device("f", a=torch.zeros(1), b=None)
    v.check_same_dtype("f")


def test_device_mismatch_is_refused():
    # The "meta" device stands in for a GPU: a tensor there is on another device than the CPU.
    with pytest.raises(ValueError, match=r"`target` must be on the same device as `input` \(cpu\), got device meta"):
        v.check_same_device("f", input=torch.zeros(1), target=torch.zeros(1, device="meta"))


VALUE_CHECKS = [
    lambda: v.check_values_in(torch.tensor([2.0]), "input", "f", 0, 1),
    lambda: v.check_values_among(torch.tensor([0.5]), "target", "f", (0, 1)),
    lambda: v.check_class_indices(torch.tensor([7]), "target", "f", 3),
    lambda: v.check_at_least_one(torch.tensor([False]), "target", "f", "a positive"),
    lambda: v.check_weight(-torch.ones(2), "weight", torch.zeros(2), "f"),
    lambda: v.check_class_weight(-torch.ones(3), torch.zeros(2, 3), 3, "f"),
    lambda: v.check_variance(-torch.ones(2), torch.zeros(2), "f"),
]


@pytest.mark.parametrize("call", VALUE_CHECKS)
def test_value_checks_follow_the_switch(call):
    assert v.is_validation_enabled()
    with pytest.raises(ValueError):
        call()
    v.set_validation(False)
    try:
        call()  # skipped: reads no value
    finally:
        v.set_validation(True)


def test_structural_checks_stay_on_without_validation():
    with v.validation(False):
        with pytest.raises(TypeError, match="floating-point"):
            v.check_floating(torch.tensor([1]), "input", "f")
        with pytest.raises(ValueError, match="same shape"):
            v.check_same_shape(torch.zeros(3), "input", torch.zeros(3, 1), "target", "f")
        with pytest.raises(ValueError, match="one weight per class"):
            v.check_class_weight(torch.ones(2), torch.zeros(4, 3), 3, "f")


def test_the_context_manager_restores_the_previous_setting_and_nests():
    import lossbook as lb
    assert lb.is_validation_enabled()
    with lb.validation(False):
        assert not lb.is_validation_enabled()
        with lb.validation(True):
            assert lb.is_validation_enabled()
        assert not lb.is_validation_enabled()
    assert lb.is_validation_enabled()
    with pytest.raises(RuntimeError), lb.validation(False):
        raise RuntimeError("restored even on an exception")
    assert lb.is_validation_enabled()

    @lb.validation(False)
    def unchecked():
        return lb.is_validation_enabled()
    assert unchecked() is False and lb.is_validation_enabled()
    with pytest.raises(TypeError, match="`enabled` must be a bool"):
        lb.set_validation(0)


def test_every_loss_module_checks_through_validation_py():
    """One place for the checks: no loss module raises by itself or reads values to check them."""
    import inspect

    from lossbook import classification, imbalance, metric, mining, ranking, regression
    for module in (regression, classification, imbalance, metric, mining, ranking):
        source = inspect.getsource(module)
        assert "raise ValueError" not in source and "raise TypeError" not in source, module.__name__
        assert ".item()" not in source and "bool(" not in source, module.__name__
