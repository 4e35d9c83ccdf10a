/* t-schedule.c -- coefficient schedules and the scalar map p^(q) of O2.
 *
 * delta_q(s_min) = max_{s in [s_min, 1]} |p^(q)(s) - 1| is evaluated on a
 * fine log grid (plus both endpoints) and compared with the reference
 * table of THEORY.md O2, which was computed independently of this code.
 * Schedule files are written to a fresh directory under LMC_BUILD_ROOT
 * (or /tmp) and every parse and I/O error path is provoked once.
 */
#include "schedule.h"
#include "status.h"
#include "tap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* THEORY.md gives the table to 4 decimals: half a unit of the last
 * place.  The grid maximum is below the true maximum by at most the
 * map's variation over one grid cell (ratio 10^(3/200000) = 1 + 3.5e-5;
 * the maps' slopes near their extrema are 0, elsewhere O(10) in s, so the
 * shortfall is < 1e-6), well inside 5e-5. */
#define TOL_TABLE 5e-5
#define N_GRID 200001

/* The reference coefficients, typed from THEORY.md O2 (not copied from
 * schedule.c). */
static const double pe_ref[5][3] = {
    {8.156554524902461, -22.48329292557795, 15.878769915207462},
    {4.042929935166739, -2.808917465908714, 0.5000178451051316},
    {3.8916678022926607, -2.772484153217685, 0.5060648178503393},
    {3.285753657755655, -2.3681294933425376, 0.46449024233003106},
    {2.3465413258596377, -1.7097828382687081, 0.42323551169305323}};

/* A copy of a built-in with divisor 1, eps 0 (the map takes normalized x
 * anyway; this makes the intent explicit). */
static lmc_schedule
plain(const char *name)
{
    lmc_schedule s;
    memset(&s, 0, sizeof s);
    if (lmc_schedule_get(name, &s) != LMC_SUCCESS)
        tap_diag("schedule '%s' not found", name);
    s.divisor = 1;
    s.eps = 0;
    return s;
}

/* max |p^(q)(s / divisor) - 1| over a log grid of [smin, 1]. */
static double
grid_delta(const lmc_schedule *s, size_t steps, double smin, double divisor)
{
    double worst = 0;
    const double lo = log(smin);
    for (long i = 0; i < N_GRID; i++)
    {
        /* Endpoints exactly, not through exp(log(.)). */
        const double x = i == 0 ? smin
                         : i == N_GRID - 1
                             ? 1.0
                             : exp(lo * (1 - (double)i / (N_GRID - 1)));
        const double e = fabs(lmc_schedule_map(s, steps, x / divisor) - 1);
        if (!(e <= worst))
            worst = e; /* NaN sticks and fails the comparison later */
    }
    return worst;
}

static char dir[4096];

static const char *
write_file(const char *name, const char *text)
{
    static char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
    {
        tap_diag("cannot write %s", path);
        return path;
    }
    fputs(text, f);
    fclose(f);
    return path;
}

