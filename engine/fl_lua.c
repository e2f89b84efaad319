/*
 * fl_lua.c -- the `funnel` module: loading data, expressions, aggregates,
 * and the small run-level functions (clock, params, write, exit_code).
 * Tables, columns and groupings are in fl_lua_table.c; distributions in
 * fl_lua_stats.c.
 *
 * Layer: Lua binding, above every engine module. See fl_lua.h.
 */
#include "fl_lua.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fl_agg.h"
#include "fl_csv.h"
#include "fl_path.h"

static const char RUN_KEY[] = "funnel.run";

fl_run *fl_lua_run(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, RUN_KEY);
    fl_run *run = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return run;
}

int fl_lua_fail(lua_State *L, const fl_error *err)
{
    return luaL_error(L, "%s", err->msg);
}

FILE *fl_lua_out(lua_State *L)
{
    fl_run *run = fl_lua_run(L);
    if (run->format == FL_FMT_HTML && !run->html_begun) {
        fl_html_begin(run->out, run->html_title);
        run->html_begun = 1;
    }
    return run->out;
}

/* ==== values ============================================================ */

void fl_lua_pushvalue(lua_State *L, const fl_value *v)
{
    char buf[48];
    if (v->is_null) {
        lua_pushnil(L);
        return;
    }
    switch (v->type) {
    case FL_BOOL:
        lua_pushboolean(L, v->u.b);
        break;
    case FL_INT:
        lua_pushinteger(L, (lua_Integer)v->u.i);
        break;
    case FL_FLOAT:
        lua_pushnumber(L, v->u.f);
        break;
    case FL_DATE:
        lua_pushlstring(L, buf, fl_format_date(v->u.d, buf));
        break;
    case FL_TIMESTAMP:
        lua_pushlstring(L, buf, fl_format_timestamp(v->u.i, buf));
        break;
    case FL_STRING:
        lua_pushlstring(L, v->u.str.s, v->u.str.len);
        break;
    default:
        lua_pushnil(L);
    }
}

/* The sentinel funnel.null, kept in the registry. */
static int is_null_sentinel(lua_State *L, int idx)
{
    lua_getfield(L, LUA_REGISTRYINDEX, "funnel.null");
    int r = lua_rawequal(L, idx, -1);
    lua_pop(L, 1);
    return r;
}

/* Reads a Lua scalar into *v. Strings point into the Lua string at idx,
 * which must stay on the stack while v is used. Returns 0 when the value
 * cannot be a literal. */
static int tovalue(lua_State *L, int idx, fl_value *v)
{
    memset(v, 0, sizeof *v);
    switch (lua_type(L, idx)) {
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            v->type = FL_INT;
            v->u.i = (int64_t)lua_tointeger(L, idx);
        } else {
            v->type = FL_FLOAT;
            v->u.f = (double)lua_tonumber(L, idx);
        }
        return 1;
    case LUA_TBOOLEAN:
        v->type = FL_BOOL;
        v->u.b = lua_toboolean(L, idx);
        return 1;
    case LUA_TSTRING:
        v->type = FL_STRING;
        v->u.str.s = lua_tolstring(L, idx, &v->u.str.len);
        return 1;
    default:
        if (is_null_sentinel(L, idx)) {
            v->type = FL_STRING;
            v->is_null = 1;
            return 1;
        }
        return 0;
    }
}

/* ==== expressions ======================================================= */

typedef struct {
    fl_expr *e;
} expr_ud;

/* Pushes an Expr userdata taking the reference e; raises on NULL (out of
 * memory in a constructor). */
static fl_expr *push_expr(lua_State *L, fl_expr *e)
{
    expr_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->e = NULL;
    luaL_setmetatable(L, FL_EXPR_MT);
    if (!e)
        luaL_error(L, "out of memory building an expression");
    u->e = e;
    return e;
}

