/* Tests of the loader's fast path (fl_csv.c, "the fast path"): lines that
 * hold no quote are split by the loader itself instead of libcsv. The
 * reference is libcsv: every input here is loaded with the fast path off
 * (every line through libcsv) and on, and both loads must give the same
 * table, or the same error with the same message. The inputs are the cases
 * where splitting could differ (spaces and tabs around fields, blank and
 * space-only lines, CRLF and a lone CR, rows too long or short, quoted
 * fields with line ends next to plain lines, a last line without LF) and a
 * few thousand random texts over the bytes that matter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_csv.h"
#include "test_util.h"

typedef struct load_result {
    fl_status st;
    fl_table *t;
    char msg[sizeof(((fl_error *)0)->msg)];
} load_result;

static load_result load(const char *s, size_t n, const fl_csv_options *o,
                        int fast)
{
    load_result r;
    fl_error err;
    err.msg[0] = 0;
    r.t = NULL;
    fl_csv_set_fast_path(fast);
    r.st = fl_csv_read_buffer(s, n, "t.csv", o, &r.t, &err);
    fl_csv_set_fast_path(1);
    memcpy(r.msg, err.msg, sizeof r.msg);
    return r;
}

/* Loads s both ways; they must agree. Returns 1 when the load succeeded. */
static int agree(const char *s, size_t n, const fl_csv_options *o)
{
    load_result slow = load(s, n, o, 0), fast = load(s, n, o, 1);
    int shown = n < 200 ? (int)n : 200; /* the start of a long input */
    cr_assert_eq(slow.st, fast.st,
                 "input of %zu bytes [%.*s]: status %d (libcsv) vs %d: %s", n,
                 shown, s, slow.st, fast.st, fast.msg);
    int ok = slow.st == FL_OK;
    if (ok)
        tu_same_tables(slow.t, fast.t);
    else
        cr_assert_str_eq(slow.msg, fast.msg, "input of %zu bytes [%.*s]", n,
                         shown, s);
    fl_table_unref(slow.t);
    fl_table_unref(fast.t);
    return ok;
}

static int agree_str(const char *s, const fl_csv_options *o)
{
    return agree(s, strlen(s), o);
}

