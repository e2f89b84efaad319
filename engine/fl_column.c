/*
 * fl_column.c -- string dictionaries (with UTF-8 validation and NFC
 * normalization through utf8proc), typed columns and tables.
 * Layer: engine/, above fl_core; the only engine file besides fl_expr.c that
 * calls utf8proc.
 */
#include "fl_column.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <utf8proc.h>

/* ==== UTF-8 ============================================================= */

long fl_utf8_check(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        /* ASCII run: 8 bytes at a time */
        while (i + 8 <= len) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & UINT64_C(0x8080808080808080))
                break;
            i += 8;
        }
        if (i >= len)
            break;
        unsigned c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t n =
            utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n < 0)
            return (long)i;
        i += (size_t)n;
    }
    return -1;
}

/* Whether s needs no normalization: ASCII always does not; otherwise we
 * ask utf8proc (quick check is not exposed, so we normalize and compare). */
static int is_ascii(const char *s, size_t len)
{
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & UINT64_C(0x8080808080808080))
            return 0;
    }
    for (; i < len; i++)
        if ((unsigned char)s[i] & 0x80)
            return 0;
    return 1;
}

fl_status fl_utf8_nfc(const char *s, size_t len, char **out, size_t *out_len,
                      size_t *bad_at, fl_error *err)
{
    long bad = fl_utf8_check(s, len);
    if (bad >= 0) {
        if (bad_at)
            *bad_at = (size_t)bad;
        return fl_seterr(err, FL_EPARSE, "invalid UTF-8 at byte %ld", bad + 1);
    }
    if (is_ascii(s, len)) {
        char *d = fl_malloc(len + 1);
        if (!d)
            return fl_seterr(err, FL_ENOMEM, "out of memory");
        memcpy(d, s, len);
        d[len] = 0;
        *out = d;
        *out_len = len;
        return FL_OK;
    }
    utf8proc_uint8_t *nfc = NULL;
    utf8proc_ssize_t n =
        utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &nfc,
                     UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (n < 0) {
        if (n == UTF8PROC_ERROR_NOMEM)
            return fl_seterr(err, FL_ENOMEM, "out of memory");
        if (bad_at)
            *bad_at = 0;
        return fl_seterr(err, FL_EPARSE, "invalid UTF-8: %s",
                         utf8proc_errmsg(n));
    }
    /* utf8proc allocates with malloc; copy into counted memory. */
    char *d = fl_malloc((size_t)n + 1);
    if (!d) {
        free(nfc);
        return fl_seterr(err, FL_ENOMEM, "out of memory");
    }
    memcpy(d, nfc, (size_t)n + 1);
    free(nfc);
    *out = d;
    *out_len = (size_t)n;
    return FL_OK;
}

/* ==== dictionary ======================================================== */

static uint64_t hash_bytes(const char *s, size_t len)
{
    /* FNV-1a over 8-byte words, then a final mix: fast for short keys. */
    uint64_t h = UINT64_C(0xcbf29ce484222325) ^ len;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * UINT64_C(0x100000001b3);
        h ^= h >> 29;
    }
    uint64_t w = 0;
    memcpy(&w, s + i, len - i);
    h = (h ^ w) * UINT64_C(0x100000001b3);
    h ^= h >> 32;
    h *= UINT64_C(0xd6e8feb86659fd93);
    h ^= h >> 32;
    return h;
}

fl_dict *fl_dict_new(void)
{
    fl_dict *d = fl_calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->refcount = 1;
    d->nslots = 16;
    d->slots = fl_malloc(d->nslots * sizeof *d->slots);
    if (!d->slots) {
        fl_free(d);
        return NULL;
    }
    memset(d->slots, 0xff, d->nslots * sizeof *d->slots);
    return d;
}

void fl_dict_ref(fl_dict *d)
{
    d->refcount++;
}

void fl_dict_unref(fl_dict *d)
{
    if (!d || --d->refcount > 0)
        return;
    fl_free(d->bytes);
    fl_free(d->offsets);
    fl_free(d->lens);
    fl_free(d->slots);
    fl_free(d->rank);
    fl_free(d);
}

