/* session.h -- one run's objects: a problem, a method on it, a trace and
 * the iterate, allocated in order and freed together.
 *
 * Every caller that runs a method (`lmocheck run`, sweep cells, theorem
 * checks) goes through the same steps, with its own work in between:
 *
 *   lmc_session_open      the problem from its type and parameters
 *                         (a check may rescale the declared constants
 *                         here, before the method reads them)
 *   lmc_session_attach    the method on that problem
 *   lmc_session_start     trace and vectors; x0 = the problem's start
 *                         (a caller may move x0 or keep iterates here)
 *   lmc_session_run       x = x0, then lmc_run
 *   lmc_session_close     frees all; a zeroed or closed session is a no-op
 *
 * Each step reports its error (lmc_last_error) and leaves what was
 * allocated for lmc_session_close; its return code says which step
 * failed, so a caller can map a refusal to its own wording.
 */
#ifndef LMC_SESSION_H
#define LMC_SESSION_H

#include "trace.h"

typedef struct lmc_session
{
    lmc_problem *P;
    lmc_method *M;
    lmc_trace *tr;
    gsl_vector *x0; /* the start of the run */
    gsl_vector *x;  /* the iterate: the final one after lmc_session_run */
} lmc_session;

/* Zeroes s and allocates the problem of type T with parameters p.
 * Errors: LMC_EINVAL if the problem refuses p (the problem's message). */
int lmc_session_open(lmc_session *s, const lmc_problem_type *T,
                     const lmc_problem_params *p);

/* Allocates the method of type T with parameters p on s->P.  Errors:
 * LMC_EDOM if the method does not fit the problem (the method's
 * message). */
int lmc_session_attach(lmc_session *s, const lmc_method_type *T,
                       const lmc_method_params *p);

/* Allocates a trace for up to `iters` steps and the vectors x0, x (the
 * parameter length), and sets x0 to the problem's start.  Errors:
 * LMC_ENOMEM ("out of memory"), or lmc_problem_x0's. */
int lmc_session_start(lmc_session *s, size_t iters);

/* Copies x0 into x and runs the method from there (lmc_run: stops are
 * recorded in s->tr, not errors).  Errors: lmc_run's. */
int lmc_session_run(lmc_session *s, const lmc_run_params *rp);

/* Frees everything and zeroes s. */
void lmc_session_close(lmc_session *s);

#endif /* LMC_SESSION_H */
