#!/usr/bin/env bash
# Installs what the telemetry benchmarks compare against: InfluxDB 1.x from Debian (the
# `influxdb` package, InfluxDB 1.6), used by `zhizao bench ingest` and `zhizao bench disk`.
# The package's own service is not needed (each benchmark starts its own influxd on a
# throw-away directory), so it is stopped and disabled if the installation started it.
set -euo pipefail

if command -v influxd >/dev/null 2>&1; then
    echo "influxd is installed: $(influxd version 2>/dev/null || echo unknown version)"
    exit 0
fi
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends influxdb >/dev/null
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    "${sudo_cmd[@]}" systemctl disable --now influxdb >/dev/null 2>&1 || true
fi
echo "installed $(influxd version)"
