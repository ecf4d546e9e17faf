"""The course path, end to end through nbgrader, for every chapter with exercises.

For each chapter, ``tools/course.py`` writes a course directory in a temporary folder and
runs nbgrader's ``generate_assignment``; four students then submit the released notebook:

* ``solution`` answers every exercise with the chapter's solution: full marks;
* ``released`` hands it back unanswered: 0;
* ``first`` answers only the first exercise: exactly that exercise's points;
* ``wrong`` answers every exercise with its stored wrong answer (the mistake students make):
  every exercise loses all its points, each rejected by its own checks.

nbgrader's ``autograde`` grades them into its gradebook and its CSV exporter writes
``grades.csv``; the tests read both. The exercises of one chapter use distinct names (checked
below), so answering them all wrong at once tests each wrong answer on its own.
"""
from __future__ import annotations

import ast
import io
import json
import pathlib
import re
import sys

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import course  # noqa: E402

SLUGS = course.chapter_slugs()
STUDENTS = ("solution", "released", "first", "wrong")
PROBE = "ANSWERS:"


# --------------------------------------------------------------------------- structure

def assigned_names(code: str) -> set[str]:
    """Names a piece of code binds at top level (assignments, defs, classes, imports)."""
    names: set[str] = set()
    for node in ast.parse(code).body:
        targets = []
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.For, ast.With)):
            targets = [node.target] if isinstance(node, ast.For) else [i.optional_vars for i in node.items
                                                                         if i.optional_vars is not None]
        for target in targets:
            names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


@pytest.mark.parametrize("slug", SLUGS)
def test_every_exercise_is_a_graded_unit(slug):
    chapter = course.read_chapter(slug)
    cells = chapter.nb.cells
    assert chapter.exercises, f"{slug}: no exercise"
    labels = [ex.label for ex in chapter.exercises]
    assert labels == [f"ex-{slug}-{n}" for n in range(1, len(labels) + 1)], labels
    for ex in chapter.exercises:
        where = f"{slug} {ex.label}"
        statement = course.meta(cells[ex.statement])
        assert statement.get("locked") and statement.get("grade_id") == ex.label, f"{where}: statement not locked"
        assert 1 <= ex.stars <= 3, f"{where}: difficulty"
        assert ex.points == course.POINTS_PER_STAR * ex.stars, f"{where}: {ex.points} points for {ex.stars} stars"
        assert chapter.check_points(ex) == ex.points, f"{where}: check cells worth {chapter.check_points(ex)}"
        assert ex.solutions, f"{where}: no solution cell"
        assert ex.checks, f"{where}: no check cell"
        for i in ex.data:
            assert course.meta(cells[i]).get("locked") and not course.meta(cells[i]).get("solution"), where
        for i in ex.solutions:
            m = course.meta(cells[i])
            assert m.get("solution") and not m.get("locked") and not m.get("grade"), f"{where}: cell {i}"
            assert course.solution_regions(course.source(cells[i])), f"{where}: cell {i} has no solution region"
        for i in ex.checks:
            m = course.meta(cells[i])
            assert m.get("grade") and m.get("locked") and not m.get("solution") and m.get("points", 0) > 0, where
            hidden = course.HIDDEN_REGION.findall(course.source(cells[i]))
            assert hidden and all(h.strip() for h in hidden), f"{where}: check cell {i} has no hidden test"
        wrong = [(i, course.wrong_answers(cells[i])) for i in ex.solutions if course.wrong_answers(cells[i])]
        assert wrong, f"{where}: no stored wrong answer (metadata lossbook.wrong_answer)"
        for i, answers in wrong:
            regions = course.solution_regions(course.source(cells[i]))
            assert len(answers) == len(regions), f"{where}: one wrong answer per solution region"
            assert any(a.strip() != r.strip() for a, r in zip(answers, regions)), f"{where}: wrong = right"
    ids = [course.grade_id(c) for c in cells if course.grade_id(c)]
    assert len(ids) == len(set(ids)), f"{slug}: duplicate nbgrader grade_id"
    for i in chapter.setup:
        assert course.meta(cells[i]).get("locked"), f"{slug}: setup cell {i} not locked"


