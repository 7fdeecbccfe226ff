/*
 * test_job_files.c - what happens to files on disk: temporary files (F4), Complete (F5, F6,
 * L22), Cancel (F7) and queue shutdown, using file:// sources so that no server is needed.
 * (HTTP transfers are tested in test_engine*.c against the loopback server.)
 */
#include "test_job_util.h"

static void temp_file_is_created_in_destination_directory_F4(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_transferred_job(env, "temp");
    char *temp = NULL, prefix[600];
    const char *base;

    assert_code(bgc_job_get_file_temp_name(job, 0, &temp), BGC_OK);
    tj_fmt(prefix, sizeof(prefix), "%s/BIT", env->dir);
    assert_memory_equal(temp, prefix, strlen(prefix));
    base = strrchr(temp, '/') + 1;
    assert_true(strlen(base) >= 3 + 8 + 4);
    assert_string_equal(base + strlen(base) - 4, ".tmp");
    assert_true(tj_exists(temp));
    assert_int_equal(tj_file_size(temp), 1000);
    bgc_free(temp);
    bgc_job_unref(job);
}

static void local_file_appears_only_after_complete_F5(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_transferred_job(env, "visible");
    char dst[512], src[512];
    struct bgc_file_progress fp;

    tj_path(env, "visible.out", dst, sizeof(dst));
    assert_false(tj_exists(dst)); /* TRANSFERRED alone makes nothing visible */
    assert_code(bgc_job_get_file_progress(job, 0, &fp), BGC_OK);
    assert_int_equal(fp.completed, 0);
    assert_int_equal(fp.bytes_total, 1000);
    assert_int_equal(fp.bytes_transferred, 1000);
    assert_code(bgc_job_complete(job, NULL), BGC_OK);
    assert_true(tj_exists(dst));
    assert_true(tj_same_content(dst, tj_path(env, "visible.src", src, sizeof(src))));
    assert_code(bgc_job_get_file_progress(job, 0, &fp), BGC_OK);
    assert_int_equal(fp.completed, 1);
    assert_int_equal(tj_count_prefix(env->dir, "BIT"), 0);
    bgc_job_unref(job);
}

static void complete_replaces_existing_local_file_F5(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "replace");
    char dst[512], src[512];

    tj_write_file(tj_path(env, "replace.out", dst, sizeof(dst)), 77, 9);
    tj_add_local_copy(env, job, "replace.src", 500, "replace.out");
    assert_code(bgc_job_resume(job), BGC_OK);
    assert_reaches(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(tj_file_size(dst), 77); /* untouched until Complete */
    assert_code(bgc_job_complete(job, NULL), BGC_OK);
    assert_true(tj_same_content(dst, tj_path(env, "replace.src", src, sizeof(src))));
    bgc_job_unref(job);
}

static void complete_keeps_only_transferred_files_F6(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "partial");
    char good[512], bad[512];
    struct bgc_file_progress fp;

    tj_add_local_copy(env, job, "good.src", 300, "good.out");
    tj_add_missing(env, job, "bad.out");
    assert_code(bgc_job_resume(job), BGC_OK);
    assert_reaches(job, BGC_STATE_ERROR);
    assert_int_equal(tj_count_prefix(env->dir, "BIT"), 2); /* both files got a temp file */
    assert_code(bgc_job_complete(job, NULL), BGC_S_PARTIAL_COMPLETE);
    assert_state(job, BGC_STATE_ACKNOWLEDGED);
    assert_true(tj_exists(tj_path(env, "good.out", good, sizeof(good))));
    assert_false(tj_exists(tj_path(env, "bad.out", bad, sizeof(bad))));
    assert_int_equal(tj_count_prefix(env->dir, "BIT"), 0); /* the partial temp is deleted */
    assert_code(bgc_job_get_file_progress(job, 0, &fp), BGC_OK);
    assert_int_equal(fp.completed, 1);
    assert_code(bgc_job_get_file_progress(job, 1, &fp), BGC_OK);
    assert_int_equal(fp.completed, 0);
    bgc_job_unref(job);
}

