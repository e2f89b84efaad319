/* Tests of the two-halves load of fl_csv.c (files of 16 MiB or more are
 * split near the middle and parsed on two threads): the table must be the
 * one the single-threaded parse gives. fl_csv_read_buffer always parses on
 * one thread, so each test builds a CSV text, loads it from a file and from
 * the buffer, and compares every cell, dictionary code and type. The texts
 * are built so that the interesting part sits across the middle. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fl_csv.h"
#include "test_util.h"

#define MIN_FILE ((size_t)17 << 20) /* above the 16 MiB threshold */

/* A growing text. */
typedef struct text {
    char *p;
    size_t len, cap;
} text;

static void add(text *t, const char *s)
{
    size_t n = strlen(s);
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->p = realloc(t->p, t->cap);
        cr_assert_not_null(t->p);
    }
    memcpy(t->p + t->len, s, n + 1);
    t->len += n;
}

static char path[64];

static void write_text(const text *t)
{
    strcpy(path, "/tmp/fl_csv_par_XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, t->p, t->len), (ssize_t)t->len);
    close(fd);
}

/* Loads t from a file and from memory; both must succeed and agree.
 * Returns the file's table for further checks. */
static fl_table *both_agree(const text *t)
{
    cr_assert_geq(t->len, MIN_FILE);
    write_text(t);
    fl_table *f = NULL, *m = NULL;
    fl_error err;
    cr_assert_eq(fl_csv_read(path, "t.csv", NULL, &f, &err), FL_OK, "%s",
                 err.msg);
    unlink(path);
    cr_assert_eq(fl_csv_read_buffer(t->p, t->len, "t.csv", NULL, &m, &err),
                 FL_OK, "%s", err.msg);
    tu_same_tables(f, m);
    fl_table_unref(m);
    return f;
}

/* Every data row is ROW_LEN bytes (fields, then a filler field of 'z's
 * up to the length, then the line end), so where the file is split is
 * known in advance: the loader splits after the first line end past the
 * middle of the file. */
#define ROW_LEN 256

/* Builds header + rows 0..n-1 (+ `extra`, inserted before row at_row),
 * n such that the file has at least MIN_FILE bytes. row(b, i, second)
 * writes row i's fields with a trailing comma into b; second is 1 for the
 * rows of the second half (those after the split). */
static void build(text *t, const char *header,
                  void (*row)(char *, size_t, long, int), const char *extra,
                  long at_row)
{
    size_t h = strlen(header), x = extra ? strlen(extra) : 0;
    long n = (long)((MIN_FILE - h - x) / ROW_LEN) + 1;
    size_t total = h + x + (size_t)n * ROW_LEN, mid = total / 2;
    add(t, header);
    for (long i = 0; i < n; i++) {
        if (extra && i == at_row)
            add(t, extra);
        /* row i ends at h (+ x) + (i + 1) * ROW_LEN: in the second half
         * when it starts at or after the split */
        size_t row_start = t->len;
        int second = row_start > mid;
        char b[ROW_LEN + 1];
        row(b, sizeof b, i, second);
        size_t k = strlen(b);
        cr_assert_lt(k, (size_t)ROW_LEN - 1);
        memset(b + k, 'z', ROW_LEN - 1 - k);
        b[ROW_LEN - 1] = '\n';
        b[ROW_LEN] = 0;
        add(t, b);
    }
    cr_assert_eq(t->len, total);
}

/* Types that differ between the halves the way the serial parse joins
 * them: ints then floats, dates then timestamps, only nulls then strings,
 * strings whose second half has new values and old ones in another order.
 * Each change comes a little after the split, so that the second half
 * first sees the first half's kind of text, then the other. */
static long first_second = -1; /* first row of the second half */

static void row_types(char *b, size_t cap, long i, int second)
{
    if (second && first_second < 0)
        first_second = i;
    int late = second && i > first_second + 10;
    if (!late)
        snprintf(b, cap, "%ld,%ld,2026-07-%02ld,,s%ld,", i, i % 7, i % 28 + 1,
                 i % 3);
    else
        snprintf(b, cap, "%ld,%ld.5,2026-07-%02ldT10:00:00Z,n%ld,s%ld,", i,
                 i % 7, i % 28 + 1, i % 5, 4 - i % 5);
}

Test(csv_parallel, types_join_as_in_one_pass, .timeout = 60)
{
    text t = {0};
    first_second = -1;
    build(&t, "id,x,d,late,s,fill\n", row_types, NULL, -1);
    fl_table *f = both_agree(&t);
    /* and the joined types are the demoted ones */
    cr_assert_eq(f->cols[1]->type, FL_FLOAT);
    cr_assert_eq(f->cols[2]->type, FL_TIMESTAMP);
    cr_assert_eq(f->cols[3]->type, FL_STRING);
    cr_assert_eq(f->cols[4]->dict->count, 5); /* s0..s4 */
    fl_table_unref(f);
    free(t.p);
}

/* A quoted field of 64 KiB with line ends, commas and doubled quotes
 * across the middle of the file: the split falls inside quotes, which the
 * first half's parse detects (it ends inside a quoted field). */
static void row_plain(char *b, size_t cap, long i, int second)
{
    (void)second;
    snprintf(b, cap, "%ld,\"a, b\",", i);
}

Test(csv_parallel, quoted_line_ends_across_the_middle, .timeout = 60)
{
    text mid = {0};
    add(&mid, "-1,\"start\n");
    while (mid.len < 65536)
        add(&mid, "line \"\"quoted\"\", with, commas\n");
    add(&mid, "end\",x\n");
    /* rows before the field: it starts 32 KiB before the middle */
    size_t h = strlen("id,note,fill\n");
    long n = (long)((MIN_FILE - h - mid.len) / ROW_LEN) + 1;
    size_t total = h + mid.len + (size_t)n * ROW_LEN;
    long at = (long)((total / 2 - 32768 - h) / ROW_LEN);
    text t = {0};
    build(&t, "id,note,fill\n", row_plain, mid.p, at);
    fl_table *f = both_agree(&t);
    cr_assert_eq(FL_I64(f->cols[0])[at], -1);
    const char *note = tu_str_at(f->cols[1], at);
    cr_assert(strncmp(note, "start\nline \"quoted\", with, commas\n", 34) == 0);
    fl_table_unref(f);
    free(t.p);
    free(mid.p);
}

/* Loaded again on one thread: a second-half column that turns from int to
 * string (the serial parse's second pass), and a column of floats in the
 * first half and only ints in the second. */
static void row_reread(char *b, size_t cap, long i, int second)
{
    snprintf(b, cap, "%ld,%s%ld,%ld%s,", i, second && i % 1000 == 7 ? "x" : "",
             i % 9, i % 4, second ? "" : ".25");
}

Test(csv_parallel, second_pass_and_float_then_int, .timeout = 60)
{
    text t = {0};
    build(&t, "id,code,amount,fill\n", row_reread, NULL, -1);
    fl_table *f = both_agree(&t);
    cr_assert_eq(f->cols[1]->type, FL_STRING);
    cr_assert_eq(f->cols[2]->type, FL_FLOAT);
    fl_table_unref(f);
    free(t.p);
}

/* An error in the second half: the same message as the serial parse, with
 * the line counted from the file's start. */
static void row_ok(char *b, size_t cap, long i, int second)
{
    (void)second;
    snprintf(b, cap, "%ld,%ld,", i, i % 3);
}

Test(csv_parallel, error_in_second_half_names_the_line, .timeout = 60)
{
    text t = {0};
    build(&t, "id,k,fill\n", row_ok, NULL, -1);
    /* a row three quarters in loses a comma: 2 fields */
    long r = (long)((t.len * 3 / 4) / ROW_LEN);
    char *p = t.p + strlen("id,k,fill\n") + (size_t)r * ROW_LEN;
    *strchr(strchr(p, ',') + 1, ',') = ';';
    long line = r + 2; /* the header is line 1, row 0 line 2 */
    write_text(&t);
    fl_table *f = NULL;
    fl_error e1, e2;
    cr_assert_eq(fl_csv_read(path, "t.csv", NULL, &f, &e1), FL_EPARSE);
    unlink(path);
    cr_assert_eq(fl_csv_read_buffer(t.p, t.len, "t.csv", NULL, &f, &e2),
                 FL_EPARSE);
    char want[128];
    snprintf(want, sizeof want, "t.csv:%ld: row has 2 fields, the header has 3",
             line);
    cr_assert_str_eq(e2.msg, want);
    cr_assert_str_eq(e1.msg, e2.msg);
    free(t.p);
}
