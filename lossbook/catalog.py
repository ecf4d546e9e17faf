"""Every loss in lossbook in one table: family, PyTorch twin, conventions, chapter, when to use it.

The book's appendix renders :func:`catalog` directly, so it can never drift from the code.
:data:`CONVENTIONS` says what each loss takes as input and as target (logits, probabilities,
log-probabilities...; class indices, 0/1 floats, +-1...): a test checks that every row has an
entry. :data:`EXCLUDED` lists the loss classes of ``torch.nn`` that lossbook leaves out on
purpose, with the reason the appendix shows (:func:`excluded_markdown`).
:func:`example_inputs` draws valid arguments for any loss of the catalog, from the kinds its
row lists; the tests, the benchmarks and the type and precision checks over the whole catalog
all call the losses through it.
"""
from __future__ import annotations

from typing import Dict, List, Sequence, Tuple, Union

import torch

from . import classification, imbalance, margin, metric, ranking, regression, scale, sequence
from ._registry import LossInfo
from .checking import Arg, draw_inputs
from .mining import batch_all_miner

__all__ = ["LossInfo", "catalog", "catalog_markdown", "excluded_markdown", "torch_nn_losses", "example_inputs"]

_MODULES = (regression, classification, imbalance, metric, ranking, margin, sequence, scale)


def catalog() -> List[LossInfo]:
    """Every loss lossbook implements, family by family, in the order the book meets them."""
    return [info for module in _MODULES for info in module.CATALOG]


# What each loss takes: (input, target), in the words of the appendix's legend. Logits are raw
# scores, probabilities lie in [0, 1], log-probabilities come from log_softmax; a class index is
# an integer, a 0/1 float is a floating-point label, +-1 is 1 or -1. A loss added to a module's
# CATALOG needs an entry here (tests/test_catalog_conventions.py checks every row).
CONVENTIONS: Dict[str, Tuple[str, str]] = {
    # regression
    "mse_loss": ("predictions", "real values"),
    "l1_loss": ("predictions", "real values"),
    "huber_loss": ("predictions", "real values"),
    "smooth_l1_loss": ("predictions", "real values"),
    "rmse_loss": ("predictions", "real values"),
    "quantile_loss": ("predictions", "real values"),
    "log_cosh_loss": ("predictions", "real values"),
    "gaussian_nll_loss": ("means, and variances `var`", "real values"),
    "poisson_nll_loss": ("log-rates (rates with `log_input=False`)", "counts"),
    "gaussian_mixture_nll_loss": ("means, variances, and mixture logits", "real values"),
    # classification
    "binary_cross_entropy": ("probabilities", "0/1 floats (or probabilities)"),
    "binary_cross_entropy_with_logits": ("logits", "0/1 floats (or probabilities)"),
    "nll_loss": ("log-probabilities (N, C)", "class indices"),
    "cross_entropy": ("logits (N, C)", "class indices, or probabilities (N, C)"),
    "kl_div": ("log-probabilities", "probabilities (log-probabilities with `log_target=True`)"),
    "linear_cross_entropy": ("features (N, D) and the weight (C, D) of the last layer",
                             "class indices, or probabilities (N, C)"),
    # imbalance
    "sigmoid_focal_loss": ("logits", "0/1 floats"),
    "focal_loss": ("logits (N, C)", "class indices"),
    "dice_loss": ("logits", "0/1 floats (class indices with `multiclass=True`)"),
    "logit_adjusted_cross_entropy": ("logits (N, C), and the class prior", "class indices"),
    "balanced_softmax_loss": ("logits (N, C), and the class prior", "class indices"),
    # metric learning
    "hinge_embedding_loss": ("distances", "±1 (1: similar)"),
    "cosine_embedding_loss": ("two embeddings (N, D)", "±1 per pair (1: similar)"),
    "triplet_margin_loss": ("anchor, positive and negative embeddings", "none: roles by position"),
    "contrastive_loss": ("two embeddings (N, D)", "0/1 per pair (1: similar)"),
    "triplet_loss": ("embeddings (B, D)", "index triplets from a miner"),
    "batch_all_triplet_loss": ("embeddings (B, D)", "class labels"),
    "batch_hard_triplet_loss": ("embeddings (B, D)", "class labels"),
    "binomial_deviance_loss": ("embeddings (B, D)", "class labels"),
    "info_nce_loss": ("two views' embeddings (N, D)", "none: row i of each view is a pair"),
    "supcon_loss": ("embeddings (B, D)", "class labels"),
    "normalized_softmax_loss": ("embeddings (B, D), and one proxy per class", "class labels"),
    # ranking
    "margin_ranking_loss": ("two scores", "±1 (1: the first ranks higher)"),
    "ranknet_loss": ("scores (N, n)", "relevance grades ≥ 0"),
    "listnet_loss": ("scores (N, n)", "relevance grades ≥ 0"),
    "lambda_loss": ("scores (N, n)", "relevance grades ≥ 0"),
    "approx_ndcg_loss": ("scores (N, n)", "relevance grades ≥ 0"),
    # margin losses and sequences (the twins of the remaining torch.nn losses)
    "soft_margin_loss": ("scores", "±1"),
    "multilabel_soft_margin_loss": ("logits (N, C)", "0/1 floats (N, C)"),
    "multi_margin_loss": ("scores (N, C)", "class indices"),
    "multilabel_margin_loss": ("scores (N, C)", "class indices (N, C), ended by -1"),
    "triplet_margin_with_distance_loss": ("anchor, positive and negative embeddings",
                                          "none: roles by position"),
    "ctc_loss": ("log-probabilities (T, N, C)", "label sequences, and both lengths"),
    # losses at scale
    "z_loss": ("logits (N, C)", "none: a penalty on log Z"),
}

