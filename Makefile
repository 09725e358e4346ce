# sigrpc: run `make help` for the targets.
GO          ?= go
BIN         := bin/sigrpc
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
CROSS_OS    := darwin freebsd netbsd openbsd dragonfly

PYTHON      ?= python3
PY_ENV      := cd clients/python && PYTHONPATH=src SIGRPC_BIN=$(CURDIR)/$(BIN)

.PHONY: help build run test test-go test-python test-node bench-node lint cross fuzz fuzz-short bench bench-go bench-python clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

build: ## build bin/sigrpc
	$(GO) build -o $(BIN) ./cmd/sigrpc

run: ## serve on this terminal's stdin/stdout (type ndjson requests)
	$(GO) run ./cmd/sigrpc

FUZZ_TARGETS := rpc:FuzzNDJSON rpc:FuzzLSP rpc:FuzzIDRoundTrip rpc:FuzzParams rpc:FuzzBatch rpc:FuzzValid signal:FuzzParse
FUZZTIME    ?= 5m

NODE_ENV_   := cd clients/node && SIGRPC_BIN=$(CURDIR)/$(BIN)

test: test-go test-python test-node fuzz-short ## every check and test (what CI runs)

test-go: lint cross ## Go: format, vet, staticcheck, other OSes, tests with -race
	$(GO) test -race -count=1 ./...

test-python: build ## Python client: ruff, mypy --strict, pytest against bin/sigrpc
	$(PY_ENV) $(PYTHON) -m ruff check .
	$(PY_ENV) $(PYTHON) -m mypy
	$(PY_ENV) $(PYTHON) -m pytest -q

lint: ## gofmt, go vet and staticcheck
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

cross: ## vet for the other supported OSes
	@for os in $(CROSS_OS); do echo "go vet (GOOS=$$os)"; GOOS=$$os $(GO) vet ./signal/ ./rpc/ ./cmd/... || exit 1; done

bench: build ## the whole benchmark table (under 3 minutes): floor, fixtures, sigrpc, clients
	$(GO) build -o bin/sigrpc-bench ./cmd/sigrpc-bench
	./bin/sigrpc-bench -sigrpc $(BIN)
	@echo; echo "Python client:"; $(MAKE) --no-print-directory bench-python
	@echo; echo "Node client:"; $(MAKE) --no-print-directory bench-node

fuzz: ## run every fuzz target for FUZZTIME each (default 5m)
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t#*:}; \
		echo "fuzz $$fn ($$FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) ./$$pkg/ || exit 1; done

# make test counts executions rather than seconds: Go 1.26's fuzz coordinator
# can fail a time-bounded run at its deadline with a bare "context deadline
# exceeded" and no failing input (go.dev/issue/75804, fixed in Go 1.27).
fuzz-short: ## every fuzz target for 100000 executions (part of make test)
	@$(MAKE) --no-print-directory fuzz FUZZTIME=100000x

bench-go: ## Go micro-benchmarks of the hot paths, with allocation counts
	$(GO) test -run '^$$' -bench . -benchmem ./rpc/ ./signal/

test-node: build ## Node client: npm ci, tsc (sources checkJs strict, types/ up to date), node --test against bin/sigrpc
	cd clients/node && npm ci --no-audit --no-fund --loglevel=error
	$(NODE_ENV_) npm run --silent typecheck
	$(NODE_ENV_) npm test

bench-node: build ## Node client throughput against the pipe floor, process.kill and spawnSync(/bin/kill)
	$(GO) build -o bin/sigrpc-bench ./cmd/sigrpc-bench
	$(NODE_ENV_) SIGRPC_ECHO=$(CURDIR)/bin/sigrpc-bench npm run --silent bench

bench-python: build ## Python client throughput against the pipe floor, os.kill and /bin/kill
	$(GO) build -o bin/sigrpc-bench ./cmd/sigrpc-bench
	$(PY_ENV) SIGRPC_ECHO=$(CURDIR)/bin/sigrpc-bench $(PYTHON) bench/bench.py

clean: ## remove build output
	rm -rf bin
