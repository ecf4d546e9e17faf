"""Edit a chapter as text: export cells to a jupytext "percent" script, import them back.

    python tools/nbsplice.py export chapters/x.ipynb [--from "## Exercises"] [--to "## References"] > x.py
    python tools/nbsplice.py import chapters/x.ipynb x.py [--from "## Exercises"] [--to "## References"]

``export`` prints the cells from the first cell whose source starts with FROM (default: the
first cell) up to, not including, the first later cell starting with TO (default: the end),
in jupytext's percent format with each cell's metadata in its ``# %%`` header. ``import``
replaces that same range of the notebook with the cells of the script; the rest of the
notebook, its metadata and its other cells' outputs are kept. Re-execute the notebook
afterwards (``make notebooks NB=chapters/x.ipynb``).

Cell metadata may use a shorthand for nbgrader, expanded on import: ``nbgrader="ID"`` (with
``points=N`` on a check cell) becomes the full nbgrader metadata of the kind the ID names:
``ex-<chapter>-<n>`` a locked statement, ``...-data`` a locked data cell, ``...-solution`` a
solution cell, ``...-check`` a locked, graded check cell worth ``points``, ``setup...`` a
locked setup cell. See CONTRIBUTING.md, "Exercises".
"""
from __future__ import annotations

import argparse
import pathlib
import re
import sys

import jupytext
import nbformat

EXERCISE_ID = re.compile(r"^ex-[\w-]+-\d+$")


def expand_nbgrader(cell) -> None:
    """Expand ``nbgrader="ID"`` (and ``points``) into nbgrader's own cell metadata."""
    short = cell.metadata.get("nbgrader")
    if not isinstance(short, str):
        return
    gid = short
    points = cell.metadata.pop("points", None)
    kind = ("solution" if "-solution" in gid else "check" if "-check" in gid else
            "locked" if gid.startswith("setup") or "-data" in gid or EXERCISE_ID.match(gid) else None)
    if kind is None:
        raise SystemExit(f"nbgrader={gid!r}: not a statement (ex-<chapter>-<n>), -data, -solution, "
                         "-check or setup id")
    if kind == "check" and points is None:
        raise SystemExit(f"nbgrader={gid!r}: a check cell needs points=N")
    meta = {"grade": kind == "check", "solution": kind == "solution", "locked": kind != "solution",
            "grade_id": gid, "schema_version": 3}
    if kind == "check":
        meta["points"] = points
    cell.metadata["nbgrader"] = meta


def compress_nbgrader(cell) -> None:
    """The inverse of :func:`expand_nbgrader`, where it is exact: for readable scripts."""
    full = cell.metadata.get("nbgrader")
    if not isinstance(full, dict) or "grade_id" not in full:
        return
    probe = nbformat.from_dict({"metadata": {"nbgrader": full["grade_id"], "points": full.get("points")}})
    if full.get("points") is None:
        probe.metadata.pop("points")
    try:
        expand_nbgrader(probe)
    except SystemExit:
        return
    if probe.metadata["nbgrader"] == full:
        cell.metadata["nbgrader"] = full["grade_id"]
        if full.get("grade"):
            cell.metadata["points"] = full["points"]


def cell_range(nb, start: str | None, stop: str | None) -> tuple[int, int]:
    def starts(cell, text):
        return "".join(cell.source).lstrip().startswith(text)
    first = 0 if start is None else next((i for i, c in enumerate(nb.cells) if starts(c, start)), None)
    if first is None:
        raise SystemExit(f"no cell starts with {start!r}")
    last = len(nb.cells) if stop is None else next(
        (i for i in range(first + 1, len(nb.cells)) if starts(nb.cells[i], stop)), len(nb.cells))
    return first, last


def export(path: pathlib.Path, start: str | None, stop: str | None) -> str:
    nb = nbformat.read(path, as_version=4)
    first, last = cell_range(nb, start, stop)
    for cell in nb.cells[first:last]:
        compress_nbgrader(cell)
    part = nbformat.v4.new_notebook(cells=nb.cells[first:last], metadata={
        "jupytext": {"notebook_metadata_filter": "-all", "cell_metadata_filter": "all"}})
    return jupytext.writes(part, fmt="py:percent")


def import_(path: pathlib.Path, script: pathlib.Path, start: str | None, stop: str | None) -> int:
    nb = nbformat.read(path, as_version=4)
    first, last = cell_range(nb, start, stop)
    new = jupytext.read(script, fmt="py:percent")
    for cell in new.cells:
        cell.metadata.pop("lines_to_next_cell", None)
        expand_nbgrader(cell)
        if cell.cell_type == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)
    for cell in new.cells:
        if "id" not in cell:
            cell["id"] = nbformat.v4.new_raw_cell().id  # nbformat 4.5 wants a unique id per cell
    nb.cells[first:last] = new.cells
    nbformat.write(nb, path)
    return len(new.cells)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("export", "import"))
    parser.add_argument("notebook", type=pathlib.Path)
    parser.add_argument("script", type=pathlib.Path, nargs="?")
    parser.add_argument("--from", dest="start")
    parser.add_argument("--to", dest="stop")
    args = parser.parse_args(argv)
    if args.command == "export":
        sys.stdout.write(export(args.notebook, args.start, args.stop))
    else:
        if args.script is None:
            parser.error("import needs the script to read")
        n = import_(args.notebook, args.script, args.start, args.stop)
        print(f"{args.notebook}: {n} cells imported; re-execute it (make notebooks NB={args.notebook})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
