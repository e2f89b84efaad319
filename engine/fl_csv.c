/*
 * fl_csv.c -- loading a CSV file into a table. libcsv splits fields and
 * undoes quoting (lines without quotes are split here, the same way); this
 * file keeps line numbers, reads the header, infers column types and fills
 * the columns.
 *
 * Layer: engine/, above fl_column (columns, dictionaries, UTF-8 + NFC) and
 * fl_time (ISO 8601). Reads files with open/read; never prints.
 *
 * How a load runs
 *  - The input (a file, or a memory buffer) is taken CHUNK_SIZE bytes at a
 *    time, so peak memory is the columns plus one chunk plus libcsv's buffer
 *    for the field being read (capped at FIELD_MAX).
 *  - Lines holding no quote (most lines of most exports) take the fast
 *    path: the loader splits them itself, 32 at a time, exactly as libcsv
 *    would (tests load inputs both ways), and in pass 1 fills each batch
 *    column by column (fill_batch). See "the fast path" below.
 *  - Every other line is fed to libcsv one physical line at a time: libcsv
 *    reports no positions, so this is how the callbacks know their line. With
 *    CSV_REPALL_NL libcsv reports every unquoted line end, also those of
 *    blank lines, so a row starts on the line after the last report, and a
 *    report with no field before it is a blank line to skip.
 *    A row's line is the line it starts on, a field's the line it starts on
 *    (lines are counted at LF; a lone CR ends a row but not a line).
 *  - The first non-blank row is the header. Every later row appends one value
 *    to each column as its field arrives (on_field1), no row is kept.
 *    Columns start with the capacity the first chunk suggests
 *    (estimate_rows) and grow geometrically.
 *  - Leading and trailing spaces and tabs around an unquoted field are
 *    dropped (libcsv's default); quote a field to keep them.
 *  - A NUL byte anywhere means a binary file: an error before parsing.
 *  - Null texts: by default only the empty field (quoted or not) is null;
 *    opts->nulls replaces that list.
 *  - Short strings go through a per-column memo before the dictionary
 *    (see `memo` below): most CRM string columns repeat a few values.
 *
 * Type inference, one pass where possible
 *   Each inferred column keeps a candidate type and a typed builder (an
 *   fl_column of that type). The first non-null text picks the candidate
 *   (int, float, bool, date, timestamp, else string); later texts either fit
 *   it or demote it:
 *     int -> float         the stored ints become doubles in place, which is
 *                          exactly what parsing their texts as doubles gives
 *     date -> timestamp    stored days become midnight UTC
 *     anything -> string   the texts are lost ("12.50" was stored as 12.5,
 *                          "TRUE" as 1), so the column is marked `reread`
 *                          and its builder dropped.
 *   A number with a leading zero ("007") makes an inferred column a string
 *   (zip codes, account numbers), as DuckDB infers it.
 *   If any column is marked, a second pass over the input (the file is read
 *   again from the start, or the buffer walked again) fills only the marked
 *   columns, as strings from their texts (on_field2). Columns that stayed
 *   all-null are strings. A declared type never changes: a text that does
 *   not fit is an error.
 */
#include "fl_csv.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "fl_cache.h"
#include "fl_time.h"

#define CHUNK_SIZE ((size_t)1 << 20)
/* A longer field is an error: almost always an unterminated quote that would
 * otherwise swallow the rest of the file into memory. */
#define FIELD_MAX ((size_t)64 << 20)
#define FIELD_MAX_TEXT "64 MiB"
/* libcsv grows its field buffer by this much, then by its own size. */
#define FIELD_BLOCK ((size_t)4096)
/* First capacity of a column, unless the size of the input suggests more. */
#define INITIAL_ROWS 1024
/* The fast path (fast_lines) splits FAST_BATCH lines before their callbacks
 * run, at most FAST_SPANS fields in all. (16 and 64 lines measured no
 * better on the G1 load.) */
#define FAST_BATCH 32
#define FAST_SPANS 8192
/* Bytes as stop_mask sees them without SSE2: a field may end there (the
 * delimiter, CR, LF), or a space or tab to trim. */
enum { BYTE_STOP = 1, BYTE_SPACE };

const char *fl_csv_build_id(void)
{
    return __DATE__ " " __TIME__;
}

/* ==== parsing one field's text ============================================
 * A field text is s[0..len), not NUL-terminated (the fast path's fields are
 * slices of the chunk). */

static inline int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Parses s[0..len) as [+-]?[0-9]+. Returns 1 with *v set, 0 when the text is
 * not an integer, -1 when it is an integer outside the int64 range. */
static int parse_int(const char *s, size_t len, int64_t *v)
{
    size_t i = 0;
    int neg = 0;
    if (len > 0 && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == len)
        return 0;
    while (i < len && s[i] == '0') /* leading zeros do not count */
        i++;
    size_t first = i;
    uint64_t acc = 0; /* 19 digits always fit in uint64 */
    for (; i < len; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d > 9)
            return 0;
        if (i - first < 19)
            acc = acc * 10 + d;
    }
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    if (len - first > 19 || acc > limit)
        return -1;
    if (neg)
        *v = acc == limit ? INT64_MIN : -(int64_t)acc;
    else
        *v = (int64_t)acc;
    return 1;
}

static const double pow10_exact[23] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Parses a decimal number [+-]?(D+(.D*)?|.D+)([eE][+-]?D+)? (no inf, nan,
 * hex or spaces). Returns 1 with *v set (correctly rounded), 0 otherwise.
 * Fast path (Clinger): up to 19 significant digits that fit in 2^53 and a
 * power of ten up to 22 are exact doubles, and one multiplication or division
 * of them rounds correctly. Everything else goes to strtod. */
static int parse_float(const char *s, size_t len, double *v)
{
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '+' || s[i] == '-')) {
        neg = s[i] == '-';
        i++;
    }
    /* The common text first (an amount, "83.649829"): digits and one dot,
     * at most 19 digits, no exponent. Every digit goes into m (19 digits
     * fit in uint64), and the result is the fast path's below. */
    if (len - i <= 20) {
        uint64_t m = 0;
        int ndigits = 0, frac = 0, dot = 0;
        size_t j = i;
        for (; j < len; j++) {
            unsigned d = (unsigned)(unsigned char)s[j] - '0';
            if (d <= 9) {
                m = m * 10 + d;
                ndigits++;
                frac += dot;
            } else if (s[j] == '.' && !dot) {
                dot = 1;
            } else {
                break;
            }
        }
        if (j == len && ndigits > 0 && ndigits <= 19 &&
            m <= (UINT64_C(1) << 53)) {
            double d = frac ? (double)m / pow10_exact[frac] : (double)m;
            *v = neg ? -d : d;
            return 1;
        }
    }
    uint64_t m = 0;
    int sig = 0, ndigits = 0, exp10 = 0, exact = 1;
    for (; i < len && is_digit(s[i]); i++, ndigits++) {
        if (m == 0 && s[i] == '0')
            continue;
        if (sig < 19) {
            m = m * 10 + (unsigned)(s[i] - '0');
            sig++;
        } else {
            exact = 0;
        }
    }
    if (i < len && s[i] == '.') {
        for (i++; i < len && is_digit(s[i]); i++, ndigits++) {
            if (m == 0 && s[i] == '0') {
                exp10--;
                continue;
            }
            if (sig < 19) {
                m = m * 10 + (unsigned)(s[i] - '0');
                sig++;
                exp10--;
            } else {
                exact = 0;
            }
        }
    }
    if (ndigits == 0)
        return 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int eneg = 0, e = 0;
        if (i < len && (s[i] == '+' || s[i] == '-')) {
            eneg = s[i] == '-';
            i++;
        }
        if (i == len)
            return 0;
        for (; i < len && is_digit(s[i]); i++)
            if (e < 100000)
                e = e * 10 + (s[i] - '0');
        exp10 += eneg ? -e : e;
    }
    if (i != len)
        return 0;
    if (exact && m <= (UINT64_C(1) << 53) && exp10 >= -22 && exp10 <= 22) {
        double d = (double)m;
        d = exp10 < 0 ? d / pow10_exact[-exp10] : d * pow10_exact[exp10];
        *v = neg ? -d : d;
        return 1;
    }
    /* strtod needs a NUL-terminated text (the fast path's fields are not) */
    char small[64], *copy = len < sizeof small ? small : fl_malloc(len + 1);
    if (!copy)
        return 0; /* out of memory: reported as a misfit, like the text */
    memcpy(copy, s, len);
    copy[len] = 0;
    *v = strtod(copy, NULL); /* the whole text, checked above */
    if (copy != small)
        fl_free(copy);
    return 1;
}

/* 1 or 0 for true / false in any case (when `declared`, also yes / no and
 * 1 / 0); -1 for any other text. */
