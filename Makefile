# The two commands README opens with: `make demo` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
# The web app is rebuilt only when its lock file or one of its sources changed.
NPM_STAMP := web/node_modules/.ci-$(shell sha1sum web/package-lock.json | cut -c1-12)
WEB_STAMP := web/dist/.built-$(shell git ls-files -co --exclude-standard web | LC_ALL=C sort | \
	xargs sha1sum | sha1sum | cut -c1-12)

.PHONY: setup system-deps web web-types demo test lint bench-render clean

setup: system-deps $(STAMP) web
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
	@command -v node >/dev/null && command -v npm >/dev/null || \
	  (apt-get update -qq && apt-get install -y -qq nodejs npm)
	@test -x /usr/bin/chromium || \
	  (apt-get update -qq && apt-get install -y -qq chromium)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

# The web app (web/, React + Vite): `npm ci` from the lock file, then a production build into
# web/dist, which the gateway serves at /.
web: $(WEB_STAMP)

$(NPM_STAMP): web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

$(WEB_STAMP): $(NPM_STAMP)
	cd web && npm run build
	touch $@

# After an API change: regenerate web/src/api/schema.d.ts from the gateway's OpenAPI document.
web-types: $(STAMP) $(NPM_STAMP)
	$(BIN)/python web/scripts/dump_openapi.py > web/openapi.json
	cd web && npm run types

demo: setup
	$(BIN)/ytempire demo

# Two pytest sessions side by side: the tests on the Kafka broker, and the rest (tests/run_suite.py).
test: setup
	$(BIN)/python -m tests.run_suite

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf .data
