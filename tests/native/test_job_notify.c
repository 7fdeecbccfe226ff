/*
 * test_job_notify.c - job events through struct bgc_sink (jobs/notify.c): which events are
 * raised (N1, N2), delivery at least once and retries (N4, N5), ordering (FILE_TRANSFERRED
 * before TRANSFERRED), rate limiting of MODIFICATION, and the sink's threading contract
 * (bgc.h invariant 5). Transfers use file:// sources; no server is needed.
 */
#include "test_job_util.h"

#include <pthread.h>

#define MAX_EVENTS 256

struct recorded {
    struct bgc_job *job;   /* not referenced: compared only */
    enum bgc_event ev;     /* what was delivered */
    unsigned file_index;   /* for FILE_TRANSFERRED */
    uint64_t at_ms;        /* when */
};

struct recorder {
    pthread_mutex_t lock;           /* protects everything below */
    struct recorded ev[MAX_EVENTS]; /* deliveries in order */
    int n;                          /* number recorded */
    int answers[8];                 /* results for TRANSFERRED/ERROR calls, in order */
    int n_answers;                  /* how many scripted; later calls get BGC_DELIVERED */
    int state_calls;                /* TRANSFERRED/ERROR calls so far */
    int starts, stops;              /* thread_start / thread_stop calls */
    pthread_t caller;               /* thread of the last delivery */
    int api_call_ok;                /* a bgc_ call from inside deliver worked */
};

static struct recorder rec;

static int rec_deliver(void *ctx, struct bgc_job *job, enum bgc_event ev, unsigned index)
{
    struct recorder *r = ctx;
    int result = BGC_DELIVERED;

    /* The sink may call back into jobs/ (no lock is held): reading the state must work. */
    enum bgc_state s = bgc_job_get_state(job);

    pthread_mutex_lock(&r->lock);
    if (r->n < MAX_EVENTS)
        r->ev[r->n++] = (struct recorded){job, ev, index, tj_now_ms()};
    if (ev == BGC_EVENT_TRANSFERRED || ev == BGC_EVENT_ERROR) {
        if (r->state_calls < r->n_answers)
            result = r->answers[r->state_calls];
        r->state_calls++;
    }
    r->caller = pthread_self();
    r->api_call_ok = (unsigned)s < BGC_STATE_COUNT;
    pthread_mutex_unlock(&r->lock);
    return result;
}

static void rec_start(void *ctx)
{
    struct recorder *r = ctx;

    pthread_mutex_lock(&r->lock);
    r->starts++;
    pthread_mutex_unlock(&r->lock);
}

static void rec_stop(void *ctx)
{
    struct recorder *r = ctx;

    pthread_mutex_lock(&r->lock);
    r->stops++;
    pthread_mutex_unlock(&r->lock);
}

static int setup_sink(void **state)
{
    struct tj_env *env;
    struct bgc_sink sink = {rec_deliver, rec_start, rec_stop, &rec};

    pthread_mutex_destroy(&rec.lock);
    memset(&rec, 0, sizeof(rec));
    pthread_mutex_init(&rec.lock, NULL);
    tj_setup_noqueue(state);
    env = *state;
    tj_queue(env, &sink);
    return 0;
}

/* Number of deliveries of ev (for job, or any job when NULL). */
static int count(struct bgc_job *job, enum bgc_event ev)
{
    int n = 0;

    pthread_mutex_lock(&rec.lock);
    for (int i = 0; i < rec.n; i++)
        n += rec.ev[i].ev == ev && (!job || rec.ev[i].job == job);
    pthread_mutex_unlock(&rec.lock);
    return n;
}

/* Waits until count(job, ev) >= want; returns the count. */
static int wait_count(struct bgc_job *job, enum bgc_event ev, int want, unsigned ms)
{
    uint64_t end = tj_now_ms() + ms;
    int n;

    while ((n = count(job, ev)) < want && tj_now_ms() < end)
        tj_sleep_ms(2);
    return n;
}

static void script(int a, int b)
{
    pthread_mutex_lock(&rec.lock);
    rec.answers[0] = a;
    rec.answers[1] = b;
    rec.n_answers = 2;
    pthread_mutex_unlock(&rec.lock);
}

/* ---- Which events ---------------------------------------------------------------------- */

static void transferred_event_delivered_once_N2(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_transferred_job(env, "trd");

    assert_int_equal(wait_count(job, BGC_EVENT_TRANSFERRED, 1, TJ_WAIT_MS), 1);
    tj_sleep_ms(100);
    assert_int_equal(count(job, BGC_EVENT_TRANSFERRED), 1);
    assert_int_equal(count(job, BGC_EVENT_ERROR), 0);
    bgc_job_unref(job);
}

