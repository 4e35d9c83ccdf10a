/* problems/registry_mp.c -- MPFR companions of the problems. */
#include "problem_mp.h"
#include "status.h"

/* The registry is one list, one line per entry (a line X(name) inside
 * the #define): the list declares each entry (X = LMC_ENTRY_DECLARE) and
 * fills the NULL-terminated array (X = LMC_ENTRY_ADDRESS) that
 * lmc_problem_mp_find searches. */
#define LMC_ENTRY_ADDRESS(name) &name,
#define LMC_ENTRY_DECLARE(name) extern const lmc_problem_mp name;

#define LMC_PROBLEM_MP_ENTRIES(X)        \
    X(lmc_problem_mf_mp)                 \
    X(lmc_problem_mf_sym_mp)             \
    X(lmc_problem_icl_mp)                \
    X(lmc_problem_lsq_mp)                \
    X(lmc_problem_plq_mp)                \
    X(lmc_problem_l0l1_mp)               \
    /* end of the list */

LMC_PROBLEM_MP_ENTRIES(LMC_ENTRY_DECLARE)
const lmc_problem_mp *const lmc_problem_mps[] = {
    LMC_PROBLEM_MP_ENTRIES(LMC_ENTRY_ADDRESS) NULL,
};

const lmc_problem_mp *
lmc_problem_mp_find(const lmc_problem_type *base)
{
    for (size_t i = 0; lmc_problem_mps[i]; i++)
        if (lmc_problem_mps[i]->base == base)
            return lmc_problem_mps[i];
    return NULL;
}

int
lmc_problem_mp_gap(const lmc_problem *P, const gsl_vector *x,
                   mpfr_prec_t prec, mpfr_t gap)
{
    const lmc_problem_mp *C = lmc_problem_mp_find(P->type);
    if (!C || !C->fstar)
        LMC_ERROR(LMC_EDOM, "problem '%s' has no MPFR companion with a "
                  "closed-form f*", P->type->name);
    mpfr_t fs;
    mpfr_init2(fs, prec);
    int status = C->fdf(P, x, prec, gap, NULL);
    if (status == LMC_SUCCESS)
        status = C->fstar(P, prec, fs);
    if (status == LMC_SUCCESS)
        /* RNDN: the gap itself is reported, not bounded; theorem checks
         * that need a one-sided value re-evaluate with directed rounding. */
        mpfr_sub(gap, gap, fs, MPFR_RNDN);
    mpfr_clear(fs);
    return status;
}
