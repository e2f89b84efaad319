/*
 * fl_ops.c -- table operations that are neither expressions nor aggregates:
 * select, rename, with, head, sort, distinct, join, write_csv (contract:
 * fl_ops.h).
 *
 * Layer: engine/, above fl_expr (computed columns) and fl_agg (distinct uses
 * fl_group_ids). No Lua here.
 *
 * Choices a reader may want to know about:
 * - select, rename, head and sort never copy column data: the result shares
 *   the input's columns and, where rows change, carries a selection vector.
 *   head of a table without selection also gets one (0..n-1): 4 bytes a row
 *   once, instead of gathering every column.
 * - sort turns each key into an order-preserving uint64 per row (descending
 *   is the bitwise complement) and runs one stable LSD radix sort per key,
 *   last key first, so that earlier keys decide and ties keep the input
 *   order. Nulls are moved behind the values by a stable partition in each
 *   pass, which puts them last in both directions. Strings sort by the rank
 *   of their code in the dictionary (code point order); floats numerically
 *   with -0.0 equal to 0.0 and NaN after +inf but before nulls (as fl_agg).
 * - join reduces both keys to int64 (string codes of the right table mapped
 *   into the left dictionary once per distinct string; floats compared with
 *   ints only when integral), builds an open-addressing hash table on the
 *   right rows and probes it with the left rows in order. NaN float keys
 *   match each other (one value, as in grouping); -0.0 matches 0.0.
 * - write_csv writes floats with the shortest of %.15g/%.16g/%.17g that
 *   reads back to the same double, plus ".0" when that text would look like
 *   an integer (3.0 -> "3.0", -0.0 -> "-0.0"), so that a float column reads
 *   back as float; infinities and NaN are "inf", "-inf", "nan" (strtod reads
 *   them). An empty string is written as "" so that it differs from a null
 *   (and so is the null of a one-column table: readers skip blank lines).
 *   Besides RFC 4180's cases, a field is quoted when it starts or ends with
 *   a space or tab (readers trim those), and a header name when it holds
 *   ';', '|' or a tab (readers that detect the delimiter look at the header).
 */
#include "fl_ops.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static fl_status oom(fl_error *err)
{
    return fl_seterr(err, FL_ENOMEM, "out of memory");
}

/* FL_EINVAL naming the missing column and the table's columns. */
static fl_status no_column(const char *op, const char *name, const fl_table *t,
                           fl_error *err)
{
    char list[320];
    return fl_seterr(err, FL_EINVAL, "%s: no column '%s' (columns: %s)", op,
                     name, fl_table_names_text(t, list, sizeof list));
}

/* A table over columns cols[0..ncols) of t's kind (references are taken
 * here, not from the caller) whose rows are sel[0..nrows), row ids into the
 * columns; sel is taken (also on failure) and may be NULL for "no
 * selection". */
static fl_status share(int ncols, const char *const *names, fl_column **cols,
                       int32_t *sel, int64_t nrows, fl_table **out,
                       fl_error *err)
{
    for (int i = 0; i < ncols; i++)
        fl_column_ref(cols[i]);
    fl_table *r;
    fl_status st = fl_table_new(ncols, names, cols, nrows, &r, err);
    if (st != FL_OK) {
        fl_free(sel);
        return st;
    }
    r->sel = sel;
    *out = r;
    return FL_OK;
}

/* A copy of t's selection vector (NULL when t has none) in *sel. */
static fl_status copy_sel(const fl_table *t, int32_t **sel, fl_error *err)
{
    *sel = NULL;
    if (!t->sel)
        return FL_OK;
    *sel = fl_malloc((size_t)(t->nrows ? t->nrows : 1) * sizeof **sel);
    if (!*sel)
        return oom(err);
    memcpy(*sel, t->sel, (size_t)t->nrows * sizeof **sel);
    return FL_OK;
}

/* Looks up every name in t: idx[i] = column index. */
static fl_status find_all(const char *op, const fl_table *t,
                          const char *const *names, int n, int *idx,
                          fl_error *err)
{
    for (int i = 0; i < n; i++) {
        if (!names[i])
            return fl_seterr(err, FL_EINVAL, "%s: column name %d is missing",
                             op, i + 1);
        if ((idx[i] = fl_table_find(t, names[i])) < 0)
            return no_column(op, names[i], t, err);
    }
    return FL_OK;
}

/* ==== select, rename, head ============================================== */

fl_status fl_table_select(const fl_table *t, const char *const *names, int n,
                          fl_table **out, fl_error *err)
{
    if (n <= 0)
        return fl_seterr(err, FL_EINVAL, "select: no columns given");
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
            if (names[i] && names[j] && strcmp(names[i], names[j]) == 0)
                return fl_seterr(err, FL_EINVAL,
                                 "select: column '%s' is named twice",
                                 names[i]);
    int *idx = fl_malloc((size_t)n * sizeof *idx);
    fl_column **cols = fl_malloc((size_t)n * sizeof *cols);
    int32_t *sel = NULL;
    fl_status st = FL_OK;
    if (!idx || !cols) {
        st = oom(err);
        goto done;
    }
    if ((st = find_all("select", t, names, n, idx, err)) != FL_OK)
        goto done;
    for (int i = 0; i < n; i++)
        cols[i] = t->cols[idx[i]];
    if ((st = copy_sel(t, &sel, err)) != FL_OK)
        goto done;
    st = share(n, names, cols, sel, t->nrows, out, err);
done:
    fl_free(idx);
    fl_free(cols);
    return st;
}

