/*
 * fl_main.c -- the funnel-lua command: options, the Lua state (sandboxed
 * unless --trust), `require` over the script's folder, --lib folders,
 * FUNNEL_LUA_PATH and the embedded stdlib, running the script, error
 * reporting and exit statuses.
 *
 * Exit statuses: 0 success, 1 script or data error, 2 usage error,
 * 3 an OKR key result off track under --check (set by the stdlib through
 * funnel.exit_code).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <lualib.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fl_cache.h"
#include "fl_lua.h"
#include "fl_stdlib.h"

static const char USAGE[] =
    "usage: funnel-lua [OPTIONS] SCRIPT [ARGS...]\n"
    "       funnel-lua [OPTIONS] -e 'CODE'\n"
    "       funnel-lua test [DIR ...]       run every *_test.lua below the "
    "folders\n"
    "       funnel-lua kpis [--lib DIR ...] list every KPI the libraries "
    "define\n"
    "       funnel-lua new LIBRARY_NAME     start a library: manifest, a KPI, "
    "a test\n"
    "\n"
    "Runs a Lua script over CRM and marketing exports (CSV files) loaded as\n"
    "typed columns. The script sees the global `funnel` (see README.md, \"Lua\n"
    "API reference\", and docs/lua-api.md), its arguments in `arg`\n"
    "(arg[0] is the script), and --param values in `funnel.params`.\n"
    "\n"
    "Options (anywhere on the line; `--` ends them):\n"
    "  --data DIR         folder of the CSV files: relative paths in\n"
    "                     funnel.read_csv and funnel.data.NAME (NAME.csv) are\n"
    "                     read there (default: the current folder)\n"
    "  --param KEY=VALUE  a value for funnel.params.KEY (a string); "
    "repeatable\n"
    "  --format FORMAT    what t:print() and reports write: table (default),\n"
    "                     csv, json, md, html (one self-contained page with\n"
    "                     charts)\n"
    "  --out FILE         write the output to FILE instead of standard "
    "output;\n"
    "                     FILE appears only when the run succeeds\n"
    "  --check            exit with status 3 when an OKR key result is off\n"
    "                     track (for CI jobs and cron alerts)\n"
    "  --lib DIR          also look for required libraries in DIR; repeatable\n"
    "  --trust            lift the sandbox (see below) for a script you trust\n"
    "  --timeout SECONDS  end the run after this long (default 600 s; none\n"
    "                     under --trust unless given)\n"
    "  --max-memory SIZE  cap the memory of the whole run, Lua heap and data\n"
    "                     together, e.g. 512M or 4G (default: half of the\n"
    "                     machine's memory; none under --trust unless given)\n"
    "  --no-cache         parse every CSV file; neither read nor write the\n"
    "                     columnar cache (see below)\n"
    "  -e CODE            run CODE instead of a script file\n"
    "  -h, --help         this text\n"
    "  -V, --version      the version\n"
    "\n"
    "Libraries: require \"team.kpis\" looks for team/kpis.lua (or\n"
    "team/kpis/init.lua) in the script's folder, each --lib DIR, each folder "
    "in\n"
    "FUNNEL_LUA_PATH (colon-separated), then the built-in standard library\n"
    "(funnel.kpi, funnel.kpis, funnel.okr, funnel.experiment, funnel.report,\n"
    "funnel.dates; see docs/stdlib.md).\n"
    "\n"
    "Sandbox: unless --trust is given, a script has no io, no debug, no\n"
    "package.loadlib or package.searchpath, and from os only time, date and\n"
    "clock; dofile, loadfile and string.dump are gone and load accepts only\n"
    "source text, never bytecode; require loads only Lua source from the\n"
    "folders above, by dotted name. Files are read only by funnel.read_csv\n"
    "and funnel.data, inside the --data folder and the script's own folder;\n"
    "written only by t:write_csv, inside the current folder and --out's\n"
    "folder. Paths are resolved first: .. and symbolic links cannot lead out.\n"
    "The time and memory limits cannot be caught with pcall; a run stuck in\n"
    "C code or a finalizer is ended 1 s after the time limit. Reaching a\n"
    "limit ends the run with status 1. `funnel-lua test` has a time limit\n"
    "only when --timeout is given, for all its files together.\n"
    "\n"
    "Cache: a CSV file of 1 MiB or more is saved as columns in\n"
    "$XDG_CACHE_HOME/funnel-lua (default ~/.cache/funnel-lua) after it is\n"
    "loaded; the next load of the unchanged file (same size, modification\n"
    "time and first and last 64 KiB) with the same options reads that\n"
    "instead. Safe to delete at any time.\n"
    "\n"
    "Exit status: 0 success; 1 an error in the script or the data (the\n"
    "message names the file and line); 2 a usage error; 3 an OKR off track\n"
    "under --check.\n"
    "\n"
    "Examples:\n"
    "  funnel-lua scripts/okr_q3.lua --data samples\n"
    "  funnel-lua -e 'funnel.data.leads:group_by(\"channel\"):agg{n = "
    "funnel.count()}:print()' --data samples\n"
    "  funnel-lua report.lua --data exports/2026-09 --format md --out "
    "report.md\n"
    "  funnel-lua scripts/okr_q3.lua --data samples --format html --out "
    "okr.html\n";

typedef struct {
    fl_run run;
    const char *script;   /* NULL with -e */
    const char *code;     /* -e */
    const char *out_path; /* --out */
    char *out_tmp;        /* temporary file behind --out */
    int nparams;
    const char **params; /* "key=value" */
    int nlibs;
    const char **libs;
    int nargs; /* script arguments */
    char **args;
    double timeout;    /* seconds, 0 = none */
    size_t max_memory; /* bytes, 0 = none */
    int timeout_set, memory_set;
    const char *command; /* NULL, "test", "kpis" or "new" */
    int test_passed, test_failed;
    int no_cache; /* --no-cache */
} options;

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "funnel-lua: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'funnel-lua --help'.\n");
    return 2;
}

