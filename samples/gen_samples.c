/*
 * gen_samples: the deterministic generator of funnel-lua's sample CRM and
 * marketing exports (leads, activities, deals, spend, feedback,
 * experiments), see samples/README.md for the files, the columns and the
 * story built into the data.
 *
 *   build/gen_samples --out DIR [--rows N] [--seed S]
 *
 * Determinism: the same seed and row count give the same bytes on any
 * machine. Randomness comes from our own xoshiro256** generator (never
 * rand()); each lead has its own stream seeded from (seed, lead_id), so a
 * lead's history does not depend on the leads before it. Floating point is
 * limited to +, -, *, / (correctly rounded by IEEE 754) and det_exp() below,
 * which is built from those operations only, so no result depends on the
 * libm in use. That needs the compiler not to fuse a*b+c into an FMA: GCC
 * in ISO mode (-std=c11, as the Makefile builds) does not, and clang is told
 * so by the pragma below. Money is printed from integer cents.
 *
 * Memory is O(1) per lead: leads are generated day by day in created_at
 * order and streamed out through large buffers, so --rows 10000000 writes
 * gigabytes with a few megabytes of memory.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* ==== errors ============================================================ */

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "gen_samples: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    exit(1);
}

/* ==== random numbers ==================================================== */

typedef struct {
    uint64_t s[4];
} rng_t;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Independent streams: one per (purpose, index), e.g. (STREAM_LEAD, id). */
enum { STREAM_LEAD = 1, STREAM_DAY = 2, STREAM_SPEND = 3 };