fl_status fl_table_rename(const fl_table *t, const char *const *old,
                          const char *const *new_, int n, fl_table **out,
                          fl_error *err)
{
    const char **names =
        fl_malloc((size_t)(t->ncols ? t->ncols : 1) * sizeof *names);
    int *renamed =
        fl_calloc((size_t)(t->ncols ? t->ncols : 1), sizeof *renamed);
    int32_t *sel = NULL;
    fl_status st = FL_OK;
    if (!names || !renamed) {
        st = oom(err);
        goto done;
    }
    for (int i = 0; i < t->ncols; i++)
        names[i] = t->names[i];
    for (int i = 0; i < n; i++) {
        int j = old[i] ? fl_table_find(t, old[i]) : -1;
        if (j < 0) {
            st = no_column("rename", old[i] ? old[i] : "(missing)", t, err);
            goto done;
        }
        if (renamed[j]++) {
            st = fl_seterr(err, FL_EINVAL, "rename: column '%s' renamed twice",
                           old[i]);
            goto done;
        }
        if (!new_[i] || !new_[i][0]) {
            st = fl_seterr(err, FL_EINVAL, "rename: new name for '%s' is empty",
                           old[i]);
            goto done;
        }
        names[j] = new_[i];
    }
    for (int i = 0; i < t->ncols; i++)
        for (int j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0) {
                st = fl_seterr(err, FL_EINVAL,
                               "rename: two columns would be named '%s'",
                               names[i]);
                goto done;
            }
    if ((st = copy_sel(t, &sel, err)) != FL_OK)
        goto done;
    st = share(t->ncols, names, t->cols, sel, t->nrows, out, err);
done:
    fl_free(names);
    fl_free(renamed);
    return st;
}

fl_status fl_table_head(const fl_table *t, int64_t n, fl_table **out,
                        fl_error *err)
{
    if (n >= t->nrows) { /* tables are immutable: the same one will do */
        fl_table_ref((fl_table *)t);
        *out = (fl_table *)t;
        return FL_OK;
    }
    if (n < 0)
        n = 0;
    int32_t *sel = fl_malloc((size_t)(n ? n : 1) * sizeof *sel);
    if (!sel)
        return oom(err);
    for (int64_t r = 0; r < n; r++)
        sel[r] = (int32_t)fl_table_row(t, r);
    return share(t->ncols, (const char *const *)t->names, t->cols, sel, n, out,
                 err);
}

/* ==== with ================================================================ */

