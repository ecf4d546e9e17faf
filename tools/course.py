"""The course: every chapter's exercises as an nbgrader assignment, and their grading.

    python tools/course.py assignments [CHAPTER ...] [--course assignments]
    python tools/course.py grade [CHAPTER ...] [--course assignments] [--force]
    python tools/course.py table

``assignments`` writes a standard nbgrader course directory (``nbgrader_config.py``,
``source/<chapter>/<chapter>.ipynb``) generated from ``chapters/``, then runs nbgrader's own
``generate_assignment`` for each chapter into ``release/<chapter>/``: the notebooks to hand
out, with every solution replaced by ``raise NotImplementedError()`` and every hidden test
removed. ``grade`` autogrades what is in ``submitted/<student>/<chapter>/<chapter>.ipynb``
with nbgrader's ``autograde``, records the scores in nbgrader's gradebook
(``gradebook.db``) and exports them with nbgrader's CSV exporter to ``grades.csv``.
``table`` prints the points and difficulty of every chapter's exercises (the table of the
teaching page). The Makefile's ``assignments`` and ``grade`` targets call this script.

An assignment is a chapter's exercise section (from its ``## Exercises`` heading to its
``## References``) plus the chapter's setup cells (the cells whose nbgrader ``grade_id``
starts with ``setup``: imports, seed, helpers the exercises use), not the whole chapter:
autograding then takes seconds, and the chapter itself, with its solutions, is the reading.

The structure of an exercise in a chapter (``CONTRIBUTING.md`` shows it in full):

* a statement, a markdown cell opening with ```` ```{exercise} TITLE · ★★☆ · 4 points ````
  and a ``:label: ex-<chapter>-<n>``; nbgrader metadata ``locked``, ``grade_id`` the label;
* optional locked data cells (``grade_id`` ``<label>-data...``) that hold the exercise's
  inputs, so that a student cannot change them;
* solution cells (``solution: true``, ``grade_id`` ``<label>-solution...``), the answer between
  ``### BEGIN SOLUTION`` and ``### END SOLUTION``; the metadata ``lossbook.wrong_answer`` of
  one or more of them holds a plausible wrong answer (the code a student who made the usual
  mistake writes in place of the solution region: a string, or a list with one entry per
  region, ``null`` for a region that keeps its solution);
* check cells (``grade: true``, ``locked``, ``points``, ``grade_id`` ``<label>-check...``):
  visible checks that give nothing away, value checks between ``### BEGIN HIDDEN TESTS`` and
  ``### END HIDDEN TESTS``. Their points add up to the points in the title, two per star.
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import csv
import json
import logging
import os
import pathlib
import re
import sys
import warnings
from dataclasses import dataclass, field
from typing import Iterable, Optional

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
COURSE_ID = "lossbook"
POINTS_PER_STAR = 2
STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
SOLUTION_REGION = re.compile(r"^([ \t]*)### BEGIN SOLUTION[^\n]*\n(.*?)^[ \t]*### END SOLUTION[^\n]*(?:\n|$)",
                             re.MULTILINE | re.DOTALL)
HIDDEN_REGION = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS[^\n]*\n(.*?)^[ \t]*### END HIDDEN TESTS[^\n]*(?:\n|$)",
                           re.MULTILINE | re.DOTALL)
EXERCISE_DIRECTIVE = re.compile(
    r"^```\{exercise\}[ \t]+(?P<title>.+?)[ \t]+·[ \t]+(?P<stars>[★☆]{3})[ \t]+·[ \t]+"
    r"(?P<points>\d+) points?[ \t]*\n:label:[ \t]+(?P<label>\S+)[ \t]*\n(?P<body>.*?)^```[ \t]*$",
    re.MULTILINE | re.DOTALL)
SOLUTION_FENCE = re.compile(r"^````\{solution-(?:start|end)\}[^\n]*\n(?::class:[^\n]*\n)?````[ \t]*\n?", re.MULTILINE)
MINUTES_PER_STAR = {1: 10, 2: 20, 3: 40}

NBGRADER_CONFIG = '''\
# nbgrader's configuration for the lossbook course, written by `make assignments`.
# https://nbgrader.readthedocs.io/en/stable/configuration/config_options.html
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "lossbook"
# The exercises take seconds; a cell running this long is a student's infinite loop.
c.ExecutePreprocessor.timeout = 120
c.Execute.timeout = 120
# Stop each student's kernel as soon as its notebook has run (a graceful shutdown waits about
# a second per submission for a kernel that has nothing left to do).
c.Execute.shutdown_kernel = "immediate"
# A check cell a student deleted is put back from the source before grading.
c.OverwriteCells.add_missing_cells = True
'''


class CourseError(Exception):
    """A problem with the course's input that the user can fix; printed without a traceback."""


