/*
 * test_dispatch.c - dispatch area (issue 3 item 9): no client callback blocks the transfer
 * engine (N9, D1), and the scheduler guard against two same-priority jobs on a server that
 * ignores Range restarting each other forever (S3, L9).
 *
 *  - The HttpOptions3 certificate validator runs on the queue's worker thread: while it
 *    sleeps, another job keeps transferring; a validator that suspends its own job from
 *    another thread (what an out-of-process COM client does) gets its answer at once.
 *  - S3 + F15: a job whose server answered a Range request with 200 keeps its slot.
 *  - N9: the notification dispatcher pool: a slow target holds up only its own job; at most
 *    four calls per owner in flight; JobTransferred overtakes queued JobModification calls;
 *    N2's per-job order and serialization still hold.
 */
#include "test_engine_fixture.h"

#include <pthread.h>

/* Like fx_group_setup, with the HTTPS front end on (plain HTTP stays available). */
static int tls_group_setup(void **state)
{
    const char *lvl = getenv("BGC_TEST_LOG"), *tmp = getenv("TMPDIR");
    struct bgc_httpd_options opt;

    (void)state;
    bgc_log_set_sink(fx_log_to_stderr, NULL, lvl ? (enum bgc_log_level)atoi(lvl) : BGC_LOG_WARN);
    snprintf(fx_root, sizeof(fx_root), "%s/bgc-dispatch-root-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(fx_root))
        return -1;
    memset(&opt, 0, sizeof(opt));
    opt.root = fx_root;
    opt.tls = 1;
    if (bgc_httpd_start(&opt, &fx_httpd) != 0 || !bgc_httpd_tls_port(fx_httpd)) {
        rmdir(fx_root);
        return -1;
    }
    return 0;
}

static char *https_url(const char *path, char *buf, size_t n)
{
    snprintf(buf, n, "https://127.0.0.1:%u%s", (unsigned)bgc_httpd_tls_port(fx_httpd), path);
    return buf;
}

static uint64_t file_bytes(struct bgc_job *job)
{
    struct bgc_file_progress p;

    memset(&p, 0, sizeof(p));
    assert_int_equal(bgc_job_get_file_progress(job, 0, &p), BGC_OK);
    return p.bytes_transferred;
}

/* ---- certificate validator off the engine thread (N9, D1) ------------------------------- */

struct slow_validator {
    unsigned sleep_ms;     /* how long validate() takes */
    int suspend;           /* validate() suspends its job from another thread */
    int calls;             /* atomic: validate() calls */
    int in_call;           /* atomic: inside validate() now */
    int suspend_rc;        /* what that Suspend returned */
    uint64_t suspend_ms;   /* how long it took */
};

struct suspender {
    struct bgc_job *job;
    int rc;
};

static void *suspend_thread(void *arg)
{
    struct suspender *s = arg;

    s->rc = bgc_job_suspend(s->job);
    return NULL;
}

static int slow_validate(void *ctx, struct bgc_job *job, size_t index, const unsigned char *der, size_t len,
                         int *detail)
{
    struct slow_validator *v = ctx;

    (void)index;
    (void)der;
    (void)len;
    *detail = 0;
    __atomic_add_fetch(&v->calls, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&v->in_call, 1, __ATOMIC_SEQ_CST);
    if (v->suspend) {
        /* As a COM client does: the call comes back on another thread of the server. */
        struct suspender s = {job, -1};
        pthread_t t;
        uint64_t t0 = fx_now_ms();

        assert_int_equal(pthread_create(&t, NULL, suspend_thread, &s), 0);
        pthread_join(t, NULL);
        v->suspend_ms = fx_now_ms() - t0;
        v->suspend_rc = s.rc;
    }
    fx_sleep_ms(v->sleep_ms);
    __atomic_store_n(&v->in_call, 0, __ATOMIC_SEQ_CST);
    return BGC_OK;
}

static void set_slow_validator(struct bgc_job *job, struct slow_validator *v)
{
    struct bgc_cert_validator cv = {slow_validate, NULL, v};

    assert_int_equal(bgc_job_set_security_flags(job, BGC_SSL_IGNORE_UNKNOWN_CA), BGC_OK);
    assert_int_equal(bgc_job_set_cert_validator(job, &cv), BGC_OK);
}

static void wait_in_call(struct slow_validator *v)
{
    uint64_t end = fx_now_ms() + WAIT_MS;

    while (!__atomic_load_n(&v->in_call, __ATOMIC_SEQ_CST) && fx_now_ms() < end)
        fx_sleep_ms(2);
    assert_true(__atomic_load_n(&v->in_call, __ATOMIC_SEQ_CST));
}

/* N9/D1: a validator that takes 3 s holds up its own job only: a plain HTTP job keeps
 * receiving data meanwhile, and the validated job finishes after the answer. */
static void N9_D1_slow_certificate_validator_does_not_stop_other_transfers(void **state)
{
    struct fx *f = *state;
    char url[256];
    struct slow_validator v = {3000, 0, 0, 0, 0, 0};
    struct bgc_job *plain, *tls;
    uint64_t before, after;

    plain = fx_start_one(f, "/gen/3000000/d1-plain?rate=500000&seed=31", "d1-plain.bin");
    fx_wait_bytes(plain, 0, 1);
    tls = fx_new_job_v(f, "d1-tls", 1, (const char *[]){https_url("/gen/5000?seed=32", url, sizeof(url)), "d1-tls.bin"});
    set_slow_validator(tls, &v);
    assert_int_equal(bgc_job_resume(tls), BGC_OK);
    wait_in_call(&v);
    fx_sleep_ms(200);
    before = file_bytes(plain);
    fx_sleep_ms(1500);
    after = file_bytes(plain);
    assert_true(__atomic_load_n(&v.in_call, __ATOMIC_SEQ_CST)); /* still asking */
    assert_true(after > before + 100000);                       /* ~750 KB at 500 KB/s */
    assert_int_equal(bgc_job_get_state(tls), BGC_STATE_CONNECTING); /* waits for its answer */
    fx_wait_state(tls, BGC_STATE_TRANSFERRED);
    assert_int_equal(__atomic_load_n(&v.calls, __ATOMIC_SEQ_CST), 1); /* restarted: cache hit */
    assert_int_equal(bgc_job_get_error_count(tls), 0);
    assert_int_equal(bgc_job_cancel(plain), BGC_OK);
}

/* N9/D1: Suspend called (from another thread) inside the validator returns at once, the job
 * is SUSPENDED; after Resume it finishes without asking again (the answer was cached). */
static void N9_D1_validator_can_suspend_its_job(void **state)
{
    struct fx *f = *state;
    char url[256];
    struct slow_validator v = {0, 1, 0, 0, -1, 0};
    struct bgc_job *tls;
    uint64_t end;
    int os_error = 0;

    tls = fx_new_job_v(f, "d1-suspend", 1,
                       (const char *[]){https_url("/gen/4000?seed=33", url, sizeof(url)), "d1-susp.bin"});
    set_slow_validator(tls, &v);
    assert_int_equal(bgc_job_resume(tls), BGC_OK);
    end = fx_now_ms() + WAIT_MS;
    while (__atomic_load_n(&v.calls, __ATOMIC_SEQ_CST) == 0 && fx_now_ms() < end)
        fx_sleep_ms(2);
    while (__atomic_load_n(&v.in_call, __ATOMIC_SEQ_CST) && fx_now_ms() < end)
        fx_sleep_ms(2);
    assert_int_equal(v.calls, 1);
    assert_int_equal(v.suspend_rc, BGC_OK);
    assert_true(v.suspend_ms < 2000);
    assert_int_equal(bgc_job_get_state(tls), BGC_STATE_SUSPENDED);
    fx_assert_not_state_for(tls, BGC_STATE_CONNECTING, 300); /* the answer did not restart it */
    assert_int_equal(bgc_job_resume(tls), BGC_OK);
    fx_wait_state(tls, BGC_STATE_TRANSFERRED);
    assert_int_equal(__atomic_load_n(&v.calls, __ATOMIC_SEQ_CST), 1);
    assert_int_equal(bgc_job_complete(tls, &os_error), BGC_OK);
}

/* ---- N9: the dispatcher pool ------------------------------------------------------------- */

#define DS_MAX 512

/* A sink that records every delivery, counts what is in flight, and can slow some down. */
struct dsink {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct {
        struct bgc_job *job;
        enum bgc_event ev;
        unsigned file;
        uint64_t start_ms, end_ms;
    } log[DS_MAX];          /* deliveries in the order they started */
    unsigned n;             /* started */
    unsigned done;          /* returned */
    unsigned inflight, max_inflight;
    struct bgc_job *busy[DS_MAX]; /* jobs with a delivery in flight (one entry per delivery) */
    int overlap;            /* two deliveries for one job at once */
    int outside_hooks;      /* a delivery on a thread without thread_start */
    unsigned starts, stops;
    struct bgc_job *slow_job; /* its TRANSFERRED sleeps slow_ms */
    unsigned slow_ms;
    unsigned all_ms;        /* every delivery sleeps this long */
    int gate_mods;          /* MODIFICATION deliveries wait for a token or an open gate */
    unsigned tokens;
    int gate_open;
};

static struct dsink ds;
static __thread int ds_in_hooks;

static void ds_start(void *ctx)
{
    (void)ctx;
    pthread_mutex_lock(&ds.mu);
    ds.starts++;
    pthread_mutex_unlock(&ds.mu);
    ds_in_hooks = 1;
}

static void ds_stop(void *ctx)
{
    (void)ctx;
    ds_in_hooks = 0;
    pthread_mutex_lock(&ds.mu);
    ds.stops++;
    pthread_mutex_unlock(&ds.mu);
}

static int ds_deliver(void *ctx, struct bgc_job *job, enum bgc_event ev, unsigned file_index)
{
    unsigned me, sleep_ms;

    (void)ctx;
    pthread_mutex_lock(&ds.mu);
    me = ds.n++;
    if (me < DS_MAX) {
        ds.log[me].job = job;
        ds.log[me].ev = ev;
        ds.log[me].file = file_index;
        ds.log[me].start_ms = fx_now_ms();
    }
    for (unsigned i = 0; i < ds.inflight; i++)
        if (ds.busy[i] == job)
            ds.overlap = 1;
    ds.busy[ds.inflight++] = job;
    if (ds.inflight > ds.max_inflight)
        ds.max_inflight = ds.inflight;
    if (!ds_in_hooks)
        ds.outside_hooks = 1;
    sleep_ms = ds.all_ms + (job == ds.slow_job && ev == BGC_EVENT_TRANSFERRED ? ds.slow_ms : 0);
    pthread_cond_broadcast(&ds.cv);
    if (ev == BGC_EVENT_MODIFICATION && ds.gate_mods) {
        while (!ds.gate_open && !ds.tokens)
            pthread_cond_wait(&ds.cv, &ds.mu);
        if (!ds.gate_open)
            ds.tokens--;
    }
    pthread_mutex_unlock(&ds.mu);
    fx_sleep_ms(sleep_ms);
    pthread_mutex_lock(&ds.mu);
    for (unsigned i = 0; i < ds.inflight; i++) {
        if (ds.busy[i] == job) {
            ds.busy[i] = ds.busy[--ds.inflight];
            break;
        }
    }
    if (me < DS_MAX)
        ds.log[me].end_ms = fx_now_ms();
    ds.done++;
    pthread_cond_broadcast(&ds.cv);
    pthread_mutex_unlock(&ds.mu);
    return BGC_DELIVERED;
}

/* Like fx_setup_cfg, with the recording sink above. */
static int ds_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct bgc_sink sink = {ds_deliver, ds_start, ds_stop, NULL};
    const char *tmp = getenv("TMPDIR");

    if (!f)
        return -1;
    memset(&ds, 0, sizeof(ds));
    pthread_mutex_init(&ds.mu, NULL);
    pthread_cond_init(&ds.cv, NULL);
    pthread_mutex_init(&f->sink.mu, NULL);
    pthread_cond_init(&f->sink.cv, NULL);
    f->cfg.retry_delay_floor_s = 1;
    snprintf(f->dir, sizeof(f->dir), "%s/bgc-dispatch-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(f->dir) || bgc_queue_new(&f->cfg, &sink, &f->q) != BGC_OK) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

/* Waits (bounded) until cond(arg) holds with ds.mu held; returns it. */
static int ds_wait(int (*cond)(void *), void *arg, unsigned ms)
{
    uint64_t end = fx_now_ms() + ms;
    int ok;

    pthread_mutex_lock(&ds.mu);
    while (!(ok = cond(arg)) && fx_now_ms() < end) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 20 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&ds.cv, &ds.mu, &ts);
    }
    pthread_mutex_unlock(&ds.mu);
    return ok;
}