fl_status fl_table_with(const fl_table *t, const char *const *names,
                        fl_expr *const *exprs, int n, fl_table **out,
                        fl_error *err)
{
    for (int i = 0; i < n; i++) {
        if (!names[i] || !names[i][0])
            return fl_seterr(err, FL_EINVAL, "with: column %d has no name",
                             i + 1);
        for (int j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                return fl_seterr(err, FL_EINVAL,
                                 "with: column '%s' is computed twice",
                                 names[i]);
    }
    fl_table *m = NULL;
    fl_status st = fl_table_materialize(t, &m, err);
    if (st != FL_OK)
        return st;
    /* Every expression sees the input table, not the columns computed
     * before it: the order of a Lua table's keys must not matter. */
    int cap = m->ncols + n;
    fl_column **cols = fl_calloc((size_t)(cap ? cap : 1), sizeof *cols);
    fl_column **computed = fl_calloc((size_t)(n ? n : 1), sizeof *computed);
    const char **outnames =
        fl_malloc((size_t)(cap ? cap : 1) * sizeof *outnames);
    if (!cols || !computed || !outnames) {
        st = oom(err);
        goto done;
    }
    for (int i = 0; i < n; i++)
        if ((st = fl_expr_eval(exprs[i], m, &computed[i], err)) != FL_OK)
            goto done;
    int ncols = m->ncols;
    for (int i = 0; i < m->ncols; i++) {
        cols[i] = m->cols[i];
        outnames[i] = m->names[i];
    }
    for (int i = 0; i < n; i++) {
        int j = fl_table_find(m, names[i]);
        if (j < 0) {
            j = ncols++;
            outnames[j] = names[i];
        }
        cols[j] = computed[i];
    }
    st = share(ncols, outnames, cols, NULL, m->nrows, out, err);
done:
    if (computed)
        for (int i = 0; i < n; i++)
            fl_column_unref(computed[i]);
    fl_free(computed);
    fl_free(cols);
    fl_free(outnames);
    fl_table_unref(m);
    return st;
}

/* ==== sort ==================================================================
 * Rows are sorted as an array of row ids into the columns (perm), one stable
 * pass per key from the last key to the first. A pass: stable partition of
 * perm into rows with a value and rows with a null; then an LSD radix sort of
 * the valued rows on an order-preserving uint64 of their key. */

#define SIGN64 UINT64_C(0x8000000000000000)

/* Order-preserving uint64 of a double: -0.0 as 0.0, every NaN above +inf. */
static inline uint64_t float_order(double d)
{
    if (d == 0.0)
        d = 0.0;
    if (isnan(d))
        return UINT64_MAX;
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return (u & SIGN64) ? ~u : u | SIGN64;
}

/* Writes the order key of c[perm[j]] for j < n into key (complemented when
 * desc). One typed loop per column type. */
static void order_keys(const fl_column *c, const int32_t *ranks,
                       const int32_t *perm, int64_t n, int desc, uint64_t *key)
{
    switch (c->type) {
    case FL_BOOL:
        for (int64_t j = 0; j < n; j++)
            key[j] = FL_U8(c)[perm[j]];
        break;
    case FL_INT:
    case FL_TIMESTAMP:
        for (int64_t j = 0; j < n; j++)
            key[j] = (uint64_t)FL_I64(c)[perm[j]] ^ SIGN64;
        break;
    case FL_FLOAT:
        for (int64_t j = 0; j < n; j++)
            key[j] = float_order(FL_F64(c)[perm[j]]);
        break;
    case FL_DATE:
        for (int64_t j = 0; j < n; j++)
            key[j] = (uint32_t)FL_I32(c)[perm[j]] ^ UINT32_C(0x80000000);
        break;
    case FL_STRING:
        for (int64_t j = 0; j < n; j++)
            key[j] = (uint64_t)ranks[FL_I32(c)[perm[j]]];
        break;
    default:
        break;
    }
    if (desc)
        for (int64_t j = 0; j < n; j++)
            key[j] = ~key[j];
}

/* Stable LSD radix sort of perm[0..n) by key[0..n), one byte per pass,
 * skipping the bytes in which all keys agree. tmp_perm and tmp_key are
 * scratch of n entries; the result ends in perm. */
static void radix_sort(int32_t *perm, uint64_t *key, int32_t *tmp_perm,
                       uint64_t *tmp_key, int64_t n)
{
    int64_t count[8][256]; /* per byte of the key, per byte value */
    memset(count, 0, sizeof count);
    for (int64_t j = 0; j < n; j++)
        for (int b = 0; b < 8; b++)
            count[b][(key[j] >> (8 * b)) & 0xff]++;
    int32_t *p = perm, *tp = tmp_perm;
    uint64_t *k = key, *tk = tmp_key;
    for (int b = 0; b < 8; b++) {
        int64_t *cnt = count[b];
        if (cnt[(k[0] >> (8 * b)) & 0xff] == n)
            continue; /* every key has the same byte here */
        int64_t pos = 0;
        for (int v = 0; v < 256; v++) {
            int64_t c = cnt[v];
            cnt[v] = pos;
            pos += c;
        }
        for (int64_t j = 0; j < n; j++) {
            int64_t at = cnt[(k[j] >> (8 * b)) & 0xff]++;
            tk[at] = k[j];
            tp[at] = p[j];
        }
        int32_t *sp = p;
        p = tp;
        tp = sp;
        uint64_t *sk = k;
        k = tk;
        tk = sk;
    }
    if (p != perm)
        memcpy(perm, p, (size_t)n * sizeof *perm);
}

/* Moves the rows of perm whose value in c is null behind the others, both
 * groups keeping their order; returns the number of rows with a value. */
static int64_t nulls_last(const fl_column *c, int32_t *perm, int32_t *tmp,
                          int64_t n)
{
    if (!c->validity || c->null_count == 0)
        return n;
    int64_t nv = 0, nn = 0;
    for (int64_t j = 0; j < n; j++) {
        if (fl_column_valid(c, perm[j]))
            perm[nv++] = perm[j];
        else
            tmp[nn++] = perm[j];
    }
    memcpy(perm + nv, tmp, (size_t)nn * sizeof *perm);
    return nv;
}

fl_status fl_table_sort(const fl_table *t, const char *const *cols,
                        const int *desc, int n, fl_table **out, fl_error *err)
{
    if (n <= 0)
        return fl_seterr(err, FL_EINVAL, "sort: no columns given");
    int64_t nr = t->nrows;
    size_t sz = (size_t)(nr ? nr : 1);
    int *idx = fl_malloc((size_t)n * sizeof *idx);
    int32_t *perm = fl_malloc(sz * sizeof *perm);
    int32_t *tmp_perm = fl_malloc(sz * sizeof *tmp_perm);
    uint64_t *key = fl_malloc(sz * sizeof *key);
    uint64_t *tmp_key = fl_malloc(sz * sizeof *tmp_key);
    fl_status st = FL_OK;
    if (!idx || !perm || !tmp_perm || !key || !tmp_key) {
        st = oom(err);
        goto done;
    }
    if ((st = find_all("sort", t, cols, n, idx, err)) != FL_OK)
        goto done;
    for (int64_t r = 0; r < nr; r++)
        perm[r] = (int32_t)fl_table_row(t, r);
    for (int i = n - 1; i >= 0; i--) {
        const fl_column *c = t->cols[idx[i]];
        const int32_t *ranks = NULL;
        if (c->type == FL_STRING && !(ranks = fl_dict_ranks(c->dict))) {
            st = oom(err);
            goto done;
        }
        int64_t nv = nulls_last(c, perm, tmp_perm, nr);
        if (nv < 2)
            continue;
        order_keys(c, ranks, perm, nv, desc && desc[i], key);
        radix_sort(perm, key, tmp_perm, tmp_key, nv);
    }
    st = share(t->ncols, (const char *const *)t->names, t->cols, perm, nr, out,
               err);
    perm = NULL; /* taken by share */
done:
    fl_free(idx);
    fl_free(perm);
    fl_free(tmp_perm);
    fl_free(key);
    fl_free(tmp_key);
    return st;
}

/* ==== distinct ============================================================ */

fl_status fl_table_distinct(const fl_table *t, const char *const *cols, int n,
                            fl_table **out, fl_error *err)
{
    if (n <= 0)
        return fl_seterr(err, FL_EINVAL, "distinct: no columns given");
    int *idx = fl_malloc((size_t)n * sizeof *idx);
    fl_expr **keys = fl_calloc((size_t)n, sizeof *keys);
    fl_column **kc = fl_calloc((size_t)n, sizeof *kc);
    int32_t *gid = NULL;
    int64_t ngroups = 0;
    fl_status st = FL_OK;
    if (!idx || !keys || !kc) {
        st = oom(err);
        goto done;
    }
    if ((st = find_all("distinct", t, cols, n, idx, err)) != FL_OK)
        goto done;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
            if (strcmp(cols[i], cols[j]) == 0) {
                st = fl_seterr(err, FL_EINVAL,
                               "distinct: column '%s' is named twice", cols[i]);
                goto done;
            }
    for (int i = 0; i < n; i++)
        if (!(keys[i] = fl_expr_col(cols[i]))) {
            st = oom(err);
            goto done;
        }
    if ((st = fl_group_ids(t, keys, n, &gid, &ngroups, kc, err)) != FL_OK)
        goto done;
    st = fl_table_new(n, cols, kc, ngroups, out, err);
    for (int i = 0; i < n; i++)
        kc[i] = NULL; /* taken by fl_table_new */
done:
    if (keys)
        for (int i = 0; i < n; i++)
            fl_expr_unref(keys[i]);
    if (kc && st != FL_OK)
        for (int i = 0; i < n; i++)
            fl_column_unref(kc[i]);
    fl_free(idx);
    fl_free(keys);
    fl_free(kc);
    fl_free(gid);
    return st;
}

/* ==== join ==================================================================
 * Keys are reduced to int64 so that two key values are equal exactly when
 * their int64 are; a row whose key can match nothing (null, a float that is
 * not an integer against an int key, a string absent from the other side's
 * dictionary) gets ok = 0. */

typedef enum {
    KEY_INT,      /* int, date, timestamp, bool: the value itself */
    KEY_FLOAT,    /* float with float: canonical bits */
    KEY_FLOAT_INT /* float with int: the float when it is an exact int64 */
} key_kind;

/* key[r], ok[r] for the rows r of t in column c (a column of t). code_map,
 * when not NULL, maps string codes to the other side's codes (-1: absent). */
static void reduce_keys(const fl_table *t, const fl_column *c, key_kind kind,
                        const int32_t *code_map, int64_t *key, uint8_t *ok)
{
    int64_t n = t->nrows;
    for (int64_t r = 0; r < n; r++) {
        int64_t i = fl_table_row(t, r);
        ok[r] = (uint8_t)fl_column_valid(c, i);
        key[r] = 0;
    }
    switch (c->type) {
    case FL_BOOL:
        for (int64_t r = 0; r < n; r++)
            key[r] = FL_U8(c)[fl_table_row(t, r)];
        break;
    case FL_DATE:
        for (int64_t r = 0; r < n; r++)
            key[r] = FL_I32(c)[fl_table_row(t, r)];
        break;
    case FL_STRING:
        for (int64_t r = 0; r < n; r++) {
            int32_t code = FL_I32(c)[fl_table_row(t, r)];
            if (code_map && ok[r]) {
                code = code_map[code];
                ok[r] = code >= 0;
            }
            key[r] = code;
        }
        break;
    case FL_INT:
    case FL_TIMESTAMP:
        for (int64_t r = 0; r < n; r++)
            key[r] = FL_I64(c)[fl_table_row(t, r)];
        break;
    case FL_FLOAT:
        for (int64_t r = 0; r < n; r++) {
            double d = FL_F64(c)[fl_table_row(t, r)];
            if (kind == KEY_FLOAT) {
                key[r] = fl_float_key(d);
            } else if (d >= -9223372036854775808.0 &&
                       d < 9223372036854775808.0 && d == floor(d)) {
                key[r] = (int64_t)d; /* exact: d is an integer in range */
            } else {
                ok[r] = 0; /* fraction, NaN or out of range: equals no int */
            }
        }
        break;
    default:
        break;
    }
}

/* The right table's string codes in the left dictionary: map[code] = left
 * code or -1, looked up once per distinct code that occurs in the rows of
 * rt (NULL in *out when both use the same dictionary). */
static fl_status map_codes(const fl_column *lc, const fl_table *rt,
                           const fl_column *rc, int32_t **out, fl_error *err)
{
    *out = NULL;
    if (lc->dict == rc->dict)
        return FL_OK;
    int32_t nd = rc->dict->count;
    int32_t *map = fl_malloc((size_t)(nd ? nd : 1) * sizeof *map);
    if (!map)
        return oom(err);
    for (int32_t k = 0; k < nd; k++)
        map[k] = -2; /* not looked up yet */
    for (int64_t r = 0; r < rt->nrows; r++) {
        int64_t i = fl_table_row(rt, r);
        if (!fl_column_valid(rc, i))
            continue;
        int32_t code = FL_I32(rc)[i];
        if (map[code] == -2)
            map[code] = fl_dict_find(lc->dict, fl_dict_str(rc->dict, code),
                                     (size_t)fl_dict_len(rc->dict, code));
    }
    *out = map;
    return FL_OK;
}

/* MurmurHash3's 64-bit finalizer: low bits are good table indices. */
static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    x ^= x >> 33;
    return x;
}

