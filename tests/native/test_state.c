/*
 * test_state.c - the job state machine through the public API: the state/method matrix of
 * bits-behavior.md §1.1/§1.2, final states (L29, L30), retry timing (L14, L15, L32) and
 * scheduling order (L31, S1). No HTTP server: see test_job_util.h for how each state is
 * reached deterministically.
 */
#include "test_job_util.h"

/* ---- Resume -------------------------------------------------------------------------- */

static void new_job_is_suspended_L1(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "new");

    assert_state(job, BGC_STATE_SUSPENDED);
    bgc_job_unref(job);
}

static void resume_with_no_files_returns_empty_L3(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "empty");

    assert_code(bgc_job_resume(job), BGC_E_EMPTY);
    assert_state(job, BGC_STATE_SUSPENDED);
    bgc_job_unref(job);
}

static void resume_moves_suspended_to_queued_L2(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *blocker = tj_connecting_job(env, "blocker");
    struct bgc_job *job = tj_job(env, "job");

    tj_add_local_copy(env, job, "a.src", 10, "a.out");
    assert_state(job, BGC_STATE_SUSPENDED);
    assert_code(bgc_job_resume(job), BGC_OK);
    tj_sleep_ms(50);
    assert_state(job, BGC_STATE_QUEUED);
    bgc_job_unref(job);
    bgc_job_unref(blocker);
}

static void resume_on_queued_is_ok_and_unchanged_L5(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *blocker = tj_connecting_job(env, "blocker");
    struct bgc_job *job = tj_queued_job(env, "queued");

    assert_code(bgc_job_resume(job), BGC_OK);
    assert_state(job, BGC_STATE_QUEUED);
    bgc_job_unref(job);
    bgc_job_unref(blocker);
}

static void resume_on_connecting_is_ok_and_unchanged_L5(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_connecting_job(env, "connecting");

    assert_code(bgc_job_resume(job), BGC_OK);
    assert_state(job, BGC_STATE_CONNECTING);
    bgc_job_unref(job);
}

static void resume_retries_transient_error_at_once_L4(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_transient_job(env, "ter"); /* retry delay 600 s */
    uint64_t end = tj_now_ms() + TJ_WAIT_MS;

    assert_int_equal(bgc_job_get_error_count(job), 1);
    assert_code(bgc_job_resume(job), BGC_OK);
    while (bgc_job_get_error_count(job) < 2 && tj_now_ms() < end)
        tj_sleep_ms(2);
    assert_int_equal(bgc_job_get_error_count(job), 2); /* tried again, not after 600 s */
    assert_reaches(job, BGC_STATE_TRANSIENT_ERROR);
    bgc_job_unref(job);
}

static void resume_moves_error_to_queued_and_retries_L4(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_error_job(env, "err");
    char src[512];

    /* Make the missing source appear: the retry now succeeds. */
    tj_write_file(tj_path(env, "no-such-source.bin", src, sizeof(src)), 64, 1);
    assert_code(bgc_job_resume(job), BGC_OK);
    assert_reaches(job, BGC_STATE_TRANSFERRED);
    bgc_job_unref(job);
}

static void resume_on_transferred_without_new_files_returns_empty_L35(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_transferred_job(env, "trd");

    assert_code(bgc_job_resume(job), BGC_E_EMPTY);
    assert_state(job, BGC_STATE_TRANSFERRED);
    bgc_job_unref(job);
}

static void add_file_keeps_transferred_job_transferred_L23(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_transferred_job(env, "trd");

    tj_add_local_copy(env, job, "second.src", 20, "second.out");
    tj_sleep_ms(50);
    assert_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_job_file_count(job), 2);
    bgc_job_unref(job);
}

static void resume_on_transferred_with_new_files_transfers_them_L23(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_transferred_job(env, "trd");
    struct bgc_job_progress p;

    tj_add_local_copy(env, job, "second.src", 20, "second.out");
    assert_code(bgc_job_resume(job), BGC_OK);
    assert_int_not_equal(bgc_job_get_state(job), BGC_STATE_SUSPENDED);
    assert_reaches(job, BGC_STATE_TRANSFERRED);
    bgc_job_get_progress(job, &p);
    assert_int_equal(p.files_transferred, 2);
    assert_int_equal(p.bytes_transferred, 1020);
    bgc_job_unref(job);
}

/* ---- Suspend ------------------------------------------------------------------------- */