struct want {
    struct bgc_job *job;
    enum bgc_event ev;
    unsigned count; /* for n_started / n_done */
};

static int ev_started(void *arg) /* ds.mu held */
{
    struct want *w = arg;
    for (unsigned i = 0; i < ds.n && i < DS_MAX; i++)
        if (ds.log[i].job == w->job && ds.log[i].ev == w->ev)
            return 1;
    return 0;
}

static int ev_done(void *arg)
{
    struct want *w = arg;
    for (unsigned i = 0; i < ds.n && i < DS_MAX; i++)
        if (ds.log[i].job == w->job && ds.log[i].ev == w->ev && ds.log[i].end_ms)
            return 1;
    return 0;
}

static int n_inflight(void *arg)
{
    return ds.inflight >= ((struct want *)arg)->count;
}

static int n_started(void *arg)
{
    return ds.n >= ((struct want *)arg)->count;
}

static int n_done(void *arg)
{
    return ds.done >= ((struct want *)arg)->count;
}

static int index_of(struct bgc_job *job, enum bgc_event ev)
{
    for (unsigned i = 0; i < ds.n && i < DS_MAX; i++)
        if (ds.log[i].job == job && ds.log[i].ev == ev)
            return (int)i;
    return -1;
}

/* N9: a target that takes 3 s for job A's JobTransferred does not hold up job B's. */
static void N9_slow_target_of_one_job_does_not_delay_another(void **state)
{
    struct fx *f = *state;
    struct bgc_job *a, *b;
    struct want wa, wb;

    a = fx_start_one(f, "/gen/1000/n9-a", "n9-a.bin");
    pthread_mutex_lock(&ds.mu);
    ds.slow_job = a;
    ds.slow_ms = 3000;
    pthread_mutex_unlock(&ds.mu);
    wa = (struct want){a, BGC_EVENT_TRANSFERRED, 0};
    assert_true(ds_wait(ev_started, &wa, WAIT_MS));
    b = fx_start_one(f, "/gen/1000/n9-b", "n9-b.bin");
    wb = (struct want){b, BGC_EVENT_TRANSFERRED, 0};
    assert_true(ds_wait(ev_done, &wb, 2000)); /* well before A's call returns */
    pthread_mutex_lock(&ds.mu);
    assert_int_equal(ev_done(&wa), 0);
    pthread_mutex_unlock(&ds.mu);
    assert_true(ds_wait(ev_done, &wa, WAIT_MS));
}

