/*
 * test_ranges.c - files with byte ranges (F9-F12) in jobs/ranges.c and transfer.c: the
 * pure range helpers, the AddFileWithRanges checks, range data written back to back, and the
 * range errors found after Resume, against the loopback server.
 */
#include "test_engine_fixture.h"
#include "jobs_int.h" /* the pure range helpers of ranges.c */

static char *read_all(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    long len;

    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    len = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    buf = malloc((size_t)len + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)len, fp), (size_t)len);
    fclose(fp);
    *n = (size_t)len;
    return buf;
}

/* Asserts that path holds the given ranges of testdata stream `seed`, back to back. */
static void assert_ranges_content(const char *path, uint64_t seed, const struct bgc_range *r, size_t n)
{
    size_t len = 0, at = 0;
    char *data = read_all(path, &len);

    assert_non_null(data);
    for (size_t i = 0; i < n; i++) {
        assert_true(at + r[i].length <= len);
        assert_int_equal(bgc_testdata_check(seed, r[i].offset, data + at, (size_t)r[i].length), 1);
        at += (size_t)r[i].length;
    }
    assert_int_equal(at, len);
    free(data);
}

/* A job with one ranged file (not resumed); returns its add result in *rc. */
static struct bgc_job *ranged_job(struct fx *f, const char *path, const char *local, size_t n,
                                  const struct bgc_range *r, int *rc)
{
    struct bgc_job *job = fx_new_job_v(f, "ranges", 0, NULL);
    struct bgc_file_spec spec;
    char url[1024], dest[PATH_MAX];

    spec.remote = fx_url(path, url, sizeof(url));
    spec.local = fx_path(f, local, dest, sizeof(dest));
    *rc = bgc_job_add_file_with_ranges(job, &spec, n, r);
    return job;
}

static void wait_error(struct bgc_job *job, int code)
{
    struct bgc_error e;

    fx_wait_state_ms(job, BGC_STATE_ERROR, WAIT_MS, 0, __FILE__, __LINE__);
    assert_int_equal(bgc_job_get_error(job, &e), BGC_OK);
    if (e.code != code)
        fx_print_error(job);
    assert_int_equal(e.code, code);
    assert_int_equal(e.context, BGC_CTX_REMOTE_FILE);
    assert_int_equal(e.file_index, 0);
}

/* ---- pure helpers ---------------------------------------------------------------------- */

static void F9_check_refuses_eof_offset_zero_count_and_zero_length(void **state)
{
    struct bgc_range eof_off = {BGC_LENGTH_TO_EOF, 10}, zero = {5, 0}, ok = {5, 1};

    (void)state;
    assert_int_equal(bgc__ranges_check(&ok, 0, 0), BGC_E_INVALIDARG);
    assert_int_equal(bgc__ranges_check(NULL, 1, 0), BGC_E_INVALIDARG);
    assert_int_equal(bgc__ranges_check(&eof_off, 1, 0), BGC_E_INVALID_RANGE);
    assert_int_equal(bgc__ranges_check(&zero, 1, 0), BGC_E_INVALID_RANGE);
    assert_int_equal(bgc__ranges_check(&ok, 1, 0), BGC_OK);
}

static void F9_check_finds_overlaps_after_sorting_by_offset_only(void **state)
{
    struct bgc_range dup[] = {{100, 5}, {100, 0}};
    struct bgc_range overlap[] = {{400, 100}, {100, 100}, {150, 10}};
    struct bgc_range eof_then_more[] = {{900, 10}, {100, BGC_LENGTH_TO_EOF}};
    struct bgc_range adjacent[] = {{200, 100}, {100, 100}, {300, BGC_LENGTH_TO_EOF}};

    (void)state;
    assert_int_equal(bgc__ranges_check(dup, 2, 0), BGC_E_OVERLAPPING_RANGES);
    assert_int_equal(bgc__ranges_check(overlap, 3, 0), BGC_E_OVERLAPPING_RANGES);
    assert_int_equal(bgc__ranges_check(eof_then_more, 2, 0), BGC_E_OVERLAPPING_RANGES);
    assert_int_equal(bgc__ranges_check(adjacent, 3, 0), BGC_OK);
}

