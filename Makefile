# Every target installs what it needs into .venv first (idempotent), so any of
# them works as the very first command on a fresh clone.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
STAMP  := $(VENV)/.installed
# nbgrader shells out to alembic: the venv's bin must come first on PATH.
RUN    := PATH="$(BIN):$$PATH" TF_CPP_MIN_LOG_LEVEL=3

.PHONY: install demo lab build test bench clean-submissions help
help:
	@echo "make demo   build, grade three students, print their scores"
	@echo "make lab    open JupyterLab on your own copy of the chapters (work/)"
	@echo "make test   everything CI checks"
	@echo "make build  regenerate chapters/ and solutions/ from source/"
	@echo "make bench  time every notebook and its autograde"

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

demo: install
	$(RUN) $(BIN)/python -m helpers.course demo

lab: install
	$(RUN) $(BIN)/python -m helpers.course workspace --folder work
	$(RUN) $(BIN)/jupyter lab --notebook-dir=work $(if $(filter 0,$(shell id -u)),--allow-root)

build: install
	$(RUN) $(BIN)/python -m helpers.course build

test: install
	$(RUN) $(BIN)/python -m pytest tests solutions --nbval-lax --cov=helpers --cov-report=term

bench: install
	$(RUN) $(BIN)/python -m helpers.course bench --readme

clean-submissions: install
	$(RUN) $(BIN)/python -m helpers.course clean submitted
