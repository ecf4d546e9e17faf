"""The strict build of the whole book, and proof that nbval's comparison bites."""
from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = pathlib.Path(sys.executable).parent


@pytest.mark.book
def test_book_builds_strictly_without_warnings(tmp_path):
    """`jupyter-book build . -W -n --keep-going`, into a temporary folder."""
    proc = subprocess.run(
        [str(BIN / "jupyter-book"), "build", str(ROOT), "-W", "-n", "--keep-going",
         "--path-output", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT)
    log = proc.stdout + proc.stderr
    warnings = [line for line in log.splitlines()
                if ("WARNING" in line or "ERROR" in line) and "Kernel is running over TCP" not in line]
    assert proc.returncode == 0 and not warnings, "\n".join(warnings) or log[-3000:]
    assert (tmp_path / "_build" / "html" / "index.html").exists()


def _notebook(stored: str | None) -> dict:
    """A one-cell notebook printing 1/3 to four decimals, with ``stored`` as its stored output."""
    outputs = [] if stored is None else [{"output_type": "stream", "name": "stdout", "text": [stored]}]
    return {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": [{"cell_type": "code", "id": "c1", "execution_count": 1, "metadata": {},
                   "source": ['print(f"{1/3:.4f}")'], "outputs": outputs}],
    }


CASES = {"right": ("0.3333\n", True),     # the right stored output
         "changed": ("0.3334\n", False),  # a stored number changed
         "removed": (None, False)}         # the stored output removed


@pytest.fixture(scope="module")
def nbval_outcomes(tmp_path_factory):
    """Run our pytest configuration once over one probe notebook per case; the outcome of each."""
    where = tmp_path_factory.mktemp("nbval")
    for name, (stored, _) in CASES.items():
        (where / f"{name}.ipynb").write_text(json.dumps(_notebook(stored)))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", *(str(where / f"{name}.ipynb") for name in CASES),
         "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(where), "-n", "0", "-q", "-rA"],
        capture_output=True, text=True, cwd=ROOT)
    # The summary (-rA) has one line per cell: "PASSED .../right.ipynb::Cell 0", "FAILED ...".
    outcomes = {}
    for status, name in re.findall(r"^(PASSED|FAILED|ERROR) \S*?(\w+)\.ipynb::", proc.stdout, re.MULTILINE):
        outcomes[name] = outcomes.get(name, True) and status == "PASSED"
    return outcomes, proc.stdout[-3000:]


@pytest.mark.parametrize("case", CASES)
def test_nbval_configuration_compares_every_output(nbval_outcomes, case):
    """Our pytest configuration (strict nbval, our sanitizers) fails a notebook whose
    stored output is wrong or missing, and passes it when the output is right."""
    outcomes, log = nbval_outcomes
    assert case in outcomes, log
    assert outcomes[case] is CASES[case][1], log