# The loss classes of torch.nn that lossbook leaves out on purpose: class name -> the reason the
# appendix shows (one line). Every other loss class of torch.nn has a twin in the catalog.
EXCLUDED: Dict[str, str] = {
    "AdaptiveLogSoftmaxWithLoss": "a layer with its loss, not a loss function (it owns the head and tail "
                                  "projections and returns the log-probabilities with the loss), so no catalog "
                                  "row; its twin is the module `lb.AdaptiveLogSoftmaxWithLoss`, equal to "
                                  "PyTorch's with the weights copied",
}
NOT_TWINNED = EXCLUDED  # the name issue 13 uses for the same list


def _convention(name: str) -> str:
    given, target = CONVENTIONS.get(name, ("?", "?"))
    return f"{given} → {target}"


def catalog_markdown(*, links: bool = False) -> str:
    """The catalog as a Markdown table (for ``IPython.display.Markdown``).

    With ``links=True`` the chapter column holds MyST ``{doc}`` links, for the book.
    """
    rows = ["| loss | module | family | PyTorch twin | input → target | chapter | use it when |",
            "|---|---|---|---|---|---|---|"]
    for info in catalog():
        twin = f"`{info.pytorch}`" if info.pytorch else "none"
        chapter = f"{{doc}}`/{info.chapter}`" if links else info.chapter
        rows.append(f"| `lb.{info.name}` | `lb.{info.module}` | {info.family} | {twin} "
                    f"| {_convention(info.name)} | {chapter} | {info.use_when} |")
    return "\n".join(rows)


def torch_nn_losses() -> List[str]:
    """The names of the loss classes of the installed ``torch.nn`` (``MSELoss``, ...)."""
    return sorted(name for name in dir(torch.nn)
                  if name.endswith("Loss") and isinstance(getattr(torch.nn, name), type))


def excluded_markdown() -> str:
    """The loss classes of ``torch.nn`` without a lossbook twin, as a Markdown table: each with
    the reason of :data:`EXCLUDED`, or "no twin yet" where there is none."""
    twins = {info.module for info in catalog() if info.pytorch}  # a twin module keeps PyTorch's name
    rows = ["| torch.nn loss | why lossbook has no twin |", "|---|---|"]
    for name in torch_nn_losses():
        if name not in twins:
            rows.append(f"| `torch.nn.{name}` | {EXCLUDED.get(name, 'no twin yet')} |")
    return "\n".join(rows)


# Keyword arguments the examples pass: kl_div's default 'mean' warns (it is not the KL divergence).
_EXAMPLE_KWARGS = {"kl_div": {"reduction": "batchmean"}}


def _info(loss: Union[str, LossInfo]) -> LossInfo:
    if isinstance(loss, LossInfo):
        return loss
    for info in catalog():
        if info.name == loss or info.module == loss:
            return info
    raise ValueError(f"example_inputs: `loss` must name a loss of the catalog, got {loss!r}")


def example_inputs(loss: Union[str, LossInfo], shape: Sequence[int] = (8, 4), *,
                   dtype: torch.dtype = torch.float64, device=None, seed: int = 0) -> Tuple[list, dict]:
    """Valid random arguments for a loss of the catalog: ``(args, kwargs)``, so that
    ``getattr(lb, name)(*args, **kwargs)`` runs.

    ``shape`` is (N, D): N examples (a batch of N embeddings, N lists, N rows of logits over D
    classes) of D features. Tensors are drawn on the CPU from a generator seeded with ``seed``,
    then moved to ``device``; those a loss differentiates require grad. Kinds beyond those of
    :mod:`lossbook.checking`: "labels" (N class ids, every class twice, so that every anchor has
    a positive and negatives), "triplets" (every valid triplet of those labels, from
    :func:`lossbook.batch_all_miner`), "relevance" (graded labels 0 to 3), "sign_rows",
    "binary_rows" and "target_rows" (one +-1, 0/1 or real target per row), "prior" (D positive
    class frequencies, not differentiated).
    """
    info = _info(loss)
    n, d = int(shape[0]), int(shape[1])
    device = torch.device(device or "cpu")
    labels = (torch.arange(n) % max(n // 2, 1)).to(device)
    g = torch.Generator().manual_seed(seed + 1)
    args = []
    for i, kind in enumerate(info.inputs):
        if kind == "labels":
            args.append(labels)
        elif kind == "triplets":
            args.append(batch_all_miner(args[0].detach(), labels))
        elif kind == "relevance":
            args.append(torch.randint(0, 4, (n, d), generator=g).to(dtype=dtype, device=device))
        elif kind == "label_lists":  # multilabel_margin_loss: distinct classes, then -1
            args.append(margin._example_label_lists(n, d, g).to(device))
        elif kind.startswith("ctc_"):  # ctc_loss: (T, N, C) log-probabilities, targets, both lengths
            args.append(sequence._example_inputs(n, d, seed, dtype, device)[kind])
        else:
            arg = {"sign_rows": Arg("sign", shape=(n,)), "binary_rows": Arg("binary", shape=(n,)),
                   "target_rows": Arg("target", shape=(n,)),
                   "prior": Arg("positive", shape=(d,), grad=False)}.get(kind, kind)
            args.extend(draw_inputs([arg], (n, d), seed=seed + i, dtype=dtype, device=device))
    return args, dict(_EXAMPLE_KWARGS.get(info.name, {}))