static void F9_check_limits_ranges_per_file_default_500(void **state)
{
    struct bgc_range *r = calloc(501, sizeof(*r));

    (void)state;
    assert_non_null(r);
    for (int i = 0; i < 501; i++) {
        r[i].offset = (uint64_t)i * 10;
        r[i].length = 5;
    }
    assert_int_equal(bgc__ranges_check(r, 500, 0), BGC_OK);
    assert_int_equal(bgc__ranges_check(r, 501, 0), BGC_E_TOO_MANY_RANGES_IN_FILE);
    assert_int_equal(bgc__ranges_check(r, 4, 3), BGC_E_TOO_MANY_RANGES_IN_FILE);
    free(r);
}

static void F10_position_walks_ranges_in_the_order_given(void **state)
{
    struct bgc_range r[] = {{100, 100}, {900, 100}, {400, BGC_LENGTH_TO_EOF}};
    struct bgc__range_pos p;

    (void)state;
    assert_int_equal(bgc__ranges_position(r, 3, BGC_SIZE_UNKNOWN, 0, &p), BGC_OK);
    assert_int_equal(p.index, 0);
    assert_int_equal(p.from, 100);
    assert_int_equal(p.to, 199);
    assert_int_equal(bgc__ranges_position(r, 3, BGC_SIZE_UNKNOWN, 150, &p), BGC_OK);
    assert_int_equal(p.index, 1);
    assert_int_equal(p.from, 950);
    assert_int_equal(p.to, 999);
    assert_int_equal(bgc__ranges_position(r, 3, BGC_SIZE_UNKNOWN, 205, &p), BGC_OK);
    assert_int_equal(p.index, 2);
    assert_int_equal(p.from, 405);
    assert_true(p.to == BGC_SIZE_UNKNOWN);
    assert_int_equal(bgc__ranges_position(r, 3, 1000, 205, &p), BGC_OK);
    assert_int_equal(p.to, 999);
    assert_int_equal(bgc__ranges_position(r, 3, 1000, 800, &p), BGC_OK);
    assert_int_equal(p.index, 3);
    assert_true(bgc__ranges_total(r, 3, BGC_SIZE_UNKNOWN) == BGC_SIZE_UNKNOWN);
    assert_int_equal(bgc__ranges_total(r, 3, 1000), 800);
    assert_int_equal(bgc__ranges_position(r, 3, 950, 0, &p), BGC_E_INVALID_RANGE); /* F11 */
}

/* ---- AddFileWithRanges checks --------------------------------------------------------- */

