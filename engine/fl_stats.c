/*
 * fl_stats.c -- probability distributions for experiment evaluation (the
 * contract is in fl_stats.h). Everything is built from a few pieces:
 *
 *   - the normal distribution: the CDF from libm's erfc (glibc documents it
 *     to within a few ulps) with the rounding of x / sqrt(2) corrected, the
 *     quantile by Wichura's algorithm AS 241 polished with one Halley step;
 *   - "power terms" x^a y^b / B(a, b) and x^a e^-x / Gamma(a + 1), written
 *     with Stirling's series and Loader's deviance form so that no logarithm
 *     of size a * log(x) cancels: they keep ~1e-15 relative accuracy when a
 *     and b are ~1e6, where lgamma-based formulas lose 1e-9;
 *   - the regularized incomplete gamma P(a, x) (power series below a + 1,
 *     Legendre's continued fraction above) and incomplete beta I_x(a, b)
 *     (continued fraction with the symmetry switch), both evaluated by the
 *     modified Lentz method and returning both tails, so that whichever tail
 *     is small keeps its relative precision (the beta fraction runs in long
 *     double, see beta_cf; Student's t above 1e7 degrees of freedom uses
 *     Fisher's expansion around the normal instead);
 *   - one safeguarded Newton solver for all quantiles;
 *   - P(X > Y) for two beta variables: a finite sum when a parameter is an
 *     integer, adaptive Gauss-Kronrod quadrature otherwise.
 *
 * References: M. Abramowitz and I. Stegun, Handbook of Mathematical Functions
 * (A&S) 26.2, 26.4, 26.5, 26.7, 6.5; M. J. Wichura, Algorithm AS 241, Appl.
 * Statist. 37 (1988) 477-484; C. Loader, Fast and accurate computation of
 * binomial probabilities (2000); G. W. Cran, K. J. Martin and G. E. Thomas,
 * Algorithm AS 109, Appl. Statist. 26 (1977) 111-114 (initial guess of the
 * beta quantile); E. Miller, Formulas for Bayesian A/B testing (2015).
 *
 * Layer: engine/, libm only. Pure, reentrant functions (lgamma_r rather than
 * lgamma, which writes the global signgam).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* lgamma_r */
#endif
#include "fl_stats.h"

#include <float.h>
#include <math.h>

#define LN_SQRT_2PI 0.91893853320467274178032973640562 /* log(sqrt(2 pi)) */
#define INV_SQRT_2PI 0.39894228040143267793994605993438
#define TWO_OVER_SQRT_PI 1.12837916709551257389615890312154
#define SQRT1_2 0.70710678118654757274      /* 1/sqrt(2) rounded to double */
#define SQRT1_2_LO (-4.833646656726457e-17) /* 1/sqrt(2) - SQRT1_2 */

/* Continued fractions and series stop at DBL_EPSILON; this many iterations
 * is far beyond what parameters up to ~1e10 need (about 10 sqrt(a)). */
#define MAX_ITER 2000000
#define TINY 1e-300 /* Lentz's guard against a zero denominator */

/* ===================================================================== */
/* Building blocks                                                        */
/* ===================================================================== */

static double log_gamma(double x)
{
    int sign;
    return lgamma_r(x, &sign);
}

double fl_lgamma(double x)
{
    if (!(x > 0))
        return NAN;
    return log_gamma(x);
}

/* Stirling's remainder delta(z) = log Gamma(z) - ((z - 1/2) log z - z +
 * log sqrt(2 pi)), z > 0. For z >= 10 the asymptotic series (A&S 6.1.41,
 * Bernoulli numbers up to B16; the first omitted term is < 2e-18); below,
 * from lgamma, where nothing large cancels. */
static double stirling_delta(double z)
{
    if (z >= 10) {
        double w = 1 / (z * z);
        return (1.0 / 12 -
                w * (1.0 / 360 -
                     w * (1.0 / 1260 -
                          w * (1.0 / 1680 -
                               w * (1.0 / 1188 -
                                    w * (691.0 / 360360 -
                                         w * (1.0 / 156 -
                                              w * 3617.0 / 122400))))))) /
               z;
    }
    return log_gamma(z) - (z - 0.5) * log(z) + z - LN_SQRT_2PI;
}

/* x * (log(1 + r) - r) with r = dev / x, x > 0: minus Loader's deviance
 * bd0(x, x + dev). ratio is 1 + r computed by the caller directly; it is
 * used when |r| >= 0.5, where forming 1 + r from r could lose digits. For
 * small |r| the series in v = r / (2 + r):
 *   log(1 + r) - r = -r v + 2 (v^3/3 + v^5/5 + ...)
 * has no cancellation (log(1 + r) = 2 atanh v, and r - 2v = r v). */