@pytest.mark.parametrize("slug", SLUGS)
def test_exercises_bind_distinct_names(slug):
    """Each exercise's answers, data and helpers have names no other exercise binds, so that one
    exercise's wrong answer cannot make another's checks pass or fail."""
    chapter = course.read_chapter(slug)
    bound = {}
    for ex in chapter.exercises:
        code = [course.source(chapter.nb.cells[i]) for i in ex.data]
        for i in ex.solutions:
            src = course.source(chapter.nb.cells[i])
            code += [course.SOLUTION_REGION.sub("", src), *course.solution_regions(src),
                     *(course.wrong_answers(chapter.nb.cells[i]) or [])]
        bound[ex.label] = set().union(*(assigned_names(c) for c in code))
    labels = list(bound)
    for a in range(len(labels)):
        for b in range(a + 1, len(labels)):
            shared = bound[labels[a]] & bound[labels[b]]
            assert not shared, f"{slug}: {labels[a]} and {labels[b]} both bind {sorted(shared)}"


# --------------------------------------------------------------------------- end to end

def answered(chapter: course.Chapter, released, choice) -> nbformat.NotebookNode:
    """The released notebook with each exercise answered as ``choice(label)`` says:
    'solution', 'wrong' or 'blank' (left as released)."""
    nb = nbformat.from_dict(json.loads(json.dumps(released)))
    by_id = {course.grade_id(c): c for c in chapter.nb.cells if course.grade_id(c)}
    for cell in nb.cells:
        gid = course.grade_id(cell)
        if not course.meta(cell).get("solution"):
            continue
        label = next(ex.label for ex in chapter.exercises if gid.startswith(ex.label + "-"))
        mode = choice(label)
        original = course.source(by_id[gid])
        if mode == "solution":
            cell.source = course.replace_regions(original, course.solution_regions(original))
        elif mode == "wrong" and course.wrong_answers(by_id[gid]):
            cell.source = course.replace_regions(original, course.wrong_answers(by_id[gid]))
        elif mode == "wrong":
            cell.source = course.replace_regions(original, course.solution_regions(original))
    return nb


def probe_cell(chapter: course.Chapter) -> nbformat.NotebookNode:
    """A cell a student could add at the end: print every number the solutions bind."""
    names = sorted(set().union(*(
        assigned_names(region) for ex in chapter.exercises for i in ex.solutions
        for region in course.solution_regions(course.source(chapter.nb.cells[i])))))
    code = f"""
import json as _json, numbers as _numbers
import torch as _torch
_found = {{}}
for _name in {names!r}:
    _value = globals().get(_name)
    if isinstance(_value, bool):
        continue
    if isinstance(_value, _numbers.Number):
        _found[_name] = [float(_value)]
    elif isinstance(_value, _torch.Tensor) and _value.numel() <= 64 and _value.is_floating_point():
        _found[_name] = _value.detach().double().flatten().cpu().tolist()
print({PROBE!r} + _json.dumps(_found))
"""
    return nbformat.v4.new_code_cell(code)


_GRADED: dict[str, dict] = {}
_COURSE: list[pathlib.Path] = []


def worker_course(tmp_path_factory) -> pathlib.Path:
    """One course directory per test worker: nbgrader creates its gradebook once (seconds)."""
    if not _COURSE:
        _COURSE.append(tmp_path_factory.mktemp("course"))
    return _COURSE[0]


def graded(slug: str, tmp_path_factory) -> dict:
    """Build, release, submit and grade one chapter's assignment once per test session (a failure
    is kept too, so that the chapter's other tests report it instead of grading again)."""
    if slug not in _GRADED:
        try:
            _GRADED[slug] = _grade_chapter(slug, tmp_path_factory)
        except Exception as exc:  # noqa: BLE001 - re-raised for every test of the chapter
            _GRADED[slug] = exc
    if isinstance(_GRADED[slug], Exception):
        raise _GRADED[slug]
    return _GRADED[slug]


