#!/bin/sh
# Installs the Debian packages funnel-lua needs, only when one is missing.
# Called by `make run`, `make test` and `make deps`; safe to run again.
set -e
need=""
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
for p in liblua5.4-dev libcsv-dev libutf8proc-dev libcriterion-dev pkg-config; do
    have "$p" || need="$need $p"
done
# node and npm run the DuckDB comparison tests (tests/duckdb), not the product
command -v npm >/dev/null 2>&1 || need="$need nodejs npm"
[ -z "$need" ] && exit 0
echo "funnel-lua: installing missing packages:$need" >&2
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
    command -v sudo >/dev/null 2>&1 || {
        echo "funnel-lua: need root to install:$need (run: sudo apt-get install$need)" >&2
        exit 1
    }
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