# --------------------------------------------------------------------------- reading chapters

def source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def grade_id(cell) -> Optional[str]:
    return meta(cell).get("grade_id")


def solution_regions(code: str) -> list[str]:
    """The code between each BEGIN SOLUTION / END SOLUTION pair, dedented to the marker."""
    out = []
    for m in SOLUTION_REGION.finditer(code):
        indent = m.group(1)
        lines = m.group(2).splitlines(keepends=True)
        out.append("".join(line[len(indent):] if line.startswith(indent) else line for line in lines))
    return out


def replace_regions(code: str, replacements: Iterable[str]) -> str:
    """``code`` with its solution regions (markers included) replaced, in order, by
    ``replacements``, each indented as its markers were."""
    replacements = list(replacements)
    found = len(SOLUTION_REGION.findall(code))
    if found != len(replacements):
        raise CourseError(f"{found} solution regions but {len(replacements)} replacements")
    it = iter(replacements)

    def sub(m):
        indent = m.group(1)
        text = next(it).rstrip("\n")
        return "".join(indent + line if line.strip() else line for line in text.splitlines(True)) + "\n"
    return SOLUTION_REGION.sub(sub, code)


def visible_part(code: str) -> str:
    """A check cell as the student sees it: the hidden tests removed."""
    return HIDDEN_REGION.sub("", code)


def wrong_answers(cell) -> Optional[list[str]]:
    """The stored wrong answer of a solution cell, one string per solution region (None where
    the metadata says ``null``: that region keeps its solution); None if the cell has none."""
    wrong = cell.get("metadata", {}).get("lossbook", {}).get("wrong_answer")
    if wrong is None:
        return None
    wrong = [wrong] if isinstance(wrong, str) else list(wrong)
    regions = solution_regions(source(cell))
    return [w if w is not None else r for w, r in zip(wrong, regions)] + wrong[len(regions):]


@dataclass
class Exercise:
    label: str
    title: str
    stars: int
    points: int
    statement: int                       # cell indices in the chapter
    data: list[int] = field(default_factory=list)
    solutions: list[int] = field(default_factory=list)
    checks: list[int] = field(default_factory=list)

    @property
    def number(self) -> int:
        return int(self.label.rsplit("-", 1)[1])


@dataclass
class Chapter:
    slug: str
    path: pathlib.Path
    nb: nbformat.NotebookNode
    title: str
    setup: list[int]
    section: range                       # the exercise section: cell indices
    exercises: list[Exercise]

    def check_points(self, ex: Exercise) -> float:
        return sum(float(meta(self.nb.cells[i]).get("points", 0)) for i in ex.checks)


def chapter_slugs() -> list[str]:
    """The chapters with exercises, in the book's order (_toc.yml), then any others by name."""
    toc = re.findall(r"file:\s*chapters/([\w-]+)", (ROOT / "_toc.yml").read_text())
    found = sorted(p.stem for p in CHAPTERS.glob("*.ipynb") if has_exercises(p))
    return [s for s in toc if s in found] + [s for s in found if s not in toc]


def has_exercises(path: pathlib.Path) -> bool:
    nb = json.loads(path.read_text())
    return any("{exercise}" in source(c) for c in nb["cells"] if c["cell_type"] == "markdown")


