/* fuzz-readers.c -- fuzzes the readers of lmocheck's file inputs: sweep
 * specs (lmc_sweep_spec_read, which validates every value through
 * src/harness/runconfig.c and reads the schedule files a spec
 * names), schedule files (lmc_schedule_read) and spectrum files
 * (lmc_spectrum_values with file:).
 *
 *   fuzz-readers [--seconds S] [--runs N] [--seed N]
 *                [--engine libfuzzer|mutate] CORPUS_ROOT
 *   fuzz-readers --reader spec|schedule|spectrum FILE...   (reproduce)
 *
 * One TAP point per reader: the reader's corpus, CORPUS_ROOT/<reader>/,
 * is the seed set, mutated for at most S seconds (default 60,
 * LMC_FUZZ_SECONDS overrides) or N inputs (default 1000000,
 * LMC_FUZZ_RUNS), whichever comes first, in a child process; the point
 * fails on any crash, sanitizer report, leak or input that takes longer
 * than TIMEOUT_S.  The seed (default 1, LMC_TEST_SEED) makes the
 * sequence of inputs the same on every run of the same binary.
 *
 * Two engines, one target (LLVMFuzzerTestOneInput below):
 *   - libfuzzer, the default when built with clang's libFuzzer
 *     (LMC_LIBFUZZER, tests/meson.build): coverage-guided (the library is
 *     instrumented when the build has -fsanitize=fuzzer-no-link in
 *     c_args, as .ci/run does), through LLVMFuzzerRunDriver, with the
 *     dictionary CORPUS_ROOT/readers.dict; a failing input is saved as
 *     crash-* / timeout-* / leak-* in the build's meson-logs;
 *   - mutate, the default otherwise: a seeded mutation driver (mutate()
 *     below), bit flips,
 *     byte insertion and deletion, splices of two corpus files, huge and
 *     non-finite numbers, NUL bytes and long lines; a failing input is
 *     saved as meson-logs/fuzz-<reader>-failing before it runs.
 * Reproduce a saved input with --reader READER FILE.
 */
#define _GNU_SOURCE /* memfd_create */
#include "schedule.h"
#include "spectrum.h"
#include "status.h"
#include "sweep.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Seconds one input may take.  The readers are linear in their input,
 * which the mutators keep below MAX_LEN (and the readers bound at
 * 4 MiB): a valid spec validates in milliseconds even under ASan. */
#define TIMEOUT_S 10

/* Inputs longer than this are cut: every reader has refused a longer
 * line (1024 characters) or file long before. */
#define MAX_LEN 65536

enum { READER_SPEC, READER_SCHEDULE, READER_SPECTRUM, NREADERS };
static const char *const reader_names[NREADERS] = {"spec", "schedule",
                                                   "spectrum"};

static int reader = -1;      /* which reader the target feeds */
static char input_path[4400]; /* where the target writes each input */
static int input_fd = -1;     /* a memfd behind input_path, if any */

/* Writes data to input_path (the readers take paths).  In memory when
 * the kernel has memfd_create: a file per input on an overlay file
 * system costs more than most readers' work. */
static int
write_input(const uint8_t *data, size_t size)
{
    if (input_fd < 0)
    {
        input_fd = memfd_create("fuzz-input", 0);
        if (input_fd >= 0)
            snprintf(input_path, sizeof input_path, "/proc/self/fd/%d",
                     input_fd);
        else
            input_fd = -2; /* no memfd: a file */
    }
    if (input_fd >= 0)
    {
        size_t done = 0;
        if (ftruncate(input_fd, 0))
            return -1;
        while (done < size)
        {
            const ssize_t w = pwrite(input_fd, data + done, size - done,
                                     (off_t)done);
            if (w <= 0)
                return -1;
            done += (size_t)w;
        }
        return 0;
    }
    FILE *f = fopen(input_path, "wb");
    if (!f)
        return -1;
    const int bad = size && fwrite(data, 1, size, f) != size;
    return fclose(f) != 0 || bad ? -1 : 0;
}

