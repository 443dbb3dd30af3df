#!/usr/bin/env bash
# make bench: tcpbox beside the Linux kernel and gVisor's netstack, one run,
# one testbed. Needs root. Extra arguments go to the benchmark command
# (e.g. BENCHFLAGS="-reps 5 -d 5s" make bench).
set -euo pipefail
cd "$(dirname "$0")/.."
bash hack/deps.sh
mkdir -p out
cd hack/bench
go build -o ../../out/bench .
cd ../..
exec ./out/bench -json out/bench-results.json ${BENCHFLAGS:-} "$@"
