/* sweep/impl.h -- what the sweep's modules share, not part of the API:
 * the spec's and a cell's representation, a cell's result, the store
 * handle, and the functions one module calls in another.
 *
 *   spec.c    reading and validating a spec file (libconfig)
 *   cells.c   cells: enumeration, pairs, canonical text, key; the
 *             content hashes of file: inputs
 *   exec.c    running one cell (any thread)
 *   store.c   the SQLite store: schema, open, cell writes, leases
 *   runner.c  worker threads, leasing, progress, stop requests
 *   refine.c  refinement cells around the best grid value
 *   merge.c   merging stores
 *   sweep.c   code version, stop flag, lmc_sweep_run, lmc_sweep_select
 *
 * Threads: `workers` threads compute cells (exec.c); the calling thread
 * alone owns the SQLite handle (store.c, runner.c).
 */
#ifndef LMC_SWEEP_IMPL_H
#define LMC_SWEEP_IMPL_H

#include "sweep.h"

#include "status.h"

#include <libconfig.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#define MAX_PAIRS 64
#define MAX_OUT 24
#define MAX_CELLS 10000000u
#define MAX_CHECK_CONFIGS 64
#define OUT_TEXT 512
/* A file: input is hashed into the cell key; larger files are refused
 * (and /dev/zero cannot stall the spec reader). */
#define FILE_MAX ((off_t)64 << 20)

enum
{
    KIND_RUN = 0,
    KIND_ORACLE = 1,
    KIND_CHECK = 2
};

/* "run", "oracle", "check", indexed by KIND_*. */
extern const char *const lmc_sweep_kind_names[];

typedef struct
{
    char *key;
    char **vals;   /* values; for a variants axis, the variants' names */
    size_t n;
    int line;
    /* variants axis: variant j sets the pairs vk[j][m] = vv[j][m],
     * m < vn[j] (the axis key itself is only a label) */
    size_t *vn;
    char ***vk, ***vv;
} sw_axis;

struct lmc_sweep_spec
{
    config_t cfg;
    char *path;
    char name[64];
    int kind;
    char **bkey, **bval; /* base pairs (cell keys) */
    size_t nbase;
    sw_axis *axes;
    size_t naxes;
    /* kind check: the (theorem, label) points, outermost */
    const char **pt_theorem;
    char **pt_label;
    size_t npoints;
    /* refinement */
    int refine;
    size_t ref_axis;
    size_t ref_by[MAX_PAIRS];
    size_t ref_nby;
    char ref_outcome[64];
    size_t ref_points;
    size_t ncells; /* grid cells */
    /* file: values (schedules, spectra) and the FNV-1a 64 of their bytes
     * as 16 hex digits, read once with the spec: the content goes into
     * the key, so editing the file reruns its cells */
    char **fval;
    char (*fhash)[17];
    size_t nfiles;
};

/* One cell: a grid index, optionally with the value of one axis replaced
 * (refinement). */
typedef struct
{
    size_t index;
    long over_axis; /* -1: none */
    char over_val[32];
    char key[17];
    char *config; /* canonical text, owned */
} sw_cell;

typedef struct sw_result
{
    struct sw_result *next;
    size_t cell;
    int ok;
    char error[OUT_TEXT];
    double seconds;
    size_t nout;
    const char *oname[MAX_OUT];
    double oval[MAX_OUT];      /* NaN: NULL */
    char otext[MAX_OUT][OUT_TEXT]; /* "" with has_text 0: numeric */
    int has_text[MAX_OUT];
} sw_result;

typedef struct
{
    const char *k[MAX_PAIRS], *v[MAX_PAIRS];
    size_t n;
} pairs;