static void
count_cell(void *arg, const char *key, const char *config)
{
    (void)key;
    (void)config;
    ++*(size_t *)arg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_LEN)
        return 0;
    if (write_input(data, size))
    {
        /* Not the readers' fault, but nothing would be tested. */
        fprintf(stderr, "fuzz-readers: cannot write %s: %s\n", input_path,
                strerror(errno));
        _exit(2);
    }
    if (reader == READER_SPEC)
    {
        lmc_sweep_spec *s = lmc_sweep_spec_read(input_path);
        if (s)
        {
            /* Form every cell's canonical text and key, when that is
             * cheap (specs may name up to 10^7 cells). */
            size_t n = 0;
            if (lmc_sweep_spec_cells(s) <= 2000)
                (void)lmc_sweep_list(s, 0, 1, count_cell, &n);
            lmc_sweep_spec_free(s);
        }
    }
    else if (reader == READER_SCHEDULE)
    {
        lmc_schedule sc;
        if (lmc_schedule_read(input_path, &sc) == LMC_SUCCESS)
        {
            /* The map on what was read: any double is a valid result. */
            static const double sv[] = {1.0, 0.5, 1e-3, 0.0};
            double delta;
            (void)lmc_schedule_predict(&sc, sc.len, sv, 4, 1.0, &delta);
        }
    }
    else
    {
        char kind[sizeof input_path + 8];
        double sv[7];
        snprintf(kind, sizeof kind, "file:%s", input_path);
        /* k = 1, 3 and 7 values. */
        (void)lmc_spectrum_values(kind, 1.0, 1, 5, NULL, sv);
        (void)lmc_spectrum_values(kind, 1.0, 3, 3, NULL, sv);
        (void)lmc_spectrum_values(kind, 1.0, 9, 7, NULL, sv);
    }
    return 0;
}

/* ---- corpus ---------------------------------------------------------- */

typedef struct
{
    uint8_t *data;
    size_t size;
} blob;

static blob corpus[256];
static size_t ncorpus;

static int
read_blob(const char *path, blob *b)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    b->data = malloc(MAX_LEN);
    b->size = b->data ? fread(b->data, 1, MAX_LEN, f) : 0;
    fclose(f);
    return b->data ? 0 : -1;
}

static int
load_corpus(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    char path[8192];
    while ((e = readdir(d)) && ncorpus < sizeof corpus / sizeof corpus[0])
    {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (read_blob(path, &corpus[ncorpus]) == 0)
            ncorpus++;
    }
    closedir(d);
    return ncorpus ? 0 : -1;
}

/* ---- the seeded mutation driver --------------------------------------- */

static uint64_t rng_state;

/* xorshift64*: small, fast and the same everywhere. */
static uint64_t
rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static size_t
below(size_t n)
{
    return n ? (size_t)(rnd() % n) : 0;
}

/* Texts that break number and line handling. */
static const char *const tokens[] = {
    "1e999", "-1e999", "1e-400", "nan", "-nan", "inf", "-inf", "infinity",
    "0x1p1024", "18446744073709551616", "4294967297", "-1", "0", "-0",
    "1e308", "2.2250738585072014e-308", "4.9e-324", "99999999999999999999",
    "file:/dev/zero", "file:/nonexistent", "file:.", "\"", "\\", "#", ";",
    "=", "{", "}", "(", ")", "[", "]", ",", "L", "\r\n", "\n", " ", "\t",
    "divisor", "eps", "name", "kind", "base", "axes", "values", "log",
    "linear", "points", "variants", "refine", "by", "key", "report", "@include",
};

static size_t
insert(uint8_t *buf, size_t len, size_t at, const void *src, size_t n)
{
    if (len + n > MAX_LEN)
        n = MAX_LEN - len;
    memmove(buf + at + n, buf + at, len - at);
    memcpy(buf + at, src, n);
    return len + n;
}

/* Applies 1 to 4 random mutations to buf[0..len) (capacity MAX_LEN);
 * returns the new length. */
