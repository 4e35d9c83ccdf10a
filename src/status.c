/* status.c -- error codes, the replaceable handler and the last message. */
#include "status.h"

#include <gsl/gsl_errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_msg[512];

static void
default_handler(const char *file, int line, int status, const char *msg)
{
    fprintf(stderr, "lmocheck: %s (%s:%d: %s)\n", msg, file, line,
            lmc_strerror(status));
}

static lmc_error_handler *handler = default_handler;

const char *
lmc_strerror(int status)
{
    switch (status)
    {
    case LMC_SUCCESS: return "success";
    case LMC_EINVAL: return "invalid argument";
    case LMC_EBADLEN: return "bad or mismatched size";
    case LMC_ENOMEM: return "out of memory";
    case LMC_EDOM: return "input outside the method's domain";
    case LMC_ENONFINITE: return "non-finite value";
    case LMC_ELAPACK: return "LAPACK failure";
    case LMC_EIO: return "input/output error";
    case LMC_EPARSE: return "malformed input";
    case LMC_ENOTFOUND: return "unknown name";
    case LMC_EMPFR: return "high-precision computation failed";
    case LMC_ENOCONV: return "no convergence";
    default: return "unknown status";
    }
}

lmc_error_handler *
lmc_set_error_handler(lmc_error_handler *h)
{
    lmc_error_handler *old = handler;
    handler = h ? h : default_handler;
    return old;
}

void
lmc_error_handler_quiet(const char *file, int line, int status,
                        const char *msg)
{
    (void)file;
    (void)line;
    (void)status;
    (void)msg;
}

const char *
lmc_last_error(void)
{
    return last_msg;
}

void
lmc_error(const char *file, int line, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_msg, sizeof last_msg, fmt, ap);
    va_end(ap);
    handler(file, line, status, last_msg);
}

/* GSL's error numbers as lmocheck status codes. */
static int
from_gsl(int gsl_errno)
{
    switch (gsl_errno)
    {
    case GSL_ENOMEM: return LMC_ENOMEM;
    case GSL_EBADLEN:
    case GSL_ENOTSQR: return LMC_EBADLEN;
    case GSL_EDOM: return LMC_EDOM;
    case GSL_ERANGE:
    case GSL_EOVRFLW:
    case GSL_EUNDRFLW: return LMC_ENONFINITE;
    case GSL_EMAXITER: return LMC_ENOCONV;
    default: return LMC_EINVAL;
    }
}

static void
gsl_handler(const char *reason, const char *file, int line, int gsl_errno)
{
    lmc_error(file, line, from_gsl(gsl_errno), "GSL: %s (%s)", reason,
              gsl_strerror(gsl_errno));
}

static void
install_once(void)
{
    gsl_error_handler_t *old = gsl_set_error_handler(gsl_handler);
    /* NULL is GSL's aborting default; anything else is the program's. */
    if (old)
        gsl_set_error_handler(old);
}

void
lmc_gsl_handler_install(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, install_once);
}