static int parse_bool(const char *s, size_t len, int declared)
{
    char b[5];
    if (len == 0 || len > 5)
        return -1;
    for (size_t i = 0; i < len; i++)
        b[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
    if (len == 4 && memcmp(b, "true", 4) == 0)
        return 1;
    if (len == 5 && memcmp(b, "false", 5) == 0)
        return 0;
    if (!declared)
        return -1;
    if ((len == 3 && memcmp(b, "yes", 3) == 0) || (len == 1 && b[0] == '1'))
        return 1;
    if ((len == 2 && memcmp(b, "no", 2) == 0) || (len == 1 && b[0] == '0'))
        return 0;
    return -1;
}

/* A number written with a leading zero ("007", "-012", "00.5"): a code
 * (zip, account number), not a quantity. Inference keeps such a column as
 * text, as DuckDB's does; declaring the column int or float reads it as a
 * number. "0", "0.5" and "-0.25" are numbers. */
static inline int leading_zero(const char *s, size_t len)
{
    size_t i = len > 0 && (s[0] == '-' || s[0] == '+') ? 1 : 0;
    return len >= i + 2 && s[i] == '0' && is_digit(s[i + 1]);
}

/* The type a column whose first non-null text is s starts as. */
static fl_type classify(const char *s, size_t len)
{
    int64_t i;
    double f;
    if (leading_zero(s, len))
        return FL_STRING;
    int r = parse_int(s, len, &i);
    if (r > 0)
        return FL_INT;
    if (parse_float(s, len, &f)) /* also an int beyond int64 */
        return FL_FLOAT;
    if (parse_bool(s, len, 0) >= 0)
        return FL_BOOL;
    switch (fl_parse_datetime(s, len, NULL, NULL)) {
    case FL_DT_DATE:
        return FL_DATE;
    case FL_DT_TIMESTAMP:
        return FL_TIMESTAMP;
    default:
        return FL_STRING;
    }
}

/* ==== the loader ========================================================== */

/* A memo of text -> code in front of a string column's dictionary, for
 * texts of up to MEMO_TEXT bytes. The dictionary's lookup goes from its
 * slot to the string's length, offset and bytes, several cache misses per
 * field; the memo keeps the short text inline in a 16-byte open-addressing
 * slot, so that a repeated value (source, stage, country, an id) costs one
 * probe and a compare. The text is zero-padded and needs no length: no
 * field holds a NUL byte (a chunk with one is rejected before parsing). The
 * memo grows up to MEMO_MAX_SLOTS; once full, new texts go to the dictionary
 * only. A string builder is never replaced by another one, so the memo's
 * codes stay valid. */
#define MEMO_TEXT 12
#define MEMO_MIN_SLOTS 256
#define MEMO_MAX_SLOTS ((uint32_t)1 << 18) /* 4 MiB */

typedef struct memo_slot {
    uint64_t w0;  /* bytes 0-7 of the text, zero-padded */
    uint32_t w1;  /* bytes 8-11 */
    int32_t code; /* -1: empty */
} memo_slot;

typedef struct memo {
    memo_slot *slots;
    uint32_t nslots; /* a power of two */
    uint32_t count;
} memo;

typedef struct csv_col {
    fl_type type;   /* declared type, or the candidate inferred so far */
    int declared;   /* a text that does not fit is an error */
    int reread;     /* lost its texts: filled as strings by the second pass */
    fl_column *col; /* the builder; NULL while an inferred column has seen
                       only nulls, and in pass 1 once marked reread */
    memo memo;      /* FL_STRING builders */
} csv_col;

typedef struct loader {
    const char *name; /* file name for messages */
    fl_error *err;
    fl_status status; /* first error; the callbacks do nothing after it */

    /* input: a file (fd >= 0, read into chunk) or a memory buffer. A file
     * is read with pread from pos up to end; on reaching gap_from, reading
     * jumps to gap_to (the second half of a parallel load reads the header
     * line, then its own range). */
    int fd;
    uint64_t pos, end, gap_from, gap_to;
    char *chunk;
    const char *buf;
    size_t buf_len, buf_pos;
    uint64_t total; /* bytes, for progress (0 when unknown) */

    /* options */
    char delim; /* 0 until detected */
    const fl_csv_options *opts;
    int nnulls;               /* with nulls == NULL: only "" is null */
    const char *const *nulls; /* else exactly these texts are */
    size_t *null_lens;

    /* libcsv and where it is in the input */
    struct csv_parser parser;
    int parser_live;
    void (*on_field)(void *, size_t, void *);
    void (*on_row)(int, void *);
    int64_t line;       /* physical line being fed to libcsv (1-based) */
    int64_t row_line;   /* line the current row starts on */
    int64_t field_line; /* line the previous field of the row ended on */
    int nfields;        /* fields of the current row so far */
    int in_header;      /* the header row has not ended yet */

    /* header */
    char **names; /* NFC, fl_malloc'd */
    int nnames, names_cap;
    int64_t header_line;

    /* columns */
    int ncols;
    csv_col *cols;
    int64_t est_rows; /* first capacity of the columns */
    int64_t nrows;    /* rows counted by pass 1 */
    int64_t row;      /* row being filled by pass 2 */
    int need_reread;  /* some column is marked reread */

    /* the field being handled, for messages */
    int fj;        /* 0-based field number */
    int64_t fline; /* line it starts on */

    /* the fast path (fast_lines): the chunk being split, whose bytes a
     * field text may be read past its end up to (text_words), and the
     * fields of one row */
    const char *chunk_lo, *chunk_hi;
    unsigned char byte_class[256]; /* BYTE_* of each byte, for the delim */
    const char **span_s;           /* batch rows of nspans fields */
    size_t *span_n;
    int nspans;         /* fields kept per row: ncols + 1 */
    int batch;          /* rows per batch */
    int *batch_nf;      /* per row: fields (0: a blank line) */
    char *batch_cr;     /* per row: ends in CRLF */
    size_t *batch_next; /* per row: offset after its LF */
} loader;

/* ---- messages -------------------------------------------------------------
 * "name:line, column 'c' (field n): ..." for a field of a data row. */

static void quote_text(char *out, size_t cap, const char *s, size_t len)
{
    if (len > 40)
        snprintf(out, cap, "'%.40s...'", s);
    else
        snprintf(out, cap, "'%.*s'", (int)len, s);
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static fl_status
field_error(loader *L, fl_status code, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return fl_seterr(L->err, code, "%s:%lld, column '%s' (field %d): %s",
                     L->name, (long long)L->fline, L->names[L->fj], L->fj + 1,
                     what);
}

/* Prefixes a message from fl_column (a limit) with the field's location. */
static fl_status locate(loader *L, fl_status st)
{
    if (st == FL_ENOMEM)
        return st; /* reported once, at the end */
    char msg[sizeof L->err->msg];
    memcpy(msg, L->err->msg, sizeof msg);
    return field_error(L, st, "%s", msg);
}

/* ---- pass 1: header ------------------------------------------------------ */

static inline int is_null_text(const loader *L, const char *s, size_t len)
{
    if (!L->nulls)
        return len == 0;
    for (int i = 0; i < L->nnulls; i++)
        if (L->null_lens[i] == len && memcmp(L->nulls[i], s, len) == 0)
            return 1;
    return 0;
}

static fl_status header_field(loader *L, const char *s, size_t len, int j)
{
    if (L->nnames == L->names_cap) {
        int cap = L->names_cap ? L->names_cap * 2 : 16;
        char **n = fl_realloc(L->names, (size_t)cap * sizeof *n);
        if (!n)
            return FL_ENOMEM;
        L->names = n;
        L->names_cap = cap;
    }
    char *nfc;
    size_t n, bad = 0;
    fl_status st = fl_utf8_nfc(s, len, &nfc, &n, &bad, L->err);
    if (st == FL_EPARSE)
        return fl_seterr(L->err, st,
                         "%s:%lld: header field %d: invalid UTF-8 at byte %zu",
                         L->name, (long long)L->fline, j + 1, bad + 1);
    if (st != FL_OK)
        return st;
    L->names[L->nnames++] = nfc;
    return FL_OK;
}

/* The header row has ended: check the names, set up the columns. */
static fl_status finish_header(loader *L)
{
    L->ncols = L->nnames;
    for (int j = 0; j < L->ncols; j++) {
        if (!L->names[j][0])
            return fl_seterr(L->err, FL_EPARSE,
                             "%s:%lld: header field %d is empty: every column "
                             "needs a name",
                             L->name, (long long)L->header_line, j + 1);
        for (int k = 0; k < j; k++)
            if (strcmp(L->names[j], L->names[k]) == 0)
                return fl_seterr(L->err, FL_EPARSE,
                                 "%s:%lld: duplicate column name '%s' (fields "
                                 "%d and %d)",
                                 L->name, (long long)L->header_line,
                                 L->names[j], k + 1, j + 1);
    }
    L->cols = fl_calloc((size_t)L->ncols, sizeof *L->cols);
    /* the fast path's batch: FAST_BATCH rows, fewer for wide files */
    int nspans = L->ncols + 1, batch = FAST_BATCH;
    while (batch > 1 && (size_t)batch * (size_t)nspans > FAST_SPANS)
        batch /= 2;
    size_t nsp = (size_t)batch * (size_t)nspans;
    L->span_s = fl_malloc(nsp * sizeof *L->span_s);
    L->span_n = fl_malloc(nsp * sizeof *L->span_n);
    L->batch_nf = fl_malloc((size_t)batch * sizeof *L->batch_nf);
    L->batch_cr = fl_malloc((size_t)batch);
    L->batch_next = fl_malloc((size_t)batch * sizeof *L->batch_next);
    if (!L->cols || !L->span_s || !L->span_n || !L->batch_nf || !L->batch_cr ||
        !L->batch_next)
        return FL_ENOMEM;
    L->nspans = nspans;
    L->batch = batch;
    memset(L->byte_class, 0, sizeof L->byte_class);
    L->byte_class[' '] = L->byte_class['\t'] = BYTE_SPACE;
    L->byte_class['\n'] = L->byte_class['\r'] = BYTE_STOP;
    L->byte_class[(unsigned char)L->delim] = BYTE_STOP;
    const fl_csv_options *o = L->opts;
    for (int t = 0; o && t < o->ntypes; t++) {
        char *want;
        size_t n = 0;
        fl_status st = fl_utf8_nfc(o->type_cols[t], strlen(o->type_cols[t]),
                                   &want, &n, NULL, L->err);
        if (st == FL_ENOMEM)
            return st;
        int j = -1;
        if (st == FL_OK) {
            for (j = L->ncols - 1; j >= 0; j--)
                if (strcmp(L->names[j], want) == 0)
                    break;
            fl_free(want);
        }
        if (j < 0)
            return fl_seterr(L->err, FL_EINVAL,
                             "%s: a type is declared for column '%s', which "
                             "is not in the header",
                             L->name, o->type_cols[t]);
        L->cols[j].declared = 1;
        L->cols[j].type = o->types[t];
    }
    for (int j = 0; j < L->ncols; j++) {
        csv_col *c = &L->cols[j];
        if (c->declared &&
            !(c->col = fl_column_new(c->type, L->est_rows, NULL)))
            return FL_ENOMEM;
    }
    return FL_OK;
}

/* ---- pass 1: values ------------------------------------------------------ */

/* Appends nulls to c until it has n rows. */
static fl_status pad_nulls(fl_column *c, int64_t n, fl_error *err)
{
    fl_status st = fl_column_reserve(c, n, err);
    while (st == FL_OK && c->length < n)
        st = fl_column_append_null(c, err);
    return st;
}

/* Appends one value of w bytes to c: the fast path of fl_column_append_*,
 * inlined here because it runs once per field. */
static inline fl_status push(fl_column *c, const void *v, size_t w,
                             fl_error *err)
{
    if (c->length == c->capacity) {
        fl_status st = fl_column_reserve(c, c->length + 1, err);
        if (st != FL_OK)
            return st;
    }
    memcpy((char *)c->data + (size_t)c->length * w, v, w);
    c->length++;
    return FL_OK;
}
static inline fl_status push_i64(fl_column *c, int64_t v, fl_error *err)
{
    return push(c, &v, 8, err);
}
static inline fl_status push_f64(fl_column *c, double v, fl_error *err)
{
    return push(c, &v, 8, err);
}
static inline fl_status push_i32(fl_column *c, int32_t v, fl_error *err)
{
    return push(c, &v, 4, err);
}
static inline fl_status push_bool(fl_column *c, int v, fl_error *err)
{
    uint8_t b = (uint8_t)(v != 0);
    return push(c, &b, 1, err);
}

static fl_status intern(loader *L, fl_column *col, const char *s, size_t len,
                        int32_t *code)
{
    size_t bad = 0;
    fl_status st = fl_dict_intern(col->dict, s, len, code, &bad, L->err);
    if (st == FL_EPARSE)
        return field_error(L, st, "invalid UTF-8 at byte %zu of the field",
                           bad + 1);
    if (st != FL_OK)
        return locate(L, st);
    return FL_OK;
}

/* The text s[0..len), len <= MEMO_TEXT, as zero-padded words. When 12 bytes
 * from s are readable (libcsv's buffer holds at least FIELD_BLOCK bytes; a
 * fast-path field lies in the chunk), plain loads and a mask (little-endian)
 * avoid a variable-length copy. */
static inline void text_words(const loader *L, const char *s, size_t len,
                              uint64_t *w0, uint32_t *w1)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uintptr_t at = (uintptr_t)s; /* s may lie in either buffer */
    if ((s == (const char *)L->parser.entry_buf &&
         L->parser.entry_size >= 16) ||
        (at >= (uintptr_t)L->chunk_lo && (uintptr_t)L->chunk_hi - at >= 12)) {
        memcpy(w0, s, 8);
        memcpy(w1, s + 8, 4);
        if (len < 8) {
            *w0 &= len ? ~UINT64_C(0) >> (64 - 8 * len) : 0;
            *w1 = 0;
        } else if (len < 12) {
            *w1 &= len > 8 ? ~UINT32_C(0) >> (96 - 8 * len) : 0;
        }
        return;
    }
#endif
    (void)L;
    char b[12] = {0};
    memcpy(b, s, len);
    memcpy(w0, b, 8);
    memcpy(w1, b + 8, 4);
}

static inline uint32_t memo_hash(uint64_t w0, uint32_t w1)
{
    uint64_t h = w0 ^ ((uint64_t)w1 * UINT64_C(0xC2B2AE3D27D4EB4F));
    h ^= h >> 33; /* MurmurHash3's final mix */
    h *= UINT64_C(0xFF51AFD7ED558CCD);
    h ^= h >> 33;
    return (uint32_t)h;
}

/* Makes the memo twice as big (or creates it); 0 when out of memory. */
static int memo_grow(memo *m)
{
    uint32_t n = m->nslots ? m->nslots * 2 : MEMO_MIN_SLOTS;
    memo_slot *slots = fl_malloc(n * sizeof *slots);
    if (!slots)
        return 0;
    for (uint32_t i = 0; i < n; i++)
        slots[i].code = -1;
    for (uint32_t i = 0; i < m->nslots; i++) {
        memo_slot *o = &m->slots[i];
        if (o->code < 0)
            continue;
        uint32_t k = memo_hash(o->w0, o->w1) & (n - 1);
        while (slots[k].code >= 0)
            k = (k + 1) & (n - 1);
        slots[k] = *o;
    }
    fl_free(m->slots);
    m->slots = slots;
    m->nslots = n;
    return 1;
}

/* Appends the text s to the string column c, through its memo. */
static fl_status add_string(loader *L, csv_col *c, const char *s, size_t len)
{
    int32_t code;
    fl_status st;
    if (len > MEMO_TEXT) {
        if ((st = intern(L, c->col, s, len, &code)) != FL_OK)
            return st;
        return push_i32(c->col, code, L->err);
    }
    memo *m = &c->memo;
    if (!m->slots && !memo_grow(m))
        return FL_ENOMEM;
    uint64_t w0;
    uint32_t w1;
    text_words(L, s, len, &w0, &w1);
    uint32_t mask = m->nslots - 1, k = memo_hash(w0, w1) & mask;
    for (;; k = (k + 1) & mask) {
        memo_slot *e = &m->slots[k];
        if (e->code < 0)
            break;
        if (e->w0 == w0 && e->w1 == w1)
            return push_i32(c->col, e->code, L->err);
    }
    if ((st = intern(L, c->col, s, len, &code)) != FL_OK)
        return st;
    if (m->count < m->nslots / 2) { /* room: remember it in slot k */
        memo_slot *e = &m->slots[k];
        e->w0 = w0;
        e->w1 = w1;
        e->code = code;
        if (++m->count == m->nslots / 2 && m->nslots < MEMO_MAX_SLOTS &&
            !memo_grow(m))
            return FL_ENOMEM;
    }
    return push_i32(c->col, code, L->err);
}

/* A text that does not fit the column's type: an error for a declared type;
 * otherwise the column becomes a string column filled by pass 2. */
static fl_status misfit(loader *L, csv_col *c, const char *s, size_t len)
{
    if (!c->declared) {
        fl_column_unref(c->col);
        c->col = NULL;
        c->reread = 1;
        L->need_reread = 1;
        return FL_OK;
    }
    static const char *const what[FL_NTYPES] = {
        [FL_BOOL] = "a bool (true/false, yes/no, 1/0)",
        [FL_INT] = "an int (64-bit)",
        [FL_FLOAT] = "a float",
        [FL_DATE] = "a date (YYYY-MM-DD)",
        [FL_TIMESTAMP] = "a timestamp (ISO 8601)",
        [FL_STRING] = "a string",
    };
    char text[64];
    quote_text(text, sizeof text, s, len);
    return field_error(L, FL_EPARSE, "%s is not %s", text, what[c->type]);
}

/* int64 values become doubles in place (same width). */
static void ints_to_floats(fl_column *c)
{
    char *p = c->data;
    for (int64_t k = 0; k < c->length; k++, p += 8) {
        int64_t i;
        memcpy(&i, p, 8);
        double d = (double)i;
        memcpy(p, &d, 8);
    }
    c->type = FL_FLOAT;
}

/* Adds the non-null text s to column c in pass 1: appends it as the
 * candidate type, demotes the candidate when the text needs it, or reports
 * a misfit. */
static fl_status add_value(loader *L, csv_col *c, const char *s, size_t len)
{
    fl_error *err = L->err;
    fl_status st;
    if (!c->col) { /* first non-null text of an inferred column */
        c->type = classify(s, len);
        int64_t cap = L->nrows + INITIAL_ROWS;
        if (cap < L->est_rows)
            cap = L->est_rows;
        if (!(c->col = fl_column_new(c->type, cap, NULL)))
            return FL_ENOMEM;
        if ((st = pad_nulls(c->col, L->nrows, err)) != FL_OK)
            return st;
    }
    switch (c->type) {
    case FL_INT: {
        int64_t i;
        double f;
        if (!c->declared && leading_zero(s, len))
            return misfit(L, c, s, len);
        if (parse_int(s, len, &i) > 0)
            return push_i64(c->col, i, err);
        if (c->declared || !parse_float(s, len, &f))
            return misfit(L, c, s, len);
        ints_to_floats(c->col);
        c->type = FL_FLOAT;
        return push_f64(c->col, f, err);
    }
    case FL_FLOAT: {
        double f;
        if ((!c->declared && leading_zero(s, len)) || !parse_float(s, len, &f))
            return misfit(L, c, s, len);
        return push_f64(c->col, f, err);
    }
    case FL_BOOL: {
        int b = parse_bool(s, len, c->declared);
        if (b < 0)
            return misfit(L, c, s, len);
        return push_bool(c->col, b, err);
    }
    case FL_DATE: {
        int32_t d;
        int64_t us;
        int k = fl_parse_datetime(s, len, &d, &us);
        if (k == FL_DT_DATE)
            return push_i32(c->col, d, err);
        if (k != FL_DT_TIMESTAMP || c->declared)
            return misfit(L, c, s, len);
        fl_column *ts;
        if ((st = fl_column_cast(c->col, FL_TIMESTAMP, &ts, err)) != FL_OK)
            return st;
        fl_column_unref(c->col);
        c->col = ts;
        c->type = FL_TIMESTAMP;
        if ((st = fl_column_reserve(ts, L->est_rows, err)) != FL_OK)
            return st;
        return push_i64(c->col, us, err);
    }
    case FL_TIMESTAMP: {
        int64_t us; /* a date is midnight UTC */
        if (fl_parse_datetime(s, len, NULL, &us) == FL_DT_NONE)
            return misfit(L, c, s, len);
        return push_i64(c->col, us, err);
    }
    case FL_STRING:
        return add_string(L, c, s, len);
    default:
        return fl_seterr(err, FL_EINVAL, "bad column type");
    }
}

static void on_field1(void *data, size_t len, void *ud)
{
    loader *L = ud;
    const char *s = data;
    int j = L->nfields++;
    L->fj = j;
    L->fline = j == 0 ? L->row_line : L->field_line;
    L->field_line = L->line;
    if (L->status != FL_OK)
        return;
    if (L->in_header) {
        L->status = header_field(L, s, len, j);
        return;
    }
    if (j >= L->ncols)
        return; /* a row too long: reported at its end */
    csv_col *c = &L->cols[j];
    if (c->reread)
        return;
    fl_status st;
    if (is_null_text(L, s, len))
        st = c->col ? fl_column_append_null(c->col, L->err) : FL_OK;
    else
        st = add_value(L, c, s, len);
    if (st != FL_OK)
        L->status = st;
}

/* The end of a row, of a blank line, or the second half of a CRLF. */
static void on_row1(int ch, void *ud)
{
    loader *L = ud;
    (void)ch;
    int n = L->nfields;
    int64_t start = L->row_line;
    L->nfields = 0;
    L->row_line = L->line + 1;
    if (n == 0 || L->status != FL_OK)
        return;
    if (L->in_header) {
        L->in_header = 0;
        L->header_line = start;
        L->status = finish_header(L);
    } else if (n != L->ncols) {
        L->status = fl_seterr(
            L->err, FL_EPARSE, "%s:%lld: row has %d field%s, the header has %d",
            L->name, (long long)start, n, n == 1 ? "" : "s", L->ncols);
    } else if (L->nrows == FL_MAX_ROWS) {
        L->status =
            fl_seterr(L->err, FL_ELIMIT, "%s:%lld: more than %lld rows",
                      L->name, (long long)start, (long long)FL_MAX_ROWS);
    } else {
        L->nrows++;
    }
}

/* ---- pass 2: only the columns marked reread, as strings ------------------ */

static void on_field2(void *data, size_t len, void *ud)
{
    loader *L = ud;
    int j = L->nfields++;
    L->fj = j;
    L->fline = j == 0 ? L->row_line : L->field_line;
    L->field_line = L->line;
    if (L->status != FL_OK || L->in_header || j >= L->ncols ||
        !L->cols[j].reread)
        return;
    csv_col *c = &L->cols[j];
    fl_status st;
    if (c->col->length != L->row)
        st = FL_OK; /* the file changed; reported at the row's end */
    else if (is_null_text(L, data, len))
        st = fl_column_append_null(c->col, L->err);
    else
        st = add_string(L, c, data, len);
    if (st != FL_OK)
        L->status = st;
}

static void on_row2(int ch, void *ud)
{
    loader *L = ud;
    (void)ch;
    int n = L->nfields;
    L->nfields = 0;
    L->row_line = L->line + 1;
    if (n == 0 || L->status != FL_OK)
        return;
    if (L->in_header)
        L->in_header = 0;
    else if (n != L->ncols || L->row == L->nrows)
        L->status =
            fl_seterr(L->err, FL_EIO,
                      "%s: the file changed while it was being read", L->name);
    else
        L->row++;
}

/* ---- reading the input --------------------------------------------------- */

/* Sets *s, *n to the next chunk of input; *n == 0 at the end. */
static fl_status next_chunk(loader *L, const char **s, size_t *n)
{
    if (L->fd < 0) {
        size_t k = L->buf_len - L->buf_pos;
        if (k > CHUNK_SIZE)
            k = CHUNK_SIZE;
        *s = L->buf + L->buf_pos;
        *n = k;
        L->buf_pos += k;
        return FL_OK;
    }
    size_t got = 0; /* fill the chunk: a first chunk holds the whole BOM */
    while (got < CHUNK_SIZE) {
        if (L->pos == L->gap_from) {
            L->pos = L->gap_to;
            L->gap_from = UINT64_MAX;
        }
        uint64_t stop = L->gap_from < L->end ? L->gap_from : L->end;
        if (L->pos >= stop)
            break;
        size_t want = CHUNK_SIZE - got;
        if (stop - L->pos < want)
            want = (size_t)(stop - L->pos);
        ssize_t r = pread(L->fd, L->chunk + got, want, (off_t)L->pos);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return fl_seterr(L->err, FL_EIO, "%s: read error: %s", L->name,
                             strerror(errno));
        if (r == 0)
            break;
        got += (size_t)r;
        L->pos += (uint64_t)r;
    }
    *s = L->chunk;
    *n = got;
    return FL_OK;
}

static void rewind_input(loader *L)
{
    L->buf_pos = 0;
    L->pos = 0;
}

/* The delimiter among , ; TAB | that occurs most often outside quotes on the
 * first non-blank line of s (ties: in that order); comma when none does. */
static char detect_delimiter(const char *s, size_t n)
{
    static const char cand[4] = {',', ';', '\t', '|'};
    long count[4] = {0, 0, 0, 0};
    size_t i = 0;
    while (i < n && (s[i] == '\r' || s[i] == '\n' || s[i] == ' '))
        i++;
    int quoted = 0;
    for (; i < n; i++) {
        char ch = s[i];
        if (ch == '"')
            quoted = !quoted;
        else if (quoted)
            continue;
        else if (ch == '\n' || ch == '\r')
            break;
        for (int k = 0; k < 4; k++)
            count[k] += ch == cand[k];
    }
    int best = 0;
    for (int k = 1; k < 4; k++)
        if (count[k] > count[best])
            best = k;
    return cand[best];
}

static fl_status parse_failure(loader *L)
{
    switch (csv_error(&L->parser)) {
    case CSV_EPARSE:
        return fl_seterr(L->err, FL_EPARSE,
                         "%s:%lld: unexpected quote in field %d: a field "
                         "holding a quote must be quoted as a whole, with "
                         "the quote doubled (\"a \"\"b\"\" c\")",
                         L->name, (long long)L->line, L->nfields + 1);
    case CSV_ENOMEM:
        return FL_ENOMEM;
    default:
        return fl_seterr(L->err, FL_EPARSE, "%s:%lld: %s", L->name,
                         (long long)L->line,
                         csv_strerror(csv_error(&L->parser)));
    }
}

/* Rows expected in an input of `total` bytes whose first chunk is s[0..n):
 * the lines of the chunk scaled to the whole, plus 1/32. Columns start at
 * that capacity, which saves the copies of growing a large column step by
 * step; when the guess is short they grow as usual. A first chunk with few
 * lines says little about the rest: then the guess is INITIAL_ROWS. */
static int64_t estimate_rows(const char *s, size_t n, uint64_t total)
{
    uint64_t lines = 0;
    for (const char *q = s, *end = s + n;
         (q = memchr(q, '\n', (size_t)(end - q))) != NULL; q++)
        lines++;
    if (total <= n || lines < 1024)
        return INITIAL_ROWS;
    double est = (double)lines * ((double)total / (double)n) * (1.0 + 1.0 / 32);
    return est > (double)FL_MAX_ROWS ? FL_MAX_ROWS : (int64_t)est;
}

/* ---- the fast path: lines with no quote ----------------------------------
 * Most exports quote little or nothing. A line holding no quote needs none
 * of libcsv's state machine: its fields are the texts between delimiters,
 * less the spaces and tabs around them, exactly what libcsv gives (checked
 * by tests/c/test_csv_fast.c and the fuzz target, which load every input
 * both ways). fast_lines splits such lines itself, 16 bytes at a time
 * (stop_mask), which saves libcsv's per-byte work and its copy of each
 * field. In pass 1 a batch of lines is then filled column by column
 * (fill_batch: one loop per column, numbers written straight into it, the
 * string memo slots of the whole batch prefetched first); otherwise its
 * rows go to the same callbacks libcsv calls. It only runs between rows,
 * where libcsv holds no partial field; a line with a quote, a lone CR or no
 * LF yet goes to libcsv as before. */

/* libcsv's state between rows, ROW_NOT_BEGUN in libcsv.c (csv.h makes the
 * pstate field public, not the names of its values). */
#define LIBCSV_ROW_NOT_BEGUN 0

static int fast_path_enabled = 1;

void fl_csv_set_fast_path(int on)
{
    fast_path_enabled = on;
}

/* libcsv's default "space" test: space and tab, unless it is the delimiter. */
static inline int csv_space(char c, char delim)
{
    return (c == ' ' || c == '\t') && c != delim;
}

/* The bytes among b[0..16) (only the first `avail` exist) where a field
 * may end: the delimiter, CR and LF, as a bit mask (bit i for b[i]). Sets
 * *spaces when a space or tab (not the delimiter) occurs; a false alarm
 * only costs split_line a trim that finds nothing. */
static inline unsigned stop_mask(const loader *L, const char *b, size_t avail,
                                 int *spaces)
{
#if defined(__SSE2__)
    if (avail >= 16) { /* 16 bytes at once, the same answer as below */
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)b);
        __m128i stop =
            _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(L->delim)),
                         _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\n')),
                                      _mm_cmpeq_epi8(x, _mm_set1_epi8('\r'))));
        __m128i sp = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')),
                                  _mm_cmpeq_epi8(x, _mm_set1_epi8('\t')));
        *spaces |= _mm_movemask_epi8(sp) != 0;
        return (unsigned)_mm_movemask_epi8(stop);
    }
