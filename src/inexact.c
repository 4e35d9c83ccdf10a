/* inexact.c -- the generic inexact oracle, the exact pass-through source,
 * and delta measurement. */
#include "inexact.h"
#include "linalg.h"
#include "status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

lmc_inexact_params
lmc_inexact_params_default(void)
{
    lmc_inexact_params p;
    memset(&p, 0, sizeof p);
    p.delta = 0.0;
    p.seed = 1;
    p.schedule = *lmc_schedules[1]; /* jordan */
    p.steps = p.schedule.steps;
    p.precision = LMC_FP64;
    return p;
}

lmc_inexact *
lmc_inexact_alloc(const lmc_inexact_type *T, const lmc_oracle_type *E,
                  size_t size1, size_t size2, const lmc_inexact_params *p)
{
    if (!(p->delta >= 0 && p->delta < 1))
        LMC_ERROR_NULL(LMC_EINVAL, "delta must be in [0, 1), got %g (at "
                       "delta >= 1 the oracle may return 0 and no bound "
                       "holds)", p->delta);
    if (T->spectral_only && E != &lmc_oracle_spectral)
        LMC_ERROR_NULL(LMC_EINVAL, "inexact oracle '%s' approximates the "
                       "spectral LMO only, not '%s'", T->name, E->name);
    lmc_inexact *q = calloc(1, sizeof *q);
    if (!q)
        LMC_ERROR_NULL(LMC_ENOMEM, "no memory for inexact oracle '%s'",
                       T->name);
    q->type = T;
    q->params = *p;
    q->size1 = size1;
    q->size2 = size2;
    q->exact = lmc_oracle_alloc(E, size1, size2);
    if (!q->exact)
        goto fail;
    q->ref = gsl_matrix_alloc(size1, size2);
    q->diff = gsl_matrix_alloc(size1, size2);
    if (!q->ref || !q->diff)
    {
        lmc_error(__FILE__, __LINE__, LMC_ENOMEM, "no memory for inexact "
                  "oracle '%s' on %zux%zu", T->name, size1, size2);
        goto fail;
    }
    if (T->size)
    {
        q->state = calloc(1, T->size);
        if (!q->state)
        {
            lmc_error(__FILE__, __LINE__, LMC_ENOMEM, "no memory for "
                      "inexact oracle '%s'", T->name);
            goto fail;
        }
    }
    if (T->alloc && T->alloc(q->state, q) != LMC_SUCCESS)
        goto fail_state;
    return q;
fail_state:
    /* Plug-in free functions accept partially built state. */
    if (T->free)
        T->free(q->state);
    free(q->state);
    q->state = NULL;
fail:
    q->type = &lmc_inexact_exact; /* its free is a no-op on NULL state */
    lmc_inexact_free(q);
    return NULL;
}

void
lmc_inexact_free(lmc_inexact *q)
{
    if (!q)
        return;
    if (q->state && q->type->free)
        q->type->free(q->state);
    free(q->state);
    gsl_matrix_free(q->ref);
    gsl_matrix_free(q->diff);
    lmc_oracle_free(q->exact);
    free(q);
}

int
lmc_inexact_measure(lmc_inexact *q, const gsl_matrix *m, const gsl_matrix *s,
                    double *delta)
{
    LMC_TRY(lmc_oracle_apply(q->exact, m, q->ref));
    gsl_matrix_memcpy(q->diff, s);
    gsl_matrix_sub(q->diff, q->ref);
    return lmc_oracle_norm(q->exact, q->diff, delta);
}

int
lmc_inexact_apply(lmc_inexact *q, const gsl_matrix *m, gsl_matrix *s,
                  double *delta)
{
    LMC_TRY(lmc_oracle_check(q->exact, m, s));
    LMC_TRY(q->type->apply(q->state, q, m, s));
    if (!lmc_matrix_isfinite(s))
        LMC_ERROR(LMC_ENONFINITE, "inexact oracle '%s' produced a NaN or Inf "
                  "entry", q->type->name);
    if (delta)
        LMC_TRY(lmc_inexact_measure(q, m, s, delta));
    return LMC_SUCCESS;
}

int
lmc_inexact_predict(lmc_inexact *q, const gsl_matrix *m, double *delta)
{
    LMC_TRY(lmc_oracle_check(q->exact, m, NULL));
    if (!q->type->predict)
    {
        *delta = NAN;
        return LMC_SUCCESS;
    }
    return q->type->predict(q->state, q, m, delta);
}

/* The exact source: S~ = LMO(M), predicted delta 0. */
static int
exact_apply(void *state, lmc_inexact *q, const gsl_matrix *m, gsl_matrix *s)
{
    (void)state;
    return lmc_oracle_apply(q->exact, m, s);
}

static int
exact_predict(void *state, lmc_inexact *q, const gsl_matrix *m,
              double *delta)
{
    (void)state;
    (void)q;
    (void)m;
    *delta = 0;
    return LMC_SUCCESS;
}

const lmc_inexact_type lmc_inexact_exact = {
    .name = "exact",
    .summary = "the exact LMO itself (delta = 0)",
    .apply = exact_apply,
    .predict = exact_predict,
};

const lmc_inexact_type *
lmc_inexact_find(const char *name)
{
    for (size_t i = 0; lmc_inexact_types[i]; i++)
        if (strcmp(lmc_inexact_types[i]->name, name) == 0)
            return lmc_inexact_types[i];
    return NULL;
}