static void F9_add_with_ranges_checks_and_reports_ranges_as_given(void **state)
{
    struct fx *f = *state;
    struct bgc_range r[] = {{100, 100}, {900, BGC_LENGTH_TO_EOF}};
    struct bgc_range dup[] = {{100, 5}, {100, 0}};
    struct bgc_range *got = NULL;
    struct bgc_file_progress fp;
    struct bgc_file_spec spec;
    size_t n = 99;
    int rc;
    struct bgc_job *job = ranged_job(f, "/gen/2000/chk", "chk.bin", 2, r, &rc);
    char local[PATH_MAX], url[1024];

    assert_int_equal(rc, BGC_OK);
    assert_int_equal(bgc_job_get_file_ranges(job, 0, &got, &n), BGC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(got[1].offset, 900);
    assert_true(got[1].length == BGC_LENGTH_TO_EOF);
    bgc_free(got);
    assert_int_equal(bgc_job_get_file_progress(job, 0, &fp), BGC_OK);
    assert_true(fp.bytes_total == BGC_SIZE_UNKNOWN); /* an EOF range is unresolved */

    spec.local = fx_path(f, "chk2.bin", local, sizeof(local));
    spec.remote = fx_url("/gen/2000/chk", url, sizeof(url));
    assert_int_equal(bgc_job_add_file_with_ranges(job, &spec, 0, r), BGC_E_INVALIDARG);
    assert_int_equal(bgc_job_add_file_with_ranges(job, &spec, 2, dup), BGC_E_OVERLAPPING_RANGES);
    spec.remote = "file:///etc/hostname"; /* F9: SMB/file not allowed with ranges */
    assert_int_equal(bgc_job_add_file_with_ranges(job, &spec, 1, r), BGC_E_INVALIDARG);
    assert_int_equal(bgc_job_file_count(job), 1);
    /* a file without ranges reports none */
    assert_int_equal(bgc_job_add_files(job, 1, &(struct bgc_file_spec){url, local}), BGC_OK);
    got = (void *)1;
    assert_int_equal(bgc_job_get_file_ranges(job, 1, &got, &n), BGC_OK);
    assert_int_equal(n, 0);
    assert_null(got);
    assert_int_equal(bgc_job_cancel(job), BGC_OK);
    assert_int_equal(bgc_job_add_file_with_ranges(job, &spec, 1, r), BGC_E_INVALID_STATE);
}

static int setup_max_ranges_2(void **state)
{
    struct bgc_config cfg = {0};

    cfg.max_ranges_per_file = 2;
    return fx_setup_cfg(state, &cfg);
}

static void F9_max_ranges_per_file_comes_from_the_config(void **state)
{
    struct fx *f = *state;
    struct bgc_range r[] = {{0, 1}, {10, 1}, {20, 1}};
    int rc;

    ranged_job(f, "/gen/100/max", "max.bin", 3, r, &rc);
    assert_int_equal(rc, BGC_E_TOO_MANY_RANGES_IN_FILE);
    ranged_job(f, "/gen/100/max", "max.bin", 2, r, &rc);
    assert_int_equal(rc, BGC_OK);
}

/* ---- transfers ------------------------------------------------------------------------- */

static void F10_ranges_are_written_back_to_back_in_the_order_given(void **state)
{
    struct fx *f = *state;
    struct bgc_range r[] = {{100, 100}, {900, 100}, {400, 100}};
    struct bgc_file_progress fp;
    struct bgc_job_progress jp;
    char dest[PATH_MAX];
    int rc;
    struct bgc_job *job = ranged_job(f, "/gen/5000/order", "order.bin", 3, r, &rc);

    assert_int_equal(rc, BGC_OK);
    assert_int_equal(bgc_job_get_file_progress(job, 0, &fp), BGC_OK);
    assert_int_equal(fp.bytes_total, 300); /* F10: the requested bytes only */
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    bgc_job_get_progress(job, &jp);
    assert_int_equal(jp.bytes_total, 300);
    assert_int_equal(jp.bytes_transferred, 300);
    assert_int_equal(bgc_httpd_count(fx_httpd, "GET", "/gen/5000/order"), 3); /* one per range */
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    assert_ranges_content(fx_path(f, "order.bin", dest, sizeof(dest)), 1, r, 3);
}

static void F10_length_to_eof_resolves_once_the_size_is_known(void **state)
{
    struct fx *f = *state;
    struct bgc_range r[] = {{4000, BGC_LENGTH_TO_EOF}, {10, 20}};
    struct bgc_range want[] = {{4000, 1000}, {10, 20}};
    struct bgc_file_progress fp;
    char dest[PATH_MAX];
    int rc;
    struct bgc_job *job = ranged_job(f, "/gen/5000/eof", "eof.bin", 2, r, &rc);

    assert_int_equal(rc, BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_job_get_file_progress(job, 0, &fp), BGC_OK);
    assert_int_equal(fp.bytes_total, 1020);
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    assert_ranges_content(fx_path(f, "eof.bin", dest, sizeof(dest)), 1, want, 2);
}

static void F10_interrupted_range_resumes_inside_the_range(void **state)
{
    struct fx *f = *state;
    struct bgc_range r[] = {{0, 100000}, {500000, 400000}};
    struct bgc_httpd_request q;
    char dest[PATH_MAX];
    int rc;
    struct bgc_job *job = ranged_job(f, "/gen/1000000/drop?drop=700000&dropid=rd", "drop.bin", 2, r, &rc);

    assert_int_equal(rc, BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(fx_last_get("/gen/1000000/drop", &q), 0);
    assert_int_equal(q.status, 206);
    assert_true(strncmp(q.range, "bytes=", 6) == 0);
    assert_true(strtoull(q.range + 6, NULL, 10) > 500000); /* resumed inside range 2 */
    assert_true(strcmp(q.range + 6, "500000-899999") != 0);
    assert_true(q.if_range[0] != '\0');
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    assert_ranges_content(fx_path(f, "drop.bin", dest, sizeof(dest)), 1, r, 2);
}

static void F11_range_starting_past_the_end_is_invalid_range(void **state)
{
    struct fx *f = *state;
    struct bgc_range r[] = {{10, 10}, {6000, 10}};
    int rc;
    struct bgc_job *job = ranged_job(f, "/gen/5000/past", "past.bin", 2, r, &rc);

    assert_int_equal(rc, BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    wait_error(job, BGC_E_INVALID_RANGE);
}

static void F11_range_running_past_the_end_is_invalid_range(void **state)
{
    struct fx *f = *state;
    struct bgc_range r[] = {{4990, 100}};
    int rc;
    struct bgc_job *job = ranged_job(f, "/gen/5000/over", "over.bin", 1, r, &rc);

    assert_int_equal(rc, BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    wait_error(job, BGC_E_INVALID_RANGE);
}

static void F11_server_without_range_support_is_insufficient_range_support(void **state)
{
    struct fx *f = *state;
    struct bgc_range r[] = {{100, 100}};
    int rc;
    struct bgc_job *job = ranged_job(f, "/gen/5000/nr?norange=1", "nr.bin", 1, r, &rc);

    assert_int_equal(rc, BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    wait_error(job, BGC_E_INSUFFICIENT_RANGE_SUPPORT);
    assert_int_equal(bgc_job_get_state(job), BGC_STATE_ERROR); /* F11: ERR, not TER */
}

/* F11: a server answering a range with more than was asked (whole blocks: ?align) has merged or
 * moved ranges: BG_E_INVALID_SERVER_RESPONSE in ERR, never a splice of the wrong bytes. */
static void F11_server_widening_a_range_to_earlier_bytes_is_invalid_server_response(void **state)
{
    struct fx *f = *state;
    struct bgc_range r[] = {{100, 100}};
    int rc;
    struct bgc_job *job = ranged_job(f, "/gen/5000/al1?align=1024", "al1.bin", 1, r, &rc);

    assert_int_equal(rc, BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    wait_error(job, BGC_E_INVALID_SERVER_RESPONSE); /* answered 0-1023 */
    assert_int_equal(bgc_job_get_state(job), BGC_STATE_ERROR);
}

static void F11_server_merging_ranges_past_the_end_asked_is_invalid_server_response(void **state)
{
    struct fx *f = *state;
    struct bgc_range r[] = {{0, 100}, {200, 100}};
    struct bgc_file_progress fp;
    int rc;
    struct bgc_job *job = ranged_job(f, "/gen/5000/al2?align=1024", "al2.bin", 2, r, &rc);

    assert_int_equal(rc, BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    wait_error(job, BGC_E_INVALID_SERVER_RESPONSE); /* answered 0-1023 for 0-99 */
    assert_int_equal(bgc_job_get_file_progress(job, 0, &fp), BGC_OK);
    assert_true(fp.bytes_transferred <= 100); /* nothing beyond the asked range was kept */
}

/* The control for the two above: a block-serving server asked for whole blocks answers
 * exactly, and the file completes with the right bytes. */
static void F11_block_server_asked_for_whole_blocks_completes(void **state)
{
    struct fx *f = *state;
    struct bgc_range r[] = {{2048, 1024}, {0, 1024}};
    char dest[PATH_MAX];
    int rc;
    struct bgc_job *job = ranged_job(f, "/gen/5000/al3?align=1024", "al3.bin", 2, r, &rc);

    assert_int_equal(rc, BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    assert_ranges_content(fx_path(f, "al3.bin", dest, sizeof(dest)), 1, r, 2);
}

static void F12_ranged_file_changed_remotely_fails_with_remote_file_changed(void **state)
{
    struct fx *f = *state;
    struct bgc_range r[] = {{100, 100}, {900, 100}};
    struct bgc_file_progress fp;
    int rc;
    struct bgc_job *job = ranged_job(f, "/gen/5000/ver?version=auto", "ver.bin", 2, r, &rc);

    assert_int_equal(rc, BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    wait_error(job, BGC_E_REMOTE_FILE_CHANGED);
    assert_int_equal(bgc_job_get_file_progress(job, 0, &fp), BGC_OK);
    assert_int_equal(fp.bytes_transferred, 0); /* the first version's bytes are gone */
}

/* ---- remote names (F13) ----------------------------------------------------------------- */

static void F13_set_remote_name_applies_at_next_start_and_continues_same_content(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job =
        fx_start_one(f, "/gen/3000000/old?seed=7&stall=10000&stallat=1500000&stallid=rn1", "rn.bin");
    struct bgc_httpd_request q;
    char url[1024], dest[PATH_MAX], *remote = NULL;

    fx_wait_bytes(job, 0, 1500000);
    assert_int_equal(bgc_job_suspend(job), BGC_OK);
    assert_int_equal(bgc_job_set_file_remote_name(job, 0, fx_url("/gen/3000000/new?seed=7", url, sizeof(url))),
                     BGC_OK);
    assert_int_equal(bgc_job_get_file_names(job, 0, &remote, NULL), BGC_OK);
    assert_string_equal(remote, url);
    bgc_free(remote);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(fx_last_get("/gen/3000000/new", &q), 0);
    assert_int_equal(q.status, 206); /* same size and validator: the transfer continued */
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "rn.bin", dest, sizeof(dest)), 7, 3000000);
}

static void F13_set_remote_name_to_other_content_restarts_the_file(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job =
        fx_start_one(f, "/gen/3000000/old2?seed=7&stall=10000&stallat=1500000&stallid=rn2", "rn2.bin");
    struct bgc_httpd_request q;
    char url[1024], dest[PATH_MAX];

    fx_wait_bytes(job, 0, 1500000);
    assert_int_equal(bgc_job_suspend(job), BGC_OK);
    assert_int_equal(bgc_job_set_file_remote_name(job, 0, fx_url("/gen/3000000/new2?seed=9", url, sizeof(url))),
                     BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(fx_last_get("/gen/3000000/new2", &q), 0);
    assert_int_equal(q.status, 200); /* other validator: the file restarted */
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "rn2.bin", dest, sizeof(dest)), 9, 3000000);
}

static void F13_set_remote_name_does_not_restart_a_finished_file(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = fx_start_one(f, "/gen/2000/fin?seed=2", "fin.bin");
    char url[1024], dest[PATH_MAX];

    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_job_set_file_remote_name(job, 0, fx_url("/gen/2000/fin2?seed=3", url, sizeof(url))),
                     BGC_OK);
    assert_int_equal(bgc_job_resume(job), BGC_E_EMPTY); /* nothing to transfer again */
    fx_assert_not_state_for(job, BGC_STATE_QUEUED, 200);
    assert_int_equal(bgc_httpd_count(fx_httpd, "GET", "/gen/2000/fin2"), 0);
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "fin.bin", dest, sizeof(dest)), 2, 2000);
}

static void F13_set_remote_name_checks_the_name_and_the_state(void **state)
{
    struct fx *f = *state;
    char url[1024];
    const char *pairs[] = {fx_url("/gen/100/x", url, sizeof(url)), "x.bin"};
    struct bgc_job *job = fx_new_job_v(f, "rn", 1, pairs);

    assert_int_equal(bgc_job_set_file_remote_name(job, 0, ""), BGC_E_INVALIDARG);
    assert_int_equal(bgc_job_set_file_remote_name(job, 0, "gopher://x/y"), BGC_E_INVALIDARG);
    assert_int_equal(bgc_job_set_file_remote_name(job, 1, url), BGC_E_INVALIDARG);
    assert_int_equal(bgc_job_cancel(job), BGC_OK);
    assert_int_equal(bgc_job_set_file_remote_name(job, 0, url), BGC_E_INVALID_STATE);
}

static void J3_replace_remote_prefix_changes_every_match_case_sensitively(void **state)
{
    struct fx *f = *state;
    char u1[1024], u2[1024], u3[1024], p_old[1024], p_new[1024], *remote = NULL;
    const char *pairs[] = {fx_url("/gen/1000/a", u1, sizeof(u1)), "a.bin", fx_url("/gen/2000/b", u2, sizeof(u2)),
                           "b.bin", fx_url("/gen/1000/c", u3, sizeof(u3)), "c.bin"};
    struct bgc_job *job = fx_new_job_v(f, "prefix", 3, pairs);
    size_t n = 99;

    fx_url("/gen/1000/", p_old, sizeof(p_old));
    fx_url("/gen/3000/", p_new, sizeof(p_new));
    assert_int_equal(bgc_job_replace_remote_prefix(job, p_old, p_new, &n), BGC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(bgc_job_get_file_names(job, 0, &remote, NULL), BGC_OK);
    assert_string_equal(remote, fx_url("/gen/3000/a", u1, sizeof(u1)));
    bgc_free(remote);
    assert_int_equal(bgc_job_get_file_names(job, 1, &remote, NULL), BGC_OK);
    assert_string_equal(remote, u2);
    bgc_free(remote);
    /* case-sensitive, from the first character */
    assert_int_equal(bgc_job_replace_remote_prefix(job, "HTTP://", "http://", &n), BGC_OK);
    assert_int_equal(n, 0);
    assert_int_equal(bgc_job_replace_remote_prefix(job, "/gen/", "/x/", &n), BGC_OK);
    assert_int_equal(n, 0);
    assert_int_equal(bgc_job_replace_remote_prefix(job, "", "http://", &n), BGC_E_INVALIDARG);
    assert_int_equal(bgc_job_replace_remote_prefix(job, "http://", "", &n), BGC_E_INVALIDARG);
    assert_int_equal(bgc_job_replace_remote_prefix(job, "http://", "bogus:", &n), BGC_E_INVALIDARG);
    assert_int_equal(bgc_job_get_file_names(job, 2, &remote, NULL), BGC_OK); /* all or nothing */
    assert_true(strncmp(remote, "http://", 7) == 0);
    bgc_free(remote);
    /* the job downloads from the new names */
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_httpd_count(fx_httpd, "GET", "/gen/3000/a"), 1);
    assert_int_equal(bgc_httpd_count(fx_httpd, "GET", "/gen/1000/a"), 0);
}

/* ---- validation (F14), headers (File5), partial complete (F6) ---------------------------- */

static void F14_validation_false_sends_the_job_to_error_and_resume_downloads_again(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = fx_start_one(f, "/gen/100000/val", "val.bin");
    struct bgc_file_progress fp;
    struct bgc_error e;
    char *temp = NULL, dest[PATH_MAX];
    int valid = 7;

    assert_int_equal(bgc_job_get_file_validation(job, 0, &valid), BGC_OK);
    assert_int_equal(valid, 0); /* never set */
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_job_set_file_validation(job, 0, 0), BGC_OK);
    assert_int_equal(bgc_job_get_state(job), BGC_STATE_ERROR);
    assert_int_equal(bgc_job_get_error(job, &e), BGC_OK);
    assert_int_equal(e.code, BGC_E_VALIDATION_FAILED);
    assert_int_equal(e.context, BGC_CTX_REMOTE_FILE);
    assert_int_equal(bgc_job_get_file_progress(job, 0, &fp), BGC_OK);
    assert_int_equal(fp.bytes_transferred, 0);
    assert_int_equal(bgc_job_get_file_temp_name(job, 0, &temp), BGC_OK);
    {
        struct stat st;
        assert_int_equal(stat(temp, &st), 0);
        assert_int_equal(st.st_size, 0); /* truncated */
    }
    bgc_free(temp);
    assert_int_equal(bgc_job_set_file_validation(job, 0, 1), BGC_E_PENDING);
    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_httpd_count(fx_httpd, "GET", "/gen/100000/val"), 2);
    assert_int_equal(bgc_job_set_file_validation(job, 0, 1), BGC_OK);
    assert_int_equal(bgc_job_get_file_validation(job, 0, &valid), BGC_OK);
    assert_int_equal(valid, 1);
    assert_int_equal(bgc_job_complete(job, NULL), BGC_OK);
    fx_assert_content(fx_path(f, "val.bin", dest, sizeof(dest)), 1, 100000);
}

static void F14_validation_before_the_file_is_transferred_is_pending(void **state)
{
    struct fx *f = *state;
    char url[1024];
    const char *pairs[] = {fx_url("/gen/100/p", url, sizeof(url)), "p.bin"};
    struct bgc_job *job = fx_new_job_v(f, "pending", 1, pairs);

    assert_int_equal(bgc_job_set_file_validation(job, 0, 1), BGC_E_PENDING);
    assert_int_equal(bgc_job_set_file_validation(job, 0, 0), BGC_E_PENDING);
    assert_int_equal(bgc_job_set_file_validation(job, 1, 0), BGC_E_INVALIDARG);
}

static void F6_partial_complete_after_a_file_failed_validation(void **state)
{
    struct fx *f = *state;
    char u1[1024], u2[1024], d1[PATH_MAX], d2[PATH_MAX];
    const char *pairs[] = {fx_url("/gen/1000/pc1", u1, sizeof(u1)), "pc1.bin", fx_url("/gen/2000/pc2", u2, sizeof(u2)),
                           "pc2.bin"};
    struct bgc_job *job = fx_new_job_v(f, "partial", 2, pairs);

    assert_int_equal(bgc_job_resume(job), BGC_OK);
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_job_set_file_validation(job, 1, 0), BGC_OK);
    assert_int_equal(bgc_job_complete(job, NULL), BGC_S_PARTIAL_COMPLETE);
    fx_assert_content(fx_path(f, "pc1.bin", d1, sizeof(d1)), 1, 1000);
    assert_false(fx_exists(fx_path(f, "pc2.bin", d2, sizeof(d2))));
    assert_int_equal(fx_count_temps(f), 0);
}

