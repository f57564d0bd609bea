# The two commands a newcomer runs: `make run` and `make test`.
GO  ?= go
BIN := bin/gwconform

.PHONY: build run test lint bench

build:
	$(GO) build -o $(BIN) ./cmd/gwconform

# A full conformance run against the embedded reference gateway; reports land in reports/.
run: build
	./$(BIN) run

test: lint
	$(GO) test -race -count=1 ./...

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