static void complete_rename_failure_keeps_job_and_returns_local_file_L22(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "blocked");
    char dir[512], inner[600];
    int os_error = 0;
    struct bgc_file_progress fp;

    /* The local name is a non-empty directory: renaming a file over it must fail. */
    assert_int_equal(mkdir(tj_path(env, "blocked.out", dir, sizeof(dir)), 0755), 0);
    tj_fmt(inner, sizeof(inner), "%s/keep", dir);
    tj_write_file(inner, 1, 1);
    tj_add_local_copy(env, job, "blocked.src", 10, "blocked.out");
    assert_code(bgc_job_resume(job), BGC_OK);
    assert_reaches(job, BGC_STATE_TRANSFERRED);
    assert_code(bgc_job_complete(job, &os_error), BGC_E_LOCAL_FILE);
    assert_int_not_equal(os_error, 0);
    assert_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(tj_count_prefix(env->dir, "BIT"), 1); /* the temp file is kept */
    assert_code(bgc_job_get_file_progress(job, 0, &fp), BGC_OK);
    assert_int_equal(fp.completed, 0);
    /* Once the obstacle is gone, Complete succeeds. */
    tj_remove_tree(dir);
    assert_code(bgc_job_complete(job, &os_error), BGC_OK);
    assert_int_equal(os_error, 0);
    assert_int_equal(tj_file_size(dir), 10);
    bgc_job_unref(job);
}

static void cancel_deletes_temporary_files_F7(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_transferred_job(env, "cancel");
    char *temp = NULL, dst[512];

    assert_code(bgc_job_get_file_temp_name(job, 0, &temp), BGC_OK);
    assert_true(tj_exists(temp));
    assert_code(bgc_job_cancel(job), BGC_OK);
    assert_false(tj_exists(temp));
    assert_false(tj_exists(tj_path(env, "cancel.out", dst, sizeof(dst))));
    bgc_free(temp);
    bgc_job_unref(job);
}

static void cancel_never_deletes_existing_local_file_F7(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "keep");
    char dst[512];

    tj_write_file(tj_path(env, "keep.out", dst, sizeof(dst)), 33, 3);
    tj_add_local_copy(env, job, "keep.src", 100, "keep.out");
    assert_code(bgc_job_resume(job), BGC_OK);
    assert_reaches(job, BGC_STATE_TRANSFERRED);
    assert_code(bgc_job_cancel(job), BGC_OK);
    assert_int_equal(tj_file_size(dst), 33);
    assert_int_equal(tj_count_prefix(env->dir, "BIT"), 0);
    bgc_job_unref(job);
}

static void cancel_reports_undeletable_temp_files_F7(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_transferred_job(env, "stubborn");
    char *temp = NULL, inner[600];

    /* Replace the temp file by a non-empty directory: unlink fails with EISDIR. */
    assert_code(bgc_job_get_file_temp_name(job, 0, &temp), BGC_OK);
    assert_int_equal(unlink(temp), 0);
    assert_int_equal(mkdir(temp, 0755), 0);
    tj_fmt(inner, sizeof(inner), "%s/x", temp);
    tj_write_file(inner, 1, 1);
    assert_code(bgc_job_cancel(job), BGC_S_UNABLE_TO_DELETE_FILES);
    assert_state(job, BGC_STATE_CANCELLED);
    bgc_free(temp);
    bgc_job_unref(job);
}

static void cancel_of_never_started_job_touches_nothing_F7(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "fresh");
    char dst[512];

    tj_write_file(tj_path(env, "fresh.out", dst, sizeof(dst)), 5, 5);
    tj_add_local_copy(env, job, "fresh.src", 10, "fresh.out");
    assert_code(bgc_job_cancel(job), BGC_OK);
    assert_int_equal(tj_file_size(dst), 5);
    bgc_job_unref(job);
}

static void temp_name_is_kept_across_suspend_and_resume_F4(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "kept");
    char *t1 = NULL, *t2 = NULL;

    tj_add_stuck(env, job, "kept.out");
    assert_code(bgc_job_resume(job), BGC_OK);
    assert_reaches(job, BGC_STATE_CONNECTING);
    assert_code(bgc_job_get_file_temp_name(job, 0, &t1), BGC_OK);
    assert_string_not_equal(t1, "");
    assert_code(bgc_job_suspend(job), BGC_OK);
    assert_code(bgc_job_resume(job), BGC_OK);
    assert_reaches(job, BGC_STATE_CONNECTING);
    assert_code(bgc_job_get_file_temp_name(job, 0, &t2), BGC_OK);
    assert_string_equal(t1, t2);
    assert_int_equal(tj_count_prefix(env->dir, "BIT"), 1);
    bgc_free(t1);
    bgc_free(t2);
    bgc_job_unref(job);
}

