"""Re-execute notebooks in place and store their outputs (what nbval then compares).

    python tools/execute_notebooks.py                      # every notebook in chapters/
    python tools/execute_notebooks.py chapters/foo.ipynb   # just these

Each notebook runs top to bottom in a fresh ``python3`` kernel, from the
``chapters/`` folder, on the CPU (``LOSSBOOK_DEVICE=cpu``) so that the stored
outputs are the CPU's; nbval then checks that a GPU prints the same. The
notebook is then marked ``mystnb.execution_mode: off``: the book shows these
stored, tested outputs instead of executing the notebook again (a notebook
never executed, without the mark, is executed by the build). The
kernelspec is set to ``python3`` and volatile metadata (cell timings) is
dropped so that diffs show only real changes. Cells tagged
``raises-exception`` may raise; any other error stops with the cell's traceback.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[1]
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def execute(path: pathlib.Path, timeout: int = 600) -> float:
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = KERNELSPEC
    nb.metadata.setdefault("language_info", {"name": "python"})
    # Jupyter Book's 'auto' mode would re-execute any notebook with a code cell that prints
    # nothing (an imports cell); this notebook's stored outputs are the ones to show.
    nb.metadata["mystnb"] = {"execution_mode": "off"}
    os.environ["LOSSBOOK_DEVICE"] = "cpu"
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # as in the test run (tests/conftest.py)
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    elapsed = time.perf_counter() - start
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.metadata.pop("collapsed", None)
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return elapsed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path)
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "chapters").glob("*.ipynb"))
    for path in paths:
        print(f"{path}: executing ...", flush=True)
        print(f"{path}: done in {execute(path.resolve()):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