/* "512M", "4G", "100k", "1000" (bytes) -> bytes; 0 when invalid. */
static size_t parse_size(const char *v)
{
    char *end;
    double x = strtod(v, &end);
    if (end == v || x <= 0)
        return 0;
    double mult = 1;
    switch (*end) {
    case 0:
        break;
    case 'k':
    case 'K':
        mult = 1024.0;
        end++;
        break;
    case 'm':
    case 'M':
        mult = 1024.0 * 1024;
        end++;
        break;
    case 'g':
    case 'G':
        mult = 1024.0 * 1024 * 1024;
        end++;
        break;
    default:
        return 0;
    }
    if (*end == 'i' || *end == 'B' || *end == 'b')
        end += *end == 'i' ? 1 : 0, end += (*end == 'B' || *end == 'b');
    if (*end)
        return 0;
    return (size_t)(x * mult);
}

/* Parses argv into o. Returns -1 to go on, else an exit status. */
static int parse_args(int argc, char **argv, options *o)
{
    o->params = calloc((size_t)argc, sizeof *o->params);
    o->libs = calloc((size_t)argc, sizeof *o->libs);
    o->args = calloc((size_t)argc + 1, sizeof *o->args);
    if (!o->params || !o->libs || !o->args)
        return usage_error("%s", "out of memory");
    int only_args = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_args || a[0] != '-' || a[1] == 0) {
            if (!o->script && !o->code && !o->command)
                o->script = a;
            else
                o->args[o->nargs++] = argv[i];
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_args = 1;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(USAGE, stdout);
            return 0;
        }
        if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
            printf("funnel-lua %s (%s)\n", FL_VERSION, LUA_RELEASE);
            return 0;
        }
        if (strcmp(a, "--check") == 0) {
            o->run.check = 1;
            continue;
        }
        if (strcmp(a, "--trust") == 0) {
            o->run.trust = 1;
            continue;
        }
        if (strcmp(a, "--no-cache") == 0) {
            o->no_cache = 1;
            continue;
        }
        /* options with a value: --opt VALUE or --opt=VALUE */
        static const char *const with_value[] = {
            "--data", "--param", "--format",  "--out",
            "--lib",  "-e",      "--timeout", "--max-memory"};
        const char *value = NULL;
        int which = -1;
        for (int k = 0; k < 8; k++) {
            size_t n = strlen(with_value[k]);
            if (strncmp(a, with_value[k], n) == 0 &&
                (a[n] == 0 || a[n] == '=')) {
                which = k;
                if (a[n] == '=')
                    value = a + n + 1;
                else if (i + 1 < argc)
                    value = argv[++i];
                else
                    return usage_error("option %s needs a value",
                                       with_value[k]);
                break;
            }
        }
        switch (which) {
        case 0:
            o->run.data_dir = value;
            break;
        case 1:
            if (!strchr(value, '=') || value[0] == '=')
                return usage_error("--param needs KEY=VALUE, got '%s'", value);
            o->params[o->nparams++] = value;
            break;
        case 2:
            if (fl_format_parse(value, &o->run.format) != 0)
                return usage_error(
                    "unknown format '%s' (formats: table, csv, json, md, "
                    "html)",
                    value);
            o->run.format_name = value;
            break;
        case 3:
            o->out_path = value;
            break;
        case 4:
            o->libs[o->nlibs++] = value;
            break;
        case 5:
            if (o->script)
                o->args[o->nargs++] = (char *)"-e",
                o->args[o->nargs++] = (char *)value;
            else
                o->code = value;
            break;
        case 6: {
            char *end;
            o->timeout = strtod(value, &end);
            if (end == value || *end || !(o->timeout > 0))
                return usage_error(
                    "--timeout needs a number of seconds, got '%s'", value);
            o->timeout_set = 1;
            break;
        }
        case 7:
            if (!(o->max_memory = parse_size(value)))
                return usage_error(
                    "--max-memory needs a size like 512M or 4G, got '%s'",
                    value);
            o->memory_set = 1;
            break;
        default:
            return usage_error("unknown option '%s'", a);
        }
    }
    if (!o->script && !o->code && !o->command)
        return usage_error("%s", "no script given");
    if (o->run.data_dir) {
        struct stat st;
        if (stat(o->run.data_dir, &st) != 0 || !S_ISDIR(st.st_mode))
            return usage_error("--data '%s' is not a folder", o->run.data_dir);
    }
    return -1;
}