def read_chapter(slug: str) -> Chapter:
    """Parse a chapter's exercises; raise CourseError where the structure is broken."""
    path = CHAPTERS / f"{slug}.ipynb"
    if not path.exists():
        raise CourseError(f"no chapter named {slug!r}: chapters/{slug}.ipynb does not exist "
                          f"(the chapters with exercises are: {', '.join(chapter_slugs())})")
    nb = nbformat.read(path, as_version=4)
    cells = nb.cells
    title = next((m.group(1).strip() for c in cells if c.cell_type == "markdown"
                  for m in [re.search(r"^# (.+)$", source(c), re.MULTILINE)] if m), slug)
    start = next((i for i, c in enumerate(cells)
                  if c.cell_type == "markdown" and re.match(r"\s*## Exercises\b", source(c))), None)
    if start is None:
        raise CourseError(f"{slug}: no markdown cell starts with '## Exercises'")
    end = next((i for i in range(start + 1, len(cells))
                if cells[i].cell_type == "markdown" and re.match(r"\s*## ", source(cells[i]))), len(cells))
    setup = [i for i, c in enumerate(cells[:start]) if (grade_id(c) or "").startswith("setup")]
    exercises: list[Exercise] = []
    for i in range(start, end):
        cell = cells[i]
        m = EXERCISE_DIRECTIVE.search(source(cell)) if cell.cell_type == "markdown" else None
        if m:
            exercises.append(Exercise(label=m["label"], title=m["title"], stars=m["stars"].count("★"),
                                      points=int(m["points"]), statement=i))
            continue
        gid = grade_id(cell)
        if not gid or not exercises:
            continue
        ex = next((e for e in exercises if gid.startswith(e.label + "-")), None)
        if ex is None:
            raise CourseError(f"{slug}: cell {i} has grade_id {gid!r}, which names no exercise above it")
        kind = gid[len(ex.label) + 1:].split("-")[0]
        if kind not in ("data", "solution", "check"):
            raise CourseError(f"{slug}: cell {i}: grade_id {gid!r} must be <label>-data, -solution or -check...")
        getattr(ex, "solutions" if kind == "solution" else "checks" if kind == "check" else "data").append(i)
    return Chapter(slug=slug, path=path, nb=nb, title=title, setup=setup, section=range(start, end),
                   exercises=exercises)


# --------------------------------------------------------------------------- the assignment

def _myst_to_markdown(text: str, slug: str, repository: str) -> str:
    """What Jupyter renders of a statement written for the book: the exercise directive
    becomes a heading, the book's cross-references become text or links to the repository."""
    def heading(m):
        return f"### {m['title']} · {m['stars']} · {m['points']} points\n\n{m['body'].strip()}\n"

    def doc(m):
        label, target = m.group(1), m.group(2)
        path = (ROOT / target.lstrip("/") if target.startswith("/") else CHAPTERS / target).resolve()
        page = next((path.with_suffix(ext) for ext in (".ipynb", ".md") if path.with_suffix(ext).exists()), None)
        if page is None:
            return label or target
        rel = page.relative_to(ROOT).as_posix()
        return f"[{label or page.stem}]({repository}/blob/main/{rel})"

    text = SOLUTION_FENCE.sub("", text)
    text = EXERCISE_DIRECTIVE.sub(heading, text)
    text = re.sub(r"\{doc\}`(?:([^`<]*?)\s*<)?([^`>]*)>?`", doc, text)
    text = re.sub(r"\{(?:ref|numref)\}`([^`<]*?)\s*<[^`]*>`", r"\1", text)
    text = re.sub(r"\{(?:ref|numref)\}`([^`]*)`", lambda m: "*" + m.group(1).replace(f"{slug}-", "") + "*", text)
    text = re.sub(r"\{eq\}`eq-(?:" + re.escape(slug) + r"-)?([^`]*)`",
                  r"the chapter's equation *\1*", text)
    text = re.sub(r"\{cite(?::\w+)?\}`([^`]*)`", lambda m: "[" + ", ".join(
        k.strip().removeprefix(f"{slug}-") for k in m.group(1).split(",")) + "]", text)
    text = re.sub(r"^\(([\w-]+)\)=\n", "", text, flags=re.MULTILINE)
    return text.strip() + "\n"


def _locked(cell, gid: str):
    cell.metadata["nbgrader"] = {"grade": False, "solution": False, "locked": True, "grade_id": gid,
                                 "schema_version": 3}
    return cell


def points_table(chapter: Chapter) -> str:
    rows = ["| exercise | difficulty | points |", "|---|---|---|"]
    for ex in chapter.exercises:
        rows.append(f"| {ex.number}. {ex.title} | {'★' * ex.stars}{'☆' * (3 - ex.stars)} | {ex.points} |")
    return "\n".join(rows)


