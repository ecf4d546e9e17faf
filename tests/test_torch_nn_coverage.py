"""The catalog knows every torch.nn loss: each loss class of the installed PyTorch has a twin in the
catalog (a row whose module keeps PyTorch's class name) or stands in the short list of exclusions
(lossbook.catalog.EXCLUDED, also NOT_TWINNED) with the reason the appendix shows."""
from __future__ import annotations

import torch.nn as nn

import lossbook as lb
from lossbook.catalog import EXCLUDED, NOT_TWINNED, torch_nn_losses

TWINS = {info.module for info in lb.catalog() if info.pytorch}


def test_every_torch_nn_loss_class_has_a_twin_or_a_stated_reason():
    losses = torch_nn_losses()
    assert len(losses) >= 23 and "CrossEntropyLoss" in losses and "CTCLoss" in losses
    missing = [name for name in losses if name not in TWINS and name not in EXCLUDED]
    assert not missing, f"torch.nn losses with neither a lossbook twin nor a reason in EXCLUDED: {missing}"


def test_the_exclusions_are_short_true_and_not_twinned():
    assert NOT_TWINNED is EXCLUDED
    for name, reason in EXCLUDED.items():
        assert name in torch_nn_losses(), f"{name} is not a loss class of torch.nn"
        assert name not in TWINS, f"{name} has a catalog twin: remove it from EXCLUDED"
        assert 20 <= len(reason) <= 400 and "\n" not in reason


def test_every_twin_module_keeps_pytorchs_class_name():
    for info in lb.catalog():
        if info.pytorch:
            assert isinstance(getattr(nn, info.module, None), type), info.module


def test_the_adaptive_softmax_is_twinned_as_a_module_outside_the_catalog():
    # Equality with PyTorch's, weights copied, is tested in tests/test_linear_cross_entropy.py.
    assert issubclass(lb.AdaptiveLogSoftmaxWithLoss, nn.Module)
    assert "lb.AdaptiveLogSoftmaxWithLoss" in EXCLUDED["AdaptiveLogSoftmaxWithLoss"]
