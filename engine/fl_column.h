/*
 * fl_column.h -- string dictionaries, typed columns and tables: the data model
 * of the engine (see ARCHITECTURE.md, "The layers").
 *
 * Layer: engine/, above fl_core. Uses utf8proc for NFC normalization.
 *
 * Lifetimes: dictionaries, columns and tables are reference counted and
 * immutable once built ("finished"); operations make new tables that share
 * the columns they did not change. *_unref(NULL) is a no-op. A table may carry
 * a selection vector: then its rows are the listed row ids of its columns,
 * so that a filter never copies data (fl_table_row() maps a row to a column
 * index).
 */
#ifndef FL_COLUMN_H
#define FL_COLUMN_H

#include <string.h>

#include "fl_core.h"

/* The bits of d as a hash/equality key: -0.0 is 0.0 and every NaN the one
 * canonical NaN, so that values equal as numbers have equal keys (grouping,
 * joins, distinct). */
static inline int64_t fl_float_key(double d)
{
    if (d == 0.0)
        d = 0.0;
    if (d != d)
        return INT64_C(0x7ff8000000000000);
    int64_t k;
    memcpy(&k, &d, sizeof k);
    return k;
}

/* ==== dictionary ==========================================================
 * Interns strings: equal NFC bytes get the same int32 code, codes are dense
 * from 0 in order of first appearance. Strings are stored NUL-terminated. */
typedef struct fl_dict {
    int refcount;
    int32_t count; /* number of distinct strings */
    char *bytes;   /* all strings, each NUL-terminated */
    size_t bytes_len, bytes_cap;
    int64_t *offsets;   /* count entries: start of string i in bytes */
    int32_t *lens;      /* count entries: byte length of string i */
    int32_t cap;        /* capacity of offsets/lens */
    int32_t *slots;     /* open addressing table of codes, -1 = empty */
    uint32_t nslots;    /* power of two */
    int32_t *rank;      /* lazily built: rank[code] = position in byte order */
    int32_t rank_count; /* count at the time rank was built */
} fl_dict;

/* Returns a new empty dictionary (refcount 1) or NULL when out of memory. */
fl_dict *fl_dict_new(void);
void fl_dict_ref(fl_dict *d);
void fl_dict_unref(fl_dict *d);

/* Interns s[0..len): validates UTF-8 (FL_EPARSE with the byte offset of the
 * first bad byte in *bad_at when not NULL), normalizes to NFC (ASCII needs no
 * work), and sets *code. Does not modify shared dictionaries: only call it on
 * a dictionary you are building. */
fl_status fl_dict_intern(fl_dict *d, const char *s, size_t len, int32_t *code,
                         size_t *bad_at, fl_error *err);
/* Interns bytes already known to be valid NFC UTF-8 (from another dict). */
fl_status fl_dict_intern_nfc(fl_dict *d, const char *s, size_t len,
                             int32_t *code, fl_error *err);
/* Code of s (normalized to NFC first), or -1 when absent or s is not UTF-8. */
int32_t fl_dict_find(const fl_dict *d, const char *s, size_t len);
static inline const char *fl_dict_str(const fl_dict *d, int32_t code)
{
    return d->bytes + d->offsets[code];
}
static inline int32_t fl_dict_len(const fl_dict *d, int32_t code)
{
    return d->lens[code];
}
/* rank[code] = index of that string in byte (= code point) order. Built on
 * first use, rebuilt if strings were added since. NULL when out of memory. */
const int32_t *fl_dict_ranks(fl_dict *d);

/* Normalizes s to NFC into a fresh fl_malloc'd NUL-terminated buffer.
 * Returns FL_EPARSE (offset in *bad_at) when s is not valid UTF-8. */
fl_status fl_utf8_nfc(const char *s, size_t len, char **out, size_t *out_len,
                      size_t *bad_at, fl_error *err);
/* Returns -1 if s is valid UTF-8, else the offset of the first bad byte. */
long fl_utf8_check(const char *s, size_t len);

/* ==== file mapping ==========================================================
 * A private (copy-on-write) mapping of a whole file that column data may
 * point into instead of owning it: the columnar cache (fl_cache.c) maps an
 * entry and its columns use it in place, with no copy. Reference counted;
 * unmapped when the last column using it is freed. */
typedef struct fl_mapping {
    int refcount;
    void *addr;
    size_t len;
} fl_mapping;

/* Takes over addr[0..len) (from mmap); NULL when out of memory (then the
 * caller still owns the mapping). */
fl_mapping *fl_mapping_new(void *addr, size_t len);
void fl_mapping_ref(fl_mapping *m);
void fl_mapping_unref(fl_mapping *m);

/* ==== column ================================================================
 * One contiguous typed array plus a validity bitmap that exists only once a
 * null appears (NULL bitmap = all valid; bit i set = row i valid). */
typedef struct fl_column {
    int refcount;
    fl_type type;
    int64_t length, capacity;
    void *data;        /* length values of fl_type_width(type) bytes */
    uint8_t *validity; /* NULL or capacity bits */
    int64_t null_count;
    fl_dict *dict;       /* FL_STRING only: owns one reference */
    fl_mapping *mapping; /* NULL: data is owned (fl_malloc); else data
                            points into this mapping (one reference); a
                            column that grows copies its data out first */
} fl_column;

