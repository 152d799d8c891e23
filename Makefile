# gridmgr: `make demo` runs the product on the embedded database, `make test` runs every test
# (starting a private PostGIS server when GRIDMGR_TEST_DATABASE_URL is not given).

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BASE_STAMP := $(VENV)/.installed-base
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: demo test lint bench synth clean

$(PY):
	@scripts/ensure-venv "$(PYTHON)" "$(VENV)"

$(BASE_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@ $(BASE_STAMP)

# `make demo PORT=8101` serves on another port.
PORT ?= 8000
demo: $(BASE_STAMP)
	$(VENV)/bin/gridmgr demo --port $(PORT)

# The map tests drive Debian's chromium through Playwright (never `playwright install`); the
# OGC API tests drive Debian's GDAL tools (ogrinfo, ogr2ogr) and PyQGIS against a live server.
# Two pytest workers (pytest-xdist), each module kept on one worker so that its module-scoped
# database and server are set up once: about 3 minutes here instead of 5. Each worker makes
# its own initialised databases (tests/conftest.py), so they never share one.
PYTEST_WORKERS ?= 2
test: $(DEV_STAMP)
	scripts/ensure-chromium
	scripts/ensure-gdal
	scripts/ensure-qgis
	GRIDMGR_REQUIRE_POSTGIS=1 scripts/with-postgis $(VENV)/bin/pytest \
		-n $(PYTEST_WORKERS) --dist loadscope --durations=15

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: $(DEV_STAMP)
	$(PY) bench/bench_startup.py
	$(PY) bench/bench_coords.py
	scripts/with-postgis $(PY) bench/bench_locate.py
	$(PY) bench/bench_coverage.py
	$(PY) bench/bench_locate_file.py
	scripts/with-postgis $(PY) bench/bench_workload.py
	$(PY) bench/bench_maps.py
	scripts/with-postgis $(PY) bench/bench_api.py
	scripts/with-postgis $(PY) bench/bench_import.py
	scripts/with-postgis $(PY) bench/bench_db_size.py
	scripts/with-postgis $(PY) bench/bench_intake.py

synth: $(BASE_STAMP)
	$(VENV)/bin/gridmgr synth boundaries

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
