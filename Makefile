# The two commands a fresh machine needs: `make run` and `make test`.
# Everything else the project needs, these targets install into .venv themselves.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: browser fonts photos studio wrk setup run test test-random test-unit test-long bench lint migrate lock clean-data mailbox adjust admin api-docs api-docs-renderer

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=python3.x")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e ".[dev]"
	@touch $(STAMP)

# The sites' self-hosted fonts (@fontsource, pinned in shared/fonts.py) into build/fonts/, which
# the gateway serves at /__fonts/; npm is installed when missing and possible (root with
# apt-get). Offline, pages fall back to system fonts and the font-file tests say they skipped.
fonts: $(STAMP)       ## fetch the fonts the gateway serves (once; a complete build/fonts/ is kept)
	@command -v npm >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		{ apt-get update -qq && apt-get install -y -qq npm >/dev/null; } ; } || true
	@$(PY) -m shared.dev.vendor fonts || echo "the fonts were not fetched: pages use system fonts until make fonts succeeds"

# The studio (services/studio: TypeScript, React and Vite; its npm packages pinned in
# package-lock.json) built into services/studio/dist/, which the gateway serves at /studio/.
# Its API types are generated from the platform's OpenAPI document (services/gateway/api/
# openapi.json), then it is type-checked against them and built, when the build is missing or
# older than any of its sources or that document. npm is installed when missing and possible
# (root with apt-get); without it the studio is not built and the gateway's /studio/ says to
# run this. A type error or a failed build stops make.
STUDIO_DIR     := services/studio
STUDIO_BUILD   := $(STUDIO_DIR)/dist/index.html
STUDIO_MODULES := $(STUDIO_DIR)/node_modules/.installed-stamp
STUDIO_SOURCES := $(shell find $(STUDIO_DIR)/src $(STUDIO_DIR)/public -type f 2>/dev/null) \
                  $(addprefix $(STUDIO_DIR)/,index.html package.json package-lock.json vite.config.ts tsconfig.json) \
                  services/gateway/api/openapi.json

studio: $(STUDIO_BUILD)  ## type-check and build the studio (once; again when a source changes)

$(STUDIO_MODULES): $(STUDIO_DIR)/package.json $(STUDIO_DIR)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		{ apt-get update -qq && apt-get install -y -qq npm >/dev/null; } ; } || true
	@if command -v npm >/dev/null 2>&1; then \
		cd $(STUDIO_DIR) && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed-stamp; \
	else echo "npm is not installed: the studio is not built (Node 20+ and npm are needed)"; fi

# The build is dated when it started (after the API types it generates), not when it ended:
# a source saved while it ran is newer than the build, so the next make builds again.
$(STUDIO_BUILD): $(STUDIO_MODULES) $(STUDIO_SOURCES)
	@if [ -f $(STUDIO_MODULES) ]; then \
		cd $(STUDIO_DIR) && npm run --silent api-types >/dev/null && \
		started=$$(mktemp) && trap 'rm -f "$$started"' EXIT && npm run --silent typecheck && \
		npm run --silent build -- --logLevel error && touch -r "$$started" dist/index.html; \
	else echo "the studio is not built: /studio/ says to run make studio"; fi

setup: $(STAMP) fonts studio api-docs-renderer

# The public API's documents, served by the gateway at /api/openapi.json and /api/asyncapi.json:
# generated from the services' routes and shared/contracts.py into services/gateway/api/ and
# committed (a unit test fails when they are stale). The page at /api/docs renders them with
# Swagger UI (npm swagger-ui-dist, pinned in shared/dev/api_docs.py) from build/api-docs/.
api-docs: $(STAMP)    ## regenerate the OpenAPI and AsyncAPI documents after changing an API or a contract
	$(PY) -m shared.dev.api_docs write

api-docs-renderer: $(STAMP)
	@$(PY) -m shared.dev.api_docs renderer || echo "Swagger UI was not fetched: /api/docs shows links to the documents only"

run: setup photos     ## the whole platform on embedded PostgreSQL and NATS, with a demo tenant
	$(PY) -m shared.dev.stack run

adjust: setup         ## an operator's ledger correction (billing's command of `make admin`), e.g. ARGS="--tenant … --amount 50 --reference T-1 --reason … --operator ana"
	$(PY) -m services.admin adjust $(ARGS)

admin: setup          ## the operator's command line, e.g. ARGS="check", ARGS="dlq list", ARGS="--help" for all
	$(PY) -m services.admin $(ARGS)

mailbox: setup        ## list the mail `make run` has sent (invitations, password resets)
	$(PY) -m shared.dev.stack mailbox

# Debian's Chromium and the audit tools (axe-core and Lighthouse, npm packages pinned in
# tests/browser/package-lock.json) for the tests that look at rendered pages; installed when
# missing and possible (root with apt-get, as on CI), otherwise those tests say they were skipped.
AUDIT_TOOLS := tests/browser/node_modules/.installed-stamp

browser: $(AUDIT_TOOLS)
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		{ apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } ; } || \
		echo "chromium is not installed: the screenshot tests and browser audits will be skipped"

$(AUDIT_TOOLS): tests/browser/package.json tests/browser/package-lock.json
	@command -v npm >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		{ apt-get update -qq && apt-get install -y -qq npm >/dev/null; } ; } || true
	@if command -v npm >/dev/null 2>&1; then \
		cd tests/browser && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed-stamp; \
	else echo "npm is not installed: the browser audits will be skipped"; fi

# Real, openly licensed photographs (Debian's Plasma and MATE wallpaper packages) for the
# demo site and the screenshot tests, resized into build/photos/ with a manifest
# photos.json; installed when missing and possible (root with apt-get), like `browser`.
photos: setup
	@{ [ -d /usr/share/wallpapers/EveningGlow ] && [ -d /usr/share/backgrounds/mate/nature ]; } || \
		{ [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		{ apt-get update -qq && apt-get install -y -qq --no-install-recommends plasma-workspace-wallpapers mate-backgrounds >/dev/null; } ; } || \
		echo "the wallpaper packages are not installed: the demo site will have no photos"
	@$(PY) -m shared.dev.photos

test: setup browser photos  ## the whole suite: unit, contract, integration and end-to-end
	$(PY) -m pytest

test-random: setup browser photos  ## the whole suite in a shuffled order (the seed is printed: RANDOM_ORDER_SEED=… repeats it)
	$(PY) -m pytest --random-order $(if $(RANDOM_ORDER_SEED),--random-order-seed=$(RANDOM_ORDER_SEED))

test-unit: setup      ## only the pure tests (no sockets)
	$(PY) -m pytest tests/unit tests/contract

test-long: setup      ## only the long tests (CI runs them after make test)
	$(PY) -m pytest --run-long -m long

wrk:
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		{ apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } ; } || \
		echo "wrk is not installed: the gateway benchmark will say so and stop"

bench: setup wrk browser photos  ## benchmarks, each beside its reference; results in bench/results/
	$(PY) -m bench.run

lint: setup
	$(VENV)/bin/ruff check shared services tests bench
	$(VENV)/bin/lint-imports

migrate: setup        ## apply migrations to DATABASE_URL (an administrator's URL)
	$(PY) -m shared.migrate

lock:                 ## refresh requirements.lock from what .venv holds
	$(PY) -m pip freeze --exclude-editable | grep -v '^-e ' > requirements.lock

clean-data:           ## forget all local data (databases, streams, dev secrets)
	rm -rf .data