fl_expr *fl_lua_toexpr(lua_State *L, int idx, int names)
{
    idx = lua_absindex(L, idx);
    luaL_checkstack(L, 4, "expression too deep");
    expr_ud *u = luaL_testudata(L, idx, FL_EXPR_MT);
    if (u) {
        lua_pushvalue(L, idx);
        return u->e;
    }
    if (names && lua_type(L, idx) == LUA_TSTRING)
        return push_expr(L, fl_expr_col(lua_tostring(L, idx)));
    fl_value v;
    if (!tovalue(L, idx, &v)) {
        luaL_error(
            L, "expected a column name, an expression or a constant, got %s",
            luaL_typename(L, idx));
        return NULL;
    }
    return push_expr(L, fl_expr_lit(&v));
}

static fl_expr *check_expr(lua_State *L, int idx)
{
    expr_ud *u = luaL_checkudata(L, idx, FL_EXPR_MT);
    return u->e;
}

static int expr_gc(lua_State *L)
{
    expr_ud *u = luaL_checkudata(L, 1, FL_EXPR_MT);
    fl_expr_unref(u->e);
    u->e = NULL;
    return 0;
}

static int expr_tostring(lua_State *L)
{
    char *s = fl_expr_describe(check_expr(L, 1));
    if (!s)
        return luaL_error(L, "out of memory");
    lua_pushfstring(L, "funnel.Expr(%s)", s);
    fl_free(s);
    return 1;
}

/* Binary operator or comparison: operands may be expressions or constants;
 * strings are literals (use funnel.col for a column). */
static int binary(lua_State *L, fl_expr_op op)
{
    fl_expr *a = fl_lua_toexpr(L, 1, 0);
    fl_expr *b = fl_lua_toexpr(L, 2, 0);
    push_expr(L, fl_expr_binary(op, a, b));
    return 1;
}

#define BINOP(name, op)                                                        \
    static int name(lua_State *L)                                              \
    {                                                                          \
        return binary(L, op);                                                  \
    }
BINOP(e_add, FL_E_ADD)
BINOP(e_sub, FL_E_SUB)
BINOP(e_mul, FL_E_MUL)
BINOP(e_div, FL_E_DIV)
BINOP(e_mod, FL_E_MOD)
BINOP(e_and, FL_E_AND)
BINOP(e_or, FL_E_OR)
BINOP(e_eq, FL_E_EQ)
BINOP(e_ne, FL_E_NE)
BINOP(e_lt, FL_E_LT)
BINOP(e_le, FL_E_LE)
BINOP(e_gt, FL_E_GT)
BINOP(e_ge, FL_E_GE)

static int unary(lua_State *L, fl_expr_op op)
{
    fl_expr *a = fl_lua_toexpr(L, 1, 0);
    push_expr(L, fl_expr_unary(op, a));
    return 1;
}
static int e_neg(lua_State *L)
{
    return unary(L, FL_E_NEG);
}
static int e_not(lua_State *L)
{
    return unary(L, FL_E_NOT);
}
static int e_is_null(lua_State *L)
{
    return unary(L, FL_E_IS_NULL);
}
static int e_not_null(lua_State *L)
{
    return unary(L, FL_E_NOT_NULL);
}
static int e_lower(lua_State *L)
{
    return unary(L, FL_E_LOWER);
}

static int string_pred(lua_State *L, fl_expr_op op)
{
    check_expr(L, 1);
    luaL_checkstring(L, 2);
    return binary(L, op);
}
static int e_contains(lua_State *L)
{
    return string_pred(L, FL_E_CONTAINS);
}
static int e_starts_with(lua_State *L)
{
    return string_pred(L, FL_E_STARTS_WITH);
}

