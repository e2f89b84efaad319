/*
 * fl_agg.c -- group ids, aggregates and top-n per group (contract: fl_agg.h).
 *
 * Layer: engine/, above fl_expr (keys and arguments are expressions evaluated
 * a column at a time) and fl_column. No Lua here.
 *
 * A group-by runs in three steps:
 *   1. fl_group_ids gives every row a group id. One string key: the rank
 *      of its dictionary code in code point order is the slot; one
 *      bool/int/date/timestamp key with a small range: value - min is the
 *      slot; several such keys: their slots composed in mixed radix, when
 *      the product of the slot counts is small (the dense paths). When the
 *      keys' slots still fit side by side in 63 bits, the rows are sorted
 *      by that number if the groups are many (the sorted path) or hashed on
 *      it if they are few. Otherwise one open-addressing hash table on the
 *      composed key (each key reduced to an int64 plus a null flag), whose
 *      distinct keys are then radix-sorted. Groups are numbered in key
 *      order, so that group g is the g-th distinct key in sorted order.
 *   2. Each aggregate is a plain typed loop over its argument column that
 *      updates arrays indexed by group id (sums, counts, minima...); the null
 *      test is hoisted out of the loop when the column has no validity bitmap.
 *   3. The result: key columns (one row per group) then the aggregates.
 * One key with few slots and only count(), sum and mean skips the group ids:
 * the direct path does steps 1 and 2 in one pass over the rows.
 * Large inputs with few groups run the dense group ids, the direct path,
 * sum, mean, corr and top(n) for small n on two threads (see "two threads"
 * below).
 *
 * Numeric choices (see also fl_agg.h):
 * - sum of float is plain double addition in row order, as DuckDB's
 *   sum(DOUBLE) (DuckDB keeps Kahan summation for its separate fsum).
 * - sum of int is exact: when a running int64 sum wraps, it is redone
 *   counting the wrap-arounds, so the result (or the overflow error when the
 *   total does not fit in int64) does not depend on the row order.
 * - mean of int divides that exact sum (converted to double) by the count.
 * - stddev and corr are two-pass (means first, then squared deviations),
 *   which is numerically stable; int arguments are converted to double.
 * - median/quantile convert to double (ints beyond 2^53 lose precision) and
 *   interpolate as quantile_cont: h = (n-1)q, x[floor h] + (h - floor h) *
 *   (x[ceil h] - x[floor h]).
 * - first/last are the first/last non-null value in row order: they skip
 *   nulls like every other aggregate.
 * - Floats compare with NaN above +inf (as DuckDB and our sort do) for
 *   min/max/median/top; -0.0 and 0.0 are one group and one distinct value.
 */
#include "fl_agg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEYS 64       /* the null flags of a composed key fit in a uint64 */
#define CHUNK 1024        /* rows per batch when composing hash keys */
#define TOP_INSERT_MAX 32 /* top(n) keeps a sorted buffer up to this n */

static fl_status oom(fl_error *err)
{
    return fl_seterr(err, FL_ENOMEM, "out of memory");
}

/* ==== two threads ===========================================================
 * Large group-bys split their rows (or groups) in two fixed halves: the
 * calling thread does the first, a helper thread the second, each into its
 * own partial arrays, which are then merged first half + second half. The
 * split and the merge order never vary, so the same input always gives the
 * same output; integer results, counts, min/max and top-n are exactly the
 * one-thread ones, float sums may differ from them in the last bits (the
 * additions are grouped differently). fl_par2 (fl_core.h) runs the halves;
 * the functions it runs here allocate nothing (everything is allocated
 * before), so a failed allocation never depends on thread timing. */

int fl_agg_par_min_rows = 1 << 20;

/* The partial per-group arrays of the helper thread cost about
 * ngroups * 48 bytes: used only while that is small next to the rows. */
static int par_ok(int64_t nrows, int64_t ngroups)
{
    return nrows >= fl_agg_par_min_rows && nrows >= 2 &&
           ngroups <= nrows / 16 + 1;
}

/* ==== keys as integers ======================================================
 * Every key value is reduced to an int64 such that equal values (in the sense
 * of grouping) give equal integers, and to an order-preserving uint64 for
 * sorting. */

/* MurmurHash3's 64-bit finalizer: a bijection in which every input bit
 * affects every output bit, so low bits are good table indices. */
static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    x ^= x >> 33;
    return x;
}

/* a < b exactly when int_ukey(a) < int_ukey(b). */
static inline uint64_t int_ukey(int64_t v)
{
    return (uint64_t)v ^ (UINT64_C(1) << 63);
}

/* Same for a fl_float_key(): negatives reversed below positives; the canonical
 * NaN lands above +inf. */
static inline uint64_t float_ukey(int64_t bits)
{
    uint64_t u = (uint64_t)bits;
    return (u >> 63) ? ~u : u | (UINT64_C(1) << 63);
}

/* Total order on doubles: NaN above everything, equal to itself. */
static inline int f64_lt(double a, double b)
{
    return a < b || (isnan(b) && !isnan(a));
}

static inline int bit_valid(const uint8_t *validity, int64_t r)
{
    return (validity[r >> 3] >> (r & 7)) & 1;
}

/* Writes rows [r0, r0+n) of c as int64 keys into k and sets `bit` in nulls[j]
 * for a null (whose key is 0). Strings give their code: all rows of a column
 * share one dictionary, so equal codes are equal strings. */
static void reduce_keys(const fl_column *c, int64_t r0, int n, int64_t *k,
                        uint64_t *nulls, uint64_t bit)
{
    switch (c->type) {
    case FL_BOOL: {
        const uint8_t *v = FL_U8(c) + r0;
        for (int j = 0; j < n; j++)
            k[j] = v[j];
        break;
    }
    case FL_INT:
    case FL_TIMESTAMP:
        memcpy(k, FL_I64(c) + r0, (size_t)n * sizeof *k);
        break;
    case FL_FLOAT: {
        const double *v = FL_F64(c) + r0;
        for (int j = 0; j < n; j++)
            k[j] = fl_float_key(v[j]);
        break;
    }
    default: { /* FL_DATE, FL_STRING: int32 */
        const int32_t *v = FL_I32(c) + r0;
        for (int j = 0; j < n; j++)
            k[j] = v[j];
        break;
    }
    }
    if (c->validity)
        for (int j = 0; j < n; j++)
            if (!bit_valid(c->validity, r0 + j)) {
                k[j] = 0;
                nulls[j] |= bit;
            }
}

/* ==== stable radix sort =====================================================
 * Sorts the pairs (kv[i], ix[i]) by kv, stably, 8 bits per pass, skipping the
 * byte positions on which all keys agree (most of them for small keys).
 * tkv/tix are scratch of the same size; the result is in *kv and *ix (the
 * pointers may be swapped with the scratch ones). */
static void radix_sort(uint64_t **kv, int32_t **ix, uint64_t **tkv,
                       int32_t **tix, int64_t n, int64_t (*hist)[256])
{
    memset(hist, 0, 8 * sizeof *hist);
    const uint64_t *k = *kv;
    for (int64_t i = 0; i < n; i++)
        for (int b = 0; b < 8; b++)
            hist[b][(k[i] >> (8 * b)) & 255]++;
    for (int b = 0; b < 8; b++) {
        uint64_t *src = *kv, *dst = *tkv;
        int32_t *isrc = *ix, *idst = *tix;
        if (n == 0 || hist[b][(src[0] >> (8 * b)) & 255] == n)
            continue; /* every key has the same byte here */
        int64_t pos = 0;
        for (int d = 0; d < 256; d++) {
            int64_t c = hist[b][d];
            hist[b][d] = pos;
            pos += c;
        }
        for (int64_t i = 0; i < n; i++) {
            int64_t p = hist[b][(src[i] >> (8 * b)) & 255]++;
            dst[p] = src[i];
            idst[p] = isrc[i];
        }
        *kv = dst;
        *tkv = src;
        *ix = idst;
        *tix = isrc;
    }
}

/* ==== group ids =============================================================
 * The dense paths put in gid[r] a slot whose order is already the key order
 * (null slot last) and count the rows per slot; finish_dense() numbers the
 * used slots. The hash path numbers keys by first appearance, sorts them and
 * renumbers. All paths also give the rows per group (aggregates need them)
 * and the first row of each group (the key columns are gathered from it). */

/* gid[r] = map[gid[r]] for the rows [r0, r1). */
typedef struct renumber_part {
    int32_t *gid;
    const int32_t *map;
    int64_t r0, r1;
} renumber_part;

static void renumber_range(void *p)
{
    renumber_part *h = p;
    for (int64_t r = h->r0; r < h->r1; r++)
        h->gid[r] = h->map[h->gid[r]];
}

/* Numbers the used slots (cnt[s] > 0) 0, 1, ... in slot order, renumbers
 * gid (nothing to do when the used slots are the first ones), and returns the
 * rows per group and the first row of each group. cnt is overwritten. */
static fl_status finish_dense(int32_t *gid, int64_t n, int32_t *cnt,
                              int64_t nslots, int64_t *ngroups, int32_t **rep,
                              int64_t **sizes, fl_error *err)
{
    int64_t ng = 0;
    for (int64_t s = 0; s < nslots; s++)
        ng += cnt[s] != 0;
    int64_t *size = fl_malloc((size_t)(ng ? ng : 1) * sizeof *size);
    int32_t *first = fl_malloc((size_t)(ng ? ng : 1) * sizeof *first);
    if (!size || !first) {
        fl_free(size);
        fl_free(first);
        return oom(err);
    }
    int32_t next = 0;
    int identity = 1; /* slot s is group s: the used slots come first */
    for (int64_t s = 0; s < nslots; s++) {
        if (cnt[s]) {
            identity &= s == next;
            size[next] = cnt[s];
            cnt[s] = next++;
        } else {
            cnt[s] = -1;
        }
    }
    if (!identity) {
        renumber_part h[2] = {{gid, cnt, 0, n}, {gid, cnt, n / 2, n}};
        if (par_ok(n, 0)) {
            h[0].r1 = n / 2;
            fl_par2(renumber_range, &h[0], &h[1]);
        } else {
            renumber_range(&h[0]);
        }
    }
    for (int64_t g = 0; g < ng; g++)
        first[g] = -1;
    /* every group has a row, and usually all show up early */
    int64_t found = 0;
    for (int64_t r = 0; r < n && found < ng; r++)
        if (first[gid[r]] < 0) {
            first[gid[r]] = (int32_t)r;
            found++;
        }
    *ngroups = ng;
    *rep = first;
    *sizes = size;
    return FL_OK;
}

/* One string key: slot = the string's rank in code point order
 * (fl_dict_ranks), the null slot is dict->count. */
/* The smallest and largest non-null value in rows [r0, r1) of an int,
 * date or timestamp column (INT64_MAX and INT64_MIN when there is none). */
typedef struct range_part {
    const fl_column *c;
    int64_t r0, r1;
    int64_t lo, hi;
} range_part;

static void range_range(void *p)
{
    range_part *h = p;
    const uint8_t *valid = h->c->validity;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    /* written twice so that a column without nulls pays no per-row test */
#define MINMAX(v)                                                              \
    do {                                                                       \
        if (!valid) {                                                          \
            for (int64_t r = h->r0; r < h->r1; r++) {                          \
                lo = v[r] < lo ? v[r] : lo;                                    \
                hi = v[r] > hi ? v[r] : hi;                                    \
            }                                                                  \
        } else {                                                               \
            for (int64_t r = h->r0; r < h->r1; r++)                            \
                if (bit_valid(valid, r)) {                                     \
                    lo = v[r] < lo ? v[r] : lo;                                \
                    hi = v[r] > hi ? v[r] : hi;                                \
                }                                                              \
        }                                                                      \
    } while (0)
    if (h->c->type == FL_DATE) {
        const int32_t *v = FL_I32(h->c);
        MINMAX(v);
    } else {
        const int64_t *v = FL_I64(h->c);
        MINMAX(v);
    }
#undef MINMAX
    h->lo = lo;
    h->hi = hi;
}

/* min and span = max - min of the non-null values of an int-like column
 * (bool, int, date, timestamp); span 0 and min 0 when there are none. Two
 * threads when worth it. */
static void int_range(const fl_column *c, int64_t n, int64_t *min,
                      uint64_t *span)
{
    range_part h[2] = {{c, 0, n, 0, 1}, {c, n / 2, n, 0, 1}};
    if (c->type == FL_BOOL) {
        /* no need to look: the range is at most 2 (h[0] says 0..1) */
    } else if (par_ok(n, 0)) {
        h[0].r1 = n / 2;
        fl_par2(range_range, &h[0], &h[1]);
        h[0].lo = h[1].lo < h[0].lo ? h[1].lo : h[0].lo;
        h[0].hi = h[1].hi > h[0].hi ? h[1].hi : h[0].hi;
    } else {
        range_range(&h[0]);
    }
    if (h[0].lo > h[0].hi) {
        *min = 0;
        *span = 0;
        return;
    }
    *min = h[0].lo;
    *span = (uint64_t)h[0].hi - (uint64_t)h[0].lo;
}

