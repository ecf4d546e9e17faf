"""The book's own integrity: the table of contents, the stored outputs, the kernels.

These are the promises nbval relies on: a notebook that is not in the book,
or whose outputs were never stored, would be tested against nothing.
"""
from __future__ import annotations

import json
import pathlib
import re

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
# Paths that reveal the machine a notebook was run on.
MACHINE_PATH = re.compile(r"(/home/|/root/|/tmp/|/work/|/Users/|C:\\\\|site-packages)")


def toc_entries() -> list[str]:
    entries = [TOC["root"]]
    for part in TOC["parts"]:
        entries += [chapter["file"] for chapter in part["chapters"]]
    return entries


def load(path: pathlib.Path) -> dict:
    return json.loads(path.read_text())


def code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def test_every_notebook_is_in_the_toc():
    listed = set(toc_entries())
    missing = [p.name for p in CHAPTERS if f"chapters/{p.stem}" not in listed]
    assert not missing, f"notebooks in chapters/ missing from _toc.yml: {missing}"


def test_every_toc_entry_exists():
    absent = [e for e in toc_entries()
              if not any((ROOT / f"{e}{ext}").exists() for ext in (".md", ".ipynb"))]
    assert not absent, f"_toc.yml lists pages that do not exist: {absent}"


def test_toc_has_captioned_numbered_parts():
    assert TOC["format"] == "jb-book"
    assert all(part.get("caption") for part in TOC["parts"])
    assert any(part.get("numbered") for part in TOC["parts"])


def test_there_are_chapters():
    assert CHAPTERS, "chapters/ holds no notebook"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_notebook_declares_python3_kernel(path):
    assert load(path)["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_code_cell_was_executed_in_order(path):
    counts = [c["execution_count"] for c in code_cells(load(path)) if "".join(c["source"]).strip()]
    assert None not in counts, f"{path.name}: a code cell has no stored execution (re-execute it)"
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: cells were not executed once, top to bottom, in a fresh kernel")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_output_holds_a_machine_path_or_stderr(path):
    for i, cell in enumerate(code_cells(load(path))):
        for out in cell.get("outputs", []):
            text = "".join(out.get("text", [])) + "".join(out.get("data", {}).get("text/plain", []))
            assert not MACHINE_PATH.search(text), f"{path.name} cell {i}: output holds a machine path"
            assert out.get("name") != "stderr", f"{path.name} cell {i}: stores stderr (a stray warning?)"
            assert out.get("output_type") != "error" or "raises-exception" in cell["metadata"].get("tags", []), (
                f"{path.name} cell {i}: stores an error but is not tagged raises-exception")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_first_cell_installs_lossbook_from_the_configured_repository(path):
    first = "".join(code_cells(load(path))[0]["source"])
    url = CONFIG["repository"]["url"]
    assert f"lossbook @ git+{url}" in first, (
        f"{path.name}: the first code cell must install lossbook from {url} (see CONTRIBUTING.md)")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_solutions_are_marked_for_student_versions(path):
    sources = ["".join(c["source"]) for c in code_cells(load(path))]
    begins = sum(s.count("### BEGIN SOLUTION") for s in sources)
    ends = sum(s.count("### END SOLUTION") for s in sources)
    assert begins == ends, f"{path.name}: unbalanced solution markers"


def test_repository_url_is_set_once_and_buttons_use_it():
    html = CONFIG["html"]
    assert CONFIG["repository"]["url"].startswith("https://github.com/")
    assert html["use_repository_button"] and html["use_issues_button"] and html["use_download_button"]
    assert CONFIG["launch_buttons"]["colab_url"] and CONFIG["launch_buttons"]["binderhub_url"]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_book_shows_the_stored_outputs(path):
    """tools/execute_notebooks.py marks a notebook whose outputs it stored; the build then shows
    those outputs (the ones nbval tests) instead of executing the notebook again."""
    assert load(path)["metadata"].get("mystnb", {}).get("execution_mode") == "off", (
        f"{path.name}: store its outputs with tools/execute_notebooks.py")
