/*
 * fl_csv.h -- loading a CSV file into a table (lua-api.md "Loading data").
 *
 * Layer: engine/, above fl_column and fl_time; parses with libcsv.
 *
 * The file is streamed in fixed-size chunks: peak memory is the columns plus
 * a bounded buffer. A file of 16 MiB or more is parsed in two halves on two
 * threads when that gives the same table (fl_csv.c, "two halves at once");
 * when fl_cache_configure() set a cache folder, fl_csv_read first looks for
 * the columnar cache of the unchanged file and saves one after parsing
 * (fl_cache.h). Header row required; delimiter detected among , ; TAB |
 * from the header line unless given; UTF-8 BOM skipped; CRLF or LF; quoted
 * fields may hold delimiters, doubled quotes and newlines; blank lines are
 * skipped; the last line may lack a newline.
 *
 * Types are inferred over the whole column (int -> float -> string; bool
 * from true/false in any case; date/timestamp from ISO 8601 texts, a column
 * mixing dates and timestamps is timestamp) or declared per column (bool
 * then also accepts yes/no and 1/0). A column with only nulls is string.
 * Strings are validated as UTF-8, normalized to NFC and interned per column.
 * Integers are exact over int64; a larger integer text makes the column float.
 *
 * Errors (FL_EPARSE / FL_EIO / FL_EINVAL) name the file and, where there is
 * one, the line (1-based, physical line of the file) and column (the header
 * name and its 1-based field number), e.g.
 *   "leads.csv:14: row has 5 fields, the header has 6"
 *   "leads.csv:3, column 'amount' (field 4): 'abc' is not a float"
 * On error nothing is returned and everything allocated is freed.
 */
#ifndef FL_CSV_H
#define FL_CSV_H

#include "fl_column.h"

typedef struct fl_csv_options {
    char delimiter;               /* 0 = detect */
    int ntypes;                   /* declared types: */
    const char *const *type_cols; /*   column names */
    const fl_type *types;         /*   and their types */
    int nnulls;                   /* texts read as null; nnulls == 0 and */
    const char *const *nulls;     /*   nulls == NULL: only the empty field */
    /* Called now and then with bytes read so far and the file size (may be
     * NULL). Runs on the loading thread. */
    void (*progress)(void *ud, uint64_t done, uint64_t total);
    void *progress_ud;
} fl_csv_options;

/* Loads path. display_name is used in messages (NULL: path). opts may be
 * NULL for the defaults. */
fl_status fl_csv_read(const char *path, const char *display_name,
                      const fl_csv_options *opts, fl_table **out,
                      fl_error *err);

/* This build of the loader (its compile date and time): part of the key of
 * the columnar cache, so that an entry written by another build, whose
 * inference may differ, is never used. */
const char *fl_csv_build_id(void);

/* Tests only: on (the default) lets the loader split lines that hold no
 * quote itself; off sends every line through libcsv. Both give the same
 * table or the same error; tests load inputs both ways to check that. Not
 * thread-safe: set it before loading. */
void fl_csv_set_fast_path(int on);

/* Same from a memory buffer (tests, fuzzing). */
fl_status fl_csv_read_buffer(const char *buf, size_t len, const char *name,
                             const fl_csv_options *opts, fl_table **out,
                             fl_error *err);

#endif
