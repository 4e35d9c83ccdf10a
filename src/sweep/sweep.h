/* sweep/sweep.h -- declarative sweeps: a spec file names a base
 * configuration and axes; every point of the axes' product is a cell; each
 * cell runs once and its outcomes are stored in SQLite, keyed by a hash of
 * the cell's full configuration and the code version.
 *
 * Spec files use libconfig's syntax (see README, "Sweeps").  Cell kinds:
 *   run     one `lmocheck run` configuration (keys are run's option names);
 *   oracle  one `lmocheck oracle` configuration (measured vs predicted
 *           delta on a test matrix);
 *   check   one theorem configuration of `lmocheck check`.
 *
 * Store schema (one SQLite file, WAL):
 *   meta(key TEXT PRIMARY KEY, value TEXT)       schema version, ...
 *   cells(key TEXT PRIMARY KEY,                  16 hex digits, FNV-1a 64
 *         sweep TEXT, kind TEXT, config TEXT,    canonical "k=v k=v ..."
 *         version TEXT, status TEXT,             "ok" or "error"
 *         error TEXT, seconds REAL,
 *         UNIQUE(config, version))
 *   params(key TEXT, name TEXT, value TEXT, num REAL,
 *          PRIMARY KEY(key, name))               every config key of a cell
 *                                                (num NULL if not numeric)
 *   outcomes(key TEXT, name TEXT, value REAL, text TEXT,
 *            PRIMARY KEY(key, name))             the cell's results
 * A cell's rows in the three tables are written in one transaction, so a
 * killed sweep keeps every finished cell and no partial one.
 */
#ifndef LMC_SWEEP_H
#define LMC_SWEEP_H

#include <stddef.h>

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
    int dry_run;         /* 1: count cells, run nothing */
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
} lmc_sweep_stats;

/* Runs every cell of the spec (this shard) that the store at db_path
 * (created if absent) does not hold yet, then the spec's refinement
 * phase if it has one and the grid is complete.  Errors: LMC_EINVAL,
 * LMC_EIO (store), LMC_ENOMEM. */
int lmc_sweep_run(const lmc_sweep_spec *s, const char *db_path,
                  const lmc_sweep_options *o, lmc_sweep_stats *st);

/* Copies every cell of the stores in[0..n-1] into out (created if
 * absent).  A key present twice with different outcomes is an error
 * (LMC_EINVAL naming the key); identical duplicates are skipped. */
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

/* The code version that goes into cell keys. */
const char *lmc_sweep_code_version(void);

#endif /* LMC_SWEEP_H */