/* N9: six jobs of one owner with slow targets: four calls in flight at most, and more than
 * one (the pool is used); thread hooks bracket every delivery and pair up. */
static void N9_at_most_four_deliveries_per_owner_in_flight(void **state)
{
    struct fx *f = *state;
    char name[64];
    struct want w;

    ds.all_ms = 1000;
    for (int i = 0; i < 6; i++) {
        snprintf(name, sizeof(name), "/gen/1000/n9-four-%d", i);
        fx_start_one(f, name, name + 10);
    }
    w.count = 6;
    assert_true(ds_wait(n_done, &w, WAIT_MS));
    pthread_mutex_lock(&ds.mu);
    assert_int_equal(ds.max_inflight, 4);
    assert_int_equal(ds.overlap, 0);
    assert_int_equal(ds.outside_hooks, 0);
    pthread_mutex_unlock(&ds.mu);
    bgc_queue_free(f->q);
    f->q = NULL;
    assert_true(ds.starts >= 4);
    assert_int_equal(ds.starts, ds.stops);
}

/* N9: with four JobModification calls of the owner stuck and two more waiting, a
 * JobTransferred that arrives later goes out first as soon as a call returns. */
static void N9_transferred_overtakes_queued_modifications(void **state)
{
    struct fx *f = *state;
    struct bgc_job *m[6], *t;
    char url[256];
    struct want w;
    int it, i5, i6;

    ds.gate_mods = 1;
    for (int i = 0; i < 6; i++) {
        m[i] = fx_new_job_v(f, "mod", 0, NULL);
        assert_int_equal(bgc_job_set_notify_flags(m[i], BGC_NOTIFY_JOB_MODIFICATION), BGC_OK);
    }
    t = fx_new_job_v(f, "t", 1, (const char *[]){fx_url("/gen/1000/n9-t", url, sizeof(url)), "n9-t.bin"});
    for (int i = 0; i < 4; i++)
        assert_int_equal(bgc_job_set_description(m[i], "changed"), BGC_OK);
    w.count = 4;
    assert_true(ds_wait(n_inflight, &w, WAIT_MS)); /* four stuck calls */
    assert_int_equal(bgc_job_set_description(m[4], "changed"), BGC_OK);
    assert_int_equal(bgc_job_set_description(m[5], "changed"), BGC_OK);
    fx_sleep_ms(100);
    assert_int_equal(bgc_job_resume(t), BGC_OK);
    fx_wait_state(t, BGC_STATE_TRANSFERRED);
    fx_sleep_ms(200);
    pthread_mutex_lock(&ds.mu);
    assert_int_equal(ds.n, 4); /* the owner's four slots are taken: everything else waits */
    ds.tokens = 1;             /* one MODIFICATION call returns */
    pthread_cond_broadcast(&ds.cv);
    pthread_mutex_unlock(&ds.mu);
    w.count = 5;
    assert_true(ds_wait(n_started, &w, WAIT_MS));
    pthread_mutex_lock(&ds.mu);
    assert_int_equal(ds.log[4].job, t);
    assert_int_equal(ds.log[4].ev, BGC_EVENT_TRANSFERRED);
    ds.gate_open = 1;
    pthread_cond_broadcast(&ds.cv);
    pthread_mutex_unlock(&ds.mu);
    w.count = 7;
    assert_true(ds_wait(n_done, &w, WAIT_MS));
    pthread_mutex_lock(&ds.mu);
    it = index_of(t, BGC_EVENT_TRANSFERRED);
    i5 = index_of(m[4], BGC_EVENT_MODIFICATION);
    i6 = index_of(m[5], BGC_EVENT_MODIFICATION);
    pthread_mutex_unlock(&ds.mu);
    assert_true(it >= 0 && i5 > it && i6 > it);
}

