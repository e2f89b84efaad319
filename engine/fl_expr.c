/*
 * fl_expr.c -- expression trees and their vectorized evaluation.
 *
 * Layer: engine/, above fl_column and fl_time; calls utf8proc for lower().
 *
 * How evaluation works: every node is evaluated over all rows of the table
 * into an "operand": either a literal (kept as one value, never expanded to a
 * column unless a kernel needs that) or a column of t->nrows values. A column
 * reference is gathered once through the table's selection vector. Each
 * operator then picks the kernel for its operand types once, and the kernel
 * is a plain typed loop over arrays. The result validity is the AND of the
 * input bitmaps, computed a byte at a time; a kernel that can make new nulls
 * (overflow, division by zero) clears bits in it. Values under a null are
 * computed anyway when that is harmless (arithmetic), which keeps the loops
 * free of null checks; lookups by dictionary code only read valid rows.
 *
 * Type inference (fl_expr_type) runs the same code with `typeonly` set, so
 * the type rules and their error messages exist once.
 *
 * Choices where lua-api.md is silent, documented here and in the tests:
 * - `%` is Lua's floored modulo (-7 % 3 == 2), as a Lua user expects from
 *   the `%` operator; `/` always gives float.
 * - date + int and date - int give null outside years -9999..9999.
 * - int compared with float compares as double.
 * - A null literal (funnel.null) takes the type of the other operand.
 * - isin follows SQL: a null in the set makes a non-matching row null.
 * - lower() is full Unicode case folding, so "Straße" gives "strasse"
 *   (CaseFolding.txt maps U+00DF to "ss"): lower(a):eq(lower(b)) is a
 *   case-insensitive comparison.
 */
#include "fl_expr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* Deeper trees are refused with an error rather than risking the C stack. */
#define MAX_DEPTH 1000
/* fl_expr_describe stops after this many bytes and ends with "...". */
#define DESCRIBE_MAX 1024

static fl_status oom(fl_error *err)
{
    return fl_seterr(err, FL_ENOMEM, "out of memory");
}

/* ==== construction ========================================================
 */

static fl_expr *node_new(fl_expr_op op)
{
    fl_expr *e = fl_calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->refcount = 1;
    e->op = op;
    return e;
}

/* Copies v into *dst, duplicating a string's bytes. Returns 0 when out of
 * memory. */
static int value_copy(fl_value *dst, const fl_value *v)
{
    *dst = *v;
    if (v->type == FL_STRING && !v->is_null) {
        char *s = fl_malloc(v->u.str.len + 1);
        if (!s)
            return 0;
        if (v->u.str.len)
            memcpy(s, v->u.str.s, v->u.str.len);
        s[v->u.str.len] = 0;
        dst->u.str.s = s;
    }
    return 1;
}

static void value_free(fl_value *v)
{
    if (v->type == FL_STRING && !v->is_null)
        fl_free((char *)v->u.str.s);
}

fl_expr *fl_expr_col(const char *name)
{
    fl_expr *e = node_new(FL_E_COL);
    if (!e)
        return NULL;
    if (!(e->name = fl_strdup(name))) {
        fl_free(e);
        return NULL;
    }
    return e;
}

fl_expr *fl_expr_lit(const fl_value *v)
{
    fl_expr *e = node_new(FL_E_LIT);
    if (!e)
        return NULL;
    if (!value_copy(&e->lit, v)) {
        fl_free(e);
        return NULL;
    }
    return e;
}

static int is_unary(fl_expr_op op)
{
    return op == FL_E_NEG || op == FL_E_NOT || op == FL_E_IS_NULL ||
           op == FL_E_NOT_NULL || op == FL_E_LOWER;
}

static int is_binary(fl_expr_op op)
{
    return op >= FL_E_ADD && op <= FL_E_STARTS_WITH;
}

/* Returns NULL for an operator of the wrong arity, as for out of memory: the
 * binding never passes one. */
fl_expr *fl_expr_unary(fl_expr_op op, fl_expr *a)
{
    if (!is_unary(op) || !a)
        return NULL;
    fl_expr *e = node_new(op);
    if (!e)
        return NULL;
    fl_expr_ref(a);
    e->a = a;
    return e;
}

fl_expr *fl_expr_bucket(fl_bucket b, fl_expr *a)
{
    if (!a)
        return NULL;
    fl_expr *e = node_new(FL_E_BUCKET);
    if (!e)
        return NULL;
    fl_expr_ref(a);
    e->a = a;
    e->bucket = b;
    return e;
}

fl_expr *fl_expr_binary(fl_expr_op op, fl_expr *a, fl_expr *b)
{
    if (!is_binary(op) || !a || !b)
        return NULL;
    fl_expr *e = node_new(op);
    if (!e)
        return NULL;
    fl_expr_ref(a);
    fl_expr_ref(b);
    e->a = a;
    e->b = b;
    return e;
}

fl_expr *fl_expr_isin(fl_expr *a, const fl_value *set, int nset)
{
    if (!a || nset < 0)
        return NULL;
    fl_expr *e = node_new(FL_E_ISIN);
    if (!e)
        return NULL;
    e->set = fl_calloc((size_t)(nset ? nset : 1), sizeof *e->set);
    if (!e->set) {
        fl_free(e);
        return NULL;
    }
    for (int i = 0; i < nset; i++) {
        if (!value_copy(&e->set[i], &set[i])) {
            e->nset = i;
            fl_expr_unref(e);
            return NULL;
        }
    }
    e->nset = nset;
    fl_expr_ref(a);
    e->a = a;
    return e;
}

void fl_expr_ref(fl_expr *e)
{
    e->refcount++;
}

/* Iterates down the left operand and recurses into the right one, so that
 * the long left-leaning chains that `e = e & x` builds free without deep
 * recursion. */
void fl_expr_unref(fl_expr *e)
{
    while (e && --e->refcount == 0) {
        fl_expr *next = e->a;
        fl_expr_unref(e->b);
        fl_free(e->name);
        value_free(&e->lit);
        for (int i = 0; i < e->nset; i++)
            value_free(&e->set[i]);
        fl_free(e->set);
        fl_free(e);
        e = next;
    }
}

/* ==== describe ============================================================
 */

static const char *bucket_name(fl_bucket b)
{
    switch (b) {
    case FL_DAY:
        return "day";
    case FL_WEEK:
        return "week";
    case FL_MONTH:
        return "month";
    case FL_QUARTER:
        return "quarter";
    case FL_YEAR:
        return "year";
    }
    return "bucket";
}

/* The operator as users write it (in describe and in error messages). */
static const char *op_symbol(const fl_expr *e)
{
    switch (e->op) {
    case FL_E_NEG:
        return "-";
    case FL_E_NOT:
        return "~";
    case FL_E_IS_NULL:
        return "is_null";
    case FL_E_NOT_NULL:
        return "not_null";
    case FL_E_LOWER:
        return "lower";
    case FL_E_BUCKET:
        return bucket_name(e->bucket);
    case FL_E_ADD:
        return "+";
    case FL_E_SUB:
        return "-";
    case FL_E_MUL:
        return "*";
    case FL_E_DIV:
        return "/";
    case FL_E_MOD:
        return "%";
    case FL_E_EQ:
        return "==";
    case FL_E_NE:
        return "~=";
    case FL_E_LT:
        return "<";
    case FL_E_LE:
        return "<=";
    case FL_E_GT:
        return ">";
    case FL_E_GE:
        return ">=";
    case FL_E_AND:
        return "&";
    case FL_E_OR:
        return "|";
    case FL_E_CONTAINS:
        return "contains";
    case FL_E_STARTS_WITH:
        return "starts_with";
    case FL_E_ISIN:
        return "isin";
    default:
        return "?";
    }
}

typedef struct {
    char *buf;
    size_t len, cap;
    int failed; /* out of memory */
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->failed || b->len > DESCRIBE_MAX)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = fl_realloc(b->buf, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->buf = p;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = 0;
}

