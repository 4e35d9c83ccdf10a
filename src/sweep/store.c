/* sweep/store.c -- the SQLite store (schema in sweep.h): opening it,
 * read-only or not, refusing a database that is not a store, writing
 * one cell per transaction, and the leases that let several sweep
 * processes share one store.
 */
#include "impl.h"

#include "fpio.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE IF NOT EXISTS cells(key TEXT PRIMARY KEY, sweep TEXT, "
    "  kind TEXT, config TEXT, version TEXT, status TEXT, error TEXT, "
    "  seconds REAL, UNIQUE(config, version));"
    "CREATE TABLE IF NOT EXISTS params(key TEXT, name TEXT, value TEXT, "
    "  num REAL, PRIMARY KEY(key, name));"
    "CREATE TABLE IF NOT EXISTS outcomes(key TEXT, name TEXT, value REAL, "
    "  text TEXT, PRIMARY KEY(key, name));"
    "CREATE TABLE IF NOT EXISTS lease(key TEXT PRIMARY KEY, owner TEXT, "
    "  expires REAL);"
    "INSERT OR IGNORE INTO meta VALUES('schema', '1');";

/* The error of a store operation, saying what is really wrong when
 * SQLite knows it: a read-only file, a lock held by another process, a
 * file that is not a database. */
int
lmc_sweep_db_err(sqlite3 *db, const char *path, const char *what)
{
    const int rc = db ? sqlite3_errcode(db) : SQLITE_CANTOPEN;
    if (rc == SQLITE_READONLY)
        LMC_ERROR(LMC_EIO, "%s: cannot write (the file, its directory or "
                  "the file system is read-only; accepted: a writable "
                  "store)", path);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        LMC_ERROR(LMC_EIO, "%s: locked by another process (%s: a sweep "
                  "or merge writing to it; run again when it has finished)",
                  path, what);
    if (rc == SQLITE_NOTADB)
        LMC_ERROR(LMC_EIO, "%s: not a sweep store (not an SQLite database; "
                  "accepted: a store written by lmocheck sweep)", path);
    LMC_ERROR(LMC_EIO, "%s: %s: %s", path, what,
              db ? sqlite3_errmsg(db) : "cannot open");
}

/* Opens the store at path.  readonly: SQLITE_OPEN_READONLY, the file
 * must exist and is never written (--dry-run, reports).  Otherwise it is
 * created if absent and switched to WAL.  A database that holds tables
 * but not a store's (another program's file) is refused before anything
 * is written to it. */
int
lmc_sweep_store_open(const char *path, int readonly, int busy_ms,
                     sqlite3 **out)
{
    sqlite3 *db = NULL;
    *out = NULL;
    const int fl = readonly ? SQLITE_OPEN_READONLY
                            : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &db, fl, NULL) != SQLITE_OK)
    {
        const int st = lmc_sweep_db_err(db, path, "cannot open the store");
        sqlite3_close(db);
        return st;
    }
    sqlite3_busy_timeout(db, busy_ms);
    /* Look and initialize in one write transaction, so that two sweeps
     * creating one store at once see either nothing or all of it. */
    if (!readonly && sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL))
    {
        const int st = lmc_sweep_db_err(db, path, "cannot open the store");
        sqlite3_close(db);
        return st;
    }
    sqlite3_stmt *q = NULL;
    int tables = -1, marked = 0;
    if (sqlite3_prepare_v2(db, "SELECT count(*), (SELECT count(*) FROM "
                           "sqlite_master WHERE type = 'table' AND name = "
                           "'meta') FROM sqlite_master", -1, &q, NULL) ==
            SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
    {
        tables = sqlite3_column_int(q, 0);
        marked = sqlite3_column_int(q, 1);
    }
    sqlite3_finalize(q);
    if (marked)
    {
        q = NULL;
        marked = sqlite3_prepare_v2(db, "SELECT 1 FROM meta WHERE key = "
                                    "'schema'", -1, &q, NULL) == SQLITE_OK &&
                 sqlite3_step(q) == SQLITE_ROW;
        sqlite3_finalize(q);
    }
    int st = LMC_SUCCESS;
    if (tables < 0)
        st = lmc_sweep_db_err(db, path, "cannot read the store");
    else if (!marked && (tables > 0 || readonly))
        lmc_error(__FILE__, __LINE__, st = LMC_EIO, "%s: not a sweep store "
                  "(%s; accepted: a store written by lmocheck sweep%s)",
                  path,
                  tables > 0 ? "an SQLite database of another program, "
                               "left untouched"
                             : "an empty database",
                  readonly ? "" : ", or a new file");
    else if (!readonly &&
             (sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK ||
              sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK))
        st = lmc_sweep_db_err(db, path, "cannot initialize the store");
    /* WAL: readers (report) never block the writer; synchronous NORMAL
     * keeps every committed cell across a killed process. */
    else if (!readonly &&
             sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA "
                          "synchronous=NORMAL;", NULL, NULL, NULL) !=
                 SQLITE_OK)
        st = lmc_sweep_db_err(db, path, "cannot switch the store to WAL");
    if (st)
    {
        if (!sqlite3_get_autocommit(db))
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close(db);
        return st;
    }
    *out = db;
    return LMC_SUCCESS;
}

