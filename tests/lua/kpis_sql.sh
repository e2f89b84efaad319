#!/bin/sh
# Re-derives the expected values of tests/lua/kpis_samples_test.lua: imports
# samples/*.csv into an in-memory sqlite3 database (every column as text)
# and runs each [[query]] of the test file, printing its answer with 16
# significant digits. Needs the sqlite3 command.
#   sh tests/lua/kpis_sql.sh [DATA_DIR]
set -eu
cd "$(dirname "$0")/../.."
data=${1:-samples}
db=$(mktemp)
trap 'rm -f "$db"' EXIT
for t in leads activities deals spend feedback experiments; do
    sqlite3 "$db" ".mode csv" ".import $data/$t.csv $t"
done
grep -o '\[\[.*\]\]' tests/lua/kpis_samples_test.lua | sed 's/^\[\[//; s/\]\]$//' |
while IFS= read -r q; do
    case $q in
    *"GROUP BY"*) echo "$q"; sqlite3 -separator ' = ' "$db" "$q" | sed 's/^/    /' ;;
    *) printf '%s\n    = %s\n' "$q" "$(sqlite3 "$db" "SELECT printf('%.17g', ($q))")" ;;
    esac
done
