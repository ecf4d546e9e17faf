"""lossbook._validation: the shared input checks and their messages."""
import pytest
import torch

from lossbook import _validation as v


def test_reduce():
    x = torch.tensor([1.0, 2.0, 3.0])
    assert v.reduce(x, "none") is x
    assert v.reduce(x, "sum").item() == 6.0
    assert v.reduce(x, "mean").item() == 2.0
    assert v.reduce(torch.empty(0), "mean").isnan()


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
    (lambda: v.check_class_indices(torch.tensor([0.0, 1.0]), "target", "f", 3), TypeError,
     r"integer .* got dtype torch.float32"),
    (lambda: v.check_class_indices(torch.tensor([0, 3]), "target", "f", 3), ValueError,
     r"class indices in \[0, 2\], got values from 0 to 3"),
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
