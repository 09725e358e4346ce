# sigrpc: run `make help` for the targets.
GO          ?= go
BIN         := bin/sigrpc
# staticcheck is built once into build/ (per version of it and of Go), not
# by `go run` at every make lint.
STATICCHECK_VERSION := v0.8.2
STATICCHECK := build/staticcheck/$(STATICCHECK_VERSION)-$(firstword $(shell $(GO) env GOVERSION))/staticcheck
# make test vets the other OSes the release builds helpers for; make
# cross-all (which the release workflow runs) the BSDs without a release
# too: each OS costs a cold run its standard library's compile, some
# 30 CPU-seconds.
CROSS_OS     := darwin freebsd
CROSS_OS_ALL := $(CROSS_OS) netbsd openbsd dragonfly

PYTHON      ?= python3
# make test-python runs in its own virtual environment (ignored by git), made
# with $(PYTHON) and holding the client with its dev extra; remade when it is
# missing, when pyproject.toml changes, or when its python no longer runs.
PY_VENV     := clients/python/.venv
PY_VENV_PY  := $(CURDIR)/$(PY_VENV)/bin/python
PY_ENV      := cd clients/python && PYTHONPATH=src SIGRPC_BIN=$(CURDIR)/$(BIN)
PY_TEST_ENV := cd clients/python && SIGRPC_BIN=$(CURDIR)/$(BIN)

# Releases (make dist): the platforms that get a helper, as GOOS-GOARCH.
# FreeBSD gets an npm package but no wheel (see clients/python/hatch_build.py).
DIST_PLATFORMS  := linux-amd64 linux-arm64 darwin-amd64 darwin-arm64 freebsd-amd64
WHEEL_PLATFORMS := linux-amd64 linux-arm64 darwin-amd64 darwin-arm64
DIST_HELPERS    := $(DIST_PLATFORMS:%=dist/bin/sigrpc-%)
DIST_VENV       := build/dist-venv
DIST_PY         := $(DIST_VENV)/bin/python
DIST_BUILD      := $(DIST_PY) -m build --no-isolation --outdir dist clients/python

# pip installs the tools with --no-compile: Python compiles what it imports
# when it first does, not every module at install (a fresh machine saves
# some 15 CPU-seconds).
#
# The release checks' and the registry round trip's tools, pinned, in build/:
# twine, auditwheel, pypiserver and PyYAML in build/release-venv
# (internal/disttest/release-requirements.txt); verdaccio, with its lockfile
# (internal/disttest/verdaccio/), in build/verdaccio.
RELEASE_VENV  := build/release-venv
RELEASE_PY    := $(RELEASE_VENV)/bin/python
VERDACCIO_DIR := build/verdaccio
VERDACCIO     := $(VERDACCIO_DIR)/node_modules/.bin/verdaccio

.PHONY: help build run test test-go test-python py-venv test-node test-recipes bench-node lint cross cross-all fuzz fuzz-short bench bench-go bench-spin bench-python clean
.PHONY: dist dist-tools dist-python dist-node test-dist release-tools release-check tools set-version FORCE

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' \
	  '{t[NR] = $$1; d[NR] = $$2; if (length($$1) > w) w = length($$1)} END {for (i = 1; i <= NR; i++) printf "  make %-*s  %s\n", w, t[i], d[i]}'

build: ## build bin/sigrpc
	$(GO) build -o $(BIN) ./cmd/sigrpc

run: ## serve on this terminal's stdin/stdout (type ndjson requests)
	$(GO) run ./cmd/sigrpc

FUZZ_TARGETS := rpc:FuzzNDJSON rpc:FuzzLSP rpc:FuzzIDRoundTrip rpc:FuzzBatch rpc:FuzzValid rpc:FuzzNoAnswerWaitsForInput internal/service:FuzzParams sigctl:FuzzParse
FUZZTIME    ?= 5m

NODE_ENV_   := cd clients/node && SIGRPC_BIN=$(CURDIR)/$(BIN)

