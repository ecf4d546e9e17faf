"""Calibration: how far predicted probabilities are from the frequencies they claim, and
temperature scaling, the fix.

Derived in chapters/decisions-and-calibration.
"""
from __future__ import annotations

__all__: list = []
