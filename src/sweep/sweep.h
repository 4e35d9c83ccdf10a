/* sweep/sweep.h -- declarative sweeps: a spec file names a base
 * configuration and axes; every point of the axes' product is a cell; each
 * cell runs once and its outcomes are stored in SQLite, keyed by a hash of
 * the cell's full configuration and the code version.
 *
 * Spec files use libconfig's syntax (see README, "Sweeps"); an integer
 * literal outside 32 bits without L (or 64 bits with it) is refused, since
 * libconfig 1.5 would silently truncate it.  Cell kinds:
 *   run     one `lmocheck run` configuration (keys are run's option names);
 *   oracle  one `lmocheck oracle` configuration (measured vs predicted
 *           delta on a test matrix);
 *   check   one theorem configuration of `lmocheck check`.
 *
 * Store schema (one SQLite file, WAL):
 *   meta(key TEXT PRIMARY KEY, value TEXT)       schema version, ...
 *   cells(key TEXT PRIMARY KEY,                  16 hex digits, FNV-1a 64
 *         sweep TEXT, kind TEXT, config TEXT,    canonical "k=v k=v ..."
 *         version TEXT, status TEXT,             code version; "ok" or
 *         error TEXT, seconds REAL,              "error"
 *         UNIQUE(config, version))
 *   lease(key TEXT PRIMARY KEY, owner TEXT,      a cell being computed by
 *         expires REAL)                          owner "HOST PID TOKEN"
 *                                                until expires (wall-clock
 *                                                seconds); removed when
 *                                                the cell is stored
 *   params(key TEXT, name TEXT, value TEXT, num REAL,
 *          PRIMARY KEY(key, name))               every config key of a cell
 *                                                (num NULL if not numeric)
 *   outcomes(key TEXT, name TEXT, value REAL, text TEXT,
 *            PRIMARY KEY(key, name))             the cell's results
 * A cell's rows in the three tables are written in one transaction, so a
 * killed sweep keeps every finished cell and no partial one.  Several
 * sweep processes may share a store: each leases a cell before computing
 * it and skips cells leased by a live other process, so no cell runs
 * twice; the lease of a killed process (same host: its pid is gone;
 * any host: expired, 120 s after its last renewal) frees the cell.
 */
#ifndef LMC_SWEEP_H
#define LMC_SWEEP_H

#include <stddef.h>

struct sqlite3;

typedef struct lmc_sweep_spec lmc_sweep_spec; /* opaque */

/* Reads and validates a spec file.  On error returns NULL with
 * lmc_last_error() = "FILE:LINE: KEY: what is wrong (accepted: ...)". */
lmc_sweep_spec *lmc_sweep_spec_read(const char *path);
void lmc_sweep_spec_free(lmc_sweep_spec *s);
const char *lmc_sweep_spec_name(const lmc_sweep_spec *s);
const char *lmc_sweep_spec_kind(const lmc_sweep_spec *s);
/* The spec's optional "report" group, for report definitions: string and
 * number look-ups by path ("report.x", "report.figures.[0].y" ...), as
 * libconfig's config_lookup_*.  Return 0 when found. */
int lmc_sweep_spec_string(const lmc_sweep_spec *s, const char *path,
                          const char **out);
int lmc_sweep_spec_number(const lmc_sweep_spec *s, const char *path,
                          double *out);
/* The underlying libconfig handle (const config_t *), for richer
 * look-ups by the report code. */
const void *lmc_sweep_spec_config(const lmc_sweep_spec *s);

typedef struct lmc_sweep_options
{
    size_t workers;      /* threads; 0 = all cores */
    size_t shard, nshards; /* run cells with index % nshards == shard
                              (0-based); nshards = 1: all */
    int progress;        /* 1: progress line on stderr (cells done, rate,
                            ETA); the CLI sets it when stderr is a tty */
    int dry_run;         /* 1: count cells, run nothing; the store is
                            opened read-only (absent: nothing stored) and
                            never written */
} lmc_sweep_options;

lmc_sweep_options lmc_sweep_options_default(void);