/* A new empty column with room for `capacity` values. For FL_STRING, dict is
 * the dictionary to use (a reference is taken) or NULL for a new one. */
fl_column *fl_column_new(fl_type type, int64_t capacity, fl_dict *dict);
/* A column of n values at data, which lies inside mapping m (a reference is
 * taken) and is aligned for the type. For FL_STRING, dict as above (NULL:
 * a new one). NULL when out of memory. */
fl_column *fl_column_new_mapped(fl_type type, int64_t n, fl_dict *dict,
                                fl_mapping *m, void *data);
void fl_column_ref(fl_column *c);
void fl_column_unref(fl_column *c);
/* Grows capacity to at least n. */
fl_status fl_column_reserve(fl_column *c, int64_t n, fl_error *err);
/* Sets length to n (<= capacity) with every value valid and zeroed data
 * beyond the old length; used by code that fills data directly. */
fl_status fl_column_resize(fl_column *c, int64_t n, fl_error *err);
/* Marks row i null (allocates the bitmap on first use, all others valid). */
fl_status fl_column_set_null(fl_column *c, int64_t i, fl_error *err);
/* Appends one value / a null; grows as needed. */
fl_status fl_column_append_null(fl_column *c, fl_error *err);
fl_status fl_column_append_int(fl_column *c, int64_t v, fl_error *err);
fl_status fl_column_append_float(fl_column *c, double v, fl_error *err);
fl_status fl_column_append_bool(fl_column *c, int v, fl_error *err);
fl_status fl_column_append_date(fl_column *c, int32_t v, fl_error *err);
fl_status fl_column_append_code(fl_column *c, int32_t code, fl_error *err);
fl_status fl_column_append_str(fl_column *c, const char *s, size_t len,
                               fl_error *err);

static inline int fl_column_valid(const fl_column *c, int64_t i)
{
    return !c->validity || ((c->validity[i >> 3] >> (i & 7)) & 1);
}
#define FL_I64(c) ((int64_t *)(c)->data)
#define FL_F64(c) ((double *)(c)->data)
#define FL_I32(c) ((int32_t *)(c)->data)
#define FL_U8(c) ((uint8_t *)(c)->data)

/* Reads value i into *v (strings point into the column's dictionary). */
void fl_column_get(const fl_column *c, int64_t i, fl_value *v);

/* New column holding c[idx[k]] for k < n; idx[k] < 0 gives a null (used by
 * left joins). Strings keep the same dictionary. */
fl_status fl_column_gather(const fl_column *c, const int32_t *idx, int64_t n,
                           fl_column **out, fl_error *err);
/* A column of n copies of v (v may be null). */
fl_status fl_column_constant(const fl_value *v, int64_t n, fl_column **out,
                             fl_error *err);
/* Converts to another type where that is lossless in meaning: int->float,
 * date->timestamp (midnight UTC). Returns FL_EINVAL otherwise. */
fl_status fl_column_cast(const fl_column *c, fl_type to, fl_column **out,
                         fl_error *err);

/* ==== table
 * =================================================================*/
typedef struct fl_table {
    int refcount;
    int ncols;
    char **names;     /* ncols NUL-terminated names, owned */
    fl_column **cols; /* ncols columns, one reference each */
    int64_t nrows;    /* rows of the table (== nsel when sel is set) */
    int32_t *sel;     /* NULL, or nrows row ids into the columns */
} fl_table;

/* Row r of the table as an index into its columns. */
static inline int64_t fl_table_row(const fl_table *t, int64_t r)
{
    return t->sel ? t->sel[r] : r;
}

/* A table over the given columns, all of length nrows (taken: the table gets
 * the caller's references, also on failure they are released). names are
 * copied. Fails on duplicate or empty names. */
fl_status fl_table_new(int ncols, const char *const *names, fl_column **cols,
                       int64_t nrows, fl_table **out, fl_error *err);
void fl_table_ref(fl_table *t);
void fl_table_unref(fl_table *t);
/* Index of a column by name, or -1. */
int fl_table_find(const fl_table *t, const char *name);
/* The column names as "a, b, c" in buf (cap bytes, always terminated),
 * ending in "..." when they do not all fit: for "no column 'x' (columns:
 * ...)" errors. Returns buf. */
const char *fl_table_names_text(const fl_table *t, char *buf, size_t cap);
/* The column `name`, materialized over the selection (a new reference):
 * shares the stored column when there is no selection. */
fl_status fl_table_column(const fl_table *t, int i, fl_column **out,
                          fl_error *err);
/* The same rows with no selection vector (columns gathered). */
fl_status fl_table_materialize(const fl_table *t, fl_table **out,
                               fl_error *err);
/* The same columns restricted to rows sel[0..n) of t (row numbers of t, not
 * of its columns); sel is copied. */
fl_status fl_table_take(const fl_table *t, const int32_t *sel, int64_t n,
                        fl_table **out, fl_error *err);

#endif
