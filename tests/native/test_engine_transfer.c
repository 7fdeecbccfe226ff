/*
 * test_engine_transfer.c - the engine's download path against the loopback server: content,
 * progress, temporary files, Complete, Cancel, Suspend/Resume with ranges, servers without
 * range or length support, file:// sources, redirects, and queue shutdown mid-transfer.
 *
 * One behaviour per test, named after rules of bits-behavior.md where one applies. Every
 * test uses its own server path so the server log can be read per test.
 */
#include "test_engine_fixture.h"

#include <sys/time.h>

/* A plain download: the file arrives byte-exact and progress reports the Content-Length. */
static void download_completes_with_exact_content_and_progress(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = fx_start_one(f, "/gen/1000000/basic", "basic.bin");
    struct bgc_job_progress jp;
    struct bgc_file_progress fp;
    char dest[PATH_MAX];
    int os_error = -1;

    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    bgc_job_get_progress(job, &jp);
    assert_int_equal(jp.bytes_total, 1000000);
    assert_int_equal(jp.bytes_transferred, 1000000);
    assert_int_equal(jp.files_total, 1);
    assert_int_equal(jp.files_transferred, 1);
    assert_int_equal(bgc_job_get_file_progress(job, 0, &fp), BGC_OK);
    assert_int_equal(fp.bytes_total, 1000000);
    assert_int_equal(fp.bytes_transferred, 1000000);

    assert_int_equal(bgc_job_complete(job, &os_error), BGC_OK);
    assert_int_equal(bgc_job_get_state(job), BGC_STATE_ACKNOWLEDGED);
    fx_assert_content(fx_path(f, "basic.bin", dest, sizeof(dest)), 1, 1000000);
}

/* L31: files of a job transfer one at a time in the order added, and all arrive. */
static void L31_files_transfer_in_order_and_all_arrive(void **state)
{
    struct fx *f = *state;
    char u[3][256], dest[PATH_MAX];
    const char *pairs[6];
    struct bgc_httpd_request r[3];
    struct bgc_job *job;
    struct bgc_job_progress jp;
    int i;

    pairs[0] = fx_url("/gen/300000/order-a?seed=11", u[0], sizeof(u[0]));
    pairs[1] = "a.bin";
    pairs[2] = fx_url("/gen/200000/order-b?seed=12", u[1], sizeof(u[1]));
    pairs[3] = "b.bin";
    pairs[4] = fx_url("/gen/100000/order-c?seed=13", u[2], sizeof(u[2]));
    pairs[5] = "c.bin";
    job = fx_new_job_v(f, "order", 3, pairs);
    assert_int_equal(bgc_job_file_count(job), 3);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);

    bgc_job_get_progress(job, &jp);
    assert_int_equal(jp.files_total, 3);
    assert_int_equal(jp.files_transferred, 3);
    assert_int_equal(jp.bytes_total, 600000);
    assert_int_equal(jp.bytes_transferred, 600000);

    /* One at a time, in order: each file's first GET comes after the previous file's last
     * GET finished sending. */
    assert_int_equal(fx_first_get("/gen/300000/order-a", &r[0]), 0);
    assert_int_equal(fx_first_get("/gen/200000/order-b", &r[1]), 0);
    assert_int_equal(fx_first_get("/gen/100000/order-c", &r[2]), 0);
    assert_true(r[0].index < r[1].index);
    assert_true(r[1].index < r[2].index);
    for (i = 0; i < 2; i++) {
        struct bgc_httpd_request last;
        static const char *paths[] = { "/gen/300000/order-a", "/gen/200000/order-b" };
        assert_int_equal(fx_last_get(paths[i], &last), 0);
        assert_true(last.done);
        assert_true(last.index < r[i + 1].index);
    }

    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "a.bin", dest, sizeof(dest)), 11, 300000);
    fx_assert_content(fx_path(f, "b.bin", dest, sizeof(dest)), 12, 200000);
    fx_assert_content(fx_path(f, "c.bin", dest, sizeof(dest)), 13, 100000);
    assert_int_equal(fx_count_temps(f), 0);
}

/* F4: while transferring, the data goes to a BIT*.tmp file in the destination's directory,
 * which get_file_temp_name returns; the destination does not exist; the size is known. */
