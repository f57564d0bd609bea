# The two commands a newcomer runs: `make run` and `make test`.
GO  ?= go
GIT ?= git
BIN := bin/gwconform
# The version `gwconform version` and every report name: the checkout's git describe, stamped so that a
# build Go records no VCS information for (-buildvcs=false) still names its commit. Empty without git or
# .git; the binary then names what Go recorded, or says that nothing was.
GWCONFORM_VERSION ?= $(shell $(GIT) describe --tags --always --dirty 2>/dev/null)

.PHONY: build run test lint bench mutation flake

build:
	$(GO) build -ldflags "-X main.version=$(GWCONFORM_VERSION)" -o $(BIN) ./cmd/gwconform

# A full conformance run against the embedded reference gateway; reports land in reports/.
run: build
	./$(BIN) run

test: lint
	$(GO) test -race -count=1 ./...

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...

# The benchmarks, then a full profiled run against the reference gateway directly and behind 100 ms of
# added latency (fastest of three each): the ratio of the two and the runs' peak RSS.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./internal/... ./suite/...
	$(GO) test -run '^$$' -bench RunBehindLatency -benchtime 3x ./cmd/gwconform/

# The mutation score: the suite against every defect of the list, with the table of what caught what.
# The recipe exits with go test's status, not sed's: a score below 100% fails it.
mutation:
	@out=$$($(GO) test -count=1 -run 'TestMutationScore' -v ./cmd/gwconform/ 2>&1); status=$$?; \
	printf '%s\n' "$$out" | sed -n '/^    defects_test.go/,/mutation score/p'; \
	if [ $$status -ne 0 ]; then printf '%s\n' "$$out" | grep -E -- '--- FAIL|^FAIL|not caught'; fi; \
	exit $$status

# N full runs against the reference gateway; any spec that ever failed is listed with its count.
N ?= 20
flake: build
	@rm -rf reports/flake; bad=0; \
	for i in $$(seq $(N)); do \
		./$(BIN) run --fail-on should --report-dir reports/flake/$$i >/dev/null 2>&1 || bad=$$((bad+1)); \
	done; \
	echo "flake: $$bad of $(N) runs against the reference gateway failed"; \
	grep -ho '<testcase name="[^"]*"[^>]*status="\(failed\|panicked\|timedout\|interrupted\)"' reports/flake/*/junit.xml \
		| sed 's/<testcase name="\([^"]*\)".*/\1/' | sort | uniq -c | sort -rn; \
	test $$bad -eq 0