test: test-go test-python test-node test-recipes fuzz-short test-dist release-check ## every check and test (what CI runs)

test-go: lint cross ## Go: format, vet, staticcheck, other OSes, tests with -race
	$(GO) test -race -vet=off -count=1 -parallel 4 ./...

test-python: build py-venv ## Python client: ruff, mypy --strict, pytest against bin/sigrpc (in clients/python/.venv)
	$(PY_TEST_ENV) $(PY_VENV_PY) -m ruff check .
	$(PY_TEST_ENV) $(PY_VENV_PY) -m mypy
	$(PY_TEST_ENV) $(PY_VENV_PY) -m pytest -q

py-venv: ## make (or remake) clients/python/.venv with the client and its dev extra
	@if ! $(PY_VENV_PY) -c 'import sigrpc, pytest, pytest_timeout, mypy, ruff' 2>/dev/null \
	    || [ clients/python/pyproject.toml -nt $(PY_VENV)/.installed ]; then \
	  echo "making $(PY_VENV) with $(PYTHON)"; \
	  rm -rf $(PY_VENV); \
	  if $(PYTHON) -m venv $(PY_VENV) 2>/dev/null; then :; else \
	    echo "$(PYTHON) -m venv failed (Debian: no python3-venv?); making one without pip"; \
	    rm -rf $(PY_VENV) && $(PYTHON) -m venv --without-pip $(PY_VENV) \
	    && $(PYTHON) -m pip --python $(PY_VENV_PY) install --quiet --disable-pip-version-check pip \
	    || exit 1; \
	  fi; \
	  $(PY_VENV_PY) -m pip install --quiet --disable-pip-version-check --no-compile -e 'clients/python[dev]' \
	    && touch $(PY_VENV)/.installed || exit 1; \
	fi

lint: $(STATICCHECK) ## gofmt, go vet and staticcheck
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

$(STATICCHECK):
	GOBIN=$(CURDIR)/$(@D) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

# With CGO_ENABLED=0 and -trimpath, as make dist builds its helpers, so that
# the standard library compiled for darwin/amd64 and freebsd/amd64 serves
# both (a cold make test compiles it once per OS, not twice).
cross: ## vet for the other OSes the release has helpers for, macOS and FreeBSD
	@for os in $(CROSS_OS); do echo "go vet (GOOS=$$os)"; GOOS=$$os CGO_ENABLED=0 $(GO) vet -trimpath ./sigctl/ ./rpc/ ./cmd/... || exit 1; done

cross-all: ## vet for every supported OS: also NetBSD, OpenBSD and DragonFly (the release workflow runs it)
	@$(MAKE) --no-print-directory cross CROSS_OS="$(CROSS_OS_ALL)"

bench: build ## the whole benchmark table (under 5 minutes): floor, fixtures, sigrpc, clients, cold start
	$(GO) build -o bin/sigrpc-bench ./cmd/sigrpc-bench
	./bin/sigrpc-bench -sigrpc $(BIN)
	@echo; echo "Python client:"; $(MAKE) --no-print-directory bench-python
	@echo; echo "Node client:"; $(MAKE) --no-print-directory bench-node
	@echo; echo "Cold start:"; $(MAKE) --no-print-directory bench-coldstart

fuzz: ## run every fuzz target for FUZZTIME each (default 5m)
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t#*:}; \
		echo "fuzz $$fn ($$FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) ./$$pkg/ || exit 1; done

# make test counts executions rather than seconds: Go 1.26's fuzz coordinator
# can fail a time-bounded run at its deadline with a bare "context deadline
# exceeded" and no failing input (go.dev/issue/75804, fixed in Go 1.27).
# 20,000 executions each: a check that every target runs and explores a
# little on each make test (its seeds also run in go test); make fuzz is
# the search.
fuzz-short: ## every fuzz target for 20000 executions (part of make test)
	@$(MAKE) --no-print-directory fuzz FUZZTIME=20000x

