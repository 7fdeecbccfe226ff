/*
 * test_rules_files.c - file rules of bits-behavior.md §3 that the other tests did not assert
 * (inventory: tests/RULES.md): F8, an HTTP download takes the server's time stamp.
 *
 * Against the loopback test server (tests/httpd), whose /gen content has
 * Last-Modified = 1600000000 + seed seconds; every wait is bounded by the fixture.
 */
#include "test_engine_fixture.h"

#include <sys/stat.h>

#define GEN_LASTMOD_BASE 1600000000 /* tests/httpd: Last-Modified of /gen = base + seed */

/* F8: after Complete the file's modification time is the server's Last-Modified. */
static void F8_http_download_takes_the_server_modification_time(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = fx_start_one(f, "/gen/5000/f8?seed=4", "f8.bin");
    char dest[PATH_MAX];
    struct stat st;

    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    assert_int_equal(stat(fx_path(f, "f8.bin", dest, sizeof(dest)), &st), 0);
    assert_int_equal((long long)st.st_mtime, (long long)GEN_LASTMOD_BASE + 4);
    fx_assert_content(dest, 4, 5000);
}

/* F8: the time also survives a resumed download (the last response sets it). */
static void F8_resumed_download_takes_the_server_modification_time(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = fx_start_one(f, "/gen/200000/f8r?seed=7&drop=100000&dropid=f8r", "f8r.bin");
    char dest[PATH_MAX];
    struct stat st;

    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_job_get_error_count(job), 1); /* it was interrupted once */
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    assert_int_equal(stat(fx_path(f, "f8r.bin", dest, sizeof(dest)), &st), 0);
    assert_int_equal((long long)st.st_mtime, (long long)GEN_LASTMOD_BASE + 7);
    fx_assert_content(dest, 7, 200000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(F8_http_download_takes_the_server_modification_time, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(F8_resumed_download_takes_the_server_modification_time, fx_setup,
                                        fx_teardown),
    };
    return cmocka_run_group_tests_name("rules_files", tests, fx_group_setup, fx_group_teardown);
}
