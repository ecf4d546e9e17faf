"""Give each chapter's citations the chapter's own key prefix (idempotent).

    python tools/prefix_citations.py [chapters/NAME.ipynb ...]

Each chapter ends with its own ``{bibliography}``. sphinxcontrib-bibtex warns
when one key appears in two bibliographies, so every chapter cites with a
prefix (``{cite}`regression-losses-huber1964robust` ``) and its bibliography
declares ``:keyprefix: regression-losses-``. This tool rewrites the Markdown
cells of a notebook to that form; keys already prefixed are left alone, so
authors can cite plain keys and run it before committing.
"""
from __future__ import annotations

import pathlib
import re
import sys

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[1]
CITE = re.compile(r"(\{cite(?::[a-z]+)?\}`)([^`]+)(`)")
BIBLIOGRAPHY = re.compile(r"(```\{bibliography\}[^\n]*\n)((?::[a-z]+:[^\n]*\n)*)")


def prefix_markdown(text: str, prefix: str) -> str:
    def cite(m: re.Match) -> str:
        keys = [k.strip() for k in m.group(2).split(",")]
        keys = [k if k.startswith(prefix) else prefix + k for k in keys]
        return m.group(1) + ",".join(keys) + m.group(3)

    def bibliography(m: re.Match) -> str:
        options = re.sub(r":keyprefix:[^\n]*\n", "", m.group(2))
        return m.group(1) + options + f":keyprefix: {prefix}\n"

    return BIBLIOGRAPHY.sub(bibliography, CITE.sub(cite, text))


def main(argv: list[str]) -> int:
    paths = [pathlib.Path(a) for a in argv] or sorted((ROOT / "chapters").glob("*.ipynb"))
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        prefix = f"{path.stem}-"
        changed = False
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                new = prefix_markdown(cell.source, prefix)
                changed |= new != cell.source
                cell.source = new
        if changed:
            nbformat.write(nb, path)
        print(f"{path}: {'updated' if changed else 'unchanged'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