static int32_t dict_lookup(const fl_dict *d, const char *s, size_t len,
                           uint64_t h, uint32_t *slot)
{
    uint32_t mask = d->nslots - 1, i = (uint32_t)h & mask;
    for (;;) {
        int32_t c = d->slots[i];
        if (c < 0) {
            *slot = i;
            return -1;
        }
        if ((size_t)d->lens[c] == len &&
            memcmp(d->bytes + d->offsets[c], s, len) == 0)
            return c;
        i = (i + 1) & mask;
    }
}

static fl_status dict_grow_slots(fl_dict *d, fl_error *err)
{
    uint32_t n = d->nslots * 2;
    int32_t *slots = fl_malloc(n * sizeof *slots);
    if (!slots)
        return fl_seterr(err, FL_ENOMEM, "out of memory");
    memset(slots, 0xff, n * sizeof *slots);
    for (int32_t c = 0; c < d->count; c++) {
        uint32_t i =
            (uint32_t)hash_bytes(d->bytes + d->offsets[c], (size_t)d->lens[c]) &
            (n - 1);
        while (slots[i] >= 0)
            i = (i + 1) & (n - 1);
        slots[i] = c;
    }
    fl_free(d->slots);
    d->slots = slots;
    d->nslots = n;
    return FL_OK;
}

fl_status fl_dict_intern_nfc(fl_dict *d, const char *s, size_t len,
                             int32_t *code, fl_error *err)
{
    uint64_t h = hash_bytes(s, len);
    uint32_t slot;
    int32_t c = dict_lookup(d, s, len, h, &slot);
    if (c >= 0) {
        *code = c;
        return FL_OK;
    }
    if (d->count == INT32_MAX - 1 || len > INT32_MAX)
        return fl_seterr(err, FL_ELIMIT, "too many distinct strings");
    if (d->count == d->cap) {
        int32_t ncap = d->cap ? d->cap * 2 : 16;
        int64_t *off = fl_realloc(d->offsets, (size_t)ncap * sizeof *off);
        if (!off)
            return fl_seterr(err, FL_ENOMEM, "out of memory");
        d->offsets = off;
        int32_t *lens = fl_realloc(d->lens, (size_t)ncap * sizeof *lens);
        if (!lens)
            return fl_seterr(err, FL_ENOMEM, "out of memory");
        d->lens = lens;
        d->cap = ncap;
    }
    if (d->bytes_len + len + 1 > d->bytes_cap) {
        size_t ncap = d->bytes_cap ? d->bytes_cap * 2 : 256;
        while (ncap < d->bytes_len + len + 1)
            ncap *= 2;
        char *b = fl_realloc(d->bytes, ncap);
        if (!b)
            return fl_seterr(err, FL_ENOMEM, "out of memory");
        d->bytes = b;
        d->bytes_cap = ncap;
    }
    c = d->count;
    memcpy(d->bytes + d->bytes_len, s, len);
    d->bytes[d->bytes_len + len] = 0;
    d->offsets[c] = (int64_t)d->bytes_len;
    d->lens[c] = (int32_t)len;
    d->bytes_len += len + 1;
    d->slots[slot] = c;
    d->count++;
    if ((uint64_t)d->count * 2 > d->nslots) {
        fl_status st = dict_grow_slots(d, err);
        if (st != FL_OK) {
            /* undo, so the dictionary stays consistent */
            d->count--;
            d->slots[slot] = -1;
            d->bytes_len -= len + 1;
            return st;
        }
    }
    *code = c;
    return FL_OK;
}

