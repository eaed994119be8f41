# Every target installs what it needs into .venv first (idempotent), so any of
# them works as the very first command on a fresh clone.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
STAMP  := $(VENV)/.installed
# every kernel of the venv reads it: library log lines stay out of cells (helpers/course/kernels.py)
KERNEL_CONFIG := $(VENV)/etc/ipython/ipython_kernel_config.py
# nbgrader shells out to alembic: the venv's bin must come first on PATH.
RUN    := PATH="$(BIN):$$PATH" TF_CPP_MIN_LOG_LEVEL=3
# the course environment every Unix user of a hub runs (students' servers and kernels, the
# instructor's grade): made from Debian's interpreter (pyenv's lives under /root, mode 700)
# and a normal install of this checkout, so it depends on nothing under /root or this folder
COURSE_ENV    ?= /opt/rnn-course/venv
SYSTEM_PYTHON ?= /usr/bin/python3.11
HELPERS_PY    := $(shell find helpers -name '*.py')
# make hub: the hub's proxy (npm, pinned, installed into hub/node_modules), roster, state folder
PROXY     := hub/node_modules/.bin/configurable-http-proxy
ROSTER    ?= hub/roster.csv
HUB_ROOT  ?= /srv/rnn-course-hub
HUB_PORT  ?= 8000
# make test runs on this many pytest-xdist workers; loadscope keeps each module (and each
# notebook nbval checks) on one worker, so a module's fixtures and a notebook's cells stay together
TEST_WORKERS ?= 2

.PHONY: install course-env hub demo lab formgrader exchange build site oldest test stress bench bench-copies grade clean-submissions help
help:
	@echo "make demo   build, grade three students, print their scores"
	@echo "make lab    open JupyterLab on your own copy of the chapters (work/)"
	@echo "make formgrader [COURSE=demo-course]  the instructor's JupyterLab: formgrader, manual grading"
	@echo "make exchange EXCHANGE=/srv/nbgrader/exchange [CONFIG=/etc/jupyter]  a shared machine's exchange"
	@echo "make course-env [COURSE_ENV=/opt/rnn-course/venv]  the course's Python for every Unix user (as root)"
	@echo "make hub [ROSTER=hub/roster.csv] [HUB_ROOT=/srv/rnn-course-hub] [HUB_PORT=8000]  JupyterHub for the class (as root)"
	@echo "make test   everything CI checks"
	@echo "make stress grade every solution 3 times with the other core busy (CI runs it)"
	@echo "make build  regenerate chapters/ and solutions/ from source/"
	@echo "make site   the course website (build/site/html) from solutions/ and the README, in seconds"
	@echo "make oldest nbval on every solution in .venv-oldest, at the oldest supported TensorFlow/Keras/PyTorch"
	@echo "make bench  time every notebook, its autograde and a class graded in parallel"
	@echo "make bench-copies  time the copy report of a synthetic class of 300 students (budget 60 s)"
	@echo "make grade ASSIGNMENT=01_sequential_data [JOBS=N] [SCHEDULER=tcp://host:8786] [DB=url] [NO_SANDBOX=1]"
	@echo "            grade every submission in submitted/ into the course gradebook"

install: $(STAMP) $(KERNEL_CONFIG)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

$(KERNEL_CONFIG): $(STAMP) helpers/course/kernels.py
	$(BIN)/python -m helpers.course setup
	@touch $@

course-env: $(COURSE_ENV)/.installed

$(COURSE_ENV)/.installed: pyproject.toml nbgrader_config.py $(HELPERS_PY)
	@test -x $(SYSTEM_PYTHON) || { echo "course-env needs $(SYSTEM_PYTHON) (Debian: apt-get install python3.11-venv)"; exit 2; }
	@test -x $(COURSE_ENV)/bin/python || $(SYSTEM_PYTHON) -m venv $(COURSE_ENV)
	$(COURSE_ENV)/bin/python -m pip install --quiet --disable-pip-version-check '.[hub]'
	cd / && $(COURSE_ENV)/bin/python -m helpers.course setup
	install -D -m 644 nbgrader_config.py $(COURSE_ENV)/etc/rnn-course/nbgrader_config.py
	chmod -R a+rX $(COURSE_ENV)
	@touch $@

$(PROXY): hub/package.json
	cd hub && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

hub: course-env $(PROXY)
	$(COURSE_ENV)/bin/python -m helpers.course hub --roster $(ROSTER) --root $(HUB_ROOT) \
		--port $(HUB_PORT) --proxy $(CURDIR)/$(PROXY)

demo: install
	$(RUN) $(BIN)/python -m helpers.course demo

lab: install
	$(RUN) $(BIN)/python -m helpers.course lab --folder work

# the instructor's JupyterLab at a course folder: this repository (a class graded with
# make grade) by default, COURSE=demo-course for the demo's gradebook
formgrader: install
	$(RUN) $(BIN)/python -m helpers.course formgrader --course $(or $(COURSE),.)

# a class on one shared machine: EXCHANGE=/srv/nbgrader/exchange CONFIG=/etc/jupyter (as root)
exchange: install
	@test -n "$(EXCHANGE)" || { echo "usage: make exchange EXCHANGE=/srv/nbgrader/exchange [CONFIG=/etc/jupyter]"; exit 2; }
	$(RUN) $(BIN)/python -m helpers.course exchange $(EXCHANGE) $(if $(CONFIG),--config $(CONFIG))

build: install
	$(RUN) $(BIN)/python -m helpers.course build

site: install
	$(RUN) $(BIN)/python -m helpers.course site

# a second venv at the oldest supported frameworks (pyproject [tool.rnn-course.oldest]), every
# other pin unchanged; .ci/run runs it after make stress
OLDEST := $(CURDIR)/.venv-oldest
oldest: install
	@test -x $(OLDEST)/bin/python || $(PYTHON) -m venv $(OLDEST)
	$(BIN)/python -m helpers.course versions --oldest > $(OLDEST)/requirements.txt
	$(OLDEST)/bin/python -m pip install --quiet --disable-pip-version-check -r $(OLDEST)/requirements.txt pytest-xdist==3.8.0
	$(OLDEST)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(OLDEST)/bin/python -m helpers.course setup
	PATH="$(OLDEST)/bin:$$PATH" TF_CPP_MIN_LOG_LEVEL=3 $(OLDEST)/bin/python -m pytest solutions --nbval-lax \
		-n $(TEST_WORKERS) --dist loadscope -q

test: install
	$(RUN) $(BIN)/python -m pytest tests solutions --nbval-lax --cov=helpers --cov-report=term \
		-n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder --durations=15 -rs

stress: install
	$(RUN) $(BIN)/python -m helpers.course stress

bench: install
	$(RUN) $(BIN)/python -m helpers.course bench --readme

bench-copies: install
	$(RUN) $(BIN)/python -m helpers.course.measuring.copies_scale --students 300

grade: install
	@test -n "$(ASSIGNMENT)" || { echo "usage: make grade ASSIGNMENT=01_sequential_data [JOBS=N] [SCHEDULER=tcp://host:8786] [DB=url] [NO_SANDBOX=1]"; exit 2; }
	$(RUN) $(BIN)/python -m helpers.course grade $(ASSIGNMENT) $(if $(JOBS),--jobs $(JOBS)) \
		$(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(DB),--db $(DB)) $(if $(NO_SANDBOX),--no-sandbox)

clean-submissions: install
	$(RUN) $(BIN)/python -m helpers.course clean submitted