static void File5_last_response_headers_are_kept_per_file(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = fx_start_one(f, "/gen/1000/hdr?seed=3", "hdr.bin");
    char *h = NULL;

    assert_int_equal(bgc_job_get_file_http_headers(job, 0, &h), BGC_OK);
    bgc_free(h); /* "" or the headers, depending on timing */
    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_job_get_file_http_headers(job, 0, &h), BGC_OK);
    assert_true(strncmp(h, "HTTP/1.1 200", 12) == 0);
    assert_non_null(strstr(h, "ETag: \"gen-1000-3\"\r\n"));
    assert_non_null(strstr(h, "X-Bgc-Seed: 3\r\n"));
    assert_true(strcmp(h + strlen(h) - 4, "\r\n\r\n") == 0);
    bgc_free(h);
}

/* STYLE 15: every failing allocation leaves the job as it was; the first success is whole. */
static void F9_add_with_ranges_changes_nothing_when_out_of_memory(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = fx_new_job_v(f, "oom", 0, NULL);
    struct bgc_range r[] = {{100, 100}, {900, 100}};
    struct bgc_file_spec spec;
    char url[1024], dest[PATH_MAX];
    long n = 0;
    int rc;

    spec.remote = fx_url("/gen/5000/oom", url, sizeof(url));
    spec.local = fx_path(f, "oom.bin", dest, sizeof(dest));
    bgc_test_fail_alloc_after(n);
    while ((rc = bgc_job_add_file_with_ranges(job, &spec, 2, r)) == BGC_E_NOMEM) {
        assert_int_equal(bgc_job_file_count(job), 0);
        bgc_test_fail_alloc_after(++n);
    }
    bgc_test_fail_alloc_after(-1);
    assert_int_equal(rc, BGC_OK);
    assert_int_equal(bgc_job_file_count(job), 1);
}

