/*
 * fuzz_csv.c -- libFuzzer target: the CSV loader (fl_csv_read_buffer) on
 * arbitrary bytes. The first byte picks the load options (delimiter, a
 * declared type, extra null texts); the rest is the file. Any table, or any
 * error with a message, is fine. A failure is: a crash, a sanitizer report,
 * a leak (the engine's own byte count must come back to where it was), or
 * a difference between the loader's fast path and libcsv (every input is
 * loaded both ways, see fl_csv_set_fast_path).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 when a and b hold the same names, types, nulls, values and strings. */
static int same_tables(const fl_table *a, const fl_table *b)
{
    if (a->ncols != b->ncols || a->nrows != b->nrows)
        return 0;
    for (int j = 0; j < a->ncols; j++) {
        const fl_column *x = a->cols[j], *y = b->cols[j];
        if (strcmp(a->names[j], b->names[j]) != 0 || x->type != y->type)
            return 0;
        size_t w = fl_type_width(x->type);
        for (int64_t i = 0; i < a->nrows; i++) {
            int v = fl_column_valid(x, i);
            if (v != fl_column_valid(y, i) ||
                (v && memcmp((char *)x->data + i * w, (char *)y->data + i * w,
                             w) != 0))
                return 0;
        }
        if (x->type == FL_STRING) {
            if (x->dict->count != y->dict->count)
                return 0;
            for (int32_t k = 0; k < x->dict->count; k++)
                if (strcmp(fl_dict_str(x->dict, k), fl_dict_str(y->dict, k)))
                    return 0;
        }
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t pick = data[0];
    static const char delims[4] = {0, ',', ';', '\t'};
    static const char *const type_cols[] = {"a"};
    static const char *const nulls[] = {"NA", "null", "-"};
    fl_type types[1] = {(fl_type)((pick >> 2) % FL_NTYPES)};
    fl_csv_options o;
    memset(&o, 0, sizeof o);
    o.delimiter = delims[pick & 3];
    if (pick & 0x40) { /* declare column "a" with a type */
        o.ntypes = 1;
        o.type_cols = type_cols;
        o.types = types;
    }
    if (pick & 0x80) {
        o.nnulls = 3;
        o.nulls = nulls;
    }
    size_t before = fl_alloc_bytes();
    fl_table *t = NULL;
    fl_error err;
    err.msg[0] = 0;
    fl_status st = fl_csv_read_buffer((const char *)data + 1, size - 1,
                                      "fuzz.csv", &o, &t, &err);
    /* the same input with every line through libcsv (no fast path) must
     * give the same outcome */
    fl_table *slow = NULL;
    fl_error slow_err;
    slow_err.msg[0] = 0;
    fl_csv_set_fast_path(0);
    fl_status slow_st = fl_csv_read_buffer((const char *)data + 1, size - 1,
                                           "fuzz.csv", &o, &slow, &slow_err);
    fl_csv_set_fast_path(1);
    if (slow_st != st || (st != FL_OK && strcmp(err.msg, slow_err.msg) != 0)) {
        fprintf(stderr, "fast path: %d '%s', libcsv: %d '%s'\n", st, err.msg,
                slow_st, slow_err.msg);
        abort();
    }
    if (st == FL_OK) {
        if (!t)
            abort(); /* success must give a table */
        for (int i = 0; i < t->ncols; i++)
            if (t->cols[i]->length != t->nrows)
                abort(); /* every column as long as the table */
        if (!same_tables(t, slow))
            abort();
        fl_table_unref(t);
        fl_table_unref(slow);
    } else if (t != NULL || err.msg[0] == 0) {
        abort(); /* an error gives no table and says why */
    }
    if (fl_alloc_bytes() != before) {
        fprintf(stderr, "leak: %zu engine bytes not freed\n",
                fl_alloc_bytes() - before);
        abort();
    }
    return 0;
}