Test(csv_fast, cases_agree_with_libcsv)
{
    static const char *const ok[] = {
        "a,b\n1,2\n",
        "a,b\r\n1,2\r\nx,y\r\n",
        "a,b\n 1 , 2 \n\t x\t,y \n",
        "a,b\n\n  \n\t\n1,2\n\r\n \r\n3,4\n",
        "a,b\n1,\"x\ny\"\n3,4\n5,6\n",
        "a,b\n\"1\",2\n3,\"4\"\n5,6\n",
        "a,b\n1,2\r3,4\n5,6\n",
        "a,b\n1,2\n3,4",
        "a,b\nx,\n,y\n,\n",
        "a\n1\n\n2\n 3 \n",
        "id,name,amount\n1, Acme Corp ,12.50\n2,Bücher GmbH,7\n3,,\n",
        "a,b\n007,1e400\n8,-0\n",
        "a,b\n1,0.10000000000000000555111512312578270211815834045410156250000"
        "000001\n",
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        cr_assert(agree_str(ok[i], NULL), "case %zu: [%s]", i, ok[i]);

    static const char *const bad[] = {
        "a,b\n1,2,3\n",         "a,b\n1\n",
        "a,b\n1,2\nx\xff,3\n",  "a,b\n1,2\n3,x\"y\n",
        "a,b\n1,2\n3,\"open\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert(!agree_str(bad[i], NULL), "case %zu: [%s]", i, bad[i]);
}

Test(csv_fast, other_delimiters_and_options)
{
    fl_csv_options o;
    memset(&o, 0, sizeof o);
    o.delimiter = '\t';
    cr_assert(agree_str("a\tb\n 1\t 2\n\t\n x \ty\n", &o));
    o.delimiter = ';';
    cr_assert(agree_str("a;b\n1,5;2\n ; \n", &o));
    o.delimiter = ' ';                /* a space delimiter is not trimmed */
    agree_str("a b\n1 2\n3  \n", &o); /* loads or not: the same both ways */

    /* a declared type's error names the same line and column both ways */
    static const char *const cols[] = {"b"};
    fl_type types[] = {FL_INT};
    memset(&o, 0, sizeof o);
    o.ntypes = 1;
    o.type_cols = cols;
    o.types = types;
    cr_assert(!agree_str("a,b\n1,2\n3,4\n5, x \n", &o));
    load_result r = load("a,b\n1,2\n3,4\n5, x \n", 18, &o, 1);
    cr_assert_eq(r.st, FL_EPARSE);
    cr_assert(strstr(r.msg, "t.csv:4") && strstr(r.msg, "'x'"), "%s", r.msg);

    static const char *const nulls[] = {"NA", "-"};
    memset(&o, 0, sizeof o);
    o.nnulls = 2;
    o.nulls = nulls;
    cr_assert(agree_str("a,b\nNA,1\n - ,2\n,3\n", &o));
}

/* A long float text goes to strtod, which needs a NUL-terminated copy: the
 * fast path's fields are slices of the input. */
Test(csv_fast, long_float_texts_are_read_whole)
{
    const char *s = "a,b\n1.00000000000000000000000000000000000000000000000"
                    "00000000000000000000000001e1,7\n";
    load_result r = load(s, strlen(s), NULL, 1);
    cr_assert_eq(r.st, FL_OK, "%s", r.msg);
    cr_assert_eq(r.t->cols[0]->type, FL_FLOAT);
    cr_assert_eq(FL_F64(r.t->cols[0])[0], 10.0);
    cr_assert_eq(FL_I64(r.t->cols[1])[0], 7);
    fl_table_unref(r.t);
}

/* Random texts over the bytes the splitting depends on, after a header. */
Test(csv_fast, random_texts_agree_with_libcsv)
{
    static const char alphabet[] = "ab12.-xe ,,,;\t\r\n\n\n\"";
    static const char *const headers[] = {"a,b,c\n", "a;b\n", "a\tb\tc\n",
                                          "a\n", ""};
    uint64_t seed = 0x9E3779B97F4A7C15u;
    int loaded = 0, multi_row = 0;
    char buf[256];
    for (int i = 0; i < 4000; i++) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        const char *h = headers[(seed >> 33) % 5];
        size_t n = strlen(h);
        memcpy(buf, h, n);
        size_t len = n + (seed >> 40) % 120;
        for (size_t k = n; k < len; k++) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            uint32_t x = (uint32_t)(seed >> 32);
            /* mostly plain bytes, so that many texts parse */
            buf[k] =
                x % 8 ? "ab12x"[x % 5] : alphabet[x % (sizeof alphabet - 1)];
        }
        if (agree(buf, len, NULL)) {
            loaded++;
            load_result r = load(buf, len, NULL, 1);
            multi_row += r.st == FL_OK && r.t->nrows > 1;
            fl_table_unref(r.t);
        }
    }
    /* the comparison means something only if many texts parse */
    cr_assert_gt(loaded, 400, "only %d of 4000 texts loaded", loaded);
    cr_assert_gt(multi_row, 100, "only %d texts had several rows", multi_row);
}

/* Random files of rows: fields from a list of tricky texts, mostly the
 * header's width, line ends of every kind, now and then a blank line. */
