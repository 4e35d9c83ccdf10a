/* sweep/runner.c -- the parallel runner.
 *
 * Threads: `workers` threads compute cells; the calling thread alone
 * owns the SQLite handle, leases cells to this process before the
 * workers take them, and writes each finished cell in one transaction
 * (cells + params + outcomes, and the lease's removal).  A stop request
 * (lmc_sweep_request_stop, from a SIGINT handler) lets no new cell
 * start; cells in flight finish and are stored.
 */
#include "impl.h"

#include "reference.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

typedef struct
{
    const lmc_sweep_spec *s;
    const sw_cell *cells;
    size_t *ready;        /* cells leased to this process, in order */
    size_t nready, next;  /* pushed by the runner, taken by workers */
    int closed;           /* the runner pushes no more */
    size_t active;
    sw_result *head; /* finished, not yet written */
    int nomem;
    atomic_int abort; /* the store failed: take no new cell */
    pthread_mutex_t mu;
    pthread_cond_t cv;   /* to the runner: a result, or a worker left */
    pthread_cond_t work; /* to the workers: a cell, or closed */
} pool;

static void *
worker(void *arg)
{
    pool *P = arg;
    for (;;)
    {
        pthread_mutex_lock(&P->mu);
        while (P->next == P->nready && !P->closed && !P->nomem &&
               !atomic_load(&P->abort) && !lmc_sweep_stop_requested())
            pthread_cond_wait(&P->work, &P->mu);
        if (P->next == P->nready || lmc_sweep_stop_requested() ||
            P->nomem || atomic_load(&P->abort))
        {
            P->active--;
            pthread_cond_signal(&P->cv);
            pthread_mutex_unlock(&P->mu);
            lmc_mp_free_thread_cache(); /* theorem checks ran MPFR */
            return NULL;
        }
        const size_t i = P->ready[P->next++];
        pthread_mutex_unlock(&P->mu);
        sw_result *r = malloc(sizeof *r);
        if (r)
        {
            r->cell = i;
            lmc_sweep_cell_exec(P->s, &P->cells[r->cell], r);
        }
        pthread_mutex_lock(&P->mu);
        if (r)
        {
            r->next = P->head;
            P->head = r;
        }
        else
            P->nomem = 1;
        pthread_cond_signal(&P->cv);
        pthread_mutex_unlock(&P->mu);
    }
}

static void
fmt_time(char *buf, size_t len, double t)
{
    if (!isfinite(t) || t < 0)
        snprintf(buf, len, "?");
    else if (t >= 3600)
        snprintf(buf, len, "%dh%02dm", (int)(t / 3600),
                 (int)fmod(t / 60, 60));
    else
        snprintf(buf, len, "%dm%02ds", (int)(t / 60), (int)fmod(t, 60));
}

/* Claims, in one transaction, the cells in[0..n-1]: one leased to this
 * process now is pushed to the pool, one stored meanwhile counts in
 * *others, one leased by another live process goes to wait[(*nwait)++]
 * (wait may be in itself: it is written at or behind the reading). */
static int
claim_batch(store *db, pool *P, const size_t *in, size_t n, size_t *wait,
            size_t *nwait, size_t *others)
{
    if (n == 0)
        return LMC_SUCCESS;
    if (sqlite3_exec(db->db, "BEGIN IMMEDIATE", NULL, NULL, NULL))
        return lmc_sweep_db_err(db->db, db->path, "cannot begin");
    const double t = wall();
    /* Slots past nready are the runner's alone until published. */
    size_t mine = 0, stored = 0, w = *nwait;
    int status = LMC_SUCCESS;
    for (size_t i = 0; i < n && status == LMC_SUCCESS; i++)
    {
        int what = CLAIM_LEASED;
        const size_t c = in[i];
        status = lmc_sweep_lease_claim(db, P->cells[c].key, t, &what);
        if (what == CLAIM_MINE)
            P->ready[P->nready + mine++] = c;
        else if (what == CLAIM_STORED)
            stored++;
        else
            wait[w++] = c;
    }
    if (status || sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL))
    {
        if (!status)
            status = lmc_sweep_db_err(db->db, db->path, "cannot claim cells");
        sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
        return status;
    }
    *nwait = w;
    *others += stored;
    pthread_mutex_lock(&P->mu);
    P->nready += mine;
    pthread_cond_broadcast(&P->work);
    pthread_mutex_unlock(&P->mu);
    return LMC_SUCCESS;
}