/* x:between(lo, hi) is (x >= lo) & (x <= hi), both ends inclusive. */
static int e_between(lua_State *L)
{
    fl_expr *x = fl_lua_toexpr(L, 1, 0);
    fl_expr *lo = fl_lua_toexpr(L, 2, 0);
    fl_expr *hi = fl_lua_toexpr(L, 3, 0);
    fl_expr *ge = push_expr(L, fl_expr_binary(FL_E_GE, x, lo));
    fl_expr *le = push_expr(L, fl_expr_binary(FL_E_LE, x, hi));
    push_expr(L, fl_expr_binary(FL_E_AND, ge, le));
    return 1;
}

static int e_isin(lua_State *L)
{
    fl_expr *x = fl_lua_toexpr(L, 1, 0);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_Integer n = luaL_len(L, 2);
    if (n > 1000000)
        return luaL_error(L, "isin: list too long (%d values)", (int)n);
    fl_value *set = lua_newuserdatauv(L, sizeof *set * (size_t)(n ? n : 1), 0);
    luaL_checkstack(L, (int)n + 4, "isin: list too long");
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 2, i); /* stays on the stack: set[i] may point into it */
        if (!tovalue(L, -1, &set[i - 1]))
            return luaL_error(L, "isin: value %d is a %s, expected a constant",
                              (int)i, luaL_typename(L, -1));
    }
    push_expr(L, fl_expr_isin(x, set, (int)n));
    return 1;
}

/* funnel.col(name) */
static int f_col(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    push_expr(L, fl_expr_col(name));
    return 1;
}

/* funnel.lit(v) */
static int f_lit(lua_State *L)
{
    fl_value v;
    if (!tovalue(L, 1, &v))
        return luaL_argerror(
            L, 1, "expected a number, string, boolean or funnel.null");
    push_expr(L, fl_expr_lit(&v));
    return 1;
}

static int bucket(lua_State *L, fl_bucket b)
{
    fl_expr *a = fl_lua_toexpr(L, 1, 1);
    push_expr(L, fl_expr_bucket(b, a));
    return 1;
}
static int f_day(lua_State *L)
{
    return bucket(L, FL_DAY);
}
static int f_week(lua_State *L)
{
    return bucket(L, FL_WEEK);
}
static int f_month(lua_State *L)
{
    return bucket(L, FL_MONTH);
}
static int f_quarter(lua_State *L)
{
    return bucket(L, FL_QUARTER);
}
static int f_year(lua_State *L)
{
    return bucket(L, FL_YEAR);
}

/* ==== aggregates ======================================================== */

typedef struct {
    fl_agg_kind kind;
    fl_expr *arg, *arg2;
    double q;
} agg_ud;

static int agg_gc(lua_State *L)
{
    agg_ud *u = luaL_checkudata(L, 1, FL_AGG_MT);
    fl_expr_unref(u->arg);
    fl_expr_unref(u->arg2);
    u->arg = u->arg2 = NULL;
    return 0;
}

static const char *const agg_names[] = {
    "count",          "count",  "count_if", "sum",    "mean", "min",   "max",
    "count_distinct", "median", "quantile", "stddev", "corr", "first", "last",
};

static int agg_tostring(lua_State *L)
{
    agg_ud *u = luaL_checkudata(L, 1, FL_AGG_MT);
    lua_pushfstring(L, "funnel.Aggregate(%s)", agg_names[u->kind]);
    return 1;
}

/* Pushes an Aggregate over the expressions at args a1 (and a2; 0 = none). */
static int push_agg(lua_State *L, fl_agg_kind kind, int a1, int a2, double q)
{
    fl_expr *x = a1 ? fl_lua_toexpr(L, a1, 1) : NULL;
    fl_expr *y = a2 ? fl_lua_toexpr(L, a2, 1) : NULL;
    agg_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    memset(u, 0, sizeof *u);
    luaL_setmetatable(L, FL_AGG_MT);
    u->kind = kind;
    u->q = q;
    if (x) {
        fl_expr_ref(x);
        u->arg = x;
    }
    if (y) {
        fl_expr_ref(y);
        u->arg2 = y;
    }
    return 1;
}

