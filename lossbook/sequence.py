"""Sequence losses: the connectionist temporal classification (CTC) loss, an exact twin of
``torch.nn.functional.ctc_loss``, and greedy and best-path decoding.

Derived in chapters/sequence-losses.
"""
from __future__ import annotations

from ._registry import LossInfo

__all__: list = []

CATALOG: tuple[LossInfo, ...] = ()
