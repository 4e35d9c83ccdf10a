/* problem.h -- optimization problems as data (THEORY.md sections 2-5).
 *
 * A problem is a GSL-style plug-in: a const type (name, state size,
 * functions) and a generic object that owns the state.  The parameter
 * X = (X_1..X_p) is one contiguous gsl_vector; block i is the row-major
 * size1[i] x size2[i] matrix at offset[i] (lmc_block gives a view).  Each
 * block carries the norm of its ball (an exact oracle type); the product
 * norm is ||X|| = max_i ||X_i||_(i), whose dual is sum_i ||G_i||_(i)*.
 *
 * Constants are declared by the problem, each with a one-line derivation
 * in its source file, and flagged as known; the assumption checks of
 * THEORY.md section 5 test them along a run.
 */
#ifndef LMC_PROBLEM_H
#define LMC_PROBLEM_H

#include "oracle.h"

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>

#define LMC_MAX_BLOCKS 8

typedef struct lmc_layout
{
    size_t nblocks;
    size_t size1[LMC_MAX_BLOCKS], size2[LMC_MAX_BLOCKS];
    size_t offset[LMC_MAX_BLOCKS];
    size_t total; /* length of the parameter vector */
    const lmc_oracle_type *norm[LMC_MAX_BLOCKS]; /* each block's ball */
} lmc_layout;

/* Which constants a problem declares (bits of lmc_constants.known). */
enum
{
    LMC_HAS_L = 1u << 0,      /* L: smoothness in the product norm pairing */
    LMC_HAS_LFROB = 1u << 1,  /* L_frob: Frobenius smoothness */
    LMC_HAS_L0L1 = 1u << 2,   /* L0_i, L1_i: layer-wise (L0,L1) descent form */
    LMC_HAS_MU = 1u << 3,     /* mu: PL, (1/2)||grad f||_F^2 >= mu (f - f*) */
    LMC_HAS_SIGMA = 1u << 4,  /* sigma: E||g - grad f||_F^2 <= sigma^2 */
    LMC_HAS_LBAR = 1u << 5,   /* Lbar: E||g(X;xi) - g(Y;xi)||_F <= Lbar ||X-Y||_F
                                 in mean square */
    LMC_HAS_FSTAR = 1u << 6,  /* f* = inf f, closed form */
    LMC_HAS_STOCH = 1u << 7   /* a stochastic gradient exists */
};

typedef struct lmc_constants
{
    unsigned known;
    double L;      /* ||grad f(X) - grad f(Y)||_* <= L ||X - Y|| (product) */
    double L_frob; /* the same in the Frobenius norm */
    double L0[LMC_MAX_BLOCKS], L1[LMC_MAX_BLOCKS];
    double mu, sigma, Lbar, fstar;
} lmc_constants;

/* Construction parameters; each problem reads the fields it uses and
 * documents them (0 / NULL means "the problem's default"). */
typedef struct lmc_problem_params
{
    size_t m, n;       /* matrix shape */
    size_t r;          /* target rank (factorization) */
    size_t d, N;       /* dimension and prompt length (in-context) */
    double kappa;      /* condition number */
    double sigma;      /* noise level of the stochastic gradient */
    unsigned long seed;
    const char *init;  /* x0 variant name */
    const char *variant; /* problem-specific variant name */
} lmc_problem_params;

lmc_problem_params lmc_problem_params_default(void);

struct lmc_problem;

typedef struct lmc_problem_type
{
    const char *name;
    const char *summary;
    const char *inits;    /* accepted init names, comma-separated */
    const char *variants; /* accepted variant names, or NULL */
    size_t size;          /* bytes of private state */
    /* Builds the state and fills P->layout and P->c from P->params. */
    int (*alloc)(void *state, struct lmc_problem *P);
    /* f(x) and, if g != NULL, grad f(x). */
    int (*fdf)(void *state, const gsl_vector *x, double *f, gsl_vector *g);
    /* Stochastic gradient with sample xi: deterministic in (x, xi), so a
     * method can evaluate one sample at two points (MVR2).  NULL if the
     * problem has none. */
    int (*sgrad)(void *state, const gsl_vector *x, unsigned long xi,
                 gsl_vector *g);
    /* Initial point for P->params.init. */
    int (*x0)(void *state, gsl_vector *x);
    void (*free)(void *state);
} lmc_problem_type;

typedef struct lmc_problem
{
    const lmc_problem_type *type;
    lmc_problem_params params;
    lmc_layout layout;
    lmc_constants c;
    void *state;
} lmc_problem;

extern const lmc_problem_type *const lmc_problem_types[];
const lmc_problem_type *lmc_problem_find(const char *name);

/* Allocates problem T with params p.  NULL (reported) on bad parameters
 * (message names the parameter and what is accepted) or no memory. */
lmc_problem *lmc_problem_alloc(const lmc_problem_type *T,
                               const lmc_problem_params *p);
void lmc_problem_free(lmc_problem *P);

int lmc_problem_fdf(lmc_problem *P, const gsl_vector *x, double *f,
                    gsl_vector *g);
/* LMC_EDOM (reported) if the problem has no stochastic gradient. */
int lmc_problem_sgrad(lmc_problem *P, const gsl_vector *x, unsigned long xi,
                      gsl_vector *g);
int lmc_problem_x0(lmc_problem *P, gsl_vector *x);

/* View of block i of a parameter-shaped vector (contiguous, stride 1).
 * The const variant returns GSL's underlying view type, as GSL's own
 * _const_view functions do. */
gsl_matrix_view lmc_block(const lmc_layout *L, gsl_vector *x, size_t i);
_gsl_matrix_const_view lmc_block_const(const lmc_layout *L,
                                      const gsl_vector *x, size_t i);

/* Adds a block of the given shape and norm to a layout (used by
 * problems' alloc).  LMC_EINVAL beyond LMC_MAX_BLOCKS. */
int lmc_layout_add(lmc_layout *L, size_t size1, size_t size2,
                   const lmc_oracle_type *norm);

/* A deterministic sample id for step t of a run seeded by seed (for
 * sgrad).  Ids are below 2^32 (GSL generators keep 32 bits of a seed)
 * and distinct for the steps t < 2^32 of one seed. */
unsigned long lmc_sample_id(unsigned long seed, unsigned long t);

#endif /* LMC_PROBLEM_H */
