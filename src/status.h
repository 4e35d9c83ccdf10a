/* status.h -- status codes, error reporting and propagation for lmocheck.
 *
 * Library code never aborts or exits: every failure is a status code
 * returned to the caller, after one call of the replaceable error handler
 * (GSL's gsl_error model).  LMC_TRY propagates a failing call with one
 * traceback line (PETSc's PetscCall model).
 */
#ifndef LMC_STATUS_H
#define LMC_STATUS_H

#include <stddef.h>

enum
{
    LMC_SUCCESS = 0,
    LMC_EINVAL = 1,     /* invalid argument (a value out of its range) */
    LMC_EBADLEN = 2,    /* sizes zero or mismatched */
    LMC_ENOMEM = 3,     /* allocation failed */
    LMC_EDOM = 4,       /* input outside the domain of the method */
    LMC_ENONFINITE = 5, /* NaN or Inf met or produced */
    LMC_ELAPACK = 6,    /* LAPACK reported a numerical failure (info > 0) */
    LMC_EIO = 7,        /* a file could not be read or written */
    LMC_EPARSE = 8,     /* a file or string is malformed */
    LMC_ENOTFOUND = 9,  /* unknown name */
    LMC_EMPFR = 10,     /* high-precision computation failed */
    LMC_ENOCONV = 11    /* an iteration did not converge in its budget */
};

/* Text of a status code; never NULL. */
const char *lmc_strerror(int status);

/* Signature of an error handler: where, which code, and a formatted
 * message.  The default handler prints one line on stderr. */
typedef void lmc_error_handler(const char *file, int line, int status,
                               const char *msg);

/* Installs handler (NULL restores the default); returns the previous one. */
lmc_error_handler *lmc_set_error_handler(lmc_error_handler *handler);

/* A handler that records the message and prints nothing (used by the
 * command line, which prints its own single line, and by tests that
 * provoke errors on purpose). */
void lmc_error_handler_quiet(const char *file, int line, int status,
                             const char *msg);

/* Routes GSL's errors through lmc_error (so lmc_last_error() holds
 * "GSL: REASON") and lets the failing GSL call return its error value,
 * instead of GSL's default handler, which prints and aborts: an
 * allocation failure inside gsl_matrix_alloc becomes a NULL the caller
 * reports as LMC_ENOMEM.  A handler the program installed itself is left
 * in place.  Called by the library's entry points (lmc_method_alloc,
 * lmc_trace_alloc, lmc_run_config_exec, lmc_oracle_config_exec,
 * lmc_oracle_eval) and by the command line at start; idempotent and
 * thread-safe (the handler is set once per process). */
void lmc_gsl_handler_install(void);

/* The message of the last error reported through lmc_error (thread-local
 * copy, empty if none). */
const char *lmc_last_error(void);

/* Reports an error through the current handler (printf-style message). */
void lmc_error(const char *file, int line, int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Report and return status from the current function. */
#define LMC_ERROR(status, ...)                                               \
    do                                                                       \
    {                                                                        \
        lmc_error(__FILE__, __LINE__, (status), __VA_ARGS__);                \
        return (status);                                                     \
    } while (0)

/* Report and return NULL (for _alloc functions). */
#define LMC_ERROR_NULL(status, ...)                                          \
    do                                                                       \
    {                                                                        \
        lmc_error(__FILE__, __LINE__, (status), __VA_ARGS__);                \
        return NULL;                                                         \
    } while (0)

/* Propagate a failing call: the callee already reported the cause. */
#define LMC_TRY(expr)                                                        \
    do                                                                       \
    {                                                                        \
        const int lmc_try_status_ = (expr);                                  \
        if (lmc_try_status_ != LMC_SUCCESS)                                  \
            return lmc_try_status_;                                          \
    } while (0)

#endif /* LMC_STATUS_H */