/* The distinct composed keys seen by the hash path, in order of first
 * appearance. Group g's row keys[g*w .. g*w + w), w = nkeys + 1, holds its
 * nkeys reduced keys then its null flags (bit i for key i), so that a match
 * is checked on one contiguous row. Each slot holds the upper 32 bits of the
 * group's hash (a tag that rules out most mismatches without touching the
 * group) and the group id in the lower 32 bits; all ones is empty. */
typedef struct {
    int nkeys;
    int64_t count, cap;
    int64_t *keys;
    uint64_t *hash; /* full hashes, to rehash when the table grows */
    int32_t *first;
    uint64_t *slots; /* open addressing with linear probing */
    uint64_t mask;   /* number of slots - 1 (a power of two minus one) */
} keyset;

#define SLOT_EMPTY UINT64_MAX
#define SLOT_TAG(h) ((h) & ~(uint64_t)UINT32_MAX)

static void keyset_free(keyset *ks)
{
    fl_free(ks->keys);
    fl_free(ks->hash);
    fl_free(ks->first);
    fl_free(ks->slots);
}

static fl_status keyset_grow_groups(keyset *ks, fl_error *err)
{
    int64_t cap = ks->cap ? 2 * ks->cap : 1024;
    size_t w = (size_t)ks->nkeys + 1;
    int64_t *keys = fl_realloc(ks->keys, (size_t)cap * w * sizeof *keys);
    if (!keys)
        return oom(err);
    ks->keys = keys;
    uint64_t *hash = fl_realloc(ks->hash, (size_t)cap * sizeof *hash);
    if (!hash)
        return oom(err);
    ks->hash = hash;
    int32_t *first = fl_realloc(ks->first, (size_t)cap * sizeof *first);
    if (!first)
        return oom(err);
    ks->first = first;
    ks->cap = cap;
    return FL_OK;
}

/* Doubles the slot table and reinserts every group by its stored hash. */
static fl_status keyset_grow_slots(keyset *ks, fl_error *err)
{
    uint64_t nslots = ks->slots ? 2 * (ks->mask + 1) : 2048;
    uint64_t *slots = fl_malloc((size_t)nslots * sizeof *slots);
    if (!slots)
        return oom(err);
    memset(slots, 0xff, (size_t)nslots * sizeof *slots);
    uint64_t mask = nslots - 1;
    for (int64_t g = 0; g < ks->count; g++) {
        uint64_t s = ks->hash[g] & mask;
        while (slots[s] != SLOT_EMPTY)
            s = (s + 1) & mask;
        slots[s] = SLOT_TAG(ks->hash[g]) | (uint64_t)g;
    }
    fl_free(ks->slots);
    ks->slots = slots;
    ks->mask = mask;
    return FL_OK;
}

/* Hash path: raw slot = order of first appearance of the composed key. */
static fl_status keyset_build(keyset *ks, fl_column *const *kc, int nkeys,
                              int64_t n, int32_t *gid, fl_error *err)
{
    fl_status st = FL_OK;
    size_t w = (size_t)nkeys + 1;
    /* kbuf[i*CHUNK + j]: key i of row r0 + j; row nkeys: the null flags */
    int64_t *kbuf = fl_malloc(w * CHUNK * sizeof *kbuf);
    uint64_t *hb = fl_malloc(CHUNK * sizeof *hb);
    if (!kbuf || !hb) {
        st = oom(err);
        goto done;
    }
    if ((st = keyset_grow_slots(ks, err)) != FL_OK ||
        (st = keyset_grow_groups(ks, err)) != FL_OK)
        goto done;
    uint64_t *nb = (uint64_t *)(kbuf + (size_t)nkeys * CHUNK);
    for (int64_t r0 = 0; r0 < n; r0 += CHUNK) {
        int m = (int)(n - r0 < CHUNK ? n - r0 : CHUNK);
        memset(nb, 0, (size_t)m * sizeof *nb);
        for (int i = 0; i < nkeys; i++)
            reduce_keys(kc[i], r0, m, kbuf + (size_t)i * CHUNK, nb,
                        UINT64_C(1) << i);
        for (int j = 0; j < m; j++)
            hb[j] = nb[j] * UINT64_C(0x9e3779b97f4a7c15);
        for (int i = 0; i < nkeys; i++) {
            const int64_t *k = kbuf + (size_t)i * CHUNK;
            for (int j = 0; j < m; j++)
                hb[j] = mix64(hb[j] ^
                              ((uint64_t)k[j] + (hb[j] << 6) + (hb[j] >> 2)));
        }
        for (int j = 0; j < m; j++) {
#if defined(__GNUC__) /* the slot of a row a few ahead: hide cache misses */
            if (j + 16 < m)
                __builtin_prefetch(&ks->slots[hb[j + 16] & ks->mask]);
#endif
            uint64_t h = hb[j], s = h & ks->mask, e;
            int32_t g = -1;
            while ((e = ks->slots[s]) != SLOT_EMPTY) {
                if (SLOT_TAG(e) == SLOT_TAG(h)) {
                    g = (int32_t)(e & UINT32_MAX);
                    const int64_t *gk = ks->keys + (size_t)g * w;
                    size_t i = 0;
                    while (i < w && gk[i] == kbuf[i * CHUNK + j])
                        i++;
                    if (i == w)
                        break;
                    g = -1;
                }
                s = (s + 1) & ks->mask;
            }
            if (g < 0) { /* a new key */
                if (ks->count == ks->cap &&
                    (st = keyset_grow_groups(ks, err)) != FL_OK)
                    goto done;
                g = (int32_t)ks->count++;
                int64_t *gk = ks->keys + (size_t)g * w;
                for (size_t i = 0; i < w; i++)
                    gk[i] = kbuf[i * CHUNK + j];
                ks->hash[g] = h;
                ks->first[g] = (int32_t)(r0 + j);
                ks->slots[s] = SLOT_TAG(h) | (uint64_t)g;
                if ((uint64_t)ks->count * 2 > ks->mask + 1 &&
                    (st = keyset_grow_slots(ks, err)) != FL_OK)
                    goto done;
            }
            gid[r0 + j] = g;
        }
    }
done:
    fl_free(kbuf);
    fl_free(hb);
    return st;
}

/* Sorts the groups of ks by their keys (last key least significant; within
 * a key, nulls after values) and returns map[raw] = position. */
static fl_status keyset_order(const keyset *ks, fl_column *const *kc,
                              int32_t **map_out, fl_error *err)
{
    fl_status st = FL_OK;
    int64_t n = ks->count, nk = ks->nkeys, w = nk + 1;
    const int64_t *nulls = ks->keys + nk; /* nulls[g * w]: g's null flags */
    size_t sz = (size_t)(n ? n : 1);
    uint64_t *kv = fl_malloc(sz * sizeof *kv),
             *tkv = fl_malloc(sz * sizeof *tkv);
    int32_t *ix = fl_malloc(sz * sizeof *ix),
            *tix = fl_malloc(sz * sizeof *tix);
    int64_t(*hist)[256] = fl_malloc(8 * sizeof *hist);
    uint64_t *kv0 = kv, *tkv0 = tkv; /* to free whatever the swaps did */
    int32_t *ix0 = ix, *tix0 = tix;
    if (!kv || !tkv || !ix || !tix || !hist) {
        st = oom(err);
        goto done;
    }
    for (int64_t g = 0; g < n; g++)
        ix[g] = (int32_t)g;
    for (int64_t i = nk - 1; i >= 0; i--) {
        const int64_t *keys = ks->keys + i;
        uint64_t nullbit = UINT64_C(1) << i;
        switch (kc[i]->type) {
        case FL_STRING: {
            const int32_t *rank = fl_dict_ranks(kc[i]->dict);
            if (!rank) {
                st = oom(err);
                goto done;
            }
            for (int64_t p = 0; p < n; p++) {
                int32_t g = ix[p];
                kv[p] = ((uint64_t)nulls[g * w] & nullbit)
                            ? 0
                            : (uint64_t)rank[keys[g * w]];
            }
            break;
        }
        case FL_FLOAT:
            for (int64_t p = 0; p < n; p++)
                kv[p] = float_ukey(keys[ix[p] * w]);
            break;
        default:
            for (int64_t p = 0; p < n; p++)
                kv[p] = int_ukey(keys[ix[p] * w]);
            break;
        }
        radix_sort(&kv, &ix, &tkv, &tix, n, hist);
        /* then nulls of this key after its values, keeping the order */
        int64_t nnull = 0;
        for (int64_t g = 0; g < n; g++)
            nnull += ((uint64_t)nulls[g * w] & nullbit) != 0;
        if (nnull > 0) {
            int64_t a = 0, b = n - nnull;
            for (int64_t p = 0; p < n; p++) {
                int32_t g = ix[p];
                if ((uint64_t)nulls[g * w] & nullbit)
                    tix[b++] = g;
                else
                    tix[a++] = g;
            }
            int32_t *t = ix;
            ix = tix;
            tix = t;
        }
    }
    /* reuse tix (n entries) as the map */
    for (int64_t p = 0; p < n; p++)
        tix[ix[p]] = (int32_t)p;
    *map_out = tix;
    if (tix == tix0)
        tix0 = NULL;
    else
        ix0 = NULL;
done:
    fl_free(kv0);
    fl_free(tkv0);
    fl_free(ix0);
    fl_free(tix0);
    fl_free(hist);
    return st;
}

static fl_status ids_hash(fl_column *const *kc, int nkeys, int64_t n,
                          int32_t *gid, int64_t *ngroups, int32_t **rep,
                          int64_t **sizes, fl_error *err)
{
    keyset ks = {.nkeys = nkeys};
    int32_t *map = NULL;
    fl_status st = keyset_build(&ks, kc, nkeys, n, gid, err);
    if (st == FL_OK)
        st = keyset_order(&ks, kc, &map, err);
    if (st != FL_OK)
        goto done;
    size_t ng = (size_t)(ks.count ? ks.count : 1);
    int32_t *first = fl_malloc(ng * sizeof *first);
    int64_t *size = fl_calloc(ng, sizeof *size);
    if (!first || !size) {
        fl_free(first);
        fl_free(size);
        st = oom(err);
        goto done;
    }
    for (int64_t g = 0; g < ks.count; g++)
        first[map[g]] = ks.first[g];
    for (int64_t r = 0; r < n; r++) {
        int32_t g = map[gid[r]];
        gid[r] = g;
        size[g]++;
    }
    *rep = first;
    *sizes = size;
    *ngroups = ks.count;
done:
    fl_free(map);
    keyset_free(&ks);
    return st;
}

/* Several keys, each a string or an int-like column with a small range:
 * slot = the keys' own slots (rank of the dictionary code or value - min,
 * null last) composed in mixed radix, first key most
 * significant, so slot order is the keys' lexicographic order -- the order
 * the hash path sorts its groups into. One pass per key over gid. */
typedef struct dense_key {
    const fl_column *c;
    int64_t min;         /* int-like: the smallest value */
    int64_t nslots;      /* values + 1 (the null slot, last) */
    const int32_t *rank; /* strings: fl_dict_ranks */
} dense_key;

/* gid[r] = gid[r] * nslots + slot of row r for the rows [r0, r1); the
 * first key just stores its slot. */
static void compose_slots(const dense_key *k, int64_t r0, int64_t r1, int first,
                          int32_t *gid)
{
    const fl_column *c = k->c;
    const uint8_t *valid = c->validity;
    int32_t mul = (int32_t)k->nslots;
    int32_t nullslot = (int32_t)(k->nslots - 1);
#define COMPOSE_WITH(prev, slot_expr)                                          \
    do {                                                                       \
        if (!valid)                                                            \
            for (int64_t r = r0; r < r1; r++)                                  \
                gid[r] = (prev) + (int32_t)(slot_expr);                        \
        else                                                                   \
            for (int64_t r = r0; r < r1; r++)                                  \
                gid[r] = (prev) + (bit_valid(valid, r) ? (int32_t)(slot_expr)  \
                                                       : nullslot);            \
    } while (0)
#define COMPOSE(slot_expr)                                                     \
    do {                                                                       \
        if (first)                                                             \
            COMPOSE_WITH(0, slot_expr);                                        \
        else                                                                   \
            COMPOSE_WITH(gid[r] * mul, slot_expr);                             \
    } while (0)
    switch (c->type) {
    case FL_STRING: {
        const int32_t *code = FL_I32(c), *rank = k->rank;
        COMPOSE(rank[code[r]]);
        break;
    }
    case FL_BOOL: {
        const uint8_t *v = FL_U8(c);
        COMPOSE(v[r]);
        break;
    }
    case FL_DATE: {
        const int32_t *v = FL_I32(c);
        int64_t min = k->min;
        COMPOSE(v[r] - min);
        break;
    }
    default: {
        const int64_t *v = FL_I64(c);
        int64_t min = k->min;
        COMPOSE((uint64_t)v[r] - (uint64_t)min);
        break;
    }
    }
#undef COMPOSE
#undef COMPOSE_WITH
}

/* One half of the dense path: the slots of rows [r0, r1) into gid, counted
 * in cnt (zeroed, one entry per slot). */
typedef struct slots_part {
    const dense_key *k;
    int nkeys;
    int64_t r0, r1;
    int32_t *gid, *cnt;
} slots_part;

