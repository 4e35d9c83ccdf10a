/* mp/problem_mp.h -- MPFR companions of problems: f, grad f and f* in
 * high precision at double iterates, so theorem checks and tests never
 * trust a double evaluation of f - f*.
 *
 * A companion lives in problems/<name>_mp.c beside problems/<name>.c and
 * reads the problem's state through its private header problems/<name>.h.
 */
#ifndef LMC_PROBLEM_MP_H
#define LMC_PROBLEM_MP_H

#include "mp.h"
#include "problem.h"

typedef struct lmc_problem_mp
{
    const lmc_problem_type *base; /* the double-precision problem */
    /* f(x) (and grad f(x) into g, a total x 1 matrix, when g != NULL),
     * every operation correctly rounded at prec: x is exact in MPFR. */
    int (*fdf)(const lmc_problem *P, const gsl_vector *x, mpfr_prec_t prec,
               mpfr_t f, lmc_mp_mat *g);
    /* f* in closed form at prec, or NULL if not closed-form. */
    int (*fstar)(const lmc_problem *P, mpfr_prec_t prec, mpfr_t fstar);
} lmc_problem_mp;

/* NULL-terminated registry and lookup by the base problem. */
extern const lmc_problem_mp *const lmc_problem_mps[];
const lmc_problem_mp *lmc_problem_mp_find(const lmc_problem_type *base);

/* gap = f(x) - f* in MPFR at prec (LMC_EDOM if the problem has no MPFR
 * companion or no closed-form f*). */
int lmc_problem_mp_gap(const lmc_problem *P, const gsl_vector *x,
                       mpfr_prec_t prec, mpfr_t gap);

#endif /* LMC_PROBLEM_MP_H */
