#!/bin/sh
# `make bench`: funnel-lua against DuckDB, SQLite, plain Lua and the C floor
# (see issue 4 and bench/README.md). Generates the data once into the
# ignored bench/data/, runs every tool one after the other (the machine is
# small and shared: nothing heavy runs in parallel), prints one table and
# appends it to bench/RESULTS.md.
#
# Environment:
#   BENCH_ROWS       rows of the G1 file (default 1e7; 1e6 for a quick run)
#   BENCH_LEAD_ROWS  leads of the KPI data set (default: BENCH_ROWS)
#   BENCH_RUNS       timed runs per task, the table shows the median (default 3)
#   BENCH_ONLY       tools to run, space-separated, among
#                    "floor funnel duckdb sqlite kpi funnels" (default: all)
#   BENCH_NO_RECORD  set to 1 to leave bench/RESULTS.md alone
#   FUNNEL_LUA       the binary to measure (default ./funnel-lua)
#   BENCH_NOTE       a remark recorded with the run in bench/RESULTS.md
# A tool that is missing or fails is reported and skipped; the rest runs.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
rows=${BENCH_ROWS:-1e7}
lead_rows=${BENCH_LEAD_ROWS:-$rows}
runs=${BENCH_RUNS:-3}
only=${BENCH_ONLY:-floor funnel duckdb sqlite kpi funnels}
data=$top/bench/data
answers=$data/answers
logs=$data/logs
results=$data/results.txt
mkdir -p "$answers" "$logs" build/bench
rm -f "$answers"/*.csv
: >"$results"

say() { echo "bench: $*" >&2; }
wants() { case " $only " in *" $1 "*) return 0 ;; esac; return 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", b - a }'; }

# "1e7" / "10000000" -> 10000000 and the db-benchmark spelling "1e7".
count_of() { awk -v x="$1" 'BEGIN { printf "%d", x + 0 }'; }
pretty() {
    awk -v n="$1" 'BEGIN { e = 0; while (n >= 10 && n % 10 == 0) { n /= 10; e++ }
                           if (e) printf "%de%d", n, e; else printf "%d", n }'
}
nrows=$(count_of "$rows")
nleads=$(count_of "$lead_rows")
if [ "$nrows" -lt 100 ] || [ "$nleads" -lt 1 ]; then
    say "BENCH_ROWS must be at least 100 (got '$rows'), BENCH_LEAD_ROWS at least 1"
    exit 2
fi
g1_name="G1_$(pretty "$nrows")_1e2_0_0.csv"
g1=$data/$g1_name
leads=$data/leads$(pretty "$nleads")

# ---- tools this script needs ------------------------------------------------
apt_install() {
    if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo=sudo; else
        say "cannot install $* (not root, no sudo)"; return 1
    fi
    say "installing $*"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null 2>&1 ||
        { $sudo apt-get update -qq >/dev/null 2>&1 &&
          DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null 2>&1; }
}
[ -x /usr/bin/time ] || apt_install time || say "no /usr/bin/time: peak memory is not measured"
command -v lua5.4 >/dev/null 2>&1 || apt_install lua5.4 ||
    { say "lua5.4 is required for the report and the plain-Lua workload"; exit 1; }
command -v sqlite3 >/dev/null 2>&1 || apt_install sqlite3 || say "no sqlite3: SQLite is skipped"

# Runs "$@" with its peak resident set (KB) written to $peak_file.
peak_file=$data/peak.txt
with_peak() {
    rm -f "$peak_file"
    if [ -x /usr/bin/time ]; then /usr/bin/time -f "%M" -o "$peak_file" "$@"; else "$@"; fi
}
record_peak() { # tool scope
    [ -s "$peak_file" ] && echo "PEAK $1 $2 $(tail -n 1 "$peak_file")" >>"$results"
    rm -f "$peak_file"
}

CFLAGS_BENCH="-std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror -O2 -D_GNU_SOURCE"
build() { # name, extra libs
    if [ ! -x "build/bench/$1" ] || [ -n "$(find "bench/$1.c" -newer "build/bench/$1")" ]; then
        # shellcheck disable=SC2086
        cc $CFLAGS_BENCH -o "build/bench/$1" "bench/$1.c" $2 || return 1
    fi
}

# ---- data -------------------------------------------------------------------
build gen_g1 "" || { say "cannot build bench/gen_g1.c"; exit 1; }
if [ ! -s "$g1" ]; then
    say "generating $g1_name ($nrows rows)"
    build/bench/gen_g1 --rows "$nrows" --out "$g1" || { say "generating $g1_name failed"; exit 1; }
fi

# The lead data is regenerated when the generator changes: .complete holds
# the checksum of the binary that wrote it.
if { wants kpi || wants funnels; } && [ -f samples/gen_samples.c ]; then
    make -s build/gen_samples >/dev/null 2>&1 || say "make build/gen_samples failed"
fi
gen_sum=$(cksum <build/gen_samples 2>/dev/null || echo none)
if { wants kpi || wants funnels; } && [ "$(cat "$leads/.complete" 2>/dev/null)" != "$gen_sum" ]; then
    if [ -x build/gen_samples ]; then
        say "generating the lead data set ($nleads leads) into $leads"
        rm -rf "$leads"
        if build/gen_samples --out "$leads" --rows "$nleads" 2>"$logs/gen_samples.log"; then
            echo "$gen_sum" >"$leads/.complete"
        else
            say "gen_samples failed, see $logs/gen_samples.log; the KPI workload is skipped"
        fi
    else
        say "build/gen_samples is not there yet: the KPI workload is skipped"
    fi
fi

# ---- the C floor --------------------------------------------------------------
if wants floor; then
    if build csv_bare "-lcsv"; then
        say "C floor: libcsv bare parse and plain loops"
        build/bench/csv_bare "$g1" "$runs" | tee "$logs/floor.log" | grep '^TIME' >>"$results"
    else
        say "cannot build bench/csv_bare.c (libcsv missing?): the floor is skipped"
    fi
fi

# ---- funnel-lua ---------------------------------------------------------------
fl=${FUNNEL_LUA:-$top/funnel-lua}
if wants funnel; then
    if [ -x "$fl" ]; then
        say "funnel-lua: load and q1..q10"
        # --no-cache: every load parses the CSV (the cache is measured below)
        with_peak "$fl" bench/funnel_bench.lua --trust --no-cache --data "$data" --param "g1=$g1_name" \
            --param "answers=$answers" --param "runs=$runs" >"$logs/funnel.log" 2>&1 ||
            { say "funnel-lua failed:"; tail -n 5 "$logs/funnel.log" >&2; }
        grep '^TIME' "$logs/funnel.log" >>"$results"
        record_peak funnel g1
        # The columnar cache: a first load that writes it into an empty cache
        # folder, then loads in fresh processes that read it.
        say "funnel-lua: load through the columnar cache"
        rm -rf "$data/cache"
        load_once='local t0 = funnel.clock(); local x = funnel.read_csv(funnel.params.g1)
                   print(string.format("TIME funnel %s %.6f", funnel.params.task, funnel.clock() - t0))'
        XDG_CACHE_HOME=$data/cache "$fl" --trust --data "$data" --param "g1=$g1_name" \
            --param task=load_cache_write -e "$load_once" >>"$results" 2>"$logs/funnel_cache.log"
        r=1
        while [ "$r" -le "$runs" ]; do
            XDG_CACHE_HOME=$data/cache "$fl" --trust --data "$data" --param "g1=$g1_name" \
                --param task=load_cached -e "$load_once" >>"$results" 2>>"$logs/funnel_cache.log"
            r=$((r + 1))
        done
    else
        say "./funnel-lua is not built: funnel-lua is skipped"
    fi
fi

# ---- DuckDB -------------------------------------------------------------------
if wants duckdb; then
    if [ ! -d bench/node_modules/@duckdb/node-api ]; then
        if command -v npm >/dev/null 2>&1; then
            say "installing @duckdb/node-api into bench/node_modules"
            npm install --prefix bench --no-audit --no-fund --loglevel=error \
                >"$logs/npm.log" 2>&1 ||
                { say "npm install failed:"; tail -n 5 "$logs/npm.log" >&2; }
        else
            say "npm is missing (apt-get install nodejs npm): DuckDB is skipped"
        fi
    fi
    if [ -d bench/node_modules/@duckdb/node-api ]; then
        say "DuckDB: load and q1..q10"
        node bench/duckdb_bench.mjs "$g1" "$answers" "$runs" >"$logs/duckdb.log" 2>&1 ||
            { say "DuckDB failed:"; tail -n 5 "$logs/duckdb.log" >&2; }
        grep -E '^(TIME|PEAK)' "$logs/duckdb.log" |
            sed 's/^PEAK duckdb /PEAK duckdb g1 /' >>"$results"
    fi
fi

# ---- SQLite -------------------------------------------------------------------
if wants sqlite && command -v sqlite3 >/dev/null 2>&1; then
    say "SQLite: load and q1..q10 (minutes at 1e7 rows)"
    sh bench/sqlite_bench.sh "$g1" "$runs" >"$logs/sqlite.log" 2>&1 ||
        { say "SQLite failed:"; tail -n 5 "$logs/sqlite.log" >&2; }
    grep -E '^(TIME|PEAK)' "$logs/sqlite.log" |
        sed 's/^PEAK sqlite /PEAK sqlite g1 /' >>"$results"
fi

# ---- the KPI workload on the lead data ------------------------------------------
if wants kpi && [ -f "$leads/.complete" ]; then
    r=1
    while [ "$r" -le "$runs" ]; do
        if [ -x "$fl" ]; then
            say "KPI workload, funnel-lua (run $r)"
            t0=$(now)
            if with_peak "$fl" bench/kpi_funnel.lua --trust --no-cache --data "$leads" \
                --param "out=$answers/kpi_funnel.csv" >"$logs/kpi_funnel.log" 2>&1; then
                echo "TIME funnel kpi_total $(elapsed "$t0" "$(now)")" >>"$results"
                grep '^TIME' "$logs/kpi_funnel.log" | grep kpi_queries >>"$results"
                record_peak funnel kpi
            else
                say "funnel-lua KPI failed:"; tail -n 5 "$logs/kpi_funnel.log" >&2
            fi
            # the same script run again on unchanged exports: the columnar
            # cache (filled by the first of these runs, not timed)
            [ "$r" -eq 1 ] && XDG_CACHE_HOME=$data/cache "$fl" bench/kpi_funnel.lua --trust \
                --data "$leads" >/dev/null 2>&1
            t0=$(now)
            XDG_CACHE_HOME=$data/cache "$fl" bench/kpi_funnel.lua --trust --data "$leads" \
                --param "out=$answers/kpi_funnel_cached.csv" >"$logs/kpi_funnel_cached.log" 2>&1 &&
                echo "TIME funnel kpi_total_cached $(elapsed "$t0" "$(now)")" >>"$results"
        fi
        if command -v sqlite3 >/dev/null 2>&1; then
            say "KPI workload, SQLite (run $r)"
            t0=$(now)
            if (cd "$leads" && with_peak sqlite3 :memory: <"$top/bench/kpi_sqlite.sql") \
                >"$logs/kpi_sqlite.log" 2>&1; then
                echo "TIME sqlite kpi_total $(elapsed "$t0" "$(now)")" >>"$results"
                awk '/^END$/ { on = 0 } /^Run Time: real / { print "TIME sqlite kpi_queries " $4; next }
                     on { print >> "'"$answers/kpi_sqlite.csv.new"'" } /^BEGIN$/ { on = 1 }' \
                    "$logs/kpi_sqlite.log" >>"$results"
                mv "$answers/kpi_sqlite.csv.new" "$answers/kpi_sqlite.csv"
                record_peak sqlite kpi
            else
                say "SQLite KPI failed:"; tail -n 5 "$logs/kpi_sqlite.log" >&2
            fi
        fi
        say "KPI workload, plain Lua (run $r)"
        t0=$(now)
        if with_peak lua5.4 bench/kpi_plain.lua "$leads" "$answers/kpi_plain.csv" \
            >"$logs/kpi_plain.log" 2>&1; then
            echo "TIME plain kpi_total $(elapsed "$t0" "$(now)")" >>"$results"
            record_peak plain kpi
        else
            say "plain Lua KPI failed:"; tail -n 5 "$logs/kpi_plain.log" >&2
        fi
        r=$((r + 1))
    done
fi

# ---- funnels and cohorts on the lead data (issue 8) -----------------------------
# funnel.funnel and funnel.cohorts timed on the lead data set; their lines
# ("task, events, median s, s per million events") go below the table.
funnels=$data/funnels.txt
rm -f "$funnels"
if wants funnels && [ -f "$leads/.complete" ] && [ -x "$fl" ]; then
    say "funnels and cohorts, funnel-lua"
    if "$fl" bench/funnel_events.lua --trust --data "$leads" --param "runs=$runs" \
        >"$logs/funnel_events.log" 2>&1; then
        awk '/^FUNNELS / { printf "%-28s %10d events  %7.3f s  %6.3f s per million events\n", $2, $3, $4, $5 }' \
            "$logs/funnel_events.log" >"$funnels"
    else
        say "funnel_events failed:"; tail -n 5 "$logs/funnel_events.log" >&2
    fi
fi

# ---- the table ----------------------------------------------------------------
table=$(lua5.4 bench/report.lua "$results" "$answers") || { say "report failed"; exit 1; }
echo
echo "$table"
echo
[ -s "$funnels" ] && { cat "$funnels"; echo; }
if [ "${BENCH_NO_RECORD:-0}" != 1 ]; then
    commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
    dirty=$(git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo "+changes")
    cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
    mem=$(awk '/^MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo 2>/dev/null)
    [ -s bench/RESULTS.md ] || printf '%s\n' "# \`make bench\` results" "" \
        "One entry per run of \`make bench\` (appended by bench/run.sh), newest last." \
        "Times are medians in seconds; \"vs X\" is funnel-lua's time (or memory)" \
        "divided by X's, so below 1 means funnel-lua is better. See bench/README.md." >bench/RESULTS.md
    {
        echo
        echo "## $(date -u '+%Y-%m-%d %H:%M UTC') · commit $commit$dirty"
        echo
        echo "Machine: $(nproc) cores, ${cpu:-unknown CPU}, $mem, $(uname -sr). Data: $g1_name, $nleads leads. Runs per task: $runs."
        [ -n "${BENCH_NOTE:-}" ] && { echo; echo "Note: $BENCH_NOTE"; }
        echo
        echo "$table"
        [ -s "$funnels" ] && { echo; echo "Funnels and cohorts (median of $runs runs):"; echo; echo '```'; cat "$funnels"; echo '```'; }
    } >>bench/RESULTS.md
    say "appended to bench/RESULTS.md"
fi