def assignment_notebook(chapter: Chapter, repository: str) -> nbformat.NotebookNode:
    """The assignment's source notebook: install cell, a header, the setup cells, the exercise
    section; every cell but the solutions locked; no output, no lossbook metadata."""
    cells = chapter.nb.cells
    total = sum(ex.points for ex in chapter.exercises)
    minutes = sum(MINUTES_PER_STAR[ex.stars] for ex in chapter.exercises)
    colab = repository.replace("https://github.com/", "https://colab.research.google.com/github/")
    header = nbformat.v4.new_markdown_cell(
        f"# Exercises: {chapter.title}\n\n"
        f"These exercises go with the chapter *{chapter.title}* of the book *Loss Functions in PyTorch* "
        f"([read it on GitHub]({repository}/blob/main/chapters/{chapter.slug}.ipynb), "
        f"[open it in Colab]({colab}/blob/main/chapters/{chapter.slug}.ipynb)). "
        f"Read the chapter first; the book shows its own solutions, so try each exercise before you "
        f"look.\n\n"
        f"{points_table(chapter)}\n\n"
        f"**{total} points**, about {minutes} minutes.\n\n"
        "**How to answer.** Run the cells from the top. Replace each `raise NotImplementedError()` "
        "with your code, keeping the names the statement asks for. The cells after each answer check "
        "it: they run your code and test what can be tested without giving the answer away. More "
        "tests, hidden here, grade your answer. Do not edit or delete the other cells (they are "
        "locked, and the grader restores them).\n")
    out = [_locked(copy.deepcopy(cells[0]), "install"), _locked(header, "header")]
    out += [copy.deepcopy(cells[i]) for i in chapter.setup]
    for i in chapter.section:
        cell = copy.deepcopy(cells[i])
        if cell.cell_type == "markdown":
            cell.source = _myst_to_markdown(source(cell), chapter.slug, repository)
            if not cell.source.strip():
                continue
        out.append(cell)
    for k, cell in enumerate(out):
        cell.metadata.pop("lossbook", None)
        cell.metadata.pop("tags", None)
        cell.metadata.pop("mystnb", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        if not grade_id(cell):
            _locked(cell, f"locked-{k}")
    nb = nbformat.v4.new_notebook(cells=out)
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                  "language": "python"},
                   "language_info": {"name": "python"}}
    return nb


def repository_url() -> str:
    text = (ROOT / "_config.yml").read_text()
    m = re.search(r"^repository:\s*\n\s+url:\s*(\S+)", text, re.MULTILINE)
    return m.group(1) if m else "https://github.com/lossbook/lossbook"


# --------------------------------------------------------------------------- nbgrader

@contextlib.contextmanager
def _nbgrader_env(course: pathlib.Path):
    """nbgrader runs `alembic` by name: put this Python's bin/ first on PATH; run from the course."""
    old_path, old_cwd = os.environ.get("PATH", ""), os.getcwd()
    os.environ["PATH"] = str(pathlib.Path(sys.executable).parent) + os.pathsep + old_path
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.chdir(course)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SQLAlchemy's autoflush chatter inside nbgrader
            yield
    finally:
        os.environ["PATH"] = old_path
        os.chdir(old_cwd)


def nbgrader_api(course: pathlib.Path):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    coursedir = CourseDirectory(config=config, root=str(course))
    # The API probes nbgrader's exchange (JupyterHub's hand-out folder), and logs a CRITICAL
    # line where there is none; generating and grading do not use it.
    logging.disable(logging.CRITICAL)
    try:
        api = NbGraderAPI(coursedir=coursedir, config=config)
    finally:
        logging.disable(logging.NOTSET)
    api.log.setLevel(logging.ERROR)
    return api


def _run(result: dict, what: str) -> None:
    if not result.get("success"):
        log = (result.get("log") or "") + (result.get("error") or "")
        errors = [line for line in log.splitlines() if "ERROR" in line or "Error" in line]
        raise CourseError(f"{what} failed: " + ("\n  ".join(errors[-5:]) or log[-1500:]))