static void slots_range(void *p)
{
    slots_part *h = p;
    for (int i = 0; i < h->nkeys; i++)
        compose_slots(&h->k[i], h->r0, h->r1, i == 0, h->gid);
    for (int64_t r = h->r0; r < h->r1; r++)
        h->cnt[h->gid[r]]++;
}

/* The dense path for keys k[0..nkeys) of total slots in all: slots (two
 * threads when worth it), then finish_dense. */
static fl_status ids_dense(const dense_key *k, int nkeys, int64_t total,
                           int64_t n, int32_t *gid, int64_t *ngroups,
                           int32_t **rep, int64_t **sizes, fl_error *err)
{
    int par = par_ok(n, total);
    int32_t *cnt = fl_calloc((size_t)total, sizeof *cnt);
    int32_t *cnt2 = par ? fl_calloc((size_t)total, sizeof *cnt2) : NULL;
    if (!cnt || (par && !cnt2)) {
        fl_free(cnt);
        fl_free(cnt2);
        return oom(err);
    }
    slots_part h[2] = {{k, nkeys, 0, n, gid, cnt},
                       {k, nkeys, n / 2, n, gid, cnt2}};
    if (par) {
        h[0].r1 = n / 2;
        fl_par2(slots_range, &h[0], &h[1]);
        for (int64_t s = 0; s < total; s++)
            cnt[s] += cnt2[s];
        fl_free(cnt2);
    } else {
        slots_range(&h[0]);
    }
    fl_status st = finish_dense(gid, n, cnt, total, ngroups, rep, sizes, err);
    fl_free(cnt);
    return st;
}

/* The slots of several keys (see dense_key) into k[0..nkeys); *total = the
 * product of their slot counts, or 0 when some key is a float or the
 * product would reach 2^62: then only the hash path can group them. */
static fl_status plan_slots(fl_column *const *kc, int nkeys, int64_t n,
                            dense_key *k, int64_t *total, fl_error *err)
{
    int64_t limit = (int64_t)1 << 62, prod = 1;
    *total = 0;
    for (int i = 0; i < nkeys; i++) {
        const fl_column *c = kc[i];
        k[i] = (dense_key){c, 0, 0, NULL};
        if (c->type == FL_FLOAT)
            return FL_OK;
        if (c->type == FL_STRING) {
            k[i].nslots = (int64_t)c->dict->count + 1;
        } else {
            uint64_t span;
            int_range(c, n, &k[i].min, &span);
            if (span >= (uint64_t)limit)
                return FL_OK;
            k[i].nslots = (int64_t)span + 2;
        }
        if (k[i].nslots > limit / prod)
            return FL_OK;
        prod *= k[i].nslots;
    }
    for (int i = 0; i < nkeys; i++)
        if (kc[i]->type == FL_STRING &&
            !(k[i].rank = fl_dict_ranks(kc[i]->dict)))
            return oom(err);
    *total = prod;
    return FL_OK;
}

/* ==== sorted path ===========================================================
 * Too many slots for the dense path, but the keys' slots (as there: rank of
 * the string, value - min, null last) still fit side by side in one 64-bit
 * number, each in a bit field just wide enough for its slot count, the
 * first key in the highest bits: the order of these numbers is the keys'
 * order. The rows are radix-sorted by that number and each run of equal
 * numbers is one group, so the groups come out in key order without a hash
 * table; each key column is then decoded from the groups' numbers with a
 * shift and a mask (written in order) instead of gathered from the groups'
 * first rows (a random read per group and key). On db-benchmark q10 (six
 * keys, 62 bits, 1e7 rows, about 1e7 groups) this took the group ids and
 * key columns from 2.3 s on the hash path (the table's growth, sorting the
 * 1e7 distinct keys, renumbering the rows, gathering six columns at random:
 * 0.7 s) to 0.8 s. */

/* Bit fields of the sorted path: key i's slot is bits [shift[i],
 * shift[i] + width) of the number. Returns 0 when they need more than 63
 * bits. */
static int plan_fields(const dense_key *k, int nkeys, int *shift)
{
    int used = 0;
    for (int i = nkeys - 1; i >= 0; i--) { /* the last key is lowest */
        int width = 0;
        while (((uint64_t)1 << width) < (uint64_t)k[i].nslots)
            width++;
        shift[i] = used;
        used += width;
        if (used > 63)
            return 0;
    }
    return 1;
}

/* key[r - r0] = the composed number of row r, for rows [r0, r1). */
typedef struct pack_part {
    const dense_key *k;
    const int *shift;
    int nkeys;
    int64_t r0, r1;
    uint64_t *key;
} pack_part;

/* slot[j] = the slot of key k in row r0 + j, for j in [0, m). */
static void chunk_slots(const dense_key *k, int64_t r0, int m, uint64_t *slot)
{
    const fl_column *c = k->c;
    const uint8_t *valid = c->validity;
    uint64_t min = (uint64_t)k->min, nullslot = (uint64_t)k->nslots - 1;
#define SLOTS(slot_expr)                                                       \
    do {                                                                       \
        if (!valid)                                                            \
            for (int j = 0; j < m; j++)                                        \
                slot[j] = (slot_expr);                                         \
        else                                                                   \
            for (int j = 0; j < m; j++)                                        \
                slot[j] = bit_valid(valid, r0 + j) ? (slot_expr) : nullslot;   \
    } while (0)
    switch (c->type) {
    case FL_STRING: {
        const int32_t *code = FL_I32(c) + r0, *rank = k->rank;
        SLOTS((uint64_t)rank[code[j]]);
        break;
    }
    case FL_BOOL: {
        const uint8_t *v = FL_U8(c) + r0;
        SLOTS(v[j]);
        break;
    }
    case FL_DATE: {
        const int32_t *v = FL_I32(c) + r0;
        SLOTS((uint64_t)(int64_t)v[j] - min);
        break;
    }
    default: {
        const int64_t *v = FL_I64(c) + r0;
        SLOTS((uint64_t)v[j] - min);
        break;
    }
    }
#undef SLOTS
}

static void pack_range(void *p)
{
    const pack_part *h = p;
    uint64_t acc[CHUNK], slot[CHUNK]; /* one chunk of rows, key by key */
    for (int64_t r0 = h->r0; r0 < h->r1; r0 += CHUNK) {
        int m = (int)(h->r1 - r0 < CHUNK ? h->r1 - r0 : CHUNK);
        for (int j = 0; j < m; j++)
            acc[j] = 0;
        for (int i = 0; i < h->nkeys; i++) {
            chunk_slots(&h->k[i], r0, m, slot);
            int shift = h->shift[i];
            for (int j = 0; j < m; j++)
                acc[j] |= slot[j] << shift;
        }
        for (int j = 0; j < m; j++)
            h->key[r0 - h->r0 + j] = acc[j];
    }
}

/* The key columns of groups whose composed numbers are key[0..ng). */
static fl_status unpack_keys(const dense_key *k, const int *shift, int nkeys,
                             const uint64_t *key, int64_t ng,
                             fl_column **key_cols, fl_error *err)
{
    for (int i = 0; i < nkeys; i++) {
        const fl_column *c = k[i].c;
        uint64_t nullslot = (uint64_t)k[i].nslots - 1, mask = 0;
        while (mask < nullslot) /* all ones over the field's width */
            mask = mask << 1 | 1;
        int sh = shift[i];
        fl_column *out = fl_column_new(c->type, ng, c->dict);
        fl_status st = out ? fl_column_resize(out, ng, err) : oom(err);
        if (st != FL_OK) {
            fl_column_unref(out);
            return st;
        }
        key_cols[i] = out;
        if (c->validity) /* only then can the null slot occur */
            for (int64_t g = 0; g < ng; g++)
                if ((key[g] >> sh & mask) == nullslot &&
                    (st = fl_column_set_null(out, g, err)) != FL_OK)
                    return st;
        switch (c->type) {
        case FL_STRING: {
            /* the code of each rank (the null slot gives code 0) */
            int32_t *code = fl_calloc((size_t)nullslot + 1, sizeof *code);
            if (!code)
                return oom(err);
            for (int32_t s = 0; s < c->dict->count; s++)
                code[k[i].rank[s]] = s;
            int32_t *o = FL_I32(out);
            for (int64_t g = 0; g < ng; g++)
                o[g] = code[key[g] >> sh & mask];
            fl_free(code);
            break;
        }
        case FL_BOOL: {
            uint8_t *o = FL_U8(out);
            for (int64_t g = 0; g < ng; g++) {
                uint64_t s = key[g] >> sh & mask;
                o[g] = s == nullslot ? 0 : (uint8_t)s;
            }
            break;
        }
        case FL_DATE: {
            int32_t *o = FL_I32(out);
            for (int64_t g = 0; g < ng; g++) {
                uint64_t s = key[g] >> sh & mask;
                o[g] = s == nullslot ? 0 : (int32_t)(k[i].min + (int64_t)s);
            }
            break;
        }
        default: {
            int64_t *o = FL_I64(out);
            uint64_t min = (uint64_t)k[i].min;
            for (int64_t g = 0; g < ng; g++) {
                uint64_t s = key[g] >> sh & mask;
                o[g] = s == nullslot ? 0 : (int64_t)(min + s);
            }
            break;
        }
        }
    }
    return FL_OK;
}

/* The composed numbers of rows [0, n) into key (two threads when worth
 * it). */
static void pack_all(const dense_key *k, const int *shift, int nkeys, int64_t n,
                     uint64_t *key)
{
    pack_part h[2] = {{k, shift, nkeys, 0, n, key},
                      {k, shift, nkeys, n / 2, n, key + n / 2}};
    if (par_ok(n, 0)) {
        h[0].r1 = n / 2;
        fl_par2(pack_range, &h[0], &h[1]);
    } else {
        pack_range(&h[0]);
    }
}

/* Whether the rows probably form more than n/16 groups (then sorting beats
 * the hash table), judged from a sample of s rows: 64 chunks of 1024 rows
 * spread evenly (all rows when n <= 2^16). s rows drawn from G equally
 * likely groups show about G (1 - e^(-s/G)) distinct numbers, so "many" is
 * more distinct numbers in the sample than that for G = n/16. (Rows sorted
 * by the keys show few in each chunk and go to the hash table, which is
 * fast on them.) */
static fl_status many_groups(const dense_key *k, const int *shift, int nkeys,
                             int64_t n, int *many, fl_error *err)
{
    enum { NCHUNKS = 64 };
    int64_t s = n <= NCHUNKS * CHUNK ? n : NCHUNKS * CHUNK;
    size_t sz = (size_t)(s ? s : 1);
    uint64_t *kv = fl_malloc(sz * sizeof *kv),
             *tkv = fl_malloc(sz * sizeof *tkv);
    int32_t *ix = fl_calloc(sz, sizeof *ix), *tix = fl_malloc(sz * sizeof *tix);
    int64_t(*hist)[256] = fl_malloc(8 * sizeof *hist);
    uint64_t *kv0 = kv, *tkv0 = tkv; /* to free whatever the swaps did */
    int32_t *ix0 = ix, *tix0 = tix;
    fl_status st = FL_OK;
    *many = 0;
    if (!kv || !tkv || !ix || !tix || !hist) {
        st = oom(err);
        goto done;
    }
    if (s == n) {
        pack_part h = {k, shift, nkeys, 0, n, kv};
        pack_range(&h);
    } else {
        for (int64_t c = 0; c < NCHUNKS; c++) {
            int64_t r0 = c * (n / NCHUNKS);
            pack_part h = {k, shift, nkeys, r0, r0 + CHUNK, kv + c * CHUNK};
            pack_range(&h);
        }
    }
    radix_sort(&kv, &ix, &tkv, &tix, s, hist);
    int64_t distinct = s > 0;
    for (int64_t i = 1; i < s; i++)
        distinct += kv[i] != kv[i - 1];
    double g = (double)n / 16;
    *many = n > 0 && (double)distinct > g * (1 - exp(-(double)s / g));
done:
    fl_free(kv0);
    fl_free(tkv0);
    fl_free(ix0);
    fl_free(tix0);
    fl_free(hist);
    return st;
}

/* The sorted path (shift from plan_fields): group ids, rows per group and
 * the key columns. */
static fl_status ids_sorted(const dense_key *k, const int *shift, int nkeys,
                            int64_t n, int32_t *gid, int64_t *ngroups,
                            int64_t **sizes, fl_column **key_cols,
                            fl_error *err)
{
    fl_status st = FL_OK;
    size_t sz = (size_t)(n ? n : 1);
    uint64_t *key = fl_malloc(sz * sizeof *key),
             *tkey = fl_malloc(sz * sizeof *tkey);
    int32_t *row = fl_malloc(sz * sizeof *row),
            *trow = fl_malloc(sz * sizeof *trow);
    int64_t(*hist)[256] = fl_malloc(8 * sizeof *hist);
    int64_t *size = fl_malloc(sz * sizeof *size);
    uint64_t *key0 = key, *tkey0 = tkey; /* to free whatever the swaps did */
    int32_t *row0 = row, *trow0 = trow;
    if (!key || !tkey || !row || !trow || !hist || !size) {
        st = oom(err);
        goto done;
    }
    pack_all(k, shift, nkeys, n, key);
    for (int64_t r = 0; r < n; r++)
        row[r] = (int32_t)r;
    radix_sort(&key, &row, &tkey, &trow, n, hist);
    /* one group per run of equal numbers; the groups' numbers are compacted
     * to the front of key (group g's is written at g <= p) */
    int64_t g = -1;
    for (int64_t p = 0; p < n; p++) {
        if (g < 0 || key[p] != key[g]) {
            key[++g] = key[p];
            size[g] = 0;
        }
        size[g]++;
        gid[row[p]] = (int32_t)g;
    }
    if ((st = unpack_keys(k, shift, nkeys, key, g + 1, key_cols, err)) != FL_OK)
        goto done;
    *ngroups = g + 1;
    *sizes = size;
    size = NULL;
done:
    fl_free(key0);
    fl_free(tkey0);
    fl_free(row0);
    fl_free(trow0);
    fl_free(hist);
    fl_free(size);
    return st;
}

