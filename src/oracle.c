/* oracle.c -- the generic oracle object and its argument checks. */
#include "oracle.h"
#include "linalg.h"
#include "status.h"

#include <stdlib.h>
#include <string.h>

lmc_oracle *
lmc_oracle_alloc(const lmc_oracle_type *T, size_t size1, size_t size2)
{
    if (size1 == 0 || size2 == 0)
        LMC_ERROR_NULL(LMC_EBADLEN, "oracle '%s' on a %zux%zu block: sizes "
                       "must be positive", T->name, size1, size2);
    lmc_oracle *o = calloc(1, sizeof *o);
    if (!o)
        LMC_ERROR_NULL(LMC_ENOMEM, "no memory for oracle '%s'", T->name);
    o->type = T;
    o->size1 = size1;
    o->size2 = size2;
    if (T->size)
    {
        o->state = calloc(1, T->size);
        if (!o->state)
        {
            free(o);
            LMC_ERROR_NULL(LMC_ENOMEM, "no memory for oracle '%s'", T->name);
        }
    }
    if (T->alloc && T->alloc(o->state, size1, size2) != LMC_SUCCESS)
    {
        free(o->state);
        free(o);
        return NULL;
    }
    return o;
}

void
lmc_oracle_free(lmc_oracle *o)
{
    if (!o)
        return;
    if (o->type->free)
        o->type->free(o->state);
    free(o->state);
    free(o);
}

int
lmc_oracle_check(const lmc_oracle *o, const gsl_matrix *m,
                 const gsl_matrix *s)
{
    if (m->size1 != o->size1 || m->size2 != o->size2)
        LMC_ERROR(LMC_EBADLEN, "oracle '%s' is for %zux%zu blocks, input is "
                  "%zux%zu", o->type->name, o->size1, o->size2, m->size1,
                  m->size2);
    if (s)
    {
        if (s->size1 != o->size1 || s->size2 != o->size2)
            LMC_ERROR(LMC_EBADLEN, "oracle '%s' output is %zux%zu, want "
                      "%zux%zu", o->type->name, s->size1, s->size2, o->size1,
                      o->size2);
        if (s->data == m->data)
            LMC_ERROR(LMC_EINVAL, "oracle '%s': output must not alias the "
                      "input", o->type->name);
    }
    if (!lmc_matrix_isfinite(m))
        LMC_ERROR(LMC_ENONFINITE, "oracle '%s': input has a NaN or Inf entry",
                  o->type->name);
    return LMC_SUCCESS;
}

int
lmc_oracle_apply(lmc_oracle *o, const gsl_matrix *m, gsl_matrix *s)
{
    LMC_TRY(lmc_oracle_check(o, m, s));
    return o->type->apply(o->state, m, s);
}

int
lmc_oracle_norm(lmc_oracle *o, const gsl_matrix *m, double *val)
{
    LMC_TRY(lmc_oracle_check(o, m, NULL));
    return o->type->norm(o->state, m, val);
}

int
lmc_oracle_dual_norm(lmc_oracle *o, const gsl_matrix *m, double *val)
{
    LMC_TRY(lmc_oracle_check(o, m, NULL));
    return o->type->dual_norm(o->state, m, val);
}

double
lmc_inner(const gsl_matrix *a, const gsl_matrix *b)
{
    double sum = 0;
    for (size_t i = 0; i < a->size1; i++)
        for (size_t j = 0; j < a->size2; j++)
            sum += a->data[i * a->tda + j] * b->data[i * b->tda + j];
    return sum;
}

const lmc_oracle_type *
lmc_oracle_find(const char *name)
{
    for (size_t i = 0; lmc_oracle_types[i]; i++)
        if (strcmp(lmc_oracle_types[i]->name, name) == 0)
            return lmc_oracle_types[i];
    return NULL;
}
