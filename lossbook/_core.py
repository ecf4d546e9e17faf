"""What every loss does after its checks: reductions, and mixed precision as PyTorch does it.

**Reductions.** 'none' keeps the per-element losses, 'sum' adds them, 'mean' divides the sum by
their number, so the 'mean' of an empty batch is NaN (0 / 0) and its 'sum' is 0, as for every
PyTorch loss.

**Autocast.** Under ``torch.autocast``, PyTorch runs its losses in float32: their float16 and
bfloat16 (and float32) arguments are cast to float32 before the loss is computed, float64 ones
are left alone, and the loss comes back in float32 (``F.cross_entropy`` of bfloat16 logits
under CPU autocast is float32). :func:`autocast_float32` does the same for lossbook's losses,
the twins and the others alike. Matrix products inside a loss (distance and similarity
matrices) run under :func:`no_autocast`, so that autocast does not send them back to 16 bits.

**Mixed dtypes** outside autocast promote, as PyTorch's operators do: ``mse_loss`` of a
bfloat16 input and a float32 target is float32. The few twins whose PyTorch kernel does
something else say so in their docstring.
"""
from __future__ import annotations

import contextlib
from typing import Optional

import torch


def reduce(loss: torch.Tensor, reduction: str) -> torch.Tensor:
    """Apply 'none' / 'sum' / 'mean' to per-element losses ('mean' of nothing is NaN)."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.mean()


def _autocast_on(device_type: str) -> bool:
    return torch.amp.is_autocast_available(device_type) and torch.is_autocast_enabled(device_type)


def autocast_float32(*tensors: Optional[torch.Tensor]) -> tuple:
    """The tensors as a PyTorch loss sees them under autocast: floating tensors other than
    float64 cast to float32 when autocast is on for their device, unchanged otherwise
    (and always unchanged when autocast is off). ``None`` and integer tensors pass through."""
    first = next((t for t in tensors if isinstance(t, torch.Tensor)), None)
    if first is None or not _autocast_on(first.device.type):
        return tensors
    return tuple(t.float() if isinstance(t, torch.Tensor) and t.is_floating_point()
                 and t.dtype != torch.float64 else t for t in tensors)


def no_autocast(x: torch.Tensor):
    """A context in which autocast is off for ``x``'s device (a no-op when it is off already)."""
    if _autocast_on(x.device.type):
        return torch.autocast(x.device.type, enabled=False)
    return contextlib.nullcontext()