static void suspend_on_suspended_is_ok_L19(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "sus");

    assert_code(bgc_job_suspend(job), BGC_OK);
    assert_state(job, BGC_STATE_SUSPENDED);
    bgc_job_unref(job);
}

static void suspend_moves_queued_to_suspended_L19(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *blocker = tj_connecting_job(env, "blocker");
    struct bgc_job *job = tj_queued_job(env, "queued");

    assert_code(bgc_job_suspend(job), BGC_OK);
    assert_state(job, BGC_STATE_SUSPENDED);
    bgc_job_unref(job);
    bgc_job_unref(blocker);
}

static void suspend_moves_connecting_to_suspended_and_frees_its_slot_L19(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *blocker = tj_connecting_job(env, "blocker");
    struct bgc_job *job = tj_queued_job(env, "queued");

    assert_code(bgc_job_suspend(blocker), BGC_OK);
    assert_state(blocker, BGC_STATE_SUSPENDED);
    assert_reaches(job, BGC_STATE_TRANSFERRED); /* the slot went to the queued job */
    bgc_job_unref(job);
    bgc_job_unref(blocker);
}

static void suspend_moves_transient_error_to_suspended_L19(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_transient_job(env, "ter");

    assert_code(bgc_job_suspend(job), BGC_OK);
    assert_state(job, BGC_STATE_SUSPENDED);
    bgc_job_unref(job);
}

static void suspend_moves_error_to_suspended_L19(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_error_job(env, "err");

    assert_code(bgc_job_suspend(job), BGC_OK);
    assert_state(job, BGC_STATE_SUSPENDED);
    bgc_job_unref(job);
}

static void suspend_on_transferred_without_new_files_stays_transferred_L35(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_transferred_job(env, "trd");

    assert_code(bgc_job_suspend(job), BGC_OK);
    assert_state(job, BGC_STATE_TRANSFERRED);
    bgc_job_unref(job);
}

static void suspend_on_transferred_with_new_files_suspends_L35(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_transferred_job(env, "trd");

    tj_add_local_copy(env, job, "second.src", 20, "second.out");
    assert_code(bgc_job_suspend(job), BGC_OK);
    assert_state(job, BGC_STATE_SUSPENDED);
    bgc_job_unref(job);
}

static void resume_of_suspended_job_with_every_file_done_is_transferred(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_transferred_job(env, "trd");

    tj_add_local_copy(env, job, "second.src", 20, "second.out");
    assert_code(bgc_job_suspend(job), BGC_OK);
    assert_code(bgc_job_resume(job), BGC_OK);
    assert_reaches(job, BGC_STATE_TRANSFERRED);
    bgc_job_unref(job);
}

/* ---- Cancel and Complete --------------------------------------------------------------- */

static void cancel_moves_suspended_to_cancelled_L20(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "can");

    assert_code(bgc_job_cancel(job), BGC_OK);
    assert_state(job, BGC_STATE_CANCELLED);
    bgc_job_unref(job);
}

static void cancel_moves_connecting_to_cancelled_and_frees_its_slot_L20(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *blocker = tj_connecting_job(env, "blocker");
    struct bgc_job *job = tj_queued_job(env, "queued");

    assert_code(bgc_job_cancel(blocker), BGC_OK);
    assert_state(blocker, BGC_STATE_CANCELLED);
    assert_reaches(job, BGC_STATE_TRANSFERRED);
    bgc_job_unref(job);
    bgc_job_unref(blocker);
}

static void cancel_moves_error_to_cancelled_L20(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_error_job(env, "err");

    assert_code(bgc_job_cancel(job), BGC_OK);
    assert_state(job, BGC_STATE_CANCELLED);
    bgc_job_unref(job);
}

static void cancel_moves_transferred_to_cancelled_L20(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_transferred_job(env, "trd");

    assert_code(bgc_job_cancel(job), BGC_OK);
    assert_state(job, BGC_STATE_CANCELLED);
    bgc_job_unref(job);
}

static void complete_moves_suspended_job_without_files_to_acknowledged_L21(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "ack");

    assert_code(bgc_job_complete(job, NULL), BGC_OK);
    assert_state(job, BGC_STATE_ACKNOWLEDGED);
    bgc_job_unref(job);
}

static void complete_moves_transferred_to_acknowledged_L21(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_transferred_job(env, "trd");

    assert_code(bgc_job_complete(job, NULL), BGC_OK);
    assert_state(job, BGC_STATE_ACKNOWLEDGED);
    bgc_job_unref(job);
}

