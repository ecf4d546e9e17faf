"""Timing and memory for the benchmarks: alternating blocks, medians, Markdown.

Each measured variant is a ``step`` (one forward and backward); the variants are timed in
alternating blocks (A, B, C, A, B, C, ...) of about ``block`` seconds each, so that a change in
the machine's load hits them alike, and a ratio is taken block by block before the median.

On a CPU with one thread (``--threads 1``, as ``make benchmark`` runs) the clock is the
process's CPU time, not the wall clock: on a machine shared with other work, time spent waiting
for a core is then not counted. Otherwise (several threads, a GPU) it is the wall clock.
"""
from __future__ import annotations

import math
import statistics
import time
from typing import Callable, Dict, List, Sequence

import torch

import lossbook as lb


def stepper(fn: Callable, args: Sequence, kwargs: dict, device: torch.device) -> Callable[[], None]:
    """One forward and backward of ``fn(*args, **kwargs)``, gradients cleared first."""
    leaves = [a for a in args if isinstance(a, torch.Tensor) and a.requires_grad]

    def step():
        for a in leaves:
            a.grad = None
        out = fn(*args, **kwargs)
        if out.requires_grad:
            out.sum().backward()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
    return step


def clock() -> Callable[[], float]:
    """CPU time of the process with one CPU thread and no GPU, else the wall clock."""
    if torch.get_num_threads() == 1 and not torch.cuda.is_available():
        return time.process_time
    return time.perf_counter


def _block(step: Callable[[], None], number: int, validation: bool) -> float:
    lb.set_validation(validation)
    now = clock()
    try:
        t0 = now()
        for _ in range(number):
            step()
        return (now() - t0) / number
    finally:
        lb.set_validation(True)


def time_variants(variants: Dict[str, tuple], repeat: int, *, warmup: int = 3,
                  block: float = 2e-3) -> Dict[str, List[float]]:
    """``variants``: name -> (step, validation flag). Returns name -> seconds per call, one
    entry per block; the first variant sets the block length."""
    for step, validation in variants.values():
        _block(step, warmup, validation)
    first_step, first_validation = next(iter(variants.values()))
    number = max(1, round(block / max(_block(first_step, 3, first_validation), 1e-7)))
    times: Dict[str, List[float]] = {name: [] for name in variants}
    for _ in range(repeat):
        for name, (step, validation) in variants.items():
            times[name].append(_block(step, number, validation))
    return times


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs)


def median_ratio(a: Sequence[float], b: Sequence[float]) -> float:
    return statistics.median(x / y for x, y in zip(a, b))


def peak_bytes(step: Callable[[], None], validation: bool = True) -> int:
    lb.set_validation(validation)
    try:
        return lb.peak_memory(step)
    finally:
        lb.set_validation(True)


def growth(values: Sequence[float], sizes: Sequence[float]) -> str:
    """The exponent k of size**k between the last two sizes (2 means quadratic)."""
    if len(values) < 2 or not (values[-2] > 0 and values[-1] > 0):
        return "-"
    return f"{math.log(values[-1] / values[-2]) / math.log(sizes[-1] / sizes[-2]):.1f}"


def fmt_us(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f}"


def fmt_mb(nbytes: float) -> str:
    return f"{nbytes / 2**20:,.2f}"


def header(title: str, device: torch.device, repeat: int) -> str:
    threads = torch.get_num_threads() if device.type == "cpu" else "-"
    what = "CPU time" if clock() is time.process_time else "wall time"
    return (f"### {title}\n\ntorch {torch.__version__}, lossbook {lb.__version__}, {device.type}, "
            f"{threads} CPU thread(s), float32, forward + backward, {what}, median of {repeat} blocks\n")
