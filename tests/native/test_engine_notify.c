/*
 * test_engine_notify.c - the engine's notification sink: exactly-once delivery, NO_TARGET
 * kept until bgc_job_notify_kick, RETRY after the retry delay, notify flags, FileTransferred
 * before JobTransferred, the sink's thread hooks, and bgc_queue_busy.
 *
 * One behaviour per test, named after rules of bits-behavior.md (N*, L18) or bgc.h.
 */
#include "test_engine_fixture.h"

/* Waits until bgc_queue_busy equals `want` (bounded); returns the last value seen. */
static int wait_busy(struct bgc_queue *q, int want, unsigned timeout_ms)
{
    uint64_t end = fx_now_ms() + timeout_ms;
    int busy;

    for (;;) {
        busy = bgc_queue_busy(q) != 0;
        if (busy == want || fx_now_ms() >= end)
            return busy;
        fx_sleep_ms(5);
    }
}

/* N2: JobTransferred is delivered exactly once when the sink accepts it. */
static void N2_transferred_delivered_exactly_once(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = fx_start_one(f, "/gen/100000/once", "once.bin");

    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(fx_sink_wait(&f->sink, BGC_EVENT_TRANSFERRED, 1, WAIT_MS), 0);
    fx_sleep_ms(2500); /* more than two retry delays */
    assert_int_equal(fx_sink_count(&f->sink, BGC_EVENT_TRANSFERRED), 1);
    assert_int_equal(fx_sink_count(&f->sink, BGC_EVENT_ERROR), 0);
}

/* N4: an event the sink had no target for stays pending (not retried by itself) and is
 * delivered again after bgc_job_notify_kick. */
static void N4_no_target_is_redelivered_after_kick(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job;

    fx_sink_set_results(&f->sink, BGC_NO_TARGET, BGC_DELIVERED);
    job = fx_start_one(f, "/gen/100000/notarget", "nt.bin");
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(fx_sink_wait(&f->sink, BGC_EVENT_TRANSFERRED, 1, WAIT_MS), 0);
    fx_sleep_ms(2500);
    assert_int_equal(fx_sink_count(&f->sink, BGC_EVENT_TRANSFERRED), 1);

    fx_sink_set_results(&f->sink, BGC_DELIVERED, BGC_DELIVERED);
    bgc_job_notify_kick(job);
    assert_int_equal(fx_sink_wait(&f->sink, BGC_EVENT_TRANSFERRED, 2, WAIT_MS), 0);
    fx_sleep_ms(1500);
    assert_int_equal(fx_sink_count(&f->sink, BGC_EVENT_TRANSFERRED), 2);
}

/* N5: an event the sink failed (BGC_RETRY) is delivered again after the job's retry delay
 * (1 s here), and not again once delivered. */
static void N5_retry_is_redelivered_after_retry_delay(void **state)
{
    struct fx *f = *state;
    uint64_t t1, t2;

    fx_sink_set_results(&f->sink, BGC_RETRY, BGC_DELIVERED);
    fx_start_one(f, "/gen/100000/retry", "retry.bin");
    assert_int_equal(fx_sink_wait(&f->sink, BGC_EVENT_TRANSFERRED, 1, WAIT_MS), 0);
    fx_sink_set_results(&f->sink, BGC_DELIVERED, BGC_DELIVERED);
    assert_int_equal(fx_sink_wait(&f->sink, BGC_EVENT_TRANSFERRED, 2, WAIT_MS), 0);

    pthread_mutex_lock(&f->sink.mu);
    assert_true(f->sink.nevents >= 2);
    t1 = f->sink.events[0].t_ms;
    t2 = f->sink.events[1].t_ms;
    assert_int_equal(f->sink.events[0].result, BGC_RETRY);
    assert_int_equal(f->sink.events[1].result, BGC_DELIVERED);
    pthread_mutex_unlock(&f->sink.mu);
    if (t2 < t1 + 900)
        fail_msg("redelivered after %" PRIu64 " ms; the retry delay is 1 s", t2 - t1);
    fx_sleep_ms(2500);
    assert_int_equal(fx_sink_count(&f->sink, BGC_EVENT_TRANSFERRED), 2);
}

