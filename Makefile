# tcpbox: `make run` builds and boots the appliance, `make test` runs every
# test (root-only namespace and QEMU tests included). See README.md.

GO      ?= go
FUZZTIME ?= 60s

.PHONY: all build test test-race fuzz bench run vet metricscheck

all: build

build:
	$(GO) build ./...

vet:
	$(GO) vet ./...

# Everything, including the root-only namespace tests. Under CI=true a test
# that lacks root or a tool fails instead of skipping.
test: vet
	$(GO) test -count=1 -timeout 28m ./...
	$(MAKE) metricscheck

# /metrics parsed by Prometheus's own text-format parser, in a separate
# module so the product never depends on Prometheus libraries.
metricscheck:
	$(GO) test -count=1 -run TestMetrics ./appliance/admin
	cd hack/metricscheck && $(GO) test -count=1 ./

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