bench-spin: build ## sigrpc's CPU at three request rates for each --spin, 10 s each (90 s)
	$(GO) build -o bin/sigrpc-bench ./cmd/sigrpc-bench
	./bin/sigrpc-bench -sigrpc $(BIN) -spincpu 10s

# The helper and lineecho (cmd/sigrpc-bench/lineecho, a minimal Go pipe
# echo) are built as make dist builds its helpers, static and stripped,
# and copied into bin/coldstart/ with cp, as an install writes them (a
# file as Go's linker writes it starts slower: see cmd/sigrpc-bench). The
# Python and Node one-shot scripts run against that helper when they exist.
.PHONY: bench-coldstart
bench-coldstart: ## cold start (about 90 s): one-shot sigrpc against a minimal Go echo and /bin/kill, CPU per isolated request, Python and Node one-shots
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w' -o bin/coldstart/build/sigrpc ./cmd/sigrpc
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w' -o bin/coldstart/build/lineecho ./cmd/sigrpc-bench/lineecho
	rm -f bin/coldstart/sigrpc bin/coldstart/lineecho
	cp bin/coldstart/build/sigrpc bin/coldstart/build/lineecho bin/coldstart/
	$(GO) build -o bin/sigrpc-bench ./cmd/sigrpc-bench
	./bin/sigrpc-bench -coldstart -sigrpc bin/coldstart/sigrpc -echo1 bin/coldstart/lineecho
	@if [ -f clients/python/bench/coldstart.py ]; then echo; echo "Python one-shot: clients/python/bench/coldstart.py"; \
	  cd clients/python && SIGRPC_BIN=$(CURDIR)/bin/coldstart/sigrpc $(PYTHON) bench/coldstart.py; fi
	@if [ -f clients/node/bench/coldstart.mjs ]; then echo; echo "Node one-shot: clients/node/bench/coldstart.mjs"; \
	  cd clients/node && SIGRPC_BIN=$(CURDIR)/bin/coldstart/sigrpc node bench/coldstart.mjs; fi

bench-go: ## Go micro-benchmarks of the hot paths, with allocation counts
	$(GO) test -run '^$$' -bench . -benchmem ./rpc/ ./internal/service/ ./sigctl/

test-node: build node-modules ## Node client: tsc (sources checkJs strict, types/ up to date), node --test against bin/sigrpc
	$(NODE_ENV_) npm run --silent typecheck
	$(NODE_ENV_) npm test

# npm ci (which starts by deleting node_modules) only when the lockfile or
# package.json is newer than the last one.
NODE_MODULES := clients/node/node_modules/.installed
.PHONY: node-modules
node-modules: $(NODE_MODULES) ## clients/node/node_modules, by npm ci, when package-lock.json changes

$(NODE_MODULES): clients/node/package.json clients/node/package-lock.json
	cd clients/node && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Runs the README's "Editors and shells" recipes as written, headless (about
# a second); each skips when its tool is missing (bash and jq, nvim, emacs),
# except under CI=true, where .ci/run has installed them.
test-recipes: build ## the README's editor and shell recipes (bash with jq, Neovim, Emacs) against bin/sigrpc
	SIGRPC_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -v -timeout 5m ./internal/recipes/

bench-node: build ## Node client throughput against the pipe floor, process.kill and spawnSync(/bin/kill)
	$(GO) build -o bin/sigrpc-bench ./cmd/sigrpc-bench
	$(NODE_ENV_) SIGRPC_ECHO=$(CURDIR)/bin/sigrpc-bench npm run --silent bench

# The benches' Python tools live in build/bench-venv, nowhere else: psutil
# (pinned) with the client installed from clients/python; psutil is no
# dependency of the client. npm tree-kill (pinned) lives in build/bench-trees.
BENCH_VENV  := build/bench-venv
BENCH_PY    := $(BENCH_VENV)/bin/python
BENCH_TREES := build/bench-trees
.PHONY: bench-venv bench-trees
bench-venv: ## psutil 7.2.2 and the Python client in build/bench-venv, for the benches that compare with psutil (needs PyPI once)
	@if ! $(BENCH_PY) -c 'import psutil, sigrpc; assert psutil.__version__ == "7.2.2"' 2>/dev/null; then \
	  echo "making $(BENCH_VENV)"; rm -rf $(BENCH_VENV); \
	  $(PYTHON) -m venv $(BENCH_VENV) \
	  && $(BENCH_PY) -m pip install --quiet --disable-pip-version-check psutil==7.2.2 -e clients/python \
	  || exit 1; \
	fi

