"""Every loss in lossbook in one table: family, PyTorch twin, chapter, when to use it.

The book's appendix renders :func:`catalog` directly, so it can never drift from the code.
:func:`example_inputs` draws valid arguments for any loss of the catalog, from the kinds its
row lists; the tests, the benchmarks and the type and precision checks over the whole catalog
all call the losses through it.
"""
from __future__ import annotations

from typing import List, Sequence, Tuple, Union

import torch

from . import classification, imbalance, margin, metric, ranking, regression, scale, sequence
from ._registry import LossInfo
from .checking import Arg, draw_inputs
from .mining import batch_all_miner

__all__ = ["LossInfo", "catalog", "catalog_markdown", "example_inputs"]

_MODULES = (regression, classification, imbalance, metric, ranking, margin, sequence, scale)


def catalog() -> List[LossInfo]:
    """Every loss lossbook implements, family by family, in the order the book meets them."""
    return [info for module in _MODULES for info in module.CATALOG]


def catalog_markdown(*, links: bool = False) -> str:
    """The catalog as a Markdown table (for ``IPython.display.Markdown``).

    With ``links=True`` the chapter column holds MyST ``{doc}`` links, for the book.
    """
    rows = ["| loss | module | family | PyTorch twin | chapter | use it when |",
            "|---|---|---|---|---|---|"]
    for info in catalog():
        twin = f"`{info.pytorch}`" if info.pytorch else "none"
        chapter = f"{{doc}}`/{info.chapter}`" if links else info.chapter
        rows.append(f"| `lb.{info.name}` | `lb.{info.module}` | {info.family} | {twin} | {chapter} "
                    f"| {info.use_when} |")
    return "\n".join(rows)


# Keyword arguments the examples pass: kl_div's default 'mean' warns (it is not the KL divergence).
_EXAMPLE_KWARGS = {"kl_div": {"reduction": "batchmean"}}


def _info(loss: Union[str, LossInfo]) -> LossInfo:
    if isinstance(loss, LossInfo):
        return loss
    for info in catalog():
        if info.name == loss or info.module == loss:
            return info
    raise ValueError(f"example_inputs: `loss` must name a loss of the catalog, got {loss!r}")


def example_inputs(loss: Union[str, LossInfo], shape: Sequence[int] = (8, 4), *,
                   dtype: torch.dtype = torch.float64, device=None, seed: int = 0) -> Tuple[list, dict]:
    """Valid random arguments for a loss of the catalog: ``(args, kwargs)``, so that
    ``getattr(lb, name)(*args, **kwargs)`` runs.

    ``shape`` is (N, D): N examples (a batch of N embeddings, N lists, N rows of logits over D
    classes) of D features. Tensors are drawn on the CPU from a generator seeded with ``seed``,
    then moved to ``device``; those a loss differentiates require grad. Kinds beyond those of
    :mod:`lossbook.checking`: "labels" (N class ids, every class twice, so that every anchor has
    a positive and negatives), "triplets" (every valid triplet of those labels, from
    :func:`lossbook.batch_all_miner`), "relevance" (graded labels 0 to 3), "sign_rows",
    "binary_rows" and "target_rows" (one +-1, 0/1 or real target per row), "prior" (D positive
    class frequencies, not differentiated).
    """
    info = _info(loss)
    n, d = int(shape[0]), int(shape[1])
    device = torch.device(device or "cpu")
    labels = (torch.arange(n) % max(n // 2, 1)).to(device)
    g = torch.Generator().manual_seed(seed + 1)
    args = []
    for i, kind in enumerate(info.inputs):
        if kind == "labels":
            args.append(labels)
        elif kind == "triplets":
            args.append(batch_all_miner(args[0].detach(), labels))
        elif kind == "relevance":
            args.append(torch.randint(0, 4, (n, d), generator=g).to(dtype=dtype, device=device))
        else:
            arg = {"sign_rows": Arg("sign", shape=(n,)), "binary_rows": Arg("binary", shape=(n,)),
                   "target_rows": Arg("target", shape=(n,)),
                   "prior": Arg("positive", shape=(d,), grad=False)}.get(kind, kind)
            args.extend(draw_inputs([arg], (n, d), seed=seed + i, dtype=dtype, device=device))
    return args, dict(_EXAMPLE_KWARGS.get(info.name, {}))