/* Few groups of several keys: the hash path on their composed numbers (one
 * int64 key instead of nkeys; plan_fields keeps them below 2^63, so their
 * order as int64 is the keys' order). */
static fl_status ids_packed_hash(const dense_key *k, const int *shift,
                                 int nkeys, int64_t n, int32_t *gid,
                                 int64_t *ngroups, int32_t **rep,
                                 int64_t **sizes, fl_error *err)
{
    fl_column *pc = fl_column_new(FL_INT, n, NULL);
    fl_status st = pc ? fl_column_resize(pc, n, err) : oom(err);
    if (st == FL_OK) {
        pack_all(k, shift, nkeys, n, (uint64_t *)FL_I64(pc));
        st = ids_hash(&pc, 1, n, gid, ngroups, rep, sizes, err);
    }
    fl_column_unref(pc);
    return st;
}

/* Group ids for the rows [0, n) by the evaluated keys kc[0..nkeys)
 * (nkeys >= 1): the gid array, the number of groups, the key columns (one
 * row per group) and the rows in each group (*sizes_out, an fl_malloc'd
 * array of *ngroups_out entries). */
static fl_status group_cols(fl_column *const *kc, int nkeys, int64_t n,
                            int32_t **gid_out, int64_t *ngroups_out,
                            fl_column **key_cols, int64_t **sizes_out,
                            fl_error *err)
{
    fl_status st = FL_OK;
    int32_t *rep = NULL;
    int64_t ngroups = 0, *sizes = NULL;
    int32_t *gid = fl_malloc((size_t)(n ? n : 1) * sizeof *gid);
    if (!gid)
        return oom(err);
    for (int i = 0; i < nkeys; i++)
        key_cols[i] = NULL;

    int grouped = 0, decoded = 0; /* decoded: the sorted path made key_cols */
    if (nkeys == 1 && kc[0]->type == FL_STRING &&
        (int64_t)kc[0]->dict->count <= 4 * n + 4096) {
        const int32_t *rank = fl_dict_ranks(kc[0]->dict);
        dense_key k = {kc[0], 0, (int64_t)kc[0]->dict->count + 1, rank};
        st = rank ? ids_dense(&k, 1, k.nslots, n, gid, &ngroups, &rep, &sizes,
                              err)
                  : oom(err);
        grouped = 1;
    }
    if (!grouped) {
        dense_key k[MAX_KEYS];
        int shift[MAX_KEYS];
        int64_t total, limit = 4 * n + 4096;
        if (limit > ((int64_t)1 << 24))
            limit = (int64_t)1 << 24;
        st = plan_slots(kc, nkeys, n, k, &total, err);
        if (st == FL_OK && total > 0 && total <= limit) {
            st =
                ids_dense(k, nkeys, total, n, gid, &ngroups, &rep, &sizes, err);
            grouped = 1;
        } else if (st == FL_OK && total > 0 && plan_fields(k, nkeys, shift)) {
            /* many groups: sorted path; few: hash path, on the composed
             * numbers for several keys (1e7 rows, two keys: 1e4 groups
             * 0.20 s hashed, 0.40 s sorted; 1e7 groups 2.1 s hashed, 0.68 s
             * sorted) */
            int many;
            st = many_groups(k, shift, nkeys, n, &many, err);
            if (st == FL_OK && many) {
                st = ids_sorted(k, shift, nkeys, n, gid, &ngroups, &sizes,
                                key_cols, err);
                grouped = decoded = 1;
            } else if (st == FL_OK && nkeys > 1) {
                st = ids_packed_hash(k, shift, nkeys, n, gid, &ngroups, &rep,
                                     &sizes, err);
                grouped = 1;
            }
        }
    }
    if (st == FL_OK && !grouped)
        st = ids_hash(kc, nkeys, n, gid, &ngroups, &rep, &sizes, err);
    for (int i = 0; st == FL_OK && i < nkeys && !decoded; i++)
        st = fl_column_gather(kc[i], rep, ngroups, &key_cols[i], err);
    fl_free(rep);
    if (st != FL_OK) {
        for (int i = 0; i < nkeys; i++) {
            fl_column_unref(key_cols[i]);
            key_cols[i] = NULL;
        }
        fl_free(gid);
        fl_free(sizes);
        return st;
    }
    *gid_out = gid;
    *ngroups_out = ngroups;
    *sizes_out = sizes;
    return FL_OK;
}

/* The key expressions evaluated over t into kc[0..nkeys). */
static fl_status eval_keys(const fl_table *t, fl_expr *const *keys, int nkeys,
                           fl_column **kc, fl_error *err)
{
    for (int i = 0; i < nkeys; i++)
        kc[i] = NULL;
    for (int i = 0; i < nkeys; i++) {
        fl_status st = fl_expr_eval(keys[i], t, &kc[i], err);
        if (st != FL_OK) {
            for (int j = 0; j < i; j++)
                fl_column_unref(kc[j]);
            return st;
        }
    }
    return FL_OK;
}

/* fl_group_ids, plus the number of rows in each group (*sizes_out, an
 * fl_malloc'd array of *ngroups_out entries). */
static fl_status group_ids(const fl_table *t, fl_expr *const *keys, int nkeys,
                           int32_t **gid_out, int64_t *ngroups_out,
                           fl_column **key_cols, int64_t **sizes_out,
                           fl_error *err)
{
    if (nkeys < 0 || nkeys > MAX_KEYS)
        return fl_seterr(err, FL_EINVAL,
                         "group_by: %d keys (at most %d are supported)", nkeys,
                         MAX_KEYS);
    int64_t n = t->nrows;
    if (nkeys == 0) { /* one group of every row, even of none */
        int32_t *gid = fl_calloc((size_t)(n ? n : 1), sizeof *gid);
        int64_t *sizes = fl_malloc(sizeof *sizes);
        if (!gid || !sizes) {
            fl_free(gid);
            fl_free(sizes);
            return oom(err);
        }
        sizes[0] = n;
        *gid_out = gid;
        *ngroups_out = 1;
        *sizes_out = sizes;
        return FL_OK;
    }
    fl_column *kc[MAX_KEYS];
    fl_status st = eval_keys(t, keys, nkeys, kc, err);
    if (st != FL_OK)
        return st;
    st = group_cols(kc, nkeys, n, gid_out, ngroups_out, key_cols, sizes_out,
                    err);
    for (int i = 0; i < nkeys; i++)
        fl_column_unref(kc[i]);
    return st;
}

fl_status fl_group_ids(const fl_table *t, fl_expr *const *keys, int nkeys,
                       int32_t **gid, int64_t *ngroups, fl_column **key_cols,
                       fl_error *err)
{
    int64_t *sizes;
    fl_status st =
        group_ids(t, keys, nkeys, gid, ngroups, key_cols, &sizes, err);
    if (st == FL_OK)
        fl_free(sizes);
    return st;
}

/* ==== aggregates ============================================================
 */

/* Runs the statements in ... for every row r in [0, n) whose bit is set in
 * the validity bitmap `valid` (NULL = all valid), with g = gid[r]. The loop
 * is written twice so that a column without nulls pays no per-row test. */
#define FOR_VALID_ROWS(valid, gid, n, ...)                                     \
    FOR_VALID_RANGE(valid, gid, 0, n, __VA_ARGS__)

/* The same for the rows r in [r0, r1). */
#define FOR_VALID_RANGE(valid, gid, r0, r1, ...)                               \
    do {                                                                       \
        const uint8_t *valid_ = (valid);                                       \
        if (!valid_) {                                                         \
            for (int64_t r = (r0); r < (r1); r++) {                            \
                int32_t g = (gid)[r];                                          \
                (void)g;                                                       \
                __VA_ARGS__                                                    \
            }                                                                  \
        } else {                                                               \
            for (int64_t r = (r0); r < (r1); r++) {                            \
                if (!bit_valid(valid_, r))                                     \
                    continue;                                                  \
                int32_t g = (gid)[r];                                          \
                (void)g;                                                       \
                __VA_ARGS__                                                    \
            }                                                                  \
        }                                                                      \
    } while (0)

static inline int add_overflows(int64_t a, int64_t b, int64_t *sum)
{
#if defined(__GNUC__)
    return __builtin_add_overflow(a, b, sum);
#else /* the sum wrapped around, as the builtin stores it */
    *sum = (int64_t)((uint64_t)a + (uint64_t)b);
    return (b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b);
#endif
}

/* What every aggregate of one group-by shares. */
typedef struct {
    const int32_t *gid;
    int64_t nrows, ngroups;
    const int64_t *sizes; /* rows per group */
} agg_ctx;

static const char *const agg_names[] = {
    "count",          "count",  "count_if", "sum",    "mean", "min",   "max",
    "count_distinct", "median", "quantile", "stddev", "corr", "first", "last",
};

/* Non-null values of c per group, into a new array. */
static fl_status valid_counts(agg_ctx *x, const fl_column *c, int64_t **out,
                              fl_error *err)
{
    size_t bytes = (size_t)(x->ngroups ? x->ngroups : 1) * sizeof(int64_t);
    int64_t *cnt = fl_malloc(bytes);
    if (!cnt)
        return oom(err);
    if (!c->validity) {
        memcpy(cnt, x->sizes, bytes);
    } else {
        memset(cnt, 0, bytes);
        FOR_VALID_ROWS(c->validity, x->gid, x->nrows, cnt[g]++;);
    }
    *out = cnt;
    return FL_OK;
}

/* A column of ngroups zeroed valid values (dict: for strings). */
static fl_status new_out(fl_type type, int64_t ngroups, fl_dict *dict,
                         fl_column **out, fl_error *err)
{
    fl_column *c = fl_column_new(type, ngroups, dict);
    if (!c)
        return oom(err);
    fl_status st = fl_column_resize(c, ngroups, err);
    if (st != FL_OK) {
        fl_column_unref(c);
        return st;
    }
    *out = c;
    return FL_OK;
}

/* Marks null (with zeroed data) every group g where cnt[g] < min_count. */
static fl_status null_where_few(fl_column *c, const int64_t *cnt,
                                int64_t min_count, fl_error *err)
{
    size_t w = fl_type_width(c->type);
    for (int64_t g = 0; g < c->length; g++)
        if (cnt[g] < min_count) {
            memset((char *)c->data + (size_t)g * w, 0, w);
            fl_status st = fl_column_set_null(c, g, err);
            if (st != FL_OK)
                return st;
        }
    return FL_OK;
}

/* The values of an int or float column as doubles: the column's own array
 * for float, else a converted copy in *owned (to fl_free). */
static fl_status as_doubles(const fl_column *c, const double **v,
                            double **owned, fl_error *err)
{
    *owned = NULL;
    if (c->type == FL_FLOAT) {
        *v = FL_F64(c);
        return FL_OK;
    }
    double *d = fl_malloc((size_t)(c->length ? c->length : 1) * sizeof *d);
    if (!d)
        return oom(err);
    const int64_t *iv = FL_I64(c);
    for (int64_t r = 0; r < c->length; r++)
        d[r] = (double)iv[r];
    *v = d;
    *owned = d;
    return FL_OK;
}

static fl_status agg_count(agg_ctx *x, const fl_column *c, fl_column **out,
                           fl_error *err)
{
    int64_t *cnt = NULL;
    fl_status st = c ? valid_counts(x, c, &cnt, err) : FL_OK;
    if (st == FL_OK)
        st = new_out(FL_INT, x->ngroups, NULL, out, err);
    if (st == FL_OK)
        memcpy(FL_I64(*out), c ? cnt : x->sizes,
               (size_t)x->ngroups * sizeof(int64_t));
    fl_free(cnt);
    return st;
}

static fl_status agg_count_if(agg_ctx *x, const fl_column *c, fl_column **out,
                              fl_error *err)
{
    fl_status st = new_out(FL_INT, x->ngroups, NULL, out, err);
    if (st != FL_OK)
        return st;
    int64_t *cnt = FL_I64(*out);
    const uint8_t *v = FL_U8(c);
    FOR_VALID_ROWS(c->validity, x->gid, x->nrows, cnt[g] += v[r];);
    return FL_OK;
}

/* One half of a parallel sum: s[g] += v[r] over rows [r0, r1). */
typedef struct sum_part {
    const fl_column *c;
    const int32_t *gid;
    int64_t r0, r1;
    void *s; /* int64_t (int column) or double sums, zeroed */
    int ovf; /* int: some running sum wrapped */
} sum_part;