static double x_log1pmx(double x, double dev, double ratio)
{
    double r = dev / x;
    if (!(fabs(r) < 0.5))
        return x * log(ratio) - dev;
    double v = r / (2 + r), v2 = v * v, term = 2 * v, s = -r * v;
    for (int j = 3; j < 200; j += 2) {
        term *= v2;
        double next = s + term / j;
        if (next == s)
            break;
        s = next;
    }
    return x * s;
}

/* log(x^a y^b / B(a, b)) for a, b > 0, 0 < x < 1, y = 1 - x; x and y are
 * both passed so that each keeps its full relative precision. With n = a + b
 * and d = x b - y a (= x n - a = b - y n), Stirling's formula gives
 *   x^a y^b / B(a,b) = sqrt(a b / (2 pi n)) exp(T_a + T_b - D)
 *   T_a = a log(x n / a) - d,  T_b = b log(y n / b) + d,
 *   D = delta(a) + delta(b) - delta(n),
 * where T_a, T_b are deviances (no cancellation near the mode x = a / n). */
static double log_beta_power(double x, double y, double a, double b)
{
    double n = a + b;
    double d = x * b - y * a;
    double ta = x_log1pmx(a, d, x * (n / a));
    double tb = x_log1pmx(b, -d, y * (n / b));
    double dd = stirling_delta(a) + stirling_delta(b) - stirling_delta(n);
    return ta + tb - dd + 0.5 * (log(a / n) + log(b)) - LN_SQRT_2PI;
}

/* log(x^a e^-x / Gamma(a + 1)), a > 0, x > 0: by Stirling's formula
 *   = a (log(x/a) - (x/a - 1)) - log sqrt(2 pi a) - delta(a). */
static double log_gamma_power(double a, double x)
{
    return x_log1pmx(a, x - a, x / a) - 0.5 * log(a) - LN_SQRT_2PI -
           stirling_delta(a);
}

/* ===================================================================== */
/* Normal distribution                                                    */
/* ===================================================================== */

/* Phi(x) = erfc(-x / sqrt 2) / 2. The product z = -x / sqrt 2 is rounded;
 * in the lower tail erfc amplifies that error by 2 z^2, so the residual e
 * (exact by fma, plus the low part of 1/sqrt 2) is put back to first order:
 * erfc(z + e) = erfc(z) - e 2/sqrt(pi) exp(-z^2). */
double fl_normal_cdf(double x)
{
    if (isnan(x))
        return NAN;
    if (isinf(x))
        return x > 0 ? 1 : 0;
    double z = -x * SQRT1_2;
    double e = fma(-x, SQRT1_2, -z) - x * SQRT1_2_LO;
    return 0.5 * (erfc(z) - e * TWO_OVER_SQRT_PI * exp(-z * z));
}

/* Wichura's AS 241 (PPND16) for 0 < p <= 0.5: relative accuracy ~1e-16. */
static double as241(double p)
{
    double q = p - 0.5;
    if (fabs(q) <= 0.425) {
        double r = 0.180625 - q * q;
        return q *
               (((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) *
                         r +
                     6.7265770927008700853e+4) *
                        r +
                    4.5921953931549871457e+4) *
                       r +
                   1.3731693765509461125e+4) *
                      r +
                  1.9715909503065514427e+3) *
                     r +
                 1.3314166789178437745e+2) *
                    r +
                3.3871328727963666080e+0) /
               (((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) *
                         r +
                     3.9307895800092710610e+4) *
                        r +
                    2.1213794301586595867e+4) *
                       r +
                   5.3941960214247511077e+3) *
                      r +
                  6.8718700749205790830e+2) *
                     r +
                 4.2313330701600911252e+1) *
                    r +
                1.0);
    }
    double r = sqrt(-log(p)), x;
    if (r <= 5) {
        r -= 1.6;
        x = (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) *
                      r +
                  2.41780725177450611770e-1) *
                     r +
                 1.27045825245236838258e+0) *
                    r +
                3.64784832476320460504e+0) *
                   r +
               5.76949722146069140550e+0) *
                  r +
              4.63033784615654529590e+0) *
                 r +
             1.42343711074968357734e+0) /
            (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) *
                      r +
                  1.51986665636164571966e-2) *
                     r +
                 1.48103976427480074590e-1) *
                    r +
                6.89767334985100004550e-1) *
                   r +
               1.67638483018380384940e+0) *
                  r +
              2.05319162663775882187e+0) *
                 r +
             1.0);
    } else {
        r -= 5;
        x = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) *
                      r +
                  1.24266094738807843860e-3) *
                     r +
                 2.65321895265761230930e-2) *
                    r +
                2.96560571828504891230e-1) *
                   r +
               1.78482653991729133580e+0) *
                  r +
              5.46378491116411436990e+0) *
                 r +
             6.65790464350110377720e+0) /
            (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) *
                      r +
                  1.84631831751005468180e-5) *
                     r +
                 7.86869131145613259100e-4) *
                    r +
                1.48753612908506148525e-2) *
                   r +
               1.36929880922735805310e-1) *
                  r +
              5.99832206555887937690e-1) *
                 r +
             1.0);
    }
    return -x;
}

