# tcpbox: `make run` builds and boots the appliance, `make test` runs every
# test (root-only namespace and QEMU tests included). See README.md.

GO      ?= go
FUZZTIME ?= 60s

.PHONY: all build test test-race fuzz bench run vet

all: build

build:
	$(GO) build ./...

vet:
	$(GO) vet ./...

# Everything, including the root-only namespace tests. Under CI=true a test
# that lacks root or a tool fails instead of skipping.
test: vet
	$(GO) test -count=1 -timeout 28m ./...

# The race detector over the packages with goroutines.
test-race:
	$(GO) test -race -count=1 -timeout 20m ./nic/... ./stack/...

# Every fuzz target for FUZZTIME each (default 60s).
fuzz:
	bash hack/fuzz.sh $(FUZZTIME)

bench:
	bash hack/bench.sh

run:
	bash hack/run.sh
