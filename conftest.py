"""Shared pytest settings for tests/ and chapters/: one thread per worker, a fast, deterministic
hypothesis profile, and how the two workers share the work."""
import os

# pytest runs on two workers (-n 2), and each notebook's kernel inherits this environment. With
# PyTorch's default of one thread per core, two workers on two cores oversubscribe the CPU and
# small training loops slow down tenfold; one thread each is the fastest, and the results are
# the same.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

from hypothesis import HealthCheck, settings

settings.register_profile(
    "lossbook",
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("lossbook")


# Work is shared between the two workers by scope (`--dist loadscope` in pyproject.toml): every
# test file and every notebook is one scope, so a notebook's cells run in order in one kernel, and
# every test class is a scope of its own, so that tests/test_assignments.py's one class per chapter
# spreads the chapters' grading over both workers. The slowest scopes are scheduled first, so
# that neither worker is left with one long scope at the end: the book's build, then the
# assignments, then the notebooks, then the many short unit-test files that even out the end
# (`--no-loadscope-reorder` keeps this order; xdist would otherwise put the scopes with the most
# tests first, and the book's one long test last).
import pytest  # noqa: E402

SLOW_FIRST = ("test_book.py", "test_assignments.py", "chapters/")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    def rank(item):
        path = item.nodeid.split("::")[0]
        return next((k for k, key in enumerate(SLOW_FIRST) if key in path), len(SLOW_FIRST))
    items.sort(key=rank)  # stable: within a rank, collection order
