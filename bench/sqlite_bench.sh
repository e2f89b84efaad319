#!/bin/sh
# SQLite side of `make bench`: the sqlite3 command-line tool with an
# in-memory database, the G1 file .import-ed into a table with typed columns,
# then db-benchmark's q1..q10 written as for DuckDB, where SQLite can:
#   q6  n/a: SQLite has no median (and no stddev) aggregate;
#   q9  corr(v1, v2)^2 from sums: (n*Sxy - Sx*Sy)^2 / ((n*Sxx - Sx^2) *
#       (n*Syy - Sy^2)), exact integer sums, one division in floating point.
# Each answer is a `CREATE TABLE ans AS SELECT ...` timed with .timer (the
# "real" figure), then dropped; the load is timed by wall clock around
# .import. SQLite runs on one core.
#
# Prints "TIME sqlite <task> <seconds>" per run and "PEAK sqlite <kilobytes>".
# usage: sh bench/sqlite_bench.sh G1_FILE RUNS
set -e
file=$1
runs=${2:-3}
command -v sqlite3 >/dev/null 2>&1 || {
    echo "# sqlite3 missing, installing it (apt-get install sqlite3)" >&2
    apt-get install -y -qq sqlite3 >/dev/null 2>&1 ||
        sudo apt-get install -y -qq sqlite3 >/dev/null 2>&1 || {
        echo "# sqlite3 is not available: skipped" >&2; exit 0; }
}

sql_of() {
    case $1 in
    q1) echo "SELECT id1, sum(v1) AS v1 FROM x GROUP BY id1" ;;
    q2) echo "SELECT id1, id2, sum(v1) AS v1 FROM x GROUP BY id1, id2" ;;
    q3) echo "SELECT id3, sum(v1) AS v1, avg(v3) AS v3 FROM x GROUP BY id3" ;;
    q4) echo "SELECT id4, avg(v1) AS v1, avg(v2) AS v2, avg(v3) AS v3 FROM x GROUP BY id4" ;;
    q5) echo "SELECT id6, sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3 FROM x GROUP BY id6" ;;
    q7) echo "SELECT id3, max(v1)-min(v2) AS range_v1_v2 FROM x GROUP BY id3" ;;
    q8) echo "SELECT id6, v3 AS largest2_v3 FROM (SELECT id6, v3, row_number() OVER (PARTITION BY id6 ORDER BY v3 DESC) AS order_v3 FROM x WHERE v3 IS NOT NULL) sub_query WHERE order_v3 <= 2" ;;
    q9) echo "SELECT id2, id4, CAST((count(*)*sum(v1*v2) - sum(v1)*sum(v2)) * (count(*)*sum(v1*v2) - sum(v1)*sum(v2)) AS REAL) / ((count(*)*sum(v1*v1) - sum(v1)*sum(v1)) * (count(*)*sum(v2*v2) - sum(v2)*sum(v2))) AS r2 FROM x GROUP BY id2, id4" ;;
    q10) echo "SELECT id1, id2, id3, id4, id5, id6, sum(v3) AS v3, count(*) AS count FROM x GROUP BY id1, id2, id3, id4, id5, id6" ;;
    esac
}

script=$(mktemp)
trap 'rm -f "$script"' EXIT
{
    echo ".bail on"
    echo "CREATE TABLE x(id1 TEXT, id2 TEXT, id3 TEXT, id4 INTEGER, id5 INTEGER, id6 INTEGER, v1 INTEGER, v2 INTEGER, v3 REAL);"
    r=1
    while [ "$r" -le "$runs" ]; do
        [ "$r" -gt 1 ] && echo "DELETE FROM x;"
        echo ".print LOAD"
        echo ".shell date +%s.%N"
        echo ".import --csv --skip 1 '$file' x"
        echo ".shell date +%s.%N"
        r=$((r + 1))
    done
    echo ".print ROWS"
    echo "SELECT count(*) FROM x;"
    for q in q1 q2 q3 q4 q5 q7 q8 q9 q10; do
        sql=$(sql_of "$q")
        r=1
        while [ "$r" -le "$runs" ]; do
            echo ".print TASK $q"
            echo ".timer on"
            echo "CREATE TABLE ans AS $sql;"
            echo ".timer off"
            echo "DROP TABLE ans;"
            r=$((r + 1))
        done
    done
} >"$script"

peak=$(mktemp)
/usr/bin/time -f "%M" -o "$peak" sqlite3 :memory: <"$script" | awk '
    /^LOAD$/ { load = 1; t0 = ""; next }
    load && /^[0-9]+\.[0-9]+$/ {
        if (t0 == "") t0 = $1
        else { printf "TIME sqlite load %.6f\n", $1 - t0; load = 0 }
        next }
    /^ROWS$/ { rows = 1; next }
    rows { print "# sqlite loaded " $0 " rows"; rows = 0; next }
    /^TASK / { task = $2; next }
    /^Run Time: real / { printf "TIME sqlite %s %s\n", task, $4; next }
    { print "# sqlite " $0 }'
echo "PEAK sqlite $(tail -n 1 "$peak")"
echo "TIME sqlite q6 n/a"
rm -f "$peak"
