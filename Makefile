# One-command set-up: `make run` and `make test` create .venv, install the package with its
# extras and, where allowed (root or password-less sudo), the system libraries Qt needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SAMPLE_MODEL := sample_models/adult_lgbm.txt
SAMPLE_DATA := sample_models/adult.parquet
# Qt's offscreen/xcb plugins and the Xvfb smoke test need these Debian packages; poppler-utils
# renders exported PDFs back to images in the tests.
SYSTEM_PACKAGES := libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libglib2.0-0 \
	libdbus-1-3 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 \
	libxcb-shape0 libxcb-randr0 libxcb-xinerama0 libxcb-xkb1 xvfb xauth poppler-utils

.PHONY: setup sysdeps run test lint format bench clean install-desktop

setup: sysdeps $(STAMP)

sysdeps:
	@bash scripts/install_system_packages.sh $(SYSTEM_PACKAGES)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[models,dask,dev,bench]'
	@touch $(STAMP)

run: setup
	$(VENV)/bin/shaplens --model $(SAMPLE_MODEL) --data $(SAMPLE_DATA) --label income_gt_50k

# After a failed run, tests.crash_log prints the test and the thread of a crash (if there was one).
test: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q || { status=$$?; $(PY) -m tests.crash_log; exit $$status; }

# Adds ShapLens to this user's application menu (no root): ~/.local/share/applications and icons.
install-desktop: setup
	$(VENV)/bin/shaplens install-desktop

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# BENCH_ARGS, e.g. make bench BENCH_ARGS='--soak-minutes 10' for a short soak (no trend verdict)
bench: setup
	$(PY) -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