static int f_count(lua_State *L)
{
    if (lua_isnoneornil(L, 1))
        return push_agg(L, FL_AGG_COUNT_ALL, 0, 0, 0);
    return push_agg(L, FL_AGG_COUNT, 1, 0, 0);
}
#define AGG1(name, kind)                                                       \
    static int name(lua_State *L)                                              \
    {                                                                          \
        luaL_checkany(L, 1);                                                   \
        return push_agg(L, kind, 1, 0, 0);                                     \
    }
AGG1(f_count_if, FL_AGG_COUNT_IF)
AGG1(f_sum, FL_AGG_SUM)
AGG1(f_mean, FL_AGG_MEAN)
AGG1(f_min, FL_AGG_MIN)
AGG1(f_max, FL_AGG_MAX)
AGG1(f_count_distinct, FL_AGG_COUNT_DISTINCT)
AGG1(f_median, FL_AGG_MEDIAN)
AGG1(f_stddev, FL_AGG_STDDEV)
AGG1(f_first, FL_AGG_FIRST)
AGG1(f_last, FL_AGG_LAST)

static int f_quantile(lua_State *L)
{
    luaL_checkany(L, 1);
    double q = luaL_checknumber(L, 2);
    luaL_argcheck(L, q >= 0 && q <= 1, 2, "quantile must be between 0 and 1");
    return push_agg(L, FL_AGG_QUANTILE, 1, 0, q);
}

static int f_corr(lua_State *L)
{
    luaL_checkany(L, 1);
    luaL_checkany(L, 2);
    return push_agg(L, FL_AGG_CORR, 1, 2, 0);
}

/* Used by fl_lua_table.c: fills spec from the Aggregate at idx. */
int fl_lua_toagg(lua_State *L, int idx, fl_agg_spec *spec);
int fl_lua_toagg(lua_State *L, int idx, fl_agg_spec *spec)
{
    agg_ud *u = luaL_testudata(L, idx, FL_AGG_MT);
    if (!u)
        return 0;
    spec->kind = u->kind;
    spec->arg = u->arg;
    spec->arg2 = u->arg2;
    spec->q = u->q;
    return 1;
}

/* ==== loading =========================================================== */

typedef struct {
    const char *name;
    double last;
    int shown;
} progress_state;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Progress on stderr for loads that take a while: first after half a
 * second, then at most five times a second. */
static void show_progress(void *ud, uint64_t done, uint64_t total)
{
    progress_state *p = ud;
    double t = now();
    if (p->last == 0) {
        p->last = t;
        return;
    }
    if (t - p->last < (p->shown ? 0.2 : 0.5) || total == 0)
        return;
    p->last = t;
    p->shown = 1;
    fprintf(stderr, "\rloading %s: %3d%% (%.0f of %.0f MB)", p->name,
            (int)(100.0 * (double)done / (double)total), (double)done / 1e6,
            (double)total / 1e6);
    fflush(stderr);
}

/* Resolves a script's path argument against the data directory. */
static const char *data_path(lua_State *L, const char *path)
{
    fl_run *run = fl_lua_run(L);
    if (path[0] == '/' || !run->data_dir || strcmp(run->data_dir, ".") == 0)
        return lua_pushstring(L, path);
    return lua_pushfstring(L, "%s/%s", run->data_dir, path);
}

/* Folder name for messages: "samples/", "./" for ".". */
static const char *shown_dir(lua_State *L, const char *dir)
{
    size_t n = strlen(dir);
    return lua_pushfstring(L, "%s%s", dir, n && dir[n - 1] == '/' ? "" : "/");
}

