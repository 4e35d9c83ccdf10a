/* tests/proc.h -- runs the program under test (lmocheck) as a child
 * process with its stdout and stderr in the files DIR/out and DIR/err,
 * and reads them back: for tests that check exit codes and output. */
#ifndef LMC_TESTS_PROC_H
#define LMC_TESTS_PROC_H

#include <sys/types.h>

typedef struct
{
    int status; /* exit code, or 128 + signal */
    char out[1 << 20], err[1 << 14];
} proc_result;

/* Starts exe with the NULL-terminated argument list args (at most 62);
 * returns the child's pid (-1 if fork failed). */
pid_t proc_start(const char *exe, const char *dir, const char *const *args);

/* Waits for pid and fills r from its exit status and output files. */
void proc_finish(pid_t pid, const char *dir, proc_result *r);

/* proc_start then proc_finish. */
void proc_run(const char *exe, const char *dir, const char *const *args,
              proc_result *r);

#endif /* LMC_TESTS_PROC_H */
