/* method.h -- optimization methods as plug-ins; the caller owns the loop.
 *
 * A method exposes set (start at x) and iterate (one step x_k -> x_{k+1});
 * lmc_run in trace.h is a short loop on top.  Conventions shared by every
 * method (THEORY.md sections 2-4):
 *   - the iteration counter t starts at 1 for the first step;
 *   - step size / radius eta_t: constant eta_0, polynomial eta_0 t^-p
 *     (horizon-free), or geometric eta_0 rho^(t-1);
 *   - momentum: M_t = beta_t M_{t-1} + (1 - beta_t) g_t with beta_t
 *     constant or 1 - beta_t = min(1, c t^-q); the first step sets
 *     M_1 = g_1 (THEORY section 2: M^0 = g^0; section 3: u_1 = sigma^2
 *     when M_1 = g_1).  "momentum" is beta, the weight on the old buffer;
 *     section 2's alpha is 1 - beta;
 *   - gradients are exact, or stochastic with sample id
 *     lmc_sample_id(seed, t) when params.stochastic is set;
 *   - every LMO call goes through a per-block inexact oracle (the block's
 *     norm, the error source of params.oracle) and reports its realized
 *     delta when measurement is on.
 */
#ifndef LMC_METHOD_H
#define LMC_METHOD_H

#include "inexact.h"
#include "problem.h"

typedef enum
{
    LMC_STEP_CONSTANT = 0,
    LMC_STEP_POLY = 1,     /* eta_0 t^-p */
    LMC_STEP_GEOMETRIC = 2 /* eta_0 rho^(t-1) */
} lmc_step_rule;

typedef struct lmc_method_params
{
    double lr;              /* eta_0 (step size, or LMO radius t) */
    lmc_step_rule step_rule;
    double step_p;          /* exponent p of the polynomial rule */
    double step_rho;        /* ratio rho of the geometric rule, (0, 1] */
    double momentum;        /* beta in [0, 1); 0 = no momentum */
    int momentum_poly;      /* 1: 1 - beta_t = min(1, c t^-q) */
    double momentum_c, momentum_q;
    double gamma;           /* MVR correction weight */
    int nesterov;           /* Muon: Nesterov form u = (1-beta) g + beta M */
    double beta2, eps;      /* Adam: second-moment decay, denominator eps */
    int stochastic;         /* use the problem's stochastic gradient */
    unsigned long seed;     /* sample ids of stochastic gradients */
    const lmc_inexact_type *oracle; /* error source wrapped around each
                                       block's exact LMO */
    lmc_inexact_params oracle_params;
    int control_wrong_momentum; /* negative control only: muon's EMA puts
                                   beta on the new gradient (a deliberate
                                   bug the theorem checks must catch) */
} lmc_method_params;

/* Defaults: lr 0.01 constant, no momentum, gamma 0, Adam (0.999, 1e-8),
 * exact gradients, seed 1, exact oracle. */
lmc_method_params lmc_method_params_default(void);

/* eta_t and beta_t of the schedules above (t >= 1). */
double lmc_method_eta(const lmc_method_params *p, size_t t);
double lmc_method_beta(const lmc_method_params *p, size_t t);

/* What one step did, for the trace. */
typedef struct lmc_step_info
{
    double eta[LMC_MAX_BLOCKS];   /* step size / radius used per block */
    double delta[LMC_MAX_BLOCKS]; /* realized oracle error per block, NaN
                                     if no oracle call or no measurement */
    size_t ngrad;                 /* gradient evaluations in the step */
} lmc_step_info;

struct lmc_method;

/* Flags of lmc_method_type.needs beyond the LMC_HAS_* constants. */
enum
{
    LMC_NEEDS_SPECTRAL = 1u << 16 /* every block must use the spectral ball */
};

typedef struct lmc_method_type
{
    const char *name;
    const char *summary;
    unsigned needs;   /* LMC_HAS_* constants and LMC_NEEDS_* it requires */
    int uses_oracle;  /* 1 if it calls the LMO (params.oracle applies) */
    size_t size;      /* bytes of private state */
    int (*alloc)(void *state, struct lmc_method *M);
    /* Resets the method to start from x (t = 0, buffers cleared). */
    int (*set)(void *state, struct lmc_method *M, const gsl_vector *x);
    /* One step in place; fills info (eta, delta per block, ngrad). */
    int (*iterate)(void *state, struct lmc_method *M, gsl_vector *x,
                         lmc_step_info *info);
    /* The momentum buffer M_t after the last step (the vector whose error
     * ||M_t - grad f(x_t)||_* the trace records), or NULL. */
    const gsl_vector *(*momentum)(void *state);
    void (*free)(void *state);
} lmc_method_type;

