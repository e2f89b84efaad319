/*
 * csv_bare.c -- the limits funnel-lua works against on the G1 file:
 *
 *   load  libcsv's parse of the whole file with empty callbacks: reading the
 *         bytes and finding the fields, and nothing else;
 *   q1    a plain C loop summing v1 by id1 over typed arrays already in
 *         memory (id1 as a 0-based code, v1 as int32): dense array
 *         aggregation with nothing in the way;
 *   q5    the same for sums of v1, v2, v3 by id6.
 *
 * Prints one line per measurement, "TIME floor <task> <seconds>", in the
 * format bench/report.lua reads, and a checksum per loop so the compiler
 * keeps the work.
 *
 * usage: csv_bare FILE [RUNS]     (RUNS defaults to 3)
 */
#include <csv.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Feeds the whole file to libcsv in 4 MiB reads; 0 on success. */
static int parse_file(const char *path, void (*field)(void *, size_t, void *),
                      void (*row)(int, void *), void *data)
{
    struct csv_parser p;
    if (csv_init(&p, 0) != 0)
        return -1;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        perror(path);
        csv_free(&p);
        return -1;
    }
    static char buf[4 << 20];
    ssize_t n;
    int rc = 0;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        if (csv_parse(&p, buf, (size_t)n, field, row, data) != (size_t)n) {
            fprintf(stderr, "%s: %s\n", path, csv_strerror(csv_error(&p)));
            rc = -1;
            break;
        }
    }
    if (n < 0)
        rc = -1;
    csv_fini(&p, field, row, data);
    csv_free(&p);
    close(fd);
    return rc;
}

/* ---- bare parse ---------------------------------------------------------- */

static void empty_field(void *s, size_t len, void *data)
{
    (void)s, (void)len, (void)data;
}
static void empty_row(int c, void *data)
{
    (void)c, (void)data;
}

/* ---- arrays for the loops ------------------------------------------------ */

typedef struct {
    size_t n, cap, col;
    int32_t *id1, *id6, *v1, *v2;
    double *v3;
    int header_done;
} arrays;

static int32_t parse_int(const char *s, size_t len)
{
    int32_t v = 0;
    for (size_t i = 0; i < len; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static void fill_field(void *s, size_t len, void *data)
{
    arrays *a = data;
    const char *f = s;
    if (!a->header_done) {
        a->col++;
        return;
    }
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 1 << 20;
        a->id1 = realloc(a->id1, a->cap * sizeof *a->id1);
        a->id6 = realloc(a->id6, a->cap * sizeof *a->id6);
        a->v1 = realloc(a->v1, a->cap * sizeof *a->v1);
        a->v2 = realloc(a->v2, a->cap * sizeof *a->v2);
        a->v3 = realloc(a->v3, a->cap * sizeof *a->v3);
        if (!a->id1 || !a->id6 || !a->v1 || !a->v2 || !a->v3) {
            fprintf(stderr, "csv_bare: out of memory\n");
            exit(1);
        }
    }
    size_t i = a->n;
    char tmp[64];
    switch (a->col) {
    case 0: /* "id001".."id100" -> 0..99 */
        a->id1[i] = parse_int(f + 2, len - 2) - 1;
        break;
    case 5:
        a->id6[i] = parse_int(f, len);
        break;
    case 6:
        a->v1[i] = parse_int(f, len);
        break;
    case 7:
        a->v2[i] = parse_int(f, len);
        break;
    case 8:
        if (len >= sizeof tmp)
            len = sizeof tmp - 1;
        memcpy(tmp, f, len);
        tmp[len] = 0;
        a->v3[i] = strtod(tmp, NULL);
        break;
    }
    a->col++;
}

static void fill_row(int c, void *data)
{
    arrays *a = data;
    (void)c;
    if (a->header_done)
        a->n++;
    a->header_done = 1;
    a->col = 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: csv_bare FILE [RUNS]\n");
        return 2;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 3;
    if (runs < 1 || runs > 100)
        runs = 3;
    double t[100];

    for (int r = 0; r < runs; r++) {
        double t0 = now();
        if (parse_file(argv[1], empty_field, empty_row, NULL) != 0)
            return 1;
        t[r] = now() - t0;
        printf("TIME floor load %.6f\n", t[r]);
    }
    fflush(stdout);

    arrays a = {0};
    if (parse_file(argv[1], fill_field, fill_row, &a) != 0)
        return 1;

    /* q1: sum v1 by id1, ids 0..99. */
    for (int r = 0; r < runs; r++) {
        int64_t sum[100] = {0};
        double t0 = now();
        for (size_t i = 0; i < a.n; i++)
            sum[a.id1[i]] += a.v1[i];
        t[r] = now() - t0;
        int64_t check = 0;
        for (int g = 0; g < 100; g++)
            check += sum[g] * (g + 1);
        printf("TIME floor q1 %.6f\n", t[r]);
        if (r == 0)
            printf("# floor q1 checksum %lld over %zu rows\n", (long long)check,
                   a.n);
    }

    /* q5: sums of v1, v2, v3 by id6 (1..N/K, at most the row count). */
    int32_t max6 = 0;
    for (size_t i = 0; i < a.n; i++)
        if (a.id6[i] > max6)
            max6 = a.id6[i];
    int64_t *s1 = malloc(((size_t)max6 + 1) * sizeof *s1);
    int64_t *s2 = malloc(((size_t)max6 + 1) * sizeof *s2);
    double *s3 = malloc(((size_t)max6 + 1) * sizeof *s3);
    if (!s1 || !s2 || !s3)
        return 1;
    for (int r = 0; r < runs; r++) {
        double t0 = now();
        memset(s1, 0, ((size_t)max6 + 1) * sizeof *s1);
        memset(s2, 0, ((size_t)max6 + 1) * sizeof *s2);
        memset(s3, 0, ((size_t)max6 + 1) * sizeof *s3);
        for (size_t i = 0; i < a.n; i++) {
            int32_t g = a.id6[i];
            s1[g] += a.v1[i];
            s2[g] += a.v2[i];
            s3[g] += a.v3[i];
        }
        t[r] = now() - t0;
        printf("TIME floor q5 %.6f\n", t[r]);
        if (r == 0)
            printf("# floor q5 checksum %lld %lld %.3f\n", (long long)s1[1],
                   (long long)s2[1], s3[1]);
    }
    return 0;
}
