#!/bin/sh
# The html reports in a real browser: each sample script's page rendered by
# headless Chromium (Debian's `chromium`, installed here when missing).
#
#   sh tests/browser/run.sh BINARY        (make test-browser uses ./funnel-lua)
#
# For each script in scripts/: the page is written with --format html; its
# text must name nothing to fetch (no http:// or https://, src=, <link,
# <script, @import, url(); Chromium loads it with a network log, in which no
# request may go anywhere but to Chromium's own update and sign-in services
# (a control page with one remote image checks that this log does catch a
# fetch); the DOM after rendering must hold the script's charts (SVG with the
# expected chart classes); and a 1200×2000 screenshot must not be blank: at
# least 2 % of its pixels differ from the background, it has many colours,
# and the chart colours a script must show are there (tests/browser/
# png_stats.mjs decodes the PNG with node's zlib). A page with a table
# printed before a report must still be one document.
#
# Prints one line per failure and "N passed, N failed" last; the pages and
# screenshots stay in build/browser/ to look at.
set -u
BIN=${1:?usage: sh tests/browser/run.sh BINARY}
cd "$(dirname "$0")/../.." || exit 2
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac

if ! command -v chromium >/dev/null 2>&1; then
    echo "browser test: installing chromium (Debian package)" >&2
    SUDO=
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    export DEBIAN_FRONTEND=noninteractive
    { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; } || {
        echo "browser test: cannot install chromium" >&2
        exit 1
    }
fi
command -v node >/dev/null 2>&1 || { echo "browser test: needs node (tools/install-deps.sh installs it)" >&2; exit 1; }

OUT=build/browser
rm -rf "$OUT"
mkdir -p "$OUT"
ABS=$(pwd)/$OUT
passed=0
failed=0
fail() { echo "FAIL browser $1"; failed=$((failed + 1)); }

# A fresh profile per run: no state shared with anything else.
browser() {
    timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
        --no-first-run --hide-scrollbars --user-data-dir="$ABS/profile" "$@" 2>>"$ABS/chromium.log"
}

# URLs Chromium requested while showing a page, but for its own services.
fetched() {
    grep -o '"url":"[^"]*"' "$1" | sed 's/^"url":"//; s/"$//' | sort -u |
        grep -v -E '^(file|data|about|chrome|blob):' |
        grep -v -E '^https?://([a-z0-9-]+\.)*(google\.com|googleapis\.com|gvt1\.com)(/|:|$)' || true
}

# ---- the check itself must catch a fetch -----------------------------------
printf '<!DOCTYPE html><html><head><title>x</title></head><body><img src="http://fetch.invalid/x.png"></body></html>\n' \
    >"$OUT/control.html"
browser --log-net-log="$ABS/control.netlog.json" --dump-dom "file://$ABS/control.html" >/dev/null
if fetched "$OUT/control.netlog.json" | grep -q fetch.invalid; then
    passed=$((passed + 1))
else
    fail "control: the network log did not show the control page's remote image"
fi