def _grade_chapter(slug: str, tmp_path_factory) -> dict:
    where = worker_course(tmp_path_factory)
    chapter = course.write_course(where, [slug])[0]
    course.generate(where, [slug])
    released = nbformat.read(where / "release" / slug / f"{slug}.ipynb", as_version=4)
    first = chapter.exercises[0].label
    choices = {"solution": lambda label: "solution", "released": lambda label: "blank",
               "first": lambda label: "solution" if label == first else "blank",
               "wrong": lambda label: "wrong"}
    for student, choice in choices.items():
        nb = answered(chapter, released, choice)
        if student == "solution":
            nb.cells.append(probe_cell(chapter))
        folder = where / "submitted" / student / slug
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{slug}.ipynb")
    log = io.StringIO()
    code = course.grade(where, [slug], out=log)
    missing = [s for s in STUDENTS if not (where / "autograded" / s / slug / f"{slug}.ipynb").exists()]
    assert not missing, f"{slug}: nbgrader did not grade {missing}:\n{log.getvalue()}"
    result = {"course": where, "chapter": chapter, "released": released, "log": log.getvalue(), "code": code,
              "scores": {s: course.cell_scores(where, slug, s) for s in STUDENTS},
              "autograded": {s: nbformat.read(where / "autograded" / s / slug / f"{slug}.ipynb", as_version=4)
                             for s in STUDENTS},
              "csv": {row["student_id"]: row for row in course.read_grades(where) if row["assignment"] == slug}}
    return result


def exercise_scores(result: dict, student: str) -> dict[str, float]:
    scores = result["scores"][student]
    return {ex.label: sum(v for k, v in scores.items() if k.startswith(ex.label + "-check"))
            for ex in result["chapter"].exercises}


def numbers_in(code: str) -> list[float]:
    return [float(node.value) for node in ast.walk(ast.parse(code))
            if isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool)]


def numbers_in_text(text: str) -> list[float]:
    return [float(m) for m in re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e-?\d+)?", text)]