static void error_event_delivered_on_error_N2(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_error_job(env, "err");

    assert_int_equal(wait_count(job, BGC_EVENT_ERROR, 1, TJ_WAIT_MS), 1);
    assert_int_equal(count(job, BGC_EVENT_TRANSFERRED), 0);
    bgc_job_unref(job);
}

static void no_error_event_for_transient_error_N2(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_transient_job(env, "ter");

    tj_sleep_ms(100);
    assert_int_equal(count(job, BGC_EVENT_ERROR), 0);
    bgc_job_unref(job);
}

static void default_flags_send_no_file_or_modification_events_N1(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_transferred_job(env, "quiet");

    assert_int_equal(wait_count(job, BGC_EVENT_TRANSFERRED, 1, TJ_WAIT_MS), 1);
    tj_sleep_ms(600);
    assert_int_equal(count(job, BGC_EVENT_FILE_TRANSFERRED), 0);
    assert_int_equal(count(job, BGC_EVENT_MODIFICATION), 0);
    bgc_job_unref(job);
}

static void disable_flag_suppresses_every_event_N1(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "disabled");

    assert_code(bgc_job_set_notify_flags(job, BGC_NOTIFY_ALL), BGC_OK); /* includes DISABLE */
    tj_add_local_copy(env, job, "a.src", 100, "a.out");
    assert_code(bgc_job_resume(job), BGC_OK);
    assert_reaches(job, BGC_STATE_TRANSFERRED);
    tj_sleep_ms(700);
    assert_int_equal(count(job, BGC_EVENT_TRANSFERRED), 0);
    assert_int_equal(count(job, BGC_EVENT_FILE_TRANSFERRED), 0);
    assert_int_equal(count(job, BGC_EVENT_MODIFICATION), 0);
    bgc_job_unref(job);
}

static void file_events_precede_transferred_in_file_order_N2(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "files");
    int first_file = -1, second_file = -1, transferred = -1;

    assert_code(bgc_job_set_notify_flags(job, BGC_NOTIFY_JOB_TRANSFERRED |
                                                  BGC_NOTIFY_FILE_TRANSFERRED),
                BGC_OK);
    tj_add_local_copy(env, job, "1.src", 10, "1.out");
    tj_add_local_copy(env, job, "2.src", 20, "2.out");
    assert_code(bgc_job_resume(job), BGC_OK);
    assert_int_equal(wait_count(job, BGC_EVENT_TRANSFERRED, 1, TJ_WAIT_MS), 1);
    pthread_mutex_lock(&rec.lock);
    for (int i = 0; i < rec.n; i++) {
        if (rec.ev[i].ev == BGC_EVENT_FILE_TRANSFERRED && rec.ev[i].file_index == 0)
            first_file = i;
        if (rec.ev[i].ev == BGC_EVENT_FILE_TRANSFERRED && rec.ev[i].file_index == 1)
            second_file = i;
        if (rec.ev[i].ev == BGC_EVENT_TRANSFERRED)
            transferred = i;
    }
    pthread_mutex_unlock(&rec.lock);
    assert_true(first_file >= 0 && second_file > first_file && transferred > second_file);
    assert_int_equal(count(job, BGC_EVENT_FILE_TRANSFERRED), 2);
    bgc_job_unref(job);
}

static void modification_events_are_rate_limited_N2(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "mods");
    uint64_t start = tj_now_ms(), elapsed;
    int n;

    assert_code(bgc_job_set_notify_flags(job, BGC_NOTIFY_JOB_MODIFICATION), BGC_OK);
    for (int i = 0; i < 200; i++) {
        assert_code(bgc_job_set_description(job, (i & 1) ? "odd" : "even"), BGC_OK);
        tj_sleep_ms(5);
    }
    elapsed = tj_now_ms() - start;
    n = wait_count(job, BGC_EVENT_MODIFICATION, 2, TJ_WAIT_MS);
    assert_true(n >= 2);                          /* changes were reported ... */
    assert_true(n <= (int)(elapsed / 500) + 2);   /* ... at most once per 500 ms */
    bgc_job_unref(job);
}

static void modification_event_for_a_property_change_N2(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "mod");

    assert_code(bgc_job_set_notify_flags(job, BGC_NOTIFY_JOB_MODIFICATION), BGC_OK);
    tj_sleep_ms(600); /* let the flag change's own event pass */
    pthread_mutex_lock(&rec.lock);
    rec.n = 0;
    pthread_mutex_unlock(&rec.lock);
    assert_code(bgc_job_set_priority(job, BGC_PRIO_HIGH), BGC_OK);
    assert_int_equal(wait_count(job, BGC_EVENT_MODIFICATION, 1, TJ_WAIT_MS), 1);
    bgc_job_unref(job);
}