/* Monotonic seconds, for durations. */
static inline double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Wall-clock seconds, for leases shared between processes. */
static inline double
wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline char *
dup_str(const char *s)
{
    const size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* A spec error: "PATH:LINE: message", returned as LMC_EPARSE. */
#define SPEC_ERR(S, LINE, ...)                                               \
    do                                                                       \
    {                                                                        \
        char msg_[1024];                                                     \
        snprintf(msg_, sizeof msg_, __VA_ARGS__);                            \
        lmc_error(__FILE__, __LINE__, LMC_EPARSE, "%s:%d: %s", (S)->path,    \
                  (LINE), msg_);                                             \
        return LMC_EPARSE;                                                   \
    } while (0)

/* sweep.c: LMC_EINVAL if LMC_CODE_VERSION is set but unusable. */
int lmc_sweep_code_version_check(void);

/* cells.c */
int lmc_sweep_file_hash(lmc_sweep_spec *s, const char *key, const char *val,
                        int line);
void lmc_sweep_cell_pairs(const lmc_sweep_spec *s, const sw_cell *c,
                          pairs *p);
int lmc_sweep_cell_finish(const lmc_sweep_spec *s, sw_cell *c);
void lmc_sweep_cells_free(sw_cell *c, size_t n);
int lmc_sweep_grid_cells(const lmc_sweep_spec *s, size_t shard,
                         size_t nshards, sw_cell **out, size_t *n);

/* exec.c */
void lmc_sweep_cell_exec(const lmc_sweep_spec *s, const sw_cell *c,
                         sw_result *r);

/* store.c */

/* A sweep waits this long for another writer's transaction (each holds
 * the lock for one cell or one batch of leases: milliseconds); merge,
 * a one-off command, says at once that the store is locked. */
#define BUSY_MS 30000
#define MERGE_BUSY_MS 2000

/* Leases (several sweep processes on one store): a process claims a
 * cell, in a transaction, by a row lease(key, owner, expires) before it
 * computes it, and deletes the row in the transaction that stores the
 * cell.  owner is "HOST PID TOKEN"; expires is wall-clock seconds.  A
 * lease held by someone else is live until it expires, or until its
 * owner, a process of this host, no longer exists (a killed sweep);
 * then the cell is claimed again.  The owner renews its leases every
 * LEASE_RENEW seconds, so a cell may take longer than LEASE_TTL. */
#define LEASE_TTL 120.0
#define LEASE_RENEW 20.0
#define LEASE_POLL 0.25 /* seconds between looks at others' cells */

typedef struct
{
    sqlite3 *db;
    const char *path;
    int readonly;
    char host[128];
    char owner[192]; /* this process's leases: "HOST PID TOKEN" */
    sqlite3_stmt *has, *cell, *param, *outcome;
    sqlite3_stmt *lget, *lput, *ldel;
} store;

enum
{
    CLAIM_MINE,   /* leased to this process now */
    CLAIM_STORED, /* in the store already */
    CLAIM_LEASED  /* leased by another live process */
};

int lmc_sweep_db_err(sqlite3 *db, const char *path, const char *what);
int lmc_sweep_store_open(const char *path, int readonly, int busy_ms,
                         sqlite3 **out);
int lmc_sweep_store_init(store *st, const char *path, int readonly);
int lmc_sweep_store_prepare(store *st);
void lmc_sweep_store_close(store *st);
int lmc_sweep_store_has(store *st, const char *key);
int lmc_sweep_step_done(sqlite3_stmt *q);
int lmc_sweep_lease_claim(store *st, const char *key, double t, int *what);
int lmc_sweep_lease_all(store *st, int release);
int lmc_sweep_store_put(store *st, const lmc_sweep_spec *s,
                        const sw_cell *c, const sw_result *r);

/* runner.c */
int lmc_sweep_run_cells(const lmc_sweep_spec *s, store *db,
                        const lmc_sweep_options *o, const sw_cell *cells,
                        size_t n, lmc_sweep_stats *st, size_t shown_total,
                        size_t *shown_done);

/* refine.c */
int lmc_sweep_refine_cells(const lmc_sweep_spec *s, store *db,
                           const sw_cell *grid, size_t ngrid, sw_cell **out,
                           size_t *nout);

#endif /* LMC_SWEEP_IMPL_H */
