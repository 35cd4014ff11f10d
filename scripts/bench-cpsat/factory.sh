#!/usr/bin/env bash
# The shared polishing centre's day, planned by zhizao and by OR-Tools CP-SAT with the same
# model, objective (weighted tardiness, then makespan), time limit and one thread.
#
#   scripts/bench-cpsat/factory.sh [SECONDS] [ORDERS]      (defaults: 10 s, 300 orders)
#
# Builds zhizao (the workspace's usual profile; set ZHIZAO_BIN to use another binary), runs
# `zhizao bench factory`, which prints ATCS and zhizao and writes the instance, then CP-SAT on
# that instance. Creates .venv-cpsat in the repository root with a pinned ortools on first use.
set -euo pipefail

seconds=${1:-10}
orders=${2:-300}
cd "$(dirname "$0")/../.."
venv=.venv-cpsat
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import ortools" 2>/dev/null; then
    "$venv/bin/pip" install --quiet "ortools==9.15.6755"
fi
bin=${ZHIZAO_BIN:-}
if [ -z "$bin" ]; then
    cargo build --quiet -p zhizao
    bin=target/debug/zhizao
fi
instance=$(mktemp --suffix=.json)
trap 'rm -f "$instance"' EXIT
"$bin" bench factory --seconds "$seconds" --orders "$orders" --write-instance "$instance"
"$venv/bin/python" scripts/bench-cpsat/factory_cpsat.py "$instance" --time-limit "$seconds" --threads 1