/* Open-addressing table from a key to the chain of right rows holding it:
 * head[s] is the first such row (-1: empty slot), next[r] the following one,
 * in right row order; count[s] the chain's length. */
typedef struct {
    uint64_t mask;
    int64_t *keys;
    int32_t *head;
    int32_t *count;
    int32_t *next;
} join_hash;

static void hash_free(join_hash *h)
{
    fl_free(h->keys);
    fl_free(h->head);
    fl_free(h->count);
    fl_free(h->next);
}

/* Slot holding key, or of the empty slot where it would go. */
static inline uint64_t hash_slot(const join_hash *h, int64_t key)
{
    uint64_t s = mix64((uint64_t)key) & h->mask;
    while (h->head[s] >= 0 && h->keys[s] != key)
        s = (s + 1) & h->mask;
    return s;
}

static fl_status hash_build(join_hash *h, const int64_t *key, const uint8_t *ok,
                            int64_t n, fl_error *err)
{
    int64_t nvalid = 0;
    for (int64_t r = 0; r < n; r++)
        nvalid += ok[r];
    uint64_t cap = 16;
    while (cap < 2 * (uint64_t)nvalid)
        cap <<= 1;
    h->mask = cap - 1;
    h->keys = fl_malloc(cap * sizeof *h->keys);
    h->head = fl_malloc(cap * sizeof *h->head);
    h->count = fl_calloc(cap, sizeof *h->count);
    h->next = fl_malloc((size_t)(n ? n : 1) * sizeof *h->next);
    if (!h->keys || !h->head || !h->count || !h->next)
        return oom(err);
    memset(h->head, 0xff, cap * sizeof *h->head);
    /* backwards, pushing on the front, so that chains are in row order */
    for (int64_t r = n - 1; r >= 0; r--) {
        if (!ok[r])
            continue;
        uint64_t s = hash_slot(h, key[r]);
        h->keys[s] = key[r];
        h->next[r] = h->head[s];
        h->head[s] = (int32_t)r;
        h->count[s]++;
    }
    return FL_OK;
}

