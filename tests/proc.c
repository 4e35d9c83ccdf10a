/* tests/proc.c -- see proc.h. */
#include "proc.h"

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void
slurp(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    size_t n = 0;
    if (f)
    {
        n = fread(buf, 1, cap - 1, f);
        fclose(f);
    }
    buf[n] = '\0';
}

pid_t
proc_start(const char *exe, const char *dir, const char *const *args)
{
    char *argv[64];
    int n = 0;
    argv[n++] = (char *)exe;
    for (; args[n - 1] && n < 63; n++)
        argv[n] = (char *)args[n - 1];
    argv[n] = NULL;
    char outf[4200], errf[4200];
    snprintf(outf, sizeof outf, "%.4096s/out", dir);
    snprintf(errf, sizeof errf, "%.4096s/err", dir);
    fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0)
    {
        if (!freopen(outf, "w", stdout) || !freopen(errf, "w", stderr))
            _exit(127);
        execv(exe, argv);
        _exit(127);
    }
    return pid;
}

void
proc_finish(pid_t pid, const char *dir, proc_result *r)
{
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) < 0)
        st = 127 << 8;
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    char outf[4200], errf[4200];
    snprintf(outf, sizeof outf, "%.4096s/out", dir);
    snprintf(errf, sizeof errf, "%.4096s/err", dir);
    slurp(outf, r->out, sizeof r->out);
    slurp(errf, r->err, sizeof r->err);
}

void
proc_run(const char *exe, const char *dir, const char *const *args,
         proc_result *r)
{
    proc_finish(proc_start(exe, dir, args), dir, r);
}
