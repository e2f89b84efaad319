/*
 * test_util.h -- small helpers shared by the Criterion tests of the engine.
 * Each test file includes it; helpers are static inline so that every file
 * stays self-contained.
 */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "fl_column.h"

/* Builds an int column from values; nulls where isnull[i] (may be NULL). */
static inline fl_column *tu_int_col(const int64_t *v, const int *isnull, int n)
{
    fl_column *c = fl_column_new(FL_INT, n, NULL);
    cr_assert(c);
    for (int i = 0; i < n; i++) {
        if (isnull && isnull[i])
            cr_assert_eq(fl_column_append_null(c, NULL), FL_OK);
        else
            cr_assert_eq(fl_column_append_int(c, v[i], NULL), FL_OK);
    }
    return c;
}

static inline fl_column *tu_float_col(const double *v, const int *isnull, int n)
{
    fl_column *c = fl_column_new(FL_FLOAT, n, NULL);
    cr_assert(c);
    for (int i = 0; i < n; i++) {
        if (isnull && isnull[i])
            cr_assert_eq(fl_column_append_null(c, NULL), FL_OK);
        else
            cr_assert_eq(fl_column_append_float(c, v[i], NULL), FL_OK);
    }
    return c;
}

/* Strings; a NULL entry is a null. */
static inline fl_column *tu_str_col(const char *const *v, int n)
{
    fl_column *c = fl_column_new(FL_STRING, n, NULL);
    cr_assert(c);
    for (int i = 0; i < n; i++) {
        if (!v[i])
            cr_assert_eq(fl_column_append_null(c, NULL), FL_OK);
        else
            cr_assert_eq(fl_column_append_str(c, v[i], strlen(v[i]), NULL),
                         FL_OK);
    }
    return c;
}

/* String value of row i of a string column, or NULL for null. */
static inline const char *tu_str_at(const fl_column *c, int64_t i)
{
    if (!fl_column_valid(c, i))
        return NULL;
    return fl_dict_str(c->dict, FL_I32(c)[i]);
}

/* a and b hold the same names, types, nulls, values, and strings in the
 * same dictionary order (cell by cell; the messages name column and row). */
static inline void tu_same_tables(const fl_table *a, const fl_table *b)
{
    cr_assert_eq(a->ncols, b->ncols);
    cr_assert_eq(a->nrows, b->nrows);
    for (int j = 0; j < a->ncols; j++) {
        const fl_column *x = a->cols[j], *y = b->cols[j];
        cr_assert_str_eq(a->names[j], b->names[j]);
        cr_assert_eq(x->type, y->type, "column %s: %s vs %s", a->names[j],
                     fl_type_name(x->type), fl_type_name(y->type));
        cr_assert_eq(x->null_count, y->null_count, "column %s", a->names[j]);
        size_t w = fl_type_width(x->type);
        for (int64_t i = 0; i < a->nrows; i++) {
            int v = fl_column_valid(x, i);
            cr_assert_eq(v, fl_column_valid(y, i), "%s row %lld", a->names[j],
                         (long long)i);
            if (v)
                cr_assert(memcmp((char *)x->data + i * w,
                                 (char *)y->data + i * w, w) == 0,
                          "%s row %lld", a->names[j], (long long)i);
        }
        if (x->type == FL_STRING) { /* same strings in the same code order */
            cr_assert_eq(x->dict->count, y->dict->count);
            for (int32_t k = 0; k < x->dict->count; k++)
                cr_assert_str_eq(fl_dict_str(x->dict, k),
                                 fl_dict_str(y->dict, k));
        }
    }
}

#endif
