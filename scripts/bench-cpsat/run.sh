#!/usr/bin/env bash
# Benchmark zhizao's solver against OR-Tools CP-SAT on one set, same time limit and threads.
#
#   scripts/bench-cpsat/run.sh SET_DIR SECONDS [THREADS] [--limit N] [--only a,b]
#
# e.g. scripts/bench-cpsat/run.sh ../shared/benchmarks/scheduling/fjsp/brandimarte 10 1
#
# Creates .venv-cpsat in the repository root and installs ortools there on first use. Runs
# zhizao first (the benchmark example, which calls the same library function as
# `zhizao bench schedule`), then CP-SAT, and prints both mean gaps as the last two lines.
# Set ZHIZAO_RESULTS=FILE to reuse a zhizao table saved from an earlier run instead.
# This is a benchmark, not a test: it takes (instances x SECONDS x 2) and one core per thread.
set -euo pipefail

if [ $# -lt 2 ]; then
    sed -n '2,12p' "$0"
    exit 2
fi
set_dir=$(cd "$1" && pwd)
seconds=$2
shift 2
threads=1
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
    threads=$1
    shift
fi

cd "$(dirname "$0")/../.."
venv=.venv-cpsat
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import ortools" 2>/dev/null; then
    "$venv/bin/pip" install --quiet "ortools==9.15.6755"
fi

results=${ZHIZAO_RESULTS:-}
if [ -z "$results" ]; then
    results=$(mktemp)
    cargo build --release --quiet -p zhizao-schedule --example bench
    target/release/examples/bench "$set_dir" "$seconds" --threads "$threads" "$@" 2>/dev/null | tee "$results"
fi

"$venv/bin/python" scripts/bench-cpsat/cpsat_bench.py \
    --set "$set_dir" --time-limit "$seconds" --threads "$threads" \
    --zhizao-results "$results" "$@"
