"""Losses at scale: the z-loss against logit drift, and losses computed across processes.

Derived in chapters/losses-at-scale:

* :func:`z_loss` -- PaLM's auxiliary loss :math:`\\lambda \\log^2 Z`, which keeps the
  log-partition function of softmax logits near 0 (and an ``nn.Module`` twin, :class:`ZLoss`);
* :func:`all_gather_with_grad` -- gather a tensor from every process of a
  ``torch.distributed`` group into one, with a backward that sends each process the gradient
  of *every* process's loss with respect to its rows (plain ``dist.all_gather`` has none);
* :func:`run_distributed` -- run a function in several CPU processes joined in a
  ``torch.distributed`` group (gloo), from a script or a notebook, and return what each
  returned.

The chunked cross-entropy of a large vocabulary is :func:`lossbook.linear_cross_entropy`
(in :mod:`lossbook.classification`, the twin of ``F.linear_cross_entropy``).
"""
from __future__ import annotations

import datetime
import io
import math
import multiprocessing
import queue as queue_module
import sys
import time
import traceback
import warnings
from typing import Any, Callable, List, Optional, Sequence

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.utils._pytree import tree_map

from ._core import autocast_float32, reduce
from ._registry import LossInfo
from ._validation import check_class_input, check_int, check_reduction, check_scalar, check_tensor, class_dim, fail

__all__ = ["z_loss", "ZLoss", "all_gather_with_grad", "run_distributed"]


# --------------------------------------------------------------------------- z-loss

def z_loss(input: torch.Tensor, *, weight: float = 1e-4, reduction: str = "mean") -> torch.Tensor:
    r"""PaLM's z-loss: :math:`\lambda \log^2 Z` per example, with :math:`Z = \sum_c e^{z_c}`.

    .. math:: \ell_i = \lambda \Bigl(\log \sum_{c=1}^{C} e^{z_{ic}}\Bigr)^2, \qquad
              \frac{\partial \ell_i}{\partial z_{ic}} = 2 \lambda \log Z_i \; p_{ic}

    Softmax cross-entropy does not change when a constant is added to every logit of a row, so
    nothing in it stops the logits (and :math:`\log Z`) from drifting as training goes on, far
    from 0 where low-precision numbers are coarse. Added to the loss, the z-loss pulls
    :math:`\log Z` towards 0, the logits towards log-probabilities (a common shift of a row,
    which the softmax does not see). Chowdhery et al. (2022) use :math:`\lambda = 10^{-4}`
    (``weight``, the default) and found that it increases the stability of training.

    Shapes: ``input`` logits (C,), (N, C) or (N, C, d1, ..., dK), classes on dimension 1
    (dimension 0 when unbatched), as for :func:`lossbook.cross_entropy`. 'none' returns the
    input's shape without the class dimension; 'mean' averages over those entries, 'sum'
    adds them (mask padded positions with 'none'). ``weight`` finite and >= 0. Under autocast it computes
    in float32, as PyTorch's losses do.

    Derived in chapters/losses-at-scale.
    """
    fn = "z_loss"
    check_class_input(input, fn)
    check_scalar(weight, "weight", fn, low=0.0, high=math.inf, high_open=True)
    check_reduction(reduction, fn)
    (input,) = autocast_float32(input)
    log_z = torch.logsumexp(input, dim=class_dim(input))
    return reduce(weight * log_z.square(), reduction)


class ZLoss(nn.Module):
    """Module twin of :func:`z_loss`; ``forward(input)``."""

    def __init__(self, *, weight: float = 1e-4, reduction: str = "mean") -> None:
        super().__init__()
        check_scalar(weight, "weight", "ZLoss", low=0.0, high=math.inf, high_open=True)
        check_reduction(reduction, "ZLoss")
        self.weight, self.reduction = weight, reduction

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return z_loss(input, weight=self.weight, reduction=self.reduction)


# --------------------------------------------------------------------------- gather with gradient

class _AllGather(torch.autograd.Function):
    """Rows of every rank, concatenated; backward: the summed gradient of this rank's rows."""

    @staticmethod
    def forward(ctx, tensor, group):
        world = dist.get_world_size(group)
        rank = dist.get_rank(group)
        # The ranks may hold different numbers of rows: share the counts, pad to the largest.
        count = torch.tensor([tensor.shape[0]], dtype=torch.long, device=tensor.device)
        counts = [torch.zeros_like(count) for _ in range(world)]
        dist.all_gather(counts, count, group=group)
        counts = [int(c) for c in counts]
        padded = tensor.new_zeros((max(counts), *tensor.shape[1:]))
        padded[: tensor.shape[0]] = tensor
        parts = [torch.empty_like(padded) for _ in range(world)]
        dist.all_gather(parts, padded.contiguous(), group=group)
        ctx.group, ctx.counts, ctx.rank = group, counts, rank
        return torch.cat([part[:n] for part, n in zip(parts, counts)])

    @staticmethod
    def backward(ctx, grad):
        # Rank s holds d L_s / d(all rows); the sum over s is the gradient of sum_s L_s, and each
        # rank keeps the rows it contributed. (An all-reduce, as gloo has no reduce-scatter.)
        grad = grad.contiguous().clone()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM, group=ctx.group)
        start = sum(ctx.counts[: ctx.rank])
        return grad[start: start + ctx.counts[ctx.rank]], None


