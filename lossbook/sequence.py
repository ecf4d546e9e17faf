"""Sequence losses: the connectionist temporal classification (CTC) loss, an exact twin of
``torch.nn.functional.ctc_loss``, and greedy (best-path) decoding.

CTC scores a label sequence :math:`y = (y_1, \\dots, y_S)` against T frames of log-probabilities
over C classes, one of them the *blank*, without an alignment: it sums the probabilities of
every alignment :math:`\\mathbf{u}` (one class per frame) that the collapse map (merge repeated
labels, then drop blanks) turns into :math:`y`,

.. math:: \\ell = -\\log \\sum_{\\mathbf{u} \\in \\mathcal{A}(y, T)}\\ \\prod_{t=1}^{T} p_{t,u_t},

computed by the forward recursion over the *extended* sequence
:math:`y' = (\\varnothing, y_1, \\varnothing, y_2, \\dots, y_S, \\varnothing)` of length 2S + 1, in log
space. :func:`ctc_loss` runs it vectorised over the batch and over the 2S + 1 positions, with a
Python loop over time only, and lets autograd differentiate it.

Helpers: :func:`ctc_collapse` (the collapse map), :func:`ctc_best_path` (the most
probable frame-level path and its log-probability), :func:`ctc_greedy_decode` (the collapse of the
best path: best-path decoding), :func:`ctc_forward_variables` (the forward table of one sequence,
for the lattice figure), :func:`edit_distance` and :func:`label_error_rate`.

Derived in chapters/sequence-losses; Graves et al. (2006).
"""
from __future__ import annotations

import math
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn

from ._core import autocast_float32
from ._registry import LossInfo
from ._validation import (
    as_tensor,
    check_dims,
    check_flag,
    check_floating,
    check_int,
    check_integer,
    check_reduction,
    check_same_device,
    fail,
    is_validation_enabled,
)

__all__ = [
    "ctc_loss", "CTCLoss",
    "ctc_collapse", "ctc_best_path", "ctc_greedy_decode", "ctc_forward_variables",
    "edit_distance", "label_error_rate",
]

Lengths = Union[torch.Tensor, Sequence[int], int]


# --------------------------------------------------------------------------- the recursion

# "log 0": a finite stand-in for -inf inside the recursion. logsumexp of terms that are all -inf
# is -inf with a NaN gradient (exp(-inf - (-inf))), and every cell of the lattice that no path
# reaches is such a cell; with LOG_ZERO the value is the same (exp(LOG_ZERO - x) is exactly 0 next
# to any real log-probability) and the gradient is an exact 0. A total below LOG_ZERO / 2 means
# "no path": the loss is inf.
LOG_ZERO = -1e30


