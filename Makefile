# Maskedit: two commands on a fresh machine — `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
BUNDLE_STAMP := $(VENV)/.bundle-tools-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

# Shared libraries Qt needs offscreen (tests), and on a real X server (the window).
APT_QT_OFFSCREEN := libgl1 libegl1 libxkbcommon0 libglib2.0-0 libfreetype6 libfontconfig1 libdbus-1-3
# The validators the packaging tests run (desktop-file-validate, appstreamcli), and PyInstaller's
# binary analysis (objdump).
APT_TEST_TOOLS := desktop-file-utils appstream
APT_BUNDLE_TOOLS := binutils
APT_QT_X11 := $(APT_QT_OFFSCREEN) libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-xinerama0 libxcb-xkb1

.PHONY: run test lint bench system-deps system-deps-x11 system-deps-x11-test system-deps-test system-deps-bundle venv clean \
	bundle bundle-test install-desktop uninstall-desktop app-icons screenshots

run: system-deps-x11 venv
	$(VENV)/bin/maskedit $(ARGS)

# Everything offscreen, then the one test that needs a real X server (real keys and wheel) under
# Xvfb; its own pytest run, since Qt picks its platform once per process.
test: system-deps system-deps-test system-deps-x11-test venv lint
	QT_QPA_PLATFORM=offscreen QT_API=pyside6 $(PY) -m pytest $(PYTEST_ARGS)
	QT_API=pyside6 $(PY) packaging/xvfb.py $(PY) -m pytest --headed -p no:randomly -m x11 tests/ui/test_real_input.py

lint: venv
	$(VENV)/bin/ruff check editor tests packaging resources setup.py
	$(VENV)/bin/lint-imports

bench: system-deps venv
	QT_QPA_PLATFORM=offscreen QT_API=pyside6 $(PY) -m tests.benchmarks $(BENCH_ARGS)

# The one-folder app in dist/maskedit/ (PyInstaller, packaging/maskedit.spec), and its smoke test.
bundle: system-deps system-deps-bundle $(BUNDLE_STAMP)
	rm -rf dist/maskedit
	$(VENV)/bin/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
		packaging/maskedit.spec

bundle-test: bundle
	$(PY) packaging/smoke_test.py dist/maskedit

# Optional: launcher, icons, .maskedit file type and AppStream data for this user (~/.local/share).
install-desktop: venv
	$(PYTHON) packaging/linux/install_desktop.py --exec "$(abspath $(VENV))/bin/maskedit"

uninstall-desktop:
	$(PYTHON) packaging/linux/install_desktop.py --uninstall

# After changing resources/app-icon/maskedit.svg: its PNG sizes, drawn by Qt.
app-icons: system-deps venv
	$(PY) packaging/render_app_icon.py

# The README's pictures (resources/screenshots/): the real window on a virtual X server.
screenshots: venv
	@$(PYTHON) packaging/system_deps.py $(APT_QT_X11) xvfb
	$(PY) packaging/screenshots.py

system-deps:
	@$(PYTHON) packaging/system_deps.py $(APT_QT_OFFSCREEN)

system-deps-test:
	@$(PYTHON) packaging/system_deps.py --optional $(APT_TEST_TOOLS)

system-deps-bundle:
	@$(PYTHON) packaging/system_deps.py $(APT_BUNDLE_TOOLS)

system-deps-x11:
	@$(PYTHON) packaging/system_deps.py $(APT_QT_X11)

system-deps-x11-test:
	@$(PYTHON) packaging/system_deps.py $(APT_QT_X11) xvfb xdotool

venv: $(STAMP)

$(STAMP): pyproject.toml setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench]'
	rm -f $(VENV)/.installed-*
	touch $@

$(BUNDLE_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,bench,bundle]'
	rm -f $(VENV)/.bundle-tools-*
	touch $@

clean:
	rm -rf $(VENV) .bench .pytest_cache build dist *.egg-info
