/*
 * gen_g1.c -- writes the db-benchmark groupby data set G1_<N>_<K>_0_0.csv
 * (no NAs, random order), following the public R generator
 * _data/groupby-datagen.R of h2oai/db-benchmark:
 *
 *   id1 = sample(sprintf("id%03d", 1:K), N, TRUE)      large groups (char)
 *   id2 = sample(sprintf("id%03d", 1:K), N, TRUE)      large groups (char)
 *   id3 = sample(sprintf("id%010d", 1:(N/K)), N, TRUE) small groups (char)
 *   id4 = sample(K, N, TRUE)                           large groups (int)
 *   id5 = sample(K, N, TRUE)                           large groups (int)
 *   id6 = sample(N/K, N, TRUE)                         small groups (int)
 *   v1  = sample(5, N, TRUE)                           int in [1, 5]
 *   v2  = sample(15, N, TRUE)                          int in [1, 15]
 *   v3  = round(runif(N, max = 100), 6)                e.g. 23.574912
 *
 * Each value is drawn uniformly and independently, like R's sample(...,
 * replace = TRUE). The stream is our own (xoshiro256** seeded through
 * splitmix64 with 108, the R script's seed), so the bytes differ from R's
 * file but the distribution is the same, and the same arguments always give
 * the same bytes. v3 is printed with exactly 6 decimals (%.6f).
 *
 * usage: gen_g1 [--rows N] [--k K] [--out FILE]
 *   N and K accept 1e7-style numbers (default 1e7 and 1e2); FILE defaults to
 *   G1_<N>_<K>_0_0.csv in the current folder, N and K written as 1e7, 1e2.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- random numbers ---------------------------------------------------- */

static uint64_t rng_state[4];

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* xoshiro256** by Blackman and Vigna. */
static uint64_t next_u64(void)
{
    uint64_t *s = rng_state;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform on 1..n. Multiply-high mapping: the bias is below n / 2^64, far
 * below anything 1e9 draws could show. */
static uint64_t draw(uint64_t n)
{
    return (uint64_t)(((unsigned __int128)next_u64() * n) >> 64) + 1;
}

/* ---- output ------------------------------------------------------------ */

/* Writes v in decimal, zero-padded to at least width digits; returns the end.
 */
static char *put_uint(char *p, uint64_t v, int width)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < width)
        tmp[n++] = '0';
    while (n)
        *p++ = tmp[--n];
    return p;
}

/* "1e7" for 10000000, "1e2" for 100; plain digits when not a power of 10
 * (pretty_sci in the R script). */
static void pretty_sci(char *out, size_t size, uint64_t v)
{
    int e = 0;
    uint64_t x = v;
    while (x >= 10 && x % 10 == 0)
        x /= 10, e++;
    if (e > 0)
        snprintf(out, size, "%llue%d", (unsigned long long)x, e);
    else
        snprintf(out, size, "%llu", (unsigned long long)v);
}

static int parse_count(const char *s, uint64_t *out)
{
    char *end;
    double d = strtod(s, &end);
    if (end == s || *end || d < 1 || d > 1e12 || d != (double)(uint64_t)d)
        return -1;
    *out = (uint64_t)d;
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t n = 10000000, k = 100;
    const char *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && strcmp(argv[i], "--rows") == 0) {
            if (parse_count(argv[++i], &n) != 0) {
                fprintf(stderr, "gen_g1: --rows needs a count, got '%s'\n",
                        argv[i]);
                return 2;
            }
        } else if (i + 1 < argc && strcmp(argv[i], "--k") == 0) {
            if (parse_count(argv[++i], &k) != 0) {
                fprintf(stderr, "gen_g1: --k needs a count, got '%s'\n",
                        argv[i]);
                return 2;
            }
        } else if (i + 1 < argc && strcmp(argv[i], "--out") == 0) {
            out = argv[++i];
        } else {
            fprintf(stderr, "usage: gen_g1 [--rows N] [--k K] [--out FILE]\n");
            return 2;
        }
    }
    if (n % k != 0 || n / k < 1) {
        fprintf(stderr, "gen_g1: rows (%llu) must be a multiple of k (%llu)\n",
                (unsigned long long)n, (unsigned long long)k);
        return 2;
    }
    char name[128];
    if (!out) {
        char ns[32], ks[32];
        pretty_sci(ns, sizeof ns, n);
        pretty_sci(ks, sizeof ks, k);
        snprintf(name, sizeof name, "G1_%s_%s_0_0.csv", ns, ks);
        out = name;
    }

    uint64_t seed = 108;
    for (int i = 0; i < 4; i++)
        rng_state[i] = splitmix64(&seed);

    /* Write to FILE.tmp, then rename: an interrupted run leaves no partial
     * file that a later run would take as done. */
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        perror(tmp);
        return 1;
    }
    static char buf[1 << 20];
    size_t len = 0;
    const char header[] = "id1,id2,id3,id4,id5,id6,v1,v2,v3\n";
    fwrite(header, 1, sizeof header - 1, f);
    uint64_t groups = n / k;
    for (uint64_t row = 0; row < n; row++) {
        if (len > sizeof buf - 256) {
            if (fwrite(buf, 1, len, f) != len)
                break;
            len = 0;
        }
        char *p = buf + len;
        *p++ = 'i', *p++ = 'd', p = put_uint(p, draw(k), 3), *p++ = ',';
        *p++ = 'i', *p++ = 'd', p = put_uint(p, draw(k), 3), *p++ = ',';
        *p++ = 'i', *p++ = 'd', p = put_uint(p, draw(groups), 10), *p++ = ',';
        p = put_uint(p, draw(k), 1), *p++ = ',';
        p = put_uint(p, draw(k), 1), *p++ = ',';
        p = put_uint(p, draw(groups), 1), *p++ = ',';
        p = put_uint(p, draw(5), 1), *p++ = ',';
        p = put_uint(p, draw(15), 1), *p++ = ',';
        /* runif(max = 100) rounded to 6 decimals: an integer count of
         * millionths in [0, 1e8], printed as whole.fraction. */
        double u = (double)(next_u64() >> 11) * 0x1.0p-53;
        uint64_t micro = (uint64_t)(u * 1e8 + 0.5);
        p = put_uint(p, micro / 1000000, 1), *p++ = '.';
        p = put_uint(p, micro % 1000000, 6), *p++ = '\n';
        len = (size_t)(p - buf);
    }
    if (fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
        perror(tmp);
        remove(tmp);
        return 1;
    }
    if (rename(tmp, out) != 0) {
        perror(out);
        return 1;
    }
    return 0;
}
