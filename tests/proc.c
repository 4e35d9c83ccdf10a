/* tests/proc.c -- see proc.h. */
#include "proc.h"

#include "tap.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void
proc_slurp(const char *path, char *buf, size_t cap)
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

double
proc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int
proc_count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* In the child: stdout and stderr, environment and limits as h says. */
static void
child_setup(const char *dir, const proc_how *h)
{
    char outf[4200], errf[4200];
    snprintf(outf, sizeof outf, "%.4096s/out", dir);
    snprintf(errf, sizeof errf, "%.4096s/err", dir);
    if (!freopen(errf, "w", stderr))
        _exit(127);
    if (h->out == PROC_OUT_CLOSED)
        close(STDOUT_FILENO);
    else if (!freopen(h->out == PROC_OUT_FULL ? "/dev/full" : outf, "w",
                      stdout))
        _exit(127);
    if (h->env)
    {
        char name[64];
        const char *eq = strchr(h->env, '=');
        if (!eq)
            _exit(127);
        snprintf(name, sizeof name, "%.*s", (int)(eq - h->env), h->env);
        setenv(name, eq + 1, 1);
    }
    if (h->as_limit > 0)
    {
        const struct rlimit rl = {(rlim_t)h->as_limit, (rlim_t)h->as_limit};
        setrlimit(RLIMIT_AS, &rl);
    }
}

static pid_t
start_how(const char *exe, const char *dir, const char *const *args,
          const proc_how *h)
{
    char *argv[64];
    int n = 0;
    argv[n++] = (char *)exe;
    for (; args[n - 1] && n < 63; n++)
        argv[n] = (char *)args[n - 1];
    argv[n] = NULL;
    char outf[4200];
    snprintf(outf, sizeof outf, "%.4096s/out", dir);
    unlink(outf);
    fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0)
    {
        child_setup(dir, h);
        execv(exe, argv);
        _exit(127);
    }
    return pid;
}

static const proc_how plain = {NULL, PROC_OUT_FILE, 0, 0};

pid_t
proc_start(const char *exe, const char *dir, const char *const *args)
{
    return start_how(exe, dir, args, &plain);
}

int
proc_wait(pid_t pid, double t0, double timeout)
{
    int st = 127 << 8;
    if (pid <= 0)
        return st;
    if (timeout <= 0)
        return waitpid(pid, &st, 0) == pid ? st : 127 << 8;
    for (;;)
    {
        const pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            return st;
        if (w < 0)
            return 127 << 8;
        if (proc_now() - t0 > timeout)
        {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return -1;
        }
        nanosleep(&(struct timespec){0, 5000000}, NULL);
    }
}

static void
read_back(int st, const char *dir, proc_result *r)
{
    r->status = st == -1        ? 128 + SIGKILL
                : WIFEXITED(st) ? WEXITSTATUS(st)
                                : 128 + WTERMSIG(st);
    char outf[4200], errf[4200];
    snprintf(outf, sizeof outf, "%.4096s/out", dir);
    snprintf(errf, sizeof errf, "%.4096s/err", dir);
    proc_slurp(outf, r->out, sizeof r->out);
    proc_slurp(errf, r->err, sizeof r->err);
}

void
proc_finish(pid_t pid, const char *dir, proc_result *r)
{
    read_back(proc_wait(pid, 0, 0), dir, r);
}

void
proc_run(const char *exe, const char *dir, const char *const *args,
         proc_result *r)
{
    proc_finish(proc_start(exe, dir, args), dir, r);
}

void
proc_run_how(const char *exe, const char *dir, const char *const *args,
             const proc_how *h, proc_result *r)
{
    if (!h)
        h = &plain;
    const double t0 = proc_now();
    const int st = proc_wait(start_how(exe, dir, args, h), t0, h->timeout);
    r->seconds = proc_now() - t0;
    read_back(st, dir, r);
}

int
proc_setup(const char *name, char *exe, size_t exe_size, char *dir,
           size_t dir_size)
{
    const char *root = getenv("LMC_BUILD_ROOT");
    const char *path = getenv("LMC_LMOCHECK");
    if (!path)
    {
        printf("1..0 # SKIP LMC_LMOCHECK (the program's path) is not set\n");
        return 0;
    }
    snprintf(exe, exe_size, "%s", path);
    snprintf(dir, dir_size, "%s/%s.XXXXXX", root ? root : "/tmp", name);
    if (access(exe, X_OK) != 0 || !mkdtemp(dir))
    {
        printf("Bail out! lmocheck not executable at %s, or no directory "
               "%s\n", exe, dir);
        return -1;
    }
    return 1;
}

void
proc_cleanup(const char *dir)
{
    char cmd[4400];
    /* dir comes from proc_setup's mkdtemp: no quotes. */
    snprintf(cmd, sizeof cmd, "rm -rf '%.4096s'", dir);
    if (system(cmd) != 0)
        tap_diag("could not remove %s", dir);
}