static void complete_moves_connecting_to_acknowledged_partial_L21(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_connecting_job(env, "con");

    assert_code(bgc_job_complete(job, NULL), BGC_S_PARTIAL_COMPLETE);
    assert_state(job, BGC_STATE_ACKNOWLEDGED);
    bgc_job_unref(job);
}

static void complete_moves_transient_error_to_acknowledged_partial_L21(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_transient_job(env, "ter");

    assert_code(bgc_job_complete(job, NULL), BGC_S_PARTIAL_COMPLETE);
    assert_state(job, BGC_STATE_ACKNOWLEDGED);
    bgc_job_unref(job);
}

/* ---- Final states ---------------------------------------------------------------------- */

static struct bgc_job *cancelled_job(struct tj_env *env)
{
    struct bgc_job *job = tj_job(env, "final");

    tj_add_local_copy(env, job, "f.src", 10, "f.out");
    assert_code(bgc_job_cancel(job), BGC_OK);
    return job;
}

static void resume_on_final_job_is_invalid_state_L29(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = cancelled_job(env);

    assert_code(bgc_job_resume(job), BGC_E_INVALID_STATE);
    assert_state(job, BGC_STATE_CANCELLED);
    bgc_job_unref(job);
}

static void suspend_on_final_job_is_invalid_state_L29(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = cancelled_job(env);

    assert_code(bgc_job_suspend(job), BGC_E_INVALID_STATE);
    assert_state(job, BGC_STATE_CANCELLED);
    bgc_job_unref(job);
}

static void cancel_twice_is_invalid_state_L30(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = cancelled_job(env);

    assert_code(bgc_job_cancel(job), BGC_E_INVALID_STATE);
    bgc_job_unref(job);
}

static void complete_after_cancel_is_invalid_state_L29(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = cancelled_job(env);

    assert_code(bgc_job_complete(job, NULL), BGC_E_INVALID_STATE);
    assert_state(job, BGC_STATE_CANCELLED);
    bgc_job_unref(job);
}

static void complete_twice_is_invalid_state_L30(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "ack");

    assert_code(bgc_job_complete(job, NULL), BGC_OK);
    assert_code(bgc_job_complete(job, NULL), BGC_E_INVALID_STATE);
    assert_code(bgc_job_cancel(job), BGC_E_INVALID_STATE);
    assert_state(job, BGC_STATE_ACKNOWLEDGED);
    bgc_job_unref(job);
}

static void add_file_on_final_job_is_invalid_state_L29(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = cancelled_job(env);
    char local[512];
    struct bgc_file_spec spec = {"http://127.0.0.1/x", tj_path(env, "x", local, sizeof(local))};

    assert_code(bgc_job_add_files(job, 1, &spec), BGC_E_INVALID_STATE);
    assert_int_equal(bgc_job_file_count(job), 1);
    bgc_job_unref(job);
}

static void setters_on_final_job_are_invalid_state_G3(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = cancelled_job(env);
    char *name = NULL;

    assert_code(bgc_job_set_display_name(job, "new"), BGC_E_INVALID_STATE);
    assert_code(bgc_job_set_description(job, "d"), BGC_E_INVALID_STATE);
    assert_code(bgc_job_set_priority(job, BGC_PRIO_HIGH), BGC_E_INVALID_STATE);
    assert_code(bgc_job_set_notify_flags(job, 0), BGC_E_INVALID_STATE);
    assert_code(bgc_job_set_min_retry_delay(job, 60), BGC_E_INVALID_STATE);
    assert_code(bgc_job_set_no_progress_timeout(job, 60), BGC_E_INVALID_STATE);
    assert_code(bgc_job_get_display_name(job, &name), BGC_OK);
    assert_string_equal(name, "final");
    assert_int_equal(bgc_job_get_priority(job), BGC_PRIO_NORMAL);
    bgc_free(name);
    bgc_job_unref(job);
}

static void final_job_disappears_from_list_L30(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *keep = tj_job(env, "keep");
    struct bgc_job *job = cancelled_job(env);
    struct bgc_job **list = NULL;
    size_t n = 99;

    assert_code(bgc_queue_list_jobs(env->q, NULL, &list, &n), BGC_OK);
    assert_int_equal(n, 1);
    assert_ptr_equal(list[0], keep);
    bgc_job_list_free(list, n);
    bgc_job_unref(job);
    bgc_job_unref(keep);
}

