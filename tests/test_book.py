"""The strict build of the whole book, and proof that nbval's comparison bites."""
from __future__ import annotations

import json
import pathlib
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


@pytest.mark.parametrize("stored, passes", [
    ("0.3333\n", True),    # the right stored output
    ("0.3334\n", False),   # a stored number changed
    (None, False),         # the stored output removed
])
def test_nbval_configuration_compares_every_output(tmp_path, stored, passes):
    """Our pytest configuration (strict nbval, our sanitizers) fails a notebook whose
    stored output is wrong or missing, and passes it when the output is right."""
    nb = tmp_path / "probe.ipynb"
    nb.write_text(json.dumps(_notebook(stored)))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(nb), "-c", str(ROOT / "pyproject.toml"),
         "--rootdir", str(ROOT), "-n", "0", "-q"],
        capture_output=True, text=True, cwd=ROOT)
    assert (proc.returncode == 0) is passes, proc.stdout[-2000:]