const char *fl_lua_allowed_path(lua_State *L, const char *what,
                                const char *path, const char *name, int write)
{
    fl_run *run = fl_lua_run(L);
    if (run->trust)
        return lua_pushstring(L, path);
    const char *data = run->data_dir ? run->data_dir : ".";
    const char *script = run->script_dir ? run->script_dir : ".";
    const char *roots[2] = {write ? "." : data, write ? run->out_dir : script};
    char resolved[FL_PATH_MAX];
    fl_error err;
    fl_status st =
        write ? fl_path_check_write(path, roots, 2, resolved, &err)
              : fl_path_check_read(path, name, roots, 2, resolved, &err);
    if (st == FL_EINVAL && write)
        return luaL_error(L,
                          "%s: %s: a script writes only inside the current "
                          "folder%s%s; pass --trust to lift this",
                          what, err.msg,
                          run->out_dir ? " and --out's folder " : "",
                          run->out_dir ? shown_dir(L, run->out_dir) : ""),
               NULL;
    if (st == FL_EINVAL)
        return luaL_error(L,
                          "%s: %s: a script reads only inside the data folder "
                          "%s and its own folder %s; pass --data or --trust",
                          what, err.msg, shown_dir(L, data),
                          shown_dir(L, script)),
               NULL;
    if (st != FL_OK)
        return luaL_error(L, "%s", err.msg), NULL;
    return lua_pushstring(L, resolved);
}

/* funnel.read_csv(path [, { delimiter =, types = {}, null = {} }]) */
static int f_read_csv(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    int has_opts = !lua_isnoneornil(L, 2);
    if (has_opts)
        luaL_checktype(L, 2, LUA_TTABLE);
    const char *full = data_path(L, path);
    full = fl_lua_allowed_path(L, "read_csv", full, path, 0); /* pushed */
    fl_csv_options o;
    memset(&o, 0, sizeof o);
    if (has_opts) {
        if (lua_getfield(L, 2, "delimiter") != LUA_TNIL) {
            size_t len;
            const char *d = luaL_checklstring(L, -1, &len);
            if (strcmp(d, "tab") == 0 || strcmp(d, "\\t") == 0)
                o.delimiter = '\t';
            else if (len == 1)
                o.delimiter = d[0];
            else
                return luaL_error(
                    L, "read_csv: delimiter must be one character, got '%s'",
                    d);
        }
        lua_pop(L, 1);
        if (lua_getfield(L, 2, "types") != LUA_TNIL) {
            luaL_checktype(L, -1, LUA_TTABLE);
            int tidx = lua_gettop(L);
            int n = 0;
            lua_pushnil(L);
            while (lua_next(L, tidx)) {
                n++;
                lua_pop(L, 1);
            }
            const char **cols =
                lua_newuserdatauv(L, sizeof(char *) * (size_t)(n + 1), 0);
            fl_type *types =
                lua_newuserdatauv(L, sizeof(fl_type) * (size_t)(n + 1), 0);
            int i = 0;
            lua_pushnil(L);
            while (lua_next(L, tidx)) {
                if (lua_type(L, -2) != LUA_TSTRING ||
                    lua_type(L, -1) != LUA_TSTRING)
                    return luaL_error(
                        L,
                        "read_csv: types must map column names to type names");
                const char *tn = lua_tostring(L, -1);
                if (fl_type_parse(tn, &types[i]) != 0)
                    return luaL_error(
                        L,
                        "read_csv: unknown type '%s' for column '%s' (types: "
                        "int, float, bool, date, timestamp, string)",
                        tn, lua_tostring(L, -2));
                cols[i++] = lua_tostring(L, -2); /* key stays in the table */
                lua_pop(L, 1);
            }
            o.ntypes = n;
            o.type_cols = cols;
            o.types = types;
        }
        /* the types table stays on the stack (its keys are referenced) */
        if (lua_getfield(L, 2, "null") != LUA_TNIL) {
            int nidx = lua_gettop(L);
            if (lua_type(L, nidx) == LUA_TSTRING) {
                lua_createtable(L, 1, 0);
                lua_pushvalue(L, nidx);
                lua_rawseti(L, -2, 1);
                lua_replace(L, nidx);
            }
            luaL_checktype(L, nidx, LUA_TTABLE);
            int n = (int)luaL_len(L, nidx);
            const char **nulls =
                lua_newuserdatauv(L, sizeof(char *) * (size_t)(n + 1), 0);
            for (int i = 0; i < n; i++) {
                lua_geti(L, nidx, i + 1);
                if (lua_type(L, -1) != LUA_TSTRING)
                    return luaL_error(
                        L, "read_csv: null must be a list of strings");
                nulls[i] = lua_tostring(L, -1);
                lua_pop(L, 1); /* still referenced by the table */
            }
            o.nnulls = n;
            o.nulls = n ? nulls : NULL;
            if (n == 0) {
                /* an empty list means: no text is null, not even "" */
                static const char *const none[] = {NULL};
                o.nulls = (const char *const *)none;
            }
        }
    }
    fl_run *run = fl_lua_run(L);
    progress_state ps = {path, 0, 0};
    if (run->progress && isatty(2)) {
        o.progress = show_progress;
        o.progress_ud = &ps;
    }
    fl_table **slot = fl_lua_newtable(L);
    fl_error err;
    fl_status st = fl_csv_read(full, path, &o, slot, &err);
    if (ps.shown)
        fprintf(stderr, "\r%*s\r", 60, "");
    if (st != FL_OK)
        return fl_lua_fail(L, &err);
    return 1;
}