static void sum_range(void *p)
{
    sum_part *h = p;
    const fl_column *c = h->c;
    if (c->type == FL_INT) {
        const int64_t *v = FL_I64(c);
        int64_t *s = h->s;
        int ovf = 0;
        FOR_VALID_RANGE(c->validity, h->gid, h->r0, h->r1,
                        ovf |= add_overflows(s[g], v[r], &s[g]););
        h->ovf = ovf;
    } else {
        const double *v = FL_F64(c);
        double *s = h->s;
        FOR_VALID_RANGE(c->validity, h->gid, h->r0, h->r1, s[g] += v[r];);
    }
}

/* Sums of c per group into s (zeroed, ng entries), on two threads when
 * worth it; returns whether an int running sum wrapped (then s is to be
 * redone). *st is set on an allocation failure. */
static int sum_into(agg_ctx *x, const fl_column *c, void *s, fl_status *st,
                    fl_error *err)
{
    int64_t ng = x->ngroups, n = x->nrows;
    sum_part h[2] = {{c, x->gid, 0, n, s, 0}, {c, x->gid, n / 2, n, NULL, 0}};
    if (!par_ok(n, ng)) {
        sum_range(&h[0]);
        return h[0].ovf;
    }
    h[0].r1 = n / 2;
    /* int64_t and double have the same size */
    if (!(h[1].s = fl_calloc((size_t)(ng ? ng : 1), sizeof(int64_t)))) {
        *st = oom(err);
        return 0;
    }
    fl_par2(sum_range, &h[0], &h[1]);
    int ovf = h[0].ovf | h[1].ovf;
    if (c->type == FL_INT) {
        int64_t *a = s;
        const int64_t *b = h[1].s;
        for (int64_t g = 0; g < ng; g++)
            ovf |= add_overflows(a[g], b[g], &a[g]);
    } else {
        double *a = s;
        const double *b = h[1].s;
        for (int64_t g = 0; g < ng; g++)
            a[g] += b[g];
    }
    fl_free(h[1].s);
    return ovf;
}

/* sum (int -> int, float -> float) and mean (-> float). */
static fl_status agg_sum_mean(agg_ctx *x, const fl_agg_spec *a,
                              const fl_column *c, fl_column **out,
                              fl_error *err)
{
    int64_t ng = x->ngroups, n = x->nrows;
    const int32_t *gid = x->gid;
    int is_mean = a->kind == FL_AGG_MEAN;
    int64_t *cnt = NULL, *isum = NULL; /* isum: int sums for mean of int */
    int64_t *hi = NULL; /* wrap-arounds of the int sums, if any */
    fl_column *res = NULL;
    fl_status st = valid_counts(x, c, &cnt, err);
    if (st == FL_OK)
        st = new_out(c->type == FL_INT && !is_mean ? FL_INT : FL_FLOAT, ng,
                     NULL, &res, err);
    if (st == FL_OK && c->type == FL_INT && is_mean &&
        !(isum = fl_calloc((size_t)(ng ? ng : 1), sizeof *isum)))
        st = oom(err);
    if (st != FL_OK)
        goto done;
    if (c->type == FL_INT) {
        const int64_t *v = FL_I64(c);
        int64_t *s = is_mean ? isum : FL_I64(res);
        int ovf = sum_into(x, c, s, &st, err);
        if (st != FL_OK)
            goto done;
        if (ovf) {
            /* A running sum left the int64 range. Redo it counting the
             * wrap-arounds, so that the exact sum s[g] + hi[g] * 2^64 (and
             * whether it fits) does not depend on the order of the rows. */
            hi = fl_calloc((size_t)(ng ? ng : 1), sizeof *hi);
            if (!hi) {
                st = oom(err);
                goto done;
            }
            memset(s, 0, (size_t)ng * sizeof *s);
            FOR_VALID_ROWS(c->validity, gid, n, {
                if (add_overflows(s[g], v[r], &s[g]))
                    hi[g] += v[r] < 0 ? -1 : 1;
            });
        }
        for (int64_t g = 0; hi && !is_mean && g < ng; g++)
            if (hi[g] != 0) {
                st = fl_seterr(err, FL_EINVAL,
                               "%s: sum overflows the 64-bit integer range "
                               "(sum a float expression instead)",
                               a->name);
                goto done;
            }
        if (is_mean) {
            double *m = FL_F64(res);
            for (int64_t g = 0; g < ng; g++) {
                double exact = (double)s[g];
                if (hi)
                    exact += (double)hi[g] * 18446744073709551616.0;
                m[g] = cnt[g] ? exact / (double)cnt[g] : 0;
            }
        }
    } else {
        double *s = FL_F64(res);
        sum_into(x, c, s, &st, err);
        if (st != FL_OK)
            goto done;
        if (is_mean)
            for (int64_t g = 0; g < ng; g++)
                s[g] = cnt[g] ? s[g] / (double)cnt[g] : 0;
    }
    st = null_where_few(res, cnt, 1, err);
done:
    fl_free(isum);
    fl_free(hi);
    fl_free(cnt);
    if (st == FL_OK)
        *out = res;
    else
        fl_column_unref(res);
    return st;
}

/* min / max keeping the argument's type; strings by code point. */
static fl_status agg_minmax(agg_ctx *x, const fl_column *c, int is_max,
                            fl_column **out, fl_error *err)
{
    int64_t ng = x->ngroups, n = x->nrows;
    const int32_t *gid = x->gid;
    int64_t *cnt = NULL;
    int32_t *best = NULL;
    fl_column *res = NULL;
    fl_status st = valid_counts(x, c, &cnt, err);
    if (st == FL_OK)
        st = new_out(c->type, ng, c->dict, &res, err);
    if (st != FL_OK)
        goto done;
    switch (c->type) {
    case FL_BOOL: { /* min = all true, max = any true */
        const uint8_t *v = FL_U8(c);
        uint8_t *m = FL_U8(res);
        if (is_max) {
            FOR_VALID_ROWS(c->validity, gid, n, m[g] |= v[r];);
        } else {
            memset(m, 1, (size_t)ng);
            FOR_VALID_ROWS(c->validity, gid, n, m[g] &= v[r];);
        }
        break;
    }
    case FL_INT:
    case FL_TIMESTAMP: {
        const int64_t *v = FL_I64(c);
        int64_t *m = FL_I64(res);
        for (int64_t g = 0; g < ng; g++)
            m[g] = is_max ? INT64_MIN : INT64_MAX;
        if (is_max)
            FOR_VALID_ROWS(c->validity, gid, n, if (v[r] > m[g]) m[g] = v[r];);
        else
            FOR_VALID_ROWS(c->validity, gid, n, if (v[r] < m[g]) m[g] = v[r];);
        break;
    }
    case FL_FLOAT: {
        /* NaN is the largest value: max starts at -inf and takes a NaN;
         * min starts at NaN, which any value replaces. */
        const double *v = FL_F64(c);
        double *m = FL_F64(res);
        for (int64_t g = 0; g < ng; g++)
            m[g] = is_max ? -INFINITY : NAN;
        if (is_max)
            FOR_VALID_ROWS(c->validity, gid, n,
                           if (v[r] > m[g] || isnan(v[r])) m[g] = v[r];);
        else
            FOR_VALID_ROWS(c->validity, gid, n,
                           if (v[r] < m[g] || isnan(m[g])) m[g] = v[r];);
        break;
    }
    case FL_DATE: {
        const int32_t *v = FL_I32(c);
        int32_t *m = FL_I32(res);
        for (int64_t g = 0; g < ng; g++)
            m[g] = is_max ? INT32_MIN : INT32_MAX;
        if (is_max)
            FOR_VALID_ROWS(c->validity, gid, n, if (v[r] > m[g]) m[g] = v[r];);
        else
            FOR_VALID_ROWS(c->validity, gid, n, if (v[r] < m[g]) m[g] = v[r];);
        break;
    }
    case FL_STRING: { /* compare ranks, keep codes */
        const int32_t *rank = fl_dict_ranks(c->dict);
        best = fl_malloc((size_t)(ng ? ng : 1) * sizeof *best);
        if (!rank || !best) {
            st = oom(err);
            goto done;
        }
        const int32_t *v = FL_I32(c);
        int32_t *m = FL_I32(res);
        for (int64_t g = 0; g < ng; g++)
            best[g] = is_max ? -1 : INT32_MAX;
        if (is_max)
            FOR_VALID_ROWS(c->validity, gid, n, {
                int32_t k = rank[v[r]];
                if (k > best[g]) {
                    best[g] = k;
                    m[g] = v[r];
                }
            });
        else
            FOR_VALID_ROWS(c->validity, gid, n, {
                int32_t k = rank[v[r]];
                if (k < best[g]) {
                    best[g] = k;
                    m[g] = v[r];
                }
            });
        break;
    }
    default:
        break;
    }
    st = null_where_few(res, cnt, 1, err);
done:
    fl_free(cnt);
    fl_free(best);
    if (st == FL_OK)
        *out = res;
    else
        fl_column_unref(res);
    return st;
}

/* first / last non-null value in row order: gather the chosen rows. */
static fl_status agg_first_last(agg_ctx *x, const fl_column *c, int is_last,
                                fl_column **out, fl_error *err)
{
    int64_t ng = x->ngroups;
    int32_t *idx = fl_malloc((size_t)(ng ? ng : 1) * sizeof *idx);
    if (!idx)
        return oom(err);
    for (int64_t g = 0; g < ng; g++)
        idx[g] = -1;
    if (is_last)
        FOR_VALID_ROWS(c->validity, x->gid, x->nrows, idx[g] = (int32_t)r;);
    else
        FOR_VALID_ROWS(c->validity, x->gid, x->nrows,
                       if (idx[g] < 0) idx[g] = (int32_t)r;);
    fl_status st = fl_column_gather(c, idx, ng, out, err);
    fl_free(idx);
    return st;
}

/* count_distinct: a hash set of (group, value key) pairs; a new pair counts
 * one for its group. */
typedef struct {
    int64_t *val;
    int32_t *grp; /* -1 = empty slot */
    uint64_t mask;
    int64_t used;
} pairset;

static fl_status pairset_resize(pairset *ps, uint64_t nslots, fl_error *err)
{
    int64_t *val = fl_malloc((size_t)nslots * sizeof *val);
    int32_t *grp = fl_malloc((size_t)nslots * sizeof *grp);
    if (!val || !grp) {
        fl_free(val);
        fl_free(grp);
        return oom(err);
    }
    memset(grp, 0xff, (size_t)nslots * sizeof *grp);
    uint64_t mask = nslots - 1;
    for (uint64_t s = 0; ps->grp && s <= ps->mask; s++) {
        if (ps->grp[s] < 0)
            continue;
        uint64_t h =
            mix64((uint64_t)ps->val[s] ^ mix64((uint64_t)ps->grp[s] + 1)) &
            mask;
        while (grp[h] >= 0)
            h = (h + 1) & mask;
        val[h] = ps->val[s];
        grp[h] = ps->grp[s];
    }
    fl_free(ps->val);
    fl_free(ps->grp);
    ps->val = val;
    ps->grp = grp;
    ps->mask = mask;
    return FL_OK;
}

static fl_status agg_count_distinct(agg_ctx *x, const fl_column *c,
                                    fl_column **out, fl_error *err)
{
    pairset ps = {0};
    fl_column *res = NULL;
    int64_t kbuf[CHUNK];
    uint64_t nb[CHUNK];
    fl_status st = new_out(FL_INT, x->ngroups, NULL, &res, err);
    if (st == FL_OK)
        st = pairset_resize(&ps, 1024, err);
    if (st != FL_OK)
        goto done;
    int64_t *cnt = FL_I64(res);
    for (int64_t r0 = 0; r0 < x->nrows; r0 += CHUNK) {
        int m = (int)(x->nrows - r0 < CHUNK ? x->nrows - r0 : CHUNK);
        memset(nb, 0, (size_t)m * sizeof *nb);
        reduce_keys(c, r0, m, kbuf, nb, 1);
        for (int j = 0; j < m; j++) {
            if (nb[j])
                continue;
            int32_t g = x->gid[r0 + j];
            uint64_t s =
                mix64((uint64_t)kbuf[j] ^ mix64((uint64_t)g + 1)) & ps.mask;
            while (ps.grp[s] >= 0 && (ps.grp[s] != g || ps.val[s] != kbuf[j]))
                s = (s + 1) & ps.mask;
            if (ps.grp[s] >= 0)
                continue; /* seen */
            ps.grp[s] = g;
            ps.val[s] = kbuf[j];
            cnt[g]++;
            if ((uint64_t)++ps.used * 2 > ps.mask + 1 &&
                (st = pairset_resize(&ps, 2 * (ps.mask + 1), err)) != FL_OK)
                goto done;
        }
    }
done:
    fl_free(ps.val);
    fl_free(ps.grp);
    if (st == FL_OK)
        *out = res;
    else
        fl_column_unref(res);
    return st;
}