/* ==== require =========================================================== */

/* Searcher for package.searchers: upvalue 1 is the list of folders. Returns
 * a loader and the file name, or a message listing where it looked. */
static int searcher(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    /* a name is dotted ("team.kpis"): a '/' would let "../x" or "/x" reach
     * files outside the library folders */
    if (strchr(name, '/') || strchr(name, '\\'))
        return lua_pushfstring(L,
                               "module names are dotted Lua names like "
                               "'team.kpis', without '/': '%s'",
                               name),
               1;
    luaL_Buffer tried;
    const char *rel = luaL_gsub(L, name, ".", "/");
    int rel_idx = lua_gettop(L);
    luaL_buffinit(L, &tried);
    lua_Integer n = luaL_len(L, lua_upvalueindex(1));
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, lua_upvalueindex(1), i);
        const char *dir = lua_tostring(L, -1);
        for (int k = 0; k < 2; k++) {
            const char *path =
                lua_pushfstring(L, k ? "%s/%s/init.lua" : "%s/%s.lua", dir,
                                lua_tostring(L, rel_idx));
            FILE *f = fopen(path, "r");
            if (f) {
                fclose(f);
                if (luaL_loadfilex(L, path, "t") != LUA_OK)
                    return lua_error(L);
                lua_pushstring(L, path);
                return 2;
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    (void)rel;
    for (const fl_stdlib_module *m = fl_stdlib_modules; m->name; m++) {
        if (strcmp(m->name, name) == 0) {
            const char *chunk = lua_pushfstring(L, "@%s", m->path);
            if (luaL_loadbufferx(L, m->src, m->len, chunk, "t") != LUA_OK)
                return lua_error(L);
            lua_pushstring(L, m->path);
            return 2;
        }
    }
    lua_pushfstring(L,
                    "no file '%s.lua' in the script's folder, --lib folders, "
                    "FUNNEL_LUA_PATH or the standard library",
                    lua_tostring(L, rel_idx));
    return 1;
}

/* Folder of a path ("." when none). */
static const char *push_dirname(lua_State *L, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return lua_pushliteral(L, ".");
    if (slash == path)
        return lua_pushliteral(L, "/");
    return lua_pushlstring(L, path, (size_t)(slash - path));
}

/* Appends each --lib folder, then each folder of FUNNEL_LUA_PATH
 * (colon-separated, empty entries skipped), to the table on top of the
 * stack after its k entries; returns the new count. */
static int push_lib_dirs(lua_State *L, const options *o, int k)
{
    for (int i = 0; i < o->nlibs; i++) {
        lua_pushstring(L, o->libs[i]);
        lua_rawseti(L, -2, ++k);
    }
    const char *env = getenv("FUNNEL_LUA_PATH");
    while (env && *env) {
        const char *end = strchr(env, ':');
        size_t len = end ? (size_t)(end - env) : strlen(env);
        if (len) {
            lua_pushlstring(L, env, len);
            lua_rawseti(L, -2, ++k);
        }
        env += len + (end ? 1 : 0);
    }
    return k;
}

static void setup_require(lua_State *L, const options *o)
{
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "searchers");
    lua_newtable(L); /* folders */
    int k = 0;
    if (o->script) {
        push_dirname(L, o->script);
        lua_rawseti(L, -2, ++k);
    } else {
        lua_pushliteral(L, ".");
        lua_rawseti(L, -2, ++k);
    }
    k = push_lib_dirs(L, o, k);
    lua_pushcclosure(L, searcher, 1);
    /* searchers = { preload, ours [, the standard ones under --trust] } */
    if (o->run.trust) {
        lua_Integer n = luaL_len(L, -2);
        for (lua_Integer i = n; i >= 2; i--) {
            lua_geti(L, -2, i);
            lua_seti(L, -3, i + 1);
        }
        lua_seti(L, -2, 2);
    } else {
        lua_seti(L, -2, 2);
        for (lua_Integer i = luaL_len(L, -1); i > 2; i--) {
            lua_pushnil(L);
            lua_seti(L, -2, i);
        }
    }
    lua_pop(L, 2);
}

