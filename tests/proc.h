/* tests/proc.h -- runs the program under test (lmocheck) as a child
 * process with its stdout and stderr in the files DIR/out and DIR/err,
 * and reads them back: for tests that check exit codes and output. */
#ifndef LMC_TESTS_PROC_H
#define LMC_TESTS_PROC_H

#include <stddef.h>
#include <sys/types.h>

typedef struct
{
    int status;     /* exit code, or 128 + signal (137: killed at timeout) */
    double seconds; /* wall time (proc_run_how only) */
    char out[1 << 20], err[1 << 14];
} proc_result;

/* Where the child's stdout goes. */
enum
{
    PROC_OUT_FILE,   /* DIR/out */
    PROC_OUT_FULL,   /* /dev/full */
    PROC_OUT_CLOSED  /* closed (>&-) */
};

/* How proc_run_how runs the child. */
typedef struct
{
    const char *env;   /* "NAME=VALUE" added to the environment, or NULL */
    int out;           /* PROC_OUT_* */
    double as_limit;   /* RLIMIT_AS in bytes, 0 = none */
    double timeout;    /* seconds before SIGKILL, 0 = none */
} proc_how;

/* Starts exe with the NULL-terminated argument list args (at most 62);
 * returns the child's pid (-1 if fork failed). */
pid_t proc_start(const char *exe, const char *dir, const char *const *args);

/* Waits for pid and fills r from its exit status and output files. */
void proc_finish(pid_t pid, const char *dir, proc_result *r);

/* Waits for pid, killing it once timeout seconds have passed since t0
 * (timeout 0: never); returns the raw wait status, -1 if it was killed,
 * 127 << 8 if there is no such child. */
int proc_wait(pid_t pid, double t0, double timeout);

/* proc_start then proc_finish. */
void proc_run(const char *exe, const char *dir, const char *const *args,
              proc_result *r);

/* Runs exe as h says (h NULL: as proc_run); a child still running after
 * h->timeout seconds is killed (status 137). */
void proc_run_how(const char *exe, const char *dir, const char *const *args,
                  const proc_how *h, proc_result *r);

/* Reads the file path into buf (at most cap - 1 bytes, NUL-terminated;
 * empty if it cannot be read). */
void proc_slurp(const char *path, char *buf, size_t cap);

/* Monotonic clock, seconds. */
double proc_now(void);

/* Number of '\n' in s. */
int proc_count_lines(const char *s);

/* A test's start: exe from LMC_LMOCHECK, and a fresh directory
 * ROOT/NAME.XXXXXX with ROOT = LMC_BUILD_ROOT or /tmp.  Returns 1 when
 * both are there; otherwise prints the TAP plan line that says why (a
 * SKIP when LMC_LMOCHECK is unset, returning 0; a Bail out!, returning
 * -1). */
int proc_setup(const char *name, char *exe, size_t exe_size, char *dir,
               size_t dir_size);

/* Removes dir and what is in it (a diagnostic if it could not). */
void proc_cleanup(const char *dir);

#endif /* LMC_TESTS_PROC_H */