class AssignmentChecks:
    """The end-to-end checks of one chapter's assignment. One class per chapter is generated below:
    pytest-xdist (`--dist loadscope`) runs a class on one worker, which grades the chapter once."""

    slug: str

    def test_solution_scores_full_marks(self, tmp_path_factory):
        slug = self.slug
        result = graded(slug, tmp_path_factory)
        assert result["code"] == 0, result["log"]
        full = {ex.label: ex.points for ex in result["chapter"].exercises}
        assert exercise_scores(result, "solution") == full, result["log"]
        row = result["csv"]["solution"]
        assert float(row["score"]) == float(row["max_score"]) == sum(full.values())

    def test_released_notebook_scores_zero(self, tmp_path_factory):
        slug = self.slug
        result = graded(slug, tmp_path_factory)
        assert all(v == 0 for v in exercise_scores(result, "released").values())
        assert float(result["csv"]["released"]["score"]) == 0

    def test_first_exercise_alone_scores_exactly_its_points(self, tmp_path_factory):
        slug = self.slug
        result = graded(slug, tmp_path_factory)
        exercises = result["chapter"].exercises
        expected = {ex.label: ex.points if k == 0 else 0 for k, ex in enumerate(exercises)}
        assert exercise_scores(result, "first") == expected
        assert float(result["csv"]["first"]["score"]) == exercises[0].points

    def test_each_wrong_answer_loses_its_points(self, tmp_path_factory):
        """Each stored wrong answer runs (a student would hand it in) and its exercise's own checks
        reject it: the check cell fails on an assertion, not on a missing name."""
        slug = self.slug
        result = graded(slug, tmp_path_factory)
        scores = exercise_scores(result, "wrong")
        assert all(v == 0 for v in scores.values()), f"wrong answers that score: {scores}"
        nb = result["autograded"]["wrong"]
        for cell in nb.cells:
            gid, errors = course.grade_id(cell), [o for o in cell.get("outputs", []) if o.output_type == "error"]
            if course.meta(cell).get("solution"):
                assert not errors, f"{slug} {gid}: the wrong answer itself raises {errors[0].ename}"
            if course.meta(cell).get("grade"):
                assert errors, f"{slug} {gid}: the wrong answer passes this check"
                assert errors[0].ename not in ("NameError", "NotImplementedError"), (
                    f"{slug} {gid}: fails on {errors[0].ename}, not on the wrong value")

    def test_released_notebook_shows_no_solution_and_no_hidden_test(self, tmp_path_factory):
        slug = self.slug
        result = graded(slug, tmp_path_factory)
        chapter, released = result["chapter"], result["released"]
        text = "\n".join(course.source(c) for c in released.cells)
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
        assert "wrong_answer" not in json.dumps(released)
        secret_lines = set()
        for ex in chapter.exercises:
            for i in ex.solutions:
                for region in course.solution_regions(course.source(chapter.nb.cells[i])):
                    secret_lines |= {line.strip() for line in region.splitlines()}
            for i in ex.checks:
                for hidden in course.HIDDEN_REGION.findall(course.source(chapter.nb.cells[i])):
                    secret_lines |= {line.strip() for line in hidden.splitlines()}
        visible = {line.strip() for line in text.splitlines()}
        # Short lines ("else:", "return out") may occur elsewhere; a substantive line may not.
        leaked = {line for line in secret_lines & visible if len(line) > 24 and not line.startswith("#")}
        assert not leaked, f"{slug}: the released notebook shows {sorted(leaked)[:3]}"
        assert course.source(released.cells[0]).startswith("# On Colab"), "the install cell comes first"

    def test_no_visible_check_states_an_answer(self, tmp_path_factory):
        """No number a solution computes appears in a check a student can see, unless the
        statement or the exercise's data already state it."""
        slug = self.slug
        result = graded(slug, tmp_path_factory)
        chapter = result["chapter"]
        printed = "".join(o.get("text", "") for c in result["autograded"]["solution"].cells
                          for o in c.get("outputs", []) if o.output_type == "stream")
        line = next(l for l in printed.splitlines() if l.startswith(PROBE))
        answers = [v for values in json.loads(line[len(PROBE):]).values() for v in values]
        for ex in chapter.exercises:
            given = course.source(chapter.nb.cells[ex.statement]) + "".join(
                course.source(chapter.nb.cells[i]) for i in ex.data)
            stated = set(numbers_in_text(given))
            for i in ex.checks:
                visible = course.visible_part(course.source(chapter.nb.cells[i]))
                for literal in numbers_in(visible):
                    if literal in stated or (literal.is_integer() and abs(literal) < 10):
                        continue
                    close = [a for a in answers if abs(a - literal) <= 1e-3 * max(1.0, abs(a))]
                    assert not close, f"{slug} {ex.label}: visible check states {literal}, an answer"


# --------------------------------------------------------------------------- bad input

BAD_INPUT_CHAPTER = "what-is-a-loss"


def snapshot(where: pathlib.Path) -> dict:
    """Every recorded grade: (assignment, student) -> score, from nbgrader's gradebook."""
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{where / 'gradebook.db'}", course.COURSE_ID) as gb:
        return {(a.name, s.student.id): s.score for a in gb.assignments for s in a.submissions}


@pytest.fixture
def graded_copy(tmp_path, tmp_path_factory):
    """A copy of the graded what-is-a-loss course, to spoil without touching the original."""
    import shutil
    result = graded(BAD_INPUT_CHAPTER, tmp_path_factory)
    where = tmp_path / "course"
    shutil.copytree(result["course"], where)
    return where, result