static void sb_str(sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

/* Shortest text that reads back as the same double; integral values keep a
 * ".0" so that they read as floats, as Lua prints them. */
static void format_float(double f, char *buf, size_t size)
{
    if (isnan(f)) {
        snprintf(buf, size, "nan");
    } else if (isinf(f)) {
        snprintf(buf, size, f < 0 ? "-inf" : "inf");
    } else if (f == floor(f) && fabs(f) < 1e15) {
        snprintf(buf, size, "%.1f", f);
    } else {
        snprintf(buf, size, "%.15g", f);
        if (strtod(buf, NULL) != f)
            snprintf(buf, size, "%.17g", f);
    }
}

static void describe_value(sbuf *b, const fl_value *v)
{
    char buf[48];
    if (v->is_null) {
        sb_str(b, "null");
        return;
    }
    switch (v->type) {
    case FL_BOOL:
        sb_str(b, v->u.b ? "true" : "false");
        return;
    case FL_INT:
        snprintf(buf, sizeof buf, "%lld", (long long)v->u.i);
        break;
    case FL_FLOAT:
        format_float(v->u.f, buf, sizeof buf);
        break;
    case FL_DATE:
        buf[0] = '\'';
        fl_format_date(v->u.d, buf + 1);
        strcat(buf, "'");
        break;
    case FL_TIMESTAMP:
        buf[0] = '\'';
        fl_format_timestamp(v->u.i, buf + 1);
        strcat(buf, "'");
        break;
    case FL_STRING: {
        /* single-quoted, with ' and \ escaped as in Lua */
        sb_str(b, "'");
        const char *s = v->u.str.s;
        size_t start = 0, n = v->u.str.len;
        for (size_t i = 0; i < n; i++) {
            if (s[i] == '\'' || s[i] == '\\') {
                sb_add(b, s + start, i - start);
                sb_str(b, "\\");
                start = i;
            }
        }
        sb_add(b, s + start, n - start);
        sb_str(b, "'");
        return;
    }
    default:
        sb_str(b, "?");
        return;
    }
    sb_str(b, buf);
}

static void describe(sbuf *b, const fl_expr *e, int depth)
{
    if (depth > MAX_DEPTH || b->len > DESCRIBE_MAX) {
        sb_str(b, "...");
        return;
    }
    switch (e->op) {
    case FL_E_COL:
        sb_str(b, e->name);
        return;
    case FL_E_LIT:
        describe_value(b, &e->lit);
        return;
    case FL_E_NEG:
    case FL_E_NOT:
        sb_str(b, op_symbol(e));
        describe(b, e->a, depth + 1);
        return;
    case FL_E_ISIN:
        sb_str(b, "isin(");
        describe(b, e->a, depth + 1);
        sb_str(b, ", {");
        for (int i = 0; i < e->nset && b->len <= DESCRIBE_MAX; i++) {
            if (i)
                sb_str(b, ", ");
            describe_value(b, &e->set[i]);
        }
        sb_str(b, "})");
        return;
    case FL_E_CONTAINS:
    case FL_E_STARTS_WITH:
        sb_str(b, op_symbol(e));
        sb_str(b, "(");
        describe(b, e->a, depth + 1);
        sb_str(b, ", ");
        describe(b, e->b, depth + 1);
        sb_str(b, ")");
        return;
    default:
        break;
    }
    if (e->b) { /* infix binary operator */
        sb_str(b, "(");
        describe(b, e->a, depth + 1);
        sb_str(b, " ");
        sb_str(b, op_symbol(e));
        sb_str(b, " ");
        describe(b, e->b, depth + 1);
        sb_str(b, ")");
    } else { /* function-style unary: is_null(x), lower(x), month(x) */
        sb_str(b, op_symbol(e));
        sb_str(b, "(");
        describe(b, e->a, depth + 1);
        sb_str(b, ")");
    }
}

char *fl_expr_describe(const fl_expr *e)
{
    sbuf b = {0};
    describe(&b, e, 0);
    if (b.len > DESCRIBE_MAX) {
        b.len = DESCRIBE_MAX;
        while (b.len > 0 && ((unsigned char)b.buf[b.len] & 0xC0) == 0x80)
            b.len--;       /* do not cut a UTF-8 sequence */
        sb_str(&b, "..."); /* cap > DESCRIBE_MAX, so this fits */
    }
    if (!b.buf && !b.failed)
        sb_str(&b, "");
    if (b.failed) {
        fl_free(b.buf);
        return NULL;
    }
    return b.buf;
}

/* ==== operands and type rules =============================================
 */

/* Type of an untyped null literal (funnel.null): it takes the other
 * operand's type. */
#define T_NULL ((int)FL_NTYPES)

typedef struct {
    int type;       /* an fl_type, or T_NULL */
    int scalar;     /* 1: a literal, value in v; 0: a column */
    fl_value v;     /* scalar: borrowed from the expression */
    fl_column *col; /* !scalar while evaluating: one reference, n values */
    const fl_expr *src;
    union {
        int64_t i;
        double f;
        int32_t d;
        uint8_t b;
    } sv;          /* scalar converted to the kernel's input type */
    const void *p; /* kernel input: col->data or &sv */
} operand;

static void operand_clear(operand *o)
{
    fl_column_unref(o->col);
    o->col = NULL;
}

static int is_null_scalar(const operand *o)
{
    return o->scalar && o->type == T_NULL;
}

static const char *tname(int type)
{
    return type == T_NULL ? "null" : fl_type_name((fl_type)type);
}

static int is_numeric(int type)
{
    return type == FL_INT || type == FL_FLOAT;
}

static int is_time(int type)
{
    return type == FL_DATE || type == FL_TIMESTAMP;
}

static int is_compare(fl_expr_op op)
{
    return op >= FL_E_EQ && op <= FL_E_GE;
}

static int is_arith(fl_expr_op op)
{
    return op >= FL_E_ADD && op <= FL_E_MOD;
}

static fl_status type_error(const fl_expr *e, int ta, int tb, fl_error *err)
{
    return fl_seterr(err, FL_EINVAL, "cannot apply '%s' to %s and %s",
                     op_symbol(e), tname(ta), tname(tb));
}

static fl_status unary_type_error(const fl_expr *e, int ta, fl_error *err)
{
    return fl_seterr(err, FL_EINVAL, "cannot apply '%s' to %s", op_symbol(e),
                     tname(ta));
}

/* Names what an operand is in a message: "column 'created_at'" or the
 * expression's text. Writes into buf. */
static const char *operand_name(const operand *o, char *buf, size_t size)
{
    if (o->src && o->src->op == FL_E_COL) {
        snprintf(buf, size, "column '%s'", o->src->name);
    } else if (o->src) {
        char *d = fl_expr_describe(o->src);
        snprintf(buf, size, "%s", d ? d : "expression");
        fl_free(d);
    } else {
        snprintf(buf, size, "value");
    }
    return buf;
}

static fl_status not_a_date(const fl_expr *e, const operand *col, const char *s,
                            size_t len, fl_error *err)
{
    char name[160];
    operand_name(col, name, sizeof name);
    if (!e || is_compare(e->op) || e->op == FL_E_ISIN)
        return fl_seterr(err, FL_EINVAL,
                         "cannot compare %s %s with '%.*s': not a date",
                         tname(col->type), name, (int)(len > 64 ? 64 : len), s);
    return fl_seterr(
        err, FL_EINVAL, "cannot apply '%s' to %s %s and '%.*s': not a date",
        op_symbol(e), tname(col->type), name, (int)(len > 64 ? 64 : len), s);
}

/* A string literal next to a date or timestamp operand is read as a date or
 * timestamp (whichever the text is), for comparisons and subtraction. */
static fl_status coerce_time_literal(const fl_expr *e, operand *lit,
                                     const operand *other, fl_error *err)
{
    if (!lit->scalar || lit->type != FL_STRING || !is_time(other->type))
        return FL_OK;
    if (!is_compare(e->op) && e->op != FL_E_SUB)
        return FL_OK;
    int32_t days;
    int64_t us;
    const char *s = lit->v.u.str.s;
    size_t len = lit->v.u.str.len;
    switch (fl_parse_datetime(s, len, &days, &us)) {
    case FL_DT_DATE:
        lit->type = FL_DATE;
        lit->v.type = FL_DATE;
        lit->v.u.d = days;
        return FL_OK;
    case FL_DT_TIMESTAMP:
        lit->type = FL_TIMESTAMP;
        lit->v.type = FL_TIMESTAMP;
        lit->v.u.i = us;
        return FL_OK;
    default:
        return not_a_date(e, other, s, len, err);
    }
}

/* The type rules of the binary operators: result type *rt and the types
 * *wa, *wb that each side is converted to before the kernel runs. ta and tb
 * are the operand types, T_NULL for a null literal. */
static fl_status binary_rule(const fl_expr *e, int ta, int tb, fl_type *rt,
                             int *wa, int *wb, fl_error *err)
{
    fl_expr_op op = e->op;
    int a = ta, b = tb;
    /* a null literal takes the other side's type; next to a date in + or -
     * it stands for a number of days */
    if (a == T_NULL && b == T_NULL) {
        a = b =
            is_arith(op) ? FL_INT : (op >= FL_E_CONTAINS ? FL_STRING : FL_BOOL);
    } else if (a == T_NULL) {
        a = (b == FL_DATE && (op == FL_E_ADD || op == FL_E_SUB)) ? FL_INT : b;
    } else if (b == T_NULL) {
        b = (a == FL_DATE && (op == FL_E_ADD || op == FL_E_SUB)) ? FL_INT : a;
    }

    if (is_arith(op)) {
        if (a == FL_INT && b == FL_INT && op != FL_E_DIV) {
            *rt = FL_INT;
            *wa = *wb = FL_INT;
            return FL_OK;
        }
        if (is_numeric(a) && is_numeric(b)) {
            *rt = FL_FLOAT;
            *wa = *wb = FL_FLOAT;
            return FL_OK;
        }
        if (op == FL_E_SUB && a == FL_DATE && b == FL_DATE) {
            *rt = FL_INT;
            *wa = *wb = FL_DATE;
            return FL_OK;
        }
        if (op == FL_E_SUB && is_time(a) && is_time(b)) {
            *rt = FL_FLOAT;
            *wa = *wb = FL_TIMESTAMP;
            return FL_OK;
        }
        if ((op == FL_E_ADD || op == FL_E_SUB) && a == FL_DATE && b == FL_INT) {
            *rt = FL_DATE;
            *wa = FL_DATE;
            *wb = FL_INT;
            return FL_OK;
        }
        if (op == FL_E_ADD && a == FL_INT && b == FL_DATE) {
            *rt = FL_DATE;
            *wa = FL_INT;
            *wb = FL_DATE;
            return FL_OK;
        }
        return type_error(e, ta, tb, err);
    }
    if (is_compare(op)) {
        *rt = FL_BOOL;
        if (a == FL_INT && b == FL_INT)
            *wa = *wb = FL_INT;
        else if (is_numeric(a) && is_numeric(b))
            *wa = *wb = FL_FLOAT;
        else if (a == FL_DATE && b == FL_DATE)
            *wa = *wb = FL_DATE;
        else if (is_time(a) && is_time(b))
            *wa = *wb = FL_TIMESTAMP; /* a date is its midnight UTC */
        else if ((a == FL_STRING && b == FL_STRING) ||
                 (a == FL_BOOL && b == FL_BOOL))
            *wa = *wb = a;
        else
            return type_error(e, ta, tb, err);
        return FL_OK;
    }
    if (op == FL_E_AND || op == FL_E_OR) {
        if (a != FL_BOOL || b != FL_BOOL)
            return type_error(e, ta, tb, err);
        *rt = FL_BOOL;
        *wa = *wb = FL_BOOL;
        return FL_OK;
    }
    /* contains, starts_with */
    if (a != FL_STRING || b != FL_STRING)
        return type_error(e, ta, tb, err);
    *rt = FL_BOOL;
    *wa = *wb = FL_STRING;
    return FL_OK;
}

/* Converts operand o to kernel input type w and points o->p at its values.
 * An int column stays as it is for float work: the float kernels read it
 * as int64 (see FLOAT_DISPATCH), which saves a copy of the column. */
static fl_status to_work(operand *o, int w, fl_error *err)
{
    if (o->scalar) {
        switch (w) {
        case FL_INT:
            o->sv.i = o->v.u.i;
            break;
        case FL_FLOAT:
            o->sv.f = o->v.type == FL_INT ? (double)o->v.u.i : o->v.u.f;
            break;
        case FL_DATE:
            o->sv.d = o->v.u.d;
            break;
        case FL_TIMESTAMP:
            o->sv.i = o->v.type == FL_DATE ? (int64_t)o->v.u.d * FL_US_PER_DAY
                                           : o->v.u.i;
            break;
        case FL_BOOL:
            o->sv.b = o->v.u.b != 0;
            break;
        default: /* strings are compared through their text */
            break;
        }
        o->p = &o->sv;
        return FL_OK;
    }
    if ((int)o->col->type != w && !(w == FL_FLOAT && o->col->type == FL_INT)) {
        fl_column *c;
        fl_status st = fl_column_cast(o->col, (fl_type)w, &c, err);
        if (st != FL_OK)
            return st;
        fl_column_unref(o->col);
        o->col = c;
        o->type = w;
    }
    o->p = o->col->data;
    return FL_OK;
}

/* Turns a scalar operand into a column of n copies (for the rare kernels
 * that want two columns, e.g. lit & lit). A null literal becomes a null
 * column of type `as`. */
static fl_status broadcast(operand *o, fl_type as, int64_t n, fl_error *err)
{
    if (!o->scalar)
        return FL_OK;
    fl_value v = o->v;
    if (o->type == T_NULL) {
        memset(&v, 0, sizeof v);
        v.type = as;
        v.is_null = 1;
    }
    fl_status st = fl_column_constant(&v, n, &o->col, err);
    if (st != FL_OK)
        return st;
    o->scalar = 0;
    o->type = o->col->type;
    o->p = o->col->data;
    return FL_OK;
}

/* ==== validity ============================================================
 */

static inline int bit_get(const uint8_t *v, int64_t i)
{
    return (v[i >> 3] >> (i & 7)) & 1;
}

static inline void bit_clear(uint8_t *v, int64_t i)
{
    v[i >> 3] &= (uint8_t) ~(1u << (i & 7));
}

/* New column of n values (data not initialised: the kernel writes all n). */
static fl_status new_result(fl_type type, int64_t n, fl_dict *dict,
                            fl_column **out, fl_error *err)
{
    fl_column *r = fl_column_new(type, n, dict);
    if (!r)
        return oom(err);
    r->length = n;
    *out = r;
    return FL_OK;
}

/* Gives r the validity "a valid AND b valid" (a, b may be NULL). With force
 * the bitmap is allocated even when every input row is valid, so that the
 * kernel can clear bits; finish_validity drops it again if unused. */
static fl_status init_validity(fl_column *r, const fl_column *a,
                               const fl_column *b, int force, fl_error *err)
{
    const uint8_t *va = a ? a->validity : NULL;
    const uint8_t *vb = b ? b->validity : NULL;
    if (!va && !vb && !force)
        return FL_OK;
    size_t nb = (size_t)(r->capacity + 7) / 8,
           used = (size_t)(r->length + 7) / 8;
    uint8_t *v = fl_malloc(nb ? nb : 1);
    if (!v)
        return oom(err);
    memset(v, 0xff, nb);
    if (va)
        for (size_t k = 0; k < used; k++)
            v[k] &= va[k];
    if (vb)
        for (size_t k = 0; k < used; k++)
            v[k] &= vb[k];
    r->validity = v;
    return FL_OK;
}

/* Counts r's nulls, zeroes the values under them (so that later code can
 * read any row without undefined behaviour), and frees the bitmap when there
 * is no null: a missing bitmap means "all valid". */
static void finish_validity(fl_column *r)
{
    r->null_count = 0;
    if (!r->validity)
        return;
    size_t w = fl_type_width(r->type);
    int64_t nulls = 0;
    for (int64_t k = 0; k * 8 < r->length; k++) {
        if (r->validity[k] == 0xff && k * 8 + 8 <= r->length)
            continue; /* eight valid rows */
        int64_t end = k * 8 + 8 < r->length ? k * 8 + 8 : r->length;
        for (int64_t i = k * 8; i < end; i++) {
            if (!bit_get(r->validity, i)) {
                nulls++;
                memset((char *)r->data + (size_t)i * w, 0, w);
            }
        }
    }
    r->null_count = nulls;
    if (nulls == 0) {
        fl_free(r->validity);
        r->validity = NULL;
    }
}

/* A column of n nulls of the given type. */
static fl_status all_null(fl_type type, int64_t n, fl_column **out,
                          fl_error *err)
{
    fl_value v;
    memset(&v, 0, sizeof v);
    v.type = type;
    v.is_null = 1;
    return fl_column_constant(&v, n, out, err);
}

/* ==== loops ===============================================================
 */

/* Runs BODY for every row i with x bound to the left value and y to the
 * right one. Written three times (column-column, column-scalar,
 * scalar-column) so that each is a plain loop over arrays; the caller never
 * passes two scalars. */
#define PAIR_LOOP(TA, A, TB, B, N, BODY)                                       \
    do {                                                                       \
        const TA *pa_ = (const TA *)(A)->p;                                    \
        const TB *pb_ = (const TB *)(B)->p;                                    \
        if (!(A)->scalar && !(B)->scalar) {                                    \
            for (int64_t i = 0; i < (N); i++) {                                \
                TA x = pa_[i];                                                 \
                TB y = pb_[i];                                                 \
                BODY;                                                          \
            }                                                                  \
        } else if (!(A)->scalar) {                                             \
            const TB y = *pb_;                                                 \
            for (int64_t i = 0; i < (N); i++) {                                \
                TA x = pa_[i];                                                 \
                BODY;                                                          \
            }                                                                  \
        } else {                                                               \
            const TA x = *pa_;                                                 \
            for (int64_t i = 0; i < (N); i++) {                                \
                TB y = pb_[i];                                                 \
                BODY;                                                          \
            }                                                                  \
        }                                                                      \
    } while (0)

/* Runs BODY for every row i, or, when the bitmap VALID is not NULL, only for
 * its valid rows (the others get OUT[i] = 0). For loops that index a table
 * with a value, which must not read whatever lies under a null. */
#define VALID_LOOP(VALID, N, OUT, BODY)                                        \
    do {                                                                       \
        const uint8_t *v_ = (VALID);                                           \
        if (!v_) {                                                             \
            for (int64_t i = 0; i < (N); i++)                                  \
                BODY;                                                          \
        } else {                                                               \
            for (int64_t i = 0; i < (N); i++) {                                \
                if (bit_get(v_, i))                                            \
                    BODY;                                                      \
                else                                                           \
                    (OUT)[i] = 0;                                              \
            }                                                                  \
        }                                                                      \
    } while (0)

/* A comparison as a 3-bit mask over the sign of (a <=> b): bit 0 holds for
 * <, bit 1 for ==, bit 2 for >. Lets one loop serve all six operators
 * without a per-row switch: holds = (mask >> (sign + 1)) & 1. */
static unsigned cmp_mask(fl_expr_op op)
{
    switch (op) {
    case FL_E_LT:
        return 1;
    case FL_E_LE:
        return 3;
    case FL_E_EQ:
        return 2;
    case FL_E_NE:
        return 5;
    case FL_E_GE:
        return 6;
    case FL_E_GT:
        return 4;
    default:
        return 0;
    }
}

static inline uint8_t mask_holds(unsigned mask, int c)
{
    return (uint8_t)((mask >> ((c > 0) - (c < 0) + 1)) & 1);
}

/* a op b == b flip(op) a */
static fl_expr_op flip(fl_expr_op op)
{
    switch (op) {
    case FL_E_LT:
        return FL_E_GT;
    case FL_E_LE:
        return FL_E_GE;
    case FL_E_GT:
        return FL_E_LT;
    case FL_E_GE:
        return FL_E_LE;
    default:
        return op;
    }
}

/* ==== arithmetic ==========================================================
 */

/* Lua's float modulo: the result has the sign of the divisor. */
static inline double mod_float(double a, double b)
{
    double m = fmod(a, b);
    if ((m > 0) ? b < 0 : (m < 0 && b != m))
        m += b;
    return m;
}

/* Lua's integer modulo; the caller handles b == 0. b == -1 is special
 * because INT64_MIN % -1 overflows in C. */
static inline int64_t mod_int(int64_t a, int64_t b)
{
    if (b == -1)
        return 0;
    int64_t m = a % b;
    if (m != 0 && (m ^ b) < 0)
        m += b;
    return m;
}

/* Dates outside years -9999..9999 are not representable in our texts. */
#define DATE_MIN (-4371587) /* -9999-01-01 */
#define DATE_MAX 2932896    /* 9999-12-31 */

/* Calls M(TA, TB) with the C types that a and b hold for float work: an
 * int column is read as int64_t and converted value by value (to_work does
 * not copy it into a float column), anything else is double. */
#define FLOAT_DISPATCH(A, B, M)                                                \
    do {                                                                       \
        int ai_ = !(A)->scalar && (A)->col->type == FL_INT;                    \
        int bi_ = !(B)->scalar && (B)->col->type == FL_INT;                    \
        if (ai_ && bi_) {                                                      \
            M(int64_t, int64_t)                                                \
        } else if (ai_) {                                                      \
            M(int64_t, double)                                                 \
        } else if (bi_) {                                                      \
            M(double, int64_t)                                                 \
        } else {                                                               \
            M(double, double)                                                  \
        }                                                                      \
    } while (0)

/* Float + - * / % over a, b (types TA, TB) into o, clearing rv on a zero
 * divisor. */
#define FLOAT_ARITH(TA, TB)                                                    \
    switch (op) {                                                              \
    case FL_E_ADD:                                                             \
        PAIR_LOOP(TA, a, TB, b, n, o[i] = (double)x + (double)y);              \
        break;                                                                 \
    case FL_E_SUB:                                                             \
        PAIR_LOOP(TA, a, TB, b, n, o[i] = (double)x - (double)y);              \
        break;                                                                 \
    case FL_E_MUL:                                                             \
        PAIR_LOOP(TA, a, TB, b, n, o[i] = (double)x * (double)y);              \
        break;                                                                 \
    case FL_E_DIV:                                                             \
        PAIR_LOOP(TA, a, TB, b, n, {                                           \
            if (y == 0) {                                                      \
                o[i] = 0;                                                      \
                bit_clear(rv, i);                                              \
            } else {                                                           \
                o[i] = (double)x / (double)y;                                  \
            }                                                                  \
        });                                                                    \
        break;                                                                 \
    case FL_E_MOD:                                                             \
        PAIR_LOOP(TA, a, TB, b, n, {                                           \
            if (y == 0) {                                                      \
                o[i] = 0;                                                      \
                bit_clear(rv, i);                                              \
            } else {                                                           \
                o[i] = mod_float((double)x, (double)y);                        \
            }                                                                  \
        });                                                                    \
        break;                                                                 \
    default:                                                                   \
        break;                                                                 \
    }

/* r = a op b for +, -, *, /, %; r has type rt and the AND of the input
 * bitmaps. wa/wb tell the kernel input types (see binary_rule). */
static fl_status arith(fl_expr_op op, operand *a, operand *b, int wa, int wb,
                       fl_column *r, fl_error *err)
{
    int64_t n = r->length;
    const fl_column *ca = a->scalar ? NULL : a->col;
    const fl_column *cb = b->scalar ? NULL : b->col;
    int may_null = op == FL_E_DIV || op == FL_E_MOD ||
                   (wa == FL_INT && wb == FL_INT) || r->type == FL_DATE;
    fl_status st = init_validity(r, ca, cb, may_null, err);
    if (st != FL_OK)
        return st;
    uint8_t *rv = r->validity;

    if (wa == FL_INT && wb == FL_INT) {
        int64_t *o = r->data;
        switch (op) {
        case FL_E_ADD:
            PAIR_LOOP(int64_t, a, int64_t, b, n, {
                if (__builtin_add_overflow(x, y, &o[i])) {
                    o[i] = 0;
                    bit_clear(rv, i);
                }
            });
            break;
        case FL_E_SUB:
            PAIR_LOOP(int64_t, a, int64_t, b, n, {
                if (__builtin_sub_overflow(x, y, &o[i])) {
                    o[i] = 0;
                    bit_clear(rv, i);
                }
            });
            break;
        case FL_E_MUL:
            PAIR_LOOP(int64_t, a, int64_t, b, n, {
                if (__builtin_mul_overflow(x, y, &o[i])) {
                    o[i] = 0;
                    bit_clear(rv, i);
                }
            });
            break;
        case FL_E_MOD:
            PAIR_LOOP(int64_t, a, int64_t, b, n, {
                if (y == 0) {
                    o[i] = 0;
                    bit_clear(rv, i);
                } else {
                    o[i] = mod_int(x, y);
                }
            });
            break;
        default:
            break;
        }
    } else if (wa == FL_FLOAT) {
        double *o = r->data;
        FLOAT_DISPATCH(a, b, FLOAT_ARITH);
    } else if (wa == FL_DATE && wb == FL_DATE) { /* date - date: days */
        int64_t *o = r->data;
        PAIR_LOOP(int32_t, a, int32_t, b, n, o[i] = (int64_t)x - y);
    } else if (wa == FL_TIMESTAMP) { /* timestamp - timestamp: float days */
        double *o = r->data;
        PAIR_LOOP(int64_t, a, int64_t, b, n, {
            int64_t d;
            if (__builtin_sub_overflow(x, y, &d))
                o[i] = ((double)x - (double)y) / (double)FL_US_PER_DAY;
            else
                o[i] = (double)d / (double)FL_US_PER_DAY;
        });
    } else if (wa == FL_DATE) { /* date +/- int */
        int32_t *o = r->data;
        int neg = op == FL_E_SUB;
        PAIR_LOOP(int32_t, a, int64_t, b, n, {
            int64_t d;
            int bad = neg ? __builtin_sub_overflow((int64_t)x, y, &d)
                          : __builtin_add_overflow((int64_t)x, y, &d);
            if (bad || d < DATE_MIN || d > DATE_MAX) {
                o[i] = 0;
                bit_clear(rv, i);
            } else {
                o[i] = (int32_t)d;
            }
        });
    } else { /* int + date */
        int32_t *o = r->data;
        PAIR_LOOP(int64_t, a, int32_t, b, n, {
            int64_t d;
            if (__builtin_add_overflow(x, (int64_t)y, &d) || d < DATE_MIN ||
                d > DATE_MAX) {
                o[i] = 0;
                bit_clear(rv, i);
            } else {
                o[i] = (int32_t)d;
            }
        });
    }
    finish_validity(r);
    return FL_OK;
}

/* ==== comparisons =========================================================
 */

/* The six comparisons over a, b (types TA, TB) into o. */
#define CMP_LOOPS(TA, TB)                                                      \
    switch (op) {                                                              \
    case FL_E_EQ:                                                              \
        PAIR_LOOP(TA, a, TB, b, n, o[i] = x == y);                             \
        break;                                                                 \
    case FL_E_NE:                                                              \
        PAIR_LOOP(TA, a, TB, b, n, o[i] = x != y);                             \
        break;                                                                 \
    case FL_E_LT:                                                              \
        PAIR_LOOP(TA, a, TB, b, n, o[i] = x < y);                              \
        break;                                                                 \
    case FL_E_LE:                                                              \
        PAIR_LOOP(TA, a, TB, b, n, o[i] = x <= y);                             \
        break;                                                                 \
    case FL_E_GT:                                                              \
        PAIR_LOOP(TA, a, TB, b, n, o[i] = x > y);                              \
        break;                                                                 \
    case FL_E_GE:                                                              \
        PAIR_LOOP(TA, a, TB, b, n, o[i] = x >= y);                             \
        break;                                                                 \
    default:                                                                   \
        break;                                                                 \
    }

/* Numbers, dates, timestamps and bools: both sides already converted to the
 * work type w. */
static void compare_values(fl_expr_op op, const operand *a, const operand *b,
                           int w, fl_column *r)
{
    int64_t n = r->length;
    uint8_t *o = r->data;
    switch (w) {
    case FL_INT:
    case FL_TIMESTAMP:
        CMP_LOOPS(int64_t, int64_t);
        break;
    case FL_FLOAT: /* int with float compares as double */
        FLOAT_DISPATCH(a, b, CMP_LOOPS);
        break;
    case FL_DATE:
        CMP_LOOPS(int32_t, int32_t);
        break;
    case FL_BOOL:
        CMP_LOOPS(uint8_t, uint8_t);
        break;
    default:
        break;
    }
}

static int text_cmp(const char *a, size_t la, const char *b, size_t lb)
{
    int c = memcmp(a, b, la < lb ? la : lb);
    if (c)
        return c;
    return (la > lb) - (la < lb);
}

/* NFC bytes of a string literal (fl_malloc'd). */
static fl_status literal_nfc(const fl_expr *e, const fl_value *v, char **s,
                             size_t *len, fl_error *err)
{
    fl_status st = fl_utf8_nfc(v->u.str.s, v->u.str.len, s, len, NULL, err);
    if (st == FL_EPARSE)
        return fl_seterr(err, FL_EINVAL, "'%s': the string is not valid UTF-8",
                         op_symbol(e));
    return st;
}

/* r[i] = tbl[code of row i] for the valid rows of r. */
static void map_codes(const fl_column *c, const uint8_t *tbl, fl_column *r)
{
    const int32_t *codes = c->data;
    uint8_t *o = r->data;
    VALID_LOOP(r->validity, r->length, o, o[i] = tbl[codes[i]]);
}

/* String comparison; a is a column, b a column or a literal. r has the
 * validity AND already. */
static fl_status compare_strings(const fl_expr *e, fl_expr_op op,
                                 const operand *a, const operand *b,
                                 fl_column *r, fl_error *err)
{
    int64_t n = r->length;
    uint8_t *o = r->data;
    const int32_t *x = a->col->data;
    fl_dict *da = a->col->dict;
    unsigned mask = cmp_mask(op);

    if (b->scalar) {
        char *lit;
        size_t len;
        fl_status st = literal_nfc(e, &b->v, &lit, &len, err);
        if (st != FL_OK)
            return st;
        if (op == FL_E_EQ || op == FL_E_NE) {
            /* one hash lookup; an absent literal (-1) equals no code */
            int32_t code = fl_dict_find(da, lit, len);
            fl_free(lit);
            uint8_t eq = op == FL_E_EQ;
            for (int64_t i = 0; i < n; i++)
                o[i] = (uint8_t)((x[i] == code) == eq);
            return FL_OK;
        }
        /* ordering: one memcmp per distinct string, then a table lookup */
        uint8_t *tbl = fl_malloc((size_t)da->count + 1);
        if (!tbl) {
            fl_free(lit);
            return oom(err);
        }
        for (int32_t c = 0; c < da->count; c++)
            tbl[c] = mask_holds(mask,
                                text_cmp(fl_dict_str(da, c),
                                         (size_t)fl_dict_len(da, c), lit, len));
        fl_free(lit);
        map_codes(a->col, tbl, r);
        fl_free(tbl);
        return FL_OK;
    }

    const int32_t *y = b->col->data;
    fl_dict *db = b->col->dict;
    if (da == db && (op == FL_E_EQ || op == FL_E_NE)) {
        uint8_t eq = op == FL_E_EQ;
        for (int64_t i = 0; i < n; i++)
            o[i] = (uint8_t)((x[i] == y[i]) == eq);
    } else if (da == db) {
        /* ranks follow byte order, so comparing ranks compares texts */
        const int32_t *rank = fl_dict_ranks(da);
        if (!rank)
            return oom(err);
        VALID_LOOP(r->validity, n, o,
                   o[i] = mask_holds(mask, (rank[x[i]] > rank[y[i]]) -
                                               (rank[x[i]] < rank[y[i]])));
    } else if (op == FL_E_EQ || op == FL_E_NE) {
        /* translate b's codes into a's dictionary once (-1: absent) */
        int32_t *tr = fl_malloc(((size_t)db->count + 1) * sizeof *tr);
        if (!tr)
            return oom(err);
        for (int32_t c = 0; c < db->count; c++)
            tr[c] = fl_dict_find(da, fl_dict_str(db, c),
                                 (size_t)fl_dict_len(db, c));
        uint8_t eq = op == FL_E_EQ;
        VALID_LOOP(r->validity, n, o,
                   o[i] = (uint8_t)((x[i] == tr[y[i]]) == eq));
        fl_free(tr);
    } else {
        VALID_LOOP(
            r->validity, n, o,
            o[i] = mask_holds(mask, text_cmp(fl_dict_str(da, x[i]),
                                             (size_t)fl_dict_len(da, x[i]),
                                             fl_dict_str(db, y[i]),
                                             (size_t)fl_dict_len(db, y[i]))));
    }
    return FL_OK;
}

/* contains / starts_with: a is a string column, b a string literal. */
static fl_status string_pred(const fl_expr *e, const operand *a,
                             const operand *b, fl_column *r, fl_error *err)
{
    char *pat;
    size_t plen;
    fl_status st = literal_nfc(e, &b->v, &pat, &plen, err);
    if (st != FL_OK)
        return st;
    fl_dict *d = a->col->dict;
    uint8_t *tbl = fl_malloc((size_t)d->count + 1);
    if (!tbl) {
        fl_free(pat);
        return oom(err);
    }
    for (int32_t c = 0; c < d->count; c++) {
        const char *s = fl_dict_str(d, c);
        size_t len = (size_t)fl_dict_len(d, c);
        if (e->op == FL_E_CONTAINS)
            tbl[c] = plen == 0 || memmem(s, len, pat, plen) != NULL;
        else
            tbl[c] = len >= plen && memcmp(s, pat, plen) == 0;
    }
    fl_free(pat);
    map_codes(a->col, tbl, r);
    fl_free(tbl);
    return FL_OK;
}

/* ==== logic ===============================================================
 */

/* SQL three-valued and/or: false & null = false, true | null = true,
 * otherwise null wins. Both operands are bool columns. */
static fl_status logic(fl_expr_op op, const operand *a, const operand *b,
                       fl_column *r, fl_error *err)
{
    int64_t n = r->length;
    const uint8_t *x = a->col->data, *y = b->col->data;
    const uint8_t *va = a->col->validity, *vb = b->col->validity;
    uint8_t *o = r->data;
    if (!va && !vb) {
        if (op == FL_E_AND)
            for (int64_t i = 0; i < n; i++)
                o[i] = x[i] & y[i];
        else
            for (int64_t i = 0; i < n; i++)
                o[i] = x[i] | y[i];
        return FL_OK;
    }
    fl_status st = init_validity(r, NULL, NULL, 1, err);
    if (st != FL_OK)
        return st;
    /* "decides": a valid operand whose value alone fixes the result */
    uint8_t decisive = op == FL_E_OR;
    for (int64_t i = 0; i < n; i++) {
        int oka = !va || bit_get(va, i), okb = !vb || bit_get(vb, i);
        if ((oka && x[i] == decisive) || (okb && y[i] == decisive)) {
            o[i] = decisive;
        } else if (oka && okb) {
            o[i] = !decisive;
        } else {
            o[i] = 0;
            bit_clear(r->validity, i);
        }
    }
    finish_validity(r);
    return FL_OK;
}

/* ==== evaluation: binary ==================================================
 */

static fl_status eval_node(const fl_expr *e, const fl_table *t, int depth,
                           int typeonly, operand *out, fl_error *err);

/* Applies binary e to evaluated operands a and b (which stay owned by the
 * caller); the result column goes to out. */
static fl_status binary_apply(const fl_expr *e, operand *a, operand *b,
                              int64_t n, int typeonly, operand *out,
                              fl_error *err)
{
    fl_expr_op op = e->op;
    fl_status st;
    if ((op == FL_E_CONTAINS || op == FL_E_STARTS_WITH) &&
        (!b->scalar || (b->type != FL_STRING && b->type != T_NULL)))
        return fl_seterr(err, FL_EINVAL,
                         "'%s': the pattern must be a string constant",
                         op_symbol(e));
    if ((st = coerce_time_literal(e, a, b, err)) != FL_OK ||
        (st = coerce_time_literal(e, b, a, err)) != FL_OK)
        return st;
    fl_type rt = FL_BOOL;
    int wa = FL_BOOL, wb = FL_BOOL;
    if ((st = binary_rule(e, a->type, b->type, &rt, &wa, &wb, err)) != FL_OK)
        return st;
    out->type = rt;
    if (typeonly)
        return FL_OK;

    if (op == FL_E_AND || op == FL_E_OR) {
        if ((st = broadcast(a, FL_BOOL, n, err)) != FL_OK ||
            (st = broadcast(b, FL_BOOL, n, err)) != FL_OK)
            return st;
        if ((st = new_result(FL_BOOL, n, NULL, &out->col, err)) != FL_OK)
            return st;
        return logic(op, a, b, out->col, err);
    }
    if (is_null_scalar(a) || is_null_scalar(b))
        return all_null(rt, n, &out->col, err);
    if (a->scalar && b->scalar &&
        (st = broadcast(a, (fl_type)a->type, n, err)) != FL_OK)
        return st;
    /* string kernels want the column on the left */
    if (a->scalar && wa == FL_STRING && is_compare(op)) {
        operand *tmp = a;
        a = b;
        b = tmp;
        op = flip(op);
    }
    if ((st = to_work(a, wa, err)) != FL_OK ||
        (st = to_work(b, wb, err)) != FL_OK)
        return st;
    if ((st = new_result(rt, n, NULL, &out->col, err)) != FL_OK)
        return st;
    fl_column *r = out->col;
    if (is_arith(op))
        return arith(op, a, b, wa, wb, r, err);
    const fl_column *ca = a->scalar ? NULL : a->col;
    const fl_column *cb = b->scalar ? NULL : b->col;
    if ((st = init_validity(r, ca, cb, 0, err)) != FL_OK)
        return st;
    if (is_compare(op) && wa != FL_STRING)
        compare_values(op, a, b, wa, r);
    else if (is_compare(op))
        st = compare_strings(e, op, a, b, r, err);
    else
        st = string_pred(e, a, b, r, err);
    finish_validity(r);
    return st;
}

static fl_status eval_binary(const fl_expr *e, const fl_table *t, int depth,
                             int typeonly, operand *out, fl_error *err)
{
    operand a, b;
    fl_status st = eval_node(e->a, t, depth + 1, typeonly, &a, err);
    if (st != FL_OK)
        return st;
    st = eval_node(e->b, t, depth + 1, typeonly, &b, err);
    if (st == FL_OK)
        st = binary_apply(e, &a, &b, t->nrows, typeonly, out, err);
    operand_clear(&a);
    operand_clear(&b);
    return st;
}

/* ==== evaluation: unary ===================================================
 */

/* lower(): folds each distinct string that occurs once, into a new
 * dictionary. */
static fl_status lower(const fl_column *c, fl_column *r, fl_error *err)
{
    const fl_dict *d = c->dict;
    const int32_t *codes = c->data;
    int32_t *o = r->data;
    int64_t n = r->length;
    fl_status st = FL_OK;
    int32_t *map = fl_malloc(((size_t)d->count + 1) * sizeof *map);
    char *ascii = NULL;
    size_t ascii_cap = 0;
    if (!map)
        return oom(err);
    /* -1: not used by any row, so not folded */
    for (int32_t k = 0; k < d->count; k++)
        map[k] = -1;
    VALID_LOOP(c->validity, n, o, map[codes[i]] = 0);
    for (int32_t k = 0; k < d->count && st == FL_OK; k++) {
        if (map[k] < 0)
            continue;
        const char *s = fl_dict_str(d, k);
        size_t len = (size_t)fl_dict_len(d, k), j = 0;
        while (j < len && !((unsigned char)s[j] & 0x80))
            j++;
        if (j == len) { /* ASCII: folding is tolower */
            if (len + 1 > ascii_cap) {
                char *p = fl_realloc(ascii, len + 1);
                if (!p) {
                    st = oom(err);
                    break;
                }
                ascii = p;
                ascii_cap = len + 1;
            }
            for (j = 0; j < len; j++)
                ascii[j] =
                    (char)(s[j] >= 'A' && s[j] <= 'Z' ? s[j] + 32 : s[j]);
            st = fl_dict_intern_nfc(r->dict, ascii, len, &map[k], err);
            continue;
        }
        utf8proc_uint8_t *folded = NULL;
        utf8proc_ssize_t m = utf8proc_map(
            (const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &folded,
            UTF8PROC_CASEFOLD | UTF8PROC_COMPOSE | UTF8PROC_STABLE);
        if (m < 0) {
            st = m == UTF8PROC_ERROR_NOMEM
                     ? oom(err)
                     : fl_seterr(err, FL_EINVAL, "lower: %s",
                                 utf8proc_errmsg(m));
            break;
        }
        /* COMPOSE makes the output NFC */
        st = fl_dict_intern_nfc(r->dict, (const char *)folded, (size_t)m,
                                &map[k], err);
        free(folded); /* utf8proc allocates with malloc */
    }
    if (st == FL_OK)
        VALID_LOOP(c->validity, n, o, o[i] = map[codes[i]]);
    fl_free(map);
    fl_free(ascii);
    return st;
}

/* Buckets: timestamps become days first. Month, quarter and year go through
 * the calendar (a few divisions per value), so when the days span a small
 * range they are computed once per distinct day into a table. */
static fl_status bucket(const fl_column *c, fl_bucket bk, fl_column *r,
                        fl_error *err)
{
    int32_t *o = r->data;
    int64_t n = r->length;
    if (c->type == FL_DATE) {
        memcpy(o, c->data, (size_t)n * sizeof *o);
    } else {
        const int64_t *x = c->data;
        VALID_LOOP(c->validity, n, o, o[i] = fl_ts_to_days(x[i]));
    }
    const uint8_t *v = c->validity;
    if (bk == FL_DAY)
        return FL_OK;
    if (bk == FL_WEEK) { /* plain arithmetic: no table needed */
        VALID_LOOP(v, n, o, o[i] = fl_bucket_date(o[i], bk));
        return FL_OK;
    }
    int32_t lo = INT32_MAX, hi = INT32_MIN;
    for (int64_t i = 0; i < n; i++) {
        if (v && !bit_get(v, i))
            continue;
        lo = o[i] < lo ? o[i] : lo;
        hi = o[i] > hi ? o[i] : hi;
    }
    int64_t span = lo <= hi ? (int64_t)hi - lo + 1 : 0;
    int32_t *tbl = NULL;
    if (span > 0 && span <= n && span <= (1 << 20)) {
        tbl = fl_malloc((size_t)span * sizeof *tbl);
        if (!tbl)
            return oom(err);
        for (int64_t k = 0; k < span; k++)
            tbl[k] = fl_bucket_date((int32_t)(lo + k), bk);
        VALID_LOOP(v, n, o, o[i] = tbl[o[i] - lo]);
        fl_free(tbl);
    } else {
        VALID_LOOP(v, n, o, o[i] = fl_bucket_date(o[i], bk));
    }
    return FL_OK;
}

/* Type rule of the unary operators. */
static fl_status unary_rule(const fl_expr *e, int ta, fl_type *rt,
                            fl_error *err)
{
    switch (e->op) {
    case FL_E_IS_NULL:
    case FL_E_NOT_NULL:
        *rt = FL_BOOL;
        return FL_OK;
    case FL_E_NEG:
        if (ta == T_NULL || is_numeric(ta)) {
            *rt = ta == T_NULL ? FL_INT : (fl_type)ta;
            return FL_OK;
        }
        break;
    case FL_E_NOT:
        if (ta == T_NULL || ta == FL_BOOL) {
            *rt = FL_BOOL;
            return FL_OK;
        }
        break;
    case FL_E_LOWER:
        if (ta == T_NULL || ta == FL_STRING) {
            *rt = FL_STRING;
            return FL_OK;
        }
        break;
    case FL_E_BUCKET:
        if (ta == T_NULL || is_time(ta)) {
            *rt = FL_DATE;
            return FL_OK;
        }
        break;
    default:
        break;
    }
    return unary_type_error(e, ta, err);
}

static fl_status unary_apply(const fl_expr *e, operand *a, int64_t n,
                             int typeonly, operand *out, fl_error *err)
{
    fl_type rt = FL_BOOL;
    fl_status st = unary_rule(e, a->type, &rt, err);
    if (st != FL_OK)
        return st;
    out->type = rt;
    if (typeonly)
        return FL_OK;
    if (e->op == FL_E_IS_NULL || e->op == FL_E_NOT_NULL) {
        uint8_t want_null = e->op == FL_E_IS_NULL;
        if (a->scalar) {
            fl_value v = {.type = FL_BOOL};
            v.u.b = (a->type == T_NULL) == want_null;
            return fl_column_constant(&v, n, &out->col, err);
        }
        if ((st = new_result(FL_BOOL, n, NULL, &out->col, err)) != FL_OK)
            return st;
        uint8_t *o = out->col->data;
        const uint8_t *va = a->col->validity;
        if (!va)
            memset(o, !want_null, (size_t)n);
        else
            for (int64_t i = 0; i < n; i++)
                o[i] = (uint8_t)(bit_get(va, i) != want_null);
        return FL_OK;
    }
    if (is_null_scalar(a))
        return all_null(rt, n, &out->col, err);
    if ((st = broadcast(a, (fl_type)a->type, n, err)) != FL_OK)
        return st;
    const fl_column *c = a->col;
    /* lower() makes a new dictionary; other results have none */
    if ((st = new_result(rt, n, NULL, &out->col, err)) != FL_OK)
        return st;
    fl_column *r = out->col;
    int may_null = e->op == FL_E_NEG && rt == FL_INT;
    if ((st = init_validity(r, c, NULL, may_null, err)) != FL_OK)
        return st;
    switch (e->op) {
    case FL_E_NEG:
        if (rt == FL_INT) {
            const int64_t *x = c->data;
            int64_t *o = r->data;
            for (int64_t i = 0; i < n; i++) {
                if (x[i] == INT64_MIN) {
                    o[i] = 0;
                    bit_clear(r->validity, i);
                } else {
                    o[i] = -x[i];
                }
            }
        } else {
            const double *x = c->data;
            double *o = r->data;
            for (int64_t i = 0; i < n; i++)
                o[i] = -x[i];
        }
        break;
    case FL_E_NOT: {
        const uint8_t *x = c->data;
        uint8_t *o = r->data;
        for (int64_t i = 0; i < n; i++)
            o[i] = !x[i];
        break;
    }
    case FL_E_LOWER:
        st = lower(c, r, err);
        break;
    case FL_E_BUCKET:
        st = bucket(c, e->bucket, r, err);
        break;
    default:
        break;
    }
    finish_validity(r);
    return st;
}

/* ==== evaluation: isin ====================================================
 */

typedef struct {
    int64_t *ik; /* sorted keys for int, date, timestamp and bool columns */
    double *fk;  /* sorted keys for float columns */
    int nk;
    int has_null; /* the set holds a null: non-matching rows become null */
} keyset;

static int cmp_i64(const void *p, const void *q)
{
    int64_t a = *(const int64_t *)p, b = *(const int64_t *)q;
    return (a > b) - (a < b);
}

static int cmp_f64(const void *p, const void *q)
{
    double a = *(const double *)p, b = *(const double *)q;
    return (a > b) - (a < b);
}

static inline int has_i64(const int64_t *k, int n, int64_t x)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (k[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && k[lo] == x;
}

static inline int has_f64(const double *k, int n, double x)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (k[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && k[lo] == x;
}

/* Checks every set element against the column type `ct` and, unless
 * typeonly, collects the keys that can match. Strings are matched through
 * the dictionary instead (see isin_strings). */
static fl_status isin_keys(const fl_expr *e, const operand *x, int typeonly,
                           keyset *ks, fl_error *err)
{
    int ct = x->type;
    memset(ks, 0, sizeof *ks);
    if (!typeonly && ct != FL_STRING && e->nset > 0) {
        if (ct == FL_FLOAT)
            ks->fk = fl_malloc((size_t)e->nset * sizeof *ks->fk);
        else
            ks->ik = fl_malloc((size_t)e->nset * sizeof *ks->ik);
        if (!ks->fk && !ks->ik)
            return oom(err);
    }
    for (int k = 0; k < e->nset; k++) {
        const fl_value *v = &e->set[k];
        int64_t key = 0;
        double fkey = 0;
        int ok = 1, keep = 1;
        if (v->is_null) {
            ks->has_null = 1;
            continue;
        }
        switch (ct) {
        case FL_STRING:
            ok = v->type == FL_STRING;
            keep = 0;
            break;
        case FL_BOOL:
            ok = v->type == FL_BOOL;
            key = v->u.b != 0;
            break;
        case FL_INT:
            if (v->type == FL_INT) {
                key = v->u.i;
            } else if (v->type == FL_FLOAT) {
                /* only an integral float can equal an int */
                keep = v->u.f == floor(v->u.f) && v->u.f >= -0x1p63 &&
                       v->u.f < 0x1p63;
                key = keep ? (int64_t)v->u.f : 0;
            } else {
                ok = 0;
            }
            break;
        case FL_FLOAT:
            ok = is_numeric(v->type);
            fkey = v->type == FL_INT ? (double)v->u.i : v->u.f;
            break;
        case FL_DATE:
        case FL_TIMESTAMP: {
            int32_t days = 0;
            int64_t us = 0;
            int kind = FL_DT_NONE;
            if (v->type == FL_STRING) {
                kind = fl_parse_datetime(v->u.str.s, v->u.str.len, &days, &us);
                if (kind == FL_DT_NONE)
                    return not_a_date(e, x, v->u.str.s, v->u.str.len, err);
            } else if (v->type == FL_DATE) {
                kind = FL_DT_DATE;
                days = v->u.d;
                us = (int64_t)days * FL_US_PER_DAY;
            } else if (v->type == FL_TIMESTAMP) {
                kind = FL_DT_TIMESTAMP;
                us = v->u.i;
                days = fl_ts_to_days(us);
            } else {
                ok = 0;
            }
            if (ct == FL_TIMESTAMP) {
                key = us;
            } else { /* a date equals a timestamp only at its midnight */
                keep =
                    kind == FL_DT_DATE || (int64_t)days * FL_US_PER_DAY == us;
                key = days;
            }
            break;
        }
        default: /* T_NULL: every row is null anyway */
            keep = 0;
            break;
        }
        if (!ok)
            return fl_seterr(err, FL_EINVAL,
                             "cannot apply 'isin' to %s and %s (value %d)",
                             tname(ct), tname(v->type), k + 1);
        if (keep && ks->fk)
            ks->fk[ks->nk++] = fkey;
        else if (keep && ks->ik)
            ks->ik[ks->nk++] = key;
    }
    if (ks->ik)
        qsort(ks->ik, (size_t)ks->nk, sizeof *ks->ik, cmp_i64);
    if (ks->fk)
        qsort(ks->fk, (size_t)ks->nk, sizeof *ks->fk, cmp_f64);
    return FL_OK;
}

static fl_status isin_strings(const fl_expr *e, const fl_column *c,
                              fl_column *r, fl_error *err)
{
    fl_dict *d = c->dict;
    uint8_t *tbl = fl_calloc((size_t)d->count + 1, 1);
    if (!tbl)
        return oom(err);
    for (int k = 0; k < e->nset; k++) {
        const fl_value *v = &e->set[k];
        if (v->is_null)
            continue;
        int32_t code = fl_dict_find(d, v->u.str.s, v->u.str.len);
        if (code >= 0)
            tbl[code] = 1;
    }
    map_codes(c, tbl, r);
    fl_free(tbl);
    return FL_OK;
}

static fl_status eval_isin(const fl_expr *e, const fl_table *t, int depth,
                           int typeonly, operand *out, fl_error *err)
{
    operand a;
    keyset ks;
    int64_t n = t->nrows;
    fl_status st = eval_node(e->a, t, depth + 1, typeonly, &a, err);
    if (st != FL_OK)
        return st;
    out->type = FL_BOOL;
    if ((st = isin_keys(e, &a, typeonly, &ks, err)) != FL_OK || typeonly)
        goto done;
    if (is_null_scalar(&a)) {
        st = all_null(FL_BOOL, n, &out->col, err);
        goto done;
    }
    if ((st = broadcast(&a, (fl_type)a.type, n, err)) != FL_OK ||
        (st = new_result(FL_BOOL, n, NULL, &out->col, err)) != FL_OK)
        goto done;
    fl_column *c = a.col, *r = out->col;
    if ((st = init_validity(r, c, NULL, ks.has_null, err)) != FL_OK)
        goto done;
    uint8_t *o = r->data;
    switch (c->type) {
    case FL_STRING:
        st = isin_strings(e, c, r, err);
        break;
    case FL_FLOAT: {
        const double *x = c->data;
        for (int64_t i = 0; i < n; i++)
            o[i] = (uint8_t)has_f64(ks.fk, ks.nk, x[i]);
        break;
    }
    case FL_DATE: {
        const int32_t *x = c->data;
        for (int64_t i = 0; i < n; i++)
            o[i] = (uint8_t)has_i64(ks.ik, ks.nk, x[i]);
        break;
    }
    case FL_BOOL: {
        const uint8_t *x = c->data;
        for (int64_t i = 0; i < n; i++)
            o[i] = (uint8_t)has_i64(ks.ik, ks.nk, x[i] != 0);
        break;
    }
    default: { /* int, timestamp */
        const int64_t *x = c->data;
        for (int64_t i = 0; i < n; i++)
            o[i] = (uint8_t)has_i64(ks.ik, ks.nk, x[i]);
        break;
    }
    }
    if (ks.has_null) /* SQL: x in (..., null) is null unless x matched */
        for (int64_t i = 0; i < n; i++)
            if (!o[i])
                bit_clear(r->validity, i);
    finish_validity(r);
done:
    fl_free(ks.ik);
    fl_free(ks.fk);
    operand_clear(&a);
    return st;
}

/* ==== evaluation: dispatch ================================================
 */

static fl_status no_column(const char *name, const fl_table *t, fl_error *err)
{
    char list[320];
    return fl_seterr(err, FL_EINVAL, "no column '%s' (columns: %s)", name,
                     fl_table_names_text(t, list, sizeof list));
}

static fl_status eval_node_inner(const fl_expr *e, const fl_table *t, int depth,
                                 int typeonly, operand *out, fl_error *err)
{
    out->src = e;
    if (depth > MAX_DEPTH)
        return fl_seterr(err, FL_EINVAL,
                         "expression nested too deeply (more than %d levels)",
                         MAX_DEPTH);
    switch (e->op) {
    case FL_E_COL: {
        int i = fl_table_find(t, e->name);
        if (i < 0)
            return no_column(e->name, t, err);
        out->type = t->cols[i]->type;
        return typeonly ? FL_OK : fl_table_column(t, i, &out->col, err);
    }
    case FL_E_LIT:
        out->scalar = 1;
        out->v = e->lit;
        out->type = e->lit.is_null ? T_NULL : (int)e->lit.type;
        return FL_OK;
    case FL_E_ISIN:
        return eval_isin(e, t, depth, typeonly, out, err);
    default:
        break;
    }
    if (is_binary(e->op))
        return eval_binary(e, t, depth, typeonly, out, err);
    operand a;
    fl_status st = eval_node(e->a, t, depth + 1, typeonly, &a, err);
    if (st != FL_OK)
        return st;
    st = unary_apply(e, &a, t->nrows, typeonly, out, err);
    operand_clear(&a);
    return st;
}

/* Evaluates e (or only its type, with typeonly) into *out. On failure *out
 * holds nothing, so callers need no cleanup. */
static fl_status eval_node(const fl_expr *e, const fl_table *t, int depth,
                           int typeonly, operand *out, fl_error *err)
{
    memset(out, 0, sizeof *out);
    fl_status st = eval_node_inner(e, t, depth, typeonly, out, err);
    if (st != FL_OK)
        operand_clear(out);
    return st;
}

fl_status fl_expr_eval(const fl_expr *e, const fl_table *t, fl_column **out,
                       fl_error *err)
{
    operand r;
    fl_status st = eval_node(e, t, 0, 0, &r, err);
    if (st != FL_OK)
        return st;
    if (r.scalar) /* a literal: the literal's own type, also when null */
        return fl_column_constant(&e->lit, t->nrows, out, err);
    *out = r.col;
    return FL_OK;
}

fl_status fl_expr_type(const fl_expr *e, const fl_table *t, fl_type *type,
                       fl_error *err)
{
    operand r;
    fl_status st = eval_node(e, t, 0, 1, &r, err);
    if (st != FL_OK)
        return st;
    *type = r.type == T_NULL ? e->lit.type : (fl_type)r.type;
    return FL_OK;
}

/* A table sharing t's columns whose rows are the selected rows of t: sel
 * holds row ids into the columns (taken, also on failure). */
static fl_status share_with_sel(const fl_table *t, int32_t *sel, int64_t n,
                                fl_table **out, fl_error *err)
{
    for (int i = 0; i < t->ncols; i++)
        fl_column_ref(t->cols[i]);
    fl_table *r;
    fl_status st = fl_table_new(t->ncols, (const char *const *)t->names,
                                t->cols, n, &r, err);
    if (st != FL_OK) {
        fl_free(sel);
        return st;
    }
    r->sel = sel;
    *out = r;
    return FL_OK;
}

fl_status fl_expr_filter(const fl_expr *e, const fl_table *t, fl_table **out,
                         fl_error *err)
{
    fl_column *c;
    fl_status st = fl_expr_eval(e, t, &c, err);
    if (st != FL_OK)
        return st;
    int is_null_lit = e->op == FL_E_LIT && e->lit.is_null;
    if (c->type != FL_BOOL && !is_null_lit) {
        char *d = fl_expr_describe(e);
        st = fl_seterr(err, FL_EINVAL,
                       "where: the condition must be a bool, got %s (%s)",
                       fl_type_name(c->type), d ? d : "?");
        fl_free(d);
        fl_column_unref(c);
        return st;
    }
    int64_t n = t->nrows, kept = 0;
    const uint8_t *x = c->data, *v = c->validity;
    if (is_null_lit) {
        kept = 0;
    } else if (!v) {
        for (int64_t i = 0; i < n; i++)
            kept += x[i] != 0;
    } else {
        for (int64_t i = 0; i < n; i++)
            kept += x[i] && bit_get(v, i);
    }
    if (kept == n && !is_null_lit) { /* every row: the same table */
        fl_column_unref(c);
        fl_table_ref((fl_table *)t);
        *out = (fl_table *)t;
        return FL_OK;
    }
    int32_t *sel = fl_malloc((size_t)(kept ? kept : 1) * sizeof *sel);
    if (!sel) {
        fl_column_unref(c);
        return oom(err);
    }
    int64_t k = 0;
    if (!is_null_lit) {
        /* compose with t's own selection: ids point into the columns */
        for (int64_t i = 0; i < n; i++)
            if (x[i] && (!v || bit_get(v, i)))
                sel[k++] = (int32_t)fl_table_row(t, i);
    }
    fl_column_unref(c);
    return share_with_sel(t, sel, kept, out, err);
}
