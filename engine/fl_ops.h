/*
 * fl_ops.h -- table operations that are not expressions or aggregates:
 * column selection and renaming, computed columns, sort, join, distinct,
 * head, CSV writing.
 *
 * Layer: engine/, above fl_expr and fl_agg.
 */
#ifndef FL_OPS_H
#define FL_OPS_H

#include "fl_agg.h"
#include <stdio.h>

/* Only the named columns, in that order (FL_EINVAL on an unknown name). */
fl_status fl_table_select(const fl_table *t, const char *const *names, int n,
                          fl_table **out, fl_error *err);
/* Renames old[i] to new_[i]; unknown old names and resulting duplicates are
 * FL_EINVAL. */
fl_status fl_table_rename(const fl_table *t, const char *const *old,
                          const char *const *new_, int n, fl_table **out,
                          fl_error *err);
/* t plus the computed columns (a column with the same name is replaced in
 * place). Materializes the selection. */
fl_status fl_table_with(const fl_table *t, const char *const *names,
                        fl_expr *const *exprs, int n, fl_table **out,
                        fl_error *err);
/* First n rows (all when n >= nrows; none when n <= 0). */
fl_status fl_table_head(const fl_table *t, int64_t n, fl_table **out,
                        fl_error *err);

/* Stable sort by keys; desc[i] non-zero for descending. Nulls last in both
 * directions. Strings by code point, bools false first. */
fl_status fl_table_sort(const fl_table *t, const char *const *cols,
                        const int *desc, int n, fl_table **out, fl_error *err);

/* Distinct combinations of the named columns, sorted ascending (nulls last). */
fl_status fl_table_distinct(const fl_table *t, const char *const *cols, int n,
                            fl_table **out, fl_error *err);

typedef enum { FL_JOIN_INNER, FL_JOIN_LEFT } fl_join_how;

/* Equi-join on left.lkey = right.rkey (both columns of comparable types:
 * string with string by text, int with int, int with float by value, date
 * with date). Null keys match nothing. Output: all left columns, then the
 * right columns except rkey when rkey == lkey by name; a right column whose
 * name clashes with a left one gets `suffix` appended. Row order: left rows
 * in order, each followed by its matches in right order; unmatched left rows
 * (left join) have nulls on the right. */
fl_status fl_table_join(const fl_table *left, const fl_table *right,
                        const char *lkey, const char *rkey, fl_join_how how,
                        const char *suffix, fl_table **out, fl_error *err);

/* Writes RFC 4180 CSV (header first, nulls as empty fields, quotes where
 * needed, LF line ends) to f. */
fl_status fl_table_write_csv(const fl_table *t, FILE *f, fl_error *err);

#endif