fl_status fl_dict_intern(fl_dict *d, const char *s, size_t len, int32_t *code,
                         size_t *bad_at, fl_error *err)
{
    if (is_ascii(s, len))
        return fl_dict_intern_nfc(d, s, len, code, err);
    /* Bytes equal to a string the dictionary holds are that string: valid
     * and already NFC. So a repeated non-ASCII name ("Søren Østergaard")
     * costs one lookup, not a normalization (and its allocations). */
    uint32_t slot;
    int32_t found = dict_lookup(d, s, len, hash_bytes(s, len), &slot);
    if (found >= 0) {
        *code = found;
        return FL_OK;
    }
    char *nfc;
    size_t n;
    fl_status st = fl_utf8_nfc(s, len, &nfc, &n, bad_at, err);
    if (st != FL_OK)
        return st;
    st = fl_dict_intern_nfc(d, nfc, n, code, err);
    fl_free(nfc);
    return st;
}

int32_t fl_dict_find(const fl_dict *d, const char *s, size_t len)
{
    uint32_t slot;
    if (is_ascii(s, len))
        return dict_lookup(d, s, len, hash_bytes(s, len), &slot);
    char *nfc;
    size_t n;
    if (fl_utf8_nfc(s, len, &nfc, &n, NULL, NULL) != FL_OK)
        return -1;
    int32_t c = dict_lookup(d, nfc, n, hash_bytes(nfc, n), &slot);
    fl_free(nfc);
    return c;
}

/* Byte-order comparison of two codes; the dictionary is passed through a
 * file-level pointer because qsort has no context argument. Ranks are built
 * once per dictionary, so this is not on a hot path. */
static const fl_dict *rank_dict;
static int cmp_codes(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    const fl_dict *d = rank_dict;
    int32_t lx = d->lens[x], ly = d->lens[y];
    int c = memcmp(d->bytes + d->offsets[x], d->bytes + d->offsets[y],
                   (size_t)(lx < ly ? lx : ly));
    if (c)
        return c;
    return (lx > ly) - (lx < ly);
}

const int32_t *fl_dict_ranks(fl_dict *d)
{
    if (d->rank && d->rank_count == d->count)
        return d->rank;
    int32_t n = d->count;
    int32_t *order = fl_malloc((size_t)(n ? n : 1) * sizeof *order);
    int32_t *rank = fl_malloc((size_t)(n ? n : 1) * sizeof *rank);
    if (!order || !rank) {
        fl_free(order);
        fl_free(rank);
        return NULL;
    }
    for (int32_t i = 0; i < n; i++)
        order[i] = i;
    rank_dict = d;
    qsort(order, (size_t)n, sizeof *order, cmp_codes);
    for (int32_t i = 0; i < n; i++)
        rank[order[i]] = i;
    fl_free(order);
    fl_free(d->rank);
    d->rank = rank;
    d->rank_count = n;
    return rank;
}

/* ==== column ============================================================ */

fl_column *fl_column_new(fl_type type, int64_t capacity, fl_dict *dict)
{
    fl_column *c = fl_calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->refcount = 1;
    c->type = type;
    if (capacity < 1)
        capacity = 1;
    c->data = fl_malloc((size_t)capacity * fl_type_width(type));
    if (!c->data) {
        fl_free(c);
        return NULL;
    }
    c->capacity = capacity;
    if (type == FL_STRING) {
        if (dict) {
            fl_dict_ref(dict);
            c->dict = dict;
        } else if (!(c->dict = fl_dict_new())) {
            fl_free(c->data);
            fl_free(c);
            return NULL;
        }
    }
    return c;
}

fl_mapping *fl_mapping_new(void *addr, size_t len)
{
    fl_mapping *m = fl_malloc(sizeof *m);
    if (m) {
        m->refcount = 1;
        m->addr = addr;
        m->len = len;
    }
    return m;
}

void fl_mapping_ref(fl_mapping *m)
{
    m->refcount++;
}

void fl_mapping_unref(fl_mapping *m)
{
    if (!m || --m->refcount > 0)
        return;
    munmap(m->addr, m->len);
    fl_free(m);
}