double fl_normal_quantile(double p)
{
    if (isnan(p) || p < 0 || p > 1)
        return NAN;
    if (p == 0)
        return -INFINITY;
    if (p == 1)
        return INFINITY;
    if (p > 0.5)
        return -fl_normal_quantile(1 - p); /* 1 - p is exact here */
    double x = as241(p);
    /* One Halley step (phi'/phi = -x) on Phi(x) - p. */
    double dens = INV_SQRT_2PI * exp(-0.5 * x * x);
    if (dens > 0) {
        double t = (fl_normal_cdf(x) - p) / dens;
        x -= t / (1 + 0.5 * x * t);
    }
    return x;
}

/* ===================================================================== */
/* Regularized incomplete gamma and beta functions                        */
/* ===================================================================== */

/* P(a, x) and Q(a, x) = 1 - P for a > 0, x >= 0 (A&S 6.5). Below x = a + 1
 * the power series (A&S 6.5.29) for P, which then is the smaller tail or
 * not much larger than Q; above, Legendre's continued fraction (A&S 6.5.31)
 * for Q, by the modified Lentz method. */
static void gamma_pq(double a, double x, double *p, double *q)
{
    if (x <= 0) {
        *p = 0, *q = 1;
        return;
    }
    if (isinf(x)) {
        *p = 1, *q = 0;
        return;
    }
    double lp = log_gamma_power(a, x); /* log(x^a e^-x / Gamma(a + 1)) */
    if (x < a + 1) {
        /* P = x^a e^-x / Gamma(a+1) * sum_k x^k / ((a+1)(a+2)...(a+k)) */
        double term = 1, sum = 1;
        for (int k = 1; k < MAX_ITER; k++) {
            term *= x / (a + k);
            sum += term;
            if (term <= sum * (DBL_EPSILON / 4))
                break;
        }
        *p = exp(lp) * sum;
        *q = 1 - *p;
        return;
    }
    /* Q = x^a e^-x / Gamma(a) * 1/(x+1-a- 1(1-a)/(x+3-a- 2(2-a)/(x+5-a- ...)))
     */
    double b = x + 1 - a, c = 1 / TINY, d = 1 / b, h = d;
    for (int i = 1; i < MAX_ITER; i++) {
        double an = -i * (i - a);
        b += 2;
        d = an * d + b;
        if (fabs(d) < TINY)
            d = TINY;
        c = b + an / c;
        if (fabs(c) < TINY)
            c = TINY;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) <= DBL_EPSILON)
            break;
    }
    *q = exp(lp) * a * h;
    *p = 1 - *q;
}

/* The continued fraction of I_x(a, b) (A&S 26.5.8):
 *   I_x(a,b) = x^a y^b / (a B(a,b)) * 1/(1+ d1/(1+ d2/(1+ ...)))
 *   d_{2m+1} = -(a+m)(a+b+m) x / ((a+2m)(a+2m+1)),
 *   d_{2m}   = m(b-m) x / ((a+2m-1)(a+2m)),
 * evaluated by the modified Lentz method. It converges quickly for
 * x < (a+1)/(a+b+2), in O(sqrt(max(a, b))) terms in the worst case. */
static double beta_cf(double x, double y, double a, double b)
{
    /* Long double: near its switch point, with a large and b small, the
     * fraction divides by differences like 1 - (a+b) x / (a+1) that lose
     * the digits of x near 1; x is re-formed from y (which holds them) and
     * carried with 11 more bits where the platform has them. */
    long double xl = x > 0.5 ? 1.0L - (long double)y : (long double)x;
    long double c = 1, d = 1 - (a + b) * xl / (a + 1);
    if (fabsl(d) < TINY)
        d = TINY;
    d = 1 / d;
    long double h = d;
    for (int m = 1; m < MAX_ITER; m++) {
        double m2 = 2.0 * m;
        long double dm = m * (b - m) * xl / ((a + m2 - 1) * (a + m2));
        d = 1 + dm * d;
        if (fabsl(d) < TINY)
            d = TINY;
        c = 1 + dm / c;
        if (fabsl(c) < TINY)
            c = TINY;
        d = 1 / d;
        h *= d * c;
        dm = -(a + m) * (a + b + m) * xl / ((a + m2) * (a + m2 + 1));
        d = 1 + dm * d;
        if (fabsl(d) < TINY)
            d = TINY;
        c = 1 + dm / c;
        if (fabsl(c) < TINY)
            c = TINY;
        d = 1 / d;
        long double del = d * c;
        h *= del;
        if (fabsl(del - 1) <= DBL_EPSILON / 8)
            break;
    }
    return (double)h;
}

/* p = I_x(a, b), q = 1 - p, for a, b > 0 and y = 1 - x (both given to full
 * relative precision). The continued fraction is used on the side where it
 * converges (x < (a+1)/(a+b+2), else on I_y(b, a) = 1 - I_x(a, b)). */
