# The two commands of the README:
#   make book   builds the HTML book into _build/html/index.html
#   make test   runs every test: unit tests, nbval on every notebook, the strict book build
# Both create the virtual environment .venv and install requirements.txt on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: book test notebooks student benchmark coverage clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going

test: $(STAMP)
	$(BIN)/python -m pytest

# Re-execute notebooks and store their outputs: make notebooks [NB=chapters/foo.ipynb]
notebooks: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py $(NB)

# Student versions of the chapters (solutions removed) in student/
student: $(STAMP)
	$(BIN)/python tools/make_student_version.py

benchmark: $(STAMP)
	$(BIN)/python benchmarks/bench_twins.py

coverage: $(STAMP)
	$(BIN)/python -m pytest tests -m "not book" --cov=lossbook --cov-report=term-missing

clean:
	rm -rf _build student