/* The runner's state (the calling thread's alone; the workers see P). */
typedef struct
{
    const lmc_sweep_spec *s;
    store *db;
    const lmc_sweep_options *o;
    const sw_cell *cells;
    lmc_sweep_stats *st;
    pool P;
    pthread_t *th;
    size_t started;          /* worker threads running */
    size_t *todo, ntodo;     /* the cells not stored at the start */
    size_t cursor;           /* todo[0..cursor-1] claimed or waiting */
    size_t *waiting, nwait;  /* leased by another live process */
    size_t written, others;  /* stored here; stored by another process */
    size_t shown_total, *shown_done;
    double t0, last_shown, last_renew, last_poll;
} runner;

/* Starts the workers (o->workers, 0: one per core, at most one per cell
 * to run). */
static int
start_workers(runner *R)
{
    pool *P = &R->P;
    size_t nw = R->o->workers;
    if (nw == 0)
    {
        const long c = sysconf(_SC_NPROCESSORS_ONLN);
        nw = c > 0 ? (size_t)c : 1;
    }
    if (nw > R->ntodo)
        nw = R->ntodo;
    pthread_mutex_init(&P->mu, NULL);
    pthread_cond_init(&P->cv, NULL);
    pthread_cond_init(&P->work, NULL);
    R->th = calloc(nw, sizeof *R->th);
    if (!R->th)
        return LMC_ENOMEM;
    for (size_t i = 0; i < nw; i++)
    {
        pthread_mutex_lock(&P->mu);
        P->active++;
        pthread_mutex_unlock(&P->mu);
        if (pthread_create(&R->th[i], NULL, worker, P))
        {
            pthread_mutex_lock(&P->mu);
            P->active--;
            pthread_mutex_unlock(&P->mu);
            break;
        }
        R->started++;
    }
    return R->started == 0 ? LMC_ENOMEM : LMC_SUCCESS;
}

/* Leases more cells while the workers have fewer than two each queued
 * (queued, closed: the pool as last seen); then looks at the cells
 * others hold now and then, and renews this process's leases every
 * LEASE_RENEW seconds. */
static int
lease_more(runner *R, size_t queued, int closed, double t)
{
    int status = LMC_SUCCESS;
    if (!closed && !lmc_sweep_stop_requested())
    {
        /* Until the queue is full: cells leased by another sweep
         * fill nothing, so claim on past them at once. */
        size_t q = queued;
        while (q < 2 * R->started && R->cursor < R->ntodo &&
               status == LMC_SUCCESS)
        {
            size_t k = 2 * R->started - q;
            k = k < R->ntodo - R->cursor ? k : R->ntodo - R->cursor;
            const size_t before = R->P.nready; /* the runner's own */
            status = claim_batch(R->db, &R->P, R->todo + R->cursor, k,
                                 R->waiting, &R->nwait, &R->others);
            R->cursor += k;
            q += R->P.nready - before;
        }
        if (status == LMC_SUCCESS && R->cursor == R->ntodo && R->nwait &&
            t - R->last_poll >= LEASE_POLL)
        {
            size_t k = R->nwait;
            R->nwait = 0;
            status = claim_batch(R->db, &R->P, R->waiting, k, R->waiting,
                                 &R->nwait, &R->others);
            R->last_poll = t;
        }
    }
    if (status == LMC_SUCCESS && t - R->last_renew >= LEASE_RENEW)
    {
        status = lmc_sweep_lease_all(R->db, 0);
        R->last_renew = t;
    }
    return status;
}

/* Closes the pool when nothing more will be pushed, waits for results
 * (at most LEASE_POLL), and takes them; *active: workers still running. */
