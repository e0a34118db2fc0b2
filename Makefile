# Two commands on a fresh machine: `make demo` and `make test`.
# The site runs on requirements.txt alone; the tests and the linter need requirements-dev.txt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# A stamp per installed set, named after the checksum of its files: editing either file
# makes a new name, so the next make installs again.
PRODUCT_STAMP := $(VENV)/.installed-product-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
DEV := DEBUG=1

.PHONY: install install-dev demo serve test test-fast lint format clean

$(PRODUCT_STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $@

# The development set includes the product's, so installing it also stamps the product set.
$(DEV_STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@ $(PRODUCT_STAMP)

install: $(PRODUCT_STAMP)

install-dev: $(DEV_STAMP)

demo: install
	$(DEV) $(BIN)/python manage.py migrate
	$(DEV) $(BIN)/python manage.py load_anime
	$(DEV) $(BIN)/python manage.py train
	$(DEV) $(BIN)/python manage.py runserver 127.0.0.1:8000

serve: install
	$(DEV) $(BIN)/python manage.py runserver 127.0.0.1:8000

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports  # the layer contracts of pyproject.toml

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/python -m pytest

test-fast: install-dev
	$(BIN)/python -m pytest -m "not slow"

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles .pytest_cache .ruff_cache