typedef struct lmc_sweep_stats
{
    size_t cells;     /* cells in the spec (this shard) */
    size_t done;      /* already in the store before this run */
    size_t ran;       /* run now (ok or error) */
    size_t errors;    /* of those, status "error" */
    double seconds;   /* wall time */
    /* Added with the engine (after the fields above, which stay): */
    double write_seconds; /* time spent storing the cells run */
    double cell_seconds;  /* sum of the cells' own times */
    int interrupted;      /* lmc_sweep_request_stop() was called */
    size_t others;        /* stored meanwhile by another sweep process
                             on the same store (not run here) */
} lmc_sweep_stats;

/* Runs every cell of the spec (this shard) that the store at db_path
 * (created if absent) does not hold yet, then the spec's refinement
 * phase if it has one and the grid is complete.  Cells leased by another
 * sweep process are not run here but waited for, so on a normal return
 * every cell is stored.  A database of another program is refused
 * untouched.  Errors: LMC_EINVAL (also a bad LMC_CODE_VERSION), LMC_EIO
 * (store: the message says when it is read-only, locked or not a
 * store), LMC_ENOMEM. */
int lmc_sweep_run(const lmc_sweep_spec *s, const char *db_path,
                  const lmc_sweep_options *o, lmc_sweep_stats *st);

/* Copies every cell of the stores in[0..n-1] into out (created if
 * absent).  A key present twice with different outcomes is an error
 * (LMC_EINVAL naming the key); identical duplicates are skipped.  An
 * input that is out itself is refused at once (LMC_EINVAL); a read-only
 * or locked out, or an input that is not a store, is LMC_EIO saying so
 * (a lock is waited for 2 s). */
int lmc_sweep_merge(const char *out, const char *const *in, size_t n);

/* Number of grid cells of the spec (refinement cells not counted). */
size_t lmc_sweep_spec_cells(const lmc_sweep_spec *s);

/* Calls fn(arg, key, canonical config) for every grid cell of shard
 * shard of nshards (0-based), in grid order.  Errors: LMC_EINVAL (bad
 * shard), LMC_ENOMEM. */
int lmc_sweep_list(const lmc_sweep_spec *s, size_t shard, size_t nshards,
                   void (*fn)(void *arg, const char *key,
                              const char *config),
                   void *arg);

/* Asks a running lmc_sweep_run to stop: no new cell starts, cells in
 * flight finish and are stored, the store is closed; the run returns
 * LMC_SUCCESS with stats.interrupted = 1.  Async-signal-safe (a lock-free
 * atomic store), so a SIGINT handler may call it.  Sticky for the
 * process. */
void lmc_sweep_request_stop(void);
int lmc_sweep_stop_requested(void);

/* Restricts the SQLite connection db (a store, opened read-only or not)
 * to the cells of spec s: makes a TEMP table spec_keys holding the keys
 * of every grid cell and, when the grid is complete in the store, of
 * every refinement cell (placed as lmc_sweep_run places them), and a
 * TEMP VIEW cells of main.cells restricted to those keys.  SQLite looks
 * up temp before main, so afterwards "cells" in SQL on db means the
 * spec's cells only: cells of other specs, of cut axes or of other code
 * versions in the same store are not seen.  Call it in the rounding mode
 * the sweep ran in (refined values are computed).  Errors: LMC_EIO (not
 * a store), LMC_EINVAL (bad LMC_CODE_VERSION), LMC_ENOMEM. */
int lmc_sweep_select(const lmc_sweep_spec *s, struct sqlite3 *db);

/* The code version that goes into cell keys: "VERSION+HASH", HASH the
 * FNV-1a 64 of the sources that compute outcomes (src/ without cli/ and
 * report/, problems/, theorems/; made at build time), so that changed
 * code reruns its cells.  Replaced by lmc_sweep_set_code_version, else
 * by the environment variable LMC_CODE_VERSION when set: for reusing a
 * store on purpose across a code change. */
const char *lmc_sweep_code_version(void);
/* Sets the code version for this process (1..128 printable characters
 * without blanks; else LMC_EINVAL). */
int lmc_sweep_set_code_version(const char *v);

#endif /* LMC_SWEEP_H */
