/*
 * fl_lua.h -- the Lua binding: the `funnel` module (lua-api.md).
 *
 * Layer: the only engine files that call Lua are fl_lua*.c and fl_main.c.
 * The binding is thin: it checks arguments, owns engine objects through
 * userdata (created empty, then filled, so that a Lua error never leaks
 * them), and turns engine errors into Lua errors carrying the script line.
 * No data work happens here.
 */
#ifndef FL_LUA_H
#define FL_LUA_H

#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>

#include "fl_expr.h"
#include "fl_format.h"

/* Settings of one run, owned by fl_main.c, read by the binding. */
typedef struct fl_run {
    const char *data_dir; /* where relative CSV paths are read ("." default) */
    fl_format format;     /* what t:print() writes */
    const char *format_name; /* "table", "csv", "json", "md", "html" */
    FILE *out;               /* where t:print() and funnel.write go */
    int html_begun;          /* html: the document head has been written */
    char html_title[200];    /* html: its <title> (funnel._html_title) */
    int exit_code;           /* raised by funnel.exit_code(n) */
    int check;               /* --check was given */
    int trust;               /* --trust was given: no sandbox */
    int progress;            /* show loading progress on stderr */
    /* File access policy (fl_path.h), unless trust: files are read only
     * inside data_dir (NULL: ".") and script_dir (NULL: "."), and written
     * only inside the current folder and out_dir (NULL: none). */
    const char *script_dir;
    const char *out_dir;
} fl_run;

/* Opens the funnel module into L: sets the global `funnel` and
 * package.loaded.funnel. run must outlive L. */
void fl_lua_open(lua_State *L, fl_run *run);

/* ---- shared between fl_lua*.c ------------------------------------------ */
#define FL_VERSION "0.1.0"

#define FL_TABLE_MT "funnel.Table"
#define FL_COLUMN_MT "funnel.Column"
#define FL_EXPR_MT "funnel.Expr"
#define FL_AGG_MT "funnel.Aggregate"
#define FL_GROUPING_MT "funnel.Grouping"

/* The run's output (stdout or --out) for t:print(), print and funnel.write.
 * In html format it first writes the document head (fl_html_begin) if that
 * has not been done yet; fl_main.c writes the tail when the run succeeds. */
FILE *fl_lua_out(lua_State *L);

fl_run *fl_lua_run(lua_State *L);
/* Raises a Lua error with the script location and the engine message. */
int fl_lua_fail(lua_State *L, const fl_error *err);
/* The sandbox's file policy for a path from the script (fl_path.h): pushes
 * the path to open, or raises an error naming what was refused and what to
 * do. what is "read_csv" or "write_csv", name the path as the script gave
 * it (for messages); write selects the write roots. Under --trust, pushes
 * the path unchanged. */
const char *fl_lua_allowed_path(lua_State *L, const char *what,
                                const char *path, const char *name, int write);

/* Pushes a new empty Table userdata and returns its slot, to be filled by
 * an engine call writing through an `out` parameter. */
fl_table **fl_lua_newtable(lua_State *L);
fl_table *fl_lua_checktable(lua_State *L, int idx);
/* Pushes a Column userdata owning one reference to c (taken). */
void fl_lua_pushcolumn(lua_State *L, fl_column *c);

/* Converts the value at idx to an expression and pushes an Expr userdata
 * owning it; returns the (borrowed) expression. With names = 1 a string is a
 * column name, otherwise a string literal. */
fl_expr *fl_lua_toexpr(lua_State *L, int idx, int names);
/* Pushes value v (nil for null, dates and timestamps as ISO texts). */
void fl_lua_pushvalue(lua_State *L, const fl_value *v);

void fl_lua_open_table(
    lua_State *L); /* metatables of Table, Column, Grouping */
void fl_lua_open_stats(lua_State *L); /* pushes the funnel.stats table */
/* Adds funnel.funnel and funnel.cohorts to the table on top of the stack. */
void fl_lua_open_funnel(lua_State *L);
/* Adds funnel.from_rows to the table on top of the stack. */
void fl_lua_open_from_rows(lua_State *L);

#endif