static void J3_replace_remote_prefix_changes_nothing_when_out_of_memory(void **state)
{
    struct fx *f = *state;
    char u1[1024], u2[1024], p_old[1024], p_new[1024], *remote = NULL;
    const char *pairs[] = {fx_url("/gen/1000/a", u1, sizeof(u1)), "a.bin", fx_url("/gen/1000/b", u2, sizeof(u2)),
                           "b.bin"};
    struct bgc_job *job = fx_new_job_v(f, "oom", 2, pairs);
    size_t replaced = 0;
    long n = 0;
    int rc;

    fx_url("/gen/1000/", p_old, sizeof(p_old));
    fx_url("/gen/2000/", p_new, sizeof(p_new));
    bgc_test_fail_alloc_after(n);
    while ((rc = bgc_job_replace_remote_prefix(job, p_old, p_new, &replaced)) == BGC_E_NOMEM) {
        bgc_test_fail_alloc_after(-1);
        for (size_t i = 0; i < 2; i++) {
            assert_int_equal(bgc_job_get_file_names(job, i, &remote, NULL), BGC_OK);
            assert_non_null(strstr(remote, "/gen/1000/"));
            bgc_free(remote);
        }
        bgc_test_fail_alloc_after(++n);
    }
    bgc_test_fail_alloc_after(-1);
    assert_int_equal(rc, BGC_OK);
    assert_int_equal(replaced, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(F9_check_refuses_eof_offset_zero_count_and_zero_length),
        cmocka_unit_test(F9_check_finds_overlaps_after_sorting_by_offset_only),
        cmocka_unit_test(F9_check_limits_ranges_per_file_default_500),
        cmocka_unit_test(F10_position_walks_ranges_in_the_order_given),
        cmocka_unit_test_setup_teardown(F9_add_with_ranges_checks_and_reports_ranges_as_given, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(F9_max_ranges_per_file_comes_from_the_config, setup_max_ranges_2, fx_teardown),
        cmocka_unit_test_setup_teardown(F10_ranges_are_written_back_to_back_in_the_order_given, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(F10_length_to_eof_resolves_once_the_size_is_known, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(F10_interrupted_range_resumes_inside_the_range, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(F11_range_starting_past_the_end_is_invalid_range, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(F11_range_running_past_the_end_is_invalid_range, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(F11_server_widening_a_range_to_earlier_bytes_is_invalid_server_response,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(F11_server_merging_ranges_past_the_end_asked_is_invalid_server_response,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(F11_block_server_asked_for_whole_blocks_completes, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(F11_server_without_range_support_is_insufficient_range_support, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(F12_ranged_file_changed_remotely_fails_with_remote_file_changed, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(F13_set_remote_name_applies_at_next_start_and_continues_same_content,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(F13_set_remote_name_to_other_content_restarts_the_file, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(F13_set_remote_name_does_not_restart_a_finished_file, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(F13_set_remote_name_checks_the_name_and_the_state, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(J3_replace_remote_prefix_changes_every_match_case_sensitively, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(F14_validation_false_sends_the_job_to_error_and_resume_downloads_again,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(F14_validation_before_the_file_is_transferred_is_pending, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(F6_partial_complete_after_a_file_failed_validation, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(File5_last_response_headers_are_kept_per_file, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(F9_add_with_ranges_changes_nothing_when_out_of_memory, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(J3_replace_remote_prefix_changes_nothing_when_out_of_memory, fx_setup,
                                        fx_teardown),
    };
    return cmocka_run_group_tests_name("ranges", tests, fx_group_setup, fx_group_teardown);
}