static size_t
mutate(uint8_t *buf, size_t len)
{
    const int nmut = 1 + (int)below(4);
    for (int m = 0; m < nmut; m++)
    {
        const size_t at = below(len + 1);
        switch (below(9))
        {
        case 0: /* bit flip */
            if (len)
                buf[below(len)] ^= (uint8_t)(1u << below(8));
            break;
        case 1: /* random byte, NUL among them */
            if (len)
                buf[below(len)] = (uint8_t)rnd();
            break;
        case 2: /* insert bytes */
        {
            uint8_t b[8];
            const size_t n = 1 + below(sizeof b);
            for (size_t i = 0; i < n; i++)
                b[i] = (uint8_t)rnd();
            len = insert(buf, len, at, b, n);
            break;
        }
        case 3: /* delete a stretch */
            if (len)
            {
                const size_t from = below(len), n = 1 + below(len - from);
                memmove(buf + from, buf + from + n, len - from - n);
                len -= n;
            }
            break;
        case 4: /* splice: a piece of another corpus file */
        {
            const blob *o = &corpus[below(ncorpus)];
            if (o->size)
            {
                const size_t from = below(o->size);
                const size_t n = 1 + below(o->size - from);
                len = insert(buf, len, at, o->data + from, n);
            }
            break;
        }
        case 5: /* crossover: head of this, tail of another */
        {
            const blob *o = &corpus[below(ncorpus)];
            const size_t from = below(o->size + 1);
            size_t n = o->size - from;
            if (at + n > MAX_LEN)
                n = MAX_LEN - at;
            memcpy(buf + at, o->data + from, n);
            len = at + n;
            break;
        }
        case 6: /* a token */
        {
            const char *t = tokens[below(sizeof tokens / sizeof tokens[0])];
            len = insert(buf, len, at, t, strlen(t));
            break;
        }
        case 7: /* replace a number by a token */
        {
            size_t i = below(len + 1);
            while (i < len && !(buf[i] >= '0' && buf[i] <= '9'))
                i++;
            size_t j = i;
            while (j < len && ((buf[j] >= '0' && buf[j] <= '9') ||
                               buf[j] == '.' || buf[j] == 'e' ||
                               buf[j] == '-'))
                j++;
            memmove(buf + i, buf + j, len - j);
            len -= j - i;
            const char *t = tokens[below(20)];
            len = insert(buf, len, i, t, strlen(t));
            break;
        }
        default: /* a long run of one byte: long lines, many blanks */
        {
            static uint8_t run[8192];
            static const uint8_t fill[] = {'1', ' ', '\n', '#', '0', 0};
            const size_t n = 1 + below(sizeof run);
            memset(run, fill[below(sizeof fill)], n);
            len = insert(buf, len, at, run, n);
            break;
        }
        }
    }
    return len;
}

static const uint8_t *current;
static size_t current_size;
static char failing_path[4300];