static void rng_seed(rng_t *r, uint64_t seed, uint64_t stream, uint64_t index)
{
    uint64_t x = seed;
    x = splitmix64(&x) ^ (stream * 0xd1b54a32d192ed03u);
    x = splitmix64(&x) ^ index;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(rng_t *r) /* xoshiro256** */
{
    uint64_t *s = r->s;
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

/* Uniform in [0, 1) with 53 random bits. */
static double rng_unif(rng_t *r)
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform integer in [0, n). */
static uint32_t rng_below(rng_t *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static int rng_chance(rng_t *r, double p)
{
    return rng_unif(r) < p;
}

/* Approximately standard normal (Irwin-Hall: 12 uniforms), within +-6. */
static double rng_normal(rng_t *r)
{
    double s = 0;
    for (int i = 0; i < 12; i++)
        s += rng_unif(r);
    return s - 6.0;
}

/* Index i with probability w[i] / sum(w). */
static int rng_weighted(rng_t *r, const double *w, int n)
{
    double total = 0;
    for (int i = 0; i < n; i++)
        total += w[i];
    double x = rng_unif(r) * total;
    for (int i = 0; i < n - 1; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}

/* e^x from basic arithmetic only (range reduction and a Taylor series),
 * so that it gives the same bits everywhere; relative error ~1e-16. */
static double det_exp(double x)
{
    const double ln2 = 0.69314718055994530942;
    if (x < -700)
        return 0;
    if (x > 700)
        x = 700;
    double kf = x / ln2;
    long k = (long)(kf < 0 ? kf - 0.5 : kf + 0.5);
    double r = x - (double)k * ln2;
    double sum = 1, term = 1;
    for (int n = 1; n <= 16; n++) {
        term = term * r / n;
        sum += term;
    }
    return ldexp(sum, (int)k); /* exact scaling by 2^k */
}

static double clamp(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* ==== calendar (proleptic Gregorian, days since 1970-01-01) ============= */

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* 0 = Monday .. 6 = Sunday. */
static int weekday(int64_t z)
{
    return (int)((z + 3) % 7);
}

#define DAY 86400
#define START_YEAR 2025
#define START_MONTH 7
#define NDAYS 457   /* 2025-07-01 .. 2026-09-30 */
#define NMONTHS 15  /* 2025-07 .. 2026-09 */
#define NQUARTERS 5 /* 2025-Q3 .. 2026-Q3 */

static int64_t g_start;   /* epoch day of 2025-07-01 */
static int64_t g_end;     /* epoch day of 2026-09-30, the export date */
static int64_t g_horizon; /* last second of the export: nothing later exists */

static int g_month[NDAYS]; /* month index 0..14 of each day index */

/* Month index 0..14 of day index di (0 = 2025-07-01); days past the export
 * (activities that will be dropped) count in its last month. */
static int month_of(int64_t di)
{
    return g_month[di < 0 ? 0 : di >= NDAYS ? NDAYS - 1 : di];
}

/* A time on a working day at or after `day`, between 08:00 and 18:00 UTC:
 * when sales people send emails, hold meetings and give demos. */
static int64_t work_time(rng_t *r, int64_t day)
{
    int wd = weekday(day);
    if (wd >= 5)
        day += 7 - wd;
    return day * DAY + 8 * 3600 + rng_below(r, 10 * 3600);
}

static int64_t day_of(int64_t t)
{
    return t / DAY;
}

/* ==== buffered output =================================================== */

#define OUT_CAP (1u << 20)

typedef struct {
    const char *name;
    FILE *f;
    char *buf;
    size_t len;
    uint64_t rows, bytes;
} out_t;

static void out_flush(out_t *o)
{
    if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len)
        die("cannot write", o->name);
    o->bytes += o->len;
    o->len = 0;
}

/* Every field we write is far shorter than the buffer. */
static char *out_room(out_t *o, size_t n)
{
    if (o->len + n > OUT_CAP)
        out_flush(o);
    return o->buf + o->len;
}

static void out_char(out_t *o, char c)
{
    *out_room(o, 1) = c;
    o->len++;
}

static void out_str(out_t *o, const char *s)
{
    size_t n = strlen(s);
    memcpy(out_room(o, n), s, n);
    o->len += n;
}

static void out_int(out_t *o, int64_t v)
{
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[n++] = '-';
    char *p = out_room(o, (size_t)n);
    for (int i = 0; i < n; i++)
        p[i] = tmp[n - 1 - i];
    o->len += (size_t)n;
}

static void put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

/* "YYYY-MM-DD" */
static void out_date(out_t *o, int64_t day)
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    char *p = out_room(o, 10);
    put2(p, y / 100);
    put2(p + 2, y % 100);
    p[4] = '-';
    put2(p + 5, m);
    p[7] = '-';
    put2(p + 8, d);
    o->len += 10;
}

/* "YYYY-MM-DDTHH:MM:SSZ" */
static void out_ts(out_t *o, int64_t t)
{
    int64_t s = t % DAY;
    out_date(o, t / DAY);
    char *p = out_room(o, 10);
    p[0] = 'T';
    put2(p + 1, (int)(s / 3600));
    p[3] = ':';
    put2(p + 4, (int)(s / 60 % 60));
    p[6] = ':';
    put2(p + 7, (int)(s % 60));
    p[9] = 'Z';
    o->len += 10;
}

/* A non-negative amount of cents as "1234.56". */
static void out_cents(out_t *o, int64_t cents)
{
    out_int(o, cents / 100);
    char *p = out_room(o, 3);
    p[0] = '.';
    put2(p + 1, (int)(cents % 100));
    o->len += 3;
}

/* A text field, quoted as RFC 4180 asks when it holds , " CR or LF. An
 * empty text is an empty field (null for the loader). */
static void out_text(out_t *o, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        out_str(o, s);
        return;
    }
    out_char(o, '"');
    for (; *s; s++) {
        if (*s == '"')
            out_char(o, '"');
        out_char(o, *s);
    }
    out_char(o, '"');
}

static void out_sep(out_t *o)
{
    out_char(o, ',');
}

static void out_end_row(out_t *o)
{
    out_char(o, '\n');
    o->rows++;
}

static void out_open(out_t *o, const char *dir, const char *name,
                     const char *header)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        die("output path too long", dir);
    o->name = name;
    o->f = fopen(path, "wb");
    if (!o->f)
        die("cannot create", path);
    o->buf = malloc(OUT_CAP);
    if (!o->buf)
        die("out of memory", NULL);
    o->len = 0;
    o->rows = 0;
    o->bytes = 0;
    out_str(o, header);
    out_char(o, '\n');
}

static void out_close(out_t *o)
{
    out_flush(o);
    if (fclose(o->f) != 0)
        die("cannot write", o->name);
    free(o->buf);
    fprintf(stderr, "%-16s %10llu rows %13llu bytes\n", o->name,
            (unsigned long long)o->rows, (unsigned long long)o->bytes);
}

/* ==== the company: channels, campaigns, people ========================== */

enum { SEO, PAID, LINKEDIN, WEBINAR, WHITEPAPER, REFERRAL, EVENT, NCHAN };

/* share: weight of the channel among leads on an ordinary day (Event comes
 * in spikes instead, see event_weight). fit: mean persona fit of its
 * leads. p_mql, p_sql, p_win: chance to become MQL, MQL -> SQL, deal won,
 * for a lead of the channel's mean fit. deal: deal size multiplier. cpl:
 * spend per expected lead, EUR. */
static const struct channel {
    const char *name;
    double share, fit, p_mql, p_sql, p_win, deal, cpl;
} CH[NCHAN] = {
    {"SEO", 0.24, 55, 0.30, 0.34, 0.26, 1.00, 28},
    {"Paid search", 0.26, 41, 0.20, 0.25, 0.21, 0.90, 85},
    {"LinkedIn ads", 0.19, 44, 0.22, 0.27, 0.22, 1.00, 130},
    {"Webinar", 0.11, 66, 0.50, 0.50, 0.40, 1.10, 55},
    {"White paper", 0.12, 57, 0.34, 0.31, 0.25, 1.00, 40},
    {"Referral", 0.07, 74, 0.60, 0.56, 0.44, 1.50, 15},
    {"Event", 0.16, 60, 0.42, 0.40, 0.30, 1.60, 380},
};

/* Conversion multiplier for persona fit (0..100) relative to the channel's
 * mean fit: a better fitting lead converts better within every channel. */
static double fit_factor(int ch, int fit)
{
    return (0.3 + 1.4 * fit / 100.0) / (0.3 + 1.4 * CH[ch].fit / 100.0);
}

#define MAX_SLOTS 3
#define NAME_LEN 96

/* Campaigns of the random-pick channels, per quarter: a slot with an empty
 * name is a lead (or spend) without campaign. */
typedef struct {
    int n;
    double w[MAX_SLOTS];
    char name[MAX_SLOTS][NAME_LEN];
} slots_t;

static slots_t g_slots[NCHAN][NQUARTERS];
static char g_webinar_campaign[NMONTHS][NAME_LEN];
static char g_webinar_content[NMONTHS][24];
static int64_t g_webinar_day[NMONTHS]; /* day index of the live webinar */

static const char *const PAID_THEMES[NQUARTERS] = {
    "CRM analytics",     "Sales forecasting", "Pipeline dashboards",
    "Revenue reporting", "Sales KPIs",
};
static const char *const LINKEDIN_THEMES[NQUARTERS] = {
    "Sales directors",
    "CMOs in SaaS",
    "Founders & CEOs",
    "Marketing ops",
    "Retargeting, website visitors",
};
static const char *const SEO_THEMES[NQUARTERS] = {
    "Blog refresh", "Pillar pages", "Comparison pages",
    "Glossary",     "Pillar pages",
};
/* wp-01 .. wp-10, two published at the start of each quarter. */
static const char *const WHITE_PAPERS[2 * NQUARTERS] = {
    "State of B2B pipeline 2025",
    "Lead scoring that sales trusts",
    "The RevOps playbook",
    "Forecasting without spreadsheets",
    "Benchmark: conversion rates by channel",
    "From MQL to revenue",
    "Sales & marketing SLAs",
    "Attribution for humans",
    "The 2026 sales KPI guide",
    "Running A/B tests in B2B",
};
static const char *const WEBINAR_TOPICS[NMONTHS] = {
    "Pipeline analytics",
    "Lead scoring 101",
    "Q4 planning",
    "Forecast accuracy",
    "Year-end sales push",
    "2026 KPI kickoff",
    "Sales–marketing alignment",
    "Attribution models",
    "Customer cohorts",
    "OKRs for revenue teams",
    "Churn signals",
    "Experimentation in B2B",
    "Pipeline analytics",
    "Summer pipeline review",
    "Planning 2027",
};

#define NEVENTS 9
static const struct event {
    int y, m, d;
    const char *name;
} EVENTS[NEVENTS] = {
    {2025, 9, 18, "Paris Marketing Summit"},
    {2025, 10, 15, "Madrid Sales Forum"},
    {2025, 11, 19, "London RevOps Day"},
    {2026, 1, 28, "Paris Sales Kick-off"},
    {2026, 3, 18, "Berlin B2B Growth Day"},
    {2026, 5, 20, "Barcelona Digital Sales Congress"},
    {2026, 6, 10, "Lyon Customer Summit"},
    {2026, 9, 9, "Paris Marketing Summit"},
    {2026, 9, 23, "Foro Ventas Ciudad de México"},
};
static char g_event_campaign[NEVENTS][NAME_LEN];
static int64_t g_event_day[NEVENTS]; /* day index */

/* Countries, their weight among leads, and the sales team covering them. */
enum { TEAM_FR, TEAM_ES, TEAM_DACH, TEAM_EN, NTEAMS };
static const struct country {
    const char *code;
    double w;
    int team;
    int lang; /* of feedback comments: 0 French, 1 Spanish, 2 English */
} COUNTRIES[] = {
    {"FR", 20, TEAM_FR, 0},   {"US", 18, TEAM_EN, 2},  {"ES", 12, TEAM_ES, 1},
    {"DE", 11, TEAM_DACH, 2}, {"GB", 10, TEAM_EN, 2},  {"MX", 6, TEAM_ES, 1},
    {"NL", 4, TEAM_DACH, 2},  {"BE", 4, TEAM_FR, 0},   {"CA", 3, TEAM_EN, 2},
    {"CH", 2, TEAM_FR, 0},    {"DK", 2, TEAM_DACH, 2}, {"SE", 2, TEAM_DACH, 2},
    {"AR", 2, TEAM_ES, 1},    {"CO", 2, TEAM_ES, 1},   {"IE", 2, TEAM_EN, 2},
};
#define NCOUNTRIES ((int)(sizeof COUNTRIES / sizeof COUNTRIES[0]))
static double g_country_w[NCOUNTRIES];

static const char *const REPS[NTEAMS][4] = {
    {"Zoé Lefèvre", "Camille Dubois", "Étienne Marchand", NULL},
    {"Iñaki Muñoz", "José Álvarez", "Lucía Fernández", NULL},
    {"Søren Østergaard", "Lena Schröder", NULL, NULL},
    {"Emily Carter", "James O'Connor", "Sarah Mitchell", "Michael Brown"},
};

/* Feedback comments per language and rating band (1-2, 3, 4-5). */
static const char *const COMMENTS[3][3][4] = {
    {
        {"Pas la bonne cible, petite agence sans équipe commerciale.",
         "Contact étudiant, aucun budget.",
         "Cherche un CRM gratuit, pas notre produit.",
         "Mauvais interlocuteur : c'est le stagiaire, pas le décideur."},
        {"Intéressé, mais le budget n'est voté qu'en janvier.",
         "Bon échange, à relancer après l'été.",
         "Veut comparer avec « l'outil maison » avant de décider.",
         "Profil correct, équipe de 8 commerciaux, timing flou."},
        {"Très bon profil, directeur commercial, équipe de 40 personnes.",
         "Démo réussie ; il a dit \"exactement ce qu'il nous faut\".",
         "Excellent lead, déjà client d'un partenaire.\nÀ rappeler jeudi.",
         "Parfait, DAF et directrice commerciale présents à la démo."},
    },
    {
        {"No es nuestro perfil, empresa demasiado pequeña.",
         "Buscaba otra cosa, solo quería el PDF.",
         "Sin presupuesto, ni decisión antes de 2027.",
         "Contacto de prácticas, no decide nada."},
        {"Interesado, pero piden una propuesta en pesos mexicanos.",
         "Buena llamada, volver a contactar en septiembre.",
         "Dijo \"lo vemos el próximo trimestre\", seguimiento pendiente.",
         "Encaje medio: equipo pequeño, pero crecen rápido."},
        {"Perfil ideal: directora de ventas, equipo de 25 comerciales.",
         "Muy buena demo, quieren empezar ya, con piloto de 3 meses.",
         "Excelente encaje.\nPiden referencias de clientes en España.",
         "Decisor claro, presupuesto aprobado, ¡a por ello!"},
    },
    {
        {"Student project, no budget.",
         "Wrong persona: freelancer, not a sales team.",
         "Only wanted the white paper, never answered calls.",
         "Tiny company, \"just browsing\"."},
        {"Decent fit, but they're locked into a contract until Q1.",
         "Interested; asked for \"something simpler\".",
         "Good call, follow up after the board meeting.",
         "Mid-size team, champion is keen, budget unclear."},
        {"Great fit: VP Sales, 60 reps, evaluating now.",
         "Perfect persona, demo went well, asked for pricing.",
         "Strong lead, referred by an existing customer.\nWants a call with "
         "our CTO.",
         "Head of RevOps, exactly our ICP."},
    },
};

/* Sprint A/B experiments on the website: a lead is assigned at its first
 * website activity (content view or white-paper download) inside the
 * window. lift multiplies the chance of a demo request within 14 days of
 * that visit in the treatment arm (1 = no real effect). Sprints are two
 * weeks from Monday 2026-01-05 (S1), so S15 is 2026-07-20 .. 08-02. */
#define NEXPERIMENTS 2
static const struct experiment {
    const char *name;
    int y0, m0, d0, y1, m1, d1; /* first and last day, inclusive */
    double lift;
} EXPERIMENTS[NEXPERIMENTS] = {
    {"demo-cta-copy", 2026, 7, 6, 2026, 8, 16, 2.0},       /* S14-S16 */
    {"pricing-page-video", 2026, 8, 17, 2026, 9, 13, 1.0}, /* S17-S18 */
};
static int64_t g_exp_from[NEXPERIMENTS], g_exp_to[NEXPERIMENTS]; /* seconds */

/* Hand raises: the share of a channel's MQLs that come from a demo or
 * call-back request (the others are scored MQLs), and the chance of a
 * request within 14 days of each website visit, relative to the lead's
 * chance of becoming MQL. */
#define HAND_SHARE 0.6
#define HAND_PER_VISIT 0.4
#define DEMO_SHARE 0.8 /* of hand raises; the others are call-back requests */

/* ==== volume: how many leads of each channel on each day ================ */

static const double MONTH_SEASON[12] = {1.25, 1.05, 1.08, 1.00, 0.98, 0.95,
                                        0.92, 0.60, 1.32, 1.08, 1.02, 0.78};
static const double WEEKDAY_W[7] = {1.05, 1.08, 1.05, 1.00, 0.85, 0.30, 0.28};

static double g_w[NDAYS][NCHAN]; /* relative expected leads */
static double g_w_total;
static int g_last_event[NDAYS]; /* index of the latest event, or -1 */

/* Event leads: badge scans on the day and the next days, then a trickle
 * of follow-ups for a month. */
static double event_weight(int64_t since)
{
    static const double spike[5] = {12, 5, 2.5, 1.2, 0.6};
    if (since < 0 || since > 30)
        return 0;
    return since < 5 ? spike[since] : 0.12;
}

static void build_model(uint64_t seed)
{
    g_start = days_from_civil(2025, 7, 1);
    g_end = days_from_civil(2026, 9, 30);
    g_horizon = (g_end + 1) * DAY - 1;
    if (g_end - g_start + 1 != NDAYS)
        die("internal error", "calendar");
    for (int64_t di = 0; di < NDAYS; di++) {
        int y, m, d;
        civil_from_days(g_start + di, &y, &m, &d);
        g_month[di] = (y - START_YEAR) * 12 + m - START_MONTH;
    }

    for (int q = 0; q < NQUARTERS; q++) {
        int year = 2025 + (q + 2) / 4, qq = (q + 2) % 4 + 1;
        char pre[16];
        snprintf(pre, sizeof pre, "%d-Q%d", year, qq);
        slots_t *s;
#define SLOT(ch, i, weight, ...)                                               \
    (s = &g_slots[ch][q], s->w[i] = (weight),                                  \
     snprintf(s->name[i], NAME_LEN, __VA_ARGS__), s->n = i + 1)
        SLOT(SEO, 0, 0.7, "%s", "");
        SLOT(SEO, 1, 0.3, "%s SEO: %s", pre, SEO_THEMES[q]);
        SLOT(PAID, 0, 0.3, "%s Paid search: Brand", pre);
        SLOT(PAID, 1, 0.3, "%s Paid search: Competitors", pre);
        SLOT(PAID, 2, 0.4, "%s Paid search: %s", pre, PAID_THEMES[q]);
        SLOT(LINKEDIN, 0, 0.5, "%s LinkedIn ads: RevOps leaders", pre);
        SLOT(LINKEDIN, 1, 0.5, "%s LinkedIn ads: %s", pre, LINKEDIN_THEMES[q]);
        SLOT(WHITEPAPER, 0, 0.5, "%s White paper: %s", pre,
             WHITE_PAPERS[2 * q]);
        SLOT(WHITEPAPER, 1, 0.5, "%s White paper: %s", pre,
             WHITE_PAPERS[2 * q + 1]);
        SLOT(REFERRAL, 0, 0.8, "%s", "");
        SLOT(REFERRAL, 1, 0.2, "%s Referral: Partner program", pre);
#undef SLOT
    }
    for (int mi = 0; mi < NMONTHS; mi++) {
        int y = START_YEAR + (START_MONTH - 1 + mi) / 12;
        int m = (START_MONTH - 1 + mi) % 12 + 1;
        int64_t first = days_from_civil(y, m, 1);
        int64_t third_thursday = first + (3 - weekday(first) + 7) % 7 + 14;
        g_webinar_day[mi] = third_thursday - g_start;
        snprintf(g_webinar_campaign[mi], NAME_LEN, "%d-Q%d Webinar: %s", y,
                 (m - 1) / 3 + 1, WEBINAR_TOPICS[mi]);
        snprintf(g_webinar_content[mi], sizeof g_webinar_content[mi],
                 "webinar-%d-%02d", y, m);
    }
    for (int e = 0; e < NEVENTS; e++) {
        g_event_day[e] =
            days_from_civil(EVENTS[e].y, EVENTS[e].m, EVENTS[e].d) - g_start;
        snprintf(g_event_campaign[e], NAME_LEN, "%d-Q%d Event: %s", EVENTS[e].y,
                 (EVENTS[e].m - 1) / 3 + 1, EVENTS[e].name);
    }
    for (int i = 0; i < NEXPERIMENTS; i++) {
        const struct experiment *x = &EXPERIMENTS[i];
        g_exp_from[i] = days_from_civil(x->y0, x->m0, x->d0) * DAY;
        g_exp_to[i] = (days_from_civil(x->y1, x->m1, x->d1) + 1) * DAY - 1;
    }
    for (int c = 0; c < NCOUNTRIES; c++)
        g_country_w[c] = COUNTRIES[c].w;

    /* ~3 % more leads each month, monthly seasonality (August dip,
     * September and January peaks), quiet weekends, +-12 % daily noise. */
    const double growth_per_day = 0.029558802 / 30.4375; /* ln(1.03) */
    g_w_total = 0;
    for (int64_t di = 0; di < NDAYS; di++) {
        int y, m, d;
        civil_from_days(g_start + di, &y, &m, &d);
        rng_t r;
        rng_seed(&r, seed, STREAM_DAY, (uint64_t)di);
        double noise = 0.88 + 0.24 * rng_unif(&r);
        double trend = det_exp(growth_per_day * (double)di) * noise;
        double base =
            trend * MONTH_SEASON[m - 1] * WEEKDAY_W[weekday(g_start + di)];
        int mi = month_of(di);
        int ev = -1;
        for (int e = 0; e < NEVENTS; e++)
            if (g_event_day[e] <= di)
                ev = e;
        g_last_event[di] = ev;
        for (int c = 0; c < NCHAN; c++) {
            double w = CH[c].share * base;
            if (c == WEBINAR) /* registrations in the two weeks before */
                w *= (di <= g_webinar_day[mi] && di > g_webinar_day[mi] - 15)
                         ? 1.7
                         : 0.5;
            if (c == EVENT)
                w = ev < 0 ? 0
                           : CH[c].share * trend *
                                 event_weight(di - g_event_day[ev]);
            g_w[di][c] = w;
            g_w_total += w;
        }
    }
}

static int quarter_of(int64_t di)
{
    return month_of(di) / 3;
}

/* ==== spend ============================================================= */

/* One row per channel and campaign per period: weekly (from each Monday,
 * cut at quarter starts) for the paid channels, monthly for the others,
 * and a lump on the day of each event. Amounts follow the expected number
 * of leads of the period times the channel's cost per lead, +-15 %. */
static void gen_spend(out_t *o, uint64_t seed, int64_t rows)
{
    for (int64_t di = 0; di < NDAYS; di++) {
        int y, m, d;
        civil_from_days(g_start + di, &y, &m, &d);
        int q = quarter_of(di), mi = month_of(di);
        int quarter_start = d == 1 && (m - 1) % 3 == 0;
        for (int c = 0; c < NCHAN; c++) {
            int weekly = c == PAID || c == LINKEDIN;
            int64_t end; /* first day index after the period */
            if (c == EVENT) {
                int ev = g_last_event[di];
                if (ev < 0 || g_event_day[ev] != di)
                    continue;
                end = di + 31;
            } else if (weekly) {
                if (!(di == 0 || weekday(g_start + di) == 0 || quarter_start))
                    continue;
                end = di + 1;
                while (end < NDAYS && weekday(g_start + end) != 0 &&
                       month_of(end) / 3 == q)
                    end++;
            } else {
                if (d != 1)
                    continue;
                end = di + 1;
                while (end < NDAYS && month_of(end) == mi)
                    end++;
            }
            double expected = 0; /* leads of the channel in the period */
            for (int64_t k = di; k < end && k < NDAYS; k++)
                if (c != EVENT || g_last_event[k] == g_last_event[di])
                    expected += g_w[k][c];
            expected *= (double)rows / g_w_total;

            int nslots = 1;
            const char *names[MAX_SLOTS];
            double share[MAX_SLOTS];
            if (c == EVENT) {
                names[0] = g_event_campaign[g_last_event[di]];
                share[0] = 1;
            } else if (c == WEBINAR) {
                names[0] = g_webinar_campaign[mi];
                share[0] = 1;
            } else {
                const slots_t *s = &g_slots[c][q];
                double total = 0;
                nslots = s->n;
                for (int i = 0; i < nslots; i++)
                    total += s->w[i];
                for (int i = 0; i < nslots; i++) {
                    names[i] = s->name[i];
                    share[i] = s->w[i] / total;
                }
            }
            for (int i = 0; i < nslots; i++) {
                rng_t r;
                rng_seed(&r, seed, STREAM_SPEND,
                         (uint64_t)(di * 64 + c * 8 + i));
                double eur = expected * share[i] * CH[c].cpl *
                             (0.85 + 0.3 * rng_unif(&r));
                out_date(o, g_start + di);
                out_sep(o);
                out_text(o, CH[c].name);
                out_sep(o);
                out_text(o, names[i]);
                out_sep(o);
                out_cents(o, (int64_t)(eur * 100 + 0.5));
                out_end_row(o);
            }
        }
    }
}

/* ==== one lead and everything that follows from it ===================== */

enum {
    A_VIEW,
    A_DOWNLOAD,
    A_DEMO_REQUEST,
    A_DEMO_DONE,
    A_CALLBACK,
    A_EMAIL,
    A_MEETING
};
static const char *const ACTIVITY[] = {
    "content_view",   "whitepaper_download", "demo_request",
    "demo_performed", "callback_request",    "email",
    "meeting"};

#define MAX_ACTS 64
#define MAX_VIEWS 16

typedef struct {
    int64_t t;
    int type;
    char content[24];
} act_t;

typedef struct {
    out_t *leads, *acts, *deals, *feedback, *exps;
    uint64_t seed;
    int64_t next_deal_id;
} gen_t;

typedef struct {
    act_t a[MAX_ACTS];
    int n;
} acts_t;

/* Keeps activities that happened by the export date. */
static void act_add(acts_t *as, int64_t t, int type, const char *content)
{
    if (t < 0 || t > g_horizon || as->n == MAX_ACTS)
        return;
    act_t *a = &as->a[as->n++];
    a->t = t;
    a->type = type;
    size_t n = content ? strlen(content) : 0;
    if (n >= sizeof a->content)
        n = sizeof a->content - 1;
    memcpy(a->content, content ? content : "", n);
    a->content[n] = 0;
}

/* What a lead reads on the website at day index di: mostly recent blog
 * posts, white papers already published, replays of past webinars. */
static void pick_content(rng_t *r, int64_t di, int *type, char *out, size_t cap)
{
    double u = rng_unif(r);
    int mi = month_of(di);
    *type = A_VIEW;
    if (u < 0.70 || (u >= 0.88 && mi == 0 && di <= g_webinar_day[0])) {
        int posts = 40 + (int)(di / 3); /* two or three new posts a week */
        double v = rng_unif(r);
        int id = posts - (int)(posts * v * v);
        snprintf(out, cap, "blog-%03d", id < 1 ? 1 : id);
    } else if (u < 0.88) {
        int published = 2 * (quarter_of(di) + 1);
        if (rng_chance(r, 0.5))
            *type = A_DOWNLOAD;
        snprintf(out, cap, "wp-%02d",
                 1 + (int)rng_below(r, (uint32_t)published));
    } else {
        int last = di > g_webinar_day[mi] ? mi : mi - 1;
        int back = (int)rng_below(r, 3);
        int w = last - back < 0 ? 0 : last - back;
        snprintf(out, cap, "%s", g_webinar_content[w]);
    }
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_act(const void *a, const void *b)
{
    const act_t *x = a, *y = b;
    if (x->t != y->t)
        return (x->t > y->t) - (x->t < y->t);
    return x->type - y->type;
}

static void write_deal(gen_t *g, int64_t lead_id, int64_t created,
                       int64_t closed, const char *status, double eur)
{
    out_t *o = g->deals;
    out_int(o, g->next_deal_id++);
    out_sep(o);
    out_int(o, lead_id);
    out_sep(o);
    out_date(o, created);
    out_sep(o);
    if (closed >= 0)
        out_date(o, closed);
    out_sep(o);
    out_str(o, status);
    out_sep(o);
    out_cents(o, (int64_t)(eur * 100 + 0.5));
    out_end_row(o);
}

static void gen_lead(gen_t *g, int64_t id, int64_t di, int64_t t0)
{
    rng_t rr, *r = &rr;
    rng_seed(r, g->seed, STREAM_LEAD, (uint64_t)id);
    const int64_t day0 = g_start + di, end = g_end;

    /* Who the lead is. */
    int ch = rng_weighted(r, g_w[di], NCHAN);
    int q = quarter_of(di), mi = month_of(di);
    const char *campaign;
    if (ch == WEBINAR)
        campaign = g_webinar_campaign[mi];
    else if (ch == EVENT)
        campaign = g_event_campaign[g_last_event[di]];
    else {
        const slots_t *s = &g_slots[ch][q];
        campaign = s->name[rng_weighted(r, s->w, s->n)];
    }
    int cty = rng_weighted(r, g_country_w, NCOUNTRIES);
    int team = COUNTRIES[cty].team, nreps = 0;
    while (nreps < 4 && REPS[team][nreps])
        nreps++;
    const char *owner = REPS[team][rng_below(r, (uint32_t)nreps)];
    int fit = (int)clamp(CH[ch].fit + 17 * rng_normal(r) + 0.5, 0, 100);
    double ff = fit_factor(ch, fit);

    /* Website visits: the first touch, then content read over the next
     * months (fitting leads read more). */
    acts_t as;
    as.n = 0;
    int64_t visits[MAX_VIEWS];
    int nvisits = 0;
    int64_t first = t0 + 1 + rng_below(r, 120);
    if (ch == SEO || ch == PAID || ch == LINKEDIN) {
        char content[24];
        int type;
        pick_content(r, di, &type, content, sizeof content);
        act_add(&as, first, A_VIEW, content);
        visits[nvisits++] = first;
    } else if (ch == WHITEPAPER) {
        char content[24];
        snprintf(content, sizeof content, "wp-%02d",
                 2 * q + 1 + (strstr(campaign, WHITE_PAPERS[2 * q]) ? 0 : 1));
        act_add(&as, first, A_DOWNLOAD, content);
        visits[nvisits++] = first;
    } else if (ch == WEBINAR) {
        act_add(&as, first, A_VIEW, g_webinar_content[mi]);
        visits[nvisits++] = first;
    }
    double p_more = 0.50 + 0.30 * fit / 100.0;
    while (nvisits < MAX_VIEWS && rng_chance(r, p_more)) {
        double u = rng_unif(r);
        int64_t t = t0 + 3600 + (int64_t)(300.0 * DAY * u * u);
        char content[24];
        int type;
        pick_content(r, t / DAY - g_start, &type, content, sizeof content);
        act_add(&as, t, type, content);
        if (t <= g_horizon)
            visits[nvisits++] = t;
    }
    qsort(visits, (size_t)nvisits, sizeof visits[0], cmp_i64);

    /* Experiments: a lead is assigned at its first visit in the window. */
    int nexp = 0, exp_idx[NEXPERIMENTS], exp_treat[NEXPERIMENTS];
    int64_t exp_at[NEXPERIMENTS];
    for (int e = 0; e < NEXPERIMENTS; e++) {
        int64_t at = -1;
        for (int i = 0; i < nvisits && at < 0; i++)
            if (visits[i] >= g_exp_from[e] && visits[i] <= g_exp_to[e])
                at = visits[i];
        if (at < 0)
            continue;
        exp_idx[nexp] = e;
        exp_treat[nexp] = rng_chance(r, 0.5);
        exp_at[nexp++] = at;
    }

    /* The way to MQL: a hand raise (demo or call-back request), or enough
     * engagement for the scoring model. Hand raises follow a website visit
     * (each visit has the same chance, so engaged leads raise their hand
     * more often), or for Referral and Event leads come offline. At the
     * visit where a lead enters an experiment, the treatment multiplies the
     * chance of a demo request by the experiment's lift. */
    double p_mql = clamp(CH[ch].p_mql * ff, 0, 0.95);
    double p_visit = clamp(HAND_PER_VISIT * p_mql, 0, 0.5);
    double p_score = 1 - (1 - p_mql) / (1 - HAND_SHARE * p_mql);
    int64_t hand = -1, score = -1;
    int hand_type = A_DEMO_REQUEST;
    if ((ch == REFERRAL || ch == EVENT) && rng_chance(r, HAND_SHARE * p_mql)) {
        double u = rng_unif(r);
        hand = t0 + 600 + (int64_t)(30.0 * DAY * u * u);
        hand_type = rng_chance(r, 0.4) ? A_DEMO_REQUEST : A_CALLBACK;
    }
    for (int i = 0; i < nvisits && (hand < 0 || hand > visits[i]); i++) {
        double p_demo = DEMO_SHARE * p_visit;
        double p_call = (1 - DEMO_SHARE) * p_visit;
        for (int k = 0; k < nexp; k++)
            if (exp_at[k] == visits[i] && exp_treat[k])
                p_demo *= EXPERIMENTS[exp_idx[k]].lift;
        double u = rng_unif(r);
        if (u >= p_demo + p_call)
            continue;
        int type = u < p_demo ? A_DEMO_REQUEST : A_CALLBACK;
        u = rng_unif(r);
        int64_t at = visits[i] + 300 + (int64_t)((14.0 * DAY - 600) * u * u);
        if (hand < 0 || at < hand) {
            hand = at;
            hand_type = type;
        }
        break;
    }
    if (rng_chance(r, p_score)) {
        double u = rng_unif(r);
        score = t0 + 3600 + (int64_t)(60.0 * DAY * u * u);
    }

    int64_t mql = -1;
    if (hand >= 0)
        mql = hand + 120 + rng_below(r, 900);
    if (score >= 0 && (mql < 0 || score < mql))
        mql = score;
    if (mql > g_horizon)
        mql = -1;

    int64_t demo = -1;
    if (hand >= 0) {
        act_add(&as, hand, hand_type, NULL);
        if (hand_type == A_DEMO_REQUEST && rng_chance(r, 0.82)) {
            demo = work_time(r, day_of(hand) + 1 + rng_below(r, 7));
            if (demo > g_horizon)
                demo = -1;
            else
                act_add(&as, demo, A_DEMO_DONE, NULL);
        }
    }
    if (rng_chance(r, 0.22)) /* a click in a nurture email */
        act_add(&as, work_time(r, day0 + 2 + rng_below(r, 60)), A_EMAIL, NULL);

    /* Sales: MQL -> SQL (a performed demo helps) -> deal. */
    int64_t sql = -1;
    const char *stage = mql >= 0 ? "MQL" : "lead";
    if (mql >= 0) {
        int emails = 1 + (int)rng_below(r, 3);
        for (int i = 0; i < emails; i++)
            act_add(&as, work_time(r, day_of(mql) + 1 + rng_below(r, 20)),
                    A_EMAIL, NULL);
        double p_sql =
            clamp(CH[ch].p_sql * ff * (demo >= 0 ? 1.5 : 0.8), 0, 0.95);
        if (rng_chance(r, p_sql)) {
            if (demo >= 0 && demo > mql)
                sql = demo + 1800 + (int64_t)(3.0 * DAY * rng_unif(r));
            else
                sql = work_time(r, day_of(mql) + 2 + rng_below(r, 28));
            if (sql <= g_horizon)
                stage = "SQL";
            else
                sql = -1;
        }
    }
    if (sql >= 0 && rng_chance(r, 0.92)) {
        int64_t created = day_of(sql) + rng_below(r, 8);
        if (created <= end) {
            double z = rng_normal(r);
            double eur = 8000 * CH[ch].deal * (0.75 + 0.5 * fit / 100.0) *
                         det_exp(0.55 * z);
            int64_t cycle = (int64_t)clamp(
                48 * det_exp(0.25 * z + 0.35 * rng_normal(r)) + 0.5, 20, 120);
            int64_t closed = created + cycle;
            int won = rng_chance(r, clamp(CH[ch].p_win * ff, 0, 0.9));
            int meetings = 1 + (int)rng_below(r, 3);
            for (int i = 0; i < meetings; i++)
                act_add(&as,
                        work_time(r, created + 1 +
                                         rng_below(r, (uint32_t)cycle - 1)),
                        A_MEETING, NULL);
            if (closed > end) {
                write_deal(g, id, created, -1, "open", eur);
            } else {
                write_deal(g, id, created, closed, won ? "won" : "lost", eur);
                if (won)
                    stage = "customer";
            }
            /* Repeat purchases, months later, with no marketing touch. */
            for (int k = 0; won && closed <= end && k < 2; k++) {
                if (!rng_chance(r, k == 0 ? 0.40 : 0.35))
                    break;
                int64_t again = closed + 45 + rng_below(r, 150);
                if (again > end)
                    break;
                double eur2 = eur * (0.3 + 0.6 * rng_unif(r));
                closed = again + 20 + rng_below(r, 40);
                if (closed > end)
                    write_deal(g, id, again, -1, "open", eur2);
                else
                    write_deal(g, id, again, closed, "won", eur2);
            }
        }
    }

    /* The lead row. */
    out_t *o = g->leads;
    out_int(o, id);
    out_sep(o);
    out_ts(o, t0);
    out_sep(o);
    out_text(o, CH[ch].name);
    out_sep(o);
    out_text(o, campaign);
    out_sep(o);
    out_str(o, COUNTRIES[cty].code);
    out_sep(o);
    out_int(o, fit);
    out_sep(o);
    out_text(o, owner);
    out_sep(o);
    out_str(o, stage);
    out_sep(o);
    if (mql >= 0)
        out_ts(o, mql);
    out_sep(o);
    if (sql >= 0)
        out_ts(o, sql);
    out_end_row(o);

    qsort(as.a, (size_t)as.n, sizeof as.a[0], cmp_act);
    for (int i = 0; i < as.n; i++) {
        o = g->acts;
        out_int(o, id);
        out_sep(o);
        out_ts(o, as.a[i].t);
        out_sep(o);
        out_str(o, ACTIVITY[as.a[i].type]);
        out_sep(o);
        out_str(o, as.a[i].content);
        out_end_row(o);
    }

    for (int i = 0; i < nexp; i++) {
        o = g->exps;
        out_int(o, id);
        out_sep(o);
        out_str(o, EXPERIMENTS[exp_idx[i]].name);
        out_sep(o);
        out_str(o, exp_treat[i] ? "treatment" : "control");
        out_sep(o);
        out_ts(o, exp_at[i]);
        out_end_row(o);
    }

    /* Sales' verdict on the lead's quality, for some qualified leads. */
    if (mql >= 0 && rng_chance(r, 0.38)) {
        int64_t given = day_of(mql) + 1 + rng_below(r, 10);
        if (given <= end) {
            int rating = (int)clamp(
                1 + 4.0 * fit / 100.0 + 0.8 * rng_normal(r) + 0.5, 1, 5);
            int fits = fit + 12 * rng_normal(r) >= 55;
            int band = rating <= 2 ? 0 : rating == 3 ? 1 : 2;
            const char *comment = "";
            if (rng_chance(r, 0.8))
                comment = COMMENTS[COUNTRIES[cty].lang][band][rng_below(r, 4)];
            o = g->feedback;
            out_int(o, id);
            out_sep(o);
            out_text(o, owner);
            out_sep(o);
            out_int(o, rating);
            out_sep(o);
            out_str(o, fits ? "yes" : "no");
            out_sep(o);
            out_text(o, comment);
            out_sep(o);
            out_date(o, given);
            out_end_row(o);
        }
    }
}

/* ==== leads, day by day ================================================= */

/* Hours of the day (UTC) at which leads arrive: European and American
 * office hours. */
static const uint32_t HOUR_W[24] = {2,  1,  1,  1,  1,  2,  4,  8,
                                    12, 14, 14, 12, 10, 12, 14, 15,
                                    14, 12, 9,  7,  6,  5,  4,  3};

static void gen_leads(gen_t *g, int64_t rows)
{
    /* Leads per day: the cumulative expected count, rounded down, so that
     * the days add up to exactly `rows`. */
    int64_t counts[NDAYS], max = 0;
    double cum = 0;
    int64_t prev = 0;
    for (int64_t di = 0; di < NDAYS; di++) {
        for (int c = 0; c < NCHAN; c++)
            cum += g_w[di][c];
        int64_t upto =
            di == NDAYS - 1 ? rows : (int64_t)((double)rows * cum / g_w_total);
        if (upto < prev)
            upto = prev;
        if (upto > rows)
            upto = rows;
        counts[di] = upto - prev;
        prev = upto;
        if (counts[di] > max)
            max = counts[di];
    }
    int64_t *secs = malloc(sizeof *secs * (size_t)(max ? max : 1));
    if (!secs)
        die("out of memory", NULL);
    uint32_t hour_total = 0;
    for (int h = 0; h < 24; h++)
        hour_total += HOUR_W[h];

    int64_t id = 0;
    for (int64_t di = 0; di < NDAYS; di++) {
        rng_t r;
        rng_seed(&r, g->seed, STREAM_DAY, (uint64_t)(di + NDAYS));
        for (int64_t i = 0; i < counts[di]; i++) {
            uint32_t x = rng_below(&r, hour_total);
            int h = 0;
            while (x >= HOUR_W[h])
                x -= HOUR_W[h++];
            secs[i] = h * 3600 + rng_below(&r, 3600);
        }
        qsort(secs, (size_t)counts[di], sizeof *secs, cmp_i64);
        for (int64_t i = 0; i < counts[di]; i++)
            gen_lead(g, ++id, di, (g_start + di) * DAY + secs[i]);
    }
    free(secs);
}

/* ==== command line ====================================================== */

static int64_t parse_count(const char *opt, const char *s, int64_t lo,
                           int64_t hi)
{
    char *endp;
    errno = 0;
    double v = strtod(s, &endp); /* accepts 1e7 as well as 10000000 */
    if (errno || endp == s || *endp || v < (double)lo || v > (double)hi ||
        v != (double)(int64_t)v) {
        fprintf(stderr,
                "gen_samples: %s wants a whole number from %lld to "
                "%lld, not '%s'\n",
                opt, (long long)lo, (long long)hi, s);
        exit(2);
    }
    return (int64_t)v;
}

static void usage(FILE *f)
{
    fputs(
        "usage: gen_samples --out DIR [--rows N] [--seed S]\n"
        "  Writes leads.csv, activities.csv, deals.csv, spend.csv,\n"
        "  feedback.csv and experiments.csv into DIR (created if needed).\n"
        "  --rows N   number of leads (default 5000); the other files scale\n"
        "  --seed S   random seed (default 20260944); same seed, same bytes\n",
        f);
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    int64_t rows = 5000, seed = 20260944;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (i + 1 >= argc) {
            usage(stderr);
            return 2;
        }
        if (!strcmp(a, "--out"))
            dir = argv[++i];
        else if (!strcmp(a, "--rows"))
            rows = parse_count(a, argv[++i], 1, 2000000000);
        else if (!strcmp(a, "--seed"))
            seed = parse_count(a, argv[++i], 0, INT64_C(1) << 53);
        else {
            usage(stderr);
            return 2;
        }
    }
    if (!dir) {
        usage(stderr);
        return 2;
    }
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        die("cannot create directory", dir);

    build_model((uint64_t)seed);

    out_t leads, acts, deals, spend, feedback, exps;
    out_open(&leads, dir, "leads.csv",
             "lead_id,created_at,channel,campaign,country,persona_fit,owner,"
             "stage,mql_at,sql_at");
    out_open(&acts, dir, "activities.csv", "lead_id,at,type,content_id");
    out_open(&deals, dir, "deals.csv",
             "deal_id,lead_id,created_at,closed_at,status,amount");
    out_open(&spend, dir, "spend.csv", "date,channel,campaign,amount");
    out_open(&feedback, dir, "feedback.csv",
             "lead_id,rep,rating,persona_fit,comment,given_at");
    out_open(&exps, dir, "experiments.csv",
             "lead_id,experiment,variant,assigned_at");

    gen_spend(&spend, (uint64_t)seed, rows);
    gen_t g = {&leads, &acts, &deals, &feedback, &exps, (uint64_t)seed, 1};
    gen_leads(&g, rows);

    out_close(&leads);
    out_close(&acts);
    out_close(&deals);
    out_close(&spend);
    out_close(&feedback);
    out_close(&exps);
    return 0;
}