static void beta_pq(double x, double y, double a, double b, double *p,
                    double *q)
{
    if (x <= 0) {
        *p = 0, *q = 1;
        return;
    }
    if (y <= 0) {
        *p = 1, *q = 0;
        return;
    }
    if (x < (a + 1) / (a + b + 2)) {
        *p = exp(log_beta_power(x, y, a, b)) / a * beta_cf(x, y, a, b);
        *q = 1 - *p;
    } else {
        *q = exp(log_beta_power(y, x, b, a)) / b * beta_cf(y, x, b, a);
        *p = 1 - *q;
    }
}

/* ===================================================================== */
/* Quantiles: safeguarded Newton                                          */
/* ===================================================================== */

/* A distribution for the solver: at z, the lower tail P(Z <= z), the upper
 * tail P(Z > z) and the density. par holds its parameters. */
typedef void (*tail_fn)(double z, const double *par, double *lower,
                        double *upper, double *density);

static double bisect(double lo, double hi)
{
    if (isinf(hi))
        return lo > 0 ? 4 * lo : 1;
    if (lo <= 0)
        return hi / 16;
    if (hi > 4 * lo)
        return sqrt(lo * hi);
    return 0.5 * (lo + hi);
}

/* Solves lower(z) = p (equivalently upper(z) = q, q = 1 - p given to full
 * precision) for z in (lo, hi), starting from z. The residual is taken on
 * the smaller tail as a log ratio, so a target of 1e-300 is met to relative
 * precision. Newton's step is taken on log(upper) in z (exact for an
 * exponential tail) or on log(lower) in log z (exact for a power-law tail);
 * a step that leaves the bracket, which every evaluation narrows, is
 * replaced by a bisection. */
static double solve_quantile(tail_fn tail, const double *par, double p,
                             double q, double z, double lo, double hi)
{
    int on_upper = q < p;
    for (int it = 0; it < 300; it++) {
        double lower, upper, dens, r, next;
        tail(z, par, &lower, &upper, &dens);
        if (on_upper) {
            r = log(upper / q); /* > 0: z is too small */
            if (r > 0)
                lo = z;
            else
                hi = z;
            next = z + r * upper / dens;
        } else {
            r = log(lower / p); /* > 0: z is too large */
            if (r > 0)
                hi = z;
            else
                lo = z;
            next = z * exp(-r * lower / (z * dens));
        }
        if (r == 0)
            return z;
        if (!(next > lo && next < hi))
            next = bisect(lo, hi);
        if (fabs(next - z) <= 1e-15 * fabs(next))
            return next;
        z = next;
    }
    return z;
}

static void gamma_tail(double z, const double *par, double *lower,
                       double *upper, double *density)
{
    double a = par[0];
    gamma_pq(a, z, lower, upper);
    *density = z > 0 ? exp(log_gamma_power(a, z)) * a / z : 0;
}

/* x with P(a, x) = p, q = 1 - p. Initial guess: Wilson-Hilferty's cube root
 * normal approximation (A&S 26.4.17) for the chi-square with 2a degrees of
 * freedom, or for a small lower tail P ~ x^a / Gamma(a + 1) solved for x. */
static double gamma_quantile(double p, double q, double a)
{
    if (p == 0)
        return 0;
    if (q == 0)
        return INFINITY;
    double z = p <= q ? fl_normal_quantile(p) : -fl_normal_quantile(q);
    double c = 1 / (9 * a); /* 2 / (9 df) with df = 2a */
    double w = 1 - c + z * sqrt(c);
    double x = a * w * w * w;
    if (p < q && (x <= 0 || 2 * a < -1.24 * log(p)))
        x = exp((log(p) + log_gamma(a + 1)) / a);
    if (!(x > 0) || isinf(x))
        x = a;
    return solve_quantile(gamma_tail, &a, p, q, x, 0, INFINITY);
}

static void beta_tail(double z, const double *par, double *lower, double *upper,
                      double *density)
{
    double y = 1 - z;
    beta_pq(z, y, par[0], par[1], lower, upper);
    *density = z > 0 && y > 0
                   ? exp(log_beta_power(z, y, par[0], par[1])) / (z * y)
                   : 0;
}

/* Initial guess of x with I_x(a, b) = p, q = 1 - p: AS 109's, which uses
 * Carter's normal approximation (A&S 26.5.22) when a, b > 1 and a
 * chi-square approximation otherwise. Only needs to be within a factor of a
 * few and on the right side of 1/2. */