fl_column *fl_column_new_mapped(fl_type type, int64_t n, fl_dict *dict,
                                fl_mapping *m, void *data)
{
    fl_column *c = fl_column_new(type, 1, dict);
    if (!c)
        return NULL;
    fl_free(c->data);
    c->data = data;
    c->length = c->capacity = n;
    c->mapping = m;
    fl_mapping_ref(m);
    return c;
}

void fl_column_ref(fl_column *c)
{
    c->refcount++;
}

void fl_column_unref(fl_column *c)
{
    if (!c || --c->refcount > 0)
        return;
    if (c->mapping)
        fl_mapping_unref(c->mapping);
    else
        fl_free(c->data);
    fl_free(c->validity);
    fl_dict_unref(c->dict);
    fl_free(c);
}

fl_status fl_column_reserve(fl_column *c, int64_t n, fl_error *err)
{
    if (n <= c->capacity)
        return FL_OK;
    if (n > FL_MAX_ROWS)
        return fl_seterr(err, FL_ELIMIT, "more than %lld rows",
                         (long long)FL_MAX_ROWS);
    int64_t cap = c->capacity * 2;
    if (cap < n)
        cap = n;
    if (cap > FL_MAX_ROWS)
        cap = FL_MAX_ROWS;
    size_t w = fl_type_width(c->type);
    void *d;
    if (c->mapping) { /* the mapping cannot grow: copy the values out */
        if ((d = fl_malloc((size_t)cap * w)) != NULL) {
            memcpy(d, c->data, (size_t)c->length * w);
            fl_mapping_unref(c->mapping);
            c->mapping = NULL;
        }
    } else {
        d = fl_realloc(c->data, (size_t)cap * w);
    }
    if (!d)
        return fl_seterr(err, FL_ENOMEM, "out of memory");
    c->data = d;
    if (c->validity) {
        size_t oldb = (size_t)(c->capacity + 7) / 8,
               newb = (size_t)(cap + 7) / 8;
        uint8_t *v = fl_realloc(c->validity, newb);
        if (!v)
            return fl_seterr(err, FL_ENOMEM, "out of memory");
        memset(v + oldb, 0xff, newb - oldb);
        c->validity = v;
    }
    c->capacity = cap;
    return FL_OK;
}

fl_status fl_column_resize(fl_column *c, int64_t n, fl_error *err)
{
    fl_status st = fl_column_reserve(c, n, err);
    if (st != FL_OK)
        return st;
    if (n > c->length) {
        size_t w = fl_type_width(c->type);
        memset((char *)c->data + (size_t)c->length * w, 0,
               (size_t)(n - c->length) * w);
    }
    c->length = n;
    return FL_OK;
}

fl_status fl_column_set_null(fl_column *c, int64_t i, fl_error *err)
{
    if (!c->validity) {
        size_t nb = (size_t)(c->capacity + 7) / 8;
        c->validity = fl_malloc(nb);
        if (!c->validity)
            return fl_seterr(err, FL_ENOMEM, "out of memory");
        memset(c->validity, 0xff, nb);
    }
    if ((c->validity[i >> 3] >> (i & 7)) & 1) {
        c->validity[i >> 3] &= (uint8_t) ~(1u << (i & 7));
        c->null_count++;
    }
    return FL_OK;
}

static inline fl_status grow1(fl_column *c, fl_error *err)
{
    return c->length < c->capacity ? FL_OK
                                   : fl_column_reserve(c, c->length + 1, err);
}

fl_status fl_column_append_null(fl_column *c, fl_error *err)
{
    fl_status st = grow1(c, err);
    if (st != FL_OK)
        return st;
    memset((char *)c->data + (size_t)c->length * fl_type_width(c->type), 0,
           fl_type_width(c->type));
    st = fl_column_set_null(c, c->length, err);
    if (st != FL_OK)
        return st;
    c->length++;
    return FL_OK;
}

#define APPEND_BODY(ctype, v)                                                  \
    fl_status st = grow1(c, err);                                              \
    if (st != FL_OK)                                                           \
        return st;                                                             \
    ((ctype *)c->data)[c->length++] = (v);                                     \
    return FL_OK

