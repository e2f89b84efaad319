/*
 * fl_lua_table.c -- Table, Column and Grouping userdata (lua-api.md
 * "Tables", "Columns"). Each userdata is created empty (NULL pointer) and
 * filled by the engine call that makes its object, so a Lua error can never
 * leak an engine object; one function serves as __gc and __close.
 *
 * Layer: Lua binding. See fl_lua.h.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fl_agg.h"
#include "fl_lua.h"
#include "fl_ops.h"

int fl_lua_toagg(lua_State *L, int idx, fl_agg_spec *spec);

/* ==== Table ============================================================= */

fl_table **fl_lua_newtable(lua_State *L)
{
    fl_table **slot = lua_newuserdatauv(L, sizeof *slot, 0);
    *slot = NULL;
    luaL_setmetatable(L, FL_TABLE_MT);
    return slot;
}

fl_table *fl_lua_checktable(lua_State *L, int idx)
{
    fl_table **slot = luaL_checkudata(L, idx, FL_TABLE_MT);
    if (!*slot)
        luaL_argerror(L, idx, "table is closed");
    return *slot;
}

static int table_gc(lua_State *L)
{
    fl_table **slot = luaL_checkudata(L, 1, FL_TABLE_MT);
    fl_table_unref(*slot);
    *slot = NULL;
    return 0;
}

/* Temporary array owned by the Lua stack (freed by the GC): never leaks when
 * a later Lua call raises. */
static void *scratch(lua_State *L, size_t n)
{
    return lua_newuserdatauv(L, n ? n : 1, 0);
}

static int check(lua_State *L, fl_status st, const fl_error *err)
{
    if (st != FL_OK)
        return fl_lua_fail(L, err);
    return 1;
}

static int t_nrows(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)fl_lua_checktable(L, 1)->nrows);
    return 1;
}

static int t_names(lua_State *L)
{
    fl_table *t = fl_lua_checktable(L, 1);
    lua_createtable(L, t->ncols, 0);
    for (int i = 0; i < t->ncols; i++) {
        lua_pushstring(L, t->names[i]);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static int t_types(lua_State *L)
{
    fl_table *t = fl_lua_checktable(L, 1);
    lua_createtable(L, 0, t->ncols);
    for (int i = 0; i < t->ncols; i++) {
        lua_pushstring(L, fl_type_name(t->cols[i]->type));
        lua_setfield(L, -2, t->names[i]);
    }
    return 1;
}

/* Index of column `name` or a Lua error listing the columns. */
static int column_index(lua_State *L, fl_table *t, const char *name)
{
    int i = fl_table_find(t, name);
    if (i >= 0)
        return i;
    char list[320];
    return luaL_error(L, "no column '%s' (columns: %s)", name,
                      fl_table_names_text(t, list, sizeof list));
}

static int t_column(lua_State *L)
{
    fl_table *t = fl_lua_checktable(L, 1);
    int i = column_index(L, t, luaL_checkstring(L, 2));
    fl_column *c;
    fl_error err;
    check(L, fl_table_column(t, i, &c, &err), &err);
    fl_lua_pushcolumn(L, c);
    return 1;
}

static int t_where(lua_State *L)
{
    fl_table *t = fl_lua_checktable(L, 1);
    fl_expr *e = fl_lua_toexpr(L, 2, 0);
    fl_table **slot = fl_lua_newtable(L);
    fl_error err;
    return check(L, fl_expr_filter(e, t, slot, &err), &err);
}

/* Collects the string keys of the table at idx, sorted (the order of a Lua
 * table's fields is undefined, so computed columns and aggregates are named
 * in alphabetical order). Pushes a Lua array of the names. */
static int sorted_keys(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_newtable(L);
    int n = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING) {
            lua_pushvalue(L, -1);
            lua_rawseti(L, -3, ++n);
        }
    }
    /* insertion sort: these lists are short */
    for (int i = 2; i <= n; i++) {
        for (int j = i; j > 1; j--) {
            lua_rawgeti(L, -1, j - 1);
            lua_rawgeti(L, -2, j);
            int swap = strcmp(lua_tostring(L, -2), lua_tostring(L, -1)) > 0;
            if (swap) {
                lua_rawseti(L, -3, j - 1);
                lua_rawseti(L, -2, j);
            } else {
                lua_pop(L, 2);
                break;
            }
        }
    }
    return n;
}