/* funnel.data.NAME: <data dir>/NAME.csv, loaded on first use and kept. */
static int data_index(lua_State *L)
{
    const char *name = luaL_checkstring(L, 2);
    lua_pushcfunction(L, f_read_csv);
    lua_pushfstring(L, "%s.csv", name);
    lua_call(L, 1, 1);
    lua_pushvalue(L, 2);
    lua_pushvalue(L, -2);
    lua_rawset(L, 1);
    return 1;
}

/* ==== run-level functions =============================================== */

static int f_clock(lua_State *L)
{
    lua_pushnumber(L, now());
    return 1;
}

/* funnel.write(...): strings to the run's output (stdout or --out), as
 * they are (in html format they are markup: funnel.report escapes). */
static int f_write(lua_State *L)
{
    int n = lua_gettop(L);
    for (int i = 1; i <= n; i++)
        luaL_checkstring(L, i);
    FILE *out = fl_lua_out(L);
    for (int i = 1; i <= n; i++) {
        size_t len;
        const char *s = lua_tolstring(L, i, &len);
        fwrite(s, 1, len, out);
    }
    return 0;
}

/* funnel._html_title(text): the <title> of the html document, if its head
 * is not written yet (funnel.report sets it from the report's title). */
static int f_html_title(lua_State *L)
{
    fl_run *run = fl_lua_run(L);
    const char *s = luaL_checkstring(L, 1);
    if (!run->html_begun)
        snprintf(run->html_title, sizeof run->html_title, "%s", s);
    return 0;
}

/* print(...): as Lua's, but to the run's output, so that --out holds what a
 * script prints as well as its tables and reports. In html format the line
 * is escaped text in a <pre>. */
static int l_print(lua_State *L)
{
    fl_run *run = fl_lua_run(L);
    FILE *out = fl_lua_out(L);
    int html = run->format == FL_FMT_HTML;
    int n = lua_gettop(L);
    if (html)
        fputs("<pre class=\"fl-print\">", out);
    for (int i = 1; i <= n; i++) {
        size_t len;
        const char *s = luaL_tolstring(L, i, &len);
        if (i > 1)
            fputc('\t', out);
        if (html)
            fl_html_escape(out, s, len);
        else
            fwrite(s, 1, len, out);
        lua_pop(L, 1);
    }
    fputs(html ? "</pre>\n" : "\n", out);
    return 0;
}

/* funnel.exit_code(n): the status the run exits with if it succeeds (the
 * largest asked for wins; --check failures use 3). */
static int f_exit_code(lua_State *L)
{
    fl_run *run = fl_lua_run(L);
    lua_Integer n = luaL_checkinteger(L, 1);
    luaL_argcheck(L, n >= 0 && n <= 125, 1, "exit code must be 0..125");
    if (n > run->exit_code)
        run->exit_code = (int)n;
    return 0;
}

