/* schedule.h -- coefficient schedules of polynomial orthogonalizers (O2).
 *
 * Step j maps X <- a_j X + b_j (X X^T) X + c_j (X X^T)^2 X, starting from
 * X_0 = M / (divisor ||M||_F + eps).  On singular values this is the odd
 * polynomial p_j(s) = a_j s + b_j s^3 + c_j s^5, composed over the steps,
 * so in exact arithmetic delta_q(M) = max_{sigma_i > 0} |p^(q)(s_i) - 1|
 * with s_i = sigma_i / (divisor ||M||_F + eps).
 */
#ifndef LMC_SCHEDULE_H
#define LMC_SCHEDULE_H

#include <stddef.h>

#define LMC_SCHEDULE_MAX_LEN 64

typedef struct lmc_schedule
{
    char name[64];
    double coef[LMC_SCHEDULE_MAX_LEN][3]; /* (a, b, c) per step */
    size_t len;     /* number of triples given */
    int cyclic;     /* 1: the last triple repeats for every further step */
    size_t steps;   /* default number of steps */
    double divisor; /* c in X_0 = M / (c ||M||_F + eps) */
    double eps;
} lmc_schedule;

/* Built-in schedules, NULL-terminated. */
extern const lmc_schedule *const lmc_schedules[];

/* Finds a built-in schedule by name, or reads one from a file when name is
 * "file:PATH".  The result is copied into *out.  Errors: LMC_ENOTFOUND,
 * LMC_EIO, LMC_EPARSE (message names file and line). */
int lmc_schedule_get(const char *name, lmc_schedule *out);

/* Reads a schedule file: one "a b c" triple per line; blank lines and
 * text after '#' are ignored; optional lines "divisor D" and "eps E".
 * Bounded (textin.h): files up to 4 MiB, lines up to 1024 characters, no
 * NUL bytes, at most LMC_SCHEDULE_MAX_LEN triples.  Errors: LMC_EIO
 * (unreadable, a directory), LMC_EPARSE (file:line: what was wrong). */
int lmc_schedule_read(const char *path, lmc_schedule *out);

/* Triple used at step j (0-based); NULL if j is beyond a non-cyclic
 * schedule. */
const double *lmc_schedule_coef(const lmc_schedule *s, size_t j);

/* LMC_SUCCESS if the schedule can run `steps` steps, else LMC_EINVAL. */
int lmc_schedule_check_steps(const lmc_schedule *s, size_t steps);

/* p^(steps)(x) for one normalized singular value x (no divisor applied). */
double lmc_schedule_map(const lmc_schedule *s, size_t steps, double x);

/* p^(steps)(x) - 1, accurate in absolute terms even when tiny: once x
 * is near 1 the map is carried on e = x - 1 (see schedule.c). */
double lmc_schedule_map_error(const lmc_schedule *s, size_t steps, double x);

/* Scalar-map predictor of O2: delta = max_i |p^(steps)(sv_i / d) - 1| over
 * the n singular values sv_i > 0, with d = divisor * frob + eps (frob is
 * ||M||_F; pass frob = 1 and a schedule with divisor 1, eps 0 to use
 * normalized values directly).  Singular values equal to 0 are skipped
 * (the exact LMO has no component there either).  Result in *delta. */
int lmc_schedule_predict(const lmc_schedule *s, size_t steps,
                         const double *sv, size_t n, double frob,
                         double *delta);

#endif /* LMC_SCHEDULE_H */