/* t:with{ name = expr, ... } */
static int t_with(lua_State *L)
{
    fl_table *t = fl_lua_checktable(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    int n = sorted_keys(L, 2);
    int keys = lua_gettop(L);
    luaL_checkstack(L, n + 8, "too many columns");
    const char **names = scratch(L, sizeof(char *) * (size_t)n);
    fl_expr **exprs = scratch(L, sizeof(fl_expr *) * (size_t)n);
    for (int i = 0; i < n; i++) {
        lua_rawgeti(L, keys, i + 1);
        names[i] = lua_tostring(L, -1); /* kept alive by the keys array */
        lua_gettable(L, 2);
        exprs[i] = fl_lua_toexpr(L, -1, 0);
    }
    fl_table **slot = fl_lua_newtable(L);
    fl_error err;
    return check(L, fl_table_with(t, names, exprs, n, slot, &err), &err);
}

/* Names from varargs (from idx on) or from one array at idx. Pushes nothing
 * that the caller must pop except the scratch array (left on the stack). */
static const char **name_list(lua_State *L, int idx, int *n)
{
    int top = lua_gettop(L);
    if (lua_type(L, idx) == LUA_TTABLE) {
        *n = (int)luaL_len(L, idx);
        const char **names = scratch(L, sizeof(char *) * (size_t)*n);
        for (int i = 0; i < *n; i++) {
            lua_geti(L, idx, i + 1);
            if (lua_type(L, -1) != LUA_TSTRING)
                luaL_error(L, "expected column names, got a %s",
                           luaL_typename(L, -1));
            names[i] = lua_tostring(L, -1);
            lua_pop(L, 1); /* still referenced by the array */
        }
        return names;
    }
    *n = top - idx + 1;
    const char **names = scratch(L, sizeof(char *) * (size_t)(*n > 0 ? *n : 0));
    for (int i = 0; i < *n; i++)
        names[i] = luaL_checkstring(L, idx + i);
    return names;
}

static int t_select(lua_State *L)
{
    fl_table *t = fl_lua_checktable(L, 1);
    int n;
    const char **names = name_list(L, 2, &n);
    fl_table **slot = fl_lua_newtable(L);
    fl_error err;
    return check(L, fl_table_select(t, names, n, slot, &err), &err);
}

static int t_rename(lua_State *L)
{
    fl_table *t = fl_lua_checktable(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    int n = sorted_keys(L, 2);
    int keys = lua_gettop(L);
    luaL_checkstack(L, n + 8, "too many columns");
    const char **olds = scratch(L, sizeof(char *) * (size_t)n);
    const char **news = scratch(L, sizeof(char *) * (size_t)n);
    for (int i = 0; i < n; i++) {
        lua_rawgeti(L, keys, i + 1);
        olds[i] = lua_tostring(L, -1);
        lua_gettable(L, 2);
        if (lua_type(L, -1) != LUA_TSTRING)
            return luaL_error(L, "rename: new name for '%s' must be a string",
                              olds[i]);
        news[i] = lua_tostring(L, -1);
    }
    fl_table **slot = fl_lua_newtable(L);
    fl_error err;
    return check(L, fl_table_rename(t, olds, news, n, slot, &err), &err);
}

static int t_head(lua_State *L)
{
    fl_table *t = fl_lua_checktable(L, 1);
    lua_Integer n = luaL_optinteger(L, 2, 10);
    /* as top(n) and SQL's LIMIT: a negative count is a mistake, not "none" */
    luaL_argcheck(L, n >= 0, 2, "must be >= 0");
    fl_table **slot = fl_lua_newtable(L);
    fl_error err;
    return check(L, fl_table_head(t, (int64_t)n, slot, &err), &err);
}

static int direction(lua_State *L, int idx)
{
    const char *d = luaL_optstring(L, idx, "asc");
    if (strcmp(d, "asc") == 0)
        return 0;
    if (strcmp(d, "desc") == 0)
        return 1;
    return luaL_error(L, "sort direction must be \"asc\" or \"desc\", got '%s'",
                      d);
}

/* t:sort(col [, "desc"]) or t:sort{ {col, "desc"}, col2, ... } */
static int t_sort(lua_State *L)
{
    fl_table *t = fl_lua_checktable(L, 1);
    int n;
    const char **cols;
    int *desc;
    lua_settop(L, 3); /* argument 3 stays the direction below the scratch */
    if (lua_type(L, 2) == LUA_TTABLE) {
        n = (int)luaL_len(L, 2);
        cols = scratch(L, sizeof(char *) * (size_t)n);
        desc = scratch(L, sizeof(int) * (size_t)n);
        luaL_checkstack(L, n + 8, "too many sort keys");
        for (int i = 0; i < n; i++) {
            lua_geti(L, 2, i + 1); /* stays on the stack */
            if (lua_type(L, -1) == LUA_TTABLE) {
                lua_geti(L, -1, 1);
                cols[i] = luaL_checkstring(L, -1);
                lua_geti(L, -2, 2);
                desc[i] = direction(L, -1);
                lua_pop(L, 1);
            } else {
                cols[i] = luaL_checkstring(L, -1);
                desc[i] = 0;
            }
        }
    } else {
        n = 1;
        cols = scratch(L, sizeof(char *));
        desc = scratch(L, sizeof(int));
        cols[0] = luaL_checkstring(L, 2);
        desc[0] = direction(L, 3);
    }
    fl_table **slot = fl_lua_newtable(L);
    fl_error err;
    return check(L, fl_table_sort(t, cols, desc, n, slot, &err), &err);
}

static int t_distinct(lua_State *L)
{
    fl_table *t = fl_lua_checktable(L, 1);
    int n;
    const char **names = name_list(L, 2, &n);
    if (n == 0) {
        names = (const char **)t->names;
        n = t->ncols;
    }
    fl_table **slot = fl_lua_newtable(L);
    fl_error err;
    return check(L, fl_table_distinct(t, names, n, slot, &err), &err);
}

/* t:join(other, on [, { how =, suffix = }]) */
static int t_join(lua_State *L)
{
    fl_table *l = fl_lua_checktable(L, 1);
    fl_table *r = fl_lua_checktable(L, 2);
    const char *lk, *rk;
    lua_settop(L, 4); /* the options stay at 4 when the keys are pushed */
    if (lua_type(L, 3) == LUA_TTABLE) {
        lua_geti(L, 3, 1);
        lua_geti(L, 3, 2);
        lk = luaL_checkstring(L, -2);
        rk = luaL_checkstring(L, -1);
    } else {
        lk = rk = luaL_checkstring(L, 3);
    }
    fl_join_how how = FL_JOIN_INNER;
    const char *suffix = "_right";
    if (!lua_isnoneornil(L, 4)) {
        luaL_checktype(L, 4, LUA_TTABLE);
        if (lua_getfield(L, 4, "how") != LUA_TNIL) {
            const char *h = luaL_checkstring(L, -1);
            if (strcmp(h, "left") == 0)
                how = FL_JOIN_LEFT;
            else if (strcmp(h, "inner") != 0)
                return luaL_error(
                    L, "join: how must be \"inner\" or \"left\", got '%s'", h);
        }
        if (lua_getfield(L, 4, "suffix") != LUA_TNIL)
            suffix = luaL_checkstring(L, -1);
    }
    fl_table **slot = fl_lua_newtable(L);
    fl_error err;
    return check(L, fl_table_join(l, r, lk, rk, how, suffix, slot, &err), &err);
}

/* Pushes row r of t as a Lua table {name = value}. */
static void push_row(lua_State *L, fl_table *t, int64_t r)
{
    lua_createtable(L, 0, t->ncols);
    int64_t i = fl_table_row(t, r);
    for (int c = 0; c < t->ncols; c++) {
        fl_value v;
        fl_column_get(t->cols[c], i, &v);
        fl_lua_pushvalue(L, &v);
        lua_setfield(L, -2, t->names[c]);
    }
}

static int t_row(lua_State *L)
{
    fl_table *t = fl_lua_checktable(L, 1);
    lua_Integer i = luaL_checkinteger(L, 2);
    if (i < 1 || i > t->nrows) {
        lua_pushnil(L);
        return 1;
    }
    push_row(L, t, (int64_t)i - 1);
    return 1;
}

static int rows_next(lua_State *L)
{
    fl_table *t = fl_lua_checktable(L, lua_upvalueindex(1));
    lua_Integer i = lua_tointeger(L, lua_upvalueindex(2));
    if (i >= t->nrows)
        return 0;
    lua_pushinteger(L, i + 1);
    lua_replace(L, lua_upvalueindex(2));
    push_row(L, t, (int64_t)i);
    return 1;
}

static int t_rows(lua_State *L)
{
    fl_lua_checktable(L, 1);
    lua_pushvalue(L, 1);
    lua_pushinteger(L, 0);
    lua_pushcclosure(L, rows_next, 2);
    return 1;
}

/* t:print([n]): n rows (all in csv/json; 100 in table/md/html by default). */
static int t_print(lua_State *L)
{
    fl_table *t = fl_lua_checktable(L, 1);
    fl_run *run = fl_lua_run(L);
    int64_t def = run->format == FL_FMT_TABLE || run->format == FL_FMT_MD ||
                          run->format == FL_FMT_HTML
                      ? 100
                      : -1;
    int64_t n = (int64_t)luaL_optinteger(L, 2, def);
    fl_error err;
    FILE *out = fl_lua_out(L);
    return check(L, fl_table_format(t, n, run->format, out, &err), &err) - 1;
}

/* t:write_csv(path): written to a temporary file next to path, then renamed,
 * so a failed run never leaves a half-written file. */
static int t_write_csv(lua_State *L)
{
    fl_table *t = fl_lua_checktable(L, 1);
    const char *name = luaL_checkstring(L, 2);
    const char *path = fl_lua_allowed_path(L, "write_csv", name, name, 1);
    const char *tmp = lua_pushfstring(L, "%s.tmp%d", path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return luaL_error(L, "write_csv: cannot create '%s'", name);
    fl_error err;
    /* fl_ops' writer: floats keep a ".0" and fields are quoted so that
     * read_csv gives the same table back (t:print's csv is for people) */
    fl_status st = fl_table_write_csv(t, f, &err);
    if (fclose(f) != 0 && st == FL_OK)
        st = fl_seterr(&err, FL_EIO, "write_csv: cannot write '%s'", name);
    if (st == FL_OK && rename(tmp, path) != 0)
        st = fl_seterr(&err, FL_EIO, "write_csv: cannot rename to '%s'", name);
    if (st != FL_OK) {
        remove(tmp);
        return fl_lua_fail(L, &err);
    }
    return 0;
}

static int t_tostring(lua_State *L)
{
    fl_table **slot = luaL_checkudata(L, 1, FL_TABLE_MT);
    if (!*slot) {
        lua_pushliteral(L, "funnel.Table(closed)");
        return 1;
    }
    fl_table *t = *slot;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_pushfstring(L, "funnel.Table(%I rows: ", (lua_Integer)t->nrows);
    luaL_addvalue(&b);
    for (int i = 0; i < t->ncols; i++) {
        if (i)
            luaL_addstring(&b, ", ");
        luaL_addstring(&b, t->names[i]);
    }
    luaL_addchar(&b, ')');
    luaL_pushresult(&b);
    return 1;
}

/* ==== aggregation ======================================================= */

/* Reads the aggregate table at idx into specs; names sorted when the table
 * uses string keys, in order for an array of { name, aggregate } pairs. */
static fl_agg_spec *agg_specs(lua_State *L, int idx, int *n)
{
    luaL_checktype(L, idx, LUA_TTABLE);
    idx = lua_absindex(L, idx);
    int arr = (int)luaL_len(L, idx);
    if (arr > 0) {
        fl_agg_spec *specs = scratch(L, sizeof *specs * (size_t)arr);
        luaL_checkstack(L, 2 * arr + 8, "too many aggregates");
        for (int i = 0; i < arr; i++) {
            lua_geti(L, idx, i + 1);
            if (lua_type(L, -1) != LUA_TTABLE)
                luaL_error(L, "agg: entry %d must be { name, aggregate }",
                           i + 1);
            lua_geti(L, -1, 1);
            lua_geti(L, -2, 2);
            specs[i].name = luaL_checkstring(L, -2);
            if (!fl_lua_toagg(L, -1, &specs[i]))
                luaL_error(L,
                           "agg: '%s' is not an aggregate (use "
                           "funnel.sum(...), funnel.count(), ...)",
                           specs[i].name);
        }
        *n = arr;
        return specs;
    }
    *n = sorted_keys(L, idx);
    int keys = lua_gettop(L);
    fl_agg_spec *specs = scratch(L, sizeof *specs * (size_t)*n);
    luaL_checkstack(L, *n + 8, "too many aggregates");
    for (int i = 0; i < *n; i++) {
        lua_rawgeti(L, keys, i + 1);
        specs[i].name = lua_tostring(L, -1);
        lua_gettable(L, idx);
        if (!fl_lua_toagg(L, -1, &specs[i]))
            luaL_error(L,
                       "agg: '%s' is not an aggregate (use funnel.sum(...), "
                       "funnel.count(), ...)",
                       specs[i].name);
    }
    return specs;
}

/* t:agg{...}: a plain Lua table of scalars. */
static int t_agg(lua_State *L)
{
    fl_table *t = fl_lua_checktable(L, 1);
    int n;
    fl_agg_spec *specs = agg_specs(L, 2, &n);
    fl_table **slot = fl_lua_newtable(L);
    fl_error err;
    check(L, fl_group_agg(t, NULL, NULL, 0, specs, n, slot, &err), &err);
    push_row(L, *slot, 0);
    return 1;
}

typedef struct {
    fl_table *t;
    int nkeys;
    fl_expr **keys;
    char **names;
} grouping_ud;

static int grouping_gc(lua_State *L)
{
    grouping_ud *g = luaL_checkudata(L, 1, FL_GROUPING_MT);
    for (int i = 0; i < g->nkeys; i++) {
        fl_expr_unref(g->keys[i]);
        fl_free(g->names[i]);
    }
    fl_free(g->keys);
    fl_free(g->names);
    fl_table_unref(g->t);
    memset(g, 0, sizeof *g);
    return 0;
}

/* Adds key (expression at idx, named name or its description) to g. */
static void grouping_add(lua_State *L, grouping_ud *g, int idx,
                         const char *name)
{
    fl_expr *e = fl_lua_toexpr(L, idx, 1);
    char *n = name ? fl_strdup(name) : fl_expr_describe(e);
    if (!n)
        luaL_error(L, "out of memory");
    g->names[g->nkeys] = n;
    fl_expr_ref(e);
    g->keys[g->nkeys++] = e;
    lua_pop(L, 1);
}

/* t:group_by(key, ...) or t:group_by{ key, name = expr } */
static int t_group_by(lua_State *L)
{
    fl_table *t = fl_lua_checktable(L, 1);
    int top = lua_gettop(L);
    grouping_ud *g = lua_newuserdatauv(L, sizeof *g, 0);
    memset(g, 0, sizeof *g);
    luaL_setmetatable(L, FL_GROUPING_MT);
    int gidx = lua_gettop(L);
    int max = 0;
    if (top == 2 && lua_type(L, 2) == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, 2)) {
            max++;
            lua_pop(L, 1);
        }
    } else {
        max = top - 1;
    }
    if (max == 0)
        return luaL_error(L, "group_by: give at least one key");
    g->keys = fl_calloc((size_t)max, sizeof *g->keys);
    g->names = fl_calloc((size_t)max, sizeof *g->names);
    if (!g->keys || !g->names)
        return luaL_error(L, "out of memory");
    if (top == 2 && lua_type(L, 2) == LUA_TTABLE) {
        int arr = (int)luaL_len(L, 2);
        for (int i = 1; i <= arr; i++) {
            lua_geti(L, 2, i);
            grouping_add(L, g, -1,
                         lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
                                                        : NULL);
            lua_pop(L, 1);
        }
        int n = sorted_keys(L, 2);
        int keys = lua_gettop(L);
        for (int i = 1; i <= n; i++) {
            lua_rawgeti(L, keys, i);
            lua_pushvalue(L, -1);
            lua_gettable(L, 2);
            grouping_add(L, g, -1, lua_tostring(L, -2));
            lua_pop(L, 2);
        }
        lua_pop(L, 1);
    } else {
        for (int i = 2; i <= top; i++)
            grouping_add(L, g, i,
                         lua_type(L, i) == LUA_TSTRING ? lua_tostring(L, i)
                                                       : NULL);
    }
    fl_table_ref(t);
    g->t = t;
    lua_settop(L, gidx);
    return 1;
}

static int g_agg(lua_State *L)
{
    grouping_ud *g = luaL_checkudata(L, 1, FL_GROUPING_MT);
    int n;
    fl_agg_spec *specs = agg_specs(L, 2, &n);
    fl_table **slot = fl_lua_newtable(L);
    fl_error err;
    return check(L,
                 fl_group_agg(g->t, g->keys, (const char *const *)g->names,
                              g->nkeys, specs, n, slot, &err),
                 &err);
}

static int g_top(lua_State *L)
{
    grouping_ud *g = luaL_checkudata(L, 1, FL_GROUPING_MT);
    lua_Integer n = luaL_checkinteger(L, 2);
    const char *col = luaL_checkstring(L, 3);
    int asc = direction(L, 4) == 0 && !lua_isnoneornil(L, 4);
    fl_table **slot = fl_lua_newtable(L);
    fl_error err;
    return check(L,
                 fl_group_top(g->t, g->keys, (const char *const *)g->names,
                              g->nkeys, (int64_t)n, col, asc, slot, &err),
                 &err);
}

/* ==== Column ============================================================ */

typedef struct {
    fl_column *c;
} column_ud;

void fl_lua_pushcolumn(lua_State *L, fl_column *c)
{
    column_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->c = c;
    luaL_setmetatable(L, FL_COLUMN_MT);
}

static fl_column *check_column(lua_State *L, int idx)
{
    column_ud *u = luaL_checkudata(L, idx, FL_COLUMN_MT);
    if (!u->c)
        luaL_argerror(L, idx, "column is closed");
    return u->c;
}

static int column_gc(lua_State *L)
{
    column_ud *u = luaL_checkudata(L, 1, FL_COLUMN_MT);
    fl_column_unref(u->c);
    u->c = NULL;
    return 0;
}

static int c_len(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)check_column(L, 1)->length);
    return 1;
}

