#!/bin/sh
# Script-level tests: every tests/lua/*_test.lua, then the golden outputs of
# the scripts in scripts/.
#
#   sh tests/run_lua_tests.sh BINARY          (make test-lua uses build/san/funnel-lua)
#   UPDATE_GOLDEN=1 sh tests/run_lua_tests.sh ./funnel-lua    rewrite the goldens
#
# Test files run with `BINARY test FILE --data DIR`, so they can use
# funnel.test / funnel.expect (a plain script that raises an error on failure
# works too). DIR is tests/lua/data unless the file has a line
# "-- test-data: DIR" (relative to the repository root).
#
# Golden cases: each line of CASES below is "name status args...": the
# binary runs with args (plus --data samples), its standard output must equal
# tests/lua/golden/<name>.out byte for byte and its exit status must be
# `status`. The scripts get --param as_of=2026-09-30 so their output does
# not depend on the day the tests run.
#
# Prints one line per failure and "N passed, N failed" last; exits 1 when
# anything failed.
set -u
BIN=${1:?usage: sh tests/run_lua_tests.sh BINARY}
cd "$(dirname "$0")/.." || exit 2
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
[ -x "$BIN" ] || { echo "run_lua_tests: no executable '$BIN'" >&2; exit 2; }

passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# ---- unit tests -----------------------------------------------------------
for f in tests/lua/*_test.lua; do
    [ -e "$f" ] || continue
    data=$(sed -n 's/^-- test-data: *//p' "$f" | head -n 1)
    [ -n "$data" ] || data=tests/lua/data
    if "$BIN" test "$f" --data "$data" >"$tmp/out" 2>"$tmp/err"; then rc=0; else rc=$?; fi
    # the last line is "N passed, N failed"; a file without cases counts once
    summary=$(tail -n 1 "$tmp/out")
    p=$(echo "$summary" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
    q=$(echo "$summary" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
    if [ -z "$p" ]; then p=0; q=1; fi
    # a file that registers cases must run some: guards against a runner
    # that silently finds nothing to run
    if [ "$p" -eq 0 ] && [ "$q" -eq 0 ] && grep -q '^ *\(funnel\.\)\{0,1\}test(' "$f"; then
        echo "ran no test case of $f" >>"$tmp/out"
        q=1
    fi
    if [ "$rc" -eq 0 ] && [ "$p" -eq 0 ] && [ "$q" -eq 0 ]; then p=1; fi
    if [ "$rc" -ne 0 ] || [ "$q" -ne 0 ]; then
        [ "$q" -eq 0 ] && q=1
        echo "FAIL $f (exit $rc):"
        sed -n '/passed, .* failed$/!p' "$tmp/out" | sed 's/^/  /'
        sed 's/^/  /' "$tmp/err"
    fi
    passed=$((passed + p))
    failed=$((failed + q))
done

# ---- golden outputs -------------------------------------------------------
CASES='
okr_q3.table             0 scripts/okr_q3.lua --format table
okr_q3.md                0 scripts/okr_q3.lua --format md
okr_q3.csv               0 scripts/okr_q3.lua --format csv
okr_q3.json              0 scripts/okr_q3.lua --format json
okr_q3.check             3 scripts/okr_q3.lua --check
sprint_review.table      0 scripts/sprint_review.lua --format table
sprint_review.md         0 scripts/sprint_review.lua --format md
sprint_review.csv        0 scripts/sprint_review.lua --format csv
sprint_review.json       0 scripts/sprint_review.lua --format json
funnel_dashboard.table   0 scripts/funnel_dashboard.lua --format table
funnel_dashboard.md      0 scripts/funnel_dashboard.lua --format md
funnel_dashboard.csv     0 scripts/funnel_dashboard.lua --format csv
funnel_dashboard.json    0 scripts/funnel_dashboard.lua --format json
lead_quality.table       0 scripts/lead_quality.lua --format table
lead_quality.md          0 scripts/lead_quality.lua --format md
lead_quality.csv         0 scripts/lead_quality.lua --format csv
lead_quality.json        0 scripts/lead_quality.lua --format json
contract_print.csv       0 tests/lua/contract_print.lua --format csv --trust
contract_print.json      0 tests/lua/contract_print.lua --format json --trust
'
mkdir -p tests/lua/golden
echo "$CASES" | while read -r name want args; do
    [ -n "$name" ] || continue
    script=$(echo "$args" | cut -d' ' -f1)
    if [ ! -f "$script" ]; then
        echo "FAIL golden $name: no script $script"
        echo fail >>"$tmp/golden"
        continue
    fi
    # shellcheck disable=SC2086
    if "$BIN" $args --data samples --param as_of=2026-09-30 >"$tmp/out" 2>"$tmp/err"; then rc=0; else rc=$?; fi
    gold=tests/lua/golden/$name.out
    if [ "${UPDATE_GOLDEN:-}" = 1 ] && [ "$rc" -eq "$want" ]; then
        cp "$tmp/out" "$gold"
    fi
    if [ "$rc" -ne "$want" ]; then
        echo "FAIL golden $name: exit status $rc, expected $want"
        sed 's/^/  /' "$tmp/err"
        echo fail >>"$tmp/golden"
    elif [ ! -f "$gold" ]; then
        echo "FAIL golden $name: no $gold (run with UPDATE_GOLDEN=1 to create it)"
        echo fail >>"$tmp/golden"
    elif ! cmp -s "$tmp/out" "$gold"; then
        echo "FAIL golden $name: output differs from $gold:"
        diff -u "$gold" "$tmp/out" | head -n 40 | sed 's/^/  /'
        echo fail >>"$tmp/golden"
    else
        echo pass >>"$tmp/golden"
    fi
done
if [ -f "$tmp/golden" ]; then
    passed=$((passed + $(grep -c pass "$tmp/golden")))
    failed=$((failed + $(grep -c fail "$tmp/golden")))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
