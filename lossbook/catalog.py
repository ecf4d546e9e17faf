"""Every loss in lossbook in one table: family, PyTorch twin, chapter, when to use it.

The book's appendix renders :func:`catalog` directly, so it can never drift from the code.
"""
from __future__ import annotations

from typing import List

from . import classification, imbalance, metric, ranking, regression
from ._registry import LossInfo

__all__ = ["LossInfo", "catalog", "catalog_markdown"]

_MODULES = (regression, classification, imbalance, metric, ranking)


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