def all_gather_with_grad(tensor: torch.Tensor, *, group: Optional[Any] = None) -> torch.Tensor:
    r"""The rows of ``tensor`` from every process of ``group``, concatenated in rank order,
    differentiable: each process gets back the gradient that **every** process's loss sends to
    its rows.

    ``torch.distributed.all_gather`` returns tensors without a gradient, so a loss computed on
    them (InfoNCE whose negatives come from every process, batch-hard mining over the global
    batch) sends no gradient to the other processes' rows. Here rank :math:`r` computes its
    loss :math:`L_r` on the gathered rows, and backward all-reduces (sums) the gradients of the
    gathered tensor, so that rank :math:`r`'s rows receive
    :math:`\sum_s \partial L_s / \partial e_r`: the gradient of :math:`\sum_s L_s`.
    Data parallelism (``DistributedDataParallel``) then divides by the number of processes, so
    training minimises the mean of the :math:`L_s`.

    Shapes: ``tensor`` (n_r, ...), where the number of rows n_r may differ between processes
    (they are padded to the largest for the transfer); the other dimensions must agree.
    Returns (sum of n_r, ...). Without an initialised process group it returns ``tensor``
    itself (a world of one process), so the same code runs in one process. Like
    ``torch.distributed.nn.functional.all_gather``, but with unequal row counts, and a backward
    that needs only an all-reduce (which gloo has). Every process must call it, in the same
    order. Derived in chapters/losses-at-scale.
    """
    fn = "all_gather_with_grad"
    check_tensor(tensor, "tensor", fn)
    if tensor.dim() == 0:
        fail(ValueError, fn, "tensor", "a tensor with a dimension of rows, (n, ...)", "a scalar")
    if not (dist.is_available() and dist.is_initialized()):
        return tensor
    return _AllGather.apply(tensor, group)


# --------------------------------------------------------------------------- a launcher

def _detached(result: Any) -> Any:
    return tree_map(lambda x: x.detach().cpu() if isinstance(x, torch.Tensor) else x, result)


def _worker(rank: int, world_size: int, port: int, backend: str, timeout: float, fn: Callable,
            args: tuple, results) -> None:
    """One process: join the group through the parent's store, run fn, send back its result."""
    torch.set_num_threads(1)  # world_size processes share the cores, as in a DataLoader worker
    joined = False
    try:
        delta = datetime.timedelta(seconds=timeout)
        store = dist.TCPStore("127.0.0.1", port, None, False, timeout=delta)
        dist.init_process_group(backend, store=store, rank=rank, world_size=world_size, timeout=delta)
        joined = True
        buffer = io.BytesIO()
        torch.save(_detached(fn(rank, world_size, *args)), buffer)
        message = (rank, True, buffer.getvalue())
    except BaseException:  # noqa: BLE001 -- every failure goes back to the parent, with its traceback
        # The time it raised, before leaving the group makes the other ranks fail in turn.
        message = (rank, False, (time.time(), traceback.format_exc()))
    if joined:
        try:
            dist.destroy_process_group()
        except Exception:  # noqa: BLE001 -- leaving a broken group may fail; the result stands
            pass
    results.put(message)


def _default_start_method() -> str:
    # fork starts in milliseconds and runs functions defined in a notebook; spawn (macOS,
    # Windows) starts a fresh interpreter, which imports torch and can only run functions
    # importable from a module.
    return "fork" if sys.platform.startswith("linux") else "spawn"


def _stop(processes: Sequence, grace: float) -> None:
    """Join the started processes, waiting up to ``grace`` seconds for each; then terminate,
    and at last kill, those still alive."""
    started = [p for p in processes if p.pid is not None]
    for p in started:
        p.join(grace)
    for p in started:
        if p.is_alive():
            p.terminate()
            p.join(5)
        if p.is_alive():
            p.kill()
            p.join(5)