/* ---- Delivery -------------------------------------------------------------------------- */

static void event_deferred_by_flags_is_delivered_when_enabled_N4(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "late");

    assert_code(bgc_job_set_notify_flags(job, BGC_NOTIFY_JOB_ERROR), BGC_OK);
    tj_add_local_copy(env, job, "a.src", 10, "a.out");
    assert_code(bgc_job_resume(job), BGC_OK);
    assert_reaches(job, BGC_STATE_TRANSFERRED);
    tj_sleep_ms(100);
    assert_int_equal(count(job, BGC_EVENT_TRANSFERRED), 0);
    assert_code(bgc_job_set_notify_flags(job, BGC_NOTIFY_DEFAULT), BGC_OK);
    assert_int_equal(wait_count(job, BGC_EVENT_TRANSFERRED, 1, TJ_WAIT_MS), 1);
    bgc_job_unref(job);
}

static void no_target_waits_for_kick_N4(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job;

    script(BGC_NO_TARGET, BGC_DELIVERED);
    job = tj_transferred_job(env, "kick");
    assert_int_equal(wait_count(job, BGC_EVENT_TRANSFERRED, 1, TJ_WAIT_MS), 1);
    tj_sleep_ms(300);
    assert_int_equal(count(job, BGC_EVENT_TRANSFERRED), 1); /* parked */
    assert_int_equal(bgc_queue_busy(env->q), 0);            /* no live target: not busy */
    bgc_job_notify_kick(job);
    assert_int_equal(wait_count(job, BGC_EVENT_TRANSFERRED, 2, TJ_WAIT_MS), 2);
    tj_sleep_ms(100);
    assert_int_equal(count(job, BGC_EVENT_TRANSFERRED), 2); /* delivered: no more calls */
    bgc_job_unref(job);
}

static void retry_result_retries_after_min_retry_delay_N5(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "retry");
    uint64_t first, second, end;

    script(BGC_RETRY, BGC_DELIVERED);
    assert_code(bgc_job_set_min_retry_delay(job, 1), BGC_OK);
    tj_add_local_copy(env, job, "a.src", 10, "a.out");
    assert_code(bgc_job_resume(job), BGC_OK);
    assert_int_equal(wait_count(job, BGC_EVENT_TRANSFERRED, 1, TJ_WAIT_MS), 1);
    assert_int_equal(bgc_queue_busy(env->q), 1); /* a live target still owes an answer */
    assert_int_equal(wait_count(job, BGC_EVENT_TRANSFERRED, 2, TJ_WAIT_MS), 2);
    pthread_mutex_lock(&rec.lock);
    first = rec.ev[0].at_ms;
    second = 0;
    for (int i = 1; i < rec.n; i++) {
        if (rec.ev[i].ev == BGC_EVENT_TRANSFERRED)
            second = rec.ev[i].at_ms;
    }
    pthread_mutex_unlock(&rec.lock);
    assert_true(second - first >= 900);
    end = tj_now_ms() + TJ_WAIT_MS; /* the result is recorded just after the sink returns */
    while (bgc_queue_busy(env->q) && tj_now_ms() < end)
        tj_sleep_ms(2);
    assert_int_equal(bgc_queue_busy(env->q), 0);
    bgc_job_unref(job);
}

static void leaving_the_state_drops_the_pending_event_N5(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job;

    script(BGC_NO_TARGET, BGC_DELIVERED);
    job = tj_transferred_job(env, "drop");
    assert_int_equal(wait_count(job, BGC_EVENT_TRANSFERRED, 1, TJ_WAIT_MS), 1);
    assert_code(bgc_job_complete(job, NULL), BGC_OK);
    bgc_job_notify_kick(job);
    tj_sleep_ms(200);
    assert_int_equal(count(job, BGC_EVENT_TRANSFERRED), 1);
    bgc_job_unref(job);
}

static void resume_from_error_drops_the_pending_error_event_N5(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job;

    script(BGC_NO_TARGET, BGC_DELIVERED);
    job = tj_error_job(env, "err");
    assert_int_equal(wait_count(job, BGC_EVENT_ERROR, 1, TJ_WAIT_MS), 1);
    assert_code(bgc_job_suspend(job), BGC_OK);
    bgc_job_notify_kick(job);
    tj_sleep_ms(200);
    assert_int_equal(count(job, BGC_EVENT_ERROR), 1);
    bgc_job_unref(job);
}

