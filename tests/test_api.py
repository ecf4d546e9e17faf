"""PyTorch's API, exactly: every twin's signature, function and module, against PyTorch's,
generated from the catalog; and the conventions of the losses PyTorch lacks."""
from __future__ import annotations

import inspect

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import lossbook as lb

DEPRECATED = ("size_average", "reduce")
TWINS = [info for info in lb.catalog() if info.pytorch]
OTHERS = [info for info in lb.catalog() if not info.pytorch]
KW = inspect.Parameter.KEYWORD_ONLY
POS = inspect.Parameter.POSITIONAL_OR_KEYWORD


def described(fn, *, drop_self=False):
    """(name, kind, repr(default)) of every parameter: repr, so that 0 and 0.0 differ."""
    params = list(inspect.signature(fn).parameters.values())[1 if drop_self else 0:]
    return [(p.name, p.kind, repr(p.default)) for p in params]


def expected(fn, *, drop_self=False):
    """PyTorch's signature less its deprecated slots, everything after the first of them
    keyword-only: the rule every twin follows."""
    out, keyword_only = [], False
    for name, kind, default in described(fn, drop_self=drop_self):
        if name in DEPRECATED:
            keyword_only = True
            continue
        out.append((name, KW if keyword_only and kind == POS else kind, default))
    return out


@pytest.mark.parametrize("info", TWINS, ids=lambda i: i.name)
def test_twin_function_signature_is_pytorchs(info):
    assert described(getattr(lb, info.name)) == expected(getattr(F, info.name))


@pytest.mark.parametrize("info", TWINS, ids=lambda i: i.module)
def test_twin_module_signatures_are_pytorchs(info):
    ours, theirs = getattr(lb, info.module), getattr(nn, info.module)
    assert described(ours.__init__, drop_self=True) == expected(theirs.__init__, drop_self=True)
    assert described(ours.forward, drop_self=True) == expected(theirs.forward, drop_self=True)


@pytest.mark.parametrize("info", [i for i in TWINS if any(
    p in inspect.signature(getattr(F, i.name)).parameters for p in DEPRECATED)], ids=lambda i: i.name)
def test_a_positional_call_pytorch_reads_as_size_average_is_a_type_error(info):
    args, kwargs = lb.example_inputs(info.name, (4, 3))
    params = list(inspect.signature(getattr(F, info.name)).parameters.values())
    slot = next(i for i, p in enumerate(params) if p.name in DEPRECATED)
    positional = args + [p.default for p in params[len(args):slot]]
    getattr(lb, info.name)(*positional, **kwargs)  # everything up to the slot: fine
    with pytest.raises(TypeError, match="positional argument"):
        getattr(lb, info.name)(*positional, True, **kwargs)


def test_the_issue_example_nll_loss_with_a_positional_ignore_index():
    x = torch.log_softmax(torch.randn(5, 3, generator=torch.Generator().manual_seed(0)), 1)
    t = torch.tensor([0, 1, 2, 2, 1])
    with pytest.raises(TypeError):
        lb.nll_loss(x, t, None, 2)  # PyTorch reads 2 as size_average
    assert lb.NLLLoss(None).ignore_index == nn.NLLLoss(None).ignore_index == -100
    with pytest.raises(TypeError):
        lb.NLLLoss(None, 2)
    torch.testing.assert_close(lb.nll_loss(x, t, None, ignore_index=2), F.nll_loss(x, t, None, ignore_index=2))


@pytest.mark.parametrize("info", OTHERS, ids=lambda i: i.name)
def test_losses_pytorch_lacks_take_keyword_only_hyper_parameters_and_have_a_matching_module(info):
    fn, module = getattr(lb, info.name), getattr(lb, info.module)
    params = described(fn)
    tensors = len(info.inputs)
    assert all(kind == POS for _, kind, _ in params[:tensors]), "the tensors come first, positionally"
    assert all(kind == KW for _, kind, _ in params[tensors:]), "then keyword-only hyper-parameters"
    assert "'mean'" == dict((n, d) for n, _, d in params).get("reduction", "'mean'"), "reduction='mean'"
    init, forward = described(module.__init__, drop_self=True), described(module.forward, drop_self=True)
    assert all(kind == KW for _, kind, _ in init), f"{info.module}.__init__ takes keywords only"
    assert [n for n, _, _ in forward[:tensors]] == [n for n, _, _ in params[:tensors]]
    # The module's hyper-parameters and extra forward arguments are the function's, defaults too.
    theirs = {n: d for n, _, d in params[tensors:]}
    ours = {n: d for n, _, d in init + forward[tensors:]}
    assert ours == theirs


def test_version_is_written_once():
    import pathlib
    root = pathlib.Path(__file__).resolve().parents[1]
    pyproject = (root / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject and 'attr = "lossbook.__version__"' in pyproject
    assert lb.__version__.count(".") == 2