static int c_type(lua_State *L)
{
    lua_pushstring(L, fl_type_name(check_column(L, 1)->type));
    return 1;
}

static int c_to_lua(lua_State *L)
{
    fl_column *c = check_column(L, 1);
    lua_createtable(L, (int)(c->length < INT32_MAX ? c->length : 0), 0);
    lua_getfield(L, LUA_REGISTRYINDEX, "funnel.null");
    for (int64_t i = 0; i < c->length; i++) {
        fl_value v;
        fl_column_get(c, i, &v);
        if (v.is_null)
            lua_pushvalue(L, -1);
        else
            fl_lua_pushvalue(L, &v);
        lua_rawseti(L, -3, (lua_Integer)i + 1);
    }
    lua_pop(L, 1);
    return 1;
}

/* c:sum() and friends: the aggregate over a one-column table. The column
 * is called "column" and the result "c:METHOD()", so that an error reads
 * "c:sum(): sum(column) needs an int or float, got string". */
static int column_agg(lua_State *L, fl_agg_kind kind, double q,
                      const char *method)
{
    fl_column *c = check_column(L, 1);
    fl_table **tslot = fl_lua_newtable(L);
    static const char *const names[] = {"column"};
    fl_column_ref(c);
    fl_column *cols[] = {c};
    fl_error err;
    check(L, fl_table_new(1, names, cols, c->length, tslot, &err), &err);
    lua_pushliteral(L, "column");
    fl_expr *arg = fl_lua_toexpr(L, -1, 1);
    const char *label = lua_pushfstring(L, "c:%s()", method);
    fl_agg_spec spec = {label, kind, kind == FL_AGG_COUNT_ALL ? NULL : arg,
                        NULL, q};
    fl_table **rslot = fl_lua_newtable(L);
    check(L, fl_group_agg(*tslot, NULL, NULL, 0, &spec, 1, rslot, &err), &err);
    fl_value v;
    fl_column_get((*rslot)->cols[0], 0, &v);
    fl_lua_pushvalue(L, &v);
    return 1;
}

