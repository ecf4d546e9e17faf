"""Devices and reproducibility: the three helpers every chapter starts with; and a memory meter.

The book promises the same printed numbers on a laptop CPU and on a GPU. Two
habits make that true, and these helpers make them easy:

* random numbers are drawn on the CPU from a seeded ``torch.Generator`` and
  only then moved to the device (GPU random streams differ from the CPU's);
* the device is chosen once, by :func:`get_device`.

:func:`peak_memory` measures how much tensor memory a loss needs, forward and backward, on
any device (the benchmarks use it to show which losses grow like B² and which like B³).
"""
from __future__ import annotations

import os
import random
import weakref
from typing import Callable, Optional, Sequence, Union

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves

__all__ = ["get_device", "seed_everything", "make_generator", "randn", "rand", "randint", "peak_memory"]

Device = Union[str, torch.device, None]


def get_device(prefer: Device = None) -> torch.device:
    """The device to compute on: ``prefer`` if given, else ``$LOSSBOOK_DEVICE``, else CUDA if
    available, else the CPU.

    Set ``LOSSBOOK_DEVICE=cpu`` to run the notebooks on the CPU of a GPU machine.
    """
    choice = prefer if prefer is not None else os.environ.get("LOSSBOOK_DEVICE")
    if choice is not None:
        device = torch.device(choice)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"get_device: `prefer` must name an available device, got {device} "
                             "but torch.cuda.is_available() is False")
        return device
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def seed_everything(seed: int = 0, *, deterministic: bool = False) -> torch.Generator:
    """Seed Python's ``random``, NumPy (when it is installed) and PyTorch (CPU and every GPU),
    and return a CPU ``torch.Generator`` seeded with ``seed`` for the chapter's own data.

    ``deterministic=True`` also asks PyTorch for deterministic kernels (slower on a GPU).
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed_everything: `seed` must be an int, got {type(seed).__name__}")
    random.seed(seed)
    try:  # lossbook itself needs only torch; the book's stack brings NumPy
        import numpy as np
    except ImportError:
        pass
    else:
        np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device
    if deterministic:
        torch.use_deterministic_algorithms(True)
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    return make_generator(seed)


def make_generator(seed: int = 0) -> torch.Generator:
    """A CPU random-number generator with its own seed, independent of the global one."""
    return torch.Generator(device="cpu").manual_seed(seed)


def _size(size: Sequence) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list, torch.Size)):
        return tuple(size[0])
    return tuple(size)


def randn(*size, generator: Optional[torch.Generator] = None, device: Device = None,
          dtype: torch.dtype = torch.float32, requires_grad: bool = False) -> torch.Tensor:
    """Standard-normal tensor drawn on the CPU with ``generator``, then moved to ``device``.

    ``randn(3, 5, generator=g)`` gives the same numbers on every machine for the same seed.
    """
    x = torch.randn(_size(size), generator=generator, dtype=dtype).to(device or "cpu")
    return x.requires_grad_(requires_grad)


def rand(*size, generator: Optional[torch.Generator] = None, device: Device = None,
         dtype: torch.dtype = torch.float32, requires_grad: bool = False) -> torch.Tensor:
    """Uniform [0, 1) tensor drawn on the CPU with ``generator``, then moved to ``device``."""
    x = torch.rand(_size(size), generator=generator, dtype=dtype).to(device or "cpu")
    return x.requires_grad_(requires_grad)


def randint(low: int, high: int, size: Sequence[int], *, generator: Optional[torch.Generator] = None,
            device: Device = None) -> torch.Tensor:
    """Integers in [low, high) (``torch.long``) drawn on the CPU with ``generator``, then moved."""
    return torch.randint(low, high, tuple(size), generator=generator).to(device or "cpu")


class _StorageMeter(TorchDispatchMode):
    """Counts the bytes of the storages that operators create, and when they are freed."""

    def __init__(self) -> None:
        super().__init__()
        self.live = self.peak = 0
        self.storages: dict = {}  # data pointer -> [tensors alive on it, bytes]

    def _release(self, key: int) -> None:
        entry = self.storages[key]
        entry[0] -= 1
        if entry[0] == 0:
            self.live -= entry[1]
            del self.storages[key]

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in tree_leaves(out):
            if isinstance(t, torch.Tensor) and not t.is_meta:
                storage = t.untyped_storage()
                key = storage.data_ptr()
                if not key:
                    continue
                if key in self.storages:
                    self.storages[key][0] += 1
                else:
                    self.storages[key] = [1, storage.nbytes()]
                    self.live += storage.nbytes()
                    self.peak = max(self.peak, self.live)
                weakref.finalize(t, self._release, key)
        return out


def peak_memory(fn: Callable[[], object]) -> int:
    """The peak number of bytes of tensor memory that PyTorch operators hold while ``fn()``
    runs (call the loss and its ``backward`` inside ``fn``), above what existed before.

    It watches every operator through a ``TorchDispatchMode`` and frees a storage's bytes when
    its last tensor dies, so it works on the CPU as on a GPU, where it agrees with
    ``torch.cuda.max_memory_allocated`` up to the allocator's rounding. Memory that operators
    allocate and free internally (workspaces) is not seen.
    """
    meter = _StorageMeter()
    with meter:
        fn()
    return meter.peak
