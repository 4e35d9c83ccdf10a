/* sweep/merge.c -- merging stores: cells copied into one store, a key
 * stored twice with other outcomes refused.
 */
#include "impl.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

static const char conflict_sql[] =
    "SELECT s.key FROM src.cells s JOIN main.cells m ON m.key = s.key "
    "WHERE s.status IS NOT m.status OR s.error IS NOT m.error "
    " OR (SELECT count(*) FROM src.outcomes WHERE key = s.key) != "
    "    (SELECT count(*) FROM main.outcomes WHERE key = s.key) "
    " OR EXISTS (SELECT 1 FROM src.outcomes so LEFT JOIN main.outcomes mo "
    "    ON mo.key = so.key AND mo.name = so.name WHERE so.key = s.key AND "
    "    (mo.name IS NULL OR so.value IS NOT mo.value OR "
    "     so.text IS NOT mo.text)) LIMIT 1";

static int
merge_one(sqlite3 *db, const char *out, const char *in)
{
    sqlite3_stmt *q = NULL;
    int status = LMC_EIO;
    if (sqlite3_prepare_v2(db, "ATTACH DATABASE ?1 AS src", -1, &q, NULL))
        return lmc_sweep_db_err(db, out, "cannot attach");
    sqlite3_bind_text(q, 1, in, -1, SQLITE_STATIC);
    const int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    q = NULL;
    if (rc != SQLITE_DONE)
        return lmc_sweep_db_err(db, in, "cannot attach");
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL))
    {
        lmc_sweep_db_err(db, out, "cannot begin");
        goto detach;
    }
    if (sqlite3_prepare_v2(db, conflict_sql, -1, &q, NULL))
    {
        lmc_sweep_db_err(db, in, "not a sweep store (accepted: a store "
                         "written by lmocheck sweep)");
        goto rollback;
    }
    const int step = sqlite3_step(q);
    if (step == SQLITE_ROW)
    {
        lmc_error(__FILE__, __LINE__, LMC_EINVAL, "%s: cell %s differs from "
                  "the one already in %s (same configuration and code "
                  "version, other outcomes)", in,
                  (const char *)sqlite3_column_text(q, 0), out);
        status = LMC_EINVAL;
        goto rollback;
    }
    if (step != SQLITE_DONE)
    {
        lmc_sweep_db_err(db, in, "cannot compare");
        goto rollback;
    }
    if (sqlite3_exec(db,
                     "INSERT OR IGNORE INTO main.cells SELECT * FROM "
                     "src.cells; INSERT OR IGNORE INTO main.params SELECT "
                     "* FROM src.params; INSERT OR IGNORE INTO "
                     "main.outcomes SELECT * FROM src.outcomes;",
                     NULL, NULL, NULL) ||
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL))
    {
        lmc_sweep_db_err(db, out, "cannot copy into it");
        goto rollback;
    }
    status = LMC_SUCCESS;
    goto detach;
rollback:
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
detach:
    sqlite3_finalize(q);
    sqlite3_exec(db, "DETACH DATABASE src", NULL, NULL, NULL);
    return status;
}

int
lmc_sweep_merge(const char *out, const char *const *in, size_t n)
{
    /* Before anything is opened: an input that cannot be read, and an
     * input that is the output itself (merging a store into itself would
     * wait on its own lock), are refused at once. */
    struct stat so, si;
    const int have_out = stat(out, &so) == 0;
    for (size_t i = 0; i < n; i++)
    {
        if (stat(in[i], &si) != 0 || access(in[i], R_OK) != 0)
            LMC_ERROR(LMC_EIO, "%s: cannot be read (%s)", in[i],
                      strerror(errno));
        if (have_out && si.st_dev == so.st_dev && si.st_ino == so.st_ino)
            LMC_ERROR(LMC_EINVAL, "%s: is the output store %s itself "
                      "(accepted: input stores other than OUT)", in[i],
                      out);
    }
    sqlite3 *db;
    LMC_TRY(lmc_sweep_store_open(out, 0, MERGE_BUSY_MS, &db));
    int status = LMC_SUCCESS;
    for (size_t i = 0; i < n && status == LMC_SUCCESS; i++)
        status = merge_one(db, out, in[i]);
    sqlite3_close(db);
    return status;
}

