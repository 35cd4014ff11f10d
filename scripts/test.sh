#!/usr/bin/env bash
# Runs every check and test of the workspace: formatting, clippy, unit and integration tests on
# SQLite and a throw-away PostgreSQL cluster, and the headless-Chromium browser tests.
#
# Installs what it needs from Debian when it is missing (PostgreSQL, Chromium and its WebDriver,
# a CJK font, Mosquitto and its clients), so it works on a fresh machine. Usage: scripts/test.sh [extra cargo test args]
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*" >&2; }

# --- Debian packages -------------------------------------------------------------------------
need_packages=()
command -v chromium >/dev/null 2>&1 || need_packages+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_packages+=(chromium-driver)
fc-list 2>/dev/null | grep -qi 'Noto Sans CJK\|Noto Serif CJK\|WenQuanYi' || need_packages+=(fonts-noto-cjk)
{ command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ]; } || need_packages+=(mosquitto)
command -v mosquitto_pub >/dev/null 2>&1 || need_packages+=(mosquitto-clients)
pg_bin_dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$pg_bin_dir" ] && [ -x "$pg_bin_dir/initdb" ] || need_packages+=(postgresql)
if [ ${#need_packages[@]} -gt 0 ]; then
    log "installing ${need_packages[*]}"
    sudo_cmd=()
    [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need_packages[@]}" >/dev/null
    pg_bin_dir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

# --- a throw-away PostgreSQL cluster ------------------------------------------------------------
# PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user.
pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/zhizao-pg.XXXXXX")
run_as_pg=()
if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$pg_dir"
    run_as_pg=(runuser -u postgres --)
fi
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
stop_postgres() {
    "${run_as_pg[@]}" "$pg_bin_dir/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
}
trap stop_postgres EXIT
log "starting PostgreSQL on 127.0.0.1:$pg_port"
"${run_as_pg[@]}" "$pg_bin_dir/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${run_as_pg[@]}" "$pg_bin_dir/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c fsync=off -c max_connections=300" start >/dev/null
export ZHIZAO_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
# Everything above is installed and running: no test may skip for want of it.
export ZHIZAO_TEST_EVERYTHING=1

# --- checks and tests -------------------------------------------------------------------------
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-always}"
log "cargo fmt --check"
cargo fmt --all -- --check
log "cargo clippy"
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings
log "cargo test (SQLite and PostgreSQL, browser)"
cargo test --workspace --all-features --locked "$@"
log "all checks passed"
