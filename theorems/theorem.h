/* theorem.h -- theorem entries: each bound of THEORY.md as data plus a
 * check that returns a verdict.
 *
 * An entry carries its id (O1-L1, T1..T8, C1, C2, V1..V7, P1..P5), the
 * statement in plain text, the source paper, its provenance ("paper" or
 * "derived"), the hypotheses it needs, its kind, the configurations it is
 * checked on (quick and full sets) and the check itself.  One file per
 * entry in theorems/, one line in theorems/registry.c.
 *
 * Verdicts are three-valued for hard checks (FLINT truth_t): holds,
 * violated, undecided (undecided fails).  A check whose hypotheses fail on
 * the configuration (an assumption check of THEORY section 5 reports a
 * violation) says "hypothesis violated", distinct from a bound violation.
 */
#ifndef LMC_THEOREM_H
#define LMC_THEOREM_H

#include "method.h"
#include "problem.h"
#include "session.h"
#include "trace.h"
#include "verdict.h"

typedef enum
{
    LMC_HARD_STEP = 0,        /* an inequality at every step */
    LMC_HARD_AGGREGATE = 1,   /* an inequality on a whole run */
    LMC_HARD_EXPECTATION = 2, /* in expectation over seeds (MC rule) */
    LMC_SOFT_SLOPE = 3,       /* a fitted slope with a confidence interval */
    LMC_SOFT_SHIFT = 4,       /* a direction of shift or a flatness */
    LMC_REPORT_ONLY = 5
} lmc_theorem_kind;

const char *lmc_theorem_kind_name(lmc_theorem_kind k);

/* One test point: a problem, a method, a run, and seeds. */
typedef struct lmc_check_config
{
    char label[96];             /* short, unique within the entry */
    const char *problem;        /* registry names */
    lmc_problem_params pp;
    const char *method;
    lmc_method_params mp;
    lmc_run_params rp;
    size_t nseeds;              /* seeds 1..nseeds (expectation checks) */
    /* Entry-specific settings: one member per entry that has any, named
     * after it and read only by that entry (each field is documented in
     * the entry's file); a configuration fills the member of its own
     * entry, the others stay zero. */
    union
    {
        struct { size_t setup; unsigned bits; } c1;
        struct { size_t nsamples; } o1;
        struct { double eta_perturb; } p1;
        struct { int grows; size_t nkappa; } p2;
        struct { int claim; size_t nkappa; double log10_step;
                 int eta_from_lfrob; } p4;
        struct { size_t nkappa; int fit; } p5;
        struct { double Delta0, L, K, delta; } t3;
        struct { size_t row; double K; unsigned mask; } t5;
        struct { int aggregate; } t6;
        struct { int report_only; } t7;
        struct { int refusal; double delta; } t8;
        struct { int cmp; double gamma_perturb; } v1;
        struct { double rate; int j0; } v6;
    } settings;
    int no_iterates;            /* 1: the trace keeps no iterates (long
                                   runs of soft checks) */
    double constant_scale;      /* negative control set by the caller:
                                   declared L, L_frob, L0, L1, sigma, Lbar
                                   are multiplied by it and mu divided
                                   (0 or 1: unchanged) */
    unsigned long perturb;      /* fp-environment ensemble member: 0 runs
                                   from the problem's x0; k > 0 moves each
                                   entry of x0 by a seeded random multiple
                                   in [-1, 1] of one ulp of the largest
                                   |x0_j| (of 1 if x0 = 0), stream k */
    const char *finding;        /* a known finding (its id in
                                   reports/findings.md, e.g. "F1"): the
                                   statement as written is expected to
                                   fail here; `check` reports the point as
                                   TAP TODO, and fails if it holds (the
                                   finding no longer reproduces) */
} lmc_check_config;

typedef struct lmc_check_result
{
    lmc_verdict verdict;
    double measured, bound;     /* the decided inequality measured <= bound */
    double ratio;               /* tightness: measured / bound */
    double slope, slope_lo, slope_hi; /* soft slope checks (else NaN) */
    unsigned long seed;         /* the seed that decided (worst case) */
    size_t step;                /* per-step checks: the worst step */
    char detail[512];           /* one line: what was compared, why */
    /* Checks that decide on an MPFR reference trajectory (exact-arithmetic
     * dynamics, bit-identical on every machine) set ref_bits to its
     * precision; the fp64 run of the same configuration is reported
     * beside it: depart_step is the first step at which it departs from
     * the reference by more than depart_tol (relative, as the check
     * defines it), -1 if it never does within the run.  ref_bits = 0:
     * decided on the fp64 run (depart_* unused). */
    unsigned ref_bits;
    long depart_step;
    double depart_tol;
} lmc_check_result;

/* Options every check honours. */
typedef struct lmc_check_options
{
    int full;                   /* the full configuration set */
    double bound_scale;         /* multiplies every bound: 1, or 0.5 for the
                                   negative control that must fail */
    unsigned long seed_base;    /* seeds are seed_base + 0..nseeds-1 */
    int fp64_decisions;         /* negative control: entries that decide on
                                   an MPFR reference trajectory decide on
                                   their fp64 run instead (the ensemble
                                   must then report them fragile) */
} lmc_check_options;

typedef struct lmc_theorem
{
    const char *id;         /* "T2" */
    const char *title;      /* "constant radius, average dual gradient" */
    const char *statement;  /* the inequality in plain text */
    const char *source;     /* "[S25]" */
    const char *provenance; /* "paper" or "derived" */
    const char *hypotheses; /* what it needs, in words */
    lmc_theorem_kind kind;
    /* Fills up to cap configurations; returns how many there are. */
    size_t (*configs)(const lmc_check_options *o, lmc_check_config *out,
                      size_t cap);
    /* Runs and decides one configuration.  Returns LMC_SUCCESS with the
     * verdict in r, or an error code (reported) if the check could not
     * run at all (which the caller counts as a failure). */
    int (*check)(const lmc_check_config *c, const lmc_check_options *o,
                 lmc_check_result *r);
} lmc_theorem;

extern const lmc_theorem *const lmc_theorems[];
const lmc_theorem *lmc_theorem_find(const char *id);

/* Runs configuration c with seed s: allocates the problem and method,
 * starts at x0, runs rp, and hands back problem, method, trace, start x0
 * and final x (a session, session.h, owned by the caller; free with
 * lmc_check_run_free).  Errors (reported) if the configuration does not
 * fit. */
typedef lmc_session lmc_check_run;

int lmc_check_run_exec(const lmc_check_config *c, unsigned long seed,
                       lmc_check_run *run);
void lmc_check_run_free(lmc_check_run *run);

#endif /* LMC_THEOREM_H */