fl_status fl_column_append_int(fl_column *c, int64_t v, fl_error *err)
{
    APPEND_BODY(int64_t, v);
}
fl_status fl_column_append_float(fl_column *c, double v, fl_error *err)
{
    APPEND_BODY(double, v);
}
fl_status fl_column_append_bool(fl_column *c, int v, fl_error *err)
{
    APPEND_BODY(uint8_t, (uint8_t)(v != 0));
}
fl_status fl_column_append_date(fl_column *c, int32_t v, fl_error *err)
{
    APPEND_BODY(int32_t, v);
}
fl_status fl_column_append_code(fl_column *c, int32_t code, fl_error *err)
{
    APPEND_BODY(int32_t, code);
}

fl_status fl_column_append_str(fl_column *c, const char *s, size_t len,
                               fl_error *err)
{
    int32_t code;
    fl_status st = fl_dict_intern(c->dict, s, len, &code, NULL, err);
    if (st != FL_OK)
        return st;
    return fl_column_append_code(c, code, err);
}

void fl_column_get(const fl_column *c, int64_t i, fl_value *v)
{
    v->type = c->type;
    v->is_null = !fl_column_valid(c, i);
    if (v->is_null) {
        v->u.i = 0;
        return;
    }
    switch (c->type) {
    case FL_BOOL:
        v->u.b = FL_U8(c)[i];
        break;
    case FL_INT:
    case FL_TIMESTAMP:
        v->u.i = FL_I64(c)[i];
        break;
    case FL_FLOAT:
        v->u.f = FL_F64(c)[i];
        break;
    case FL_DATE:
        v->u.d = FL_I32(c)[i];
        break;
    case FL_STRING: {
        int32_t code = FL_I32(c)[i];
        v->u.str.s = fl_dict_str(c->dict, code);
        v->u.str.len = (size_t)fl_dict_len(c->dict, code);
        break;
    }
    default:
        v->is_null = 1;
    }
}

fl_status fl_column_gather(const fl_column *c, const int32_t *idx, int64_t n,
                           fl_column **out, fl_error *err)
{
    fl_column *r = fl_column_new(c->type, n, c->dict);
    if (!r)
        return fl_seterr(err, FL_ENOMEM, "out of memory");
    r->length = n;
    /* one typed loop per width; the null check only when needed */
    switch (fl_type_width(c->type)) {
    case 8: {
        const int64_t *src = c->data;
        int64_t *dst = r->data;
        for (int64_t k = 0; k < n; k++)
            dst[k] = idx[k] >= 0 ? src[idx[k]] : 0;
        break;
    }
    case 4: {
        const int32_t *src = c->data;
        int32_t *dst = r->data;
        for (int64_t k = 0; k < n; k++)
            dst[k] = idx[k] >= 0 ? src[idx[k]] : 0;
        break;
    }
    default: {
        const uint8_t *src = c->data;
        uint8_t *dst = r->data;
        for (int64_t k = 0; k < n; k++)
            dst[k] = idx[k] >= 0 ? src[idx[k]] : 0;
        break;
    }
    }
    int need_nulls = c->validity != NULL;
    if (!need_nulls)
        for (int64_t k = 0; k < n; k++)
            if (idx[k] < 0) {
                need_nulls = 1;
                break;
            }
    if (need_nulls) {
        for (int64_t k = 0; k < n; k++) {
            if (idx[k] < 0 || !fl_column_valid(c, idx[k])) {
                fl_status st = fl_column_set_null(r, k, err);
                if (st != FL_OK) {
                    fl_column_unref(r);
                    return st;
                }
            }
        }
    }
    *out = r;
    return FL_OK;
}