#endif
    unsigned m = 0;
    for (size_t i = 0; i < 16 && i < avail; i++) {
        unsigned k = L->byte_class[(unsigned char)b[i]];
        if (k == BYTE_SPACE)
            *spaces = 1;
        else if (k)
            m |= 1u << i;
    }
    return m;
}

/* Splits the line that starts at `line` into the spans of row r of the
 * batch, trimmed, up to its LF, which must come before lim. Returns the
 * number of fields (0 for a blank line) with *nl at the LF and *cr set
 * when a CR precedes it; -1 when the line holds another CR, which ends a
 * row for libcsv; -2 when lim comes first (no complete line). */
static int split_line(loader *L, int r, const char *line, const char *lim,
                      const char **nl, int *cr)
{
    const char delim = L->delim;
    const char **ss = L->span_s + (size_t)r * L->nspans;
    size_t *sn = L->span_n + (size_t)r * L->nspans;
    int nf = 0, spaces = 0;
    const char *f = line;
    for (const char *b = line;; b += 16) {
        if (b >= lim)
            return -2;
        unsigned m = stop_mask(L, b, (size_t)(L->chunk_hi - b), &spaces);
        for (; m; m &= m - 1) { /* each stop, in order */
            const char *p = b + __builtin_ctz(m);
            if (p >= lim)
                return -2;
            int end = *p == '\n';
            if (*p == '\r') {
                if (p + 1 >= lim)
                    return -2; /* CRLF or a lone CR: not known yet */
                if (p[1] != '\n')
                    return -1;
                end = 1;
            }
            if (nf < L->nspans) { /* a delimiter, or the line end */
                ss[nf] = f;
                sn[nf] = (size_t)(p - f);
            }
            nf++;
            if (end) {
                *cr = *p == '\r';
                *nl = p + *cr;
                goto split;
            }
            f = p + 1;
        }
    }
split:;
    int shown = nf < L->nspans ? nf : L->nspans;
    for (int j = 0; spaces && j < shown; j++) { /* trim, as libcsv does */
        const char *a = ss[j], *b = a + sn[j];
        while (a < b && csv_space(*a, delim))
            a++;
        while (b > a && csv_space(b[-1], delim))
            b--;
        ss[j] = a;
        sn[j] = (size_t)(b - a);
    }
    return nf == 1 && sn[0] == 0 ? 0 : nf; /* only spaces: a blank line */
}

