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
    size_t *todo = malloc((n + 1) * sizeof *todo), ntodo = 0;
    size_t *ready = malloc((n + 1) * sizeof *ready);
    size_t *waiting = malloc((n + 1) * sizeof *waiting), nwait = 0;
    if (!todo || !ready || !waiting)
    {
        free(todo);
        free(ready);
        free(waiting);
        LMC_ERROR(LMC_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        if (!lmc_sweep_store_has(db, cells[i].key))
            todo[ntodo++] = i;
    st->cells += n;
    st->done += n - ntodo;
    *shown_done += n - ntodo;
    if (o->dry_run || ntodo == 0)
    {
        free(todo);
        free(ready);
        free(waiting);
        return LMC_SUCCESS;
    }
    size_t nw = o->workers;
    if (nw == 0)
    {
        const long c = sysconf(_SC_NPROCESSORS_ONLN);
        nw = c > 0 ? (size_t)c : 1;
    }
    if (nw > ntodo)
        nw = ntodo;
    pool P;
    memset(&P, 0, sizeof P);
    P.s = s;
    P.cells = cells;
    P.ready = ready;
    pthread_mutex_init(&P.mu, NULL);
    pthread_cond_init(&P.cv, NULL);
    pthread_cond_init(&P.work, NULL);
    pthread_t *th = calloc(nw, sizeof *th);
    int status = LMC_SUCCESS;
    size_t started = 0;
    if (!th)
        status = LMC_ENOMEM;
    for (size_t i = 0; th && i < nw; i++)
    {
        pthread_mutex_lock(&P.mu);
        P.active++;
        pthread_mutex_unlock(&P.mu);
        if (pthread_create(&th[i], NULL, worker, &P))
        {
            pthread_mutex_lock(&P.mu);
            P.active--;
            pthread_mutex_unlock(&P.mu);
            break;
        }
        started++;
    }
    if (th && started == 0)
        status = LMC_ENOMEM;
    const double t0 = now();
    double last_shown = 0, last_renew = t0, last_poll = t0;
    size_t written = 0, cursor = 0, others = 0;
    for (;;)
    {
        /* Lease more cells while the workers have fewer than two each
         * queued; then look at the cells others hold now and then. */
        pthread_mutex_lock(&P.mu);
        const size_t queued = P.nready - P.next;
        const int closed = P.closed;
        pthread_mutex_unlock(&P.mu);
        const double t = now();
        if (!closed && status == LMC_SUCCESS && !lmc_sweep_stop_requested())
        {
            /* Until the queue is full: cells leased by another sweep
             * fill nothing, so claim on past them at once. */
            size_t q = queued;
            while (q < 2 * started && cursor < ntodo &&
                   status == LMC_SUCCESS)
            {
                size_t k = 2 * started - q;
                k = k < ntodo - cursor ? k : ntodo - cursor;
                const size_t before = P.nready; /* the runner's own */
                status = claim_batch(db, &P, todo + cursor, k, waiting,
                                     &nwait, &others);
                cursor += k;
                q += P.nready - before;
            }
            if (status == LMC_SUCCESS && cursor == ntodo && nwait &&
                t - last_poll >= LEASE_POLL)
            {
                size_t k = nwait;
                nwait = 0;
                status = claim_batch(db, &P, waiting, k, waiting, &nwait,
                                     &others);
                last_poll = t;
            }
        }
        if (status == LMC_SUCCESS && t - last_renew >= LEASE_RENEW)
        {
            status = lmc_sweep_lease_all(db, 0);
            last_renew = t;
        }
        pthread_mutex_lock(&P.mu);
        if (status || lmc_sweep_stop_requested() ||
            (cursor == ntodo && nwait == 0))
        {
            P.closed = 1;
            pthread_cond_broadcast(&P.work);
        }
        if (!P.head && P.active > 0)
        {
            /* Wake up for results, and at least every LEASE_POLL for
             * leases, stops and others' cells. */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            const double until = (double)ts.tv_nsec * 1e-9 + LEASE_POLL;
            ts.tv_sec += (time_t)until;
            ts.tv_nsec = (long)((until - floor(until)) * 1e9);
            pthread_cond_timedwait(&P.cv, &P.mu, &ts);
        }
        sw_result *list = P.head;
        P.head = NULL;
        const size_t active = P.active;
        pthread_mutex_unlock(&P.mu);
        while (list)
        {
            sw_result *r = list;
            list = r->next;
            if (status == LMC_SUCCESS)
            {
                const double w0 = now();
                status = lmc_sweep_store_put(db, s, &cells[r->cell], r);
                st->write_seconds += now() - w0;
                st->cell_seconds += r->seconds;
                st->ran++;
                st->errors += !r->ok;
                written++;
                ++*shown_done;
                if (status)
                    atomic_store(&P.abort, 1); /* workers stop taking */
            }
            free(r);
        }
        const double t1 = now();
        if (o->progress && (t1 - last_shown > 0.2 || active == 0))
        {
            last_shown = t1;
            const double rate = (double)written / (t1 - t0);
            char eta[32];
            fmt_time(eta, sizeof eta,
                     (double)(ntodo - written - others) /
                         (rate > 0 ? rate : NAN));
            fprintf(stderr, "\r\033[Ksweep %s: %zu/%zu cells (%zu stored "
                    "before", s->name, *shown_done + others, shown_total,
                    st->done);
            if (others || nwait)
                fprintf(stderr, ", %zu by another sweep, %zu leased to it",
                        others, nwait);
            fprintf(stderr, "), %.1f cells/s, ETA %s", rate, eta);
            fflush(stderr);
        }
        pthread_mutex_lock(&P.mu);
        const int done = P.active == 0 && !P.head;
        pthread_mutex_unlock(&P.mu);
        if (done)
            break;
    }
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    /* Cells leased but not run (a stop, a failure) are free again. */
    const int rel = lmc_sweep_lease_all(db, 1);
    if (status == LMC_SUCCESS)
        status = rel;
    st->others += others;
    *shown_done += others;
    if (P.nomem && status == LMC_SUCCESS)
        status = LMC_ENOMEM;
    if (o->progress)
        fputs("\r\033[K", stderr);
    free(th);
    free(todo);
    free(ready);
    free(waiting);
    pthread_mutex_destroy(&P.mu);
    pthread_cond_destroy(&P.cv);
    pthread_cond_destroy(&P.work);
    if (status == LMC_ENOMEM)
        LMC_ERROR(status, "out of memory");
    return status;
}