fl_status fl_column_constant(const fl_value *v, int64_t n, fl_column **out,
                             fl_error *err)
{
    fl_column *r = fl_column_new(v->type, n, NULL);
    if (!r)
        return fl_seterr(err, FL_ENOMEM, "out of memory");
    fl_status st = fl_column_resize(r, n, err);
    if (st != FL_OK)
        goto fail;
    if (v->is_null) {
        if (n > 0) {
            st = fl_column_set_null(r, 0, err);
            if (st != FL_OK)
                goto fail;
            memset(r->validity, 0, (size_t)(r->capacity + 7) / 8);
            r->null_count = n;
        }
        *out = r;
        return FL_OK;
    }
    switch (v->type) {
    case FL_BOOL:
        memset(r->data, v->u.b != 0, (size_t)n);
        break;
    case FL_INT:
    case FL_TIMESTAMP:
        for (int64_t k = 0; k < n; k++)
            FL_I64(r)[k] = v->u.i;
        break;
    case FL_FLOAT:
        for (int64_t k = 0; k < n; k++)
            FL_F64(r)[k] = v->u.f;
        break;
    case FL_DATE:
        for (int64_t k = 0; k < n; k++)
            FL_I32(r)[k] = v->u.d;
        break;
    case FL_STRING: {
        int32_t code;
        st =
            fl_dict_intern(r->dict, v->u.str.s, v->u.str.len, &code, NULL, err);
        if (st != FL_OK)
            goto fail;
        for (int64_t k = 0; k < n; k++)
            FL_I32(r)[k] = code;
        break;
    }
    default:
        break;
    }
    *out = r;
    return FL_OK;
fail:
    fl_column_unref(r);
    return st;
}

fl_status fl_column_cast(const fl_column *c, fl_type to, fl_column **out,
                         fl_error *err)
{
    if (c->type == to) {
        fl_column_ref((fl_column *)c);
        *out = (fl_column *)c;
        return FL_OK;
    }
    int ok = (c->type == FL_INT && to == FL_FLOAT) ||
             (c->type == FL_DATE && to == FL_TIMESTAMP);
    if (!ok)
        return fl_seterr(err, FL_EINVAL, "cannot convert %s to %s",
                         fl_type_name(c->type), fl_type_name(to));
    fl_column *r = fl_column_new(to, c->length, NULL);
    if (!r)
        return fl_seterr(err, FL_ENOMEM, "out of memory");
    r->length = c->length;
    if (to == FL_FLOAT)
        for (int64_t k = 0; k < c->length; k++)
            FL_F64(r)[k] = (double)FL_I64(c)[k];
    else
        for (int64_t k = 0; k < c->length; k++)
            FL_I64(r)[k] = (int64_t)FL_I32(c)[k] * INT64_C(86400000000);
    if (c->validity) {
        size_t nb = (size_t)(r->capacity + 7) / 8;
        r->validity = fl_malloc(nb);
        if (!r->validity) {
            fl_column_unref(r);
            return fl_seterr(err, FL_ENOMEM, "out of memory");
        }
        memset(r->validity, 0xff, nb);
        memcpy(r->validity, c->validity, (size_t)(c->length + 7) / 8);
        r->null_count = c->null_count;
    }
    *out = r;
    return FL_OK;
}

/* ==== table ============================================================= */

fl_status fl_table_new(int ncols, const char *const *names, fl_column **cols,
                       int64_t nrows, fl_table **out, fl_error *err)
{
    fl_status st = FL_OK;
    fl_table *t = fl_calloc(1, sizeof *t);
    if (!t) {
        st = fl_seterr(err, FL_ENOMEM, "out of memory");
        goto fail_cols;
    }
    t->refcount = 1;
    t->nrows = nrows;
    t->names = fl_calloc((size_t)(ncols ? ncols : 1), sizeof *t->names);
    t->cols = fl_calloc((size_t)(ncols ? ncols : 1), sizeof *t->cols);
    if (!t->names || !t->cols) {
        fl_free(t->names);
        fl_free(t->cols);
        fl_free(t);
        st = fl_seterr(err, FL_ENOMEM, "out of memory");
        goto fail_cols;
    }
    for (int i = 0; i < ncols; i++) {
        t->cols[i] = cols[i];
        t->ncols = i + 1;
        if (!names[i] || !names[i][0]) {
            st =
                fl_seterr(err, FL_EINVAL, "column %d has an empty name", i + 1);
            goto fail_table;
        }
        for (int j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0) {
                st = fl_seterr(err, FL_EINVAL, "duplicate column name '%s'",
                               names[i]);
                goto fail_table;
            }
        if (!(t->names[i] = fl_strdup(names[i]))) {
            st = fl_seterr(err, FL_ENOMEM, "out of memory");
            goto fail_table;
        }
    }
    *out = t;
    return FL_OK;
fail_table:
    for (int i = t->ncols; i < ncols; i++)
        fl_column_unref(cols[i]);
    fl_table_unref(t);
    return st;
fail_cols:
    for (int i = 0; i < ncols; i++)
        fl_column_unref(cols[i]);
    return st;
}