bench-python: build bench-venv ## Python client throughput against the pipe floor, os.kill, psutil and /bin/kill
	$(GO) build -o bin/sigrpc-bench ./cmd/sigrpc-bench
	$(PY_ENV) SIGRPC_ECHO=$(CURDIR)/bin/sigrpc-bench $(CURDIR)/$(BENCH_PY) bench/bench.py

# Run it as root on a host, so that terminate(tree) follows fork events, as
# BENCHMARKS.md's table does.
bench-trees: build bench-venv ## ending process trees (2 minutes): sigrpc terminate(tree) against psutil, npm tree-kill and kill(-pgid)
	@[ -f $(BENCH_TREES)/node_modules/tree-kill/package.json ] \
	  || npm install --prefix $(BENCH_TREES) --no-audit --no-fund --loglevel=error tree-kill@1.2.2
	SIGRPC_BIN=$(CURDIR)/$(BIN) $(BENCH_PY) bench/trees/trees.py --treekill $(CURDIR)/$(BENCH_TREES)/node_modules/tree-kill

dist-tools: $(DIST_VENV)/.installed ## the Python build tools make dist uses, in build/dist-venv (needs PyPI once)

$(DIST_VENV)/.installed: clients/python/dist-requirements.txt
	rm -rf $(DIST_VENV)
	$(PYTHON) -m venv $(DIST_VENV)
	$(DIST_PY) -m pip install --quiet --disable-pip-version-check --no-compile -r $<
	touch $@

dist: dist/.built ## release artefacts in dist/: helpers, sdist and wheels, npm tarballs (offline)

# make dist builds again only when something it packs (or packs from) is
# newer than dist/.built, so that make release-check and make test-dist
# after make dist check the very files it wrote: every file of the Go
# module but tests (the sdist carries all its sources), the clients'
# packaged files and the build tools.
DIST_INPUTS := $(shell find . \( -name '.?*' -o -name testdata -o -name node_modules -o -name __pycache__ \
	-o -path ./bin -o -path ./dist -o -path ./build -o -path ./clients \) -prune \
	-o -type f -not -name '*_test.go' -print 2>/dev/null) \
	$(shell find clients/python/src clients/node/src clients/node/types clients/node/npm \
	-name __pycache__ -prune -o -type f -print 2>/dev/null) \
	clients/python/hatch_build.py clients/python/pyproject.toml clients/python/README.md \
	clients/node/index.js clients/node/package.json clients/node/README.md

dist/.built: $(DIST_INPUTS) $(DIST_VENV)/.installed
	$(MAKE) --no-print-directory dist-python dist-node
	touch $@

# Every helper is static and carries no build paths; its version is the
# one VERSION embeds (internal/version).
dist/bin/sigrpc-%: FORCE
	CGO_ENABLED=0 GOOS=$(word 1,$(subst -, ,$*)) GOARCH=$(word 2,$(subst -, ,$*)) \
		$(GO) build -trimpath -ldflags '-s -w' -o $@ ./cmd/sigrpc

.PHONY: dist-helpers
dist-helpers: $(DIST_HELPERS) ## dist/bin/: the static helpers alone