/* ==== sandbox =========================================================== */

/* load() that refuses bytecode: mode is always "t". */
static int safe_load(lua_State *L)
{
    lua_settop(L, 4);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_pushliteral(L, "t");
    if (lua_isnone(L, 4) || lua_isnil(L, 4)) {
        lua_call(L, 3, LUA_MULTRET);
    } else {
        lua_pushvalue(L, 4);
        lua_call(L, 4, LUA_MULTRET);
    }
    return lua_gettop(L) - 4;
}

static void open_sandboxed(lua_State *L)
{
    static const luaL_Reg libs[] = {{LUA_GNAME, luaopen_base},
                                    {LUA_LOADLIBNAME, luaopen_package},
                                    {LUA_COLIBNAME, luaopen_coroutine},
                                    {LUA_TABLIBNAME, luaopen_table},
                                    {LUA_STRLIBNAME, luaopen_string},
                                    {LUA_MATHLIBNAME, luaopen_math},
                                    {LUA_UTF8LIBNAME, luaopen_utf8},
                                    {LUA_OSLIBNAME, luaopen_os},
                                    {NULL, NULL}};
    for (const luaL_Reg *l = libs; l->func; l++) {
        luaL_requiref(L, l->name, l->func, 1);
        lua_pop(L, 1);
    }
    lua_pushnil(L);
    lua_setglobal(L, "dofile");
    lua_pushnil(L);
    lua_setglobal(L, "loadfile");
    lua_getglobal(L, "load");
    lua_pushcclosure(L, safe_load, 1);
    lua_setglobal(L, "load");
    lua_getglobal(L, "string");
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);
    /* os: only time, date, clock */
    lua_getglobal(L, "os");
    lua_createtable(L, 0, 3);
    static const char *const keep[] = {"time", "date", "clock"};
    for (int i = 0; i < 3; i++) {
        lua_getfield(L, -2, keep[i]);
        lua_setfield(L, -2, keep[i]);
    }
    lua_setglobal(L, "os");
    lua_pop(L, 1);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_getglobal(L, "os");
    lua_setfield(L, -2, "os");
    lua_pop(L, 1);
    lua_getglobal(L, "package");
    lua_pushnil(L);
    lua_setfield(L, -2, "loadlib");
    lua_pushnil(L); /* it tells whether any file exists */
    lua_setfield(L, -2, "searchpath");
    lua_pushliteral(L, "");
    lua_setfield(L, -2, "cpath");
    lua_pushliteral(L, "");
    lua_setfield(L, -2, "path");
    lua_pop(L, 1);
}

/* ==== limits ========================================================== */
/* --timeout: a watchdog thread sets `timed_out` at the deadline; a count hook
 * (inherited by coroutines) then raises an error at the script's current
 * line, and pcall, xpcall and coroutine.resume re-raise it, so a script
 * cannot catch it. If the run is still going a second later (stuck in long C
 * work or a finalizer), the watchdog removes --out's temporary file and ends
 * the process with status 1.
 * --max-memory: the Lua allocator and the engine's fl_malloc count against
 * one limit (fl_alloc_account); once an allocation is refused the same
 * re-raising makes the error uncatchable. */
static volatile sig_atomic_t timed_out, run_done;
static double limit_seconds;
static const char *watchdog_tmp; /* --out's temporary file, to remove */

/* Non-zero when the error at idx ends the run: any error once the time is
 * up, and a memory error once the memory limit refused an allocation. Not
 * any error after a refusal: Lua recovers from a refused allocation by a
 * full collection and a retry, and the script then goes on normally. */
static int limit_error(lua_State *L, int idx)
{
    if (timed_out)
        return 1;
    if (!fl_alloc_limit_hit() || lua_type(L, idx) != LUA_TSTRING)
        return 0;
    const char *msg = lua_tostring(L, idx);
    /* Lua's own (LUA_ERRMEM) message, or the engine's FL_ENOMEM ones */
    return strcmp(msg, "not enough memory") == 0 ||
           strstr(msg, "out of memory") != NULL;
}