def write_course(course: pathlib.Path, slugs: list[str]) -> list[Chapter]:
    """Write nbgrader_config.py (once) and source/<slug>/<slug>.ipynb for each chapter."""
    course.mkdir(parents=True, exist_ok=True)
    config = course / "nbgrader_config.py"
    if not config.exists():
        config.write_text(NBGRADER_CONFIG)
    repository = repository_url()
    chapters = []
    for slug in slugs:
        chapter = read_chapter(slug)
        folder = course / "source" / slug
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(assignment_notebook(chapter, repository), folder / f"{slug}.ipynb")
        chapters.append(chapter)
    return chapters


def generate(course: pathlib.Path, slugs: list[str]) -> None:
    """nbgrader generate_assignment for each chapter: source/ -> release/ and the gradebook."""
    with _nbgrader_env(course):
        api = nbgrader_api(course)
        for slug in slugs:
            _run(api.generate_assignment(slug, force=True), f"nbgrader generate_assignment {slug}")


def source_assignments(course: pathlib.Path) -> list[str]:
    return sorted(p.name for p in (course / "source").glob("*") if (p / f"{p.name}.ipynb").exists())


def precheck(course: pathlib.Path, slug: str, student: str) -> tuple[bool, list[str]]:
    """Read a submission before nbgrader grades it. Returns (gradable, messages)."""
    path = course / "submitted" / student / slug / f"{slug}.ipynb"
    where = f"{student}/{slug}"
    if not path.exists():
        return False, [f"{where}: no {slug}.ipynb in submitted/{student}/{slug}/: not graded"]
    try:
        submitted = nbformat.read(path, as_version=4)
    except Exception as exc:  # an unreadable file: JSON or notebook-format error
        reason = str(exc).splitlines()[0][:200]
        return False, [f"{where}: {slug}.ipynb is not a readable notebook ({reason}); not graded, "
                       "any earlier grade is kept"]
    released = nbformat.read(course / "release" / slug / f"{slug}.ipynb", as_version=4)
    by_id = {grade_id(c): c for c in submitted.cells if grade_id(c)}
    messages = []
    for cell in released.cells:
        gid, m = grade_id(cell), meta(cell)
        if not (m.get("grade") or m.get("solution") or m.get("locked")):
            continue
        got = by_id.get(gid)
        if got is None:
            if m.get("grade"):
                messages.append(f"{where}: check cell {gid!r} is missing (deleted?); restored from the "
                                "source before grading")
            elif m.get("solution"):
                messages.append(f"{where}: answer cell {gid!r} is missing (deleted?); that exercise "
                                "scores 0")
            else:
                messages.append(f"{where}: locked cell {gid!r} is missing (deleted?)")
        elif m.get("locked") and source(got).strip() != source(cell).strip():
            messages.append(f"{where}: locked cell {gid!r} was edited; graded with the original")
    return True, messages


def grade(course: pathlib.Path, slugs: Optional[list[str]] = None, *, force: bool = False,
          out=None) -> int:
    """Autograde every submission of the given assignments (all by default); export grades.csv.

    Returns 0 when every submission was graded, 1 when some were not (each said why), 2 when
    nothing could be done (no course, an unknown assignment)."""
    out = out or sys.stdout
    if not (course / "nbgrader_config.py").exists() or not (course / "release").exists():
        print(f"no course in {course}: run `make assignments` first", file=out)
        return 2
    known = [s for s in source_assignments(course) if (course / "release" / s).exists()]
    slugs = slugs or known
    unknown = [s for s in slugs if s not in known]
    if unknown:
        print(f"no assignment named {', '.join(map(repr, unknown))} in {course}; the assignments "
              f"are: {', '.join(known)}. Nothing was graded.", file=out)
        return 2
    failures = 0
    with _nbgrader_env(course):
        api = nbgrader_api(course)
        for slug in slugs:
            students = sorted(p.parent.name for p in (course / "submitted").glob(f"*/{slug}"))
            for student in students:
                ok, messages = precheck(course, slug, student)
                for msg in messages:
                    print(msg, file=out)
                if not ok:
                    failures += 1
                    continue
                result = api.autograde(slug, student, force=force)
                if not result.get("success"):
                    # Once more: a kernel that fails to start (a busy machine, a port taken by
                    # another process) is the usual cause, and a second start succeeds.
                    result = api.autograde(slug, student, force=True)
                if not result.get("success"):
                    failures += 1
                    log = (result.get("log") or "") + (result.get("error") or "")
                    reason = next((line for line in reversed(log.splitlines()) if "ERROR" in line),
                                  "see nbgrader's log")
                    print(f"{student}/{slug}: nbgrader could not grade it ({reason.strip()[:300]})",
                          file=out)
                    continue
                score, max_score = submission_score(course, slug, student)
                print(f"{student}/{slug}: {score:g} / {max_score:g}", file=out)
        export(course)
    print(f"grades of every graded submission: {course / 'grades.csv'}", file=out)
    return 1 if failures else 0


