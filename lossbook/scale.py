"""Losses at scale: the z-loss for logit drift, and losses across processes (an autograd-aware
all-gather, and a launcher that runs a function on several CPU processes with gloo).

Derived in chapters/losses-at-scale.
"""
from __future__ import annotations

from ._registry import LossInfo

__all__: list = []

CATALOG: tuple[LossInfo, ...] = ()