static void *l_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        fl_alloc_account(-(long long)old);
        free(ptr);
        return NULL;
    }
    if (nsize > old && !fl_alloc_account((long long)(nsize - old)))
        return NULL;
    void *p = realloc(ptr, nsize);
    if (!p) {
        if (nsize > old)
            fl_alloc_account(-(long long)(nsize - old));
        return NULL;
    }
    if (nsize < old)
        fl_alloc_account(-(long long)(old - nsize));
    return p;
}

static void time_hook(lua_State *L, lua_Debug *ar)
{
    if (!timed_out)
        return;
    /* "2 s", not lua_pushfstring's "2.0 s" */
    char secs[32];
    snprintf(secs, sizeof secs, "%g", limit_seconds);
    if (lua_getinfo(L, "Sl", ar) && ar->currentline > 0)
        luaL_error(L, "time limit of %s s exceeded in %s:%d", secs,
                   ar->short_src, ar->currentline);
    luaL_error(L, "time limit of %s s exceeded", secs);
}

static void sleep_until(struct timespec *t)
{
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, t, NULL) == EINTR)
        ;
}

static void *watchdog(void *arg)
{
    (void)arg;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    double whole = (double)(long long)limit_seconds;
    t.tv_sec += (time_t)whole;
    t.tv_nsec += (long)((limit_seconds - whole) * 1e9);
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    sleep_until(&t);
    timed_out = 1;
    t.tv_sec += 1; /* grace for the hook to end the script cleanly */
    sleep_until(&t);
    if (run_done)
        return NULL;
    char msg[128];
    int n = snprintf(msg, sizeof msg,
                     "funnel-lua: time limit of %g s exceeded (stuck in a long "
                     "operation)\n",
                     limit_seconds);
    if (write(2, msg, (size_t)n) < 0) {
        /* nothing more can be done */
    }
    if (watchdog_tmp)
        unlink(watchdog_tmp);
    _exit(1);
}

/* pcall / xpcall / coroutine.resume / load / coroutine.close wrapper: calls
 * the original (upvalue 1) and re-raises its error (the second result after
 * a false or nil first) when a run limit was reached. */
static int guarded_call(lua_State *L)
{
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    if (!lua_toboolean(L, 1) && limit_error(L, 2)) {
        lua_settop(L, 2);
        return lua_error(L);
    }
    return lua_gettop(L);
}

static void guard(lua_State *L, const char *lib, const char *name)
{
    if (lib) {
        if (lua_getglobal(L, lib) != LUA_TTABLE) {
            lua_pop(L, 1);
            return;
        }
    } else {
        lua_pushglobaltable(L);
    }
    lua_getfield(L, -1, name);
    lua_pushcclosure(L, guarded_call, 1);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

static void setup_limits(lua_State *L, options *o)
{
    if (o->max_memory)
        fl_alloc_set_limit(o->max_memory);
    guard(L, NULL, "pcall");
    guard(L, NULL, "xpcall");
    guard(L, "coroutine", "resume");
    /* these two also return an error instead of raising it: load's reader
     * function runs protected, close returns a __close handler's error */
    guard(L, NULL, "load");
    guard(L, "coroutine", "close");
    if (o->timeout > 0) {
        /* one watchdog per process: for `funnel-lua test` the limit is for
         * all its files together, counted from the first */
        static int watchdog_started;
        limit_seconds = o->timeout;
        watchdog_tmp = o->out_tmp;
        lua_sethook(L, time_hook, LUA_MASKCOUNT, 10000);
        pthread_t th;
        if (!watchdog_started && pthread_create(&th, NULL, watchdog, NULL) == 0)
            pthread_detach(th), watchdog_started = 1;
    }
}

/* ==== subcommands ===================================================== */

/* Appends the files below dir whose names end with suffix to the Lua array
 * at the top of the stack, recursing into folders (not following links),
 * in name order. */
static void list_files(lua_State *L, const char *dir, const char *suffix)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    if (n < 0)
        return;
    size_t sl = strlen(suffix);
    for (int i = 0; i < n; i++) {
        const char *nm = names[i]->d_name;
        if (nm[0] != '.') {
            char *path = malloc(strlen(dir) + strlen(nm) + 2);
            if (path) {
                sprintf(path, "%s/%s", dir, nm);
                struct stat sb;
                if (lstat(path, &sb) != 0) {
                    /* vanished while listing: nothing to run */
                } else if (S_ISDIR(sb.st_mode)) {
                    list_files(L, path, suffix);
                } else if (S_ISREG(sb.st_mode) && strlen(nm) > sl &&
                           strcmp(nm + strlen(nm) - sl, suffix) == 0) {
                    lua_pushstring(L, path);
                    lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
                }
                free(path);
            }
        }
        free(names[i]);
    }
    free(names);
}

