"""The catalog's input/target column and its list of the torch.nn losses lossbook leaves out.

Every row of the catalog, including rows added after this file was written, must say what the
loss takes as input and as target (lossbook/catalog.py, CONVENTIONS)."""
import torch

import lossbook as lb
from lossbook.catalog import CONVENTIONS, EXCLUDED

# The words the appendix's legend explains; every input names one of them (or what it is made of).
INPUT_WORDS = ("logits", "probabilities", "log-probabilities", "predictions", "means", "log-rates",
               "distances", "embeddings", "scores", "features")
TARGET_WORDS = ("real values", "counts", "class indices", "class labels", "0/1", "±1", "probabilities",
                "relevance grades", "none", "index triplets", "label sequences")


def test_every_catalog_row_states_its_input_and_target_conventions():
    missing = [info.name for info in lb.catalog() if info.name not in CONVENTIONS]
    assert not missing, ("add an (input, target) entry for each to CONVENTIONS in lossbook/catalog.py: "
                         f"{missing}")


def test_conventions_use_the_legend_words():
    for name, (given, target) in CONVENTIONS.items():
        assert any(word in given for word in INPUT_WORDS), f"{name}: input {given!r}"
        assert any(word in target for word in TARGET_WORDS), f"{name}: target {target!r}"


def test_the_conventions_agree_with_the_argument_kinds():
    kinds = {"logits": "logits", "probs": "probabilities", "log_probs": "log-probabilities"}
    for info in lb.catalog():
        if info.inputs and info.inputs[0] in kinds:
            assert kinds[info.inputs[0]] in CONVENTIONS[info.name][0], info.name
        if "classes" in info.inputs[1:]:
            assert "class indices" in CONVENTIONS[info.name][1], info.name
        if "sign" in info.inputs[1:]:
            assert "±1" in CONVENTIONS[info.name][1], info.name


def test_the_markdown_table_shows_the_conventions():
    table = lb.catalog_markdown().splitlines()
    assert table[0].split("|")[5].strip() == "input → target"
    row = next(line for line in table if line.startswith("| `lb.nll_loss` "))
    assert "log-probabilities (N, C) → class indices" in row
    assert all(line.count("|") == table[0].count("|") for line in table)
    assert "?" not in "\n".join(table[2:]), "a row without conventions"


def test_excluded_losses_are_real_torch_nn_losses_without_a_twin():
    twins = {info.module for info in lb.catalog() if info.pytorch}
    names = lb.torch_nn_losses()
    assert "MSELoss" in names and "CTCLoss" in names and "Module" not in names
    for name, reason in EXCLUDED.items():
        assert name in names and isinstance(getattr(torch.nn, name), type), name
        assert name not in twins, f"{name} has a twin and is excluded"
        assert reason and "|" not in reason and "\n" not in reason, name


def test_excluded_markdown_lists_each_torch_nn_loss_without_a_twin_once():
    table = lb.excluded_markdown().splitlines()
    twins = {info.module for info in lb.catalog() if info.pytorch}
    listed = [line.split("`")[1].removeprefix("torch.nn.") for line in table[2:]]
    assert listed == [n for n in lb.torch_nn_losses() if n not in twins]
    for line, name in zip(table[2:], listed):
        assert EXCLUDED.get(name, "no twin yet") in line
