/* t-status.c -- status codes, the error macros and the replaceable handler.
 *
 * Properties: every code has a non-empty text and no two codes share one;
 * LMC_ERROR / LMC_ERROR_NULL report once through the installed handler
 * (file, line, code, formatted message) and return the code / NULL;
 * LMC_TRY propagates without reporting again; lmc_last_error holds the
 * last message, truncated safely, and is per thread.
 */
#include "status.h"
#include "tap.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define N_CODES 12 /* LMC_SUCCESS .. LMC_ENOCONV, status.h */

static const int codes[N_CODES] = {
    LMC_SUCCESS, LMC_EINVAL,     LMC_EBADLEN, LMC_ENOMEM,
    LMC_EDOM,    LMC_ENONFINITE, LMC_ELAPACK, LMC_EIO,
    LMC_EPARSE,  LMC_ENOTFOUND,  LMC_EMPFR,   LMC_ENOCONV};

/* What the recording handler saw. */
static struct
{
    int calls;
    char file[256];
    int line;
    int status;
    char msg[1024];
} rec;

static void
recording_handler(const char *file, int line, int status, const char *msg)
{
    rec.calls++;
    snprintf(rec.file, sizeof rec.file, "%s", file);
    rec.line = line;
    rec.status = status;
    snprintf(rec.msg, sizeof rec.msg, "%s", msg);
}

static void
rec_reset(void)
{
    memset(&rec, 0, sizeof rec);
}

static int raise_line; /* line of the LMC_ERROR below */

static int
raise_error(int code)
{
    raise_line = __LINE__ + 1;
    LMC_ERROR(code, "boom %d in %s", 42, "raise_error");
}

static int *
raise_null(int code)
{
    LMC_ERROR_NULL(code, "null %s", "alloc");
}

static int
succeed(void)
{
    return LMC_SUCCESS;
}

static int after_try; /* set when LMC_TRY let control through */

static int
propagate(int code)
{
    after_try = 0;
    LMC_TRY(code == LMC_SUCCESS ? succeed() : raise_error(code));
    after_try = 1;
    return LMC_SUCCESS;
}

static void *
thread_body(void *arg)
{
    /* A thread that never reported anything sees an empty message. */
    snprintf(arg, 64, "%s", lmc_last_error());
    return NULL;
}

int
main(void)
{
    tap_begin(0); /* deterministic: no random input here */

    /* Texts: non-empty, pairwise distinct, and distinct from the text of
     * an unknown code. */
    int empty = 0, dup = 0;
    for (int i = 0; i < N_CODES; i++)
    {
        const char *t = lmc_strerror(codes[i]);
        if (!t || !*t)
        {
            empty++;
            tap_diag("code %d has no text", codes[i]);
            continue;
        }
        for (int j = 0; j < i; j++)
            if (lmc_strerror(codes[j]) &&
                strcmp(t, lmc_strerror(codes[j])) == 0)
            {
                dup++;
                tap_diag("codes %d and %d share '%s'", codes[i], codes[j], t);
            }
    }
    tap_ok(empty == 0, "lmc_strerror is non-empty for all %d codes", N_CODES);
    tap_ok(dup == 0, "lmc_strerror texts are pairwise distinct");
    const char *unk = lmc_strerror(999);
    int unk_clash = !unk || !*unk;
    for (int i = 0; i < N_CODES && !unk_clash; i++)
        unk_clash = strcmp(unk, lmc_strerror(codes[i])) == 0;
    tap_ok(!unk_clash, "an unknown code has its own non-empty text ('%s')",
           unk ? unk : "(null)");

    /* The handler: install, raise, inspect. */
    lmc_error_handler *prev = lmc_set_error_handler(recording_handler);
    tap_ok(prev != NULL, "lmc_set_error_handler returns the previous handler");

    rec_reset();
    const int got = raise_error(LMC_EDOM);
    tap_int(got, LMC_EDOM, "LMC_ERROR returns its code");
    tap_int(rec.calls, 1, "LMC_ERROR calls the handler exactly once");
    tap_int(rec.status, LMC_EDOM, "the handler receives the code");
    tap_ok(strstr(rec.file, "t-status.c") != NULL,
           "the handler receives the file (%s)", rec.file);
    tap_int(rec.line, raise_line, "the handler receives the line");
    tap_ok(strcmp(rec.msg, "boom 42 in raise_error") == 0,
           "the handler receives the formatted message ('%s')", rec.msg);
    tap_ok(strcmp(lmc_last_error(), "boom 42 in raise_error") == 0,
           "lmc_last_error holds the message ('%s')", lmc_last_error());

    rec_reset();
    int *p = raise_null(LMC_ENOMEM);
    tap_ok(p == NULL && rec.calls == 1 && rec.status == LMC_ENOMEM,
           "LMC_ERROR_NULL returns NULL after one report of its code");
    tap_ok(strcmp(lmc_last_error(), "null alloc") == 0,
           "LMC_ERROR_NULL sets lmc_last_error ('%s')", lmc_last_error());

    rec_reset();
    tap_int(propagate(LMC_EPARSE), LMC_EPARSE,
            "LMC_TRY returns the callee's failing code");
    tap_ok(rec.calls == 1 && after_try == 0,
           "LMC_TRY neither reports again nor continues after a failure");
    rec_reset();
    tap_ok(propagate(LMC_SUCCESS) == LMC_SUCCESS && after_try == 1 &&
               rec.calls == 0,
           "LMC_TRY passes a success through silently");

    /* A message longer than the stored copy is truncated, not overrun. */
    char longmsg[2000];
    memset(longmsg, 'x', sizeof longmsg - 1);
    longmsg[sizeof longmsg - 1] = '\0';
    rec_reset();
    lmc_error(__FILE__, __LINE__, LMC_EIO, "%s", longmsg);
    const size_t len = strlen(lmc_last_error());
    tap_ok(len > 0 && len < sizeof longmsg - 1 &&
               strncmp(lmc_last_error(), longmsg, len) == 0,
           "a long message is truncated to a prefix (%zu of %zu chars)", len,
           sizeof longmsg - 1);

    /* The quiet handler still records the last message. */
    lmc_error_handler *mine = lmc_set_error_handler(lmc_error_handler_quiet);
    tap_ok(mine == recording_handler,
           "installing a handler returns the one installed before");
    rec_reset();
    const int q = raise_error(LMC_ENOTFOUND);
    tap_ok(q == LMC_ENOTFOUND && rec.calls == 0 &&
               strcmp(lmc_last_error(), "boom 42 in raise_error") == 0,
           "the quiet handler records the message and bypasses the old one");

    /* NULL restores the default: the one returned by the first call. */
    lmc_set_error_handler(NULL);
    lmc_error_handler *def = lmc_set_error_handler(lmc_error_handler_quiet);
    tap_ok(def == prev, "lmc_set_error_handler(NULL) restores the default");

    /* Thread-local last message. */
    char seen[64] = "unset";
    pthread_t th;
    if (pthread_create(&th, NULL, thread_body, seen) == 0)
    {
        pthread_join(th, NULL);
        tap_ok(seen[0] == '\0', "a fresh thread sees an empty last error "
               "('%s')", seen);
    }
    else
        tap_skip(1, "pthread_create failed");

    return tap_end();
}
