#!/bin/sh
# Runs every sample script in scripts/ on samples/ under valgrind (memcheck)
# with the plain build: fails on any invalid read or write, use of
# uninitialised memory, or a definite or indirect leak. Lua's own memory is
# freed by lua_close, so a leak here is the engine's or the binding's. Also
# runs one script with a bad CSV file (an error path) and one with a
# column cache written then read back (XDG_CACHE_HOME set to a temporary
# folder).
# Installs valgrind with apt-get when missing.
# usage: sh tests/valgrind/run.sh [BINARY]    (default ./funnel-lua)
set -u
cd "$(dirname "$0")/../.." || exit 1
bin=${1:-./funnel-lua}
if ! command -v valgrind >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    export DEBIAN_FRONTEND=noninteractive
    { $SUDO apt-get update -qq &&
        $SUDO apt-get install -y -qq --no-install-recommends valgrind \
            >/dev/null; } || exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME="$tmp/cache"
fail=0

# check NAME WANT_STATUS ARGS...: one run under valgrind
check() {
    name=$1 want=$2
    shift 2
    # (the --timeout watchdog thread is still asleep at exit: its stack is
    # "possibly lost", which is not shown)
    valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --show-leak-kinds=definite,indirect --error-exitcode=9 --log-file="$tmp/$name.vg" \
        "$bin" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
    rc=$?
    if [ "$rc" -ne "$want" ] || [ -s "$tmp/$name.vg" ]; then
        echo "FAIL $name: exit status $rc (expected $want)"
        head -n 40 "$tmp/$name.vg" "$tmp/$name.err" | sed 's/^/  /'
        fail=1
    else
        echo "ok   $name"
    fi
}

for s in scripts/*.lua; do
    name=$(basename "$s" .lua)
    check "$name" 0 "$s" --data samples --param as_of=2026-09-30
done
# a load that fails half way through the file
mkdir -p "$tmp/bad"
printf 'a,b\n1,2\n3,x\n4\n' >"$tmp/bad/t.csv"
check bad_csv 1 -e 'funnel.read_csv("t.csv")' --data "$tmp/bad"
# the column cache (files of 1 MiB or more), written by the first run and
# read by the second
mkdir -p "$tmp/big"
{ cat samples/activities.csv; tail -n +2 samples/activities.csv; } >"$tmp/big/a.csv"
check cache_write 0 --data "$tmp/big" -e 'print(funnel.data.a:nrows())'
check cache_read 0 --data "$tmp/big" -e 'print(funnel.data.a:nrows())'
[ -n "$(ls "$tmp/cache/funnel-lua" 2>/dev/null)" ] ||
    { echo "FAIL cache_write: no cache file written"; fail=1; }
[ "$fail" -eq 0 ]