static double beta_guess(double p, double q, double a, double b)
{
    if (p > q)
        return 1 - beta_guess(q, p, b, a);
    double y = -fl_normal_quantile(p), x;
    double lbeta = log_gamma(a) + log_gamma(b) - log_gamma(a + b);
    if (a > 1 && b > 1) {
        double r = (y * y - 3) / 6, s = 1 / (2 * a - 1), t = 1 / (2 * b - 1);
        double h = 2 / (s + t);
        double w = y * sqrt(h + r) / h - (t - s) * (r + 5.0 / 6 - 2 / (3 * h));
        x = a / (a + b * exp(2 * w));
    } else {
        double r = 2 * b, t = 1 / (9 * b);
        t = r * pow(1 - t + y * sqrt(t), 3);
        if (t <= 0) {
            x = -expm1((log(q) + log(b) + lbeta) / b);
        } else {
            t = (4 * a + r - 2) / t;
            if (t <= 1)
                x = exp((log(p * a) + lbeta) / a);
            else
                x = 1 - 2 / (t + 1);
        }
    }
    if (!(x > 0 && x < 1))
        x = 0.5;
    return x;
}

/* x with I_x(a, b) = p, and y = 1 - x, each to full relative precision: the
 * solver works on whichever of x and y is below 1/2 (by symmetry, I_y(b, a)
 * = q), re-solving on the other side if the guess picked the wrong one. */
static void beta_quantile_xy(double p, double q, double a, double b, double *x,
                             double *y)
{
    if (p == 0 || q == 0) {
        *x = p == 0 ? 0 : 1;
        *y = 1 - *x;
        return;
    }
    double ab[2] = {a, b}, ba[2] = {b, a};
    double x0 = beta_guess(p, q, a, b);
    int on_y = x0 > 0.5;
    double z = on_y ? solve_quantile(beta_tail, ba, q, p, 1 - x0, 0, 1)
                    : solve_quantile(beta_tail, ab, p, q, x0, 0, 1);
    if (z > 0.5) {
        on_y = !on_y;
        z = on_y ? solve_quantile(beta_tail, ba, q, p, 1 - z, 0, 1)
                 : solve_quantile(beta_tail, ab, p, q, 1 - z, 0, 1);
    }
    *x = on_y ? 1 - z : z;
    *y = on_y ? z : 1 - z;
}

/* ===================================================================== */
/* Student's t, chi-square, beta                                          */
/* ===================================================================== */

static int bad_df(double df)
{
    return !(df > 0);
}

/* Above this many degrees of freedom the t distribution is computed from
 * its asymptotic expansion around the normal (Fisher 1925):
 *   F(t) = Phi(t) - phi(t) [ (t^3 + t) / (4 df)
 *                           + (3t^7 - 7t^5 - 5t^3 - 3t) / (96 df^2) ] +
 * O(df^-3) (the df^-2 coefficients were checked against 60-digit values of the
 * incomplete beta). The omitted term is below 1e-15 relative for |t| <= 5
 * at df = 1e7; the continued fraction, which needs y = t^2 / (df + t^2)
 * resolved next to x ~ 1, degrades above ~1e7 (7e-13 at t = -5). */
#define T_ASYMPTOTIC_DF 1e7

static double t_cdf_asymptotic(double t, double df)
{
    if (t > 0)
        return 1 - t_cdf_asymptotic(-t, df);
    double t2 = t * t;
    double g1 = (t2 + 1) * t / 4;
    double g2 = (((3 * t2 - 7) * t2 - 5) * t2 - 3) * t / 96;
    double dens = INV_SQRT_2PI * exp(-0.5 * t2);
    return fl_normal_cdf(t) - dens * (g1 / df + g2 / (df * df));
}

/* F(t) = I_x(df/2, 1/2) / 2 for t <= 0 (A&S 26.7.1 / 26.5.27), with
 * x = df / (df + t^2) and 1 - x = t^2 / (df + t^2). */
double fl_t_cdf(double t, double df)
{
    if (isnan(t) || bad_df(df))
        return NAN;
    if (isinf(t))
        return t > 0 ? 1 : 0;
    if (df >= T_ASYMPTOTIC_DF)
        return t_cdf_asymptotic(t, df);
    double t2 = t * t, s = df + t2, x, y, p, q;
    if (isfinite(s)) {
        x = df / s;
        y = t2 / s;
    } else {
        x = df / fabs(t) / fabs(t);
        y = 1 - x;
    }
    beta_pq(x, y, 0.5 * df, 0.5, &p, &q);
    return t <= 0 ? 0.5 * p : 1 - 0.5 * p;
}

double fl_t_quantile(double p, double df)
{
    if (isnan(p) || p < 0 || p > 1 || bad_df(df))
        return NAN;
    if (p == 0)
        return -INFINITY;
    if (p == 1)
        return INFINITY;
    if (p == 0.5)
        return 0;
    if (df >= T_ASYMPTOTIC_DF) {
        /* Newton from the normal quantile; the density differs from phi by
         * O(1/df), so each step gains ~7 digits. */
        double t = fl_normal_quantile(p);
        for (int i = 0; i < 4 && isfinite(t); i++) {
            double dens = INV_SQRT_2PI * exp(-0.5 * t * t);
            double err = p < 0.5 ? t_cdf_asymptotic(t, df) - p
                                 : (1 - p) - t_cdf_asymptotic(-t, df);
            if (!(dens > 0))
                break;
            t -= err / dens;
        }
        return t;
    }
    /* |t| solves I_x(df/2, 1/2) = 2 min(p, 1-p), t^2 = df y / x. */
    double tail = p < 0.5 ? p : 1 - p, x, y;
    beta_quantile_xy(2 * tail, 1 - 2 * tail, 0.5 * df, 0.5, &x, &y);
    double t = sqrt(df * y) / sqrt(x);
    return p < 0.5 ? -t : t;
}

