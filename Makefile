PY ?= .venv/bin/python

.PHONY: setup test lint bench docs

setup:
	python3 -m venv .venv && .venv/bin/pip install -q -r requirements-dev.txt

test:
	$(PY) -m pytest

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check exchangekit adapters examples
	$(PY) -m mypy

bench:
	$(PY) -m bench --json bench-out.json

docs:
	$(PY) -m mkdocs build --strict