static void insertion_sort_f64(double *a, int64_t n)
{
    for (int64_t i = 1; i < n; i++) {
        double v = a[i];
        int64_t j = i;
        while (j > 0 && f64_lt(v, a[j - 1])) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

/* Rearranges a[0..n) so that a[k] holds the value a full sort would put
 * there, with no larger value before it and no smaller one after it
 * (quickselect, Hoare partition around a median of three). */
static void select_kth(double *a, int64_t n, int64_t k)
{
    int64_t lo = 0, hi = n - 1;
    while (hi - lo >= 16) {
        int64_t mid = lo + (hi - lo) / 2;
        double t;
        if (f64_lt(a[mid], a[lo]))
            t = a[mid], a[mid] = a[lo], a[lo] = t;
        if (f64_lt(a[hi], a[lo]))
            t = a[hi], a[hi] = a[lo], a[lo] = t;
        if (f64_lt(a[hi], a[mid]))
            t = a[hi], a[hi] = a[mid], a[mid] = t;
        double pivot = a[mid];
        int64_t i = lo, j = hi;
        while (i <= j) {
            while (f64_lt(a[i], pivot))
                i++;
            while (f64_lt(pivot, a[j]))
                j--;
            if (i <= j) {
                t = a[i], a[i] = a[j], a[j] = t;
                i++;
                j--;
            }
        }
        /* now a[lo..j] <= pivot <= a[i..hi], and a[j+1..i-1] == pivot */
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return;
    }
    insertion_sort_f64(a + lo, hi - lo + 1);
}

/* median (q = 0.5) and quantile: values gathered per group by a counting
 * sort on the group id, then a selection inside each group. */
static fl_status agg_quantile(agg_ctx *x, const fl_column *c, double q,
                              fl_column **out, fl_error *err)
{
    int64_t ng = x->ngroups;
    int64_t *cnt = NULL, *pos = NULL;
    double *vals = NULL, *owned = NULL;
    const double *v;
    fl_column *res = NULL;
    fl_status st = valid_counts(x, c, &cnt, err);
    if (st == FL_OK)
        st = as_doubles(c, &v, &owned, err);
    if (st == FL_OK)
        st = new_out(FL_FLOAT, ng, NULL, &res, err);
    if (st != FL_OK)
        goto done;
    pos = fl_malloc((size_t)(ng ? ng : 1) * sizeof *pos);
    int64_t total = 0;
    for (int64_t g = 0; g < ng; g++)
        total += cnt[g];
    vals = fl_malloc((size_t)(total ? total : 1) * sizeof *vals);
    if (!pos || !vals) {
        st = oom(err);
        goto done;
    }
    for (int64_t g = 0, p = 0; g < ng; g++) {
        pos[g] = p;
        p += cnt[g];
    }
    FOR_VALID_ROWS(c->validity, x->gid, x->nrows, vals[pos[g]++] = v[r];);
    double *m = FL_F64(res);
    for (int64_t g = 0; g < ng; g++) {
        int64_t k = cnt[g];
        if (k == 0)
            continue;
        double *a = vals + pos[g] - k; /* pos[g] is now the group's end */
        double h = (double)(k - 1) * q;
        int64_t lo = (int64_t)floor(h);
        if (lo > k - 1)
            lo = k - 1;
        select_kth(a, k, lo);
        double x_lo = a[lo], res_v = x_lo;
        if (h > (double)lo && lo + 1 < k) {
            double x_hi = a[lo + 1]; /* the smallest value after a[lo] */
            for (int64_t i = lo + 2; i < k; i++)
                if (f64_lt(a[i], x_hi))
                    x_hi = a[i];
            res_v = x_lo + (h - (double)lo) * (x_hi - x_lo);
        }
        m[g] = res_v;
    }
    st = null_where_few(res, cnt, 1, err);
done:
    fl_free(cnt);
    fl_free(pos);
    fl_free(vals);
    fl_free(owned);
    if (st == FL_OK)
        *out = res;
    else
        fl_column_unref(res);
    return st;
}

/* Sample standard deviation, two-pass: means, then squared deviations. */
static fl_status agg_stddev(agg_ctx *x, const fl_column *c, fl_column **out,
                            fl_error *err)
{
    int64_t ng = x->ngroups;
    int64_t *cnt = NULL;
    double *mean = NULL, *owned = NULL;
    const double *v;
    fl_column *res = NULL;
    fl_status st = valid_counts(x, c, &cnt, err);
    if (st == FL_OK)
        st = as_doubles(c, &v, &owned, err);
    if (st == FL_OK)
        st = new_out(FL_FLOAT, ng, NULL, &res, err);
    if (st != FL_OK)
        goto done;
    mean = fl_calloc((size_t)(ng ? ng : 1), sizeof *mean);
    if (!mean) {
        st = oom(err);
        goto done;
    }
    FOR_VALID_ROWS(c->validity, x->gid, x->nrows, mean[g] += v[r];);
    for (int64_t g = 0; g < ng; g++)
        mean[g] = cnt[g] ? mean[g] / (double)cnt[g] : 0;
    double *m2 = FL_F64(res);
    FOR_VALID_ROWS(c->validity, x->gid, x->nrows, {
        double d = v[r] - mean[g];
        m2[g] += d * d;
    });
    for (int64_t g = 0; g < ng; g++)
        m2[g] = cnt[g] > 1 ? sqrt(m2[g] / (double)(cnt[g] - 1)) : 0;
    st = null_where_few(res, cnt, 2, err);
done:
    fl_free(cnt);
    fl_free(mean);
    fl_free(owned);
    if (st == FL_OK)
        *out = res;
    else
        fl_column_unref(res);
    return st;
}

/* Rows [r0, r0 + n) of an int or float column as doubles in buf. */
static void doubles_at(const fl_column *c, int64_t r0, int n, double *buf)
{
    if (c->type == FL_FLOAT) {
        memcpy(buf, FL_F64(c) + r0, (size_t)n * sizeof *buf);
        return;
    }
    const int64_t *v = FL_I64(c) + r0;
    for (int j = 0; j < n; j++)
        buf[j] = (double)v[j];
}

/* Per-group state of corr, kept together so that a row touches one or two
 * cache lines instead of five arrays. */
typedef struct corr_acc {
    double ma, mb;        /* sums, then means */
    double sab, saa, sbb; /* sums of products of deviations */
    int64_t n;            /* rows where both are non-null */
} corr_acc;

/* One half of a corr pass over rows [r0, r1) into acc (pass 1: n and sums;
 * pass 2: sums of products of deviations from acc's means). buf: 2 * CHUNK
 * doubles of scratch. */
typedef struct corr_part {
    const fl_column *ca, *cb;
    const int32_t *gid;
    const uint8_t *both; /* NULL: every pair valid */
    int64_t r0, r1;
    corr_acc *acc;
    double *buf;
    int pass;
} corr_part;

static void corr_range(void *p)
{
    corr_part *h = p;
    double *a = h->buf, *b = h->buf + CHUNK;
    corr_acc *acc = h->acc;
    const uint8_t *both = h->both;
    for (int64_t r0 = h->r0; r0 < h->r1; r0 += CHUNK) {
        int k = h->r1 - r0 < CHUNK ? (int)(h->r1 - r0) : CHUNK;
        doubles_at(h->ca, r0, k, a);
        doubles_at(h->cb, r0, k, b);
        const int32_t *g = h->gid + r0;
        for (int j = 0; j < k; j++) {
            if (both && !bit_valid(both, r0 + j))
                continue;
            corr_acc *e = &acc[g[j]];
            if (h->pass == 1) {
                e->n++;
                e->ma += a[j];
                e->mb += b[j];
            } else {
                double da = a[j] - e->ma, db = b[j] - e->mb;
                e->sab += da * db;
                e->saa += da * da;
                e->sbb += db * db;
            }
        }
    }
}

/* Pearson's r over the rows where both a and b are non-null, two-pass
 * (means, then deviations). Ints are converted to double CHUNK rows at a
 * time into two small buffers, not into copies of the whole columns. */
static fl_status agg_corr(agg_ctx *x, const fl_column *ca, const fl_column *cb,
                          fl_column **out, fl_error *err)
{
    int64_t ng = x->ngroups, n = x->nrows;
    const int32_t *gid = x->gid;
    corr_acc *acc = NULL, *acc2 = NULL; /* acc2: the helper thread's */
    int64_t *cnt = NULL;
    uint8_t *both = NULL;
    double *buf = NULL;
    fl_column *res = NULL;
    fl_status st = new_out(FL_FLOAT, ng, NULL, &res, err);
    if (st != FL_OK)
        goto done;
    cnt = fl_calloc((size_t)(ng ? ng : 1), sizeof *cnt);
    acc = fl_calloc((size_t)(ng ? ng : 1), sizeof *acc);
    buf = fl_malloc(4 * CHUNK * sizeof *buf);
    int par = par_ok(n, ng);
    if (par)
        acc2 = fl_calloc((size_t)(ng ? ng : 1), sizeof *acc2);
    if (!cnt || !acc || !buf || (par && !acc2)) {
        st = oom(err);
        goto done;
    }
    /* a pair is valid when both are: one combined bitmap, if any */
    if (ca->validity || cb->validity) {
        size_t nb = (size_t)(n + 7) / 8;
        both = fl_malloc(nb ? nb : 1);
        if (!both) {
            st = oom(err);
            goto done;
        }
        for (size_t i = 0; i < nb; i++)
            both[i] = (ca->validity ? ca->validity[i] : 0xff) &
                      (cb->validity ? cb->validity[i] : 0xff);
    }
    /* two threads: the second half goes into acc2, added to acc after each
     * pass (for pass 2 acc2 first gets the means) */
    corr_part h[2] = {{ca, cb, gid, both, 0, n, acc, buf, 1},
                      {ca, cb, gid, both, n / 2, n, acc2, buf + 2 * CHUNK, 1}};
    if (acc2)
        h[0].r1 = n / 2;
    for (int pass = 1; pass <= 2; pass++) {
        h[0].pass = h[1].pass = pass;
        if (!acc2) {
            corr_range(&h[0]);
        } else {
            fl_par2(corr_range, &h[0], &h[1]);
            for (int64_t i = 0; i < ng; i++) {
                corr_acc *e = &acc[i];
                const corr_acc *f = &acc2[i];
                if (pass == 1) {
                    e->n += f->n;
                    e->ma += f->ma;
                    e->mb += f->mb;
                } else {
                    e->sab += f->sab;
                    e->saa += f->saa;
                    e->sbb += f->sbb;
                }
            }
        }
        if (pass == 1)
            for (int64_t i = 0; i < ng; i++) {
                if (acc[i].n) {
                    acc[i].ma /= (double)acc[i].n;
                    acc[i].mb /= (double)acc[i].n;
                }
                if (acc2)
                    acc2[i] = (corr_acc){acc[i].ma, acc[i].mb, 0, 0, 0, 0};
            }
    }
    double *m = FL_F64(res);
    for (int64_t i = 0; i < ng; i++) {
        const corr_acc *e = &acc[i];
        if (e->n < 2 || e->saa == 0 || e->sbb == 0)
            continue; /* cnt[i] stays 0: null */
        cnt[i] = e->n;
        double rr = e->sab / sqrt(e->saa * e->sbb);
        m[i] = rr > 1 ? 1 : rr < -1 ? -1 : rr; /* rounding can pass +-1 */
    }
    st = null_where_few(res, cnt, 1, err);
done:
    fl_free(acc);
    fl_free(acc2);
    fl_free(cnt);
    fl_free(both);
    fl_free(buf);
    if (st == FL_OK)
        *out = res;
    else
        fl_column_unref(res);
    return st;
}

/* An FL_EINVAL naming the aggregate, its argument and the argument type. */
static fl_status arg_type_error(const fl_agg_spec *a, const fl_expr *e,
                                fl_type got, const char *want, fl_error *err)
{
    char *d = fl_expr_describe(e);
    fl_status st =
        fl_seterr(err, FL_EINVAL, "%s: %s(%s) needs %s, got %s", a->name,
                  agg_names[a->kind], d ? d : "?", want, fl_type_name(got));
    fl_free(d);
    return st;
}

static int is_numeric(fl_type t)
{
    return t == FL_INT || t == FL_FLOAT;
}

/* Computes one aggregate into *out (ngroups rows). */
static fl_status agg_one(agg_ctx *x, const fl_table *t, const fl_agg_spec *a,
                         fl_column **out, fl_error *err)
{
    if ((int)a->kind < 0 ||
        (size_t)a->kind >= sizeof agg_names / sizeof agg_names[0])
        return fl_seterr(err, FL_EINVAL, "%s: unknown aggregate kind %d",
                         a->name, (int)a->kind);
    if (a->kind == FL_AGG_COUNT_ALL)
        return agg_count(x, NULL, out, err);
    if (!a->arg || (a->kind == FL_AGG_CORR && !a->arg2))
        return fl_seterr(
            err, FL_EINVAL, "%s: %s needs %s", a->name, agg_names[a->kind],
            a->kind == FL_AGG_CORR ? "two arguments" : "an argument");
    if (a->kind == FL_AGG_QUANTILE && !(a->q >= 0 && a->q <= 1))
        return fl_seterr(err, FL_EINVAL,
                         "%s: quantile needs q between 0 and 1, got %g",
                         a->name, a->q);

    fl_column *c = NULL, *c2 = NULL;
    fl_status st = fl_expr_eval(a->arg, t, &c, err);
    if (st != FL_OK)
        return st;
    if (a->kind == FL_AGG_CORR &&
        (st = fl_expr_eval(a->arg2, t, &c2, err)) != FL_OK)
        goto done;

    switch (a->kind) {
    case FL_AGG_COUNT_IF:
        if (c->type != FL_BOOL) {
            st = arg_type_error(a, a->arg, c->type, "a bool", err);
            break;
        }
        st = agg_count_if(x, c, out, err);
        break;
    case FL_AGG_SUM:
    case FL_AGG_MEAN:
    case FL_AGG_MEDIAN:
    case FL_AGG_QUANTILE:
    case FL_AGG_STDDEV:
    case FL_AGG_CORR:
        if (!is_numeric(c->type)) {
            st = arg_type_error(a, a->arg, c->type, "an int or float", err);
            break;
        }
        if (c2 && !is_numeric(c2->type)) {
            st = arg_type_error(a, a->arg2, c2->type, "an int or float", err);
            break;
        }
        if (a->kind == FL_AGG_SUM || a->kind == FL_AGG_MEAN)
            st = agg_sum_mean(x, a, c, out, err);
        else if (a->kind == FL_AGG_STDDEV)
            st = agg_stddev(x, c, out, err);
        else if (a->kind == FL_AGG_CORR)
            st = agg_corr(x, c, c2, out, err);
        else
            st = agg_quantile(x, c, a->kind == FL_AGG_MEDIAN ? 0.5 : a->q, out,
                              err);
        break;
    case FL_AGG_COUNT:
        st = agg_count(x, c, out, err);
        break;
    case FL_AGG_MIN:
    case FL_AGG_MAX:
        st = agg_minmax(x, c, a->kind == FL_AGG_MAX, out, err);
        break;
    case FL_AGG_COUNT_DISTINCT:
        st = agg_count_distinct(x, c, out, err);
        break;
    case FL_AGG_FIRST:
    case FL_AGG_LAST:
        st = agg_first_last(x, c, a->kind == FL_AGG_LAST, out, err);
        break;
    default:
        break;
    }
done:
    fl_column_unref(c);
    fl_column_unref(c2);
    return st;
}

/* ==== direct path ===========================================================
 * One key with few slots (see dense_key: the string's rank, value - min,
 * null last) and only count(), sum and mean of int or float columns, as in
 * db-benchmark q1 and q4: no group-id array. One pass over the rows, a chunk
 * at a time, puts the chunk's slots in a small buffer and adds each
 * aggregate's column into per-slot arrays, so every column is read once and
 * nothing of the table's length is written; the used slots then become the
 * groups, in slot order (the key order). Two threads as for sum_into (same
 * halves, same merge), so the results are the group-id path's to the last
 * bit. q4 (1e7 rows, means of three columns by a key of 100 values) went
 * from 0.041 s to 0.032 s (and to 0.025 s with int_range on two threads).
 * When an int sum wraps around int64 the path declines and the group-id
 * path, which counts the wrap-arounds, runs instead. */

/* Whether aggs can take the direct path (the argument types are checked
 * once they are evaluated). */
static int direct_kinds(const fl_agg_spec *aggs, int naggs)
{
    for (int a = 0; a < naggs; a++)
        if (aggs[a].kind != FL_AGG_COUNT_ALL && aggs[a].kind != FL_AGG_SUM &&
            aggs[a].kind != FL_AGG_MEAN)
            return 0;
    return 1;
}

/* One half's per-slot arrays, each nslots entries, zeroed: rows, and per
 * aggregate a its sum (int64_t for an int column, double for a float one)
 * and its non-null values (only filled when the column has nulls). */
typedef struct direct_part {
    const dense_key *k;
    fl_column *const *arg; /* naggs columns; NULL for count() */
    int naggs;
    int64_t r0, r1;
    int64_t *cnt;
    void **sum;
    int64_t **nvalid;
    int ovf; /* an int sum wrapped */
} direct_part;

static void direct_range(void *p)
{
    direct_part *h = p;
    uint64_t slot[CHUNK];
    int ovf = 0;
    for (int64_t r0 = h->r0; r0 < h->r1; r0 += CHUNK) {
        int m = (int)(h->r1 - r0 < CHUNK ? h->r1 - r0 : CHUNK);
        chunk_slots(h->k, r0, m, slot);
        for (int j = 0; j < m; j++)
            h->cnt[slot[j]]++;
        for (int a = 0; a < h->naggs; a++) {
            const fl_column *c = h->arg[a];
            if (!c)
                continue;
            const uint8_t *valid = c->validity;
            int64_t *nv = h->nvalid[a];
            /* the loops are written twice so that a column without nulls
             * pays no per-row test */
            if (c->type == FL_INT) {
                const int64_t *v = FL_I64(c) + r0;
                int64_t *s = h->sum[a];
                if (!valid) {
                    for (int j = 0; j < m; j++)
                        ovf |= add_overflows(s[slot[j]], v[j], &s[slot[j]]);
                } else {
                    for (int j = 0; j < m; j++)
                        if (bit_valid(valid, r0 + j)) {
                            ovf |= add_overflows(s[slot[j]], v[j], &s[slot[j]]);
                            nv[slot[j]]++;
                        }
                }
            } else {
                const double *v = FL_F64(c) + r0;
                double *s = h->sum[a];
                if (!valid) {
                    for (int j = 0; j < m; j++)
                        s[slot[j]] += v[j];
                } else {
                    for (int j = 0; j < m; j++)
                        if (bit_valid(valid, r0 + j)) {
                            s[slot[j]] += v[j];
                            nv[slot[j]]++;
                        }
                }
            }
        }
    }
    h->ovf = ovf;
}

/* The arrays of h, zeroed, for nslots slots; 0 when out of memory (what was
 * allocated is for direct_free). */
static int direct_alloc(direct_part *h, int64_t nslots)
{
    size_t ns = (size_t)nslots, na = (size_t)(h->naggs ? h->naggs : 1);
    h->cnt = fl_calloc(ns, sizeof(int64_t));
    h->sum = fl_calloc(na, sizeof *h->sum);
    h->nvalid = fl_calloc(na, sizeof *h->nvalid);
    if (!h->cnt || !h->sum || !h->nvalid)
        return 0;
    for (int a = 0; a < h->naggs; a++) {
        const fl_column *c = h->arg[a];
        /* int64_t and double have the same size */
        if (c && !(h->sum[a] = fl_calloc(ns, sizeof(int64_t))))
            return 0;
        if (c && c->validity &&
            !(h->nvalid[a] = fl_calloc(ns, sizeof(int64_t))))
            return 0;
    }
    return 1;
}

static void direct_free(direct_part *h)
{
    for (int a = 0; h->sum && a < h->naggs; a++)
        fl_free(h->sum[a]);
    for (int a = 0; h->nvalid && a < h->naggs; a++)
        fl_free(h->nvalid[a]);
    fl_free(h->sum);
    fl_free(h->nvalid);
    fl_free(h->cnt);
}

/* h[0] += h[1], slot by slot. */
static void direct_merge(direct_part *h, int64_t nslots)
{
    for (int64_t s = 0; s < nslots; s++)
        h[0].cnt[s] += h[1].cnt[s];
    for (int a = 0; a < h[0].naggs; a++) {
        const fl_column *c = h[0].arg[a];
        if (!c)
            continue;
        if (c->type == FL_INT) {
            int64_t *x = h[0].sum[a];
            const int64_t *y = h[1].sum[a];
            for (int64_t s = 0; s < nslots; s++)
                h[0].ovf |= add_overflows(x[s], y[s], &x[s]);
        } else {
            double *x = h[0].sum[a];
            const double *y = h[1].sum[a];
            for (int64_t s = 0; s < nslots; s++)
                x[s] += y[s];
        }
        if (c->validity)
            for (int64_t s = 0; s < nslots; s++)
                h[0].nvalid[a][s] += h[1].nvalid[a][s];
    }
}

/* Aggregate a's column for the used slots used[0..ng) of h. */
static fl_status direct_out(const direct_part *h, int a, fl_agg_kind kind,
                            const uint64_t *used, int64_t ng, fl_column **out,
                            fl_error *err)
{
    const fl_column *c = h->arg[a];
    int is_int =
        kind == FL_AGG_COUNT_ALL || (kind == FL_AGG_SUM && c->type == FL_INT);
    int64_t *nv = fl_malloc((size_t)(ng ? ng : 1) * sizeof *nv);
    fl_status st =
        nv ? new_out(is_int ? FL_INT : FL_FLOAT, ng, NULL, out, err) : oom(err);
    if (st != FL_OK) {
        fl_free(nv);
        return st;
    }
    /* the non-null values of each group */
    const int64_t *slot_nv = c && c->validity ? h->nvalid[a] : h->cnt;
    for (int64_t g = 0; g < ng; g++)
        nv[g] = slot_nv[used[g]];
    if (kind == FL_AGG_COUNT_ALL) {
        int64_t *o = FL_I64(*out);
        for (int64_t g = 0; g < ng; g++)
            o[g] = nv[g];
    } else if (c->type == FL_INT) {
        const int64_t *s = h->sum[a];
        if (kind == FL_AGG_SUM) {
            int64_t *o = FL_I64(*out);
            for (int64_t g = 0; g < ng; g++)
                o[g] = s[used[g]];
        } else {
            double *o = FL_F64(*out);
            for (int64_t g = 0; g < ng; g++)
                o[g] = nv[g] ? (double)s[used[g]] / (double)nv[g] : 0;
        }
    } else {
        const double *s = h->sum[a];
        double *o = FL_F64(*out);
        for (int64_t g = 0; g < ng; g++)
            o[g] = kind == FL_AGG_SUM ? s[used[g]]
                   : nv[g]            ? s[used[g]] / (double)nv[g]
                                      : 0;
    }
    st = null_where_few(*out, nv, 1, err);
    fl_free(nv);
    return st;
}

/* Tries the direct path for the one key column kc: on success *done = 1,
 * cols[0] is the key column and cols[1 + a] aggregate a's, all *ngroups
 * rows. *done = 0 (and nothing made) when the path does not apply (the
 * aggregates, their types, too many slots: more than rows / 16 + 1) or an
 * int sum wrapped. */
static fl_status agg_direct(const fl_table *t, fl_column *kc,
                            const fl_agg_spec *aggs, int naggs,
                            fl_column **cols, int64_t *ngroups, int *done,
                            fl_error *err)
{
    int64_t n = t->nrows, nslots = 0;
    *done = 0;
    if (kc->type == FL_FLOAT || !direct_kinds(aggs, naggs))
        return FL_OK;
    fl_status st = FL_OK;
    uint64_t *used = NULL;
    direct_part h[2] = {{0}};
    fl_column **arg = fl_calloc((size_t)(naggs ? naggs : 1), sizeof *arg);
    if (!arg)
        return oom(err);
    int fits = 1;
    for (int a = 0; a < naggs && fits; a++) {
        if (aggs[a].kind == FL_AGG_COUNT_ALL)
            continue;
        /* a missing or non-numeric argument: agg_one reports it */
        fits = aggs[a].arg != NULL;
        if (fits && (st = fl_expr_eval(aggs[a].arg, t, &arg[a], err)) != FL_OK)
            goto done;
        fits = fits && is_numeric(arg[a]->type);
    }
    dense_key k;
    if (fits && (st = plan_slots(&kc, 1, n, &k, &nslots, err)) != FL_OK)
        goto done;
    if (!fits || nslots == 0 || nslots > n / 16 + 1)
        goto done;
    int par = par_ok(n, nslots);
    for (int i = 0; i < 2; i++)
        h[i] = (direct_part){
            .k = &k, .arg = arg, .naggs = naggs, .r0 = i * (n / 2), .r1 = n};
    if (!direct_alloc(&h[0], nslots) || (par && !direct_alloc(&h[1], nslots))) {
        st = oom(err);
        goto done;
    }
    if (par) {
        h[0].r1 = n / 2;
        fl_par2(direct_range, &h[0], &h[1]);
        direct_merge(h, nslots);
    } else {
        direct_range(&h[0]);
    }
    if (h[0].ovf)
        goto done; /* the group-id path counts the wrap-arounds */

    int64_t ng = 0;
    if (!(used = fl_malloc((size_t)nslots * sizeof *used))) {
        st = oom(err);
        goto done;
    }
    for (int64_t s = 0; s < nslots; s++)
        if (h[0].cnt[s])
            used[ng++] = (uint64_t)s;
    int shift = 0;
    st = unpack_keys(&k, &shift, 1, used, ng, &cols[0], err);
    for (int a = 0; st == FL_OK && a < naggs; a++)
        st = direct_out(&h[0], a, aggs[a].kind, used, ng, &cols[1 + a], err);
    if (st != FL_OK) {
        for (int a = 0; a < 1 + naggs; a++) {
            fl_column_unref(cols[a]);
            cols[a] = NULL;
        }
        goto done;
    }
    *ngroups = ng;
    *done = 1;
done:
    direct_free(&h[0]);
    direct_free(&h[1]);
    for (int a = 0; a < naggs; a++)
        fl_column_unref(arg[a]);
    fl_free(arg);
    fl_free(used);
    return st;
}

fl_status fl_group_agg(const fl_table *t, fl_expr *const *keys,
                       const char *const *key_names, int nkeys,
                       const fl_agg_spec *aggs, int naggs, fl_table **out,
                       fl_error *err)
{
    if (naggs < 0)
        return fl_seterr(err, FL_EINVAL, "agg: negative aggregate count");
    if (nkeys < 0 || nkeys > MAX_KEYS)
        return fl_seterr(err, FL_EINVAL,
                         "group_by: %d keys (at most %d are supported)", nkeys,
                         MAX_KEYS);
    for (int i = 0; i < nkeys; i++)
        if (!key_names || !key_names[i])
            return fl_seterr(err, FL_EINVAL, "group key %d has no name", i + 1);
    int ncols = nkeys + naggs;
    agg_ctx x = {0};
    int32_t *gid = NULL;
    int64_t *sizes = NULL;
    fl_column *kc[MAX_KEYS];
    fl_column **cols = fl_calloc((size_t)(ncols ? ncols : 1), sizeof *cols);
    const char **names = fl_calloc((size_t)(ncols ? ncols : 1), sizeof *names);
    if (!cols || !names) {
        fl_free(cols);
        fl_free(names);
        return oom(err);
    }
    for (int i = 0; i < nkeys; i++)
        names[i] = key_names[i];
    for (int j = 0; j < naggs; j++)
        names[nkeys + j] = aggs[j].name;

    fl_status st;
    int direct = 0;
    if (nkeys == 0) {
        st = group_ids(t, keys, nkeys, &gid, &x.ngroups, cols, &sizes, err);
    } else if ((st = eval_keys(t, keys, nkeys, kc, err)) == FL_OK) {
        if (nkeys == 1)
            st = agg_direct(t, kc[0], aggs, naggs, cols, &x.ngroups, &direct,
                            err);
        if (st == FL_OK && !direct)
            st = group_cols(kc, nkeys, t->nrows, &gid, &x.ngroups, cols, &sizes,
                            err);
        for (int i = 0; i < nkeys; i++)
            fl_column_unref(kc[i]);
    }
    if (st != FL_OK)
        goto done;
    x.gid = gid;
    x.sizes = sizes;
    x.nrows = t->nrows;
    for (int j = 0; j < naggs && !direct; j++) {
        if ((st = agg_one(&x, t, &aggs[j], &cols[nkeys + j], err)) != FL_OK)
            goto done;
    }
    st = fl_table_new(ncols, names, cols, x.ngroups, out, err);
    ncols = 0; /* the table took the columns, also on failure */
done:
    for (int i = 0; i < ncols; i++)
        fl_column_unref(cols[i]);
    fl_free(cols);
    fl_free(names);
    fl_free(gid);
    fl_free(sizes);
    return st;
}

/* ==== top n per group =======================================================
 */

typedef struct {
    uint64_t key; /* order-preserving, inverted for "largest first" */
    int32_t row;
    int32_t null; /* nulls after every value */
} top_item;

static int top_before(const top_item *a, const top_item *b)
{
    if (a->null != b->null)
        return a->null < b->null;
    if (a->key != b->key)
        return a->key < b->key;
    return a->row < b->row;
}

/* Inserts it into buf, which holds the m (<= n) best items so far in
 * order, keeping the n best; returns how many buf holds now. */
static inline int64_t top_insert(top_item *buf, int64_t m, int64_t n,
                                 top_item it)
{
    if (m == n && !top_before(&it, &buf[m - 1]))
        return m;
    int64_t i = m < n ? m++ : m - 1;
    while (i > 0 && top_before(&it, &buf[i - 1])) {
        buf[i] = buf[i - 1];
        i--;
    }
    buf[i] = it;
    return m;
}

static int top_cmp(const void *pa, const void *pb)
{
    const top_item *a = pa, *b = pb;
    return top_before(a, b) ? -1 : top_before(b, a) ? 1 : 0;
}

/* The sort keys of rows [r0, r0 + k) of c into key[0..k): ascending order
 * when asc, else inverted. rank: fl_dict_ranks for a string column. */
static void top_keys_at(const fl_column *c, const int32_t *rank, int64_t r0,
                        int64_t k, int asc, uint64_t *key)
{
    switch (c->type) {
    case FL_BOOL:
        for (int64_t j = 0; j < k; j++)
            key[j] = FL_U8(c)[r0 + j];
        break;
    case FL_INT:
    case FL_TIMESTAMP:
        for (int64_t j = 0; j < k; j++)
            key[j] = int_ukey(FL_I64(c)[r0 + j]);
        break;
    case FL_FLOAT:
        for (int64_t j = 0; j < k; j++)
            key[j] = float_ukey(fl_float_key(FL_F64(c)[r0 + j]));
        break;
    case FL_DATE:
        for (int64_t j = 0; j < k; j++)
            key[j] = int_ukey(FL_I32(c)[r0 + j]);
        break;
    case FL_STRING:
        for (int64_t j = 0; j < k; j++) /* a null's code may be garbage */
            key[j] = fl_column_valid(c, r0 + j)
                         ? (uint64_t)rank[FL_I32(c)[r0 + j]]
                         : 0;
        break;
    default:
        break;
    }
    if (!asc)
        for (int64_t j = 0; j < k; j++)
            key[j] = ~key[j];
}

/* The sort key of each row of c (see top_keys_at). */
static fl_status top_keys(const fl_column *c, int64_t n, int asc, uint64_t *key,
                          fl_error *err)
{
    const int32_t *rank = NULL;
    if (c->type == FL_STRING && !(rank = fl_dict_ranks(c->dict)))
        return oom(err);
    top_keys_at(c, rank, 0, n, asc, key);
    return FL_OK;
}

/* Small n: one pass over the rows keeps the n best of each group in a sorted
 * buffer of its own (items[g * n ..], fill[g] of them), instead of sorting
 * the rows by group first. Two threads take half of the rows each, into
 * their own buffers, merged per group; top_before orders ties by row, so
 * the result is the one-thread one exactly. */
typedef struct top_part {
    const fl_column *c;
    const int32_t *rank, *gid;
    int64_t r0, r1, n;
    int asc;
    top_item *items; /* ngroups * n */
    int32_t *fill;   /* ngroups, zeroed */
    uint64_t *key;   /* CHUNK of scratch */
} top_part;

static void top_range(void *p)
{
    top_part *h = p;
    int64_t n = h->n;
    for (int64_t r0 = h->r0; r0 < h->r1; r0 += CHUNK) {
        int64_t k = h->r1 - r0 < CHUNK ? h->r1 - r0 : CHUNK;
        top_keys_at(h->c, h->rank, r0, k, h->asc, h->key);
        for (int64_t j = 0; j < k; j++) {
            int64_t r = r0 + j;
            int32_t g = h->gid[r];
            top_item it = {h->key[j], (int32_t)r, !fl_column_valid(h->c, r)};
            h->fill[g] = (int32_t)top_insert(h->items + (int64_t)g * n,
                                             h->fill[g], n, it);
        }
    }
}

/* The rows chosen by top(n), 1 <= n <= TOP_INSERT_MAX, into sel (nrows
 * entries), *nsel of them. */
static fl_status top_small(const fl_column *c, const int32_t *gid,
                           int64_t nrows, int64_t ngroups, int64_t n, int asc,
                           int32_t *sel, int64_t *nsel, fl_error *err)
{
    const int32_t *rank = NULL;
    if (c->type == FL_STRING && !(rank = fl_dict_ranks(c->dict)))
        return oom(err);
    int par = par_ok(nrows, ngroups);
    size_t ng = (size_t)(ngroups ? ngroups : 1);
    top_part h[2] = {
        {c, rank, gid, 0, nrows, n, asc, NULL, NULL, NULL},
        {c, rank, gid, nrows / 2, nrows, n, asc, NULL, NULL, NULL}};
    fl_status st = FL_OK;
    for (int t = 0; t < 1 + par; t++) {
        h[t].items = fl_malloc(ng * (size_t)n * sizeof *h[t].items);
        h[t].fill = fl_calloc(ng, sizeof *h[t].fill);
        h[t].key = fl_malloc(CHUNK * sizeof *h[t].key);
        if (!h[t].items || !h[t].fill || !h[t].key)
            st = oom(err);
    }
    if (st == FL_OK) {
        if (par) {
            h[0].r1 = nrows / 2;
            fl_par2(top_range, &h[0], &h[1]);
        } else {
            top_range(&h[0]);
        }
        int64_t out = 0;
        for (int64_t g = 0; g < ngroups; g++) {
            const top_item *a = h[0].items + g * n;
            const top_item *b = par ? h[1].items + g * n : NULL;
            int64_t na = h[0].fill[g], nb = par ? h[1].fill[g] : 0;
            int64_t i = 0, j = 0;
            while (i + j < n && (i < na || j < nb))
                sel[out++] = j >= nb || (i < na && top_before(&a[i], &b[j]))
                                 ? a[i++].row
                                 : b[j++].row;
        }
        *nsel = out;
    }
    for (int t = 0; t < 2; t++) {
        fl_free(h[t].items);
        fl_free(h[t].fill);
        fl_free(h[t].key);
    }
    return st;
}

fl_status fl_group_top(const fl_table *t, fl_expr *const *keys,
                       const char *const *key_names, int nkeys, int64_t n,
                       const char *col, int asc, fl_table **out, fl_error *err)
{
    (void)key_names; /* the output has t's columns only */
    if (n < 0)
        return fl_seterr(err, FL_EINVAL, "top: n must be >= 0, got %lld",
                         (long long)n);
    int ci = fl_table_find(t, col);
    if (ci < 0)
        return fl_seterr(err, FL_EINVAL, "top: no column named '%s'", col);
    int64_t nrows = t->nrows, ngroups = 0, nsel = 0;
    fl_column *c = NULL;
    fl_column *kc[MAX_KEYS] = {0};
    int32_t *gid = NULL, *rows = NULL, *sel = NULL;
    int64_t *start = NULL, *sizes = NULL;
    uint64_t *key = NULL;
    top_item *items = NULL;
    fl_status st = fl_table_column(t, ci, &c, err);
    if (st != FL_OK)
        return st;
    if ((st = group_ids(t, keys, nkeys, &gid, &ngroups, kc, &sizes, err)) !=
        FL_OK)
        goto done;
    for (int i = 0; i < nkeys; i++)
        fl_column_unref(kc[i]);

    size_t rsz = (size_t)(nrows ? nrows : 1);
    /* the one-pass path keeps ngroups * n items (16 bytes) per thread:
     * only when that is at most 4 bytes a row */
    if (n >= 1 && n <= TOP_INSERT_MAX && ngroups <= nrows / (4 * n)) {
        if (!(sel = fl_malloc(rsz * sizeof *sel)))
            st = oom(err);
        else if ((st = top_small(c, gid, nrows, ngroups, n, asc, sel, &nsel,
                                 err)) == FL_OK)
            st = fl_table_take(t, sel, nsel, out, err);
        goto done;
    }
    start = fl_calloc((size_t)ngroups + 1, sizeof *start);
    rows = fl_malloc(rsz * sizeof *rows);
    sel = fl_malloc(rsz * sizeof *sel);
    key = fl_malloc(rsz * sizeof *key);
    if (!start || !rows || !sel || !key) {
        st = oom(err);
        goto done;
    }
    if ((st = top_keys(c, nrows, asc, key, err)) != FL_OK)
        goto done;
    /* rows by group, in row order (counting sort) */
    int64_t biggest = 0;
    for (int64_t g = 0; g < ngroups; g++) {
        biggest = sizes[g] > biggest ? sizes[g] : biggest;
        start[g + 1] = start[g] + sizes[g];
    }
    for (int64_t r = 0; r < nrows; r++)
        rows[start[gid[r]]++] = (int32_t)r;
    for (int64_t g = ngroups; g > 0; g--) /* restore the starts */
        start[g] = start[g - 1];
    start[0] = 0;

    int64_t bufsz = biggest < n ? biggest : n;
    if (n > TOP_INSERT_MAX)
        bufsz = biggest;
    items = fl_malloc((size_t)(bufsz ? bufsz : 1) * sizeof *items);
    if (!items) {
        st = oom(err);
        goto done;
    }
    for (int64_t g = 0; g < ngroups && n > 0; g++) {
        int64_t size = start[g + 1] - start[g];
        const int32_t *gr = rows + start[g];
        int64_t m = 0; /* items kept */
        if (n > TOP_INSERT_MAX || size <= n) {
            for (int64_t k = 0; k < size; k++) {
                int32_t r = gr[k];
                items[k] = (top_item){key[r], r, !fl_column_valid(c, r)};
            }
            qsort(items, (size_t)size, sizeof *items, top_cmp);
            m = size < n ? size : n;
        } else { /* keep the n best in a sorted buffer */
            for (int64_t k = 0; k < size; k++) {
                int32_t r = gr[k];
                top_item it = {key[r], r, !fl_column_valid(c, r)};
                m = top_insert(items, m, n, it);
            }
        }
        for (int64_t k = 0; k < m; k++)
            sel[nsel++] = items[k].row;
    }
    st = fl_table_take(t, sel, nsel, out, err);
done:
    fl_column_unref(c);
    fl_free(gid);
    fl_free(sizes);
    fl_free(start);
    fl_free(rows);
    fl_free(sel);
    fl_free(key);
    fl_free(items);
    return st;
}