typedef struct lmc_method
{
    const lmc_method_type *type;
    lmc_method_params params;
    lmc_problem *P;                       /* borrowed */
    lmc_inexact *oracle[LMC_MAX_BLOCKS];  /* owned, one per block */
    int measure_delta;                    /* report realized deltas */
    size_t t;                             /* steps taken */
    void *state;
} lmc_method;

extern const lmc_method_type lmc_method_gd, lmc_method_ngd, lmc_method_sign,
    lmc_method_adam, lmc_method_lmo, lmc_method_adaptive,
    lmc_method_adaptive_exact, lmc_method_muon, lmc_method_muon_nesterov,
    lmc_method_simplified_muon, lmc_method_mvr1, lmc_method_mvr2;

extern const lmc_method_type *const lmc_method_types[];
const lmc_method_type *lmc_method_find(const char *name);

/* Checks that method T fits problem P with params p: returns LMC_SUCCESS
 * or LMC_EDOM with a message saying why not (missing constant, missing
 * stochastic gradient, non-spectral block for a spectral-only method,
 * spectral-only oracle on another norm), or LMC_EINVAL for an invalid
 * value (negative step, momentum outside [0, 1), ...). */
int lmc_method_check(const lmc_method_type *T, const lmc_problem *P,
                     const lmc_method_params *p);

/* Allocates method T on problem P (borrowed until _free).  NULL
 * (reported) if lmc_method_check fails or no memory. */
lmc_method *lmc_method_alloc(const lmc_method_type *T, lmc_problem *P,
                             const lmc_method_params *p);
void lmc_method_free(lmc_method *M);

int lmc_method_set(lmc_method *M, const gsl_vector *x);
/* One step; M->t counts steps.  Errors from the problem or oracle
 * propagate; LMC_ENONFINITE if the step produced NaN/Inf. */
int lmc_method_iterate(lmc_method *M, gsl_vector *x, lmc_step_info *info);

/* Helpers for method implementations. */

/* g = gradient at x for step t: exact, or stochastic with sample
 * lmc_sample_id(seed, t) when params.stochastic. */
int lmc_method_grad(lmc_method *M, const gsl_vector *x, size_t t,
                    gsl_vector *g);
/* The same sample xi_t evaluated at another point (MVR2). */
int lmc_method_grad_sample(lmc_method *M, const gsl_vector *x, size_t t,
                           gsl_vector *g);
/* s = S~(m) blockwise through the per-block oracles; info->delta[i] gets
 * the realized delta when M->measure_delta (else NaN). */
int lmc_method_apply_lmo(lmc_method *M, const gsl_vector *m, gsl_vector *s,
                         lmc_step_info *info);
/* m = beta m + a g elementwise, in exactly this floating-point expression
 * (methods that must agree bit for bit share it). */
void lmc_method_ema(gsl_vector *m, double beta, double a, const gsl_vector *g);
/* The EMA momentum of method.h: m = g at t = 1, else m = beta_t m +
 * (1 - beta_t) g. */
void lmc_method_momentum_update(const lmc_method *M, size_t t, gsl_vector *m,
                                const gsl_vector *g);
/* info->eta[i] = eta on every block of M's problem: the record of a step
 * in which all blocks take the same step size or radius. */
void lmc_method_record_eta(const lmc_method *M, double eta,
                           lmc_step_info *info);
/* The LMO step X <- X + eta S~(dir) on every block: s = S~(dir) through
 * lmc_method_apply_lmo, then x += eta s, and info->eta[i] = eta. */
int lmc_method_lmo_step(lmc_method *M, const gsl_vector *dir, gsl_vector *s,
                        double eta, gsl_vector *x, lmc_step_info *info);

/* The initializer of a method type whose functions are PREFIX_alloc,
 * PREFIX_set, PREFIX_iterate and PREFIX_free on state PREFIX_state:
 * types that share one implementation differ only in the other fields. */
#define LMC_METHOD_TYPE(prefix, NAME, SUMMARY, NEEDS, USES_ORACLE, MOMENTUM) \
    {                                                                         \
        .name = (NAME), .summary = (SUMMARY), .needs = (NEEDS),               \
        .uses_oracle = (USES_ORACLE), .size = sizeof(prefix##_state),         \
        .alloc = prefix##_alloc, .set = prefix##_set,                         \
        .iterate = prefix##_iterate, .momentum = (MOMENTUM),                  \
        .free = prefix##_free,                                                \
    }

#endif /* LMC_METHOD_H */
