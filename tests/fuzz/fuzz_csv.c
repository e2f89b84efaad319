/*
 * fuzz_csv.c -- libFuzzer target: the CSV loader (fl_csv_read_buffer) on
 * arbitrary bytes. The first byte picks the load options (delimiter, a
 * declared type, extra null texts); the rest is the file. Any outcome but a
 * crash, a sanitizer report or a leak is fine: a table, or an error with a
 * message. Leaks are checked with the engine's own byte count, which must
 * come back to where it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
    if (st == FL_OK) {
        if (!t)
            abort(); /* success must give a table */
        for (int i = 0; i < t->ncols; i++)
            if (t->cols[i]->length != t->nrows)
                abort(); /* every column as long as the table */
        fl_table_unref(t);
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