void fl_table_ref(fl_table *t)
{
    t->refcount++;
}

void fl_table_unref(fl_table *t)
{
    if (!t || --t->refcount > 0)
        return;
    for (int i = 0; i < t->ncols; i++) {
        fl_free(t->names[i]);
        fl_column_unref(t->cols[i]);
    }
    fl_free(t->names);
    fl_free(t->cols);
    fl_free(t->sel);
    fl_free(t);
}

int fl_table_find(const fl_table *t, const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (strcmp(t->names[i], name) == 0)
            return i;
    return -1;
}

const char *fl_table_names_text(const fl_table *t, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = 0;
    for (int i = 0; i < t->ncols; i++) {
        size_t need = strlen(t->names[i]) + 2;
        if (len + need + 5 >= cap) {
            snprintf(buf + len, cap - len, "%s...", i ? ", " : "");
            break;
        }
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? ", " : "",
                                t->names[i]);
    }
    return buf;
}

fl_status fl_table_column(const fl_table *t, int i, fl_column **out,
                          fl_error *err)
{
    if (!t->sel) {
        fl_column_ref(t->cols[i]);
        *out = t->cols[i];
        return FL_OK;
    }
    return fl_column_gather(t->cols[i], t->sel, t->nrows, out, err);
}

/* New table with the same names over new columns (taken). */
static fl_status table_like(const fl_table *t, fl_column **cols, int64_t nrows,
                            fl_table **out, fl_error *err)
{
    return fl_table_new(t->ncols, (const char *const *)t->names, cols, nrows,
                        out, err);
}

fl_status fl_table_materialize(const fl_table *t, fl_table **out, fl_error *err)
{
    if (!t->sel) {
        fl_table_ref((fl_table *)t);
        *out = (fl_table *)t;
        return FL_OK;
    }
    fl_column **cols =
        fl_calloc((size_t)(t->ncols ? t->ncols : 1), sizeof *cols);
    if (!cols)
        return fl_seterr(err, FL_ENOMEM, "out of memory");
    for (int i = 0; i < t->ncols; i++) {
        fl_status st = fl_table_column(t, i, &cols[i], err);
        if (st != FL_OK) {
            for (int j = 0; j < i; j++)
                fl_column_unref(cols[j]);
            fl_free(cols);
            return st;
        }
    }
    fl_status st = table_like(t, cols, t->nrows, out, err);
    fl_free(cols);
    return st;
}

fl_status fl_table_take(const fl_table *t, const int32_t *sel, int64_t n,
                        fl_table **out, fl_error *err)
{
    int32_t *s = fl_malloc((size_t)(n ? n : 1) * sizeof *s);
    if (!s)
        return fl_seterr(err, FL_ENOMEM, "out of memory");
    for (int64_t k = 0; k < n; k++)
        s[k] = t->sel ? t->sel[sel[k]] : sel[k];
    for (int i = 0; i < t->ncols; i++)
        fl_column_ref(t->cols[i]);
    fl_table *r;
    fl_status st = table_like(t, t->cols, n, &r, err);
    if (st != FL_OK) {
        fl_free(s);
        return st;
    }
    r->sel = s;
    *out = r;
    return FL_OK;
}