static void sink_runs_on_its_own_thread_with_start_and_stop(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_transferred_job(env, "thread");

    assert_int_equal(wait_count(job, BGC_EVENT_TRANSFERRED, 1, TJ_WAIT_MS), 1);
    pthread_mutex_lock(&rec.lock);
    assert_false(pthread_equal(rec.caller, pthread_self()));
    assert_true(rec.api_call_ok);
    assert_int_equal(rec.starts, 1);
    assert_int_equal(rec.stops, 0);
    pthread_mutex_unlock(&rec.lock);
    bgc_job_unref(job);
    bgc_queue_free(env->q);
    env->q = NULL;
    assert_int_equal(rec.stops, 1);
}

static void failing_call_never_calls_the_sink(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "fail");

    assert_code(bgc_job_set_notify_flags(job, BGC_NOTIFY_ALL & ~BGC_NOTIFY_DISABLE), BGC_OK);
    tj_sleep_ms(600);
    pthread_mutex_lock(&rec.lock);
    rec.n = 0;
    pthread_mutex_unlock(&rec.lock);
    assert_code(bgc_job_set_priority(job, 17), BGC_E_UNSUPPORTED_VALUE);
    assert_code(bgc_job_resume(job), BGC_E_EMPTY);
    tj_sleep_ms(700);
    assert_int_equal(count(job, BGC_EVENT_MODIFICATION), 0);
    bgc_job_unref(job);
}

/* ---- Where jobs are freed ---------------------------------------------------------------- */

static pthread_t engine_thread;   /* learnt from the engine's own log lines */
static atomic_int engine_known;
static pthread_t destroy_thread[8];
static atomic_int destroyed;

static void engine_spotting_log(void *ctx, enum bgc_log_level level, const char *channel,
                                const char *line)
{
    if (strstr(line, "by engine start_next") && !atomic_load(&engine_known)) {
        engine_thread = pthread_self();
        atomic_store(&engine_known, 1);
    }
    if (level <= BGC_LOG_WARN)
        tj_log(ctx, level, channel, line);
}

static void record_destroy(void *user)
{
    int i = atomic_fetch_add(&destroyed, 1);

    (void)user;
    if (i < 8)
        destroy_thread[i] = pthread_self();
}

static void user_destructor_never_runs_on_the_engine_thread(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *jobs[8];
    uint64_t end;

    atomic_store(&engine_known, 0);
    atomic_store(&destroyed, 0);
    bgc_log_set_sink(engine_spotting_log, NULL, BGC_LOG_INFO);
    for (int i = 0; i < 8; i++) {
        char name[16];

        tj_fmt(name, sizeof(name), "j%d", i);
        jobs[i] = tj_transferred_job(env, name);
        bgc_job_set_user(jobs[i], NULL, record_destroy);
    }
    assert_true(atomic_load(&engine_known));
    /* Cancel and let go at once: the engine's purge often holds the last reference. */
    for (int i = 0; i < 8; i++) {
        assert_code(bgc_job_cancel(jobs[i]), BGC_OK);
        bgc_job_unref(jobs[i]);
    }
    end = tj_now_ms() + TJ_WAIT_MS;
    while (atomic_load(&destroyed) < 8 && tj_now_ms() < end)
        tj_sleep_ms(2);
    assert_int_equal(atomic_load(&destroyed), 8);
    for (int i = 0; i < 8; i++)
        assert_false(pthread_equal(destroy_thread[i], engine_thread));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup_sink, tj_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(transferred_event_delivered_once_N2),
        T(error_event_delivered_on_error_N2),
        T(no_error_event_for_transient_error_N2),
        T(default_flags_send_no_file_or_modification_events_N1),
        T(disable_flag_suppresses_every_event_N1),
        T(file_events_precede_transferred_in_file_order_N2),
        T(modification_events_are_rate_limited_N2),
        T(modification_event_for_a_property_change_N2),
        T(event_deferred_by_flags_is_delivered_when_enabled_N4),
        T(no_target_waits_for_kick_N4),
        T(retry_result_retries_after_min_retry_delay_N5),
        T(leaving_the_state_drops_the_pending_event_N5),
        T(resume_from_error_drops_the_pending_error_event_N5),
        T(sink_runs_on_its_own_thread_with_start_and_stop),
        T(failing_call_never_calls_the_sink),
        T(user_destructor_never_runs_on_the_engine_thread),
    };

    return cmocka_run_group_tests_name("notify", tests, NULL, NULL);
}