double fl_chi2_cdf(double x, double df)
{
    if (isnan(x) || bad_df(df) || isinf(df))
        return NAN;
    double p, q;
    gamma_pq(0.5 * df, 0.5 * x, &p, &q);
    return p;
}

double fl_chi2_quantile(double p, double df)
{
    if (isnan(p) || p < 0 || p > 1 || bad_df(df) || isinf(df))
        return NAN;
    return 2 * gamma_quantile(p, 1 - p, 0.5 * df);
}

static int bad_shape(double a, double b)
{
    return !(a > 0 && b > 0 && isfinite(a) && isfinite(b));
}

double fl_beta_cdf(double x, double a, double b)
{
    if (isnan(x) || bad_shape(a, b))
        return NAN;
    double p, q;
    beta_pq(x, 1 - x, a, b, &p, &q);
    return p;
}

double fl_beta_quantile(double p, double a, double b)
{
    if (isnan(p) || p < 0 || p > 1 || bad_shape(a, b))
        return NAN;
    double x, y;
    beta_quantile_xy(p, 1 - p, a, b, &x, &y);
    return x;
}

/* ===================================================================== */
/* P(X > Y) for X ~ Beta(a1, b1), Y ~ Beta(a2, b2)                        */
/* ===================================================================== */

/* With a1 = n an integer, P(X <= y) = P(K >= n) for K ~ NegBin(b1, y), so
 * (Miller 2015)
 *   P(X > Y) = sum_{i=0}^{n-1} t_i,
 *   t_i = Gamma(b1+i) / (Gamma(b1) i!) * B(a2+i, b1+b2) / B(a2, b2),
 * the probabilities of a beta-negative-binomial K. The terms are unimodal
 * with ratio
 *   t_{i+1} / t_i = (b1+i)(a2+i) / ((i+1)(a2+b1+b2+i)),
 * so the sum runs outwards from the largest term in range and stops where
 * the terms no longer count: O(spread) terms however large n is. Terms come
 * from the ratio and, every RESYNC steps, from the exact log formula, which
 * keeps the drift of the products below ~1e-13. */
#define RESYNC 64

static double bnb_ratio(double i, double b1, double a2, double b2)
{
    return (b1 + i) * (a2 + i) / ((i + 1) * (a2 + b1 + b2 + i));
}

/* log t_i for i >= 1. Stirling's formula for the nine gamma functions
 * leaves no large cancelling terms: with T = a2+b1+b2+i and D = (b1 a2 -
 * i b2) / T, the z log z parts sum to four deviances (the Jensen gap of
 * the binary entropy, pooled proportion (a2+i)/T), the rest are small. */
static double bnb_log_term(double i, double b1, double a2, double b2)
{
    double T = a2 + b1 + b2 + i;
    double D = (b1 * a2 - i * b2) / T;
    double f = x_log1pmx(i, D, (i + b1) * (i + a2) / (T * i)) +
               x_log1pmx(b1, -D, (i + b1) * (b1 + b2) / (T * b1)) +
               x_log1pmx(a2, -D, (a2 + b2) * (i + a2) / (T * a2)) +
               x_log1pmx(b2, D, (a2 + b2) * (b1 + b2) / (T * b2));
    double half_logs =
        0.5 * (log(b1 / (b1 + i)) + log(a2 / (a2 + i)) + log(T / (b1 + b2)) +
               log(b2 / (a2 + b2)) - log(i));
    double dl = stirling_delta(b1 + i) + stirling_delta(a2 + i) +
                stirling_delta(b1 + b2) + stirling_delta(a2 + b2) -
                stirling_delta(b1) - stirling_delta(i) - stirling_delta(T) -
                stirling_delta(a2) - stirling_delta(b2);
    return f + half_logs + dl - LN_SQRT_2PI;
}

