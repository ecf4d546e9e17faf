"""A small training loop that records a loss history: no framework, one screen of logic.

:func:`train` runs epochs of mini-batch gradient descent and returns a :class:`History`;
:func:`evaluate` gives the exact dataset mean of a loss; :func:`smooth` is the bias-corrected
exponential moving average that TensorBoard draws over noisy curves; :func:`epoch_mean` is the
sample-weighted mean of per-batch losses. Used and explained in chapters/monitoring-training.

Two conventions matter for the numbers it records:

* ``loss_fn(outputs, target)`` must return the **mean** over the batch (``reduction='mean'``,
  PyTorch's default). The loop multiplies it by the batch size (``len(target)``) and divides the
  total by the number of examples, so an epoch's loss is the true mean over every example, not
  the mean of the batch means (they differ when the last batch is smaller). A loss whose 'mean'
  is a weighted mean (class weights, ``ignore_index``) is averaged per batch, then weighted by
  batch size, which is close to but not exactly its dataset mean.
* ``metrics`` maps a name to ``fn(outputs, target)`` returning a batch mean (accuracy, say);
  metrics are averaged the same way.

Every batch also records the total 2-norm of the gradients (before any clipping), the gradient
norm of the monitoring chapter; ``max_grad_norm`` clips it with ``clip_grad_norm_``, and
``check_finite`` stops at a non-finite loss or gradient before the step that would spread it to
the weights.
"""
from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Sequence, TextIO, Union

import torch

from ._validation import check_scalar, fail

__all__ = ["History", "train", "evaluate", "smooth", "epoch_mean"]

Metric = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass
class History:
    """What :func:`train` measured. Epochs are numbered from 1.

    train_loss     -- per epoch, the sample-weighted mean of the batch losses (model in train mode)
    val_loss       -- per epoch, the exact validation mean (model in eval mode); empty without one
    train_metrics  -- name -> per-epoch values, from the training batches' outputs
    val_metrics    -- name -> per-epoch values on the validation set
    batch_loss     -- every batch's loss, all epochs in order
    batch_size     -- every batch's number of examples, aligned with ``batch_loss``
    grad_norm      -- every batch's total gradient 2-norm before clipping, aligned with ``batch_loss``
    best_epoch     -- the epoch with the lowest validation loss (None without validation)
    stopped_early  -- whether early stopping ended training before ``num_epochs``
    """

    train_loss: List[float] = field(default_factory=list)
    val_loss: List[float] = field(default_factory=list)
    train_metrics: Dict[str, List[float]] = field(default_factory=dict)
    val_metrics: Dict[str, List[float]] = field(default_factory=dict)
    batch_loss: List[float] = field(default_factory=list)
    batch_size: List[int] = field(default_factory=list)
    grad_norm: List[float] = field(default_factory=list)
    best_epoch: Optional[int] = None
    stopped_early: bool = False

    @property
    def epochs(self) -> List[int]:
        """``[1, 2, ..., number of epochs run]``: the x-axis of an epoch plot."""
        return list(range(1, len(self.train_loss) + 1))

    @property
    def best_val_loss(self) -> Optional[float]:
        return None if self.best_epoch is None else self.val_loss[self.best_epoch - 1]

    def as_dict(self) -> dict:
        """Plain lists and numbers (for JSON, pandas or a plot)."""
        return asdict(self)


def epoch_mean(losses: Sequence[float], sizes: Sequence[int]) -> float:
    """Sample-weighted mean ``sum(loss_b * n_b) / sum(n_b)`` of per-batch mean losses.

    It equals the mean over every example; ``sum(losses) / len(losses)`` does not when the
    batches differ in size.
    """
    if len(losses) != len(sizes) or not len(sizes):
        fail(ValueError, "epoch_mean", "sizes", f"a non-empty sequence as long as `losses` "
             f"({len(losses)})", f"length {len(sizes)}")
    if any(n <= 0 for n in sizes):
        fail(ValueError, "epoch_mean", "sizes", "positive batch sizes", list(sizes))
    return sum(loss * n for loss, n in zip(losses, sizes)) / sum(sizes)


def smooth(values: Iterable[float], *, beta: float = 0.9) -> List[float]:
    """Bias-corrected exponential moving average, as TensorBoard's smoothing slider draws it.

    ``m_t = beta * m_{t-1} + (1 - beta) * x_t`` with ``m_0 = 0``, returned as
    ``m_t / (1 - beta**t)``: without the division the first values are pulled towards 0.
    ``beta = 0`` returns the values unchanged; ``beta`` near 1 smooths more (and lags more).
    A NaN or inf propagates to every later value.
    """
    check_scalar(beta, "beta", "smooth", low=0, high=1, high_open=True)
    smoothed, m = [], 0.0
    for t, x in enumerate(values, start=1):
        m = beta * m + (1 - beta) * float(x)
        smoothed.append(m / (1 - beta ** t))
    return smoothed


