#!/usr/bin/env bash
# make fuzz: run every fuzz target in the module for $1 (default 60s) each.
# New interesting inputs land in the Go build cache's fuzz corpus; copy the
# ones worth keeping into the package's testdata/fuzz/<Target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${1:-60s}
fail=0
for pkg in $(go list ./...); do
  for target in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
    echo "== $pkg $target ($t)"
    if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$t" "$pkg"; then
      echo "FAIL: $pkg $target"
      fail=1
    fi
  done
done
exit $fail