static void get_job_on_final_job_is_not_found_L30(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = cancelled_job(env), *found = (struct bgc_job *)&found;
    struct bgc_id id;

    bgc_job_get_id(job, &id);
    assert_code(bgc_queue_get_job(env->q, &id, &found), BGC_E_NOT_FOUND);
    assert_null(found);
    bgc_job_unref(job);
}

static void final_job_still_answers_getters_L30(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = cancelled_job(env);
    char *remote = NULL, *local = NULL;
    struct bgc_job_progress p;

    tj_sleep_ms(50); /* let the engine purge it from the queue */
    assert_state(job, BGC_STATE_CANCELLED);
    assert_int_equal(bgc_job_file_count(job), 1);
    assert_code(bgc_job_get_file_names(job, 0, &remote, &local), BGC_OK);
    assert_non_null(strstr(local, "f.out"));
    bgc_job_get_progress(job, &p);
    assert_int_equal(p.files_total, 1);
    bgc_free(remote);
    bgc_free(local);
    bgc_job_unref(job);
}

/* ---- Errors and retries ---------------------------------------------------------------- */

static void transient_error_retries_after_min_retry_delay_L14(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "ter");
    uint64_t start, end;

    tj_add_refused(env, job, "t.out");
    assert_code(bgc_job_set_min_retry_delay(job, 1), BGC_OK);
    assert_code(bgc_job_resume(job), BGC_OK);
    assert_reaches(job, BGC_STATE_TRANSIENT_ERROR);
    start = tj_now_ms();
    end = start + TJ_WAIT_MS;
    while (bgc_job_get_error_count(job) < 2 && tj_now_ms() < end)
        tj_sleep_ms(5);
    assert_int_equal(bgc_job_get_error_count(job), 2);
    assert_true(tj_now_ms() - start >= 900); /* not before the delay */
    bgc_job_unref(job);
}

static void transient_error_is_not_retried_before_min_retry_delay_L14(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_transient_job(env, "ter"); /* 600 s */

    tj_sleep_ms(300);
    assert_int_equal(bgc_job_get_error_count(job), 1);
    assert_state(job, BGC_STATE_TRANSIENT_ERROR);
    bgc_job_unref(job);
}

static void no_progress_timeout_zero_makes_transient_errors_fatal_L32(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "fatal");
    struct bgc_error err;

    tj_add_refused(env, job, "t.out");
    assert_code(bgc_job_set_no_progress_timeout(job, 0), BGC_OK);
    assert_code(bgc_job_resume(job), BGC_OK);
    assert_reaches(job, BGC_STATE_ERROR);
    assert_code(bgc_job_get_error(job, &err), BGC_OK);
    assert_code(err.code, BGC_E_CONNECT_FAILURE);
    bgc_job_unref(job);
}

static void retry_delay_above_no_progress_timeout_is_fatal_L32(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "fatal");

    tj_add_refused(env, job, "t.out");
    assert_code(bgc_job_set_no_progress_timeout(job, 10), BGC_OK);
    assert_code(bgc_job_set_min_retry_delay(job, 11), BGC_OK);
    assert_code(bgc_job_resume(job), BGC_OK);
    assert_reaches(job, BGC_STATE_ERROR);
    bgc_job_unref(job);
}

static void no_progress_timeout_moves_transient_error_to_error_L15(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "npt");
    uint64_t start = tj_now_ms();
    struct bgc_error err;

    tj_add_refused(env, job, "t.out");
    assert_code(bgc_job_set_no_progress_timeout(job, 2), BGC_OK);
    assert_code(bgc_job_set_min_retry_delay(job, 1), BGC_OK);
    assert_code(bgc_job_resume(job), BGC_OK);
    assert_reaches(job, BGC_STATE_ERROR);
    assert_true(tj_now_ms() - start >= 1900);
    assert_true(bgc_job_get_error_count(job) >= 2); /* it did retry before giving up */
    assert_code(bgc_job_get_error(job, &err), BGC_OK);
    assert_code(err.code, BGC_E_CONNECT_FAILURE);
    bgc_job_unref(job);
}

static void error_record_exists_only_in_error_states_R10(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_error_job(env, "err");
    struct bgc_error err;

    assert_code(bgc_job_get_error(job, &err), BGC_OK);
    assert_code(bgc_job_suspend(job), BGC_OK);
    assert_code(bgc_job_get_error(job, &err), BGC_E_NO_ERROR_INFO);
    bgc_job_unref(job);
}