/* Asks the memory for the memo slot that the text s[0..len) of string
 * column c (with a memo) will look up. A large memo (100k ids) misses the
 * caches on most lookups; asked for before the batch is filled, the misses
 * overlap instead of queueing. */
static inline void prefetch_memo(const loader *L, const csv_col *c,
                                 const char *s, size_t len)
{
    if (len > MEMO_TEXT)
        return;
    uint64_t w0;
    uint32_t w1;
    text_words(L, s, len, &w0, &w1);
    __builtin_prefetch(
        &c->memo.slots[memo_hash(w0, w1) & (c->memo.nslots - 1)]);
}

/* The common case of fill_column for an int or float builder: from row r
 * on, texts that parse as its type are written straight into the column,
 * whose room for rows up to lim is reserved. Returns the row it stopped
 * at: lim, or a text for add_value (a null, a leading zero, a text that
 * demotes the column or does not fit). *row counts the rows written. */
static int fill_numbers(const loader *L, csv_col *c, int j, int r, int lim,
                        int64_t *row)
{
    const size_t stride = (size_t)L->nspans;
    const char *const *ss = L->span_s + j;
    const size_t *sn = L->span_n + j;
    fl_column *col = c->col;
    char *data = col->data;
    int64_t n = col->length;
    int is_int = c->type == FL_INT, check_zero = !c->declared;
    for (; r < lim; r++) {
        if (L->batch_nf[r] == 0)
            continue; /* a blank line */
        const char *s = ss[r * stride];
        size_t len = sn[r * stride];
        if (is_null_text(L, s, len) || (check_zero && leading_zero(s, len)))
            break;
        if (is_int) {
            int64_t v;
            if (parse_int(s, len, &v) <= 0)
                break;
            memcpy(data + (size_t)n * 8, &v, 8);
        } else {
            double v;
            if (!parse_float(s, len, &v))
                break;
            memcpy(data + (size_t)n * 8, &v, 8);
        }
        n++;
    }
    *row += n - col->length;
    col->length = n;
    return r;
}