static int null_tostring(lua_State *L)
{
    lua_pushliteral(L, "null");
    return 1;
}

/* ==== module ============================================================ */

static const luaL_Reg expr_methods[] = {{"eq", e_eq},
                                        {"ne", e_ne},
                                        {"lt", e_lt},
                                        {"le", e_le},
                                        {"gt", e_gt},
                                        {"ge", e_ge},
                                        {"between", e_between},
                                        {"isin", e_isin},
                                        {"is_null", e_is_null},
                                        {"not_null", e_not_null},
                                        {"lower", e_lower},
                                        {"contains", e_contains},
                                        {"starts_with", e_starts_with},
                                        {NULL, NULL}};

static const luaL_Reg expr_meta[] = {{"__add", e_add},
                                     {"__sub", e_sub},
                                     {"__mul", e_mul},
                                     {"__div", e_div},
                                     {"__mod", e_mod},
                                     {"__unm", e_neg},
                                     {"__band", e_and},
                                     {"__bor", e_or},
                                     {"__bnot", e_not},
                                     {"__gc", expr_gc},
                                     {"__tostring", expr_tostring},
                                     {NULL, NULL}};

static const luaL_Reg funcs[] = {{"read_csv", f_read_csv},
                                 {"col", f_col},
                                 {"lit", f_lit},
                                 {"day", f_day},
                                 {"week", f_week},
                                 {"month", f_month},
                                 {"quarter", f_quarter},
                                 {"year", f_year},
                                 {"count", f_count},
                                 {"count_if", f_count_if},
                                 {"sum", f_sum},
                                 {"mean", f_mean},
                                 {"min", f_min},
                                 {"max", f_max},
                                 {"count_distinct", f_count_distinct},
                                 {"median", f_median},
                                 {"quantile", f_quantile},
                                 {"stddev", f_stddev},
                                 {"corr", f_corr},
                                 {"first", f_first},
                                 {"last", f_last},
                                 {"clock", f_clock},
                                 {"write", f_write},
                                 {"_html_title", f_html_title},
                                 {"exit_code", f_exit_code},
                                 {NULL, NULL}};

void fl_lua_open(lua_State *L, fl_run *run)
{
    lua_pushlightuserdata(L, run);
    lua_setfield(L, LUA_REGISTRYINDEX, RUN_KEY);
    lua_pushcfunction(L, l_print);
    lua_setglobal(L, "print");

    luaL_newmetatable(L, FL_EXPR_MT);
    luaL_setfuncs(L, expr_meta, 0);
    luaL_newlib(L, expr_methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);

    luaL_newmetatable(L, FL_AGG_MT);
    lua_pushcfunction(L, agg_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, agg_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);

    fl_lua_open_table(L);

    luaL_newlib(L, funcs);
    /* funnel.null */
    lua_newtable(L);
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, null_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "funnel.null");
    lua_setfield(L, -2, "__name");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, "funnel.null");
    lua_setfield(L, -2, "null");
    /* funnel.data */
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, data_index);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_setfield(L, -2, "data");
    /* funnel.params is filled by the caller */
    lua_newtable(L);
    lua_setfield(L, -2, "params");
    lua_pushstring(L, run->format_name ? run->format_name : "table");
    lua_setfield(L, -2, "format");
    lua_pushboolean(L, run->check);
    lua_setfield(L, -2, "check");
    lua_pushliteral(L, FL_VERSION);
    lua_setfield(L, -2, "version");
    fl_lua_open_stats(L);
    lua_setfield(L, -2, "stats");
    fl_lua_open_funnel(L);
    fl_lua_open_from_rows(L);

    lua_pushvalue(L, -1);
    lua_setglobal(L, "funnel");
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, "funnel");
    lua_pop(L, 2);
}