static void F4_temp_file_lives_beside_destination_during_transfer(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = fx_start_one(f, "/gen/1000000/f4?stall=3000&stallat=500000&stallid=f4", "f4.bin");
    struct bgc_file_progress fp;
    struct bgc_job_progress jp;
    char dest[PATH_MAX], dir_of_temp[PATH_MAX], *temp = NULL, *slash;
    const char *base;

    fx_wait_bytes(job, 0, 500000);
    assert_int_equal(bgc_job_get_state(job), BGC_STATE_TRANSFERRING);
    assert_int_equal(bgc_job_get_file_progress(job, 0, &fp), BGC_OK);
    assert_int_equal(fp.bytes_total, 1000000);
    assert_int_equal(fp.completed, 0);
    bgc_job_get_progress(job, &jp);
    assert_int_equal(jp.bytes_total, 1000000);

    assert_int_equal(bgc_job_get_file_temp_name(job, 0, &temp), BGC_OK);
    assert_non_null(temp);
    snprintf(dir_of_temp, sizeof(dir_of_temp), "%s", temp);
    slash = strrchr(dir_of_temp, '/');
    assert_non_null(slash);
    *slash = '\0';
    base = slash + 1;
    assert_string_equal(dir_of_temp, f->dir);
    assert_true(strncmp(base, "BIT", 3) == 0);
    assert_true(strlen(base) > 7 && strcmp(base + strlen(base) - 4, ".tmp") == 0);
    assert_true(fx_exists(temp));
    assert_int_equal(fx_count_temps(f), 1);
    assert_false(fx_exists(fx_path(f, "f4.bin", dest, sizeof(dest))));
    bgc_free(temp);

    assert_int_equal(bgc_job_cancel(job), BGC_OK);
}

/* F5, L21: TRANSFERRED makes nothing visible; Complete renames the temporary to the local
 * name, marks the file completed and moves the job to ACKNOWLEDGED. */
static void F5_complete_renames_temp_and_acknowledges(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = fx_start_one(f, "/gen/250000/f5?seed=5", "f5.bin");
    struct bgc_file_progress fp;
    char dest[PATH_MAX], *temp = NULL;

    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    fx_path(f, "f5.bin", dest, sizeof(dest));
    assert_false(fx_exists(dest));
    assert_int_equal(bgc_job_get_file_temp_name(job, 0, &temp), BGC_OK);
    assert_non_null(temp);
    assert_true(fx_exists(temp));
    fx_assert_content(temp, 5, 250000);
    assert_int_equal(bgc_job_get_file_progress(job, 0, &fp), BGC_OK);
    assert_int_equal(fp.completed, 0);

    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    assert_int_equal(bgc_job_get_state(job), BGC_STATE_ACKNOWLEDGED);
    assert_false(fx_exists(temp));
    fx_assert_content(dest, 5, 250000);
    assert_int_equal(bgc_job_get_file_progress(job, 0, &fp), BGC_OK);
    assert_int_equal(fp.completed, 1);
    assert_int_equal(fp.bytes_transferred, 250000);
    assert_int_equal(fx_count_temps(f), 0);
    bgc_free(temp);
}

/* F5 (project choice, bgc.h): Complete replaces a file that already exists at the local name. */
static void F5_complete_replaces_existing_destination(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job;
    char dest[PATH_MAX];

    fx_write_file(fx_path(f, "replace.bin", dest, sizeof(dest)), "old", 3);
    job = fx_start_one(f, "/gen/70000/replace?seed=6", "replace.bin");
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(dest, 6, 70000);
    assert_int_equal(fx_count_temps(f), 0);
}

/* F6, L21: Complete on a job whose second file is still transferring keeps only the fully
 * transferred file, deletes the other temporary and returns BGC_S_PARTIAL_COMPLETE. */