Test(csv_fast, random_rows_agree_with_libcsv)
{
    static const char *const fields[] = {"",
                                         " ",
                                         "1",
                                         " 2 ",
                                         "x",
                                         "a b",
                                         "\t1.5",
                                         "-3",
                                         "007",
                                         "1e5",
                                         "true",
                                         "2026-01-02",
                                         "\"q,\"",
                                         "\"l\nm\"",
                                         "\"\"",
                                         " \"s\" ",
                                         "\u00e9t\u00e9",
                                         "NA"};
    static const char *const ends[] = {"\n", "\n", "\n", "\r\n", "\r"};
    static char buf[1 << 14];
    uint64_t seed = 12345;
#define NEXT()                                                                 \
    (seed = seed * 6364136223846793005u + 1442695040888963407u,                \
     (uint32_t)(seed >> 32))
    int loaded = 0, declared_failed = 0;
    for (int i = 0; i < 3000; i++) {
        int ncols = 1 + NEXT() % 4, nrows = NEXT() % 80;
        size_t len = 0;
        for (int j = 0; j < ncols; j++)
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%sc%d",
                                    j ? "," : "", j);
        len += (size_t)snprintf(buf + len, sizeof buf - len, "\n");
        for (int r = 0; r < nrows; r++) {
            int nf = NEXT() % 40 ? ncols : ncols + (int)(NEXT() % 3) - 1;
            if (NEXT() % 10 == 0)
                nf = 0; /* a blank line */
            for (int j = 0; j < nf; j++)
                len += (size_t)snprintf(
                    buf + len, sizeof buf - len, "%s%s", j ? "," : "",
                    NEXT() % 3
                        ? fields[NEXT() % 9]
                        : fields[NEXT() % (sizeof fields / sizeof *fields)]);
            if (r + 1 < nrows || NEXT() % 2)
                len += (size_t)snprintf(buf + len, sizeof buf - len, "%s",
                                        ends[NEXT() % 5]);
        }
        loaded += agree(buf, len, NULL);
        /* declared types: errors in several columns of one batch must
         * report the first in the file, as row by row */
        static const char *const cols[] = {"c0", "c1"};
        fl_type types[] = {FL_INT, FL_FLOAT};
        fl_csv_options o;
        memset(&o, 0, sizeof o);
        o.ntypes = ncols >= 2 ? 2 : 1;
        o.type_cols = cols;
        o.types = types;
        declared_failed += !agree(buf, len, &o);
    }
#undef NEXT
    cr_assert_gt(loaded, 1000, "only %d of 3000 files loaded", loaded);
    cr_assert_gt(declared_failed, 500, "only %d declared loads failed",
                 declared_failed);
}

/* The loader reads 1 MiB at a time: here the fast path meets whatever state
 * libcsv leaves at a chunk's end (a lone CR, half a CRLF, an open quote, a
 * blank line). Each sequence is placed across the boundary at several
 * offsets, after filler rows, with column a declared int (so that errors
 * name lines) and inferred. */
Test(csv_fast, chunk_boundaries_agree_with_libcsv)
{
    static const char *const seqs[] = {
        "1,2\rx,4\n5,6\n", "1,2\r\nx,4\n", "1,\"a\nb\"\nx,4\n",
        "\n\n  \nx,4\n",   "1,2,3\n5,6\n", " 1 , 2 \r\n x ,y\n",
    };
    const size_t chunk = (size_t)1 << 20;
    char *buf = malloc(chunk + 4096);
    cr_assert_not_null(buf);
    static const char *const cols[] = {"a"};
    fl_type types[] = {FL_INT};
    fl_csv_options o;
    memset(&o, 0, sizeof o);
    o.ntypes = 1;
    o.type_cols = cols;
    o.types = types;
    int failed = 0, loaded = 0;
    for (size_t q = 0; q < sizeof seqs / sizeof *seqs; q++) {
        for (int d = -6; d <= 6; d++) {
            size_t target = chunk - 4 + (size_t)(long)d, n = 0;
            n += (size_t)sprintf(buf, "a,b\n");
            while (n + 9 + 4 <= target)
                n += (size_t)sprintf(buf + n, "12345,67\n");
            size_t w = target - n; /* a row of w bytes: "9,9...9\n" */
            memset(buf + n, '9', w);
            buf[n + 1] = ',';
            buf[n + w - 1] = '\n';
            n = target;
            n += (size_t)sprintf(buf + n, "%s8,9\n", seqs[q]);
            int ok = agree(buf, n, &o);
            failed += !ok;
            loaded += agree(buf, n, NULL);
        }
    }
    free(buf);
    /* both outcomes occur, so both are compared */
    cr_assert_gt(failed, 20, "only %d declared loads failed", failed);
    cr_assert_gt(loaded, 20, "only %d inferred loads succeeded", loaded);
}
