/*
 * fuzz_expr.c -- libFuzzer target: expression trees built from bytes and
 * evaluated over a small fixed table (every type, nulls, non-ASCII text).
 *
 * The bytes are a program for a stack machine of at most 16 expressions:
 *   b % 6 == 0  push a column (the next byte picks one; one name is unknown)
 *   b % 6 == 1  push a literal (the next bytes pick its type and value,
 *               among edge cases: INT64_MIN, NaN, -0.0, empty and
 *               non-ASCII strings, date texts, nulls)
 *   b % 6 == 2  unary operator on the top
 *   b % 6 == 3  bucket (day .. year) of the top
 *   b % 6 == 4  binary operator on the two top entries
 *   b % 6 == 5  isin(top, up to 3 literals)
 * Then the top is typed, described, evaluated and, when bool, used as a
 * filter. Errors are fine; crashes, sanitizer reports and leaks (the
 * engine's byte count must come back to where it was) are not.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_csv.h"
#include "fl_expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char TABLE[] =
    "i,f,s,d,ts,b\n"
    "1,1.5,Ωmega,2026-01-31,2026-01-31T10:00:00Z,true\n"
    ",-0.0,,2024-02-29,,false\n"
    "-9223372036854775808,1e308,abc,1970-01-01,1970-01-01T00:00:00Z,\n"
    "9223372036854775807,,ABC,,2026-12-31T23:59:59Z,true\n"
    "0,0,Straße,2000-03-01,1999-12-31T23:59:59Z,false\n";

typedef struct {
    const uint8_t *p, *end;
} reader;

static uint8_t next(reader *r)
{
    return r->p < r->end ? *r->p++ : 0;
}

static fl_value literal(reader *r)
{
    static const int64_t ints[] = {0, 1, -1, 2, 7, INT64_MAX, INT64_MIN, 100};
    static const char *const strs[] = {
        "",  "abc", "Ωmega", "2026-01-31", "2026-01-31T10:00:00Z",
        "b", "ß",   "\xff",  "2026-13-45"};
    uint8_t k = next(r), v = next(r);
    fl_value x;
    memset(&x, 0, sizeof x);
    switch (k % 7) {
    case 0:
        x.type = FL_INT;
        x.u.i = ints[v % 8];
        break;
    case 1: {
        const double fs[] = {0.0, -0.0, 1.5, -2.0, NAN, INFINITY, 1e308, 3};
        x.type = FL_FLOAT;
        x.u.f = fs[v % 8];
        break;
    }
    case 2:
        x.type = FL_BOOL;
        x.u.b = v & 1;
        break;
    case 3:
        x.type = FL_DATE;
        x.u.d = (int32_t)(v * 997) - 20000;
        break;
    case 4:
        x.type = FL_TIMESTAMP;
        x.u.i = ((int64_t)v - 128) * 86400000000LL * 37;
        break;
    case 5:
        x.type = FL_STRING;
        x.u.str.s = strs[v % 9];
        x.u.str.len = strlen(x.u.str.s);
        break;
    default:
        x.type = (fl_type)(v % FL_NTYPES);
        x.is_null = 1;
        break;
    }
    return x;
}

static void run(const fl_table *t, reader *r)
{
    static const char *const cols[] = {"i", "f", "s", "d", "ts", "b", "zz"};
    static const fl_expr_op unary[] = {FL_E_NEG, FL_E_NOT, FL_E_IS_NULL,
                                       FL_E_NOT_NULL, FL_E_LOWER};
    enum { MAXN = 16 };
    fl_expr *stack[MAXN];
    int n = 0;
    while (r->p < r->end) {
        uint8_t b = next(r);
        fl_expr *e = NULL;
        int pop = 0;
        switch (b % 6) {
        case 0:
            e = fl_expr_col(cols[next(r) % 7]);
            break;
        case 1: {
            fl_value v = literal(r);
            e = fl_expr_lit(&v);
            break;
        }
        case 2:
            if (n >= 1)
                e = fl_expr_unary(unary[next(r) % 5], stack[n - 1]), pop = 1;
            break;
        case 3:
            if (n >= 1)
                e = fl_expr_bucket((fl_bucket)(next(r) % 5), stack[n - 1]),
                pop = 1;
            break;
        case 4:
            if (n >= 2) {
                fl_expr_op op =
                    (fl_expr_op)(FL_E_ADD +
                                 next(r) % (FL_E_STARTS_WITH - FL_E_ADD + 1));
                e = fl_expr_binary(op, stack[n - 2], stack[n - 1]);
                pop = 2;
            }
            break;
        default:
            if (n >= 1) {
                fl_value set[3];
                int k = next(r) % 4;
                for (int i = 0; i < k; i++)
                    set[i] = literal(r);
                e = fl_expr_isin(stack[n - 1], set, k);
                pop = 1;
            }
            break;
        }
        if (!e)
            continue;
        for (; pop > 0; pop--)
            fl_expr_unref(stack[--n]);
        if (n == MAXN)
            fl_expr_unref(stack[--n]);
        stack[n++] = e;
    }
    if (n == 0)
        return;
    const fl_expr *top = stack[n - 1];
    fl_error err;
    fl_type type;
    fl_status st = fl_expr_type(top, t, &type, &err);
    char *text = fl_expr_describe(top);
    fl_free(text);
    fl_column *c = NULL;
    if (fl_expr_eval(top, t, &c, &err) == FL_OK) {
        if (c->length != t->nrows)
            abort();
        if (st == FL_OK && c->type != type)
            abort(); /* the type without evaluating is the type evaluated */
        fl_column_unref(c);
    }
    if (st == FL_OK && type == FL_BOOL) {
        fl_table *f = NULL;
        if (fl_expr_filter(top, t, &f, &err) == FL_OK)
            fl_table_unref(f);
    }
    while (n > 0)
        fl_expr_unref(stack[--n]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t before = fl_alloc_bytes();
    fl_table *t = NULL;
    fl_error err;
    if (fl_csv_read_buffer(TABLE, sizeof TABLE - 1, "fixed.csv", NULL, &t,
                           &err) != FL_OK) {
        fprintf(stderr, "fixed table: %s\n", err.msg);
        abort();
    }
    reader r = {data, data + size};
    run(t, &r);
    fl_table_unref(t);
    if (fl_alloc_bytes() != before) {
        fprintf(stderr, "leak: %zu engine bytes not freed\n",
                fl_alloc_bytes() - before);
        abort();
    }
    return 0;
}
