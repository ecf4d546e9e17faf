"""Shared pytest settings: one thread per worker, a fast, deterministic hypothesis profile."""
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
