# The two commands a newcomer needs: `make lab` and `make test`.
# Everything is installed into .venv from the pinned requirements files.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
START_PAGE := course/01-start-here.ipynb
PORT ?= 8888
# Extra options for `jupyter lab`, e.g. LAB_ARGS=--no-browser. Root needs --allow-root.
LAB_ARGS ?=
# The folder JupyterLab serves and runs in (nbgrader reads its configuration there); tests serve a copy.
LAB_ROOT ?= $(CURDIR)
ROOT_ARGS := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: lab test doctor bench pictures environment exercises lessons navigation clean help

help:
	@echo "make lab          install everything into .venv and open the course in JupyterLab"
	@echo "make test         install everything into .venv and run every test"
	@echo "make doctor       check, before a term, that Binder, nbgrader and the lessons are ready"
	@echo "make bench        print the course's performance figures"
	@echo "make pictures     refresh the README's screenshots from the browser tests"
	@echo "make lessons      re-execute the lessons and store their outputs"
	@echo "make navigation   regenerate the course map and the previous/next links"
	@echo "make exercises    regenerate exercises/ from solutions/ with nbgrader"
	@echo "make environment  regenerate environment.yml from requirements.txt"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps record that an install ran after its inputs last changed.
$(VENV)/.runtime-installed: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	@touch $@

$(VENV)/.test-installed: requirements-test.txt $(VENV)/.runtime-installed
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	@touch $@

# The proxy of the class hub the tests start (tests/hub/), from the npm registry, pinned in its lock file.
HUB_PROXY := hub/node_modules/.installed
$(HUB_PROXY): hub/package.json hub/package-lock.json
	cd hub && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The course's own Jupyter settings (jupyter-config/README.md), read before the environment's and the user's.
# jupyter-lab is what `jupyter lab` runs, started directly (one Python start-up fewer).
LAB_CONFIG := $(CURDIR)/jupyter-config

lab: $(VENV)/.runtime-installed
	cd "$(LAB_ROOT)" && JUPYTER_CONFIG_PATH="$(LAB_CONFIG)$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
		"$(CURDIR)/$(BIN)/jupyter-lab" --ServerApp.root_dir="$(LAB_ROOT)" --ServerApp.port=$(PORT) $(ROOT_ARGS) $(LAB_ARGS) $(START_PAGE)

test: $(VENV)/.test-installed $(HUB_PROXY)
	$(BIN)/python -m pytest -n auto --dist loadscope

doctor: $(VENV)/.test-installed
	$(BIN)/python -m tools.doctor

bench: $(VENV)/.test-installed
	$(BIN)/python -m tools.bench

# The README's pictures are screenshots the browser tests take; this runs those tests and keeps two.
SHOTS := test-artifacts/screenshots
pictures: $(VENV)/.test-installed
	$(BIN)/python -m pytest -p no:xdist -q tests/browser/test_calculators.py tests/browser/test_lessons.py -k "DelegationCalculator or 04-setting"
	cp "$(SHOTS)/test_the_calculator_answers_typing_sliders_and_bad_input-DelegationCalculator.png" docs/images/delegation-calculator.png
	cp "$(SHOTS)/test_the_lesson_runs_without_errors_and_shows_its_widgets-04-setting-your-rate.png" docs/images/rate-calculator.png

lessons: $(VENV)/.runtime-installed
	$(BIN)/python -m tools.execute_lessons

navigation: $(VENV)/.runtime-installed
	$(BIN)/python -m tools.build_navigation

exercises: $(VENV)/.runtime-installed
	$(BIN)/python -m tools.generate_exercises

environment: $(BIN)/python
	$(BIN)/python -m tools.sync_environment

clean:
	rm -rf $(VENV) gradebook.db .exchange hub/node_modules
