"""The catalog lists every loss, and everything it says about a loss is true."""
import inspect
import pathlib

import torch.nn as nn
import torch.nn.functional as F

import lossbook as lb
from lossbook import _catalog_module as catalog_module

ROOT = pathlib.Path(__file__).resolve().parents[1]
# A family is a loss module; a row's family is the name of the module that defines the loss.
FAMILIES = {module.__name__.rsplit(".", 1)[1]: module for module in catalog_module._MODULES}


def is_loss(name: str) -> bool:
    """A public function is a loss if its name says so, or if it is a torch.nn.functional twin
    (cross_entropy, kl_div ...); softmax and log_softmax are building blocks."""
    return name.endswith("_loss") or (hasattr(F, name) and name not in ("softmax", "log_softmax"))


def test_catalog_lists_every_loss_function_of_every_family():
    listed = {info.name for info in lb.catalog()}
    for module in FAMILIES.values():
        functions = {name for name in module.__all__ if inspect.isfunction(getattr(module, name)) and is_loss(name)}
        assert functions <= listed, f"{module.__name__}: losses missing from CATALOG: {functions - listed}"


def test_catalog_rows_are_true():
    names = [info.name for info in lb.catalog()]
    assert len(names) == len(set(names)), "a loss is listed twice"
    for info in lb.catalog():
        assert info.family in FAMILIES
        assert getattr(FAMILIES[info.family], info.name) is getattr(lb, info.name)
        module_cls = getattr(lb, info.module)
        assert issubclass(module_cls, nn.Module), f"{info.module} is not an nn.Module"
        assert (ROOT / f"{info.chapter}.ipynb").exists(), f"{info.name}: no chapter {info.chapter}"
        assert info.use_when and not info.use_when.endswith(".")
        if info.pytorch is not None:
            assert info.pytorch.startswith("torch.nn.functional.")
            assert info.pytorch.rsplit(".", 1)[1] == info.name, "a twin keeps PyTorch's name"
            assert callable(getattr(F, info.name))


def test_catalog_markdown_has_one_row_per_loss_with_optional_links():
    plain = lb.catalog_markdown().splitlines()
    linked = lb.catalog_markdown(links=True)
    assert len(plain) == 2 + len(lb.catalog())
    assert "{doc}`/chapters/regression-losses`" in linked
    assert "{doc}" not in "\n".join(plain)
    assert "| `lb.cross_entropy` | `lb.CrossEntropyLoss` | classification | `torch.nn.functional.cross_entropy` |" in linked
