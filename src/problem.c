/* problem.c -- the generic problem object, layouts and block views. */
#include "problem.h"
#include "status.h"

#include <stdlib.h>
#include <string.h>

lmc_problem_params
lmc_problem_params_default(void)
{
    lmc_problem_params p;
    memset(&p, 0, sizeof p);
    p.seed = 1;
    return p;
}

lmc_problem *
lmc_problem_alloc(const lmc_problem_type *T, const lmc_problem_params *p)
{
    lmc_problem *P = calloc(1, sizeof *P);
    if (!P)
        LMC_ERROR_NULL(LMC_ENOMEM, "no memory for problem '%s'", T->name);
    P->type = T;
    P->params = *p;
    if (T->size && !(P->state = calloc(1, T->size)))
    {
        free(P);
        LMC_ERROR_NULL(LMC_ENOMEM, "no memory for problem '%s'", T->name);
    }
    if (T->alloc(P->state, P) != LMC_SUCCESS)
    {
        /* Plug-in free functions accept partially built state. */
        if (T->free)
            T->free(P->state);
        free(P->state);
        free(P);
        return NULL;
    }
    return P;
}

void
lmc_problem_free(lmc_problem *P)
{
    if (!P)
        return;
    if (P->type->free)
        P->type->free(P->state);
    free(P->state);
    free(P);
}

static int
check_len(const lmc_problem *P, const gsl_vector *v, const char *what)
{
    if (v->size != P->layout.total || v->stride != 1)
        LMC_ERROR(LMC_EBADLEN, "problem '%s': %s has length %zu (stride "
                  "%zu), want %zu (stride 1)", P->type->name, what, v->size,
                  v->stride, P->layout.total);
    return LMC_SUCCESS;
}

int
lmc_problem_fdf(lmc_problem *P, const gsl_vector *x, double *f,
                gsl_vector *g)
{
    LMC_TRY(check_len(P, x, "x"));
    if (g)
        LMC_TRY(check_len(P, g, "gradient"));
    return P->type->fdf(P->state, x, f, g);
}

int
lmc_problem_sgrad(lmc_problem *P, const gsl_vector *x, unsigned long xi,
                  gsl_vector *g)
{
    if (!P->type->sgrad)
        LMC_ERROR(LMC_EDOM, "problem '%s' has no stochastic gradient",
                  P->type->name);
    LMC_TRY(check_len(P, x, "x"));
    LMC_TRY(check_len(P, g, "gradient"));
    return P->type->sgrad(P->state, x, xi, g);
}

int
lmc_problem_x0(lmc_problem *P, gsl_vector *x)
{
    LMC_TRY(check_len(P, x, "x0"));
    return P->type->x0(P->state, x);
}

gsl_matrix_view
lmc_block(const lmc_layout *L, gsl_vector *x, size_t i)
{
    return gsl_matrix_view_array(x->data + L->offset[i], L->size1[i],
                                 L->size2[i]);
}

_gsl_matrix_const_view
lmc_block_const(const lmc_layout *L, const gsl_vector *x, size_t i)
{
    return gsl_matrix_const_view_array(x->data + L->offset[i], L->size1[i],
                                       L->size2[i]);
}

int
lmc_layout_add(lmc_layout *L, size_t size1, size_t size2,
               const lmc_oracle_type *norm)
{
    if (L->nblocks == LMC_MAX_BLOCKS)
        LMC_ERROR(LMC_EINVAL, "more than %d blocks", LMC_MAX_BLOCKS);
    if (size1 == 0 || size2 == 0)
        LMC_ERROR(LMC_EBADLEN, "block %zu is %zux%zu: sizes must be positive",
                  L->nblocks, size1, size2);
    const size_t i = L->nblocks++;
    L->size1[i] = size1;
    L->size2[i] = size2;
    L->offset[i] = L->total;
    L->norm[i] = norm;
    L->total += size1 * size2;
    return LMC_SUCCESS;
}

unsigned long
lmc_sample_id(unsigned long seed, unsigned long t)
{
    /* Ids fit in 32 bits because GSL's generators (mt19937 among them)
     * keep only the low 32 bits of a seed: 64-bit ids would collide
     * modulo 2^32 (a ~40% chance somewhere in a 2^16-step run).  For a
     * fixed seed the map t -> id is a bijection of the integers mod 2^32
     * (xor with a seed-dependent key, then murmur3's fmix32 finalizer,
     * itself a bijection), so the steps of one run see distinct samples
     * for t < 2^32. */
    unsigned long long k = (unsigned long long)seed * 0x9e3779b97f4a7c15ULL;
    k ^= k >> 32;
    unsigned int z = (unsigned int)t ^ (unsigned int)k;
    z ^= z >> 16;
    z *= 0x85ebca6bu;
    z ^= z >> 13;
    z *= 0xc2b2ae35u;
    z ^= z >> 16;
    return (unsigned long)z;
}
