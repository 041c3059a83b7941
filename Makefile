# tally: build, test and run the partner program pipeline.
GO        ?= go
TAGS      ?= duckdb_arrow
BIN       := bin/tally
AS_OF     ?= 2024-06-30
export CGO_ENABLED := 1

.PHONY: build test run bench bench-serve lint fuzz clean pg-fixtures soak

build: ## bin/tally
	$(GO) build -tags=$(TAGS) -o $(BIN) .

test: lint ## the whole test suite, race detector on
	$(GO) test -tags=$(TAGS) -race -count=1 -timeout 40m ./...

run: build ## the nightly job on the shipped example, published under output/
	./$(BIN) run --input fixtures/example --rulebook fixtures/rulebook.yaml --as-of $(AS_OF) --out output

bench: build ## the nightly run against the engine floor at BENCH_SIZES bookings (see BENCHMARKS.md)
	$(GO) run -tags=$(TAGS) ./tools/bench

# BENCH_SERVE_FLAGS: -clients 50 -duration 60s -lake DIR -landing DIR (see
# tools/benchserve); the lake is built once and reused.
BENCH_SERVE_FLAGS ?=

bench-serve: build ## the dashboard under 50 concurrent clients on a lake of 200k partners (see BENCHMARKS.md)
	$(GO) run ./tools/benchserve $(BENCH_SERVE_FLAGS)

SOAK_TIME ?= 10m

soak: ## tally schedule publishing every minute for SOAK_TIME while query, explain and report loop (not in make test; docs/faults.md)
	TALLY_SOAK=$(SOAK_TIME) $(GO) test -tags=$(TAGS) -count=1 -timeout 60m -run '^TestSoak$$' -v ./jobs/hardening

# PG_URL: postgres://user:password@host:port/database (default: the tests'
# server, TALLY_TEST_PG); passed in the environment so make never prints it.
PG_URL    ?= $(TALLY_TEST_PG)
PG_SCHEMA ?= public
export PG_URL

pg-fixtures: ## load fixtures/example into PostgreSQL tables (PG_URL=postgres://... PG_SCHEMA=public; see fixtures/postgres)
	@test -n "$$PG_URL" || { echo "pg-fixtures: set PG_URL=postgres://user:password@host:port/database"; exit 2; }
	$(GO) run ./fixtures/postgres/pgload -schema '$(PG_SCHEMA)' -dir fixtures/example

# Fuzz targets as package:Name. `make test` runs their seed corpora (f.Add
# and testdata/fuzz/); `make fuzz` searches each for FUZZTIME, one after
# another. New inputs that fail land in the package's testdata/fuzz/.
# FUZZTIME is a duration (30s) or an input count (2000x). A count has no
# wall-clock deadline, so a loaded machine cannot trip Go's fuzz coordinator
# into a spurious "context deadline exceeded"; CI uses counts. The extract
# row targets (FuzzCSVRows, FuzzJSONLRows) land a whole directory per
# input, so they get FUZZTIME_EXTRACT.
FUZZTIME  ?= 30s
FUZZTIME_EXTRACT ?= $(FUZZTIME)
FUZZ_TARGETS := \
	pipeline/date:FuzzParse pipeline/date:FuzzString \
	pipeline/decimal:FuzzParse pipeline/decimal:FuzzFormat \
	pipeline/rulebook:FuzzParse \
	pipeline/extract:FuzzCSVRows pipeline/extract:FuzzJSONLRows

fuzz: ## every fuzz target for FUZZTIME (default 30s) each, one after another
	@set -e; for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; name=$${t##*:}; \
	  budget=$(FUZZTIME); case $$name in FuzzCSVRows|FuzzJSONLRows) budget=$(FUZZTIME_EXTRACT);; esac; \
	  echo "== $$name (./$$pkg) for $$budget"; \
	  $(GO) test -tags=$(TAGS) -run '^$$' -fuzz "^$$name\$$" -fuzztime $$budget -fuzzminimizetime 100x ./$$pkg; \
	done

lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags=$(TAGS) ./...

clean:
	rm -rf bin