/* N2 with the pool: one job's events never overlap and keep their order (FileTransferred per
 * file in order, all before JobTransferred) while other jobs are delivered in parallel. */
static void N9_N2_per_job_serialization_holds_in_the_pool(void **state)
{
    struct fx *f = *state;
    char u[3][256], name[64];
    struct bgc_job *job;
    struct want w;
    int last_file = -1, transferred_at = -1;

    ds.all_ms = 80;
    job = fx_new_job_v(f, "serial", 3,
                       (const char *[]){fx_url("/gen/1000/ser-0", u[0], sizeof(u[0])), "ser-0.bin",
                                        fx_url("/gen/1000/ser-1", u[1], sizeof(u[1])), "ser-1.bin",
                                        fx_url("/gen/1000/ser-2", u[2], sizeof(u[2])), "ser-2.bin"});
    assert_int_equal(bgc_job_set_notify_flags(job, BGC_NOTIFY_ALL & ~BGC_NOTIFY_DISABLE), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "/gen/1000/ser-other-%d", i);
        fx_start_one(f, name, name + 10);
    }
    w = (struct want){job, BGC_EVENT_TRANSFERRED, 0};
    assert_true(ds_wait(ev_done, &w, WAIT_MS));
    fx_sleep_ms(300);
    pthread_mutex_lock(&ds.mu);
    assert_int_equal(ds.overlap, 0);
    assert_true(ds.max_inflight >= 2); /* other jobs went in parallel */
    for (unsigned i = 0; i < ds.n && i < DS_MAX; i++) {
        if (ds.log[i].job != job)
            continue;
        if (ds.log[i].ev == BGC_EVENT_FILE_TRANSFERRED) {
            assert_int_equal((int)ds.log[i].file, last_file + 1);
            assert_int_equal(transferred_at, -1);
            last_file = (int)ds.log[i].file;
        } else if (ds.log[i].ev == BGC_EVENT_TRANSFERRED) {
            transferred_at = (int)i;
        }
    }
    pthread_mutex_unlock(&ds.mu);
    assert_int_equal(last_file, 2);
    assert_true(transferred_at >= 0);
}

