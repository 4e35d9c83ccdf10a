/* inexact.h -- inexact oracles: error sources wrapped around an exact LMO.
 *
 * THEORY.md O1: an inexact oracle returns S~ = LMO(M) + E with
 * ||E|| <= delta < 1 in the block's primal norm.  Error sources are
 * plug-ins of their own (GSL multifit_nlinear holds sub-method vtables the
 * same way):
 *   exact               S~ = LMO(M) (delta = 0), so callers need one path;
 *   inject-random       E = delta G / ||G||, G a seeded Gaussian matrix;
 *   inject-adversarial  E = delta LMO(-M) = -delta LMO(M), which makes
 *                       (L1) <M, S~> <= -(1-delta)||M||_* tight;
 *   poly                a polynomial orthogonalizer (schedule, steps) run
 *                       in fp64, fp32 or emulated bf16 (spectral only);
 *   lowprec             the exact LMO computed from inputs rounded to
 *                       fp32/bf16, in single precision, result rounded.
 * Every call can report the delta it realized against the exact oracle.
 */
#ifndef LMC_INEXACT_H
#define LMC_INEXACT_H

#include "oracle.h"
#include "precision.h"
#include "schedule.h"

#include <gsl/gsl_rng.h>

typedef struct lmc_inexact_params
{
    double delta;          /* injected error size, 0 <= delta < 1 */
    unsigned long seed;    /* seed of inject-random */
    lmc_schedule schedule; /* poly: coefficients (copied) */
    size_t steps;          /* poly: number of steps */
    lmc_precision precision; /* poly, lowprec */
} lmc_inexact_params;

/* Defaults: delta 0, seed 1, Jordan's quintic, 5 steps, fp64. */
lmc_inexact_params lmc_inexact_params_default(void);

struct lmc_inexact;

/* The members of lmc_inexact_params a source reads, as data: the command
 * line and sweeps vary only these, and show only these in a table. */
#define LMC_INEXACT_USES_DELTA 1u     /* delta */
#define LMC_INEXACT_USES_SEED 2u      /* seed: a fresh draw per call */
#define LMC_INEXACT_USES_SCHEDULE 4u  /* schedule and steps */
#define LMC_INEXACT_USES_PRECISION 8u /* precision */

typedef struct lmc_inexact_type
{
    const char *name;
    const char *summary;
    int spectral_only; /* 1 if it needs the spectral-norm oracle */
    unsigned uses;     /* LMC_INEXACT_USES_* bits */
    size_t size;       /* bytes of private state */
    int (*alloc)(void *state, const struct lmc_inexact *q);
    /* s = S~(m); m finite (m = 0 allowed: LMO(0) = 0, so S~ = E), shapes
     * and aliasing checked by the caller. */
    int (*apply)(void *state, struct lmc_inexact *q, const gsl_matrix *m,
                 gsl_matrix *s);
    /* Predicted delta for input m, or NaN if the source predicts none. */
    int (*predict)(void *state, struct lmc_inexact *q, const gsl_matrix *m,
                   double *delta);
    void (*free)(void *state);
} lmc_inexact_type;

typedef struct lmc_inexact
{
    const lmc_inexact_type *type;
    lmc_inexact_params params;
    lmc_oracle *exact;  /* owned: the exact oracle wrapped */
    size_t size1, size2;
    gsl_matrix *ref;    /* workspace: LMO(m) for the realized delta */
    gsl_matrix *diff;   /* workspace: S~ - LMO(m) */
    void *state;
} lmc_inexact;

extern const lmc_inexact_type lmc_inexact_exact, lmc_inexact_inject_random,
    lmc_inexact_inject_adversarial, lmc_inexact_poly, lmc_inexact_lowprec;

extern const lmc_inexact_type *const lmc_inexact_types[];
const lmc_inexact_type *lmc_inexact_find(const char *name);

/* The registry's names joined by ", " into buf (truncated to len, always
 * terminated), the last one after last_sep (", " or " or "): the sources
 * that read any of the parameters in uses (LMC_INEXACT_USES_* bits; 0:
 * every source), and with any_norm only those that work with every
 * exact oracle. */
void lmc_inexact_names(char *buf, size_t len, unsigned uses, int any_norm,
                       const char *last_sep);

/* Allocates an inexact oracle of type T around the exact oracle E for
 * size1 x size2 blocks.  Refuses (NULL, reported): delta outside [0, 1),
 * a schedule too short for steps, a spectral-only source on another norm,
 * zero sizes. */
lmc_inexact *lmc_inexact_alloc(const lmc_inexact_type *T,
                               const lmc_oracle_type *E, size_t size1,
                               size_t size2, const lmc_inexact_params *p);
void lmc_inexact_free(lmc_inexact *q);

/* s = S~(m).  If delta is non-NULL, *delta = ||s - LMO(m)|| in the
 * primal norm, measured against the double-precision exact oracle (one
 * more exact LMO and one norm).  Errors as lmc_oracle_apply. */
int lmc_inexact_apply(lmc_inexact *q, const gsl_matrix *m, gsl_matrix *s,
                      double *delta);

/* Predicted delta for m (NaN where the source predicts none). */
int lmc_inexact_predict(lmc_inexact *q, const gsl_matrix *m, double *delta);

/* Realized delta of a given s against LMO(m), as in lmc_inexact_apply. */
int lmc_inexact_measure(lmc_inexact *q, const gsl_matrix *m,
                        const gsl_matrix *s, double *delta);

#endif /* LMC_INEXACT_H */