/* Pass 1 for column j over rows [0, *lim) of the batch, whose first line is
 * line0 and whose first non-blank row is table row base: what on_field1
 * does for each of its fields. On an error at row r, sets *lim = r (later
 * columns stop before it) and returns it. */
static fl_status fill_column(loader *L, int j, int *lim, int64_t base,
                             int64_t line0)
{
    csv_col *c = &L->cols[j];
    const size_t stride = (size_t)L->nspans;
    const char *const *ss = L->span_s + j;
    const size_t *sn = L->span_n + j;
    int64_t row = base;
    for (int r = 0; r < *lim && !c->reread; r++) {
        if (c->col && (c->type == FL_INT || c->type == FL_FLOAT)) {
            fl_status st =
                fl_column_reserve(c->col, c->col->length + *lim - r, L->err);
            if (st != FL_OK) {
                *lim = r;
                return st;
            }
            r = fill_numbers(L, c, j, r, *lim, &row);
            if (r == *lim)
                break;
        }
        if (L->batch_nf[r] == 0)
            continue; /* a blank line */
        const char *s = ss[r * stride];
        size_t len = sn[r * stride];
        L->fj = j; /* for messages, and the row count for add_value */
        /* a row's first field is on row_line: after a lone CR that ended
         * the last chunk, that is one more than the line (as libcsv has
         * it: a lone CR ends a row, not a line) */
        L->fline = j == 0 && r == 0 ? L->row_line : line0 + r;
        L->nrows = row;
        fl_status st;
        if (is_null_text(L, s, len))
            st = c->col ? fl_column_append_null(c->col, L->err) : FL_OK;
        else
            st = add_value(L, c, s, len);
        if (st != FL_OK) {
            *lim = r;
            return st;
        }
        row++;
    }
    return FL_OK;
}

