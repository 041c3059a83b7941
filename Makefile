# tally: build, test and run the partner program pipeline.
GO        ?= go
TAGS      ?= duckdb_arrow
BIN       := bin/tally
AS_OF     ?= 2024-06-30
export CGO_ENABLED := 1

.PHONY: build test run bench lint fuzz clean

build: ## bin/tally
	$(GO) build -tags=$(TAGS) -o $(BIN) .

test: lint ## the whole test suite, race detector on
	$(GO) test -tags=$(TAGS) -race -count=1 ./...

run: build ## the nightly job on the shipped example, published under output/
	./$(BIN) run --input fixtures/example --rulebook fixtures/rulebook.yaml --as-of $(AS_OF) --out output

bench: build ## the nightly run against the engine floor at BENCH_SIZES bookings (see BENCHMARKS.md)
	$(GO) run -tags=$(TAGS) ./jobs/bench

lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags=$(TAGS) ./...

clean:
	rm -rf bin