static void F6_complete_mid_job_keeps_only_finished_files(void **state)
{
    struct fx *f = *state;
    char u[2][256], dest[PATH_MAX];
    const char *pairs[4];
    struct bgc_job *job;
    struct bgc_file_progress fp;

    pairs[0] = fx_url("/gen/100000/partial-a?seed=14", u[0], sizeof(u[0]));
    pairs[1] = "pa.bin";
    pairs[2] = fx_url("/gen/1000000/partial-b?stall=10000&stallat=300000", u[1], sizeof(u[1]));
    pairs[3] = "pb.bin";
    job = fx_new_job_v(f, "partial", 2, pairs);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_bytes(job, 1, 300000);

    assert_int_equal(bgc_job_complete(job, NULL), BGC_S_PARTIAL_COMPLETE);
    assert_int_equal(bgc_job_get_state(job), BGC_STATE_ACKNOWLEDGED);
    fx_assert_content(fx_path(f, "pa.bin", dest, sizeof(dest)), 14, 100000);
    assert_false(fx_exists(fx_path(f, "pb.bin", dest, sizeof(dest))));
    assert_int_equal(fx_count_temps(f), 0);
    assert_int_equal(bgc_job_get_file_progress(job, 0, &fp), BGC_OK);
    assert_int_equal(fp.completed, 1);
    assert_int_equal(bgc_job_get_file_progress(job, 1, &fp), BGC_OK);
    assert_int_equal(fp.completed, 0);
}

/* F7, L20: Cancel mid-transfer deletes the temporary and never a file that already existed
 * at the local name. */
static void F7_cancel_mid_transfer_removes_temp_and_keeps_existing_file(void **state)
{
    static const char original[] = "a file that was here before the job";
    struct fx *f = *state;
    struct bgc_job *job;
    char dest[PATH_MAX], *temp = NULL, buf[128];
    FILE *fp;
    size_t n;

    fx_write_file(fx_path(f, "f7.bin", dest, sizeof(dest)), original, sizeof(original) - 1);
    job = fx_start_one(f, "/gen/1000000/f7?stall=10000&stallat=400000", "f7.bin");
    fx_wait_bytes(job, 0, 400000);
    assert_int_equal(bgc_job_get_file_temp_name(job, 0, &temp), BGC_OK);
    assert_true(fx_exists(temp));

    assert_int_equal(bgc_job_cancel(job), BGC_OK);
    assert_int_equal(bgc_job_get_state(job), BGC_STATE_CANCELLED);
    assert_false(fx_exists(temp));
    assert_int_equal(fx_count_temps(f), 0);
    fp = fopen(dest, "rb");
    assert_non_null(fp);
    n = fread(buf, 1, sizeof(buf), fp);
    fclose(fp);
    assert_int_equal(n, sizeof(original) - 1);
    assert_memory_equal(buf, original, n);
    bgc_free(temp);
}

/* Parses "bytes=N-..." into N; fails the test if the header has another form. */
static uint64_t range_start(const struct bgc_httpd_request *r)
{
    uint64_t n = 0;
    if (!r->has_range || sscanf(r->range, "bytes=%" SCNu64 "-", &n) != 1)
        fail_msg("request %lu has no 'bytes=N-' Range (Range: '%s')", r->index, r->range);
    return n;
}

/* L19, L2, P2: Suspend stops the transfer with its progress kept; Resume continues with a
 * Range request from the bytes already written, and the result is byte-exact. */
static void L19_suspend_then_resume_continues_with_range(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = fx_start_one(f, "/gen/4000000/susp?stall=10000&stallat=2000000&stallid=susp", "susp.bin");
    struct bgc_file_progress fp;
    struct bgc_httpd_request r, first;
    unsigned long gets_before;
    char dest[PATH_MAX];
    uint64_t at_suspend;

    fx_wait_bytes(job, 0, 2000000);
    assert_int_equal(bgc_job_suspend(job), BGC_OK);
    assert_int_equal(bgc_job_get_state(job), BGC_STATE_SUSPENDED);
    assert_int_equal(bgc_job_get_file_progress(job, 0, &fp), BGC_OK);
    at_suspend = fp.bytes_transferred;
    assert_true(at_suspend >= 2000000 && at_suspend < 4000000);
    gets_before = bgc_httpd_count(fx_httpd, "GET", "/gen/4000000/susp");
    fx_assert_not_state_for(job, BGC_STATE_TRANSFERRING, 300); /* really stopped */
    assert_int_equal(bgc_httpd_count(fx_httpd, "GET", "/gen/4000000/susp"), gets_before);

    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(fx_first_get("/gen/4000000/susp", &first), 0);
    assert_int_equal(fx_last_get("/gen/4000000/susp", &r), 0);
    assert_true(r.index > first.index);
    assert_int_equal(range_start(&r), at_suspend);
    assert_int_equal(r.status, 206);

    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "susp.bin", dest, sizeof(dest)), 1, 4000000);
}