/* ---- scheduler: servers that ignore Range (S3, L9, F15) ---------------------------------- */

static int setup_short_slice(void **state)
{
    struct bgc_config cfg;

    memset(&cfg, 0, sizeof(cfg));
    cfg.max_transfers = 1;
    cfg.time_slice_ms = 300;
    return fx_setup_cfg(state, &cfg);
}

/* S3: two NORMAL jobs, one slot, 300 ms slices, on a server that sends an ETag but ignores
 * Range; each needs ~1.3 s. Once a job learned that its server answers Range with the whole
 * file it keeps its slot until the file is done, so both finish (instead of restarting each
 * other from zero forever). */
static void S3_job_whose_server_ignores_range_keeps_its_slot(void **state)
{
    struct fx *f = *state;
    struct bgc_job *a, *b;
    char dest[PATH_MAX];
    int os_error = 0;

    a = fx_start_one(f, "/gen/160000/nr-a?norange=1&rate=120000&seed=41", "nr-a.bin");
    fx_wait_bytes(a, 0, 1);
    b = fx_start_one(f, "/gen/160000/nr-b?norange=1&rate=120000&seed=42", "nr-b.bin");
    fx_wait_state_ms(a, BGC_STATE_TRANSFERRED, 15000, 1, __FILE__, __LINE__);
    fx_wait_state_ms(b, BGC_STATE_TRANSFERRED, 15000, 1, __FILE__, __LINE__);
    assert_int_equal(bgc_job_complete(a, &os_error), BGC_OK);
    assert_int_equal(bgc_job_complete(b, &os_error), BGC_OK);
    fx_assert_content(fx_path(f, "nr-a.bin", dest, sizeof(dest)), 41, 160000);
    fx_assert_content(fx_path(f, "nr-b.bin", dest, sizeof(dest)), 42, 160000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(N9_D1_slow_certificate_validator_does_not_stop_other_transfers, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(N9_D1_validator_can_suspend_its_job, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(S3_job_whose_server_ignores_range_keeps_its_slot, setup_short_slice,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(N9_slow_target_of_one_job_does_not_delay_another, ds_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(N9_at_most_four_deliveries_per_owner_in_flight, ds_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(N9_transferred_overtakes_queued_modifications, ds_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(N9_N2_per_job_serialization_holds_in_the_pool, ds_setup, fx_teardown),
    };
    return cmocka_run_group_tests_name("dispatch", tests, tls_group_setup, fx_group_teardown);
}
