# The two commands of the README:  `make demo`  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: setup demo test broker-start broker-stop schemas ner-model clean

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
	$(BIN)/python -m newsflow.schemas.generate

# Rebuild models/ner-en/model from ../shared/data/conll2003 (about 20 min on one core).
ner-model: setup
	$(BIN)/pip install -q -e ".[train]"
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/python models/ner-en/train.py

clean: broker-stop
	rm -rf $(VENV)