void
lmc_sweep_store_close(store *st)
{
    sqlite3_finalize(st->has);
    sqlite3_finalize(st->cell);
    sqlite3_finalize(st->param);
    sqlite3_finalize(st->outcome);
    sqlite3_finalize(st->lget);
    sqlite3_finalize(st->lput);
    sqlite3_finalize(st->ldel);
    sqlite3_close(st->db);
    memset(st, 0, sizeof *st);
}

/* Prepares the statements on st->db (opened by the caller). */
int
lmc_sweep_store_prepare(store *st)
{
    if (gethostname(st->host, sizeof st->host) != 0 || !st->host[0])
        snprintf(st->host, sizeof st->host, "localhost");
    st->host[sizeof st->host - 1] = '\0';
    st->host[strcspn(st->host, " \t\n")] = '\0';
    /* The token tells apart two runs of one process (report --all). */
    static atomic_uint runs;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(st->owner, sizeof st->owner, "%s %ld %llx-%u", st->host,
             (long)getpid(),
             (unsigned long long)ts.tv_sec * 1000000000ull +
                 (unsigned long long)ts.tv_nsec,
             atomic_fetch_add(&runs, 1u));
    if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM main.cells WHERE key = "
                           "?1", -1, &st->has, NULL))
        return lmc_sweep_db_err(st->db, st->path, "not a sweep store");
    if (st->readonly)
        return LMC_SUCCESS;
    if (sqlite3_prepare_v2(st->db, "INSERT OR IGNORE INTO main.cells "
                           "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", -1,
                           &st->cell, NULL) ||
        sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO main.params "
                           "VALUES(?1, ?2, ?3, ?4)", -1, &st->param, NULL) ||
        sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO main.outcomes "
                           "VALUES(?1, ?2, ?3, ?4)", -1, &st->outcome,
                           NULL) ||
        sqlite3_prepare_v2(st->db, "SELECT owner, expires FROM main.lease "
                           "WHERE key = ?1", -1, &st->lget, NULL) ||
        sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO main.lease "
                           "VALUES(?1, ?2, ?3)", -1, &st->lput, NULL) ||
        sqlite3_prepare_v2(st->db, "DELETE FROM main.lease WHERE key = ?1 "
                           "AND owner = ?2", -1, &st->ldel, NULL))
        return lmc_sweep_db_err(st->db, st->path, "cannot prepare");
    return LMC_SUCCESS;
}

int
lmc_sweep_store_init(store *st, const char *path, int readonly)
{
    memset(st, 0, sizeof *st);
    st->path = path;
    st->readonly = readonly;
    LMC_TRY(lmc_sweep_store_open(path, readonly, BUSY_MS, &st->db));
    const int e = lmc_sweep_store_prepare(st);
    if (e)
        lmc_sweep_store_close(st);
    return e;
}

int
lmc_sweep_store_has(store *st, const char *key)
{
    if (!st->db) /* --dry-run without a store: nothing stored */
        return 0;
    sqlite3_bind_text(st->has, 1, key, -1, SQLITE_STATIC);
    const int found = sqlite3_step(st->has) == SQLITE_ROW;
    /* Reset now: a statement left on its row keeps a read transaction
     * open, and a later write on this connection would then fail with
     * SQLITE_BUSY without waiting once another process has written. */
    sqlite3_reset(st->has);
    return found;
}

static void
bind_real(sqlite3_stmt *q, int i, double v)
{
    /* SQLite stores NaN as NULL anyway; say so explicitly. */
    if (isnan(v))
        sqlite3_bind_null(q, i);
    else
        sqlite3_bind_double(q, i, v);
}