/* The join's key kind for a left and a right key column, or FL_EINVAL. */
static fl_status key_kind_of(const fl_column *lc, const fl_column *rc,
                             const char *lkey, const char *rkey, key_kind *kind,
                             fl_error *err)
{
    fl_type a = lc->type, b = rc->type;
    if (a == b) {
        *kind = a == FL_FLOAT ? KEY_FLOAT : KEY_INT;
        return FL_OK;
    }
    if ((a == FL_INT && b == FL_FLOAT) || (a == FL_FLOAT && b == FL_INT)) {
        *kind = KEY_FLOAT_INT;
        return FL_OK;
    }
    return fl_seterr(err, FL_EINVAL,
                     "join: cannot match %s key '%s' with %s key '%s'",
                     fl_type_name(a), lkey, fl_type_name(b), rkey);
}

/* Output names: left names, then right names except a dropped key, with
 * `suffix` on a right name that clashes with a left one. names[] point into
 * the tables or into the fl_malloc'd suffixed[] strings. */
static fl_status join_names(const fl_table *left, const fl_table *right,
                            int drop, const char *suffix, const char **names,
                            char **suffixed, int *nout, fl_error *err)
{
    int n = 0;
    for (int i = 0; i < left->ncols; i++)
        names[n++] = left->names[i];
    for (int j = 0; j < right->ncols; j++) {
        if (j == drop)
            continue;
        const char *name = right->names[j];
        if (fl_table_find(left, name) >= 0) {
            if (!suffix || !suffix[0])
                return fl_seterr(err, FL_EINVAL,
                                 "join: column '%s' is in both tables; give "
                                 "a suffix",
                                 name);
            size_t len = strlen(name) + strlen(suffix) + 1;
            char *s = fl_malloc(len);
            if (!s)
                return oom(err);
            snprintf(s, len, "%s%s", name, suffix);
            suffixed[j] = s;
            name = s;
        }
        for (int k = 0; k < n; k++)
            if (strcmp(names[k], name) == 0)
                return fl_seterr(err, FL_EINVAL,
                                 "join: two result columns would be named "
                                 "'%s' (rename one first)",
                                 name);
        names[n++] = name;
    }
    *nout = n;
    return FL_OK;
}