static void transferred_job_has_no_error_record_R10(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_transferred_job(env, "trd");
    struct bgc_error err;

    assert_code(bgc_job_get_error(job, &err), BGC_E_NO_ERROR_INFO);
    assert_int_equal(bgc_job_get_error_count(job), 0);
    bgc_job_unref(job);
}

static void missing_file_source_is_fatal_remote_not_found_R3(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_error_job(env, "err");
    struct bgc_error err;

    memset(&err, 0x5A, sizeof(err));
    assert_code(bgc_job_get_error(job, &err), BGC_OK);
    assert_code(err.code, BGC_E_REMOTE_NOT_FOUND);
    assert_int_equal(err.context, BGC_CTX_REMOTE_FILE);
    assert_int_equal(err.file_index, 0);
    assert_string_equal(err.protocol, "file");
    assert_int_equal(err.http_status, 0);
    assert_int_not_equal(err.curl_code, 0);
    assert_true(strlen(err.message) > 0);
    assert_int_equal(bgc_job_get_error_count(job), 1);
    bgc_job_unref(job);
}

static void refused_connection_is_transient_connect_failure_R1(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_transient_job(env, "ter");
    struct bgc_error err;

    assert_code(bgc_job_get_error(job, &err), BGC_OK);
    assert_code(err.code, BGC_E_CONNECT_FAILURE);
    assert_int_equal(err.context, BGC_CTX_GENERAL_TRANSPORT);
    assert_string_equal(err.protocol, "http");
    assert_int_equal(err.file_index, 0);
    bgc_job_unref(job);
}

/* ---- Progress and order ---------------------------------------------------------------- */

static void last_file_done_moves_job_to_transferred_L18(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "two");
    struct bgc_job_progress p;
    struct bgc_job_times t;

    tj_add_local_copy(env, job, "1.src", 1500, "1.out");
    tj_add_local_copy(env, job, "2.src", 2500, "2.out");
    assert_code(bgc_job_resume(job), BGC_OK);
    assert_reaches(job, BGC_STATE_TRANSFERRED);
    bgc_job_get_progress(job, &p);
    assert_int_equal(p.files_total, 2);
    assert_int_equal(p.files_transferred, 2);
    assert_int_equal(p.bytes_total, 4000);
    assert_int_equal(p.bytes_transferred, 4000);
    bgc_job_get_times(job, &t);
    assert_true(t.transfer_completion >= t.creation);
    assert_true(t.transfer_completion != 0);
    bgc_job_unref(job);
}

static void files_of_a_job_transfer_in_order_L31(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "ordered");
    struct bgc_file_progress fp;
    char *temp = NULL;

    tj_add_stuck(env, job, "first.out");
    tj_add_local_copy(env, job, "second.src", 100, "second.out");
    assert_code(bgc_job_resume(job), BGC_OK);
    assert_reaches(job, BGC_STATE_CONNECTING);
    tj_sleep_ms(100);
    assert_code(bgc_job_get_file_progress(job, 1, &fp), BGC_OK);
    assert_int_equal(fp.bytes_transferred, 0);
    assert_code(bgc_job_get_file_temp_name(job, 1, &temp), BGC_OK);
    assert_string_equal(temp, ""); /* the second file has not started */
    bgc_free(temp);
    bgc_job_unref(job);
}

static void higher_priority_job_starts_first_S1(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *blocker = tj_connecting_job(env, "blocker");
    struct bgc_job *low = tj_job(env, "normal"), *high = tj_job(env, "high");

    tj_add_stuck(env, low, "low.out");
    tj_add_stuck(env, high, "high.out");
    /* HIGH, not FOREGROUND: foreground jobs do not use the background slot (S2, sched.c) */
    assert_code(bgc_job_set_priority(high, BGC_PRIO_HIGH), BGC_OK);
    assert_code(bgc_job_resume(low), BGC_OK);
    assert_code(bgc_job_resume(high), BGC_OK);
    assert_code(bgc_job_cancel(blocker), BGC_OK);
    assert_reaches(high, BGC_STATE_CONNECTING);
    assert_state(low, BGC_STATE_QUEUED);
    bgc_job_unref(low);
    bgc_job_unref(high);
    bgc_job_unref(blocker);
}

