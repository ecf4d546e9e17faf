"""Write student versions of the chapters: every solution removed, every check kept.

    python tools/make_student_version.py [--out student] [chapters/NAME.ipynb ...]

In each code cell, the lines from ``### BEGIN SOLUTION`` to ``### END SOLUTION``
(inclusive) become ``# YOUR CODE HERE`` and ``raise NotImplementedError()``,
as nbgrader's "generate assignment" step does, and outputs are cleared. The
cells after each solution, which check the answer with asserts, stay: they
are the student's autograder. The notebooks in chapters/ are not modified.
"""
from __future__ import annotations

import argparse
import pathlib
import re
import sys

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[1]
SOLUTION = re.compile(r"^([ \t]*)### BEGIN SOLUTION[^\n]*\n.*?^[ \t]*### END SOLUTION[^\n]*(\n|$)",
                      re.MULTILINE | re.DOTALL)


def strip_solutions(source: str) -> str:
    """Replace each solution block, keeping its indentation."""
    return SOLUTION.sub(lambda m: f"{m.group(1)}# YOUR CODE HERE\n{m.group(1)}raise NotImplementedError()\n",
                        source)


def student_version(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source)
            cell.outputs = []
            cell.execution_count = None
    return nb


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path)
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "student")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for path in args.notebooks or sorted((ROOT / "chapters").glob("*.ipynb")):
        nb = student_version(nbformat.read(path, as_version=4))
        nbformat.write(nb, args.out / path.name)
        print(f"{args.out / path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
