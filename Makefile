# The two commands README opens with: `make demo` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: setup system-deps demo test lint bench-render clean

setup: system-deps $(STAMP)
	$(BIN)/ytempire broker fetch

# Java 17 + Maven fetch and run the Kafka broker; DejaVu fonts draw titles and captions;
# the gateway tests start a throwaway PostgreSQL 15 server and Redis.
system-deps:
	@command -v java >/dev/null && command -v mvn >/dev/null || \
	  (apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless maven)
	@test -d /usr/share/fonts/truetype/dejavu || \
	  (apt-get update -qq && apt-get install -y -qq fonts-dejavu-core)
	@test -x /usr/lib/postgresql/15/bin/initdb || \
	  (apt-get update -qq && apt-get install -y -qq postgresql-15)
	@command -v redis-server >/dev/null || \
	  (apt-get update -qq && apt-get install -y -qq redis-server)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo: setup
	$(BIN)/ytempire demo

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf .data
