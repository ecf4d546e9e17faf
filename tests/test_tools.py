"""The authors' tools: citations, editing chapters as text, the course's building blocks."""
import pathlib
import sys

import nbformat
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tools"))
import course  # noqa: E402
import nbsplice  # noqa: E402
import prefix_citations as pc  # noqa: E402


def test_prefix_citations_is_idempotent_and_prefixes_every_key():
    text = ("See {cite}`a2020,b2021` and {cite:p}`c2019`.\n\n"
            "```{bibliography}\n:filter: docname in docnames\n```\n")
    once = pc.prefix_markdown(text, "ch-")
    assert "{cite}`ch-a2020,ch-b2021`" in once and "{cite:p}`ch-c2019`" in once
    assert ":filter: docname in docnames\n:keyprefix: ch-\n```" in once
    assert pc.prefix_markdown(once, "ch-") == once


def test_solution_regions_are_found_and_replaced_with_their_indentation():
    src = ("x = 1\n### BEGIN SOLUTION\nanswer = x + 1\n### END SOLUTION\nprint(answer)\n"
           "def f():\n    ### BEGIN SOLUTION\n    return 2\n    ### END SOLUTION\n")
    assert course.solution_regions(src) == ["answer = x + 1\n", "return 2\n"]
    out = course.replace_regions(src, ["answer = 0", "return 3\n"])
    assert out == "x = 1\nanswer = 0\nprint(answer)\ndef f():\n    return 3\n"
    with pytest.raises(course.CourseError, match="2 solution regions but 1 replacements"):
        course.replace_regions(src, ["answer = 0"])


def test_visible_part_drops_only_the_hidden_tests():
    src = "assert a.shape == (3,)\n### BEGIN HIDDEN TESTS\nassert a.sum() == 6\n### END HIDDEN TESTS\nprint('ok')\n"
    assert course.visible_part(src) == "assert a.shape == (3,)\nprint('ok')\n"


def test_statements_become_plain_markdown_for_jupyter():
    text = ("```{exercise} Derive it · ★★☆ · 4 points\n:label: ex-ch-2\n\nUse {eq}`eq-ch-risk` and "
            "{doc}`the notation <../notation>`; see {cite}`ch-smith2020`.\n```\n\n"
            "````{solution-start} ex-ch-2\n:class: dropdown\n````\n")
    out = course._myst_to_markdown(text, "ch", "https://github.com/o/r")
    assert out.startswith("### Derive it · ★★☆ · 4 points\n")
    assert "the chapter's equation *risk*" in out
    assert "[the notation](https://github.com/o/r/blob/main/notation.md)" in out
    assert "[smith2020]" in out and "solution-start" not in out and "{" not in out


def test_nbgrader_shorthand_expands_to_nbgrader_metadata():
    cells = [nbformat.v4.new_markdown_cell("", metadata={"nbgrader": "ex-ch-1"}),
             nbformat.v4.new_code_cell("", metadata={"nbgrader": "ex-ch-1-solution"}),
             nbformat.v4.new_code_cell("", metadata={"nbgrader": "ex-ch-1-check", "points": 2}),
             nbformat.v4.new_code_cell("", metadata={"nbgrader": "setup-imports"})]
    for cell in cells:
        nbsplice.expand_nbgrader(cell)
    kinds = [(c.metadata.nbgrader["locked"], c.metadata.nbgrader["solution"], c.metadata.nbgrader["grade"])
             for c in cells]
    assert kinds == [(True, False, False), (False, True, False), (True, False, True), (True, False, False)]
    assert cells[2].metadata.nbgrader["points"] == 2 and "points" not in cells[2].metadata
    with pytest.raises(SystemExit, match="needs points"):
        nbsplice.expand_nbgrader(nbformat.v4.new_code_cell("", metadata={"nbgrader": "ex-ch-1-check"}))


def test_nbsplice_round_trip_keeps_the_cells(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_markdown_cell("## Exercises\n\nText."),
        nbformat.v4.new_code_cell("### BEGIN SOLUTION\nq = 1\n### END SOLUTION",
                                  metadata={"nbgrader": {"grade": False, "solution": True, "locked": False,
                                                         "grade_id": "ex-ch-1-solution", "schema_version": 3},
                                            "lossbook": {"wrong_answer": "q = 2\n"}}),
        nbformat.v4.new_markdown_cell("## References")])
    path = tmp_path / "ch.ipynb"
    nbformat.write(nb, path)
    script = tmp_path / "ch.py"
    script.write_text(nbsplice.export(path, "## Exercises", "## References"))
    assert "lossbook={\"wrong_answer\": \"q = 2\\n\"}" in script.read_text()
    nbsplice.import_(path, script, "## Exercises", "## References")
    back = nbformat.read(path, as_version=4)
    assert [c.source for c in back.cells] == [c.source for c in nb.cells]
    assert back.cells[2].metadata == nb.cells[2].metadata