/* sum_{i=0}^{n-1} t_i, n >= 1 an integer. */
static double bnb_sum(double n, double b1, double a2, double b2)
{
    /* Terms grow while i <= ic: (b1+i)(a2+i) >= (i+1)(a2+b1+b2+i). */
    double ic = (a2 * b1 - a2 - b1 - b2) / (b2 + 1);
    double mode = ic >= 0 ? floor(ic) + 1 : 0;
    double j = mode < n - 1 ? mode : n - 1; /* largest term in range */
    double lj;                              /* log t_j */
    if (j >= 1)
        lj = bnb_log_term(j, b1, a2, b2);
    else
        lj = bnb_log_term(1, b1, a2, b2) - log(bnb_ratio(0, b1, a2, b2));
    double sum = 1, s = 1;
    for (double i = j - 1; i >= 0; i--) { /* downwards: s = t_i / t_j */
        if (fmod(j - i, RESYNC) == 0 && i >= 1)
            s = exp(bnb_log_term(i, b1, a2, b2) - lj);
        else
            s /= bnb_ratio(i, b1, a2, b2);
        sum += s;
        if (s <= sum * 1e-17)
            break;
    }
    s = 1;
    for (double i = j + 1; i <= n - 1; i++) { /* upwards */
        if (fmod(i - j, RESYNC) == 0)
            s = exp(bnb_log_term(i, b1, a2, b2) - lj);
        else
            s *= bnb_ratio(i - 1, b1, a2, b2);
        sum += s;
        if (s <= sum * 1e-17)
            break;
    }
    return exp(lj + log(sum));
}

/* Integration of P(X > Y) = int_0^1 f_Y(y) P(X > y) dy when no parameter is
 * an integer. [0, 1] is split at the mean of Y into two pieces; on each a
 * substitution y = c w^m (or 1 - y = (1 - c) w^m) with m = 1 / exponent
 * removes an endpoint singularity y^(a2-1) (or (1-y)^(b1+b2-1)). Global
 * adaptive Gauss-Kronrod (7/15 points) then bisects the interval with the
 * largest error estimate |K15 - G7| until the total is below 1e-14 of the
 * result, starting from breakpoints around the bulk of X and Y. */
typedef struct {
    double a1, b1, a2, b2;
    double c, cm;    /* split point c = E[Y] and 1 - c */
    double m[2];     /* substitution power on the lower and upper piece */
    double lb1, lb2; /* log B(a1, b1), log B(a2, b2), for the limits */
} pgt_ctx;

/* The integrand in w: f_Y(y) P(X > y) dy/dw. With s = w^m, dy/dw = m s c / w
 * (or the same with 1 - c), so f_Y dy/dw = y^a2 (1-y)^b2 / B(a2, b2) *
 * m / (w (1-y)) on the lower piece (m / (w y) on the upper), computed in
 * logs. Where y (or 1 - y) underflows the limit of the integrand is used:
 * with m = 1 / exponent it is a nonzero constant there. */
static double pgt_integrand(const pgt_ctx *g, int piece, double w)
{
    double m = g->m[piece], lw = log(w), y, ymc;
    if (piece == 0) {
        y = g->c * pow(w, m);
        ymc = 1 - y;
        if (y < DBL_MIN) /* P(X > y) -> 1, f_Y ~ y^(a2-1) / B(a2, b2) */
            return exp(g->a2 * (log(g->c) + m * lw) + log(m) - lw - g->lb2);
    } else {
        ymc = g->cm * pow(w, m);
        y = 1 - ymc;
        if (ymc < DBL_MIN) /* P(X > y) ~ (1-y)^b1 / (b1 B(a1, b1)) */
            return exp((g->b1 + g->b2) * (log(g->cm) + m * lw) + log(m) - lw -
                       g->lb1 - log(g->b1) - g->lb2);
    }
    double lower, upper;
    beta_pq(y, ymc, g->a1, g->b1, &lower, &upper);
    if (!(upper > 0))
        return 0;
    double lf = log_beta_power(y, ymc, g->a2, g->b2) + log(m) - lw -
                log(piece == 0 ? ymc : y);
    return exp(lf) * upper;
}

/* Gauss-Kronrod 7/15 nodes and weights (as tabulated in QUADPACK's QK15);
 * index 0 is the centre. */
static const double gk_x[8] = {0.0,
                               0.207784955007898467600689403773245,
                               0.405845151377397166906606412076961,
                               0.586087235467691130294144845693013,
                               0.741531185599394439863864773280788,
                               0.864864423359769072789712788640926,
                               0.949107912342758524526189684047851,
                               0.991455371120812639206854697526329};
static const double gk_wk[8] = {
    0.209482141084727828012999174891714, 0.204432940075298892414161999234649,
    0.190350578064785409913256402421014, 0.169004726639267902826583426598550,
    0.140653259715525918745189590510238, 0.104790010322250183839876322541518,
    0.063092092629978553290700663189204, 0.022935322010529224963732008058970};
/* Gauss weights of the centre and of the even-indexed nodes 2, 4, 6. */
static const double gk_wg[4] = {
    0.417959183673469387755102040816327, 0.381830050505118944950369775488975,
    0.279705391489276667901467771423780, 0.129484966168869693270611432679082};

typedef struct {
    double lo, hi, val, err;
    int piece;
} gk_interval;