static void equal_priority_jobs_start_first_come_first_served_S3(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *blocker = tj_connecting_job(env, "blocker");
    struct bgc_job *second = tj_job(env, "created first, resumed second");
    struct bgc_job *first = tj_job(env, "created second, resumed first");

    tj_add_stuck(env, second, "b.out");
    tj_add_stuck(env, first, "a.out");
    assert_code(bgc_job_resume(first), BGC_OK);
    assert_code(bgc_job_resume(second), BGC_OK);
    assert_code(bgc_job_cancel(blocker), BGC_OK);
    assert_reaches(first, BGC_STATE_CONNECTING);
    assert_state(second, BGC_STATE_QUEUED);
    bgc_job_unref(first);
    bgc_job_unref(second);
    bgc_job_unref(blocker);
}

static void state_changes_move_modification_time_G7(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "times");
    struct bgc_job_times before, after;

    tj_add_local_copy(env, job, "a.src", 10, "a.out");
    bgc_job_get_times(job, &before);
    tj_sleep_ms(2);
    assert_code(bgc_job_cancel(job), BGC_OK);
    bgc_job_get_times(job, &after);
    assert_true(after.modification > before.modification);
    assert_true(after.creation == before.creation);
    bgc_job_unref(job);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tj_setup, tj_teardown)
#define T1(f) cmocka_unit_test_setup_teardown(f, tj_setup_one_slot, tj_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(new_job_is_suspended_L1),
        T(resume_with_no_files_returns_empty_L3),
        T1(resume_moves_suspended_to_queued_L2),
        T1(resume_on_queued_is_ok_and_unchanged_L5),
        T(resume_on_connecting_is_ok_and_unchanged_L5),
        T(resume_retries_transient_error_at_once_L4),
        T(resume_moves_error_to_queued_and_retries_L4),
        T(resume_on_transferred_without_new_files_returns_empty_L35),
        T(add_file_keeps_transferred_job_transferred_L23),
        T(resume_on_transferred_with_new_files_transfers_them_L23),
        T(suspend_on_suspended_is_ok_L19),
        T1(suspend_moves_queued_to_suspended_L19),
        T1(suspend_moves_connecting_to_suspended_and_frees_its_slot_L19),
        T(suspend_moves_transient_error_to_suspended_L19),
        T(suspend_moves_error_to_suspended_L19),
        T(suspend_on_transferred_without_new_files_stays_transferred_L35),
        T(suspend_on_transferred_with_new_files_suspends_L35),
        T(resume_of_suspended_job_with_every_file_done_is_transferred),
        T(cancel_moves_suspended_to_cancelled_L20),
        T1(cancel_moves_connecting_to_cancelled_and_frees_its_slot_L20),
        T(cancel_moves_error_to_cancelled_L20),
        T(cancel_moves_transferred_to_cancelled_L20),
        T(complete_moves_suspended_job_without_files_to_acknowledged_L21),
        T(complete_moves_transferred_to_acknowledged_L21),
        T(complete_moves_connecting_to_acknowledged_partial_L21),
        T(complete_moves_transient_error_to_acknowledged_partial_L21),
        T(resume_on_final_job_is_invalid_state_L29),
        T(suspend_on_final_job_is_invalid_state_L29),
        T(cancel_twice_is_invalid_state_L30),
        T(complete_after_cancel_is_invalid_state_L29),
        T(complete_twice_is_invalid_state_L30),
        T(add_file_on_final_job_is_invalid_state_L29),
        T(setters_on_final_job_are_invalid_state_G3),
        T(final_job_disappears_from_list_L30),
        T(get_job_on_final_job_is_not_found_L30),
        T(final_job_still_answers_getters_L30),
        T(transient_error_retries_after_min_retry_delay_L14),
        T(transient_error_is_not_retried_before_min_retry_delay_L14),
        T(no_progress_timeout_zero_makes_transient_errors_fatal_L32),
        T(retry_delay_above_no_progress_timeout_is_fatal_L32),
        T(no_progress_timeout_moves_transient_error_to_error_L15),
        T(error_record_exists_only_in_error_states_R10),
        T(transferred_job_has_no_error_record_R10),
        T(missing_file_source_is_fatal_remote_not_found_R3),
        T(refused_connection_is_transient_connect_failure_R1),
        T(last_file_done_moves_job_to_transferred_L18),
        T(files_of_a_job_transfer_in_order_L31),
        T1(higher_priority_job_starts_first_S1),
        T1(equal_priority_jobs_start_first_come_first_served_S3),
        T(state_changes_move_modification_time_G7),
    };

    return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