/* funnel._files(dir, suffix): for the subcommands' driver (funnel.cli). */
static int l_files(lua_State *L)
{
    const char *dir = luaL_checkstring(L, 1);
    const char *suffix = luaL_optstring(L, 2, ".lua");
    lua_newtable(L);
    list_files(L, dir, suffix);
    return 1;
}

/* ==== running =========================================================== */

/* Message handler: the message plus a traceback without C frames. */
static int msgh(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            msg = lua_tostring(L, -1);
        else
            msg = lua_pushfstring(L, "(error object is a %s value)",
                                  luaL_typename(L, 1));
    }
    luaL_traceback(L, L, NULL, 1);
    const char *tb = lua_tostring(L, -1);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, msg);
    /* keep the Lua frames only: "[C]" lines say nothing to a script author */
    const char *line = strchr(tb, '\n');
    int shown = 0;
    while (line && *line) {
        const char *next = strchr(line + 1, '\n');
        size_t len = next ? (size_t)(next - line) : strlen(line);
        if (!memmem(line, len, "[C]:", 4) &&
            !memmem(line, len, "(...tail calls...)", 18)) {
            if (!shown++)
                luaL_addstring(&b, "\nstack traceback:");
            luaL_addlstring(&b, line, len);
        }
        line = next;
    }
    luaL_pushresult(&b);
    return 1;
}

static int report(lua_State *L, int status)
{
    if (status != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        if (!timed_out && limit_error(L, -1))
            fprintf(stderr, "funnel-lua: memory limit of %.0f MiB exceeded\n",
                    (double)fl_alloc_limit() / (1024.0 * 1024.0));
        fprintf(stderr, "%s\n", msg ? msg : "(error without message)");
        fflush(stderr);
    }
    return status;
}

