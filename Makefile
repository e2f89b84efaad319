# funnel-lua -- build, run, test.
#   make          build ./funnel-lua
#   make run      install missing packages, build, run scripts/okr_q3.lua on samples/
#                 (and write every sample script's HTML report to build/reports/)
#   make test     install missing packages, build, run every test (also under ASan/UBSan)
#   make bench    benchmarks against DuckDB, SQLite and plain Lua (minutes)
#   make install PREFIX=/usr/local

PREFIX  ?= /usr/local
CC      ?= cc
PKGS     = lua5.4 libutf8proc
WARN     = -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wpointer-arith -Wformat=2 -Werror
CPPFLAGS = -D_GNU_SOURCE -Iengine -Ibuild
OPT     ?= -O2 -g
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LIBS     = $(PKG_LIBS) -lcsv -lm -lpthread
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

ENGINE_SRC = $(filter-out engine/fl_main.c,$(wildcard engine/*.c))
STDLIB_LUA = $(shell find stdlib -name '*.lua' | sort)
TEST_SRC   = $(wildcard tests/c/*.c)

REL_OBJ = $(patsubst engine/%.c,build/rel/%.o,$(ENGINE_SRC)) build/rel/stdlib_embed.o
SAN_OBJ = $(patsubst engine/%.c,build/san/%.o,$(ENGINE_SRC)) build/san/stdlib_embed.o

.PHONY: all deps run test test-c test-lua test-cli test-duckdb test-hostile test-browser bench install clean samples fmt
all: funnel-lua

deps:
	@sh tools/install-deps.sh

funnel-lua: $(REL_OBJ) build/rel/fl_main.o
	$(CC) $(OPT) -o $@ $^ $(LIBS)

build/rel/%.o: engine/%.c $(wildcard engine/*.h) | build/rel
	$(CC) $(WARN) $(OPT) $(CPPFLAGS) $(PKG_CFLAGS) -c -o $@ $<
build/san/%.o: engine/%.c $(wildcard engine/*.h) | build/san
	$(CC) $(WARN) -O1 -g $(SANFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) -c -o $@ $<

build/stdlib_embed.c: build/embed $(STDLIB_LUA) | build
	build/embed $@ stdlib $(STDLIB_LUA)
build/rel/stdlib_embed.o: build/stdlib_embed.c | build/rel
	$(CC) $(OPT) $(CPPFLAGS) -c -o $@ $<
build/san/stdlib_embed.o: build/stdlib_embed.c | build/san
	$(CC) -O1 -g $(SANFLAGS) $(CPPFLAGS) -c -o $@ $<
build/embed: tools/embed.c | build
	$(CC) $(WARN) -O1 -o $@ $<

build build/rel build/san build/test:
	mkdir -p $@

# The binary built with AddressSanitizer and UndefinedBehaviorSanitizer; the
# script-level tests run through it.
build/san/funnel-lua: $(SAN_OBJ) build/san/fl_main.o
	$(CC) $(SANFLAGS) -o $@ $^ $(LIBS)

# Criterion tests of the C core, linked against the sanitizer build.
build/test/test_engine: $(TEST_SRC) $(SAN_OBJ) tests/c/test_util.h | build/test
	$(CC) $(WARN) -Wno-missing-prototypes -O1 -g $(SANFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) \
	    -o $@ $(TEST_SRC) $(SAN_OBJ) $(LIBS) -lcriterion

# The sample data generator (deterministic: same seed, same bytes).
build/gen_samples: samples/gen_samples.c | build
	$(CC) $(WARN) -O2 -o $@ $< -lm
samples: build/gen_samples
	build/gen_samples --out samples

run: deps
	$(MAKE) funnel-lua
	./funnel-lua scripts/okr_q3.lua --data samples
	@mkdir -p build/reports
	@for s in okr_q3 sprint_review funnel_dashboard lead_quality; do \
	    ./funnel-lua scripts/$$s.lua --data samples --format html --out build/reports/$$s.html || exit 1; \
	done; echo "HTML reports: build/reports/*.html"

test: deps
	$(MAKE) funnel-lua build/san/funnel-lua build/test/test_engine
	$(MAKE) test-c test-lua test-cli test-duckdb test-hostile test-browser

test-c: build/test/test_engine
	ASAN_OPTIONS=detect_leaks=1 build/test/test_engine --jobs 2

test-lua: funnel-lua build/san/funnel-lua
	sh tests/run_lua_tests.sh build/san/funnel-lua

# The command line: exit statuses, libraries shared by two teams, new/test/kpis.
test-cli: funnel-lua
	sh tests/cli/run.sh ./funnel-lua

# Scripts attacking the sandbox and the run limits (tests/hostile/run.sh).
test-hostile: build/san/funnel-lua
	sh tests/hostile/run.sh build/san/funnel-lua

# Our answers against DuckDB's on freshly generated exports (installs
# @duckdb/node-api into build/duckdb the first time).
test-duckdb: funnel-lua
	sh tests/duckdb/run.sh ./funnel-lua

# The html reports in headless Chromium (installs Debian's chromium the
# first time): charts rendered, nothing fetched, screenshots not blank.
test-browser: funnel-lua
	sh tests/browser/run.sh ./funnel-lua

bench: deps funnel-lua
	sh bench/run.sh

install: funnel-lua
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 funnel-lua $(DESTDIR)$(PREFIX)/bin/funnel-lua

fmt:
	clang-format -i engine/*.c engine/*.h tests/c/*.c

clean:
	rm -rf build funnel-lua