#define CAGG(name, kind, method)                                               \
    static int name(lua_State *L)                                              \
    {                                                                          \
        return column_agg(L, kind, 0, method);                                 \
    }
CAGG(c_sum, FL_AGG_SUM, "sum")
CAGG(c_mean, FL_AGG_MEAN, "mean")
CAGG(c_min, FL_AGG_MIN, "min")
CAGG(c_max, FL_AGG_MAX, "max")
CAGG(c_count, FL_AGG_COUNT, "count")
CAGG(c_count_distinct, FL_AGG_COUNT_DISTINCT, "count_distinct")
CAGG(c_median, FL_AGG_MEDIAN, "median")
CAGG(c_stddev, FL_AGG_STDDEV, "stddev")

static int c_quantile(lua_State *L)
{
    double q = luaL_checknumber(L, 2);
    luaL_argcheck(L, q >= 0 && q <= 1, 2, "quantile must be between 0 and 1");
    lua_settop(L, 1);
    return column_agg(L, FL_AGG_QUANTILE, q, "quantile");
}

static const luaL_Reg column_methods[] = {
    {"type", c_type},     {"to_lua", c_to_lua},
    {"sum", c_sum},       {"mean", c_mean},
    {"min", c_min},       {"max", c_max},
    {"count", c_count},   {"count_distinct", c_count_distinct},
    {"median", c_median}, {"quantile", c_quantile},
    {"stddev", c_stddev}, {NULL, NULL}};