/* F16, P2: a server that ignores Range on resume answers 200 with the whole body; the file
 * restarts from byte 0 and the result is still byte-exact. */
static void P2_resume_against_server_ignoring_range_restarts_from_zero(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job =
        fx_start_one(f, "/gen/3000000/norange?seed=7&norange=1&stall=10000&stallat=1500000&stallid=nr", "nr.bin");
    struct bgc_file_progress fp;
    struct bgc_httpd_request r;
    char dest[PATH_MAX];

    fx_wait_bytes(job, 0, 1500000);
    assert_int_equal(bgc_job_suspend(job), BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(fx_last_get("/gen/3000000/norange", &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(bgc_job_get_file_progress(job, 0, &fp), BGC_OK);
    assert_int_equal(fp.bytes_total, 3000000);
    assert_int_equal(fp.bytes_transferred, 3000000);
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "nr.bin", dest, sizeof(dest)), 7, 3000000);
}

/* F12: when the remote file changes (size and timestamp) between Suspend and Resume, the file
 * restarts from byte 0 and the result is the new content. */
static void F12_remote_change_during_suspend_restarts_file(void **state)
{
    struct fx *f = *state;
    char src[PATH_MAX + 32], dest[PATH_MAX], why[PATH_MAX + 256];
    struct timeval tv[2];
    struct bgc_job *job;
    struct bgc_file_progress fp;

    snprintf(src, sizeof(src), "%s/f12.bin", fx_root);
    fx_write_testdata(src, 21, 3000000);
    job = fx_start_one(f, "/files/f12.bin?stall=10000&stallat=1000000&stallid=f12", "f12.bin");
    fx_wait_bytes(job, 0, 1000000);
    assert_int_equal(bgc_job_suspend(job), BGC_OK);

    fx_write_testdata(src, 22, 2500000);
    gettimeofday(&tv[0], NULL);
    tv[0].tv_sec += 100; /* a clearly different Last-Modified */
    tv[1] = tv[0];
    assert_int_equal(utimes(src, tv), 0);

    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_job_get_file_progress(job, 0, &fp), BGC_OK);
    assert_int_equal(fp.bytes_total, 2500000);
    assert_int_equal(fp.bytes_transferred, 2500000);
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    unlink(src);
    if (!fx_content_ok(fx_path(f, "f12.bin", dest, sizeof(dest)), 22, 2500000, why, sizeof(why))) {
        fx_dump_requests("/files/f12.bin");
        fail_msg("%s", why);
    }
}

/* BG_JOB_PROGRESS: without Content-Length the size is BGC_SIZE_UNKNOWN during the transfer
 * and the real size once the body ended. */
static void size_unknown_without_content_length_until_done(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job =
        fx_start_one(f, "/gen/2000000/nolen?seed=8&nolength=1&stall=3000&stallat=1000000&stallid=nl", "nl.bin");
    struct bgc_file_progress fp;
    struct bgc_job_progress jp;
    char dest[PATH_MAX];

    fx_wait_bytes(job, 0, 1000000);
    assert_int_equal(bgc_job_get_file_progress(job, 0, &fp), BGC_OK);
    assert_true(fp.bytes_total == BGC_SIZE_UNKNOWN);
    bgc_job_get_progress(job, &jp);
    assert_true(jp.bytes_total == BGC_SIZE_UNKNOWN);

    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_job_get_file_progress(job, 0, &fp), BGC_OK);
    assert_int_equal(fp.bytes_total, 2000000);
    assert_int_equal(fp.bytes_transferred, 2000000);
    bgc_job_get_progress(job, &jp);
    assert_int_equal(jp.bytes_total, 2000000);
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "nl.bin", dest, sizeof(dest)), 8, 2000000);
}

