# Maskedit: two commands on a fresh machine — `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

# Shared libraries Qt needs offscreen (tests), and on a real X server (the window).
APT_QT_OFFSCREEN := libgl1 libegl1 libxkbcommon0 libglib2.0-0 libfreetype6 libfontconfig1 libdbus-1-3
APT_QT_X11 := $(APT_QT_OFFSCREEN) libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-xinerama0 libxcb-xkb1

.PHONY: run test lint bench system-deps system-deps-x11 venv clean

run: system-deps-x11 venv
	$(VENV)/bin/maskedit $(ARGS)

test: system-deps venv lint
	QT_QPA_PLATFORM=offscreen QT_API=pyside6 $(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check editor tests
	$(VENV)/bin/lint-imports

bench: system-deps venv
	QT_QPA_PLATFORM=offscreen QT_API=pyside6 $(PY) -m tests.benchmarks $(BENCH_ARGS)

system-deps:
	@$(PYTHON) packaging/system_deps.py $(APT_QT_OFFSCREEN)

system-deps-x11:
	@$(PYTHON) packaging/system_deps.py $(APT_QT_X11)

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench]'
	rm -f $(VENV)/.installed-*
	touch $@

clean:
	rm -rf $(VENV) .bench .pytest_cache build *.egg-info