/* N1: without BGC_NOTIFY_JOB_TRANSFERRED in the flags, JobTransferred is not delivered. */
static void N1_transferred_not_delivered_without_its_flag(void **state)
{
    struct fx *f = *state;
    char url[256];
    const char *pairs[2];
    struct bgc_job *job;

    pairs[0] = fx_url("/gen/100000/noflag", url, sizeof(url));
    pairs[1] = "noflag.bin";
    job = fx_new_job_v(f, "noflag", 1, pairs);
    assert_int_equal(bgc_job_set_notify_flags(job, BGC_NOTIFY_JOB_ERROR), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    fx_sleep_ms(1500);
    assert_int_equal(fx_sink_count(&f->sink, BGC_EVENT_TRANSFERRED), 0);
}

/* N1: BGC_NOTIFY_DISABLE suppresses every event, whatever the other bits. */
static void N1_disable_flag_suppresses_all_events(void **state)
{
    struct fx *f = *state;
    char url[256];
    const char *pairs[2];
    struct bgc_job *job;

    pairs[0] = fx_url("/gen/100000/disabled", url, sizeof(url));
    pairs[1] = "disabled.bin";
    job = fx_new_job_v(f, "disabled", 1, pairs);
    assert_int_equal(bgc_job_set_notify_flags(job, BGC_NOTIFY_ALL | BGC_NOTIFY_DISABLE), BGC_OK);
    assert_int_equal(bgc_job_get_notify_flags(job), BGC_NOTIFY_ALL | BGC_NOTIFY_DISABLE);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    fx_sleep_ms(1500);
    pthread_mutex_lock(&f->sink.mu);
    assert_int_equal(f->sink.nevents, 0);
    pthread_mutex_unlock(&f->sink.mu);
}

/* L18, N2: each file's FileTransferred is delivered, in file order, before JobTransferred. */
static void L18_file_transferred_precedes_job_transferred(void **state)
{
    struct fx *f = *state;
    char u[2][256];
    const char *pairs[4];
    struct bgc_job *job;
    unsigned i, nfile = 0, seen_job = 0;

    pairs[0] = fx_url("/gen/200000/ft-a", u[0], sizeof(u[0]));
    pairs[1] = "ft-a.bin";
    pairs[2] = fx_url("/gen/100000/ft-b", u[1], sizeof(u[1]));
    pairs[3] = "ft-b.bin";
    job = fx_new_job_v(f, "file events", 2, pairs);
    assert_int_equal(bgc_job_set_notify_flags(job, BGC_NOTIFY_JOB_TRANSFERRED | BGC_NOTIFY_FILE_TRANSFERRED), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    assert_int_equal(fx_sink_wait(&f->sink, BGC_EVENT_TRANSFERRED, 1, WAIT_MS), 0);

    pthread_mutex_lock(&f->sink.mu);
    for (i = 0; i < f->sink.nevents && i < MAX_EVENTS; i++) {
        const struct fx_event *e = &f->sink.events[i];
        if (e->ev == BGC_EVENT_FILE_TRANSFERRED) {
            assert_false(seen_job);
            assert_int_equal(e->file_index, nfile);
            nfile++;
        } else if (e->ev == BGC_EVENT_TRANSFERRED) {
            seen_job = 1;
        }
    }
    pthread_mutex_unlock(&f->sink.mu);
    assert_int_equal(nfile, 2);
    assert_true(seen_job);
}

/* N2: with BGC_NOTIFY_JOB_MODIFICATION, progress produces JobModification events. */
static void N2_modification_delivered_with_its_flag(void **state)
{
    struct fx *f = *state;
    char url[256];
    const char *pairs[2];
    struct bgc_job *job;

    pairs[0] = fx_url("/gen/2000000/modif?stall=1200&stallat=1000000", url, sizeof(url));
    pairs[1] = "modif.bin";
    job = fx_new_job_v(f, "modification", 1, pairs);
    assert_int_equal(bgc_job_set_notify_flags(job, BGC_NOTIFY_JOB_MODIFICATION), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(fx_sink_wait(&f->sink, BGC_EVENT_MODIFICATION, 1, WAIT_MS), 0);
    fx_sleep_ms(1200);
    assert_int_equal(fx_sink_count(&f->sink, BGC_EVENT_TRANSFERRED), 0);
}

/* bgc.h sink contract: thread_start runs before the first delivery, deliveries happen between
 * the hooks, and thread_stop runs once when the queue is freed. */
static void sink_thread_hooks_bracket_deliveries(void **state)
{
    struct fx *f = *state;

    fx_start_one(f, "/gen/1000/hooks", "hooks.bin");
    assert_int_equal(fx_sink_wait(&f->sink, BGC_EVENT_TRANSFERRED, 1, WAIT_MS), 0);
    pthread_mutex_lock(&f->sink.mu);
    assert_int_equal(f->sink.thread_start, 1);
    assert_int_equal(f->sink.wrong_thread, 0);
    assert_int_equal(f->sink.thread_stop, 0);
    pthread_mutex_unlock(&f->sink.mu);

    bgc_queue_free(f->q);
    f->q = NULL;
    pthread_mutex_lock(&f->sink.mu);
    assert_int_equal(f->sink.thread_start, 1);
    assert_int_equal(f->sink.thread_stop, 1);
    pthread_mutex_unlock(&f->sink.mu);
}

/* bgc_queue_busy: a TRANSFERRED notification the live target failed (RETRY) keeps the queue
 * busy; once it is delivered the queue is idle. */
static void busy_while_transferred_notification_awaits_retry(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job;

    fx_sink_set_results(&f->sink, BGC_RETRY, BGC_DELIVERED);
    job = fx_start_one(f, "/gen/1000/busy-retry", "busy-retry.bin");
    assert_int_equal(fx_sink_wait(&f->sink, BGC_EVENT_TRANSFERRED, 1, WAIT_MS), 0);
    assert_int_equal(bgc_job_get_state(job), BGC_STATE_TRANSFERRED);
    assert_true(bgc_queue_busy(f->q) != 0);
    fx_sink_set_results(&f->sink, BGC_DELIVERED, BGC_DELIVERED);
    assert_int_equal(fx_sink_wait(&f->sink, BGC_EVENT_TRANSFERRED, 2, WAIT_MS), 0);
    assert_int_equal(wait_busy(f->q, 0, 5000), 0);
}

/* bgc_queue_busy: a notification with no target (NO_TARGET) does not keep the queue busy. */
static void idle_when_transferred_notification_has_no_target(void **state)
{
    struct fx *f = *state;

    fx_sink_set_results(&f->sink, BGC_NO_TARGET, BGC_DELIVERED);
    fx_start_one(f, "/gen/1000/busy-none", "busy-none.bin");
    assert_int_equal(fx_sink_wait(&f->sink, BGC_EVENT_TRANSFERRED, 1, WAIT_MS), 0);
    assert_int_equal(wait_busy(f->q, 0, 5000), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(N2_transferred_delivered_exactly_once, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(N4_no_target_is_redelivered_after_kick, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(N5_retry_is_redelivered_after_retry_delay, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(N1_transferred_not_delivered_without_its_flag, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(N1_disable_flag_suppresses_all_events, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(L18_file_transferred_precedes_job_transferred, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(N2_modification_delivered_with_its_flag, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(sink_thread_hooks_bracket_deliveries, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(busy_while_transferred_notification_awaits_retry, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(idle_when_transferred_notification_has_no_target, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests_name("engine_notify", tests, fx_group_setup, fx_group_teardown);
}