/* The pairs of a join, the usual way: a hash table over the right keys,
 * probed by each left row once. lk is overwritten. */
static fl_status pairs_hash_right(const fl_table *left, const fl_table *right,
                                  fl_join_how how, int64_t *lk,
                                  const uint8_t *lok, const int64_t *rk,
                                  const uint8_t *rok, int32_t **lidx_out,
                                  int32_t **ridx_out, int64_t *total_out,
                                  fl_error *err)
{
    int64_t nl = left->nrows, nr = right->nrows, total = 0;
    join_hash h = {0};
    int32_t *lidx = NULL, *ridx = NULL;
    fl_status st;
    if ((st = hash_build(&h, rk, rok, nr, err)) != FL_OK)
        goto done;
    /* pass 1: the number of output rows. lk[r] is not needed afterwards,
     * so it keeps the first matching right row (or -1) for pass 2. */
    for (int64_t r = 0; r < nl; r++) {
        int32_t first = -1;
        if (lok[r]) {
            uint64_t s = hash_slot(&h, lk[r]);
            if ((first = h.head[s]) >= 0)
                total += h.count[s];
        }
        if (first < 0)
            total += how == FL_JOIN_LEFT;
        lk[r] = first;
    }
    if (total > FL_MAX_ROWS) {
        st = fl_seterr(err, FL_EINVAL,
                       "join: the result would have %" PRId64
                       " rows, more than a table can hold (%" PRId64 ")",
                       total, FL_MAX_ROWS);
        goto done;
    }
    /* pass 2: pairs of row ids into the columns, -1 for a missing right */
    size_t tsz = (size_t)(total ? total : 1);
    lidx = fl_malloc(tsz * sizeof *lidx);
    ridx = fl_malloc(tsz * sizeof *ridx);
    if (!lidx || !ridx) {
        fl_free(lidx);
        fl_free(ridx);
        st = oom(err);
        goto done;
    }
    int64_t k = 0;
    for (int64_t r = 0; r < nl; r++) {
        int32_t l = (int32_t)fl_table_row(left, r);
        int32_t m = (int32_t)lk[r];
        if (m < 0 && how == FL_JOIN_LEFT) {
            lidx[k] = l;
            ridx[k++] = -1;
        }
        for (; m >= 0; m = h.next[m]) {
            lidx[k] = l;
            ridx[k++] = (int32_t)fl_table_row(right, m);
        }
    }
    *lidx_out = lidx;
    *ridx_out = ridx;
    *total_out = total;
done:
    hash_free(&h);
    return st;
}

/* The pairs of a join whose left side is much smaller than its right (a
 * few deals against all leads): the hash table is built over the left keys
 * and the right rows probe it, so that no table of the large side is built.
 * The pairs come out in the same order as from the usual way -- by left
 * row, then matching right rows in row order -- by counting each left
 * row's matches first and placing them at its offset. rk is overwritten. */
