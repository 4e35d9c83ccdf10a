/* session.c -- one run's objects: problem, method, trace and iterate. */
#include "session.h"
#include "status.h"

#include <string.h>

int
lmc_session_open(lmc_session *s, const lmc_problem_type *T,
                 const lmc_problem_params *p)
{
    memset(s, 0, sizeof *s);
    if (!(s->P = lmc_problem_alloc(T, p)))
        return LMC_EINVAL;
    return LMC_SUCCESS;
}

int
lmc_session_attach(lmc_session *s, const lmc_method_type *T,
                   const lmc_method_params *p)
{
    if (!(s->M = lmc_method_alloc(T, s->P, p)))
        return LMC_EDOM;
    return LMC_SUCCESS;
}

int
lmc_session_start(lmc_session *s, size_t iters)
{
    s->tr = lmc_trace_alloc(iters, s->P->layout.nblocks);
    s->x0 = gsl_vector_alloc(s->P->layout.total);
    s->x = gsl_vector_alloc(s->P->layout.total);
    if (!s->tr || !s->x0 || !s->x)
    {
        lmc_error(__FILE__, __LINE__, LMC_ENOMEM, "out of memory");
        return LMC_ENOMEM;
    }
    return lmc_problem_x0(s->P, s->x0);
}

int
lmc_session_run(lmc_session *s, const lmc_run_params *rp)
{
    gsl_vector_memcpy(s->x, s->x0);
    return lmc_run(s->M, s->x, rp, s->tr);
}

void
lmc_session_close(lmc_session *s)
{
    gsl_vector_free(s->x);
    gsl_vector_free(s->x0);
    lmc_trace_free(s->tr);
    lmc_method_free(s->M);
    lmc_problem_free(s->P);
    memset(s, 0, sizeof *s);
}
