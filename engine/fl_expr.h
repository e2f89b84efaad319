/*
 * fl_expr.h -- expression trees built from Lua (funnel.col"x":gt(3) & ...)
 * and evaluated a column at a time in C over a table's rows (its selection
 * vector when it has one). No per-row callbacks.
 *
 * Layer: engine/, above fl_column and fl_time.
 *
 * Semantics (lua-api.md "Expressions"):
 * - Comparisons give bool; null on either side gives null, except is_null /
 *   not_null. In a filter, null counts as false.
 * - and/or use SQL three-valued logic (false & null = false, true | null = true).
 * - Arithmetic: int op int -> int for + - * % (int64
 *   overflow gives null); `/` always gives float; division or modulo by zero
 *   gives null; int mixed with float -> float. date - date -> int days;
 *   date +/- int -> date; timestamp - timestamp -> float days.
 * - A string literal compared with a date/timestamp column is parsed as a
 *   date/timestamp; one that cannot be parsed is an FL_EINVAL error.
 * - Comparing a string column with a string literal looks the literal's code
 *   up once; ordering (lt, ...) between strings is by code point.
 * - lower() is Unicode case folding (utf8proc), contains/starts_with compare
 *   NFC bytes.
 * - Buckets (day/week/month/quarter/year) take a date or timestamp and give a
 *   date, the first day of the bucket.
 */
#ifndef FL_EXPR_H
#define FL_EXPR_H

#include "fl_column.h"
#include "fl_time.h"

typedef enum {
    FL_E_COL,        /* column reference: name */
    FL_E_LIT,        /* constant: value */
    /* unary */
    FL_E_NEG, FL_E_NOT, FL_E_IS_NULL, FL_E_NOT_NULL, FL_E_LOWER,
    FL_E_BUCKET,     /* bucket in e->bucket */
    /* binary */
    FL_E_ADD, FL_E_SUB, FL_E_MUL, FL_E_DIV, FL_E_MOD,
    FL_E_EQ, FL_E_NE, FL_E_LT, FL_E_LE, FL_E_GT, FL_E_GE,
    FL_E_AND, FL_E_OR,
    FL_E_CONTAINS, FL_E_STARTS_WITH,  /* right side must be a string literal */
    /* n-ary */
    FL_E_ISIN        /* a[0] tested against the literal values in set */
} fl_expr_op;

typedef struct fl_expr {
    int refcount;
    fl_expr_op op;
    struct fl_expr *a, *b;   /* operands (owned references) */
    char *name;              /* FL_E_COL */
    fl_value lit;            /* FL_E_LIT; a string literal's bytes are owned */
    fl_bucket bucket;        /* FL_E_BUCKET */
    fl_value *set;           /* FL_E_ISIN: nset literals, strings owned */
    int nset;
} fl_expr;

/* Constructors return a new reference or NULL when out of memory. Operands
 * are borrowed (the new node takes its own references). Literal strings are
 * copied. */
fl_expr *fl_expr_col(const char *name);
fl_expr *fl_expr_lit(const fl_value *v);
fl_expr *fl_expr_unary(fl_expr_op op, fl_expr *a);
fl_expr *fl_expr_bucket(fl_bucket b, fl_expr *a);
fl_expr *fl_expr_binary(fl_expr_op op, fl_expr *a, fl_expr *b);
fl_expr *fl_expr_isin(fl_expr *a, const fl_value *set, int nset);
void fl_expr_ref(fl_expr *e);
void fl_expr_unref(fl_expr *e);

/* A short text for the expression, used as a default column name and in
 * error messages ("amount", "month(created_at)", "(amount * 1.2)"): fl_malloc'd. */
char *fl_expr_describe(const fl_expr *e);

/* Evaluates e over the rows of t: *out is a column of t->nrows values (a
 * plain column reference is shared, not copied, when t has no selection).
 * Errors: unknown column (message lists the table's columns), type mismatch
 * (names the operator and both types), unparsable date literal. */
fl_status fl_expr_eval(const fl_expr *e, const fl_table *t, fl_column **out,
                       fl_error *err);

/* The rows of t where e is true (null is false): a table sharing t's columns
 * with a new selection vector. e must give bool. */
fl_status fl_expr_filter(const fl_expr *e, const fl_table *t, fl_table **out,
                         fl_error *err);

/* Result type of e over t without evaluating it (for checks and plans). */
fl_status fl_expr_type(const fl_expr *e, const fl_table *t, fl_type *type,
                       fl_error *err);

#endif
