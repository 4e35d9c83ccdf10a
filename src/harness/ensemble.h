/* ensemble.h -- fp-environment ensembles: one check point run in its
 * nominal floating-point environment and in perturbed ones, and one
 * verdict that stands only if every member agrees.
 *
 * A verdict that changes with the BLAS kernel (OpenBLAS picks Haswell,
 * SkylakeX, ... code by CPU) or with the IEEE rounding mode is a property
 * of the last bits, not of the mathematics.  Members perturb what a
 * different machine would: the rounding mode of every double operation in
 * the calling thread (fesetround; OpenBLAS kernels and LAPACK honour the
 * MXCSR/x87 mode, MPFR and MPFI do not depend on it, so rigorous
 * decisions are unaffected while the trajectories they judge move), and
 * ulp-level seeded perturbations of the initial point (theorem.h,
 * lmc_check_config.perturb).  A point whose members disagree is
 * "fragile": it fails like "undecided", and names the members.
 */
#ifndef LMC_ENSEMBLE_H
#define LMC_ENSEMBLE_H

#include "theorem.h"

typedef enum
{
    LMC_ENSEMBLE_NONE = 0,     /* the nominal member only */
    LMC_ENSEMBLE_ROUNDING = 1, /* + the three directed rounding modes */
    LMC_ENSEMBLE_FULL = 2      /* + two ulp perturbations of x0 */
} lmc_ensemble_kind;

/* One member: a rounding mode (<fenv.h> FE_*, or -1: the caller's) and
 * an x0 perturbation stream (0: none). */
typedef struct
{
    const char *name;
    int round;          /* FE_* mode, or LMC_ROUND_AMBIENT (fpio.h) */
    unsigned long perturb;
} lmc_ensemble_member;

/* The members of an ensemble kind, nominal first; *n gets their count. */
const lmc_ensemble_member *lmc_ensemble_members(lmc_ensemble_kind k,
                                                size_t *n);
/* "none", "rounding", "full"; lmc_ensemble_parse returns -1 on others. */
const char *lmc_ensemble_name(lmc_ensemble_kind k);
int lmc_ensemble_parse(const char *s);

/* What one member produced: the check's status (LMC_SUCCESS, an lmc
 * status code, or LMC_ENSEMBLE_CRASHED when the process running it died)
 * and result; error holds the message when status is not LMC_SUCCESS. */
#define LMC_ENSEMBLE_CRASHED (-1)
typedef struct
{
    int status;
    lmc_check_result r;
    char error[256];
} lmc_ensemble_out;

/* Runs check T on configuration c as member m: sets the rounding mode
 * and x0 perturbation, runs, restores the caller's rounding mode.  Never
 * fails itself: the outcome is in out.  Not thread-safe with respect to
 * the rounding mode of the calling thread (it is the calling thread's). */
void lmc_ensemble_run(const lmc_theorem *T, const lmc_check_config *c,
                      const lmc_check_options *o,
                      const lmc_ensemble_member *m, lmc_ensemble_out *out);

/* The point's outcome from its n members (out[0] nominal). */
typedef struct
{
    int status;              /* nominal status if all agree, else
                                LMC_SUCCESS with verdict fragile */
    int fragile;             /* 1: members disagree */
    lmc_check_result r;      /* nominal result (fragile: detail names the
                                disagreeing members) */
    double measured_min, measured_max; /* over members that ran */
    double bound_min, bound_max;
} lmc_ensemble_summary;

void lmc_ensemble_summarize(const lmc_ensemble_member *m,
                            const lmc_ensemble_out *out, size_t n,
                            lmc_ensemble_summary *s);

/* The verdict word of a member ("holds", ..., "error"). */
const char *lmc_ensemble_word(const lmc_ensemble_out *out);

#endif /* LMC_ENSEMBLE_H */