static void queue_free_keeps_temporary_files(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_connecting_job(env, "shutdown");
    char *temp = NULL;
    uint64_t end = tj_now_ms() + 10000;

    /* The job turns CONNECTING before the engine creates its temporary file: wait for it. */
    for (;;) {
        assert_code(bgc_job_get_file_temp_name(job, 0, &temp), BGC_OK);
        if (temp[0] && tj_exists(temp))
            break;
        bgc_free(temp);
        temp = NULL;
        assert_true(tj_now_ms() < end);
        tj_sleep_ms(5);
    }
    bgc_queue_free(env->q);
    env->q = NULL;
    assert_true(tj_exists(temp));
    assert_state(job, BGC_STATE_CONNECTING); /* inert, but readable */
    bgc_free(temp);
    bgc_job_unref(job);
}

static void absolute_path_source_is_copied(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "path");
    char src[512], dst[512];

    tj_write_file(tj_path(env, "plain path source.bin", src, sizeof(src)), 4321, 4);
    tj_add(job, src, tj_path(env, "path.out", dst, sizeof(dst)));
    assert_code(bgc_job_resume(job), BGC_OK);
    assert_reaches(job, BGC_STATE_TRANSFERRED);
    assert_code(bgc_job_complete(job, NULL), BGC_OK);
    assert_true(tj_same_content(src, dst));
    bgc_job_unref(job);
}

static void empty_source_file_transfers(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "zero");
    char dst[512];
    struct bgc_job_progress p;

    tj_add_local_copy(env, job, "zero.src", 0, "zero.out");
    assert_code(bgc_job_resume(job), BGC_OK);
    assert_reaches(job, BGC_STATE_TRANSFERRED);
    bgc_job_get_progress(job, &p);
    assert_int_equal(p.bytes_total, 0);
    assert_int_equal(p.files_transferred, 1);
    assert_code(bgc_job_complete(job, NULL), BGC_OK);
    assert_int_equal(tj_file_size(tj_path(env, "zero.out", dst, sizeof(dst))), 0);
    bgc_job_unref(job);
}

static void large_file_copy_is_exact(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "large");
    char src[512], dst[512];
    struct bgc_job_progress p;
    const size_t size = 5u * 1024 * 1024 + 123; /* several write buffers, odd tail */

    tj_add_local_copy(env, job, "large.src", size, "large.out");
    assert_code(bgc_job_resume(job), BGC_OK);
    assert_reaches(job, BGC_STATE_TRANSFERRED);
    bgc_job_get_progress(job, &p);
    assert_int_equal(p.bytes_total, size);
    assert_int_equal(p.bytes_transferred, size);
    assert_code(bgc_job_complete(job, NULL), BGC_OK);
    assert_true(tj_same_content(tj_path(env, "large.src", src, sizeof(src)),
                                tj_path(env, "large.out", dst, sizeof(dst))));
    bgc_job_unref(job);
}

static void deleted_temp_file_is_recreated_on_resume_F4(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "gone");
    char *temp = NULL, src[512], dst[512];

    tj_add_missing(env, job, "gone.out");
    assert_code(bgc_job_resume(job), BGC_OK);
    assert_reaches(job, BGC_STATE_ERROR);
    assert_code(bgc_job_get_file_temp_name(job, 0, &temp), BGC_OK);
    assert_int_equal(unlink(temp), 0);
    tj_write_file(tj_path(env, "no-such-source.bin", src, sizeof(src)), 50, 2);
    assert_code(bgc_job_resume(job), BGC_OK);
    assert_reaches(job, BGC_STATE_TRANSFERRED);
    assert_code(bgc_job_complete(job, NULL), BGC_OK);
    assert_true(tj_same_content(src, tj_path(env, "gone.out", dst, sizeof(dst))));
    bgc_free(temp);
    bgc_job_unref(job);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tj_setup, tj_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(temp_file_is_created_in_destination_directory_F4),
        T(local_file_appears_only_after_complete_F5),
        T(complete_replaces_existing_local_file_F5),
        T(complete_keeps_only_transferred_files_F6),
        T(complete_rename_failure_keeps_job_and_returns_local_file_L22),
        T(cancel_deletes_temporary_files_F7),
        T(cancel_never_deletes_existing_local_file_F7),
        T(cancel_reports_undeletable_temp_files_F7),
        T(cancel_of_never_started_job_touches_nothing_F7),
        T(temp_name_is_kept_across_suspend_and_resume_F4),
        T(queue_free_keeps_temporary_files),
        T(absolute_path_source_is_copied),
        T(empty_source_file_transfers),
        T(large_file_copy_is_exact),
        T(deleted_temp_file_is_recreated_on_resume_F4),
    };

    return cmocka_run_group_tests_name("files", tests, NULL, NULL);
}
