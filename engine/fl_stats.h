/*
 * fl_stats.h -- probability distributions for experiment evaluation
 * (lua-api.md "funnel.stats"), implemented from the mathematics: the
 * regularized incomplete gamma and beta functions by series and continued
 * fractions, quantiles by a good initial guess refined with Newton / Halley
 * steps and safeguarded bisection. Target accuracy about 1e-12 relative.
 *
 * Layer: engine/, uses only libm. Pure functions. Invalid parameters (df <= 0,
 * p outside [0, 1], a or b <= 0) return NAN; the Lua binding turns that into
 * an error.
 */
#ifndef FL_STATS_H
#define FL_STATS_H

double fl_normal_cdf(double x);
double fl_normal_quantile(double p);          /* -inf at 0, +inf at 1 */
double fl_t_cdf(double x, double df);
double fl_t_quantile(double p, double df);
double fl_chi2_cdf(double x, double df);
double fl_chi2_quantile(double p, double df);
double fl_beta_cdf(double x, double a, double b);   /* regularized I_x(a, b) */
double fl_beta_quantile(double p, double a, double b);
double fl_lgamma(double x);                   /* log |Gamma(x)|, x > 0 */

/* P(X > Y) for independent X ~ Beta(a1, b1), Y ~ Beta(a2, b2), computed
 * exactly (finite sum when a1 is an integer, else numerical integration to
 * full precision); used for "chance to win". */
double fl_beta_prob_greater(double a1, double b1, double a2, double b2);

#endif