int
main(void)
{
    tap_begin(0); /* deterministic: no random input here */

    /* Built-ins carry the THEORY.md coefficients. */
    lmc_schedule pe, jordan, cubic;
    memset(&pe, 0, sizeof pe);
    memset(&jordan, 0, sizeof jordan);
    memset(&cubic, 0, sizeof cubic);
    tap_ok(lmc_schedule_get("polar-express", &pe) == LMC_SUCCESS &&
               lmc_schedule_get("jordan", &jordan) == LMC_SUCCESS &&
               lmc_schedule_get("cubic", &cubic) == LMC_SUCCESS,
           "built-ins cubic, jordan, polar-express are found");
    int pe_ok = pe.len == 5 && !pe.cyclic && pe.steps == 5 &&
                pe.divisor == 1.01 && pe.eps == 1e-7;
    for (int j = 0; j < 5 && pe_ok; j++)
        pe_ok = memcmp(pe.coef[j], pe_ref[j], sizeof pe_ref[j]) == 0;
    tap_ok(pe_ok, "polar-express: THEORY's 5 triples, divisor 1.01, eps "
           "1e-7, not cyclic");
    tap_ok(jordan.len == 1 && jordan.cyclic && jordan.coef[0][0] == 3.4445 &&
               jordan.coef[0][1] == -4.7750 && jordan.coef[0][2] == 2.0315 &&
               jordan.divisor == 1 && jordan.eps == 1e-7 &&
               jordan.steps == 5,
           "jordan: (3.4445, -4.7750, 2.0315), cyclic, 5 steps, eps 1e-7");
    tap_ok(cubic.len == 1 && cubic.cyclic && cubic.coef[0][0] == 1.5 &&
               cubic.coef[0][1] == -0.5 && cubic.coef[0][2] == 0 &&
               cubic.divisor == 1 && cubic.eps == 0,
           "cubic: (1.5, -0.5, 0), cyclic, divisor 1, eps 0");
    int n_builtin = 0;
    for (size_t i = 0; lmc_schedules[i]; i++)
        n_builtin++;
    tap_int(n_builtin, 3, "the built-in list holds 3 schedules");

    /* THEORY.md O2 reference table. */
    const lmc_schedule ppe = plain("polar-express"), pj = plain("jordan"),
                       pc = plain("cubic");
    const struct
    {
        const lmc_schedule *s;
        const char *name;
        double smin, want;
    } table[] = {{&ppe, "polar-express", 0.1, 0.1411},
                 {&pj, "jordan", 0.1, 0.3182},
                 {&pc, "cubic", 0.1, 0.3413},
                 {&ppe, "polar-express", 1e-3, 0.1411},
                 {&pj, "jordan", 1e-3, 0.5295},
                 {&pc, "cubic", 1e-3, 0.9924}};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        tap_close(grid_delta(table[i].s, 5, table[i].smin, 1.0),
                  table[i].want, 0, TOL_TABLE,
                  "%s, 5 steps, s_min=%g: max|p(s)-1| = %.4f (THEORY O2)",
                  table[i].name, table[i].smin, table[i].want);
    tap_close(grid_delta(&ppe, 5, 1e-3, 1.01), 0.1473, 0, TOL_TABLE,
              "polar-express with its 1.01 divisor, s_min=1e-3: 0.1473");
    const double d17 = grid_delta(&pc, 17, 1e-3, 1.0);
    const double d18 = grid_delta(&pc, 18, 1e-3, 1.0);
    tap_le(d18, 0.1, "cubic, 18 steps, s_min=1e-3: delta %.4f <= 0.1", d18);
    tap_ok(d17 > 0.1, "cubic, 17 steps, s_min=1e-3: delta %.4f > 0.1 (18 is "
           "the least)", d17);
    /* Negative control: a coefficient off by 1e-3 moves the table value
     * by far more than the tolerance, so the table points can fail. */
    lmc_schedule bent = pj;
    bent.coef[0][0] += 1e-3;
    const double dbent = grid_delta(&bent, 5, 0.1, 1.0);
    tap_ok(fabs(dbent - 0.3182) > 10 * TOL_TABLE,
           "negative control: jordan with a+1e-3 misses 0.3182 (%.4f)", dbent);

    /* map_error near the fixed point: cubic has p(1+e) - 1 = -3/2 e^2 -
     * 1/2 e^3 exactly; with e = -2^-30 the naive p(x) - 1 would lose it. */
    const double e = -0x1p-30;
    const double want_e = -1.5 * e * e - 0.5 * e * e * e;
    tap_close(lmc_schedule_map_error(&pc, 1, 1 + e), want_e, 4e-16, 0,
              "map_error keeps p(1+e)-1 = -3/2 e^2 - 1/2 e^3 at e = -2^-30 "
              "(relative 4e-16: a few roundings of a Horner step)");
    /* Far from 1 both forms agree to rounding on the table grid. */
    double worst_diff = 0;
    for (int i = 0; i <= 1000; i++)
    {
        const double x = pow(1e-3, 1 - i / 1000.0);
        const lmc_schedule *ss[3] = {&ppe, &pj, &pc};
        for (int k = 0; k < 3; k++)
        {
            const double d = fabs(lmc_schedule_map_error(ss[k], 5, x) -
                                  (lmc_schedule_map(ss[k], 5, x) - 1));
            if (!(d <= worst_diff))
                worst_diff = d;
        }
    }
    /* Both are 5 steps of degree-5 Horner in double on values <= ~1.2
     * with coefficients up to 22.5: 1e-13 is ~500 eps. */
    tap_le(worst_diff, 1e-13, "map_error = map - 1 to rounding on [1e-3, 1] "
           "(max diff %.2g)", worst_diff);

    /* Steps beyond a non-cyclic schedule. */
    lmc_set_error_handler(lmc_error_handler_quiet);
    tap_int(lmc_schedule_check_steps(&pe, 5), LMC_SUCCESS,
            "polar-express runs 5 steps");
    tap_int(lmc_schedule_check_steps(&pe, 6), LMC_EINVAL,
            "polar-express refuses 6 steps: LMC_EINVAL");
    tap_int(lmc_schedule_check_steps(&cubic, 1000), LMC_SUCCESS,
            "a cyclic schedule runs any number of steps");
    tap_ok(lmc_schedule_coef(&pe, 5) == NULL &&
               lmc_schedule_coef(&cubic, 7) == cubic.coef[0],
           "coef(j) is NULL past a non-cyclic end, the last triple if cyclic");
    tap_ok(isnan(lmc_schedule_map(&pe, 6, 0.5)) &&
               isnan(lmc_schedule_map_error(&pe, 6, 0.5)),
           "the map past a non-cyclic end is NaN");

    /* lmc_schedule_predict: zeros skipped, divisor and eps applied, bad
     * inputs refused. */
    {
        const double sv[3] = {2.0, 0.2, 0.0};
        double d = -1;
        /* With frob = 2 and cubic (divisor 1, eps 0) the normalized values
         * are 1 and 0.1; the zero is skipped.  From the table, 5 steps at
         * s = 0.1 give 0.3413 and s = 1 gives 0. */
        tap_ok(lmc_schedule_predict(&pc, 5, sv, 3, 2.0, &d) == LMC_SUCCESS,
               "predict succeeds on (2, 0.2, 0)");
        tap_close(d, 0.3413, 0, TOL_TABLE, "predict = table value at s=0.1 "
                  "(the zero singular value is skipped)");
        const double bad[2] = {1.0, -0.5};
        tap_int(lmc_schedule_predict(&pc, 5, bad, 2, 1.0, &d), LMC_EINVAL,
                "predict refuses a negative singular value");
        tap_int(lmc_schedule_predict(&pc, 5, sv, 3, NAN, &d), LMC_EINVAL,
                "predict refuses a NaN Frobenius norm");
        tap_int(lmc_schedule_predict(&pe, 6, sv, 3, 2.0, &d), LMC_EINVAL,
                "predict refuses steps beyond a non-cyclic schedule");
    }

    /* Lookup errors. */
    lmc_schedule out;
    tap_int(lmc_schedule_get("newton-schulz-9", &out), LMC_ENOTFOUND,
            "unknown built-in name -> LMC_ENOTFOUND");

    /* Schedule files. */
    const char *root = getenv("LMC_BUILD_ROOT");
    snprintf(dir, sizeof dir, "%s/t-schedule-XXXXXX",
             root && *root ? root : "/tmp");
    if (!mkdtemp(dir))
    {
        snprintf(dir, sizeof dir, "/tmp/t-schedule-XXXXXX");
        if (!mkdtemp(dir))
        {
            tap_ok(0, "cannot create a scratch directory");
            return tap_end();
        }
    }
    tap_diag("scratch directory %s", dir);

    const char *valid = write_file(
        "valid.txt", "# a two-step schedule\n"
                     "\n"
                     "1.5 -0.5 0   # cubic step\n"
                     "divisor 1.01\n"
                     "   eps 1e-7\n"
                     "3.4445, -4.7750, 2.0315\n");
    char spec[4400];
    snprintf(spec, sizeof spec, "file:%s", valid);
    memset(&out, 0xff, sizeof out);
    const int st_valid = lmc_schedule_get(spec, &out);
    tap_int(st_valid, LMC_SUCCESS, "valid file with comments, blank line, "
            "divisor, eps and commas is read (%s)",
            st_valid ? lmc_last_error() : "ok");
    tap_ok(st_valid == LMC_SUCCESS && out.len == 2 && out.steps == 2 &&
               !out.cyclic && out.coef[0][0] == 1.5 &&
               out.coef[0][1] == -0.5 && out.coef[0][2] == 0 &&
               out.coef[1][0] == 3.4445 && out.coef[1][1] == -4.7750 &&
               out.coef[1][2] == 2.0315,
           "file triples, count and default steps read back exactly");
    tap_ok(st_valid == LMC_SUCCESS && out.divisor == 1.01 && out.eps == 1e-7,
           "file divisor 1.01 and eps 1e-7 read back");
    tap_ok(st_valid == LMC_SUCCESS && strcmp(out.name, "file:valid.txt") == 0,
           "file schedule is named after its file ('%s')", out.name);

    static const struct
    {
        const char *file, *text;
        int line;
        const char *what;
    } malformed[] = {
        {"two.txt", "1 2 3\n\n4 5\n", 3, "a line with two numbers"},
        {"word.txt", "# ok\n1 2 x3\n", 2, "a non-number token"},
        {"four.txt", "1 2 3 4\n", 1, "a line with four numbers"},
        {"inf.txt", "1 2 3\n1 inf 3\n", 2, "an infinite coefficient"},
        {"div0.txt", "1 2 3\ndivisor 0\n", 2, "divisor 0"},
        {"eps.txt", "eps -1\n1 2 3\n", 1, "a negative eps"},
    };
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++)
    {
        const char *path = write_file(malformed[i].file, malformed[i].text);
        char want[4300];
        snprintf(want, sizeof want, "%s:%d:", path, malformed[i].line);
        const int st = lmc_schedule_read(path, &out);
        tap_int(st, LMC_EPARSE, "%s -> LMC_EPARSE", malformed[i].what);
        tap_ok(strstr(lmc_last_error(), want) != NULL,
               "%s: message names %s:%d ('%s')", malformed[i].what,
               malformed[i].file, malformed[i].line, lmc_last_error());
    }

    /* 65 triples: one more than LMC_SCHEDULE_MAX_LEN. */
    {
        char text[65 * 8 + 1] = "";
        for (int i = 0; i < 65; i++)
            strcat(text, "1 0 0\n");
        const char *path = write_file("long.txt", text);
        char want[4300];
        snprintf(want, sizeof want, "%s:65:", path);
        tap_ok(lmc_schedule_read(path, &out) == LMC_EPARSE &&
                   strstr(lmc_last_error(), want) != NULL,
               "65 triples -> LMC_EPARSE naming line 65 ('%s')",
               lmc_last_error());
    }
    /* A line longer than the reader's buffer. */
    {
        static char text[3000];
        memset(text, ' ', sizeof text - 8);
        strcpy(text + sizeof text - 8, "1 2 3\n");
        const char *path = write_file("wide.txt", text);
        tap_int(lmc_schedule_read(path, &out), LMC_EPARSE,
                "an over-long line -> LMC_EPARSE ('%s')", lmc_last_error());
    }

    const char *empty = write_file("empty.txt", "");
    tap_int(lmc_schedule_read(empty, &out), LMC_EPARSE,
            "empty file -> LMC_EPARSE");
    const char *comments = write_file("comments.txt", "# nothing\n\n  \n");
    tap_int(lmc_schedule_read(comments, &out), LMC_EPARSE,
            "comments only -> LMC_EPARSE ('%s')", lmc_last_error());

    char missing[4300];
    snprintf(missing, sizeof missing, "%s/does-not-exist.txt", dir);
    tap_int(lmc_schedule_read(missing, &out), LMC_EIO,
            "missing file -> LMC_EIO ('%s')", lmc_last_error());
    snprintf(spec, sizeof spec, "file:%s", missing);
    tap_int(lmc_schedule_get(spec, &out), LMC_EIO,
            "lmc_schedule_get(\"file:missing\") -> LMC_EIO");
    /* A directory opens but cannot be read: the read-error path. */
    tap_int(lmc_schedule_read(dir, &out), LMC_EIO,
            "a directory -> LMC_EIO ('%s')", lmc_last_error());

    /* Clean up the scratch directory (only the files made above). */
    static const char *made[] = {"valid.txt", "two.txt",   "word.txt",
                                 "four.txt",  "inf.txt",   "div0.txt",
                                 "eps.txt",   "long.txt",  "wide.txt",
                                 "empty.txt", "comments.txt"};
    for (size_t i = 0; i < sizeof made / sizeof made[0]; i++)
    {
        char path[4300];
        snprintf(path, sizeof path, "%s/%s", dir, made[i]);
        unlink(path);
    }
    rmdir(dir);

    return tap_end();
}
