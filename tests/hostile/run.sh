#!/bin/sh
# Hostile scripts: each tests/hostile/*.lua tries one attack on the sandbox
# or the run limits, and says in its first comment lines what must happen:
#   -- args: OPTIONS       extra options (default: none)
#   -- status: N           expected exit status (default 1)
#   -- expect: TEXT        text that must appear on standard error
#   -- absent: PATH        a file (relative to the work folder) that must not
#                          exist afterwards; repeatable
#   -- present: PATH       a file that must exist afterwards (for the runs
#                          that must succeed)
# Every run gets --timeout 2 unless the script sets its own, and fails if the
# process takes longer than 20 s (a guard against a hang, not a speed test).
#
# The work folder W, made fresh for each script:
#   W/data/leads.csv     the sample leads
#   W/data/link.csv  ->  ../secret.csv     W/data/up -> ..   (links out)
#   W/data/{ragged,unterminated,bad_utf8,binary}.csv   bad exports
#   W/secret.csv         a file outside the data folder
#   W/outside.lua        a Lua file outside the library folders
#   W/scripts/NAME.lua   the script, and W/scripts/evil.so
#   W/run/               the current folder of the run
#   W/out/               a folder for --out
# usage: sh tests/hostile/run.sh BINARY
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

field() { sed -n "s/^-- $1: //p" "$2"; }

for script in "$here"/*.lua; do
    name=$(basename "$script")
    W="$tmp/${name%.lua}"
    mkdir -p "$W/data" "$W/scripts" "$W/run" "$W/out"
    cp "$root/samples/leads.csv" "$W/data/leads.csv"
    printf 'a,b\n1,2\n' >"$W/secret.csv"
    ln -s ../secret.csv "$W/data/link.csv"
    ln -s .. "$W/data/up"
    cp "$script" "$W/scripts/$name"
    printf 'not a library\n' >"$W/scripts/evil.so"
    printf 'io.open("../pwned", "w")\n' >"$W/outside.lua"
    printf 'a,b\n1,2\n3\n' >"$W/data/ragged.csv"
    printf 'a,b\n1,"open\n' >"$W/data/unterminated.csv"
    printf 'a,b\n1,\377\376\n' >"$W/data/bad_utf8.csv"
    printf 'a\000b\n1\n' >"$W/data/binary.csv"
    rm -f /tmp/funnel_hostile_x.csv

    args=$(field args "$script")
    case "$args" in *--timeout*) ;; *) args="--timeout 2 $args" ;; esac
    status=$(field status "$script")
    [ -n "$status" ] || status=1
    expect=$(field expect "$script")

    start=$(date +%s)
    # shellcheck disable=SC2086 # args are words
    (cd "$W/run" && exec timeout -s KILL 20 "$bin" $args --data ../data \
        "../scripts/$name") >"$W/stdout" 2>"$W/stderr"
    rc=$?
    took=$(($(date +%s) - start))

    why=""
    [ "$rc" -eq "$status" ] || why="exit status $rc, expected $status"
    [ "$rc" -eq 137 ] && why="still running after 20 s (killed)"
    if [ -z "$why" ] && [ -n "$expect" ] &&
        ! grep -qF -- "$expect" "$W/stderr"; then
        why="standard error lacks '$expect'"
    fi
    if [ -z "$why" ] && grep -q "AddressSanitizer\|runtime error:\|LeakSanitizer" "$W/stderr"; then
        why="sanitizer report"
    fi
    for f in $(field absent "$script"); do
        case "$f" in /*) p=$f ;; *) p="$W/$f" ;; esac
        if [ -e "$p" ] || [ -L "$p" ]; then
            why="$why${why:+; }$f was created"
            rm -f "$p"
        fi
    done
    for f in $(field present "$script"); do
        [ -e "$W/$f" ] || why="$why${why:+; }$f was not written"
    done
    if [ -z "$why" ]; then
        pass=$((pass + 1))
        echo "ok   $name (${took}s)"
    else
        fail=$((fail + 1))
        echo "FAIL $name: $why"
        sed 's/^/     | /' "$W/stderr" | head -n 8
    fi
done
echo "hostile scripts: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