/* Pass 1 over rows [0, m) of the batch, all of them blank or as wide as the
 * header, column by column: each column's texts go through one loop, which
 * keeps its builder, memo and type switch hot. The table is the one the
 * row-by-row callbacks give, and so is the error: the first in the file,
 * since a column that fails at row r makes the later columns stop before r
 * and an earlier failure found by them replaces it. */
static void fill_batch(loader *L, int m)
{
    if (m == 0)
        return;
    int64_t base = L->nrows, line0 = L->line;
    int lim = m;
    fl_status first = FL_OK;
    /* the memo slots of every short string of the batch, asked for at once:
     * their cache misses overlap (id3's 100k-entry memo misses on most) */
    for (int j = 0; j < L->ncols; j++) {
        const csv_col *c = &L->cols[j];
        if (c->type != FL_STRING || !c->memo.slots || c->reread)
            continue;
        for (int r = 0; r < m; r++)
            if (L->batch_nf[r] != 0)
                prefetch_memo(L, c, L->span_s[(size_t)r * L->nspans + j],
                              L->span_n[(size_t)r * L->nspans + j]);
    }
    for (int j = 0; j < L->ncols; j++) {
        fl_status st = fill_column(L, j, &lim, base, line0);
        if (st != FL_OK)
            first = st; /* earlier in the file than any before it */
    }
    if (first != FL_OK) {
        L->status = first;
        return;
    }
    int64_t rows = 0;
    for (int r = 0; r < m; r++)
        rows += L->batch_nf[r] != 0;
    L->nrows = base + rows;
    L->line = line0 + m;
    L->row_line = L->line;
    L->nfields = 0;
}

/* Hands row r of the batch to the callbacks, as libcsv would. */
static void emit_row(loader *L, int r)
{
    const char *const *ss = L->span_s + (size_t)r * L->nspans;
    const size_t *sn = L->span_n + (size_t)r * L->nspans;
    for (int j = 0; j < L->batch_nf[r]; j++) {
        if (j < L->nspans)
            L->on_field((void *)ss[j], sn[j], L);
        else /* beyond the header's width: only counted */
            L->on_field((void *)ss[0], 0, L);
    }
    if (L->batch_cr[r])
        L->on_row('\r', L);
    L->on_row('\n', L);
    L->line++;
}

/* Handles the complete lines at the start of s[0..n), which holds no quote,
 * up to the first line with a lone CR; returns the bytes used. Lines are
 * split FAST_BATCH at a time; in pass 1 a batch is filled column by column
 * (fill_batch), except a row of the wrong width, which goes to the
 * callbacks for its error; otherwise each row goes to the callbacks. */
static size_t fast_lines(loader *L, const char *s, size_t n)
{
    int by_column = L->on_field == on_field1 && !L->in_header;
    size_t done = 0;
    while (done < n && L->status == FL_OK) {
        /* split a batch of lines */
        int rows = 0, stop = 0, odd = 0;
        size_t at = done;
        while (rows < L->batch && at < n) {
            const char *nl = NULL;
            int cr = 0;
            int nf = split_line(L, rows, s + at, s + n, &nl, &cr);
            if (nf == -2)
                break; /* no complete line left */
            if (nf < 0) {
                stop = 1; /* a lone CR: libcsv takes that line */
                break;
            }
            L->batch_nf[rows] = nf;
            L->batch_cr[rows] = (char)cr;
            at = (size_t)(nl - s) + 1;
            L->batch_next[rows] = at;
            rows++;
            if (by_column && nf != 0 && nf != L->ncols) {
                odd = 1; /* the last row of this batch */
                break;
            }
        }
        if (by_column && L->nrows <= FL_MAX_ROWS - rows) {
            int m = rows - odd;
            fill_batch(L, m);
            if (L->status != FL_OK)
                return done;
            if (m > 0)
                done = L->batch_next[m - 1];
            if (odd) {
                emit_row(L, m);
                done = L->batch_next[m];
            }
        } else {
            for (int r = 0; r < rows && L->status == FL_OK; r++) {
                emit_row(L, r);
                done = L->batch_next[r];
            }
        }
        if (stop || odd || rows < L->batch)
            break; /* a lone CR, a row to report, or no complete line left */
    }
    return done;
}

/* Feeds s[0..n) to libcsv one physical line at a time, or to fast_lines. */
static fl_status feed(loader *L, const char *s, size_t n)
{
    /* the next quote at or after s (NULL: none), once looked for */
    const char *quote = NULL;
    int looked = 0;
    L->chunk_lo = s;
    L->chunk_hi = s + n;
    while (n > 0) {
        /* nspans is set once the header has ended */
        if (fast_path_enabled && L->nspans > 0 &&
            L->parser.pstate == LIBCSV_ROW_NOT_BEGUN) {
            if (!looked || (quote && quote < s))
                quote = memchr(s, '"', n);
            looked = 1;
            size_t k = fast_lines(L, s, quote ? (size_t)(quote - s) : n);
            if (L->status != FL_OK)
                return L->status;
            s += k;
            n -= k;
            if (n == 0)
                break;
        }
        const char *nl = memchr(s, '\n', n);
        size_t k = nl ? (size_t)(nl - s) + 1 : n;
        size_t used = csv_parse(&L->parser, s, k, L->on_field, L->on_row, L);
        if (L->status != FL_OK)
            return L->status;
        if (used != k)
            return parse_failure(L);
        if (nl)
            L->line++;
        s += k;
        n -= k;
    }
    return FL_OK;
}

/* One pass over the whole input with the given callbacks. */
static fl_status run_pass(loader *L, int pass)
{
    struct csv_parser *p = &L->parser;
    if (csv_init(p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL |
                        CSV_APPEND_NULL) != 0)
        return FL_ENOMEM;
    L->parser_live = 1;
    csv_set_realloc_func(p, fl_realloc);
    csv_set_free_func(p, fl_free);
    csv_set_blk_size(p, FIELD_BLOCK);
    L->on_field = pass == 1 ? on_field1 : on_field2;
    L->on_row = pass == 1 ? on_row1 : on_row2;
    L->line = L->row_line = L->field_line = 1;
    L->nfields = 0;
    L->in_header = 1;
    L->row = 0;

    const fl_csv_options *o = L->opts;
    uint64_t done = 0;
    fl_status st;
    for (int first = 1;; first = 0) {
        const char *s = NULL;
        size_t n = 0;
        if ((st = next_chunk(L, &s, &n)) != FL_OK)
            return st;
        if (n == 0)
            break;
        done += n;
        if (first) {
            if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
                s += 3;
                n -= 3;
            }
            if (!L->delim)
                L->delim = detect_delimiter(s, n);
            csv_set_delim(p, (unsigned char)L->delim);
            if (pass == 1)
                L->est_rows = estimate_rows(s, n, L->total);
        }
        /* before parsing: a binary file gets this message, not another */
        const char *nul = memchr(s, 0, n);
        if (nul) {
            int64_t line = L->line;
            for (const char *q = s; q < nul; q++)
                line += *q == '\n';
            return fl_seterr(L->err, FL_EPARSE,
                             "%s:%lld: contains a NUL byte: this looks like "
                             "a binary file, not CSV",
                             L->name, (long long)line);
        }
        if ((st = feed(L, s, n)) != FL_OK)
            return st;
        /* entry_pos (public in csv.h) is the length of the field so far */
        if (p->entry_pos > FIELD_MAX)
            return fl_seterr(
                L->err, FL_EPARSE,
                "%s:%lld: field %d is longer than " FIELD_MAX_TEXT
                " (an unterminated quote?)",
                L->name,
                (long long)(L->nfields == 0 ? L->row_line : L->field_line),
                L->nfields + 1);
        /* grow libcsv's buffer geometrically from now on */
        size_t bs = csv_get_buffer_size(p);
        csv_set_blk_size(p, bs > FIELD_BLOCK ? bs : FIELD_BLOCK);
        if (o && o->progress)
            o->progress(o->progress_ud, done, L->total ? L->total : done);
    }
    if (csv_fini(p, L->on_field, L->on_row, L) != 0)
        return fl_seterr(
            L->err, FL_EPARSE,
            "%s:%lld: unterminated quote in field %d: the file ends inside "
            "a quoted field",
            L->name, (long long)(L->nfields == 0 ? L->row_line : L->field_line),
            L->nfields + 1);
    if (L->status != FL_OK)
        return L->status;
    csv_free(p);
    L->parser_live = 0;
    return FL_OK;
}