# ---- each sample script ----------------------------------------------------
# name  chart classes that must be in the DOM  colours that must be on screen
CASES='
okr_q3         fl-progress,fl-expected,fl-line      c62828,1a7f37
sprint_review  fl-interval                          1a7f37
lead_quality   fl-bar                               2f6fde,f08c2e
funnel_dashboard fl-bar,fl-cell                   2f6fde
'
echo "$CASES" | while read -r name classes colours; do
    [ -n "$name" ] || continue
    page=$OUT/$name.html
    if ! "$BIN" "scripts/$name.lua" --data samples --param as_of=2026-09-30 --format html --out "$page" \
        2>"$OUT/$name.err"; then
        echo "FAIL browser $name: the script failed:"
        sed 's/^/  /' "$OUT/$name.err"
        echo fail >>"$OUT/results"
        continue
    fi
    bad=""
    # one document, whole
    [ "$(grep -c '<!DOCTYPE html>' "$page")" -eq 1 ] || bad="$bad; not exactly one <!DOCTYPE html>"
    [ "$(tail -n 1 "$page")" = "</html>" ] || bad="$bad; does not end with </html>"
    # nothing named that could be fetched
    hits=$(grep -n -i -E 'https?://|src=|<link|<script|@import|url\(' "$page" | head -n 3)
    [ -z "$hits" ] || bad="$bad; names something to fetch: $hits"
    # rendered: the DOM Chromium built, with its network log
    browser --log-net-log="$ABS/$name.netlog.json" --dump-dom "file://$ABS/$name.html" >"$OUT/$name.dom"
    grep -q '<svg' "$OUT/$name.dom" || [ "$classes" = - ] || bad="$bad; no <svg> in the rendered DOM"
    if [ "$classes" != - ]; then
        for c in $(echo "$classes" | tr ',' ' '); do
            grep -q "class=\"$c\"" "$OUT/$name.dom" || bad="$bad; no element of class $c in the rendered DOM"
        done
    fi
    grep -q '</main>' "$OUT/$name.dom" || bad="$bad; the rendered DOM has no </main>"
    away=$(fetched "$OUT/$name.netlog.json")
    [ -z "$away" ] || bad="$bad; the page fetched: $away"
    # the screenshot: not blank, and the charts' colours on it
    browser --screenshot="$ABS/$name.png" --window-size=1200,2000 "file://$ABS/$name.html" >/dev/null
    if [ ! -s "$OUT/$name.png" ]; then
        bad="$bad; no screenshot"
    else
        want=""
        [ "$colours" = - ] || want=$(echo "$colours" | tr ',' ' ')
        # shellcheck disable=SC2086
        stats=$(node tests/browser/png_stats.mjs "$OUT/$name.png" $want) || stats=""
        echo "$name: $stats" >>"$OUT/stats.txt"
        # shellcheck disable=SC2086 # split into its fields on purpose
        set -- $stats
        if [ $# -lt 4 ]; then
            bad="$bad; cannot read the screenshot"
        else
            [ "$3" -ge 50 ] || bad="$bad; only $3 colours on the screenshot"
            awk "BEGIN { exit !($4 >= 0.02) }" || bad="$bad; blank screenshot ($4 of the pixels are not background)"
            shift 4
            for c in $want; do
                [ "${1:-0}" = 1 ] || bad="$bad; colour #$c not on the screenshot"
                shift
            done
        fi
    fi
    if [ -n "$bad" ]; then
        echo "FAIL browser $name:${bad#;}"
        echo fail >>"$OUT/results"
    else
        echo pass >>"$OUT/results"
    fi
done

# ---- a printed table and a report make one document ------------------------
"$BIN" --format html --out "$OUT/mixed.html" -e '
funnel.from_rows{ { lead = "<script>alert(1)</script>", n = 1 } }:print()
local r = require("funnel.report").new{ title = "After the table" }
r:text("and a report"):finish()' 2>"$OUT/mixed.err"
if [ "$(grep -c '<!DOCTYPE html>' "$OUT/mixed.html" 2>/dev/null)" = 1 ] &&
    [ "$(grep -c '</html>' "$OUT/mixed.html")" = 1 ] && [ "$(tail -n 1 "$OUT/mixed.html")" = "</html>" ] &&
    ! grep -q '<script' "$OUT/mixed.html" && grep -q '&lt;script&gt;' "$OUT/mixed.html" &&
    grep -q '<h1>After the table</h1>' "$OUT/mixed.html"; then
    echo pass >>"$OUT/results"
else
    echo "FAIL browser mixed: a table then a report is not one escaped document"
    echo fail >>"$OUT/results"
fi

if [ -f "$OUT/results" ]; then
    passed=$((passed + $(grep -c pass "$OUT/results")))
    failed=$((failed + $(grep -c fail "$OUT/results")))
fi
rm -rf "$OUT/profile"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