def _extended(targets: torch.Tensor, target_lengths: torch.Tensor, blank: int) -> tuple:
    """The extended label sequences y' (N, 2S + 1) (blank, y1, blank, ..., yS, blank), whether
    each position lies within 2 S_n + 1, and whether position s may be reached from s - 2 (a
    label different from the label two positions back: not a blank, not a repeat)."""
    n, s_max = targets.shape
    length = 2 * s_max + 1
    pos = torch.arange(length, device=targets.device)
    label_pos = ((pos - 1) // 2).clamp(0, max(s_max - 1, 0))
    is_label = (pos % 2 == 1).expand(n, length)
    inside = pos < (2 * target_lengths + 1).unsqueeze(1)
    labels = targets.gather(1, label_pos.expand(n, length)) if s_max else targets.new_zeros(n, length)
    ext = torch.where(is_label & inside, labels, blank)  # padding becomes blank: any value may pad
    previous = torch.cat([ext.new_full((n, 2), blank), ext[:, :-2]], 1)[:, :length]  # y'(s - 2)
    skip = is_label & (ext != previous)
    return ext, inside, skip


def _forward(lp_ext: torch.Tensor, skip: torch.Tensor, input_lengths: torch.Tensor,
             keep_all: bool = False):
    """The recursion in log space, batched over N and over the L = 2S + 1 positions; a loop over
    time only. ``lp_ext`` (T, N, L) holds each frame's log-probability of each extended label
    (clamped at LOG_ZERO), ``skip`` (N, L) where a position may be reached from two back.
    Returns the forward variables at each sequence's last frame (N, L), frozen once t reaches
    T_n, and with ``keep_all`` those of every frame (T, N, L)."""
    steps, n, length = lp_ext.shape
    pos = torch.arange(length, device=lp_ext.device)
    phi = torch.where(pos < 2, lp_ext[0], LOG_ZERO)  # (6): a path starts with a blank or with y1
    # No frame at all (T_n = 0): only the empty target has a path, of probability 1.
    phi = torch.where((input_lengths > 0).unsqueeze(1), phi, torch.where(pos == 0, 0.0, LOG_ZERO))
    # Each position s reads the window (s - 2, s - 1, s) of the previous frame; the first term is
    # allowed only where skip is, which adds LOG_ZERO elsewhere.
    allowed = torch.stack([torch.where(skip, 0.0, LOG_ZERO), torch.zeros_like(phi), torch.zeros_like(phi)], 2)
    start = lp_ext.new_full((n, 2), LOG_ZERO)
    active = (torch.arange(steps, device=lp_ext.device).unsqueeze(1) < input_lengths).unsqueeze(2)  # (T, N, 1)
    table = [phi]
    for t in range(1, steps):
        windows = torch.cat([start, phi], 1).unfold(1, 3, 1)  # (N, L, 3): phi(s - 2), phi(s - 1), phi(s)
        new = torch.logsumexp(windows + allowed, 2) + lp_ext[t]  # (7)
        phi = torch.where(active[t], new, phi)  # frozen after the sequence's last frame
        if keep_all:
            table.append(phi)
    return phi, (torch.stack(table) if keep_all else None)


class _NaNGradientWhereInfinite(torch.autograd.Function):
    """Identity; its backward turns the gradient of every infinite loss into NaN, which is what
    PyTorch's CTC returns for an impossible alignment (on every frame of that sequence)."""

    @staticmethod
    def forward(ctx, loss):
        ctx.save_for_backward(torch.isinf(loss))
        return loss.clone()

    @staticmethod
    def backward(ctx, grad):
        (infinite,) = ctx.saved_tensors
        return torch.where(infinite, math.nan, grad)


# --------------------------------------------------------------------------- the loss

def _lengths(value: Lengths, name: str, fn: str, device) -> torch.Tensor:
    t = as_tensor(value, name, fn, "lengths")
    check_integer(t, name, fn, "lengths")
    return t.to(device)


def ctc_loss(log_probs: torch.Tensor, targets: torch.Tensor, input_lengths: Lengths, target_lengths: Lengths,
             blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> torch.Tensor:
    r"""Connectionist temporal classification; equals ``F.ctc_loss``, values and gradients.

    With :math:`y'` the extended sequence (blanks around and between the S labels, length
    S' = 2S + 1) and :math:`\phi_t(s)` the log-probability of all alignment prefixes that end at
    position :math:`s` of :math:`y'` at frame :math:`t`:

    .. math::
        \phi_1(0) = \log p_{1,\varnothing}, \quad \phi_1(1) = \log p_{1,y_1}, \\
        \phi_t(s) = \log p_{t,y'_s} + \operatorname{logsumexp}\bigl(\phi_{t-1}(s),\ \phi_{t-1}(s-1),\
                      [\phi_{t-1}(s-2)\ \text{if}\ y'_s \ne \varnothing \text{ and } y'_s \ne y'_{s-2}]\bigr), \\
        \ell_n = -\operatorname{logsumexp}\bigl(\phi_{T_n}(S'_n - 1),\ \phi_{T_n}(S'_n - 2)\bigr)

    The skip from :math:`s-2` is the rule that makes a blank obligatory between two equal
    labels: "aa" needs a blank frame between its two a's, so a target needs at least
    :math:`S + r` frames, with :math:`r` the number of adjacent repeats. Fewer frames leave no
    path: the loss is ``inf`` (0 with ``zero_infinity=True``, which also zeroes its gradient),
    as in PyTorch.

    **Gradient.** Autograd differentiates the recursion; the true gradient with respect to
    ``log_probs`` is minus the posterior occupation :math:`o_{t,c}` (the probability that
    frame t emits c, given the target). PyTorch returns :math:`p_{t,c} - o_{t,c}` instead, the
    gradient with respect to the *logits* under a ``log_softmax``; both give the same gradient
    to the logits through ``log_softmax`` (its backward removes anything constant over the
    classes). To be PyTorch's twin this function adds a term whose value is exactly 0,
    :math:`\sum_{t < T_n}\sum_c \bigl(p_{t,c} - \operatorname{sg}[p_{t,c}]\bigr)`, whose gradient is
    :math:`p_{t,c}`. An infinite loss has a NaN gradient on its frames, as in PyTorch. One
    deliberate difference: where a log-probability is -inf (a class of probability exactly 0),
    PyTorch's gradient is NaN (it computes -inf - (-inf)); this one's is 0, the limit.

    Shapes: ``log_probs`` (T, N, C) (or (T, C) unbatched): **time first**, the output of
    ``log_softmax(dim=2)``; ``targets`` padded (N, S) (what follows each target's length is
    ignored) or concatenated 1-D (sum of the target lengths), or (S,) unbatched (exactly the
    target length, as PyTorch requires);
    ``input_lengths`` and ``target_lengths`` (N,) integer tensors or sequences of ints (scalars
    unbatched). 'none' returns (N,); 'mean' divides each loss by its target length (at least 1)
    and then averages over the batch; 'sum' adds. Computed in float32 under autocast; float16
    and bfloat16 outside autocast raise, as PyTorch has no half-precision CTC kernel.

    Checks (value checks skipped while validation is off): ``blank`` in [0, C); lengths in
    range (0 <= T_n <= T, 0 <= S_n <= S; concatenated targets exactly as long as the sum of
    the target lengths), as in PyTorch; stricter than PyTorch, the target labels in [0, C) and
    never the blank (PyTorch reads out of bounds or accepts them), and ``log_probs`` normalised
    on every frame within its input length (logsumexp over the classes within 1e-3 of 0):
    raw logits, or a ``log_softmax`` over the wrong dimension, give PyTorch a meaningless,
    even negative, loss. An (N, T, C) tensor where (T, N, C) is expected is caught when the
    number of input lengths does not match dimension 1.

    With validation off, the padded length of concatenated targets is their total number
    (no value is read); with it on, the longest target length (one read).

    Derived in chapters/sequence-losses; Graves et al. (2006).
    """
    fn = "ctc_loss"
    check_floating(log_probs, "log_probs", fn, expected="a floating tensor of log-probabilities (T, N, C)")
    check_dims(log_probs, "log_probs", fn, (2, 3), "(T, N, C), time first (or (T, C) unbatched)")
    check_integer(targets, "targets", fn, "labels")
    check_same_device(fn, log_probs=log_probs, targets=targets)
    check_int(blank, "blank", fn)
    check_reduction(reduction, fn)
    check_flag(zero_infinity, "zero_infinity", fn)
    given_dtype = log_probs.dtype
    (log_probs,) = autocast_float32(log_probs)
    if log_probs.dtype not in (torch.float32, torch.float64):
        fail(TypeError, fn, "log_probs", "float32 or float64 (PyTorch's CTC has no half-precision kernel; "
             "under autocast it computes in float32)", f"dtype {log_probs.dtype}")
    batched = log_probs.dim() == 3
    device = log_probs.device
    input_lengths = _lengths(input_lengths, "input_lengths", fn, device)
    target_lengths = _lengths(target_lengths, "target_lengths", fn, device)
    if not batched:  # one sequence: its targets are "concatenated", exactly target_lengths long
        log_probs = log_probs.unsqueeze(1)
        check_dims(targets, "targets", fn, (1,), "(S,) for unbatched (T, C) log_probs")
        for name, t in (("input_lengths", input_lengths), ("target_lengths", target_lengths)):
            if t.numel() != 1:
                fail(ValueError, fn, name, "one length for unbatched (T, C) log_probs", f"shape {tuple(t.shape)}")
        input_lengths, target_lengths = input_lengths.reshape(1), target_lengths.reshape(1)
    steps, n, num_classes = log_probs.shape
    if steps == 0 or n == 0 or num_classes == 0:
        fail(ValueError, fn, "log_probs", "non-empty (T, N, C) (PyTorch refuses an empty batch too)",
             f"shape {tuple(log_probs.shape)}")
    for name, t in (("input_lengths", input_lengths), ("target_lengths", target_lengths)):
        if tuple(t.shape) != (n,):
            hint = ""
            if name == "input_lengths" and t.dim() == 1 and t.shape[0] == steps:
                hint = "; log_probs of shape (N, T, C)? CTC takes (T, N, C): use log_probs.transpose(0, 1)"
            fail(ValueError, fn, name, f"one length per sequence, shape ({n},) for log_probs of shape "
                 f"{tuple(log_probs.shape if batched else log_probs.shape[::2])} (T, N, C)",
                 f"shape {tuple(t.shape)}{hint}")
    if not 0 <= blank < num_classes:
        fail(ValueError, fn, "blank", f"a class index in [0, {num_classes - 1}]", blank)
    concatenated = targets.dim() == 1
    if not concatenated:
        check_dims(targets, "targets", fn, (2,), "(N, S) padded, or 1-D concatenated")
        if targets.shape[0] != n:
            fail(ValueError, fn, "targets", f"of shape (N, S) with N = {n}", f"shape {tuple(targets.shape)}")
    validate = is_validation_enabled()
    if validate:
        _check_values(log_probs, targets, input_lengths, target_lengths, blank, concatenated, given_dtype, fn)
    if concatenated:
        targets = _padded(targets, target_lengths, blank, validate)

    ext, inside, skip = _extended(targets, target_lengths, blank)
    lp_ext = log_probs.gather(2, ext.unsqueeze(0).expand(steps, -1, -1)).clamp_min(LOG_ZERO)  # (T, N, L)
    phi, _ = _forward(lp_ext, skip, input_lengths)
    last = (2 * target_lengths).unsqueeze(1)  # position 2 S_n of y', its final blank
    ends = phi.gather(1, torch.cat([last, (last - 1).clamp_min(0)], 1))
    ends = torch.where(torch.cat([torch.ones_like(last, dtype=torch.bool), last > 0], 1), ends, LOG_ZERO)
    total = torch.logsumexp(ends, 1)  # (8)
    nll = torch.where(total < LOG_ZERO / 2, math.inf, -total)
    # PyTorch's gradient: p - posterior (the logits' gradient under log_softmax), from a zero term.
    frames = (torch.arange(steps, device=device).unsqueeze(1) < input_lengths).unsqueeze(2)  # (T, N, 1)
    p = torch.where(frames, log_probs.exp(), 0)
    loss = nll + (p - p.detach()).sum((0, 2))
    if zero_infinity:
        loss = torch.where(torch.isinf(nll), 0, loss)
    else:
        loss = _NaNGradientWhereInfinite.apply(loss)
    if reduction == "none":
        return loss if batched else loss.squeeze(0)
    if reduction == "sum":
        return loss.sum()
    return (loss / target_lengths.clamp_min(1).to(loss.dtype)).mean()


def _check_values(log_probs, targets, input_lengths, target_lengths, blank, concatenated, given_dtype, fn):
    """The value checks of :func:`ctc_loss` (validation on). The normalisation tolerance is 1e-3,
    or what rounding each log-probability to ``given_dtype`` can cost (8 eps log(C + 1): the
    error of a sum of probabilities is at most the entropy, <= log C, times the relative
    rounding), for log-probabilities made in half precision and cast up by autocast."""
    steps, _, num_classes = log_probs.shape
    lo, hi = (v.item() for v in torch.aminmax(input_lengths))
    if lo < 0 or hi > steps:
        fail(ValueError, fn, "input_lengths", f"in [0, {steps}] (T, dimension 0 of log_probs)",
             f"values from {lo} to {hi}")
    lo, hi = (v.item() for v in torch.aminmax(target_lengths))
    if lo < 0:
        fail(ValueError, fn, "target_lengths", ">= 0", f"minimum {lo}")
    if concatenated:
        total = int(target_lengths.sum())
        if total != targets.numel():
            fail(ValueError, fn, "targets", f"as long as the sum of the target lengths ({total}) when "
                 "concatenated (1-D)", f"{targets.numel()} labels")
        used = targets
    else:
        if hi > targets.shape[1]:
            fail(ValueError, fn, "target_lengths", f"at most S = {targets.shape[1]} (dimension 1 of the padded "
                 "targets)", f"maximum {hi}")
        used = targets[torch.arange(targets.shape[1], device=targets.device) < target_lengths.unsqueeze(1)]
    if used.numel():
        bad = (used < 0) | (used >= num_classes) | (used == blank)
        if bool(bad.any()):
            fail(ValueError, fn, "targets", f"labels in [0, {num_classes - 1}] other than the blank ({blank}) "
                 "within each target length", f"{int(bad.sum())} that are not, the first "
                 f"{used[bad].reshape(-1)[0].item()}")
    frames = torch.arange(steps, device=log_probs.device).unsqueeze(1) < input_lengths  # (T, N)
    if bool(frames.any()):
        total = torch.logsumexp(log_probs.detach(), 2)[frames]
        worst = total.abs().max().item()
        tolerance = max(1e-3, 8 * torch.finfo(given_dtype).eps * math.log(num_classes + 1))
        if not worst <= tolerance:
            fail(ValueError, fn, "log_probs", "log-probabilities normalised over the classes on every frame "
                 "(logsumexp over dimension 2 equal to 0): apply log_softmax(dim=2) to the (T, N, C) logits",
                 f"a frame whose logsumexp is {worst:.4g} away from 0")


def _padded(targets: torch.Tensor, target_lengths: torch.Tensor, blank: int, read_max: bool) -> torch.Tensor:
    """Concatenated 1-D targets as (N, S) padded with the blank. S is the longest target (one
    read of a value) or, without validation, the total length (no read: a static shape)."""
    total = targets.shape[0]
    s_max = int(target_lengths.max()) if read_max and target_lengths.numel() else total
    offsets = torch.cumsum(target_lengths, 0) - target_lengths
    pos = torch.arange(s_max, device=targets.device)
    index = (offsets.unsqueeze(1) + pos).clamp(0, max(total - 1, 0))
    inside = pos < target_lengths.unsqueeze(1)
    picked = targets[index] if total else targets.new_zeros(index.shape)
    return torch.where(inside, picked, blank)


class CTCLoss(nn.Module):
    """Module twin of :func:`ctc_loss` (and of ``torch.nn.CTCLoss``)."""

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> None:
        super().__init__()
        check_int(blank, "blank", "CTCLoss", low=0)
        check_reduction(reduction, "CTCLoss")
        check_flag(zero_infinity, "zero_infinity", "CTCLoss")
        self.blank, self.reduction, self.zero_infinity = blank, reduction, zero_infinity

    def forward(self, log_probs: torch.Tensor, targets: torch.Tensor, input_lengths: torch.Tensor,
                target_lengths: torch.Tensor) -> torch.Tensor:
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction,
                        self.zero_infinity)


# --------------------------------------------------------------------------- decoding

def ctc_collapse(path: Union[torch.Tensor, Sequence[int]], blank: int = 0) -> List[int]:
    """The collapse map B of CTC: merge runs of repeated labels, then drop the blanks.

    ``ctc_collapse([0, 1, 1, 0, 1, 2, 2]) == [1, 1, 2]`` (the blank between the two 1's keeps them
    apart; the repeated 2 merges). ``path`` is a 1-D tensor or sequence of class indices.
    """
    values = path.tolist() if isinstance(path, torch.Tensor) else list(path)
    out, previous = [], None
    for v in values:
        if v != previous and v != blank:
            out.append(int(v))
        previous = v
    return out


def _decode_args(log_probs: torch.Tensor, input_lengths: Optional[Lengths], fn: str):
    check_floating(log_probs, "log_probs", fn, expected="a floating tensor of log-probabilities (T, N, C)")
    check_dims(log_probs, "log_probs", fn, (3,), "(T, N, C), time first")
    steps, n, _ = log_probs.shape
    if input_lengths is None:
        return torch.full((n,), steps, dtype=torch.long, device=log_probs.device)
    lengths = _lengths(input_lengths, "input_lengths", fn, log_probs.device)
    if tuple(lengths.shape) != (n,):
        fail(ValueError, fn, "input_lengths", f"one length per sequence, shape ({n},)", f"shape {tuple(lengths.shape)}")
    return lengths


def ctc_best_path(log_probs: torch.Tensor, input_lengths: Optional[Lengths] = None) -> tuple:
    """The most probable frame-level path of each sequence and its log-probability.

    Frames are independent given the input, so the best path takes the most probable class on
    every frame: returns ``(paths, log_prob)``, ``paths`` (T, N) long (frames beyond each input
    length set to -1) and ``log_prob`` (N,) the sum of the chosen log-probabilities over each
    sequence's frames. ``log_probs`` (T, N, C); ``input_lengths`` (N,) or None for all T.
    The best *path* is not the best *labelling* (which sums over all its paths): see
    chapters/sequence-losses.
    """
    lengths = _decode_args(log_probs, input_lengths, "ctc_best_path")
    best, paths = log_probs.detach().max(2)
    frames = torch.arange(log_probs.shape[0], device=log_probs.device).unsqueeze(1) < lengths
    return torch.where(frames, paths, -1), torch.where(frames, best, 0).sum(0)


def ctc_greedy_decode(log_probs: torch.Tensor, input_lengths: Optional[Lengths] = None, *,
                      blank: int = 0) -> List[List[int]]:
    """Best-path (greedy) decoding: the collapse of each sequence's most probable path, a list of
    N label lists. ``log_probs`` (T, N, C) (log-probabilities or logits: the argmax is the same);
    ``input_lengths`` (N,) or None for all T frames.
    """
    paths, _ = ctc_best_path(log_probs, input_lengths)
    check_int(blank, "blank", "ctc_greedy_decode", low=0)
    return [ctc_collapse([v for v in column if v >= 0], blank) for column in paths.T.tolist()]


def ctc_forward_variables(log_probs: torch.Tensor, target: Union[torch.Tensor, Sequence[int]], *,
                          blank: int = 0) -> torch.Tensor:
    r"""The forward table of one sequence: :math:`\phi_t(s)` for every frame t and every position
    s of the extended target (2S + 1), a (T, 2S + 1) tensor in log space (-inf where no path
    reaches). The loss is -logsumexp of the last row's last two entries. ``log_probs`` (T, C);
    ``target`` the S labels. For the lattice figure of chapters/sequence-losses.
    """
    fn = "ctc_forward_variables"
    check_floating(log_probs, "log_probs", fn, expected="a floating tensor of log-probabilities (T, C)")
    check_dims(log_probs, "log_probs", fn, (2,), "(T, C) for one sequence")
    target = as_tensor(target, "target", fn, "labels").to(log_probs.device)
    check_integer(target, "target", fn, "labels")
    check_dims(target, "target", fn, (1,), "(S,)")
    ext, _, skip = _extended(target.unsqueeze(0), torch.tensor([target.shape[0]], device=log_probs.device), blank)
    lp_ext = log_probs.unsqueeze(1).gather(2, ext.unsqueeze(0).expand(log_probs.shape[0], -1, -1))
    lengths = torch.tensor([log_probs.shape[0]], device=log_probs.device)
    _, table = _forward(lp_ext.clamp_min(LOG_ZERO), skip, lengths, keep_all=True)
    return torch.where(table[:, 0] < LOG_ZERO / 2, -math.inf, table[:, 0])


# --------------------------------------------------------------------------- metrics

def edit_distance(hypothesis: Sequence[int], reference: Sequence[int]) -> int:
    """The Levenshtein distance: the fewest insertions, deletions and substitutions that turn
    ``hypothesis`` into ``reference`` (dynamic programming, O(len * len))."""
    previous = list(range(len(reference) + 1))
    for i, h in enumerate(hypothesis, 1):
        current = [i]
        for j, r in enumerate(reference, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (h != r)))
        previous = current
    return previous[-1]