static void gk15(const pgt_ctx *g, gk_interval *iv)
{
    double half = 0.5 * (iv->hi - iv->lo), mid = 0.5 * (iv->hi + iv->lo);
    double fc = pgt_integrand(g, iv->piece, mid);
    double k = gk_wk[0] * fc, gs = gk_wg[0] * fc;
    for (int j = 1; j < 8; j++) {
        double f = pgt_integrand(g, iv->piece, mid - half * gk_x[j]) +
                   pgt_integrand(g, iv->piece, mid + half * gk_x[j]);
        k += gk_wk[j] * f;
        if (j % 2 == 0)
            gs += gk_wg[j / 2] * f;
    }
    iv->val = k * half;
    iv->err = fabs((k - gs) * half);
}

#define GK_MAX 600

static double beta_prob_greater_quad(double a1, double b1, double a2, double b2)
{
    pgt_ctx g = {a1,
                 b1,
                 a2,
                 b2,
                 a2 / (a2 + b2),
                 b2 / (a2 + b2),
                 {1, 1},
                 log_gamma(a1) + log_gamma(b1) - log_gamma(a1 + b1),
                 log_gamma(a2) + log_gamma(b2) - log_gamma(a2 + b2)};
    if (a2 < 1)
        g.m[0] = 1 / a2;
    if (b1 + b2 < 1)
        g.m[1] = 1 / (b1 + b2);

    /* Breakpoints in y: mean +- k sd of X and of Y, mapped to w. */
    double pts[2][40];
    int np[2] = {0, 0};
    double mean[2] = {a1 / (a1 + b1), g.c};
    double sd[2] = {sqrt(a1 * b1 / ((a1 + b1) * (a1 + b1) * (a1 + b1 + 1))),
                    sqrt(a2 * b2 / ((a2 + b2) * (a2 + b2) * (a2 + b2 + 1)))};
    static const double ks[] = {-16, -8, -4, -2, -1, 0, 1, 2, 4, 8, 16};
    for (int v = 0; v < 2; v++) {
        for (int k = 0; k < (int)(sizeof ks / sizeof *ks); k++) {
            double y = mean[v] + ks[k] * sd[v];
            if (!(y > 0 && y < 1) || y == g.c)
                continue;
            int piece = y > g.c;
            double w = piece ? pow((1 - y) / g.cm, 1 / g.m[1])
                             : pow(y / g.c, 1 / g.m[0]);
            if (w > 0 && w < 1)
                pts[piece][np[piece]++] = w;
        }
    }

    gk_interval iv[GK_MAX];
    int n = 0;
    double total = 0, err = 0;
    for (int piece = 0; piece < 2; piece++) {
        /* sort the breakpoints (insertion sort, a few dozen at most) */
        double *w = pts[piece];
        for (int i = 1; i < np[piece]; i++)
            for (int j = i; j > 0 && w[j - 1] > w[j]; j--) {
                double t = w[j];
                w[j] = w[j - 1];
                w[j - 1] = t;
            }
        double lo = 0;
        for (int i = 0; i <= np[piece]; i++) {
            double hi = i < np[piece] ? w[i] : 1;
            if (hi > lo) {
                iv[n] = (gk_interval){lo, hi, 0, 0, piece};
                gk15(&g, &iv[n]);
                total += iv[n].val;
                err += iv[n].err;
                n++;
                lo = hi;
            }
        }
    }
    while (err > 1e-14 * total && n < GK_MAX) {
        int worst = 0;
        for (int i = 1; i < n; i++)
            if (iv[i].err > iv[worst].err)
                worst = i;
        gk_interval *a = &iv[worst], *b = &iv[n++];
        double mid = 0.5 * (a->lo + a->hi);
        if (!(mid > a->lo && mid < a->hi))
            break; /* cannot split further */
        total -= a->val;
        err -= a->err;
        *b = *a;
        a->hi = mid;
        b->lo = mid;
        gk15(&g, a);
        gk15(&g, b);
        total += a->val + b->val;
        err += a->err + b->err;
    }
    /* Re-add so that the result carries no running-sum drift. */
    total = 0;
    for (int i = 0; i < n; i++)
        total += iv[i].val;
    return total;
}

static int is_int(double v)
{
    return v >= 1 && v <= 9007199254740992.0 && v == floor(v);
}

double fl_beta_prob_greater(double a1, double b1, double a2, double b2)
{
    if (bad_shape(a1, b1) || bad_shape(a2, b2))
        return NAN;
    /* The sum needs an integer first parameter of the "greater" variable.
     * By symmetry P(X > Y) = P(1-Y > 1-X) = 1 - P(Y > X) = 1 - P(1-X >
     * 1-Y), so any integer parameter gives one; the direct forms come first
     * because a small result keeps its relative precision there. */
    if (is_int(a1) && (!is_int(b2) || a1 <= b2))
        return bnb_sum(a1, b1, a2, b2);
    if (is_int(b2))
        return bnb_sum(b2, a2, b1, a1);
    if (is_int(a2) && (!is_int(b1) || a2 <= b1))
        return 1 - bnb_sum(a2, b2, a1, b1);
    if (is_int(b1))
        return 1 - bnb_sum(b1, a1, b2, a2);
    return beta_prob_greater_quad(a1, b1, a2, b2);
}
