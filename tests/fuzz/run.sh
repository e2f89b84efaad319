#!/bin/sh
# Fuzzes the CSV loader and expression evaluation with libFuzzer under
# AddressSanitizer and UndefinedBehaviorSanitizer, each for a bounded time
# (FUZZ_SECONDS, default 50), starting from the committed seed corpus in
# tests/fuzz/corpus/{csv,expr}. Fails on any crash, leak, sanitizer report
# or engine-level leak (the targets abort on those). New inputs found go to a
# temporary folder, not into the repository; a crashing input is kept as
# build/fuzz/crash-* (or leak-*, timeout-*) to add to tests/c/ as a
# regression test.
#
# Needs clang and libFuzzer (Debian: clang, libclang-rt-14-dev): installed
# here with apt-get when missing.
# usage: sh tests/fuzz/run.sh
set -eu
cd "$(dirname "$0")/../.."
seconds=${FUZZ_SECONDS:-50}

need=""
command -v clang >/dev/null 2>&1 || need="$need clang"
dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null |
    grep -q "ok installed" || need="$need libclang-rt-14-dev"
if [ -n "$need" ]; then
    echo "fuzz: installing$need" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086 # package names are words
    $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

# the engine without the Lua binding and the command
src=""
for f in engine/fl_*.c; do
    case "$f" in engine/fl_main.c | engine/fl_lua*) ;; *) src="$src $f" ;; esac
done
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -D_GNU_SOURCE -Iengine $(pkg-config --cflags libutf8proc)"
libs="$(pkg-config --libs libutf8proc) -lcsv -lm -lpthread"
mkdir -p build/fuzz
status=0
for target in csv expr; do
    # shellcheck disable=SC2086 # flags are words
    clang $flags -o "build/fuzz/fuzz_$target" "tests/fuzz/fuzz_$target.c" \
        $src $libs
    work=$(mktemp -d)
    cp "tests/fuzz/corpus/$target"/* "$work"/
    echo "fuzz_$target: ${seconds}s from $(find "$work" -type f | wc -l) seeds"
    if ! "build/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
        -artifact_prefix=build/fuzz/ "$work" >"build/fuzz/$target.log" 2>&1; then
        echo "FAIL fuzz_$target: see build/fuzz/$target.log" >&2
        grep -A30 -m1 "ERROR\|leak:\|runtime error\|deadly signal" \
            "build/fuzz/$target.log" >&2 || tail -n 40 "build/fuzz/$target.log" >&2
        status=1
    else
        grep -E "stat::number_of_executed_units|cov:" "build/fuzz/$target.log" |
            tail -n 2
    fi
    rm -rf "$work"
done
exit $status