def label_error_rate(hypotheses: Sequence[Sequence[int]], references: Sequence[Sequence[int]]) -> float:
    """The label error rate: the total edit distance between the decoded and the true label
    sequences over the total number of true labels (Graves et al. 2006); 0 is perfect, and it
    can exceed 1 (insertions)."""
    if len(hypotheses) != len(references):
        fail(ValueError, "label_error_rate", "hypotheses", f"as many sequences as `references` ({len(references)})",
             len(hypotheses))
    total = sum(len(r) for r in references)
    if total == 0:
        fail(ValueError, "label_error_rate", "references", "at least one label in total", "none")
    return sum(edit_distance(h, r) for h, r in zip(hypotheses, references)) / total


# --------------------------------------------------------------------------- catalog

def _example_inputs(n: int, num_classes: int, seed: int, dtype: torch.dtype, device) -> dict:
    """Valid CTC arguments for :func:`lossbook.example_inputs`: N sequences of T = 8 frames over
    ``num_classes`` classes (blank 0), targets padded to S = 3 with lengths 1 to 3, input
    lengths 8 or 7 (enough for any repeat)."""
    g = torch.Generator().manual_seed(seed)
    steps, s_max = 8, 3
    log_probs = torch.log_softmax(torch.randn(steps, n, num_classes, generator=g, dtype=dtype), 2)
    return {"ctc_log_probs": log_probs.to(device).requires_grad_(),
            "ctc_targets": torch.randint(1, max(num_classes, 2), (n, s_max), generator=g).to(device),
            "ctc_input_lengths": (steps - torch.arange(n) % 2).to(device),
            "ctc_target_lengths": (1 + torch.arange(n) % s_max).to(device)}


CATALOG: tuple[LossInfo, ...] = (
    LossInfo("ctc_loss", "CTCLoss", "sequence", "torch.nn.functional.ctc_loss", "chapters/sequence-losses",
             "a label sequence for a longer input sequence with no frame alignment (speech, handwriting, OCR)",
             inputs=("ctc_log_probs", "ctc_targets", "ctc_input_lengths", "ctc_target_lengths")),
)