def submission_score(course: pathlib.Path, slug: str, student: str) -> tuple[float, float]:
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        sub = gb.find_submission(slug, student)
        return sub.score, sub.max_score


def cell_scores(course: pathlib.Path, slug: str, student: str) -> dict[str, float]:
    """grade_id -> score of every graded cell of one submission, from nbgrader's gradebook."""
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        nb = gb.find_submission_notebook(slug, slug, student)
        return {g.name: g.score for g in nb.grades}


def export(course: pathlib.Path) -> None:
    """nbgrader's CSV export of the gradebook to grades.csv."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin
    plugin = CsvExportPlugin()
    plugin.to = str(course / "grades.csv")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        plugin.export(gb)


def read_grades(course: pathlib.Path) -> list[dict]:
    with open(course / "grades.csv", newline="") as f:
        return list(csv.DictReader(f))


# --------------------------------------------------------------------------- the commands

def cmd_assignments(args) -> int:
    slugs = args.chapters or chapter_slugs()
    course = args.course.resolve()
    chapters = write_course(course, slugs)
    generate(course, slugs)
    for chapter in chapters:
        total = sum(ex.points for ex in chapter.exercises)
        print(f"{course / 'release' / chapter.slug / (chapter.slug + '.ipynb')}: "
              f"{len(chapter.exercises)} exercises, {total} points")
    print(f"course directory: {course} (hand out release/; collect into submitted/<student>/<chapter>/; "
          "then `make grade`)")
    return 0


def cmd_grade(args) -> int:
    return grade(args.course.resolve(), args.chapters or None, force=args.force)


def teaching_table() -> str:
    """Markdown: per chapter, the exercises, points, difficulty and expected time."""
    rows = ["| chapter | exercises | points | difficulty | about |", "|---|---|---|---|---|"]
    for slug in chapter_slugs():
        ch = read_chapter(slug)
        stars = " ".join("★" * ex.stars for ex in ch.exercises)
        minutes = sum(MINUTES_PER_STAR[ex.stars] for ex in ch.exercises)
        title = ch.title.replace("`", "")  # a role's text cannot hold backticks
        rows.append(f"| {{doc}}`{title} <chapters/{slug}>` | {len(ch.exercises)} | "
                    f"{sum(ex.points for ex in ch.exercises)} | {stars} | {minutes} min |")
    return "\n".join(rows)


TABLE_BEGIN = "<!-- BEGIN POINTS TABLE: written by `python tools/course.py table --write teaching.md` -->"
TABLE_END = "<!-- END POINTS TABLE -->"


def with_table(page: str) -> str:
    """``page`` with the text between the table markers replaced by :func:`teaching_table`."""
    start, end = page.index(TABLE_BEGIN) + len(TABLE_BEGIN), page.index(TABLE_END)
    return page[:start] + "\n" + teaching_table() + "\n" + page[end:]


def cmd_table(args) -> int:
    if args.write:
        args.write.write_text(with_table(args.write.read_text()))
        print(f"{args.write}: table written")
    else:
        print(teaching_table())
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, helptext in (("assignments", "write the course directory and release the assignments"),
                           ("grade", "autograde the submissions and export grades.csv")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("chapters", nargs="*", help="chapter names (default: every chapter with exercises)")
        p.add_argument("--course", type=pathlib.Path, default=ROOT / "assignments",
                       help="the nbgrader course directory (default: assignments/)")
        if name == "grade":
            p.add_argument("--force", action="store_true", help="grade again what was graded already")
    table = sub.add_parser("table", help="print the points and difficulty of every chapter's exercises")
    table.add_argument("--write", type=pathlib.Path, help="write it between the markers of this page")
    args = parser.parse_args(argv)
    try:
        return {"assignments": cmd_assignments, "grade": cmd_grade, "table": cmd_table}[args.command](args)
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