def run_distributed(fn: Callable, *, world_size: int = 2, args: tuple = (), backend: str = "gloo",
                    timeout: float = 60.0, start_method: Optional[str] = None) -> List[Any]:
    r"""Run ``fn(rank, world_size, *args)`` in ``world_size`` new processes joined in one
    ``torch.distributed`` process group, and return their results as a list, rank by rank.

    Each process joins the group (``backend``, gloo by default: CPU tensors) through a
    ``TCPStore`` that this process hosts on a free port chosen by the operating system, runs
    ``fn`` with one thread, and sends back its result (tensors detached and moved to the CPU;
    anything ``torch.save`` can write). It is how the book runs data-parallel code on one
    machine, from a notebook: ``torchrun`` would need a script.

    ``start_method``: "fork" (the default on Linux: fast, and ``fn`` may be defined in a
    notebook) or "spawn" (the default elsewhere: ``fn`` and ``args`` must be importable and
    picklable, so ``fn`` must live in a module, not in a notebook); see :mod:`multiprocessing`.
    Under fork, the processes must not touch a GPU that this process has initialised.

    Robust by construction: ``timeout`` (seconds) bounds the whole run and every collective in
    the processes; if a process raises, the others are stopped and a ``RuntimeError`` carries
    its traceback; if one dies without a word (killed, or ``fn`` not importable under spawn),
    a ``RuntimeError`` gives its exit code; past the timeout, a ``TimeoutError`` names the
    ranks still running. The processes are always stopped and joined before it returns.

    Derived in chapters/losses-at-scale.
    """
    name = "run_distributed"
    if not callable(fn):
        fail(TypeError, name, "fn", "a callable fn(rank, world_size, *args)", type(fn).__name__)
    check_int(world_size, "world_size", name, low=1)
    if not isinstance(args, tuple):
        fail(TypeError, name, "args", "a tuple of arguments", type(args).__name__)
    check_scalar(timeout, "timeout", name, low=0.0, low_open=True)
    if not dist.is_available():
        fail(RuntimeError, name, "torch.distributed", "available in this build of PyTorch", "unavailable")
    method = _default_start_method() if start_method is None else start_method
    methods = tuple(multiprocessing.get_all_start_methods())
    if method not in methods:
        fail(ValueError, name, "start_method", f"None or one of {methods}", repr(start_method))

    ctx = multiprocessing.get_context(method)
    delta = datetime.timedelta(seconds=timeout)
    store = dist.TCPStore("127.0.0.1", 0, None, True, timeout=delta, wait_for_workers=False)
    results = ctx.Queue()
    processes = [ctx.Process(target=_worker, daemon=True, name=f"lossbook-rank-{rank}",
                             args=(rank, world_size, store.port, backend, timeout, fn, args, results))
                 for rank in range(world_size)]
    received: dict = {}
    failures: dict = {}  # rank -> (when it raised, its traceback)
    try:
        with warnings.catch_warnings():
            # Python 3.12+ warns that forking a process with threads (a Jupyter kernel has
            # several) may deadlock; the child runs only fn and torch.distributed.
            warnings.simplefilter("ignore", DeprecationWarning)
            for p in processes:
                p.start()
        deadline = time.monotonic() + timeout
        settle = math.inf  # after a first failure, how long to wait for the other ranks' reports
        while len(received) + len(failures) < world_size and time.monotonic() < settle:
            try:
                rank, ok, payload = results.get(timeout=0.05)
            except queue_module.Empty:
                silent = [(r, p.exitcode) for r, p in enumerate(processes)
                          if r not in received and r not in failures and p.exitcode is not None]
                if silent and not failures:
                    try:  # its message may still be on its way
                        rank, ok, payload = results.get(timeout=1.0)
                    except queue_module.Empty:
                        r, code = silent[0]
                        hint = (" (under start_method='spawn', fn must be importable from a module, "
                                "not defined in a notebook)" if method == "spawn" else "")
                        raise RuntimeError(f"{name}: rank {r} exited with code {code} without a "
                                           f"result{hint}") from None
                elif time.monotonic() > deadline:
                    if failures:
                        break
                    missing = [r for r in range(world_size) if r not in received]
                    raise TimeoutError(f"{name}: rank(s) {missing} still running after {timeout:g} s "
                                       "(a collective that not every rank calls?)") from None
                else:
                    continue
            if ok:
                received[rank] = torch.load(io.BytesIO(payload), weights_only=False)
            else:
                failures[rank] = payload
                settle = min(settle, time.monotonic() + 2.0)
        if failures:
            # The first rank to raise is the cause; the others usually fail because it left
            # (a collective whose peer closed the connection).
            first = min(failures, key=lambda r: failures[r][0])
            others = sorted(set(failures) - {first})
            after = f"\n(rank(s) {others} failed after it)" if others else ""
            raise RuntimeError(f"{name}: rank {first} raised an exception:\n{failures[first][1]}{after}")
    finally:
        _stop(processes, grace=5.0 if len(received) == world_size else 0.0)
        results.close()
        results.join_thread()
        del store
    return [received[rank] for rank in range(world_size)]


# --------------------------------------------------------------------------- catalog

CATALOG: tuple[LossInfo, ...] = (
    LossInfo("z_loss", "ZLoss", "scale", None, "chapters/losses-at-scale",
             "added to cross-entropy, it keeps log Z near 0 against logit drift (large vocabularies, "
             "low precision)", inputs=("logits",)),
)
