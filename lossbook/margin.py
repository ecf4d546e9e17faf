"""Margin losses on scores: soft margin, multi-class and multi-label margins, and the triplet
margin loss with any distance. Exact twins of their ``torch.nn.functional`` namesakes.

Derived in chapters/loss-catalog (the losses) and used in chapters/metric-learning (the triplet
margin with a distance).
"""
from __future__ import annotations

from ._registry import LossInfo

__all__: list = []

CATALOG: tuple[LossInfo, ...] = ()