static int run_main(lua_State *L, options *o)
{
    if (o->run.trust)
        luaL_openlibs(L);
    else
        open_sandboxed(L);
    /* the file policy's folders (fl_path.h), kept alive in the registry */
    push_dirname(L, o->script ? o->script : "-e");
    o->run.script_dir = lua_tostring(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, "funnel.script_dir");
    o->run.out_dir = NULL;
    if (o->out_path) {
        push_dirname(L, o->out_path);
        o->run.out_dir = lua_tostring(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, "funnel.out_dir");
    }
    fl_lua_open(L, &o->run);
    setup_require(L, o);
    setup_limits(L, o);
    if (o->command) {
        lua_getglobal(L, "funnel");
        lua_pushcfunction(L, l_files);
        lua_setfield(L, -2, "_files");
        /* funnel._lib_dirs: --lib folders, then FUNNEL_LUA_PATH's */
        lua_newtable(L);
        push_lib_dirs(L, o, 0);
        lua_setfield(L, -2, "_lib_dirs");
        lua_pop(L, 1);
    }
    if (o->command && strcmp(o->command, "test") == 0) {
        static const char setup[] =
            "local t = require 'funnel.testing'; funnel.test = t.test; "
            "funnel.expect = t.expect";
        if (luaL_dostring(L, setup) != LUA_OK)
            return report(L, LUA_ERRRUN);
    }

    lua_getglobal(L, "funnel");
    lua_getfield(L, -1, "params");
    for (int i = 0; i < o->nparams; i++) {
        const char *eq = strchr(o->params[i], '=');
        lua_pushlstring(L, o->params[i], (size_t)(eq - o->params[i]));
        lua_pushstring(L, eq + 1);
        lua_settable(L, -3);
    }
    lua_pop(L, 2);

    /* arg, as in lua: arg[0] the script, arg[1..] its arguments */
    lua_createtable(L, o->nargs, 1);
    lua_pushstring(L, o->script ? o->script : "-e");
    lua_rawseti(L, -2, 0);
    for (int i = 0; i < o->nargs; i++) {
        lua_pushstring(L, o->args[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setglobal(L, "arg");

    lua_pushcfunction(L, msgh);
    int base = lua_gettop(L);
    int st;
    if (o->script) {
        struct stat sb;
        if (stat(o->script, &sb) != 0) {
            fprintf(stderr, "funnel-lua: cannot open script '%s': %s\n",
                    o->script, strerror(errno));
            return LUA_ERRFILE;
        }
        if (S_ISDIR(sb.st_mode)) {
            fprintf(stderr, "funnel-lua: '%s' is a folder, not a script\n",
                    o->script);
            return LUA_ERRFILE;
        }
        st = luaL_loadfilex(L, o->script, "t");
    } else {
        st = luaL_loadbufferx(L, o->code, strlen(o->code), "=(command line)",
                              "t");
    }
    if (st != LUA_OK)
        return report(L, st);
    for (int i = 0; i < o->nargs; i++)
        lua_pushstring(L, o->args[i]);
    st = lua_pcall(L, o->nargs, 0, base);
    if (st == LUA_OK && o->command && strcmp(o->command, "test") == 0) {
        luaL_loadstring(L, "return require('funnel.testing').run(...)");
        lua_pushstring(L, o->script);
        st = lua_pcall(L, 1, 2, base);
        if (st == LUA_OK) {
            o->test_passed += (int)lua_tointeger(L, -2);
            o->test_failed += (int)lua_tointeger(L, -1);
        }
    }
    return report(L, st);
}

/* funnel-lua test [DIR ...]: every *_test.lua below the folders, each in a
 * run of its own (sandboxed, its folder and DIR on the library path, its
 * folder as the data folder unless --data is given). */
static int cmd_test(options *o)
{
    lua_State *F = luaL_newstate(); /* only to collect the file names */
    if (!F)
        return 1;
    lua_newtable(F);
    if (o->nargs == 0)
        list_files(F, ".", "_test.lua");
    for (int i = 0; i < o->nargs; i++) {
        struct stat sb;
        if (stat(o->args[i], &sb) != 0) {
            fprintf(stderr, "funnel-lua test: no folder '%s'\n", o->args[i]);
            lua_close(F);
            return 2;
        }
        if (S_ISDIR(sb.st_mode)) {
            list_files(F, o->args[i], "_test.lua");
        } else {
            lua_pushstring(F, o->args[i]);
            lua_rawseti(F, -2, (lua_Integer)luaL_len(F, -2) + 1);
        }
    }
    lua_Integer n = luaL_len(F, -1);
    if (n == 0) { /* a mistyped folder must not look like a pass */
        fprintf(stderr,
                "funnel-lua test: no *_test.lua file below %s; name the "
                "folders that hold the tests\n",
                o->nargs ? o->args[0] : "the current folder");
        lua_close(F);
        return 1;
    }
    int files_failed = 0;
    const char **libs =
        calloc((size_t)(o->nlibs + 2 * o->nargs + 1), sizeof *libs);
    char **parents = calloc((size_t)o->nargs + 1, sizeof *parents);
    for (int j = 0; parents && j < o->nargs; j++) {
        parents[j] = malloc(strlen(o->args[j]) + 4);
        if (parents[j])
            sprintf(parents[j], "%s/..", o->args[j]);
        else
            parents[j] = (char *)".";
    }
    if (!libs || !parents) {
        lua_close(F);
        return 1;
    }
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(F, -1, i);
        const char *file = lua_tostring(F, -1);
        options t = *o;
        t.script = file;
        t.nargs = 0;
        /* the test folders go on the library path after --lib */
        int k = 0;
        for (int j = 0; j < o->nlibs; j++)
            libs[k++] = o->libs[j];
        for (int j = 0; j < o->nargs; j++) {
            libs[k++] = o->args[j];
            libs[k++] = parents[j]; /* so `require "lib.mod"` works too */
        }
        t.libs = libs;
        t.nlibs = k;
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", file);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = 0;
        else
            snprintf(dir, sizeof dir, ".");
        if (!o->run.data_dir)
            t.run.data_dir = dir;
        if (!o->timeout_set)
            t.timeout = 0; /* only an explicit --timeout, for all files */
        lua_State *L = lua_newstate(l_alloc, NULL);
        if (!L) {
            files_failed++;
        } else {
            if (run_main(L, &t) != LUA_OK) {
                files_failed++;
                printf("FAIL %s: the file did not run (see the error above)\n",
                       file);
            }
            lua_close(L);
        }
        o->test_passed = t.test_passed;
        o->test_failed = t.test_failed;
        lua_pop(F, 1);
    }
    free(libs);
    for (int j = 0; j < o->nargs; j++)
        if (strcmp(parents[j], ".") != 0)
            free(parents[j]);
    free(parents);
    lua_close(F);
    int failed = o->test_failed + files_failed;
    printf("%d passed, %d failed\n", o->test_passed, failed);
    return failed ? 1 : 0;
}

/* funnel-lua new NAME: the usage errors, before any Lua runs (exit 2, no
 * traceback); the scaffold itself is written by stdlib/funnel/cli.lua. */
static int check_new(const options *o)
{
    if (o->nargs != 1)
        return usage_error("new takes one library name, e.g. funnel-lua new "
                           "marketing");
    const char *name = o->args[0];
    int ok = isalpha((unsigned char)name[0]) || name[0] == '_';
    for (const char *c = name; ok && *c; c++)
        ok = isalnum((unsigned char)*c) || *c == '_';
    if (!ok)
        return usage_error("'%s' is not a library name: use letters, digits "
                           "and _ (e.g. marketing)",
                           name);
    struct stat sb;
    if (stat(name, &sb) == 0)
        return usage_error("'%s' already exists here; choose another name or "
                           "another folder",
                           name);
    return -1;
}

/* --out: the output goes to a temporary file next to FILE, renamed over
 * FILE only when the run succeeds. */
static int open_out(options *o)
{
    if (!o->out_path) {
        o->run.out = stdout;
        return 0;
    }
    size_t n = strlen(o->out_path) + 32;
    o->out_tmp = malloc(n);
    if (!o->out_tmp)
        return -1;
    snprintf(o->out_tmp, n, "%s.tmp%d", o->out_path, (int)getpid());
    o->run.out = fopen(o->out_tmp, "w");
    if (!o->run.out) {
        fprintf(stderr, "funnel-lua: cannot write '%s': %s\n", o->out_path,
                strerror(errno));
        return -1;
    }
    return 0;
}

static int close_out(options *o, int ok)
{
    if (!o->out_path) {
        if (fflush(stdout) != 0 && ok) {
            fprintf(stderr, "funnel-lua: cannot write standard output\n");
            return -1;
        }
        return 0;
    }
    int bad = fclose(o->run.out) != 0;
    if (ok && !bad && rename(o->out_tmp, o->out_path) == 0)
        return 0;
    if (ok)
        fprintf(stderr, "funnel-lua: cannot write '%s': %s\n", o->out_path,
                strerror(errno));
    remove(o->out_tmp);
    return ok ? -1 : 0;
}

int main(int argc, char **argv)
{
    options o;
    memset(&o, 0, sizeof o);
    o.run.format = FL_FMT_TABLE;
    o.run.format_name = "table";
    o.run.data_dir = NULL;
    o.run.progress = 1;
    int rc;
    if (argc > 1 &&
        (strcmp(argv[1], "test") == 0 || strcmp(argv[1], "kpis") == 0 ||
         strcmp(argv[1], "new") == 0)) {
        o.command = argv[1];
        rc = parse_args(argc - 1, argv + 1, &o);
    } else {
        rc = parse_args(argc, argv, &o);
    }
    if (rc < 0 && !o.run.trust) {
        /* defaults for scripts that are not trusted */
        if (!o.timeout_set)
            o.timeout = 600;
        if (!o.memory_set) {
            long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
            if (pages > 0 && size > 0)
                o.max_memory = (size_t)pages * (size_t)size / 2;
        }
    }
    char cache_buf[4096];
    if (rc < 0 && !o.no_cache)
        fl_cache_configure(fl_cache_default_dir(cache_buf, sizeof cache_buf),
                           FL_CACHE_MIN_SIZE);
    if (rc < 0 && o.command && strcmp(o.command, "test") == 0) {
        o.run.out = stdout;
        rc = cmd_test(&o);
    } else if (rc < 0 && o.command && strcmp(o.command, "new") == 0 &&
               (rc = check_new(&o)) >= 0) {
        /* a usage error, reported */
    } else if (rc < 0 && o.command) {
        /* kpis / new: the driver in stdlib/funnel/cli.lua */
        o.code = strcmp(o.command, "new") == 0
                     ? "return require('funnel.cli').new(...)"
                     : "return require('funnel.cli').kpis(...)";
        if (strcmp(o.command, "new") == 0)
            o.run.trust = 1; /* it writes the scaffold's files */
    }
    if (rc < 0) {
        if (open_out(&o) != 0) {
            rc = 1;
        } else {
            lua_State *L = lua_newstate(l_alloc, NULL);
            if (L)
                lua_setwarnf(L, NULL, NULL); /* errors in __gc: not shown */
            if (!L) {
                fprintf(stderr, "funnel-lua: cannot create the Lua state (out "
                                "of memory)\n");
                rc = 1;
            } else {
                int st = run_main(L, &o);
                rc = st == LUA_OK ? o.run.exit_code : 1;
                /* html: the document's tail (and its head when the script
                 * wrote nothing), on success only */
                if ((rc == 0 || rc == 3) && o.run.format == FL_FMT_HTML &&
                    !o.command) {
                    if (!o.run.html_begun)
                        fl_html_begin(o.run.out, o.run.html_title);
                    fl_html_end(o.run.out);
                }
                lua_close(L);
                run_done = 1;
            }
            if (close_out(&o, rc == 0 || rc == 3) != 0)
                rc = 1;
        }
    }
    free(o.params);
    free(o.libs);
    free(o.args);
    free(o.out_tmp);
    fl_cache_configure(NULL, 0);
    return rc;
}