static fl_status pairs_small_left(const fl_table *left, const fl_table *right,
                                  fl_join_how how, const int64_t *lk,
                                  const uint8_t *lok, int64_t *rk,
                                  const uint8_t *rok, int32_t **lidx_out,
                                  int32_t **ridx_out, int64_t *total_out,
                                  fl_error *err)
{
    int64_t nl = left->nrows, nr = right->nrows;
    join_hash h = {0};
    int64_t *pos = fl_calloc((size_t)(nl ? nl : 1), sizeof *pos);
    fl_status st = pos ? hash_build(&h, lk, lok, nl, err) : oom(err);
    if (st != FL_OK)
        goto done;
    /* matches per left row; rk[r] becomes the first left row of r's
     * chain, or -1 */
    for (int64_t r = 0; r < nr; r++) {
        int32_t first = -1;
        if (rok[r]) {
            first = h.head[hash_slot(&h, rk[r])];
            for (int32_t l = first; l >= 0; l = h.next[l])
                pos[l]++;
        }
        rk[r] = first;
    }
    int64_t total = 0;
    for (int64_t l = 0; l < nl; l++) {
        int64_t n = pos[l] ? pos[l] : how == FL_JOIN_LEFT;
        pos[l] = total;
        total += n;
    }
    if (total > FL_MAX_ROWS) {
        st = fl_seterr(err, FL_EINVAL,
                       "join: the result would have %" PRId64
                       " rows, more than a table can hold (%" PRId64 ")",
                       total, FL_MAX_ROWS);
        goto done;
    }
    size_t tsz = (size_t)(total ? total : 1);
    int32_t *lidx = fl_malloc(tsz * sizeof *lidx);
    int32_t *ridx = fl_malloc(tsz * sizeof *ridx);
    if (!lidx || !ridx) {
        fl_free(lidx);
        fl_free(ridx);
        st = oom(err);
        goto done;
    }
    /* unmatched left rows of a left join: their one row, right missing */
    for (int64_t l = 0; l < nl; l++) {
        int64_t next = l + 1 < nl ? pos[l + 1] : total;
        if (how == FL_JOIN_LEFT && next - pos[l] == 1) {
            lidx[pos[l]] = (int32_t)fl_table_row(left, l);
            ridx[pos[l]] = -1; /* overwritten below when it has a match */
        }
    }
    for (int64_t r = 0; r < nr; r++)
        for (int32_t l = (int32_t)rk[r]; l >= 0; l = h.next[l]) {
            int64_t p = pos[l]++;
            lidx[p] = (int32_t)fl_table_row(left, l);
            ridx[p] = (int32_t)fl_table_row(right, r);
        }
    *lidx_out = lidx;
    *ridx_out = ridx;
    *total_out = total;
done:
    hash_free(&h);
    fl_free(pos);
    return st;
}

fl_status fl_table_join(const fl_table *left, const fl_table *right,
                        const char *lkey, const char *rkey, fl_join_how how,
                        const char *suffix, fl_table **out, fl_error *err)
{
    int li = fl_table_find(left, lkey), ri = fl_table_find(right, rkey);
    if (li < 0)
        return no_column("join (left table)", lkey, left, err);
    if (ri < 0)
        return no_column("join (right table)", rkey, right, err);
    const fl_column *lc = left->cols[li], *rc = right->cols[ri];
    key_kind kind = KEY_INT;
    fl_status st = key_kind_of(lc, rc, lkey, rkey, &kind, err);
    if (st != FL_OK)
        return st;

    int64_t nl = left->nrows, nr = right->nrows, total = 0;
    int ncap = left->ncols + right->ncols;
    int32_t *code_map = NULL, *lidx = NULL, *ridx = NULL;
    int64_t *lk = fl_malloc((size_t)(nl ? nl : 1) * sizeof *lk);
    int64_t *rk = fl_malloc((size_t)(nr ? nr : 1) * sizeof *rk);
    uint8_t *lok = fl_malloc((size_t)(nl ? nl : 1));
    uint8_t *rok = fl_malloc((size_t)(nr ? nr : 1));
    const char **names = fl_malloc((size_t)ncap * sizeof *names);
    char **suffixed =
        fl_calloc((size_t)(right->ncols ? right->ncols : 1), sizeof *suffixed);
    fl_column **cols = fl_calloc((size_t)ncap, sizeof *cols);
    if (!lk || !rk || !lok || !rok || !names || !suffixed || !cols) {
        st = oom(err);
        goto done;
    }
    int drop = strcmp(lkey, rkey) == 0 ? ri : -1, nout = 0;
    if ((st = join_names(left, right, drop, suffix, names, suffixed, &nout,
                         err)) != FL_OK)
        goto done;
    if (lc->type == FL_STRING &&
        (st = map_codes(lc, right, rc, &code_map, err)) != FL_OK)
        goto done;
    reduce_keys(left, lc, kind, NULL, lk, lok);
    reduce_keys(right, rc, kind, code_map, rk, rok);
    if (nl * 4 < nr) /* a few left rows, many right ones */
        st = pairs_small_left(left, right, how, lk, lok, rk, rok, &lidx, &ridx,
                              &total, err);
    else
        st = pairs_hash_right(left, right, how, lk, lok, rk, rok, &lidx, &ridx,
                              &total, err);
    if (st != FL_OK)
        goto done;
    int c = 0;
    for (int i = 0; i < left->ncols; i++, c++)
        if ((st = fl_column_gather(left->cols[i], lidx, total, &cols[c],
                                   err)) != FL_OK)
            goto done;
    for (int j = 0; j < right->ncols; j++) {
        if (j == drop)
            continue;
        if ((st = fl_column_gather(right->cols[j], ridx, total, &cols[c++],
                                   err)) != FL_OK)
            goto done;
    }
    st = fl_table_new(nout, names, cols, total, out, err);
    memset(cols, 0, (size_t)ncap * sizeof *cols); /* taken */
done:
    if (cols)
        for (int i = 0; i < ncap; i++)
            fl_column_unref(cols[i]);
    if (suffixed)
        for (int j = 0; j < right->ncols; j++)
            fl_free(suffixed[j]);
    fl_free(code_map);
    fl_free(lk);
    fl_free(rk);
    fl_free(lok);
    fl_free(rok);
    fl_free(names);
    fl_free(suffixed);
    fl_free(cols);
    fl_free(lidx);
    fl_free(ridx);
    return st;
}