class BadInputChecks:
    """Bad input to the grading command, on a copy of one graded chapter's course."""

    def test_unknown_assignment_gets_a_clear_message_and_grades_nothing(self, graded_copy, capsys):
        where, _ = graded_copy
        before = snapshot(where)
        code = course.main(["grade", "no-such-chapter", "--course", str(where)])
        out = capsys.readouterr()
        assert code == 2
        assert "no assignment named 'no-such-chapter'" in out.out and BAD_INPUT_CHAPTER in out.out
        assert "Traceback" not in out.out + out.err
        assert snapshot(where) == before
        assert course.main(["grade", "--course", str(where / "nowhere")]) == 2
        assert "run `make assignments` first" in capsys.readouterr().out


    def test_bad_submissions_get_clear_messages_and_keep_recorded_grades(self, graded_copy, capsys):
        """A deleted check cell is restored, a deleted answer cell scores 0, an edited locked cell
        runs as released, an unreadable notebook is not graded; the grades already recorded
        (every other student's, and the unreadable one's earlier grade) do not change."""
        where, result = graded_copy
        slug, chapter = BAD_INPUT_CHAPTER, result["chapter"]
        ex1, ex2 = chapter.exercises[0], chapter.exercises[1]
        full = answered(chapter, result["released"], lambda label: "solution")
        # 'deleter' answers everything but deletes exercise 1's check cell and exercise 2's answer cell.
        deleter = nbformat.from_dict(json.loads(json.dumps(full)))
        deleter.cells = [c for c in deleter.cells
                         if course.grade_id(c) not in (f"{ex1.label}-check", f"{ex2.label}-solution")]
        # 'editor' answers nothing and replaces exercise 1's check by `pass`.
        editor = nbformat.from_dict(json.loads(json.dumps(result["released"])))
        for cell in editor.cells:
            if course.grade_id(cell) == f"{ex1.label}-check":
                cell.source = "pass  # all good"
        for student, nb in (("deleter", deleter), ("editor", editor)):
            (where / "submitted" / student / slug).mkdir(parents=True)
            nbformat.write(nb, where / "submitted" / student / slug / f"{slug}.ipynb")
        # 'solution', graded already, hands in a file that is not a notebook.
        (where / "submitted" / "solution" / slug / f"{slug}.ipynb").write_text('{"cells": [')
        before = snapshot(where)

        code = course.main(["grade", slug, "--course", str(where)])
        out = capsys.readouterr()
        text = out.out + out.err
        assert code == 1, text  # one submission could not be graded
        assert "Traceback" not in text
        assert f"deleter/{slug}: check cell '{ex1.label}-check' is missing" in text
        assert f"deleter/{slug}: answer cell '{ex2.label}-solution' is missing" in text
        assert f"editor/{slug}: locked cell '{ex1.label}-check' was edited; graded with the original" in text
        assert f"solution/{slug}: {slug}.ipynb is not a readable notebook" in text
        after = snapshot(where)
        assert {k: v for k, v in after.items() if k in before} == before, "a recorded grade changed"
        total = sum(ex.points for ex in chapter.exercises)
        assert after[(slug, "deleter")] == total - ex2.points   # the restored check still grades exercise 1
        assert after[(slug, "editor")] == 0                    # the original check runs, and fails
        rows = {r["student_id"]: r for r in course.read_grades(where) if r["assignment"] == slug}
        assert float(rows["solution"]["score"]) == total and float(rows["editor"]["score"]) == 0


for _slug in SLUGS:
    _bases = (AssignmentChecks, BadInputChecks) if _slug == BAD_INPUT_CHAPTER else (AssignmentChecks,)
    _name = "TestAssignment_" + _slug.replace("-", "_")
    globals()[_name] = type(_name, _bases, {"slug": _slug})


def test_teaching_page_table_is_up_to_date():
    page = (ROOT / "teaching.md").read_text()
    assert course.with_table(page) == page, "run: python tools/course.py table --write teaching.md"