def _model_device(model: torch.nn.Module, device) -> torch.device:
    if device is not None:
        return torch.device(device)
    first = next(model.parameters(), None)
    return first.device if first is not None else torch.device("cpu")


def _unpack(batch, fn: str, device: torch.device):
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        fail(TypeError, fn, "loader", "an iterable of (inputs, target) pairs",
             f"a batch of type {type(batch).__name__}")
    inputs, target = batch
    return inputs.to(device), target.to(device)


def evaluate(model: torch.nn.Module, loss_fn: Callable, loader: Iterable, *, device=None,
             metrics: Optional[Dict[str, Metric]] = None) -> Dict[str, float]:
    """The exact mean of ``loss_fn`` (and of each metric) over every example of ``loader``.

    The model runs in eval mode under ``torch.no_grad()`` and gets its previous mode back.
    Returns ``{"loss": ..., name: ...}``. ``loss_fn`` must return the batch mean (see the module
    docstring); each batch counts ``len(target)`` times.
    """
    device = _model_device(model, device)
    metrics = metrics or {}
    totals = dict.fromkeys(["loss", *metrics], 0.0)
    count, was_training = 0, model.training
    model.eval()
    try:
        with torch.no_grad():
            for batch in loader:
                inputs, target = _unpack(batch, "evaluate", device)
                outputs, n = model(inputs), len(target)
                totals["loss"] += float(loss_fn(outputs, target)) * n
                for name, metric in metrics.items():
                    totals[name] += float(metric(outputs, target)) * n
                count += n
    finally:
        model.train(was_training)
    if count == 0:
        fail(ValueError, "evaluate", "loader", "a loader with at least one example", "none")
    return {name: total / count for name, total in totals.items()}


def _check_train_args(num_epochs, early_stopping_patience, val_loader, max_grad_norm, progress) -> None:
    if isinstance(num_epochs, bool) or not isinstance(num_epochs, int) or num_epochs < 1:
        fail(ValueError, "train", "num_epochs", "an int >= 1", repr(num_epochs))
    patience = early_stopping_patience
    if patience is not None:
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            fail(ValueError, "train", "early_stopping_patience", "None or an int >= 1", repr(patience))
        if val_loader is None:
            fail(ValueError, "train", "val_loader", "a loader when early_stopping_patience is set",
                 "None")
    if max_grad_norm is not None:
        check_scalar(max_grad_norm, "max_grad_norm", "train", low=0, low_open=True)
    if progress is not None and not isinstance(progress, bool) and not callable(getattr(progress, "write", None)):
        fail(TypeError, "train", "progress", "a bool or a text stream such as sys.stdout",
             f"an object of type {type(progress).__name__}")


def _progress_bar(progress, num_epochs: int):
    """``True``: tqdm.auto (a widget in Jupyter, text in a terminal). A stream: a plain-text bar on
    it, refreshed once per epoch and without timings, so the same run prints the same text."""
    try:
        from tqdm import tqdm
        from tqdm.auto import tqdm as tqdm_auto
    except ImportError:  # pragma: no cover - the book's environment has tqdm
        raise ImportError("train: `progress` draws a tqdm progress bar; install tqdm "
                          "(pip install lossbook[progress])") from None
    if progress is True:
        return tqdm_auto(total=num_epochs, desc="epochs")
    return tqdm(total=num_epochs, file=progress, ascii=True, mininterval=0, miniters=1, delay=1e-9,
                dynamic_ncols=False, bar_format="epoch {n_fmt}/{total_fmt} |{bar:20}| {desc}")


def _grad_norm(parameters: List[torch.Tensor]) -> torch.Tensor:
    """The 2-norm of all the gradients as one vector (what ``clip_grad_norm_`` clips)."""
    norms = [torch.linalg.vector_norm(p.grad.detach(), dtype=torch.float64) for p in parameters]
    if not norms:
        return torch.zeros((), dtype=torch.float64)
    return torch.linalg.vector_norm(torch.stack([n.to(norms[0].device) for n in norms]))


