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

#endif