int
lmc_sweep_step_done(sqlite3_stmt *q)
{
    const int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* 1 if the lease (owner, expires) of another process still holds at
 * wall-clock time t. */
static int
lease_live(const store *st, const char *owner, double expires, double t)
{
    if (!(expires > t))
        return 0;
    char host[128];
    long pid;
    if (sscanf(owner, "%127s %ld", host, &pid) == 2 &&
        strcmp(host, st->host) == 0 && pid > 0 &&
        kill((pid_t)pid, 0) != 0 && errno == ESRCH)
        return 0; /* its process is gone */
    return 1;
}

/* Inside a transaction: claims the cell key for this process. */
int
lmc_sweep_lease_claim(store *st, const char *key, double t, int *what)
{
    if (lmc_sweep_store_has(st, key))
    {
        *what = CLAIM_STORED;
        return LMC_SUCCESS;
    }
    sqlite3_reset(st->lget);
    sqlite3_bind_text(st->lget, 1, key, -1, SQLITE_STATIC);
    const int rc = sqlite3_step(st->lget);
    if (rc == SQLITE_ROW)
    {
        const char *ow = (const char *)sqlite3_column_text(st->lget, 0);
        const double ex = sqlite3_column_double(st->lget, 1);
        if (ow && strcmp(ow, st->owner) && lease_live(st, ow, ex, t))
        {
            sqlite3_reset(st->lget);
            *what = CLAIM_LEASED;
            return LMC_SUCCESS;
        }
    }
    sqlite3_reset(st->lget);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return lmc_sweep_db_err(st->db, st->path, "cannot read a lease");
    sqlite3_bind_text(st->lput, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st->lput, 2, st->owner, -1, SQLITE_STATIC);
    sqlite3_bind_double(st->lput, 3, t + LEASE_TTL);
    if (lmc_sweep_step_done(st->lput))
        return lmc_sweep_db_err(st->db, st->path, "cannot write a lease");
    *what = CLAIM_MINE;
    return LMC_SUCCESS;
}

/* Extends (renew) or drops (release) every lease of this process. */
int
lmc_sweep_lease_all(store *st, int release)
{
    sqlite3_stmt *q = NULL;
    int bad = sqlite3_prepare_v2(st->db, release
                                 ? "DELETE FROM main.lease WHERE owner = ?1"
                                 : "UPDATE main.lease SET expires = ?2 "
                                   "WHERE owner = ?1", -1, &q, NULL);
    if (!bad)
    {
        sqlite3_bind_text(q, 1, st->owner, -1, SQLITE_STATIC);
        if (!release)
            sqlite3_bind_double(q, 2, wall() + LEASE_TTL);
        bad = sqlite3_step(q) != SQLITE_DONE;
    }
    sqlite3_finalize(q);
    return bad ? lmc_sweep_db_err(st->db, st->path, "cannot update leases")
               : 0;
}

/* One cell, one transaction (with the removal of its lease). */
int
lmc_sweep_store_put(store *st, const lmc_sweep_spec *s, const sw_cell *c,
                    const sw_result *r)
{
    if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL))
        return lmc_sweep_db_err(st->db, st->path, "cannot begin");
    sqlite3_stmt *q = st->cell;
    sqlite3_bind_text(q, 1, c->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, s->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, lmc_sweep_kind_names[s->kind], -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, c->config, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, lmc_sweep_code_version(), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, r->ok ? "ok" : "error", -1, SQLITE_STATIC);
    if (r->ok)
        sqlite3_bind_null(q, 7);
    else
        sqlite3_bind_text(q, 7, r->error, -1, SQLITE_STATIC);
    sqlite3_bind_double(q, 8, r->seconds);
    int bad = lmc_sweep_step_done(q);
    /* changes = 0: another writer stored it meanwhile (its lease had
     * expired): keep theirs. */
    const int fresh = !bad && sqlite3_changes(st->db) > 0;
    pairs p;
    lmc_sweep_cell_pairs(s, c, &p);
    for (size_t i = 0; fresh && !bad && i < p.n; i++)
    {
        q = st->param;
        sqlite3_bind_text(q, 1, c->key, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, p.k[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, p.v[i], -1, SQLITE_STATIC);
        char *end;
        const double x = lmc_strtod(p.v[i], &end);
        if (*p.v[i] && !*end && isfinite(x))
            sqlite3_bind_double(q, 4, x);
        else
            sqlite3_bind_null(q, 4);
        bad = lmc_sweep_step_done(q);
    }
    for (size_t i = 0; fresh && !bad && i < r->nout; i++)
    {
        q = st->outcome;
        sqlite3_bind_text(q, 1, c->key, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, r->oname[i], -1, SQLITE_STATIC);
        if (r->has_text[i])
        {
            sqlite3_bind_null(q, 3);
            sqlite3_bind_text(q, 4, r->otext[i], -1, SQLITE_STATIC);
        }
        else
        {
            bind_real(q, 3, r->oval[i]);
            sqlite3_bind_null(q, 4);
        }
        bad = lmc_sweep_step_done(q);
    }
    if (!bad)
    {
        sqlite3_bind_text(st->ldel, 1, c->key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st->ldel, 2, st->owner, -1, SQLITE_STATIC);
        bad = lmc_sweep_step_done(st->ldel);
    }
    if (bad || sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL))
    {
        const int e =
            lmc_sweep_db_err(st->db, st->path, "cannot store a cell");
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return e;
    }
    return LMC_SUCCESS;
}