def train(model: torch.nn.Module, loss_fn: Callable, optimizer: torch.optim.Optimizer,
          train_loader: Iterable, *, val_loader: Optional[Iterable] = None, num_epochs: int,
          device=None, metrics: Optional[Dict[str, Metric]] = None,
          early_stopping_patience: Optional[int] = None, restore_best: bool = True,
          check_finite: bool = True, max_grad_norm: Optional[float] = None,
          progress: Union[bool, TextIO] = False,
          on_epoch_end: Optional[Callable[[int, History], Optional[bool]]] = None) -> History:
    """Train ``model`` for ``num_epochs`` epochs and return the loss :class:`History`.

    Each epoch: one pass of ``zero_grad, loss_fn(model(inputs), target), backward, step`` over
    ``train_loader`` (model in train mode), then :func:`evaluate` on ``val_loader`` if given.
    Every batch records its loss, its size and the total 2-norm of the gradients of the
    optimizer's parameters (before clipping) in the :class:`History`.

    device                   -- where to compute (model and batches are moved there); default:
                                the device of the model's parameters
    metrics                  -- name -> ``fn(outputs, target)`` batch mean, recorded per epoch
    early_stopping_patience  -- stop after this many epochs without a lower validation loss
    restore_best             -- with a validation set, load the weights of ``best_epoch`` at the
                                end (a deep copy of the state_dict taken when it was reached)
    check_finite             -- raise ``FloatingPointError`` naming the epoch and batch as soon as
                                a loss or the gradient norm is NaN or inf, before the step that
                                would spread it to the weights (and at a non-finite validation loss)
    max_grad_norm            -- clip the gradients to this total 2-norm before each step, with
                                ``torch.nn.utils.clip_grad_norm_(..., error_if_nonfinite=True)``
                                (``error_if_nonfinite=check_finite``); None: no clipping
    progress                 -- ``True``: a ``tqdm.auto`` progress bar over the epochs; a text
                                stream (``sys.stdout``): a plain-text bar printed on it, once per
                                epoch, with no timings (needs tqdm: ``pip install lossbook[progress]``)
    on_epoch_end             -- ``fn(epoch, history)`` called after each epoch; returning True stops
    """
    _check_train_args(num_epochs, early_stopping_patience, val_loader, max_grad_norm, progress)
    device = _model_device(model, device)
    model.to(device)
    metrics = metrics or {}
    history = History(train_metrics={name: [] for name in metrics},
                      val_metrics={name: [] for name in metrics})
    parameters = [p for group in optimizer.param_groups for p in group["params"]]
    best_state, epochs_since_best = None, 0
    bar = _progress_bar(progress, num_epochs) if progress not in (None, False) else None
    try:
        for epoch in range(1, num_epochs + 1):
            model.train()
            totals, count = dict.fromkeys(["loss", *metrics], 0.0), 0
            for batch_index, batch in enumerate(train_loader, start=1):
                inputs, target = _unpack(batch, "train", device)
                optimizer.zero_grad(set_to_none=True)
                outputs = model(inputs)
                loss = loss_fn(outputs, target)
                value, n = loss.item(), len(target)
                if check_finite and not math.isfinite(value):
                    raise FloatingPointError(f"train: the loss is {value} at epoch {epoch}, batch "
                                             f"{batch_index}; the weights were not updated with it")
                loss.backward()
                with_grad = [p for p in parameters if p.grad is not None]
                norm = _grad_norm(with_grad).item()
                if check_finite and not math.isfinite(norm):
                    raise FloatingPointError(f"train: the gradient norm is {norm} at epoch {epoch}, "
                                             f"batch {batch_index} (the loss, {value:.4g}, is finite); "
                                             "the weights were not updated with it")
                if max_grad_norm is not None:
                    torch.nn.utils.clip_grad_norm_(with_grad, max_grad_norm, error_if_nonfinite=check_finite)
                optimizer.step()
                history.batch_loss.append(value)
                history.batch_size.append(n)
                history.grad_norm.append(norm)
                totals["loss"] += value * n
                with torch.no_grad():
                    for name, metric in metrics.items():
                        totals[name] += float(metric(outputs, target)) * n
                count += n
            if count == 0:
                fail(ValueError, "train", "train_loader", "a loader with at least one example", "none")
            history.train_loss.append(totals["loss"] / count)
            for name in metrics:
                history.train_metrics[name].append(totals[name] / count)

            if val_loader is not None:
                result = evaluate(model, loss_fn, val_loader, device=device, metrics=metrics)
                if check_finite and not math.isfinite(result["loss"]):
                    raise FloatingPointError(f"train: the validation loss is {result['loss']} "
                                             f"at epoch {epoch}")
                history.val_loss.append(result["loss"])
                for name in metrics:
                    history.val_metrics[name].append(result[name])
                if history.best_epoch is None or result["loss"] < history.best_val_loss:
                    history.best_epoch, epochs_since_best = epoch, 0
                    if restore_best:
                        best_state = copy.deepcopy(model.state_dict())
                else:
                    epochs_since_best += 1

            if bar is not None:
                text = f"train {history.train_loss[-1]:.4f}"
                if history.val_loss:
                    text += f", val {history.val_loss[-1]:.4f}"
                bar.set_description_str(text, refresh=False)
                bar.update(1)
            if on_epoch_end is not None and on_epoch_end(epoch, history):
                break
            if early_stopping_patience is not None and epochs_since_best >= early_stopping_patience:
                history.stopped_early = epoch < num_epochs
                break
    finally:
        if bar is not None:
            if progress is not True:  # the text bar: end its line, without drawing it again
                drawn, bar.disable = bar.n > 0, True
                if drawn:
                    progress.write("\n")
            bar.close()
    if restore_best and best_state is not None:
        model.load_state_dict(best_state)
    return history