dist-python: dist-tools $(DIST_HELPERS) ## dist/: the sdist and one wheel per platform with the helper inside
	rm -f dist/sigrpc-*.tar.gz dist/sigrpc-*.whl
	$(DIST_BUILD) --sdist
	@for p in $(WHEEL_PLATFORMS); do \
		echo "wheel for $$p"; \
		SIGRPC_HELPER=$(CURDIR)/dist/bin/sigrpc-$$p GOOS=$${p%-*} GOARCH=$${p#*-} $(DIST_BUILD) --wheel >/dev/null || exit 1; \
	done
	@ls dist/*.whl

dist-node: $(DIST_HELPERS) ## dist/npm/: the sigrpc tarball and one per platform package
	rm -rf dist/npm
	node clients/node/npm/pack.mjs dist/bin dist/npm

# .ci/run makes these first (make -j3 tools dist-helpers), so that make test
# itself fetches nothing.
tools: dist-tools release-tools py-venv node-modules $(STATICCHECK) ## every tool make test installs from PyPI, npm or the Go module proxy (in build/ and the clients' directories)

release-tools: $(RELEASE_VENV)/.installed $(VERDACCIO_DIR)/.installed ## the tools of make release-check and make test-dist, in build/ (needs PyPI and npm once)

$(RELEASE_VENV)/.installed: internal/disttest/release-requirements.txt
	rm -rf $(RELEASE_VENV)
	$(PYTHON) -m venv $(RELEASE_VENV)
	$(RELEASE_PY) -m pip install --quiet --disable-pip-version-check --no-compile -r $<
	touch $@

$(VERDACCIO_DIR)/.installed: internal/disttest/verdaccio/package.json internal/disttest/verdaccio/package-lock.json
	rm -rf $(VERDACCIO_DIR)
	mkdir -p $(VERDACCIO_DIR)
	cp $^ $(VERDACCIO_DIR)/
	cd $(VERDACCIO_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Bounded (about a minute): builds everything, installs the linux wheel and
# npm tarballs offline in fresh environments and uses them, then publishes
# dist/ to a local pypiserver and verdaccio (127.0.0.1, ports of the
# moment; stopped by the test that started them) as the release workflow
# publishes it, and installs with the README's pip install sigrpc and npm
# install sigrpc, pointed there by PIP_INDEX_URL and npm_config_registry.
test-dist: dist release-tools ## check dist/, install it offline and through local registries, in fresh environments without Go
	SIGRPC_DIST=$(CURDIR)/dist SIGRPC_DIST_PYTHON=$(CURDIR)/$(DIST_PY) \
	SIGRPC_RELEASE_PYTHON=$(CURDIR)/$(RELEASE_PY) SIGRPC_VERDACCIO=$(CURDIR)/$(VERDACCIO) \
		$(GO) test -count=1 -v -timeout 5m -skip '^TestReleaseCheck' ./internal/disttest/

# Everything the release workflow (.github/workflows/release.yml) does
# before it uploads, on the dist/ that make dist built (once per make run:
# make test shares it with make test-dist).
release-check: dist $(RELEASE_VENV)/.installed ## the release's checks on dist/: twine check, auditwheel show, npm publish --dry-run, the workflow's shape
	SIGRPC_DIST=$(CURDIR)/dist SIGRPC_RELEASE_PYTHON=$(CURDIR)/$(RELEASE_PY) \
		$(GO) test -count=1 -v -timeout 5m -run '^TestReleaseCheck' ./internal/disttest/

# The method table in README.md and the method reference in PROTOCOL.md are
# written from internal/service's table, between marker comments;
# TestDocsAreGenerated (internal/service) fails while they are stale.
.PHONY: docs
docs: ## regenerate README.md's method table and PROTOCOL.md's method reference from the method table
	$(GO) run ./internal/docgen/mkdocs

set-version: ## set the one version everywhere: make set-version V=x.y.z
	@echo "$(V)" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+$$' || { echo "usage: make set-version V=MAJOR.MINOR.PATCH"; exit 2; }
	echo "$(V)" > internal/version/VERSION
	cd clients/node && npm version "$(V)" --no-git-tag-version --allow-same-version >/dev/null
	$(GO) test -count=1 ./internal/version/

FORCE:

clean: ## remove build output (keeps the tools in build/)
	rm -rf bin dist