/* c[i] is the value (nil for null or out of range); c.name a method. */
static int column_index_mm(lua_State *L)
{
    fl_column *c = check_column(L, 1);
    if (lua_type(L, 2) == LUA_TNUMBER) {
        lua_Integer i = luaL_checkinteger(L, 2);
        if (i < 1 || i > c->length) {
            lua_pushnil(L);
            return 1;
        }
        fl_value v;
        fl_column_get(c, (int64_t)i - 1, &v);
        fl_lua_pushvalue(L, &v);
        return 1;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 2);
    lua_rawget(L, -2);
    return 1;
}

static int column_tostring(lua_State *L)
{
    fl_column *c = check_column(L, 1);
    lua_pushfstring(L, "funnel.Column(%s, %I values)", fl_type_name(c->type),
                    (lua_Integer)c->length);
    return 1;
}

/* ==== registration ====================================================== */

static const luaL_Reg table_methods[] = {
    {"nrows", t_nrows},   {"names", t_names},       {"types", t_types},
    {"column", t_column}, {"where", t_where},       {"with", t_with},
    {"select", t_select}, {"rename", t_rename},     {"group_by", t_group_by},
    {"agg", t_agg},       {"join", t_join},         {"sort", t_sort},
    {"head", t_head},     {"distinct", t_distinct}, {"rows", t_rows},
    {"row", t_row},       {"print", t_print},       {"write_csv", t_write_csv},
    {NULL, NULL}};