/* A chunked response body downloads byte-exact. */
static void chunked_body_downloads_exactly(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = fx_start_one(f, "/gen/1500000/chunked?seed=9&chunked=1", "ch.bin");
    char dest[PATH_MAX];

    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "ch.bin", dest, sizeof(dest)), 9, 1500000);
}

/* F1: a file:// source downloads like an HTTP one. */
static void F1_file_url_download_works(void **state)
{
    struct fx *f = *state;
    char src[PATH_MAX], url[PATH_MAX + 16], dest[PATH_MAX];
    const char *pairs[2];
    struct bgc_job *job;
    struct bgc_job_progress jp;

    fx_write_testdata(fx_path(f, "source.bin", src, sizeof(src)), 31, 300000);
    snprintf(url, sizeof(url), "file://%s", src);
    pairs[0] = url;
    pairs[1] = "fromfile.bin";
    job = fx_new_job_v(f, "file url", 1, pairs);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    bgc_job_get_progress(job, &jp);
    assert_int_equal(jp.bytes_total, 300000);
    assert_int_equal(jp.bytes_transferred, 300000);
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "fromfile.bin", dest, sizeof(dest)), 31, 300000);
}

/* An empty remote file completes as an empty local file. */
static void empty_remote_file_completes(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = fx_start_one(f, "/gen/0/empty", "empty.bin");
    struct bgc_job_progress jp;
    char dest[PATH_MAX];

    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    bgc_job_get_progress(job, &jp);
    assert_int_equal(jp.bytes_total, 0);
    assert_int_equal(jp.files_transferred, 1);
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "empty.bin", dest, sizeof(dest)), 1, 0);
}

/* F17: the default redirect policy (ALLOW_SILENT) follows redirects. */
static void F17_redirects_are_followed_by_default(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = fx_start_one(f, "/redirect-chain/3/gen/123456/redir?seed=4", "redir.bin");
    char dest[PATH_MAX];

    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "redir.bin", dest, sizeof(dest)), 4, 123456);
    assert_true(bgc_httpd_count(fx_httpd, "GET", "/gen/123456/redir") >= 1);
}

/* bgc_queue_free with a transfer in flight returns promptly; the job stays readable through
 * the fixture's reference, and its temporary is kept. */
static void queue_free_with_transfer_in_flight_returns_promptly(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = fx_start_one(f, "/gen/2000000/qfree?stall=20000&stallat=1000000", "qfree.bin");
    char *temp = NULL;
    uint64_t t0, elapsed;
    struct bgc_job_progress jp;

    fx_wait_bytes(job, 0, 1000000);
    assert_int_equal(bgc_job_get_file_temp_name(job, 0, &temp), BGC_OK);
    t0 = fx_now_ms();
    bgc_queue_free(f->q);
    f->q = NULL;
    elapsed = fx_now_ms() - t0;
    if (elapsed > 5000)
        fail_msg("bgc_queue_free took %" PRIu64 " ms with a stalled transfer", elapsed);
    (void)bgc_job_get_state(job);
    bgc_job_get_progress(job, &jp);
    assert_true(jp.bytes_transferred >= 1000000);
    assert_true(fx_exists(temp));
    bgc_free(temp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(download_completes_with_exact_content_and_progress, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(L31_files_transfer_in_order_and_all_arrive, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(F4_temp_file_lives_beside_destination_during_transfer, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(F5_complete_renames_temp_and_acknowledges, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(F5_complete_replaces_existing_destination, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(F6_complete_mid_job_keeps_only_finished_files, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(F7_cancel_mid_transfer_removes_temp_and_keeps_existing_file, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(L19_suspend_then_resume_continues_with_range, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(P2_resume_against_server_ignoring_range_restarts_from_zero, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(F12_remote_change_during_suspend_restarts_file, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(size_unknown_without_content_length_until_done, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(chunked_body_downloads_exactly, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(F1_file_url_download_works, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(empty_remote_file_completes, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(F17_redirects_are_followed_by_default, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(queue_free_with_transfer_in_flight_returns_promptly, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests_name("engine_transfer", tests, fx_group_setup, fx_group_teardown);
}
