/* bench-sweep.c -- sweep throughput with 1 and 2 workers in one run, and
 * the store's overhead per cell.
 *
 * The same spec (Muon with the Jordan orthogonalizer on lsq, 200 steps:
 * cells of roughly 10-50 ms) runs into two fresh stores, with 1 and with
 * 2 workers.  Printed: cells/s for each, their ratio (target >= 1.8 on
 * two idle cores; reported, not failed), the mean time of a cell, and the
 * time the writer spent storing one cell (one transaction: cells, params,
 * outcomes rows) in microseconds.  The two stores must hold the same
 * outcomes (results do not depend on the number of workers); a mismatch
 * is the only failure (exit 1).
 *
 *   bench-sweep [--iters K] [--seeds S]
 */
#include "status.h"
#include "sweep.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TARGET 1.8

static int
run_one(const lmc_sweep_spec *s, const char *db, size_t workers,
        lmc_sweep_stats *st)
{
    lmc_sweep_options o = lmc_sweep_options_default();
    o.workers = workers;
    o.progress = 0;
    if (lmc_sweep_run(s, db, &o, st))
    {
        fprintf(stderr, "bench-sweep: %s\n", lmc_last_error());
        return -1;
    }
    const double rate = (double)st->ran / st->seconds;
    printf("workers %zu: %zu cells in %.3f s, %.2f cells/s; mean cell "
           "%.2f ms; store %.0f us per cell (%.2f%% of a cell)\n",
           workers, st->ran, st->seconds, rate,
           1e3 * st->cell_seconds / (double)st->ran,
           1e6 * st->write_seconds / (double)st->ran,
           100 * st->write_seconds / st->cell_seconds);
    return 0;
}

/* Rows of outcomes in one store and not the other (both ways). */
static long
differ(const char *a, const char *b)
{
    sqlite3 *h;
    long n = -1;
    char sql[4096];
    if (sqlite3_open(a, &h) != SQLITE_OK)
        return -1;
    snprintf(sql, sizeof sql, "ATTACH DATABASE '%s' AS b", b);
    sqlite3_stmt *q;
    if (sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(
            h,
            "SELECT (SELECT count(*) FROM (SELECT * FROM main.outcomes "
            "EXCEPT SELECT * FROM b.outcomes)) + (SELECT count(*) FROM "
            "(SELECT * FROM b.outcomes EXCEPT SELECT * FROM main.outcomes))",
            -1, &q, NULL) == SQLITE_OK)
    {
        if (sqlite3_step(q) == SQLITE_ROW)
            n = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    sqlite3_close(h);
    return n;
}

int
main(int argc, char **argv)
{
    long iters = 200, seeds = 12;
    for (int i = 1; i + 1 < argc; i += 2)
    {
        if (strcmp(argv[i], "--iters") == 0)
            iters = strtol(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--seeds") == 0)
            seeds = strtol(argv[i + 1], NULL, 10);
    }
    if (iters < 1 || seeds < 1 || seeds > 1000)
    {
        fprintf(stderr, "bench-sweep: --iters K >= 1, --seeds 1..1000\n");
        return 2;
    }
    lmc_set_error_handler(lmc_error_handler_quiet);
    char dir[] = "/tmp/lmc-bench-sweep-XXXXXX";
    if (!mkdtemp(dir))
    {
        perror("bench-sweep: mkdtemp");
        return 1;
    }
    char spec[256], db1[256], db2[256];
    snprintf(spec, sizeof spec, "%s/bench.cfg", dir);
    snprintf(db1, sizeof db1, "%s/w1.sqlite", dir);
    snprintf(db2, sizeof db2, "%s/w2.sqlite", dir);
    FILE *f = fopen(spec, "w");
    if (!f)
    {
        perror("bench-sweep: spec");
        return 1;
    }
    fprintf(f, "name = \"bench\";\nkind = \"run\";\n"
               "base = { problem = \"lsq\"; method = \"muon\"; oracle = "
               "\"poly\"; schedule = \"jordan\"; momentum = 0.9; iters = "
               "%ld; };\naxes = (\n  { key = \"lr\"; log = [1e-3, 1e-1]; "
               "points = 10; },\n  { key = \"seed\"; linear = [1, %ld]; "
               "points = %ld; }\n);\n",
            iters, seeds < 2 ? 2 : seeds, seeds < 2 ? 2 : seeds);
    fclose(f);
    lmc_sweep_spec *s = lmc_sweep_spec_read(spec);
    if (!s)
    {
        fprintf(stderr, "bench-sweep: %s\n", lmc_last_error());
        return 1;
    }
    printf("sweep of %zu cells: lsq, muon + jordan, %ld steps\n",
           lmc_sweep_spec_cells(s), iters);
    lmc_sweep_stats a, b;
    int rc = 0;
    if (run_one(s, db1, 1, &a) || run_one(s, db2, 2, &b))
        rc = 1;
    else
    {
        const double ratio = ((double)b.ran / b.seconds) /
                             ((double)a.ran / a.seconds);
        printf("ratio 2 workers / 1 worker: %.2f (target >= %.1f: %s)\n",
               ratio, TARGET, ratio >= TARGET ? "met" : "missed");
        const long d = differ(db1, db2);
        printf("outcomes of the two stores: %s\n",
               d == 0 ? "identical" : "DIFFERENT");
        rc = d != 0;
    }
    lmc_sweep_spec_free(s);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench-sweep: could not remove %s\n", dir);
    return rc;
}
