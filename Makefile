# The two commands of the README:
#   make book   builds the HTML book into _build/html/index.html
#   make test   runs every test: the lint (ruff), unit tests, nbval on every notebook, the strict book build
# Both create the virtual environment .venv and install requirements.txt on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: book test notebooks assignments grade benchmark coverage clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going

test: $(STAMP)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m pytest

# Re-execute notebooks and store their outputs: make notebooks [NB=chapters/foo.ipynb]
notebooks: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py $(NB)

# The course (nbgrader): assignments/ with source/ and release/, one assignment per chapter:
#   make assignments [CH="what-is-a-loss regression-losses"]
# nbgrader runs `alembic` by name, so the virtual environment's bin/ goes first on PATH.
assignments: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python tools/course.py assignments $(CH)

# Autograde assignments/submitted/<student>/<chapter>/ and write assignments/grades.csv:
#   make grade [CH=what-is-a-loss]
grade: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python tools/course.py grade $(CH)

# Speed and memory of every loss, printed as Markdown (a few minutes; one thread, for steady timings):
# the twins against PyTorch, the others against their peers (the `bench` extra), the growth with B and L.
$(VENV)/.bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	touch $(VENV)/.bench

benchmark: $(VENV)/.bench
	OMP_NUM_THREADS=1 $(BIN)/python benchmarks/bench_twins.py --threads 1
	OMP_NUM_THREADS=1 $(BIN)/python benchmarks/bench_peers.py --threads 1
	OMP_NUM_THREADS=1 $(BIN)/python benchmarks/bench_sweep.py --threads 1

coverage: $(STAMP)
	$(BIN)/python -m pytest tests -m "not book" --cov=lossbook --cov-report=term-missing

clean:
	rm -rf _build
