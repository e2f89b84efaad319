#!/bin/sh
# Installs DuckDB's Node.js package into build/duckdb (once) and compares
# funnel-lua's answers with DuckDB's on freshly generated CRM exports:
# check.mjs (tables, joins, aggregates), funnels.mjs (funnels, cohorts).
# usage: sh tests/duckdb/run.sh ./funnel-lua
set -e
bin=$(realpath "$1")
top=$(cd "$(dirname "$0")/../.." && pwd)
work="$top/build/duckdb"
mkdir -p "$work"
if [ ! -d "$work/node_modules/@duckdb/node-api" ]; then
    command -v npm >/dev/null 2>&1 || {
        echo "tests/duckdb: npm is missing (apt-get install nodejs npm)" >&2; exit 1; }
    echo "tests/duckdb: installing @duckdb/node-api into build/duckdb" >&2
    npm install --prefix "$work" --no-audit --no-fund --loglevel=error @duckdb/node-api@1.5.6-r.1 >/dev/null
fi
cp "$top/tests/duckdb/compare.mjs" "$top/tests/duckdb/check.mjs" "$top/tests/duckdb/funnels.mjs" "$work/"
cd "$work"
node check.mjs "$bin" "$work"
node funnels.mjs "$bin" "$work"
