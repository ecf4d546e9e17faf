"""The record each loss module keeps about its losses, gathered by :mod:`lossbook.catalog`."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple


@dataclass(frozen=True)
class LossInfo:
    """One row of the catalog.

    name      -- the function's name in lossbook (``"mse_loss"``)
    module    -- its ``nn.Module`` twin's name in lossbook (``"MSELoss"``)
    family    -- "regression", "classification", "imbalance", "metric", "ranking", or the family
                 of a newer module ("margin", "sequence", "scale")
    (what the loss takes as input and target is in :data:`lossbook.catalog.CONVENTIONS`)
    pytorch   -- the PyTorch function it equals (``"torch.nn.functional.mse_loss"``), or None
    chapter   -- the book page that derives it (``"chapters/regression-losses"``)
    use_when  -- one line: when to reach for it
    inputs    -- the kind of each positional tensor argument, for :func:`lossbook.example_inputs`
                 (the kinds of :mod:`lossbook.checking`, and "labels", "triplets", "relevance",
                 "sign_rows", "binary_rows"; see :mod:`lossbook.catalog`)
    """

    name: str
    module: str
    family: str
    pytorch: Optional[str]
    chapter: str
    use_when: str
    inputs: Tuple[str, ...] = ()
