"""The book's own integrity: the table of contents, the stored outputs, the kernels.

These are the promises nbval relies on: a notebook that is not in the book,
or whose outputs were never stored, would be tested against nothing.
"""
from __future__ import annotations

import ast
import builtins
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


# --------------------------------------------------------------------------- source hygiene

PAGES = sorted(ROOT.glob("*.md")) + sorted((ROOT / "chapters").glob("*.md"))
BOOK_PAGES = [p for p in PAGES if p.name not in ("README.md", "CONTRIBUTING.md")]
# A backslash escape eaten by a Python string ("\t" of "\text", "\b" of "\beta") leaves a
# control character; none belongs in a notebook's source.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def cell_sources(path: pathlib.Path) -> list[tuple[int, str, str]]:
    return [(i, c["cell_type"], "".join(c["source"])) for i, c in enumerate(load(path)["cells"])]


def page_text(path: pathlib.Path) -> str:
    if path.suffix == ".md":
        return path.read_text()
    return "\n".join(src for _, kind, src in cell_sources(path) if kind == "markdown")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_control_characters_in_sources(path):
    for i, kind, src in cell_sources(path):
        bad = CONTROL.findall(src) + (["\t"] if kind == "markdown" and "\t" in src else [])
        assert not bad, f"{path.name} cell {i}: control characters {sorted(set(map(repr, bad)))}"


def labels_defined() -> set[str]:
    """Every target a {ref}, {numref} or {eq} can name, across the book."""
    labels = set()
    texts = [page_text(p) for p in BOOK_PAGES + CHAPTERS]
    for path in CHAPTERS:
        for cell in load(path)["cells"]:
            name = cell.get("metadata", {}).get("mystnb", {}).get("figure", {}).get("name")
            if name:
                labels.add(name)
    for text in texts:
        labels |= set(re.findall(r"^\(([\w-]+)\)=\s*$", text, re.MULTILINE))
        labels |= set(re.findall(r"^:(?:label|name):\s*(\S+)", text, re.MULTILINE))
        labels |= set(re.findall(r"^\$\$\s*\(([\w-]+)\)\s*$", text, re.MULTILINE))
    return labels


ROLE = re.compile(r"\{(ref|numref|eq|doc)\}`([^`]*)`")


@pytest.mark.parametrize("path", BOOK_PAGES + CHAPTERS, ids=lambda p: p.name)
def test_cross_references_name_existing_targets(path):
    labels = labels_defined()
    missing = []
    for role, body in ROLE.findall(page_text(path)):
        target = body.rsplit("<", 1)[-1].rstrip(">").strip() if "<" in body else body.strip()
        if role == "doc":
            base = ROOT if target.startswith("/") else path.parent
            stem = (base / target.lstrip("/")).resolve()
            if not any(stem.with_suffix(ext).exists() for ext in (".md", ".ipynb")):
                missing.append(f"{{doc}}`{body}`")
        elif target not in labels:
            missing.append(f"{{{role}}}`{body}`")
    assert not missing, f"{path.name}: targets that do not exist: {missing}"


def _imported_or_builtin(tree) -> set[str]:
    names = set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def _bound(tree) -> set[str]:
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return bound


def mechanical_asserts(code: str, earlier: set[str]) -> list[str]:
    """Asserts that cannot fail for the reason they claim: `assert_close(a, a)` with identical
    arguments, and an `assert` that uses no name the notebook computed (a constant)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    found = []
    skip = _imported_or_builtin(tree) | {"torch", "np", "math", "F", "nn", "lb", "plt"}
    computed = (earlier | _bound(tree)) - skip
    # `b = <expr>` then `assert_close(<expr>, b)` compares an expression with itself too.
    aliases = {n.targets[0].id: ast.dump(n.value) for n in ast.walk(tree)
               if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)}

    def same(a, b):
        da, db = ast.dump(a), ast.dump(b)
        return da == db or (isinstance(b, ast.Name) and aliases.get(b.id) == da) or (
            isinstance(a, ast.Name) and aliases.get(a.id) == db)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "assert_close", "assert_allclose", "assert_equal", "isclose", "allclose", "equal"):
            if len(node.args) >= 2 and same(node.args[0], node.args[1]):
                found.append(f"compares {ast.unparse(node.args[0])} with itself")
        if isinstance(node, ast.Assert):
            used = {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)}
            if not used & computed:
                found.append(f"assert {ast.unparse(node.test)} checks no computed value")
    return found


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_assert_can_fail(path):
    earlier: set[str] = set()
    problems = []
    for i, kind, src in cell_sources(path):
        if kind != "code":
            continue
        problems += [f"cell {i}: {p}" for p in mechanical_asserts(src, earlier)]
        try:
            earlier |= _bound(ast.parse(src))
        except SyntaxError:
            pass
    assert not problems, f"{path.name}: " + "; ".join(problems)


def test_mechanical_assert_finder_finds_what_it_should():
    assert mechanical_asserts("torch.testing.assert_close(a.sum(), a.sum())", {"a"})
    assert mechanical_asserts("b = -a.sum(dim=1).mean()\ntorch.testing.assert_close(-a.sum(dim=1).mean(), b)", {"a"})
    assert mechanical_asserts("import math\nassert abs(math.log(2) - 0.693) < 1e-3", set())
    assert mechanical_asserts("assert 0.95 ** 20 < 0.4", set())
    assert not mechanical_asserts("torch.testing.assert_close(ours, ref)", {"ours", "ref"})
    assert not mechanical_asserts("loss = f(x)\nassert loss < 1", set())
    assert not mechanical_asserts("assert accuracy > 0.9", {"accuracy"})


# --------------------------------------------------------------------------- reading the built book

@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_install_cell_is_hidden_from_the_html_book(path):
    """Colab needs the install cell first; the HTML reader does not need to see it."""
    first = code_cells(load(path))[0]
    assert "remove-cell" in first["metadata"].get("tags", []), f"{path.name}: tag the install cell remove-cell"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_cells_that_only_render_hide_their_input(path):
    for i, cell in enumerate(code_cells(load(path))):
        src = "".join(cell["source"]).strip()
        if src and src.splitlines()[-1].lstrip().startswith(("Markdown(", "display(Markdown(")):
            tags = cell["metadata"].get("tags", [])
            assert "hide-input" in tags or "remove-input" in tags, f"{path.name} code cell {i}: tag it remove-input"


def toc_chapters() -> list[str]:
    return [c["file"] for part in TOC["parts"] if part.get("numbered") for c in part["chapters"]]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_names_prerequisites_and_whats_next_as_links(path):
    entry = f"chapters/{path.stem}"
    if entry not in toc_chapters():
        pytest.skip("appendix")
    text = page_text(path)
    prereq = re.search(r"\*\*Prerequisites\.\*\*(.*?)(?:\n\n|$)", text, re.DOTALL)
    assert prereq and "{doc}" in prereq.group(1), f"{path.name}: a **Prerequisites.** paragraph with {{doc}} links"
    if entry != toc_chapters()[-1]:
        nxt = re.search(r"\*\*What's next\.\*\*(.*?)(?:\n\n|$)", text, re.DOTALL)
        assert nxt and "{doc}" in nxt.group(1), f"{path.name}: end the summary with a **What's next.** link"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_is_read_in_one_sitting(path):
    size = sum(len(src) for _, _, src in cell_sources(path))
    assert size <= 60_000, f"{path.name}: {size} characters of source (at most about 60,000: split it)"