/* ---- the whole load ------------------------------------------------------ */

static fl_status loader_init(loader *L, const char *name,
                             const fl_csv_options *o, fl_error *err)
{
    memset(L, 0, sizeof *L);
    L->name = name;
    L->err = err;
    L->fd = -1;
    L->end = L->gap_from = UINT64_MAX;
    L->opts = o;
    L->est_rows = INITIAL_ROWS;
    if (!o)
        return FL_OK;
    if (o->delimiter == '"' || o->delimiter == '\n' || o->delimiter == '\r')
        return fl_seterr(err, FL_EINVAL,
                         "%s: a quote or a line end cannot be the delimiter",
                         name);
    L->delim = o->delimiter;
    for (int t = 0; t < o->ntypes; t++)
        if (!o->type_cols[t] || (unsigned)o->types[t] >= FL_NTYPES)
            return fl_seterr(err, FL_EINVAL, "%s: bad declared type", name);
    if (o->nulls) {
        L->nulls = o->nulls;
        L->nnulls = o->nnulls;
        L->null_lens = fl_malloc(((size_t)o->nnulls + 1) * sizeof(size_t));
        if (!L->null_lens)
            return FL_ENOMEM;
        for (int i = 0; i < o->nnulls; i++)
            L->null_lens[i] = strlen(o->nulls[i]);
    }
    return FL_OK;
}

static void loader_free(loader *L)
{
    if (L->parser_live)
        csv_free(&L->parser);
    if (L->fd >= 0)
        close(L->fd);
    fl_free(L->chunk);
    fl_free(L->null_lens);
    fl_free(L->span_s);
    fl_free(L->span_n);
    fl_free(L->batch_nf);
    fl_free(L->batch_cr);
    fl_free(L->batch_next);
    for (int i = 0; i < L->nnames; i++)
        fl_free(L->names[i]);
    fl_free(L->names);
    for (int j = 0; L->cols && j < L->ncols; j++) {
        fl_column_unref(L->cols[j].col);
        fl_free(L->cols[j].memo.slots);
    }
    fl_free(L->cols);
}

static fl_status finish_table(loader *L, fl_table **out);

static fl_status load(loader *L, fl_table **out)
{
    fl_status st = run_pass(L, 1);
    if (st != FL_OK)
        return st;
    if (L->in_header)
        return fl_seterr(L->err, FL_EPARSE,
                         "%s: empty file: expected a header row with the "
                         "column names",
                         L->name);
    if (L->need_reread) {
        for (int j = 0; j < L->ncols; j++) {
            csv_col *c = &L->cols[j];
            if (c->reread) {
                c->type = FL_STRING;
                if (!(c->col = fl_column_new(FL_STRING, L->nrows, NULL)))
                    return FL_ENOMEM;
            }
        }
        rewind_input(L);
        if ((st = run_pass(L, 2)) != FL_OK)
            return st;
        if (L->row != L->nrows)
            return fl_seterr(L->err, FL_EIO,
                             "%s: the file changed while it was being read",
                             L->name);
    }
    return finish_table(L, out);
}

/* The loaded columns become the table: all-null columns are strings, every
 * column is padded to nrows. */
static fl_status finish_table(loader *L, fl_table **out)
{
    fl_status st;
    fl_column **cols = fl_malloc((size_t)L->ncols * sizeof *cols);
    if (!cols)
        return FL_ENOMEM;
    for (int j = 0; j < L->ncols; j++) {
        csv_col *c = &L->cols[j];
        if (!c->col) { /* only nulls: a string column */
            c->type = FL_STRING;
            c->col = fl_column_new(FL_STRING, L->nrows, NULL);
        }
        if (!c->col || (st = pad_nulls(c->col, L->nrows, L->err)) != FL_OK) {
            fl_free(cols);
            return c->col ? st : FL_ENOMEM;
        }
    }
    for (int j = 0; j < L->ncols; j++) { /* the table takes them */
        cols[j] = L->cols[j].col;
        L->cols[j].col = NULL;
    }
    st = fl_table_new(L->ncols, (const char *const *)L->names, cols, L->nrows,
                      out, L->err);
    fl_free(cols);
    return st;
}

/* ---- two halves at once --------------------------------------------------
 * A file of PAR_MIN_BYTES or more is split at the first line end after its
 * middle and parsed by two loaders at once, the second on a worker thread.
 * The second reads the header line (so that it sets up the same columns),
 * then its own range. Then the halves are joined column by column.
 *
 * The split is right when the first half ends outside a quoted field: then
 * libcsv's state at the split is exactly that of a serial parse there, and
 * the second half starts on a row. The first half's parse tells: it ends
 * with an "unterminated quote" error otherwise (CSV_STRICT_FINI). So no
 * quote scan is needed; quoted fields, also with line ends, are fine.
 *
 * Whatever is not the plain case -- an error in either half, a column that
 * needs the second pass, types the serial parse would not have joined the
 * same way, a split inside quotes -- and the halves are dropped and the
 * file is loaded on one thread, which gives the exact table and messages
 * numbered from the file's first line. Types join as the serial parse
 * would: equal; int then float (the ints become doubles, as the serial
 * demotion does); date and timestamp (dates are midnight); a column with
 * only nulls so far takes the other's type. */
#define PAR_MIN_BYTES ((uint64_t)16 << 20)

typedef struct half {
    loader L;
    fl_error err;
    fl_status st;
} half;

static void run_half(void *arg)
{
    half *h = arg;
    h->st = run_pass(&h->L, 1);
}

/* Appends b's rows (nb of them; b may be NULL: all null) to a, which holds
 * na rows. a and b have the same type here; string codes of b are
 * re-interned into a's dictionary. */
static fl_status append_rows(fl_column *a, int64_t na, const fl_column *b,
                             int64_t nb, fl_error *err)
{
    fl_status st = fl_column_reserve(a, na + nb, err);
    if (st != FL_OK)
        return st;
    if (!b) {
        while (st == FL_OK && a->length < na + nb)
            st = fl_column_append_null(a, err);
        return st;
    }
    size_t w = fl_type_width(a->type);
    if (a->type == FL_STRING) {
        int32_t count = b->dict->count;
        int32_t *map = fl_malloc((size_t)(count ? count : 1) * sizeof *map);
        if (!map)
            return FL_ENOMEM;
        for (int32_t k = 0; st == FL_OK && k < count; k++)
            st = fl_dict_intern_nfc(a->dict, fl_dict_str(b->dict, k),
                                    (size_t)fl_dict_len(b->dict, k), &map[k],
                                    err);
        int32_t *dst = FL_I32(a) + na;
        const int32_t *src = FL_I32(b);
        for (int64_t i = 0; st == FL_OK && i < nb; i++)
            dst[i] = fl_column_valid(b, i) ? map[src[i]] : 0;
        fl_free(map);
        if (st != FL_OK)
            return st;
    } else {
        memcpy((char *)a->data + (size_t)na * w, b->data, (size_t)nb * w);
    }
    a->length = na + nb;
    for (int64_t i = 0; st == FL_OK && b->validity && i < nb; i++)
        if (!fl_column_valid(b, i))
            st = fl_column_set_null(a, na + i, err);
    return st;
}

/* Joins column j of the second half into the first, or sets *ok = 0 when
 * the types do not join the way the serial parse would have. */