static void
save_failing(void)
{
    const int fd = open(failing_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return;
    size_t done = 0;
    while (done < current_size)
    {
        const ssize_t w = write(fd, current + done, current_size - done);
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    close(fd);
}

static void
on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "fuzz-readers: an input took longer than the "
                              "per-input timeout\n";
    save_failing();
    if (write(2, msg, sizeof msg - 1) < 0)
        _exit(3);
    _exit(3);
}

/* Defined by the sanitizer runtimes; called before they exit. */
void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

static int
run_mutator(double seconds, unsigned long runs, unsigned long seed)
{
    static uint8_t buf[MAX_LEN];
    rng_state = 0x9e3779b97f4a7c15ull ^ seed;
    if (!rng_state)
        rng_state = 1;
    if (__sanitizer_set_death_callback)
        __sanitizer_set_death_callback(save_failing);
    signal(SIGALRM, on_alarm);
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    unsigned long i;
    for (i = 0; i < runs; i++)
    {
        size_t len;
        if (i < ncorpus) /* the corpus as it is, first */
        {
            len = corpus[i].size;
            memcpy(buf, corpus[i].data, len);
        }
        else
        {
            const blob *b = &corpus[below(ncorpus)];
            memcpy(buf, b->data, b->size);
            len = mutate(buf, b->size);
        }
        current = buf;
        current_size = len;
        alarm(TIMEOUT_S);
        LLVMFuzzerTestOneInput(buf, len);
        alarm(0);
        if ((i & 63) == 0)
        {
            clock_gettime(CLOCK_MONOTONIC, &t);
            if ((double)(t.tv_sec - t0.tv_sec) +
                    1e-9 * (double)(t.tv_nsec - t0.tv_nsec) >
                seconds)
            {
                i++;
                break;
            }
        }
    }
    fprintf(stderr, "fuzz-readers %s: %lu inputs, seed %lu\n",
            reader_names[reader], i, seed);
    return 0;
}

/* The directory libFuzzer adds new inputs to, in the private temporary
 * directory: every run starts from the committed corpus alone. */
static void
scratch_dir(const char *tmpdir, int r, char *out, size_t n)
{
    snprintf(out, n, "%s/corpus-%s", tmpdir, reader_names[r]);
}

static void
empty_dir(const char *dir, int remove_dir)
{
    DIR *d = opendir(dir);
    if (d)
    {
        struct dirent *e;
        char path[4600];
        while ((e = readdir(d)))
        {
            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            remove(path);
        }
        closedir(d);
    }
    if (remove_dir)
        rmdir(dir);
}

#ifdef LMC_LIBFUZZER
int LLVMFuzzerRunDriver(int *argc, char ***argv,
                        int (*cb)(const uint8_t *, size_t));

static int
run_libfuzzer(double seconds, unsigned long runs, unsigned long seed,
              const char *corpus_dir, const char *work_dir, char *scratch)
{
    char a_seed[64], a_runs[64], a_time[64], a_timeout[64], a_len[64];
    char a_prefix[4300], a_dict[4400];
    snprintf(a_seed, sizeof a_seed, "-seed=%lu", seed ? seed : 1);
    snprintf(a_runs, sizeof a_runs, "-runs=%lu", runs);
    snprintf(a_time, sizeof a_time, "-max_total_time=%d",
             seconds < 1 ? 1 : (int)seconds);
    snprintf(a_timeout, sizeof a_timeout, "-timeout=%d", TIMEOUT_S);
    snprintf(a_len, sizeof a_len, "-max_len=%d", 8192);
    snprintf(a_prefix, sizeof a_prefix, "-artifact_prefix=%s/",
             work_dir);
    snprintf(a_dict, sizeof a_dict, "-dict=%s/../readers.dict",
             corpus_dir);
    /* Writable copies: LLVMFuzzerRunDriver takes char **. */
    static char a_name[] = "fuzz-readers", a_leaks[] = "-detect_leaks=1",
                a_stats[] = "-print_final_stats=1",
                a_rss[] = "-rss_limit_mb=2048";
    /* New inputs go to the scratch directory (the first one), never into
     * the committed corpus. */
    char *args[] = {a_name, a_seed, a_runs, a_time, a_timeout, a_len,
                    a_prefix, a_dict, a_leaks, a_stats, a_rss, scratch,
                    (char *)corpus_dir, NULL};
    int argc = (int)(sizeof args / sizeof args[0]) - 1;
    char **argv = args;
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
}
#endif

static void
usage(void)
{
    fprintf(stderr, "usage: fuzz-readers [--seconds S] [--runs N] "
            "[--seed N] CORPUS_ROOT\n"
            "       fuzz-readers --reader spec|schedule|spectrum FILE...\n");
    exit(2);
}

static int
find_reader(const char *name)
{
    for (int i = 0; i < NREADERS; i++)
        if (strcmp(name, reader_names[i]) == 0)
            return i;
    fprintf(stderr, "fuzz-readers: --reader '%s' (accepted: spec, "
            "schedule, spectrum)\n", name);
    exit(2);
}

static double
env_or(const char *name, double dflt)
{
    const char *v = getenv(name);
    return v && *v ? strtod(v, NULL) : dflt;
}

int
main(int argc, char **argv)
{
    double seconds = env_or("LMC_FUZZ_SECONDS", 60);
    unsigned long runs = (unsigned long)env_or("LMC_FUZZ_RUNS", 1000000);
    unsigned long seed = (unsigned long)env_or("LMC_TEST_SEED", 1);
#ifdef LMC_LIBFUZZER
    int use_libfuzzer = 1;
#else
    int use_libfuzzer = 0;
#endif
    const char *root = NULL;
    int i = 1;
    for (; i < argc; i++)
    {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = strtod(argv[++i], NULL);
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--engine") == 0 && i + 1 < argc)
        {
            ++i;
            if (strcmp(argv[i], "mutate") == 0)
                use_libfuzzer = 0;
#ifdef LMC_LIBFUZZER
            else if (strcmp(argv[i], "libfuzzer") == 0)
                use_libfuzzer = 1;
#endif
            else
            {
                fprintf(stderr, "fuzz-readers: --engine '%s' (accepted: "
                        "mutate%s)\n", argv[i],
                        use_libfuzzer ? ", libfuzzer" : "");
                return 2;
            }
        }
        else if (strcmp(argv[i], "--reader") == 0 && i + 1 < argc)
        {
            reader = find_reader(argv[++i]);
            i++;
            break;
        }
        else if (argv[i][0] == '-')
            usage();
        else
            root = argv[i];
    }
    lmc_set_error_handler(lmc_error_handler_quiet);
    /* Failing inputs go to the build's meson-logs when run by meson (else
     * the current directory); inputs and libFuzzer's new corpus entries
     * to a private temporary directory, removed at the end. */
    const char *build = getenv("LMC_BUILD_ROOT"), *tmp = getenv("TMPDIR");
    char work[4200], tmpdir[4200];
    snprintf(work, sizeof work, "%s", ".");
    if (build && *build)
        snprintf(work, sizeof work, "%s/meson-logs", build);
    snprintf(tmpdir, sizeof tmpdir, "%s/lmc-fuzz-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tmpdir))
    {
        fprintf(stderr, "fuzz-readers: cannot create %s: %s\n", tmpdir,
                strerror(errno));
        return 2;
    }
    snprintf(input_path, sizeof input_path, "%s/input", tmpdir);

    if (reader >= 0) /* reproduce */
    {
        if (i >= argc)
            usage();
        for (; i < argc; i++)
        {
            blob b;
            if (read_blob(argv[i], &b))
            {
                fprintf(stderr, "fuzz-readers: cannot read '%s'\n", argv[i]);
                return 2;
            }
            LLVMFuzzerTestOneInput(b.data, b.size);
            free(b.data);
            printf("%s: no crash\n", argv[i]);
        }
        remove(input_path);
        rmdir(tmpdir);
        return 0;
    }
    if (!root)
        usage();

    setvbuf(stdout, NULL, _IONBF, 0);
    printf("TAP version 14\n# seed=%lu, budget %.0f s or %lu inputs per "
           "reader, %d s per input, engine %s\n",
           seed, seconds, runs, TIMEOUT_S,
           use_libfuzzer ? "libFuzzer" : "seeded mutation");
    printf("1..%d\n", NREADERS);
    int failed = 0;
    for (int r = 0; r < NREADERS; r++)
    {
        char dir[4300], scratch[4300];
        snprintf(dir, sizeof dir, "%s/%s", root, reader_names[r]);
        scratch_dir(tmpdir, r, scratch, sizeof scratch);
        mkdir(scratch, 0755);
        const pid_t pid = fork();
        if (pid == 0)
        {
            reader = r;
            snprintf(failing_path, sizeof failing_path,
                     "%s/fuzz-%s-failing", work, reader_names[r]);
            /* A spec naming file:/dev/stdin must not wait for a terminal. */
            if (!freopen("/dev/null", "r", stdin))
                _exit(2);
            int st;
#ifdef LMC_LIBFUZZER
            if (use_libfuzzer)
                st = run_libfuzzer(seconds, runs, seed, dir, work,
                                   scratch);
            else
#endif
            if ((st = load_corpus(dir) ? 2 : 0) == 0)
                st = run_mutator(seconds, runs, seed);
            else
                fprintf(stderr, "fuzz-readers: no corpus in '%s'\n", dir);
            remove(input_path);
            fflush(NULL);
            _exit(st);
        }
        int st = 0;
        if (pid < 0 || waitpid(pid, &st, 0) < 0)
            st = 127 << 8;
        remove(input_path);
        empty_dir(scratch, 1);
        const int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
        printf("%s %d - %s reader: no crash, sanitizer report, leak or "
               "hang in the budget\n", ok ? "ok" : "not ok", r + 1,
               reader_names[r]);
        if (!ok)
        {
            failed = 1;
            printf("# exit %d%s; the failing input is in %s (replay: "
                   "fuzz-readers --reader %s FILE)\n",
                   WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
                   WIFSIGNALED(st) ? " (signal)" : "", work, reader_names[r]);
        }
    }
    rmdir(tmpdir);
    return failed;
}
