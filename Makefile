# Kefu: `make run` starts the product with demo data; `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-integration lint messages bench clean browsers

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet "pip==26.3"

$(VENV)/.runtime: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.dev: requirements-dev.lock $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements-dev.lock
	touch $@

run: $(VENV)/.runtime
	HOST=$(HOST) PORT=$(PORT) $(BIN)/kefu up

test: $(VENV)/.dev
	$(BIN)/pytest -p no:cacheprovider -n 2 --dist loadfile $(PYTEST_ARGS)

# The same suite on PostgreSQL and Redis, plus the integration tests that need them.
test-integration: $(VENV)/.dev
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
		$(BIN)/pytest -p no:cacheprovider -n 2 --dist loadfile $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check kefu tests bench

# Recompile translations after editing kefu/locale/*/LC_MESSAGES/django.po (needs GNU gettext).
messages: $(VENV)/.dev
	cd kefu && ../$(BIN)/kefu makemessages -l zh_Hans -l zh_Hant -l en --no-obsolete --ignore "migrations/*"
	cd kefu && ../$(BIN)/kefu compilemessages

bench: $(VENV)/.dev
	$(BIN)/python -m bench.import_orders

clean:
	rm -rf $(VENV) var