static fl_status join_column(csv_col *a, int64_t na, csv_col *b, int64_t nb,
                             int *ok, fl_error *err)
{
    fl_status st;
    if (!a->col && !b->col)
        return FL_OK; /* only nulls: finish_table makes it a string column */
    if (!a->col) {    /* the first half saw only nulls */
        a->type = b->type;
        if (!(a->col = fl_column_new(b->type, na + nb, NULL)))
            return FL_ENOMEM;
        if ((st = pad_nulls(a->col, na, err)) != FL_OK)
            return st;
    } else if (b->col && a->type != b->type) {
        if (a->type == FL_INT && b->type == FL_FLOAT && !a->declared) {
            ints_to_floats(a->col);
            a->type = FL_FLOAT;
        } else if (a->type == FL_DATE && b->type == FL_TIMESTAMP &&
                   !a->declared) {
            fl_column *ts;
            if ((st = fl_column_cast(a->col, FL_TIMESTAMP, &ts, err)) != FL_OK)
                return st;
            fl_column_unref(a->col);
            a->col = ts;
            a->type = FL_TIMESTAMP;
        } else if (a->type == FL_TIMESTAMP && b->type == FL_DATE &&
                   !a->declared) {
            fl_column *ts;
            if ((st = fl_column_cast(b->col, FL_TIMESTAMP, &ts, err)) != FL_OK)
                return st;
            fl_column_unref(b->col);
            b->col = ts;
            b->type = FL_TIMESTAMP;
        } else {
            *ok = 0; /* e.g. float then int texts: "-0" would differ */
            return FL_OK;
        }
    }
    st = pad_nulls(a->col, na, err); /* a's trailing nulls, if any */
    if (st == FL_OK)
        st = append_rows(a->col, na, b->col, nb, err);
    if (b->col) { /* free the half as soon as it is copied */
        fl_column_unref(b->col);
        b->col = NULL;
    }
    return st;
}

/* Joins every other column of the second half b into the first, a, from
 * column j0 on (fl_par2 runs j0 = 0 and j0 = 1 at once). */
typedef struct join_job {
    loader *a, *b;
    int j0, ok;
    fl_status st;
    fl_error err;
} join_job;

static void join_every_other(void *arg)
{
    join_job *job = arg;
    for (int j = job->j0; job->ok && job->st == FL_OK && j < job->a->ncols;
         j += 2)
        job->st = join_column(&job->a->cols[j], job->a->nrows, &job->b->cols[j],
                              job->b->nrows, &job->ok, &job->err);
}

/* Tries the two-halves load of the open file fd (size bytes). Returns 1
 * with *st set (FL_OK and *out, or FL_ENOMEM) when it took place, 0 when the
 * file is to be loaded on one thread. */
static int load_halves(const char *name, int fd, uint64_t size,
                       const fl_csv_options *opts, fl_table **out,
                       fl_error *err, fl_status *st)
{
    if (size < PAR_MIN_BYTES || sysconf(_SC_NPROCESSORS_ONLN) < 2)
        return 0;
    /* the header line: it must be the first line and hold no quote */
    char buf[4096];
    ssize_t n = pread(fd, buf, sizeof buf, 0);
    if (n < 4)
        return 0;
    size_t skip = memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    char *nl = memchr(buf, '\n', (size_t)n);
    if (!nl || buf[skip] == '\n' || buf[skip] == '\r' ||
        memchr(buf, '"', (size_t)(nl - buf)))
        return 0;
    uint64_t header_end = (uint64_t)(nl - buf) + 1;
    /* the split: after the first line end past the middle */
    uint64_t mid = size / 2;
    n = pread(fd, buf, sizeof buf, (off_t)mid);
    if (n <= 0 || !(nl = memchr(buf, '\n', (size_t)n)))
        return 0;
    uint64_t split = mid + (uint64_t)(nl - buf) + 1;
    if (split <= header_end || split >= size)
        return 0;

    fl_csv_options o = opts ? *opts : (fl_csv_options){0};
    o.progress = NULL; /* the halves would each count their own bytes */
    half *h = fl_calloc(2, sizeof *h);
    if (!h)
        return 0;
    int ran = 0, ok = 1;
    fl_status s0 = loader_init(&h[0].L, name, &o, &h[0].err);
    fl_status s1 = loader_init(&h[1].L, name, &o, &h[1].err);
    for (int i = 0; i < 2; i++) {
        h[i].L.fd = fd; /* shared: pread only; not closed by loader_free */
        h[i].L.chunk = fl_malloc(CHUNK_SIZE);
        if (!h[i].L.chunk)
            s0 = FL_ENOMEM;
    }
    h[0].L.end = split;
    h[0].L.total = split;
    h[1].L.gap_from = header_end;
    h[1].L.gap_to = split;
    h[1].L.end = size;
    h[1].L.total = header_end + (size - split);
    if (s0 == FL_OK && s1 == FL_OK) {
        ran = 1;
        fl_par2(run_half, &h[0], &h[1]);
    }
    loader *a = &h[0].L, *b = &h[1].L;
    ok = ran && h[0].st == FL_OK && h[1].st == FL_OK && !a->in_header &&
         !b->in_header && !a->need_reread && !b->need_reread &&
         a->ncols == b->ncols && a->nrows + b->nrows <= FL_MAX_ROWS;
    for (int j = 0; ok && j < a->ncols; j++)
        ok = strcmp(a->names[j], b->names[j]) == 0;
    fl_status res = FL_OK;
    if (ok) { /* the columns are independent: join them on both threads */
        join_job jobs[2] = {{.a = a, .b = b, .j0 = 0, .ok = 1},
                            {.a = a, .b = b, .j0 = 1, .ok = 1}};
        fl_par2(join_every_other, &jobs[0], &jobs[1]);
        for (int i = 0; i < 2; i++) {
            ok = ok && jobs[i].ok;
            if (res == FL_OK && jobs[i].st != FL_OK) {
                res = jobs[i].st;
                *err = jobs[i].err;
            }
        }
    }
    if (ok && res == FL_OK) {
        a->err = err;
        a->nrows += b->nrows;
        res = finish_table(a, out);
    }
    for (int i = 0; i < 2; i++) {
        h[i].L.fd = -1;
        loader_free(&h[i].L);
    }
    fl_free(h);
    if (!ok)
        return 0; /* the serial load decides (also about errors) */
    if (res == FL_ENOMEM)
        fl_seterr(err, res, "%s: out of memory while loading", name);
    *st = res;
    return 1;
}

/* Runs the load (unless out is NULL: done already) and cleans up; an
 * out-of-memory gets one plain message. */
static fl_status load_and_free(loader *L, fl_status st, fl_table **out)
{
    if (st == FL_OK && out)
        st = load(L, out);
    loader_free(L);
    if (st == FL_ENOMEM)
        fl_seterr(L->err, st, "%s: out of memory while loading", L->name);
    return st;
}

fl_status fl_csv_read(const char *path, const char *display_name,
                      const fl_csv_options *opts, fl_table **out, fl_error *err)
{
    fl_error local;
    const char *name = display_name ? display_name : path;
    if (!err)
        err = &local;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return fl_seterr(err, FL_EIO, "%s: no such file", name);
        return fl_seterr(err, FL_EIO, "%s: cannot open: %s", name,
                         strerror(errno));
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        return fl_seterr(err, FL_EIO, "%s: %s", name, strerror(e));
    }
    if (S_ISDIR(sb.st_mode)) {
        close(fd);
        return fl_seterr(err, FL_EIO, "%s: is a directory, not a CSV file",
                         name);
    }
    /* the columnar cache, when the run configured one (fl_cache.h) */
    fl_cache_key key;
    int cacheable = fl_cache_key_make(fd, path, opts, &key) == 0;
    if (cacheable && fl_cache_load(&key, out)) {
        fl_cache_key_free(&key);
        close(fd);
        return FL_OK;
    }
    loader L;
    fl_status st = loader_init(&L, name, opts, err);
    L.fd = fd;
    L.total = S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : 0;
    if (st == FL_OK && !(L.chunk = fl_malloc(CHUNK_SIZE)))
        st = FL_ENOMEM;
    if (st == FL_OK && !load_halves(name, fd, L.total, opts, out, err, &st))
        st = load(&L, out);
    if (st == FL_OK && cacheable)
        fl_cache_save(&key, L.fd, *out); /* best effort */
    if (cacheable)
        fl_cache_key_free(&key);
    return load_and_free(&L, st, NULL);
}

fl_status fl_csv_read_buffer(const char *buf, size_t len, const char *name,
                             const fl_csv_options *opts, fl_table **out,
                             fl_error *err)
{
    fl_error local;
    if (!err)
        err = &local;
    loader L;
    fl_status st = loader_init(&L, name ? name : "(buffer)", opts, err);
    L.buf = buf;
    L.buf_len = len;
    L.total = len;
    return load_and_free(&L, st, out);
}
