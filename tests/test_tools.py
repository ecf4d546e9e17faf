"""The authors' tools: student versions strip solutions and keep checks."""
import sys
import pathlib

import nbformat

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tools"))
import make_student_version as msv  # noqa: E402


def test_strip_solutions_keeps_code_around_and_indentation():
    src = ("x = 1\n### BEGIN SOLUTION\nanswer = x + 1\n### END SOLUTION\nprint(answer)\n"
           "def f():\n    ### BEGIN SOLUTION\n    return 2\n    ### END SOLUTION\n")
    out = msv.strip_solutions(src)
    assert "answer = x + 1" not in out and "return 2" not in out
    assert out.startswith("x = 1\n# YOUR CODE HERE\nraise NotImplementedError()\nprint(answer)\n")
    assert "def f():\n    # YOUR CODE HERE\n    raise NotImplementedError()\n" in out


def test_student_version_clears_outputs_and_keeps_checks(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("### BEGIN SOLUTION\ny = 2\n### END SOLUTION", execution_count=1,
                                          outputs=[nbformat.v4.new_output("stream", text="2\n")]),
                nbformat.v4.new_code_cell("assert y == 2")]
    path = tmp_path / "ch.ipynb"
    nbformat.write(nb, path)
    assert msv.main([str(path), "--out", str(tmp_path / "student")]) == 0
    student = nbformat.read(tmp_path / "student" / "ch.ipynb", as_version=4)
    assert student.cells[0].source == "# YOUR CODE HERE\nraise NotImplementedError()\n"
    assert student.cells[0].outputs == [] and student.cells[0].execution_count is None
    assert student.cells[1].source == "assert y == 2"


def test_prefix_citations_is_idempotent_and_prefixes_every_key():
    import prefix_citations as pc
    text = ("See {cite}`a2020,b2021` and {cite:p}`c2019`.\n\n"
            "```{bibliography}\n:filter: docname in docnames\n```\n")
    once = pc.prefix_markdown(text, "ch-")
    assert "{cite}`ch-a2020,ch-b2021`" in once and "{cite:p}`ch-c2019`" in once
    assert ":filter: docname in docnames\n:keyprefix: ch-\n```" in once
    assert pc.prefix_markdown(once, "ch-") == once