/* ==== write_csv ============================================================
 * Output goes through a 64 KiB buffer so that a failed write is noticed in
 * one place (flush). */

typedef struct {
    FILE *f;
    char *buf;
    size_t len, cap;
    int failed; /* errno of the first failed write, or 0 */
} csv_out;

static void out_flush(csv_out *w)
{
    errno = 0;
    if (w->len && !w->failed && fwrite(w->buf, 1, w->len, w->f) != w->len)
        w->failed = errno ? errno : EIO;
    w->len = 0;
}

static void out_put(csv_out *w, const char *s, size_t n)
{
    if (w->len + n > w->cap) {
        out_flush(w);
        if (n > w->cap) {
            errno = 0;
            if (!w->failed && fwrite(s, 1, n, w->f) != n)
                w->failed = errno ? errno : EIO;
            return;
        }
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

static inline void out_char(csv_out *w, char ch)
{
    out_put(w, &ch, 1);
}

/* A text field: quoted (inner quotes doubled) when it holds a comma, quote,
 * CR or LF, starts or ends with a space or tab (readers, ours included, trim
 * them from unquoted fields), or is empty (so that an empty string differs
 * from a null). `also` lists more characters that force quotes. */
static void out_text(csv_out *w, const char *s, size_t n, const char *also)
{
    int quote = n == 0 || s[0] == ' ' || s[n - 1] == ' ' || s[0] == '\t' ||
                s[n - 1] == '\t';
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n' ||
                (s[i] && strchr(also, s[i]));
    if (!quote) {
        out_put(w, s, n);
        return;
    }
    out_char(w, '"');
    size_t from = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '"') {
            out_put(w, s + from, i + 1 - from); /* through the quote */
            out_char(w, '"');
            from = i + 1;
        }
    out_put(w, s + from, n - from);
    out_char(w, '"');
}

/* The shortest of %.15g, %.16g, %.17g that reads back as d, with ".0" added
 * when it would read as an integer; inf/-inf/nan for the rest. */
static size_t format_float(double d, char *buf, size_t size)
{
    if (isnan(d))
        return (size_t)snprintf(buf, size, "nan");
    if (isinf(d))
        return (size_t)snprintf(buf, size, d < 0 ? "-inf" : "inf");
    int len = 0;
    for (int prec = 15; prec <= 17; prec++) {
        len = snprintf(buf, size, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    if (strspn(buf, "-0123456789") == (size_t)len)
        len += snprintf(buf + len, size - (size_t)len, ".0");
    return (size_t)len;
}

/* Writes value i of column c (nothing for a null). */
static void out_value(csv_out *w, const fl_column *c, int64_t i)
{
    char buf[64];
    size_t n = 0;
    if (!fl_column_valid(c, i))
        return;
    switch (c->type) {
    case FL_BOOL:
        if (FL_U8(c)[i])
            out_put(w, "true", 4);
        else
            out_put(w, "false", 5);
        return;
    case FL_INT:
        n = (size_t)snprintf(buf, sizeof buf, "%" PRId64, FL_I64(c)[i]);
        break;
    case FL_FLOAT:
        n = format_float(FL_F64(c)[i], buf, sizeof buf);
        break;
    case FL_DATE:
        n = fl_format_date(FL_I32(c)[i], buf);
        break;
    case FL_TIMESTAMP:
        n = fl_format_timestamp(FL_I64(c)[i], buf);
        break;
    case FL_STRING: {
        int32_t code = FL_I32(c)[i];
        out_text(w, fl_dict_str(c->dict, code),
                 (size_t)fl_dict_len(c->dict, code), "");
        return;
    }
    default:
        return;
    }
    out_put(w, buf, n);
}

fl_status fl_table_write_csv(const fl_table *t, FILE *f, fl_error *err)
{
    csv_out w = {f, NULL, 0, 1 << 16, 0};
    if (!(w.buf = fl_malloc(w.cap)))
        return oom(err);
    for (int c = 0; c < t->ncols; c++) {
        if (c)
            out_char(&w, ',');
        out_text(&w, t->names[c], strlen(t->names[c]), ";|\t");
    }
    out_char(&w, '\n');
    for (int64_t r = 0; r < t->nrows && !w.failed; r++) {
        int64_t i = fl_table_row(t, r);
        for (int c = 0; c < t->ncols; c++) {
            if (c)
                out_char(&w, ',');
            out_value(&w, t->cols[c], i);
        }
        if (t->ncols == 1 && !fl_column_valid(t->cols[0], i))
            out_put(&w, "\"\"", 2); /* a blank line would be skipped */
        out_char(&w, '\n');
    }
    out_flush(&w);
    fl_free(w.buf);
    errno = 0;
    if (!w.failed && fflush(f) != 0)
        w.failed = errno ? errno : EIO;
    if (w.failed)
        return fl_seterr(err, FL_EIO, "write_csv: write failed: %s",
                         strerror(w.failed));
    return FL_OK;
}
