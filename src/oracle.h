/* oracle.h -- exact linear minimization oracles over unit norm balls.
 *
 * LMO(M) = argmin_{||S|| <= 1} <M, S>, so <M, LMO(M)> = -||M||_* and
 * ||LMO(M)|| = 1 for M != 0 (THEORY.md section 1).  Defined behaviour at
 * the edges, for every oracle:
 *   - M = 0: every S in the ball is a minimizer; LMO(0) = 0.
 *   - ties (rank-deficient M, zero entries or rows, equal maxima) resolve
 *     to the minimizer of least norm that the oracle's file documents:
 *     spectral drops singular values below max(m,n) eps sigma_max, so
 *     LMO(M) = -U_r V_r^T has ||.|| = 1 and <M, S> = -||M||_* still hold.
 * Oracles are GSL-style plug-ins: a const type (name, state size,
 * functions) and a generic object owning the state, sized at allocation:
 * apply, norm and dual_norm never allocate.
 */
#ifndef LMC_ORACLE_H
#define LMC_ORACLE_H

#include <gsl/gsl_matrix.h>

typedef struct lmc_oracle_type
{
    const char *name;      /* registry name: "spectral", "linf", ... */
    const char *norm_name; /* the primal norm of the ball */
    const char *dual_name; /* its dual norm */
    size_t size;           /* bytes of private state */
    int (*alloc)(void *state, size_t size1, size_t size2);
    /* s = LMO(m); s and m have the object's shape and must not alias. */
    int (*apply)(void *state, const gsl_matrix *m, gsl_matrix *s);
    int (*norm)(void *state, const gsl_matrix *m, double *val);
    int (*dual_norm)(void *state, const gsl_matrix *m, double *val);
    void (*free)(void *state);
} lmc_oracle_type;

typedef struct lmc_oracle
{
    const lmc_oracle_type *type;
    size_t size1, size2;
    void *state;
} lmc_oracle;

extern const lmc_oracle_type lmc_oracle_spectral, lmc_oracle_linf,
    lmc_oracle_frobenius, lmc_oracle_l1, lmc_oracle_rowl2;

/* Registry: NULL-terminated; lmc_oracle_find returns NULL if unknown. */
extern const lmc_oracle_type *const lmc_oracle_types[];
const lmc_oracle_type *lmc_oracle_find(const char *name);

/* The registry's names joined by ", " into buf (truncated to len, always
 * terminated), for messages that say what is accepted. */
void lmc_oracle_names(char *buf, size_t len);

/* Allocates an oracle for size1 x size2 blocks.  NULL (reported) on zero
 * sizes or no memory. */
lmc_oracle *lmc_oracle_alloc(const lmc_oracle_type *T, size_t size1,
                             size_t size2);
void lmc_oracle_free(lmc_oracle *o);

/* s = LMO(m).  Errors: LMC_EBADLEN (shapes), LMC_EINVAL (aliasing),
 * LMC_ENONFINITE (NaN/Inf in m), LMC_ELAPACK (SVD failure).
 * Cost: O(mn) except spectral, one dgesdd + one dgemm. */
int lmc_oracle_apply(lmc_oracle *o, const gsl_matrix *m, gsl_matrix *s);

/* ||m|| in the ball's norm, and ||m||_* in its dual. */
int lmc_oracle_norm(lmc_oracle *o, const gsl_matrix *m, double *val);
int lmc_oracle_dual_norm(lmc_oracle *o, const gsl_matrix *m, double *val);

/* Frobenius inner product <a, b>. */
double lmc_inner(const gsl_matrix *a, const gsl_matrix *b);

/* Shared argument check of the plug-ins: shape and aliasing. */
int lmc_oracle_check(const lmc_oracle *o, const gsl_matrix *m,
                     const gsl_matrix *s);

#endif /* LMC_ORACLE_H */
