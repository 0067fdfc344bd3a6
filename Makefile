# The two commands of the README:  `make demo`  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: setup demo test broker-start broker-stop schemas clean

setup: $(VENV)/.installed
	bash deploy/kafka/kafka.sh fetch

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	touch $@

demo: setup
	$(BIN)/newsflow demo

test: setup
	$(BIN)/python -m pytest

broker-start: setup
	$(BIN)/newsflow broker start

broker-stop:
	bash deploy/kafka/kafka.sh stop

schemas: setup
	$(BIN)/python -m schemas.generate

clean: broker-stop
	rm -rf $(VENV) .state