static sw_result *
take_results(runner *R, int status, size_t *active)
{
    pool *P = &R->P;
    pthread_mutex_lock(&P->mu);
    if (status || lmc_sweep_stop_requested() ||
        (R->cursor == R->ntodo && R->nwait == 0))
    {
        P->closed = 1;
        pthread_cond_broadcast(&P->work);
    }
    if (!P->head && P->active > 0)
    {
        /* Wake up for results, and at least every LEASE_POLL for
         * leases, stops and others' cells. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        const double until = (double)ts.tv_nsec * 1e-9 + LEASE_POLL;
        ts.tv_sec += (time_t)until;
        ts.tv_nsec = (long)((until - floor(until)) * 1e9);
        pthread_cond_timedwait(&P->cv, &P->mu, &ts);
    }
    sw_result *list = P->head;
    P->head = NULL;
    *active = P->active;
    pthread_mutex_unlock(&P->mu);
    return list;
}

/* Stores the results of list, one transaction each, and frees them; after
 * a failure the rest are dropped and the workers take no new cell. */
static int
store_results(runner *R, sw_result *list, int status)
{
    lmc_sweep_stats *st = R->st;
    while (list)
    {
        sw_result *r = list;
        list = r->next;
        if (status == LMC_SUCCESS)
        {
            const double w0 = now();
            status = lmc_sweep_store_put(R->db, R->s, &R->cells[r->cell], r);
            st->write_seconds += now() - w0;
            st->cell_seconds += r->seconds;
            st->ran++;
            st->errors += !r->ok;
            R->written++;
            ++*R->shown_done;
            if (status)
                atomic_store(&R->P.abort, 1); /* workers stop taking */
        }
        free(r);
    }
    return status;
}

/* The progress line on stderr, at most every 0.2 s and when the last
 * worker has left. */
static void
show_progress(runner *R, size_t active)
{
    const double t1 = now();
    if (!(t1 - R->last_shown > 0.2 || active == 0))
        return;
    R->last_shown = t1;
    const double rate = (double)R->written / (t1 - R->t0);
    char eta[32];
    fmt_time(eta, sizeof eta,
             (double)(R->ntodo - R->written - R->others) /
                 (rate > 0 ? rate : NAN));
    fprintf(stderr, "\r\033[Ksweep %s: %zu/%zu cells (%zu stored "
            "before", R->s->name, *R->shown_done + R->others,
            R->shown_total, R->st->done);
    if (R->others || R->nwait)
        fprintf(stderr, ", %zu by another sweep, %zu leased to it",
                R->others, R->nwait);
    fprintf(stderr, "), %.1f cells/s, ETA %s", rate, eta);
    fflush(stderr);
}

/* Leases, hands out and stores cells until every worker has left. */
static int
run_loop(runner *R, int status)
{
    pool *P = &R->P;
    R->t0 = now();
    R->last_renew = R->last_poll = R->t0;
    for (;;)
    {
        pthread_mutex_lock(&P->mu);
        const size_t queued = P->nready - P->next;
        const int closed = P->closed;
        pthread_mutex_unlock(&P->mu);
        const double t = now();
        if (status == LMC_SUCCESS)
            status = lease_more(R, queued, closed, t);
        size_t active;
        sw_result *list = take_results(R, status, &active);
        status = store_results(R, list, status);
        if (R->o->progress)
            show_progress(R, active);
        pthread_mutex_lock(&P->mu);
        const int done = P->active == 0 && !P->head;
        pthread_mutex_unlock(&P->mu);
        if (done)
            return status;
    }
}

/* Runs the cells not in the store; adds to st.  Cells are leased before
 * they run (several processes may sweep one store); cells leased by
 * another process are waited for, so that on return every cell is
 * stored unless the run was stopped or failed. */
int
lmc_sweep_run_cells(const lmc_sweep_spec *s, store *db,
                    const lmc_sweep_options *o, const sw_cell *cells,
                    size_t n, lmc_sweep_stats *st, size_t shown_total,
                    size_t *shown_done)
{
    runner R;
    memset(&R, 0, sizeof R);
    R.s = s;
    R.db = db;
    R.o = o;
    R.cells = cells;
    R.st = st;
    R.shown_total = shown_total;
    R.shown_done = shown_done;
    R.todo = malloc((n + 1) * sizeof *R.todo);
    R.waiting = malloc((n + 1) * sizeof *R.waiting);
    R.P.s = s;
    R.P.cells = cells;
    R.P.ready = malloc((n + 1) * sizeof *R.P.ready);
    int status = LMC_SUCCESS;
    if (!R.todo || !R.P.ready || !R.waiting)
        status = LMC_ENOMEM;
    for (size_t i = 0; status == LMC_SUCCESS && i < n; i++)
        if (!lmc_sweep_store_has(db, cells[i].key))
            R.todo[R.ntodo++] = i;
    if (status == LMC_SUCCESS)
    {
        st->cells += n;
        st->done += n - R.ntodo;
        *shown_done += n - R.ntodo;
    }
    if (status == LMC_SUCCESS && !o->dry_run && R.ntodo > 0)
    {
        status = run_loop(&R, start_workers(&R));
        for (size_t i = 0; i < R.started; i++)
            pthread_join(R.th[i], NULL);
        /* Cells leased but not run (a stop, a failure) are free again. */
        const int rel = lmc_sweep_lease_all(db, 1);
        if (status == LMC_SUCCESS)
            status = rel;
        st->others += R.others;
        *shown_done += R.others;
        if (R.P.nomem && status == LMC_SUCCESS)
            status = LMC_ENOMEM;
        if (o->progress)
            fputs("\r\033[K", stderr);
        free(R.th);
        pthread_mutex_destroy(&R.P.mu);
        pthread_cond_destroy(&R.P.cv);
        pthread_cond_destroy(&R.P.work);
    }
    free(R.todo);
    free(R.P.ready);
    free(R.waiting);
    if (status == LMC_ENOMEM)
        LMC_ERROR(status, "out of memory");
    return status;
}