static const luaL_Reg grouping_methods[] = {
    {"agg", g_agg}, {"top", g_top}, {NULL, NULL}};

void fl_lua_open_table(lua_State *L)
{
    luaL_newmetatable(L, FL_TABLE_MT);
    luaL_newlib(L, table_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, t_nrows);
    lua_setfield(L, -2, "__len");
    lua_pushcfunction(L, table_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, table_gc);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, t_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);

    luaL_newmetatable(L, FL_GROUPING_MT);
    luaL_newlib(L, grouping_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, grouping_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);

    luaL_newmetatable(L, FL_COLUMN_MT);
    luaL_newlib(L, column_methods);
    lua_pushcclosure(L, column_index_mm, 1);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, c_len);
    lua_setfield(L, -2, "__len");
    lua_pushcfunction(L, column_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, column_gc);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, column_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
}

/* ==== tables from Lua values ========================================== */

/* funnel.from_rows(rows [, names]): a Table from a list of Lua tables, for
 * small results built in Lua (a KPI summary, a catalogue). Column order is
 * `names`, else the sorted keys of all rows. A column's type comes from its
 * values: integers -> int, numbers -> float, booleans -> bool, strings ->
 * string (nil is null; a column of only nils is string). */
static int f_from_rows(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Integer n = luaL_len(L, 1);
    if (n > FL_MAX_ROWS)
        return luaL_error(L, "from_rows: too many rows");
    int names_idx;
    if (lua_isnoneornil(L, 2)) {
        /* union of the rows' string keys */
        lua_newtable(L);
        int set = lua_gettop(L);
        for (lua_Integer i = 1; i <= n; i++) {
            if (lua_geti(L, 1, i) != LUA_TTABLE)
                return luaL_error(L, "from_rows: row %d is not a table",
                                  (int)i);
            lua_pushnil(L);
            while (lua_next(L, -2)) {
                lua_pop(L, 1);
                if (lua_type(L, -1) == LUA_TSTRING) {
                    lua_pushvalue(L, -1);
                    lua_pushboolean(L, 1);
                    lua_rawset(L, set);
                }
            }
            lua_pop(L, 1);
        }
        sorted_keys(L, set);
        names_idx = lua_gettop(L);
    } else {
        luaL_checktype(L, 2, LUA_TTABLE);
        names_idx = 2;
    }
    int ncols = (int)luaL_len(L, names_idx);
    luaL_checkstack(L, ncols + 8, "too many columns");
    const char **names = scratch(L, sizeof(char *) * (size_t)ncols);
    fl_column **cols = scratch(L, sizeof(fl_column *) * (size_t)ncols);
    /* the columns are owned by a Table userdata as soon as possible: until
     * then a Lua error would leak them, so type checks come first */
    fl_type *types = scratch(L, sizeof(fl_type) * (size_t)ncols);
    for (int c = 0; c < ncols; c++) {
        lua_geti(L, names_idx, c + 1);
        names[c] = luaL_checkstring(L, -1); /* referenced by the names list */
        lua_pop(L, 1);
        int seen = 0;
        types[c] = FL_STRING;
        for (lua_Integer i = 1; i <= n; i++) {
            lua_geti(L, 1, i);
            if (lua_type(L, -1) != LUA_TTABLE)
                return luaL_error(L, "from_rows: row %d is not a table",
                                  (int)i);
            lua_getfield(L, -1, names[c]);
            fl_type t;
            switch (lua_type(L, -1)) {
            case LUA_TNIL:
                lua_pop(L, 2);
                continue;
            case LUA_TBOOLEAN:
                t = FL_BOOL;
                break;
            case LUA_TNUMBER:
                t = lua_isinteger(L, -1) ? FL_INT : FL_FLOAT;
                break;
            case LUA_TSTRING:
                t = FL_STRING;
                break;
            default:
                return luaL_error(L, "from_rows: row %d, column '%s' is a %s",
                                  (int)i, names[c], luaL_typename(L, -1));
            }
            if (!seen)
                types[c] = t;
            else if (types[c] != t) {
                if ((types[c] == FL_INT && t == FL_FLOAT) ||
                    (types[c] == FL_FLOAT && t == FL_INT))
                    types[c] = FL_FLOAT;
                else
                    return luaL_error(
                        L, "from_rows: column '%s' mixes %s and %s values",
                        names[c], fl_type_name(types[c]), fl_type_name(t));
            }
            seen = 1;
            lua_pop(L, 2);
        }
    }
    fl_table **slot = fl_lua_newtable(L);
    fl_error err;
    for (int c = 0; c < ncols; c++) {
        cols[c] = fl_column_new(types[c], n, NULL);
        fl_status st =
            cols[c] ? FL_OK : fl_seterr(&err, FL_ENOMEM, "out of memory");
        for (lua_Integer i = 1; i <= n && st == FL_OK; i++) {
            lua_geti(L, 1, i);
            lua_getfield(L, -1, names[c]);
            if (lua_isnil(L, -1))
                st = fl_column_append_null(cols[c], &err);
            else if (types[c] == FL_BOOL)
                st = fl_column_append_bool(cols[c], lua_toboolean(L, -1), &err);
            else if (types[c] == FL_INT)
                st = fl_column_append_int(cols[c],
                                          (int64_t)lua_tointeger(L, -1), &err);
            else if (types[c] == FL_FLOAT)
                st = fl_column_append_float(cols[c],
                                            (double)lua_tonumber(L, -1), &err);
            else {
                size_t len;
                const char *s = lua_tolstring(L, -1, &len);
                st = fl_column_append_str(cols[c], s, len, &err);
                if (st == FL_EPARSE) { /* the engine knows only the byte */
                    fl_error inner = err;
                    fl_seterr(&err, st, "from_rows: row %d, column '%s': %s",
                              (int)i, names[c], inner.msg);
                }
            }
            lua_pop(L, 2);
        }
        if (st != FL_OK) {
            for (int k = 0; k <= c; k++)
                fl_column_unref(cols[k]);
            return fl_lua_fail(L, &err);
        }
    }
    return check(L, fl_table_new(ncols, names, cols, (int64_t)n, slot, &err),
                 &err);
}

void fl_lua_open_from_rows(lua_State *L)
{
    lua_pushcfunction(L, f_from_rows);
    lua_setfield(L, -2, "from_rows");
}
