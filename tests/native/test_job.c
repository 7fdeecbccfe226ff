/*
 * test_job.c - the job object without transfers: defaults, setters and their limits (§2.2,
 * G3, G4, G7, R5), file validation (F1-F3) and limits (S6), lookups and the queue's
 * lifetime rules.
 */
#include "test_job_util.h"

/* A string of n copies of the UTF-8 sequence `unit`, malloc'd. */
static char *repeat(const char *unit, size_t n)
{
    size_t u = strlen(unit);
    char *s = malloc(u * n + 1);

    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * u, unit, u);
    s[u * n] = '\0';
    return s;
}

/* ---- Defaults ------------------------------------------------------------------------ */

static void new_job_has_documented_defaults(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "defaults");
    char *desc = NULL, *owner = NULL;

    assert_code(bgc_job_get_description(job, &desc), BGC_OK);
    assert_string_equal(desc, "");
    assert_code(bgc_job_get_owner(job, &owner), BGC_OK);
    assert_string_equal(owner, TJ_OWNER);
    assert_int_equal(bgc_job_get_type(job), BGC_JOB_DOWNLOAD);
    assert_int_equal(bgc_job_get_priority(job), BGC_PRIO_NORMAL);
    assert_int_equal(bgc_job_get_notify_flags(job), 0x3);
    assert_int_equal(bgc_job_get_min_retry_delay(job), 600);
    assert_int_equal(bgc_job_get_no_progress_timeout(job), 1209600);
    assert_int_equal(bgc_job_get_error_count(job), 0);
    bgc_free(desc);
    bgc_free(owner);
    bgc_job_unref(job);
}

static void new_job_progress_is_zero(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "progress");
    struct bgc_job_progress p;

    memset(&p, 0x5A, sizeof(p));
    bgc_job_get_progress(job, &p);
    assert_int_equal(p.bytes_total, 0);
    assert_int_equal(p.bytes_transferred, 0);
    assert_int_equal(p.files_total, 0);
    assert_int_equal(p.files_transferred, 0);
    bgc_job_unref(job);
}

static void new_job_times_creation_equals_modification_G7(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "times");
    struct bgc_job_times t;
    /* 2020-01-01 in FILETIME units: creation must be a plausible wall-clock time. */
    const bgc_time y2020 = 132223104000000000ULL;

    bgc_job_get_times(job, &t);
    assert_true(t.creation > y2020);
    assert_true(t.modification == t.creation);
    assert_true(t.transfer_completion == 0);
    bgc_job_unref(job);
}

static void added_file_size_is_unknown_until_transfer(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "unknown");
    struct bgc_file_progress fp;
    struct bgc_job_progress p;

    tj_add_local_copy(env, job, "a.src", 10, "a.out");
    assert_code(bgc_job_get_file_progress(job, 0, &fp), BGC_OK);
    assert_true(fp.bytes_total == BGC_SIZE_UNKNOWN);
    assert_int_equal(fp.bytes_transferred, 0);
    assert_int_equal(fp.completed, 0);
    bgc_job_get_progress(job, &p);
    assert_true(p.bytes_total == BGC_SIZE_UNKNOWN);
    assert_int_equal(p.files_total, 1);
    bgc_job_unref(job);
}

/* ---- Create ---------------------------------------------------------------------------- */

static void create_job_rejects_null_name(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = (struct bgc_job *)&job;

    assert_code(bgc_queue_create_job(env->q, NULL, BGC_JOB_DOWNLOAD, TJ_OWNER, &job),
                BGC_E_INVALIDARG);
    assert_null(job);
}

static void create_job_rejects_name_over_256_chars(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = NULL;
    char *ok = repeat("n", 256), *bad = repeat("n", 257);

    assert_code(bgc_queue_create_job(env->q, bad, BGC_JOB_DOWNLOAD, TJ_OWNER, &job),
                BGC_E_INVALIDARG);
    assert_null(job);
    assert_code(bgc_queue_create_job(env->q, ok, BGC_JOB_DOWNLOAD, TJ_OWNER, &job), BGC_OK);
    bgc_job_unref(job);
    free(ok);
    free(bad);
}

static void create_job_upload_types_are_unsupported(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = NULL;

    assert_code(bgc_queue_create_job(env->q, "u", BGC_JOB_UPLOAD, TJ_OWNER, &job),
                BGC_E_UNSUPPORTED_VALUE);
    assert_code(bgc_queue_create_job(env->q, "u", BGC_JOB_UPLOAD_REPLY, TJ_OWNER, &job),
                BGC_E_UNSUPPORTED_VALUE);
    assert_null(job);
}

static void create_job_unknown_type_is_invalidarg(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = NULL;

    assert_code(bgc_queue_create_job(env->q, "u", (enum bgc_job_type)7, TJ_OWNER, &job),
                BGC_E_INVALIDARG);
    assert_null(job);
}

static void too_many_jobs_per_owner_S6(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *a = NULL, *b = NULL, *c = NULL, *other = NULL;

    bgc_queue_free(env->q);
    env->cfg.max_jobs_per_user = 2;
    tj_queue(env, NULL);
    assert_code(bgc_queue_create_job(env->q, "a", BGC_JOB_DOWNLOAD, TJ_OWNER, &a), BGC_OK);
    assert_code(bgc_queue_create_job(env->q, "b", BGC_JOB_DOWNLOAD, TJ_OWNER, &b), BGC_OK);
    assert_code(bgc_queue_create_job(env->q, "c", BGC_JOB_DOWNLOAD, TJ_OWNER, &c),
                BGC_E_TOO_MANY_JOBS_PER_USER);
    assert_null(c);
    assert_code(bgc_queue_create_job(env->q, "o", BGC_JOB_DOWNLOAD, "someone else", &other), BGC_OK);
    /* A final job no longer counts. */
    assert_code(bgc_job_cancel(a), BGC_OK);
    assert_code(bgc_queue_create_job(env->q, "c", BGC_JOB_DOWNLOAD, TJ_OWNER, &c), BGC_OK);
    bgc_job_unref(a);
    bgc_job_unref(b);
    bgc_job_unref(c);
    bgc_job_unref(other);
}

/* ---- Setters --------------------------------------------------------------------------- */

static void set_display_name_round_trip(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "old");
    char *name = NULL;

    assert_code(bgc_job_set_display_name(job, "new name \xc3\xa9"), BGC_OK);
    assert_code(bgc_job_get_display_name(job, &name), BGC_OK);
    assert_string_equal(name, "new name \xc3\xa9");
    bgc_free(name);
    bgc_job_unref(job);
}

static void set_display_name_too_long(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "old");
    char *bad = repeat("x", 257), *name = NULL;

    assert_code(bgc_job_set_display_name(job, bad), BGC_E_STRING_TOO_LONG);
    assert_code(bgc_job_get_display_name(job, &name), BGC_OK);
    assert_string_equal(name, "old");
    bgc_free(name);
    free(bad);
    bgc_job_unref(job);
}

static void set_display_name_counts_code_points_not_bytes(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "old");
    char *ok = repeat("\xc3\xa9", 256);     /* 256 code points, 512 bytes */
    char *bad = repeat("\xe2\x82\xac", 257); /* 257 code points */

    assert_code(bgc_job_set_display_name(job, ok), BGC_OK);
    assert_code(bgc_job_set_display_name(job, bad), BGC_E_STRING_TOO_LONG);
    free(ok);
    free(bad);
    bgc_job_unref(job);
}

static void set_display_name_rejects_null_and_bad_utf8(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "old");

    assert_code(bgc_job_set_display_name(job, NULL), BGC_E_INVALIDARG);
    assert_code(bgc_job_set_display_name(job, "bad \xc3"), BGC_E_INVALIDARG);
    assert_code(bgc_job_set_display_name(job, "overlong \xc0\xaf"), BGC_E_INVALIDARG);
    assert_code(bgc_job_set_display_name(job, "surrogate \xed\xa0\x80"), BGC_E_INVALIDARG);
    bgc_job_unref(job);
}

static void set_description_limit_is_1024(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "desc");
    char *ok = repeat("d", 1024), *bad = repeat("d", 1025), *got = NULL;

    assert_code(bgc_job_set_description(job, ok), BGC_OK);
    assert_code(bgc_job_set_description(job, bad), BGC_E_STRING_TOO_LONG);
    assert_code(bgc_job_set_description(job, NULL), BGC_E_INVALIDARG);
    assert_code(bgc_job_get_description(job, &got), BGC_OK);
    assert_string_equal(got, ok);
    bgc_free(got);
    free(ok);
    free(bad);
    bgc_job_unref(job);
}

static void set_priority_outside_enum_unsupported_G4(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "prio");

    assert_code(bgc_job_set_priority(job, 4), BGC_E_UNSUPPORTED_VALUE);
    assert_code(bgc_job_set_priority(job, -1), BGC_E_UNSUPPORTED_VALUE);
    assert_int_equal(bgc_job_get_priority(job), BGC_PRIO_NORMAL);
    assert_code(bgc_job_set_priority(job, BGC_PRIO_LOW), BGC_OK);
    assert_int_equal(bgc_job_get_priority(job), BGC_PRIO_LOW);
    bgc_job_unref(job);
}

static void notify_flags_outside_mask_unsupported(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "flags");

    assert_code(bgc_job_set_notify_flags(job, 0x40), BGC_E_UNSUPPORTED_VALUE);
    assert_code(bgc_job_set_notify_flags(job, 0x7F), BGC_E_UNSUPPORTED_VALUE);
    assert_int_equal(bgc_job_get_notify_flags(job), 0x3);
    assert_code(bgc_job_set_notify_flags(job, 0x3F), BGC_OK);
    assert_int_equal(bgc_job_get_notify_flags(job), 0x3F);
    assert_code(bgc_job_set_notify_flags(job, 0), BGC_OK);
    assert_int_equal(bgc_job_get_notify_flags(job), 0);
    bgc_job_unref(job);
}

static void min_retry_delay_below_floor_stored_as_floor_R5(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job;

    bgc_queue_free(env->q);
    env->cfg.retry_delay_floor_s = 0; /* the default floor, 5 s */
    tj_queue(env, NULL);
    job = tj_job(env, "delay");
    assert_code(bgc_job_set_min_retry_delay(job, 2), BGC_OK);
    assert_int_equal(bgc_job_get_min_retry_delay(job), 5);
    assert_code(bgc_job_set_min_retry_delay(job, 0), BGC_OK);
    assert_int_equal(bgc_job_get_min_retry_delay(job), 5);
    assert_code(bgc_job_set_min_retry_delay(job, 6), BGC_OK);
    assert_int_equal(bgc_job_get_min_retry_delay(job), 6);
    bgc_job_unref(job);
}

static void configured_retry_floor_is_honoured_R5(void **state)
{
    struct tj_env *env = *state; /* the fixture's floor is 1 s */
    struct bgc_job *job = tj_job(env, "delay");

    assert_code(bgc_job_set_min_retry_delay(job, 0), BGC_OK);
    assert_int_equal(bgc_job_get_min_retry_delay(job), 1);
    bgc_job_unref(job);
}

static void no_progress_timeout_zero_is_allowed_R6(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "npt");

    assert_code(bgc_job_set_no_progress_timeout(job, 0), BGC_OK);
    assert_int_equal(bgc_job_get_no_progress_timeout(job), 0);
    bgc_job_unref(job);
}

static void setters_move_modification_time_G7(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "g7");
    struct bgc_job_times a, b;

    bgc_job_get_times(job, &a);
    tj_sleep_ms(2);
    assert_code(bgc_job_set_description(job, "x"), BGC_OK);
    bgc_job_get_times(job, &b);
    assert_true(b.modification > a.modification);
    tj_sleep_ms(2);
    tj_add_local_copy(env, job, "a.src", 1, "a.out");
    bgc_job_get_times(job, &a);
    assert_true(a.modification > b.modification);
    assert_true(a.creation == b.creation);
    bgc_job_unref(job);
}

static void failed_setter_does_not_move_modification_time_G7(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "g7");
    struct bgc_job_times a, b;

    bgc_job_get_times(job, &a);
    tj_sleep_ms(2);
    assert_code(bgc_job_set_priority(job, 9), BGC_E_UNSUPPORTED_VALUE);
    bgc_job_get_times(job, &b);
    assert_true(b.modification == a.modification);
    bgc_job_unref(job);
}

/* ---- Files ----------------------------------------------------------------------------- */

static int add_one(struct tj_env *env, struct bgc_job *job, const char *remote, const char *local)
{
    char path[512];
    struct bgc_file_spec spec = {remote, local ? tj_path(env, local, path, sizeof(path)) : NULL};

    return bgc_job_add_files(job, 1, &spec);
}

static void add_file_accepts_supported_schemes_F1(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "schemes");
    char abs[512];

    assert_code(add_one(env, job, "http://example.test/a", "a"), BGC_OK);
    assert_code(add_one(env, job, "HTTPS://example.test/b?x=1", "b"), BGC_OK);
    assert_code(add_one(env, job, "ftp://example.test/c", "c"), BGC_OK);
    assert_code(add_one(env, job, "File:///tmp/d", "d"), BGC_OK);
    assert_code(add_one(env, job, tj_path(env, "source with space", abs, sizeof(abs)), "e"), BGC_OK);
    assert_int_equal(bgc_job_file_count(job), 5);
    bgc_job_unref(job);
}

static void add_file_rejects_unsupported_scheme_F1(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "schemes");

    assert_code(add_one(env, job, "gopher://example.test/a", "a"), BGC_E_INVALIDARG);
    assert_code(add_one(env, job, "smb://server/share/a", "a"), BGC_E_INVALIDARG);
    assert_code(add_one(env, job, "mailto:someone@example.test", "a"), BGC_E_INVALIDARG);
    assert_code(add_one(env, job, "relative/path", "a"), BGC_E_INVALIDARG);
    assert_int_equal(bgc_job_file_count(job), 0);
    bgc_job_unref(job);
}

static void add_file_rejects_malformed_url_F2(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "urls");

    assert_code(add_one(env, job, "http://", "a"), BGC_E_INVALIDARG);
    assert_code(add_one(env, job, "http://exa mple.test/a", "a"), BGC_E_INVALIDARG);
    assert_code(add_one(env, job, "http://example.test/a\nb", "a"), BGC_E_INVALIDARG);
    assert_int_equal(bgc_job_file_count(job), 0);
    bgc_job_unref(job);
}

static void add_file_remote_limit_is_2200_chars_F2(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "long");
    const char *prefix = "http://example.test/";
    char *tail_ok = repeat("a", 2200 - strlen(prefix)), *tail_bad = repeat("a", 2201 - strlen(prefix));
    char ok[2300], bad[2300];

    tj_fmt(ok, sizeof(ok), "%s%s", prefix, tail_ok);
    tj_fmt(bad, sizeof(bad), "%s%s", prefix, tail_bad);
    assert_code(add_one(env, job, bad, "a"), BGC_E_INVALIDARG);
    assert_code(add_one(env, job, ok, "a"), BGC_OK);
    free(tail_ok);
    free(tail_bad);
    bgc_job_unref(job);
}

static void add_file_rejects_relative_local_path_F3(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "rel");
    struct bgc_file_spec spec = {"http://example.test/a", "relative/a.out"};

    assert_code(bgc_job_add_files(job, 1, &spec), BGC_E_INVALIDARG);
    spec.local = "a.out";
    assert_code(bgc_job_add_files(job, 1, &spec), BGC_E_INVALIDARG);
    assert_int_equal(bgc_job_file_count(job), 0);
    bgc_job_unref(job);
}

static void add_file_rejects_wildcards_and_directories_F3(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "wild");

    assert_code(add_one(env, job, "http://example.test/a", "a*.out"), BGC_E_INVALIDARG);
    assert_code(add_one(env, job, "http://example.test/a", "a?.out"), BGC_E_INVALIDARG);
    assert_code(add_one(env, job, "http://example.test/a", "dir/"), BGC_E_INVALIDARG);
    assert_int_equal(bgc_job_file_count(job), 0);
    bgc_job_unref(job);
}

static void add_file_rejects_missing_directory_F3(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "nodir");

    assert_code(add_one(env, job, "http://example.test/a", "no-such-dir/a.out"),
                BGC_E_PATH_NOT_FOUND);
    assert_int_equal(bgc_job_file_count(job), 0);
    bgc_job_unref(job);
}

static void add_file_rejects_unwritable_directory_F3(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "ro");
    char dir[512];

    if (geteuid() == 0) { /* root writes anywhere: nothing to observe */
        bgc_job_unref(job);
        skip();
    }
    assert_int_equal(mkdir(tj_path(env, "ro", dir, sizeof(dir)), 0555), 0);
    assert_code(add_one(env, job, "http://example.test/a", "ro/a.out"), BGC_E_ACCESS_DENIED);
    bgc_job_unref(job);
}

static void add_file_local_limit_is_260_chars_F3(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "long");
    size_t base = strlen(env->dir) + 1;
    char *ok = repeat("l", 260 - base), *bad = repeat("l", 261 - base);

    assert_code(add_one(env, job, "http://example.test/a", bad), BGC_E_INVALIDARG);
    assert_code(add_one(env, job, "http://example.test/a", ok), BGC_OK);
    free(ok);
    free(bad);
    bgc_job_unref(job);
}

static void add_file_rejects_empty_and_null_names(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "empty");

    assert_code(add_one(env, job, "", "a"), BGC_E_INVALIDARG);
    assert_code(add_one(env, job, NULL, "a"), BGC_E_INVALIDARG);
    assert_code(add_one(env, job, "http://example.test/a", NULL), BGC_E_INVALIDARG);
    {
        struct bgc_file_spec spec = {"http://example.test/a", ""};

        assert_code(bgc_job_add_files(job, 1, &spec), BGC_E_INVALIDARG);
        assert_code(bgc_job_add_files(job, 0, &spec), BGC_E_INVALIDARG);
        assert_code(bgc_job_add_files(job, 1, NULL), BGC_E_INVALIDARG);
    }
    assert_int_equal(bgc_job_file_count(job), 0);
    bgc_job_unref(job);
}

static void add_file_set_is_all_or_nothing(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "set");
    char a[512], b[512], c[512];
    struct bgc_file_spec specs[3] = {
        {"http://example.test/a", tj_path(env, "a", a, sizeof(a))},
        {"http://example.test/b", tj_path(env, "b", b, sizeof(b))},
        {"gopher://example.test/c", tj_path(env, "c", c, sizeof(c))},
    };
    struct bgc_job_times before, after;

    bgc_job_get_times(job, &before);
    tj_sleep_ms(2);
    assert_code(bgc_job_add_files(job, 3, specs), BGC_E_INVALIDARG);
    assert_int_equal(bgc_job_file_count(job), 0);
    bgc_job_get_times(job, &after);
    assert_true(after.modification == before.modification);
    specs[2].remote = "http://example.test/c";
    assert_code(bgc_job_add_files(job, 3, specs), BGC_OK);
    assert_int_equal(bgc_job_file_count(job), 3);
    bgc_job_unref(job);
}

static void too_many_files_in_job_S6(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job;
    char a[512], b[512];
    struct bgc_file_spec two[2] = {
        {"http://example.test/a", tj_path(env, "a", a, sizeof(a))},
        {"http://example.test/b", tj_path(env, "b", b, sizeof(b))},
    };

    bgc_queue_free(env->q);
    env->cfg.max_files_per_job = 3;
    tj_queue(env, NULL);
    job = tj_job(env, "limit");
    assert_code(bgc_job_add_files(job, 2, two), BGC_OK);
    assert_code(bgc_job_add_files(job, 2, two), BGC_E_TOO_MANY_FILES_IN_JOB);
    assert_int_equal(bgc_job_file_count(job), 2);
    assert_code(bgc_job_add_files(job, 1, two), BGC_OK);
    assert_code(bgc_job_add_files(job, 1, two), BGC_E_TOO_MANY_FILES_IN_JOB);
    assert_int_equal(bgc_job_file_count(job), 3);
    bgc_job_unref(job);
}

static void default_files_per_job_is_200_S6(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "limit");
    char local[512];
    struct bgc_file_spec spec = {"http://example.test/a", tj_path(env, "a", local, sizeof(local))};

    for (int i = 0; i < 200; i++)
        assert_code(bgc_job_add_files(job, 1, &spec), BGC_OK);
    assert_code(bgc_job_add_files(job, 1, &spec), BGC_E_TOO_MANY_FILES_IN_JOB);
    assert_int_equal(bgc_job_file_count(job), 200);
    bgc_job_unref(job);
}

static void file_names_are_stored_as_given(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "names");
    char src[512], dst[512], *remote = NULL, *local = NULL, *poison = (char *)&poison;

    tj_path(env, "src name.bin", src, sizeof(src)); /* an absolute path as the remote name */
    tj_add(job, src, tj_path(env, "dst.bin", dst, sizeof(dst)));
    assert_code(bgc_job_get_file_names(job, 0, &remote, &local), BGC_OK);
    assert_string_equal(remote, src);
    assert_string_equal(local, dst);
    bgc_free(remote);
    bgc_free(local);
    remote = local = poison;
    assert_code(bgc_job_get_file_names(job, 1, &remote, &local), BGC_E_INVALIDARG);
    assert_null(remote);
    assert_null(local);
    bgc_job_unref(job);
}

static void temp_name_is_empty_before_transfer_F4(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "temp");
    char *temp = NULL;

    tj_add_local_copy(env, job, "a.src", 1, "a.out");
    assert_code(bgc_job_get_file_temp_name(job, 0, &temp), BGC_OK);
    assert_string_equal(temp, "");
    bgc_free(temp);
    assert_code(bgc_job_get_file_temp_name(job, 1, &temp), BGC_E_INVALIDARG);
    assert_null(temp);
    bgc_job_unref(job);
}

/* ---- Queue ----------------------------------------------------------------------------- */

static void get_job_finds_job_by_id(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "find"), *found = NULL;
    struct bgc_id id, other;

    bgc_job_get_id(job, &id);
    assert_code(bgc_queue_get_job(env->q, &id, &found), BGC_OK);
    assert_ptr_equal(found, job);
    bgc_job_unref(found);
    other = id;
    other.b[0] ^= 1;
    found = job;
    assert_code(bgc_queue_get_job(env->q, &other, &found), BGC_E_NOT_FOUND);
    assert_null(found);
    bgc_job_unref(job);
}

static void list_jobs_filters_by_owner_in_creation_order(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *a = tj_job(env, "a"), *b = NULL, *c = tj_job(env, "c");
    struct bgc_job **list = NULL;
    size_t n = 0;

    assert_code(bgc_queue_create_job(env->q, "b", BGC_JOB_DOWNLOAD, "other", &b), BGC_OK);
    assert_code(bgc_queue_list_jobs(env->q, TJ_OWNER, &list, &n), BGC_OK);
    assert_int_equal(n, 2);
    assert_ptr_equal(list[0], a);
    assert_ptr_equal(list[1], c);
    bgc_job_list_free(list, n);
    assert_code(bgc_queue_list_jobs(env->q, NULL, &list, &n), BGC_OK);
    assert_int_equal(n, 3);
    assert_ptr_equal(list[2], b); /* created after c */
    bgc_job_list_free(list, n);
    assert_code(bgc_queue_list_jobs(env->q, "nobody", &list, &n), BGC_OK);
    assert_int_equal(n, 0);
    assert_null(list);
    bgc_job_unref(a);
    bgc_job_unref(b);
    bgc_job_unref(c);
}

static int destroyed;
static void count_destroy(void *user)
{
    assert_ptr_equal(user, &destroyed);
    destroyed++;
}

static void user_slot_destructor_runs_at_last_unref(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "user");

    destroyed = 0;
    bgc_job_set_user(job, &destroyed, count_destroy);
    assert_ptr_equal(bgc_job_get_user(job), &destroyed);
    assert_code(bgc_job_cancel(job), BGC_OK); /* the queue lets go of final jobs */
    tj_sleep_ms(50);
    assert_int_equal(destroyed, 0);
    bgc_job_unref(job);
    assert_int_equal(destroyed, 1);
}

static void job_outliving_queue_answers_getters_and_refuses_changes(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "orphan");
    char *name = NULL;

    tj_add_local_copy(env, job, "a.src", 5, "a.out");
    bgc_queue_free(env->q);
    env->q = NULL;
    assert_state(job, BGC_STATE_SUSPENDED);
    assert_code(bgc_job_get_display_name(job, &name), BGC_OK);
    assert_string_equal(name, "orphan");
    assert_int_equal(bgc_job_file_count(job), 1);
    assert_code(bgc_job_resume(job), BGC_E_STOPPING);
    assert_code(bgc_job_set_description(job, "x"), BGC_E_STOPPING);
    assert_code(bgc_job_cancel(job), BGC_E_STOPPING);
    bgc_free(name);
    bgc_job_unref(job);
}

static void idle_queue_is_not_busy(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "idle");

    assert_int_equal(bgc_queue_busy(env->q), 0);
    tj_add_local_copy(env, job, "a.src", 5, "a.out");
    assert_int_equal(bgc_queue_busy(env->q), 0); /* SUSPENDED makes no progress by itself */
    bgc_job_unref(job);
}

static void queue_with_transient_error_is_busy(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_transient_job(env, "ter");

    assert_int_equal(bgc_queue_busy(env->q), 1);
    assert_code(bgc_job_suspend(job), BGC_OK);
    assert_int_equal(bgc_queue_busy(env->q), 0);
    bgc_job_unref(job);
}

static void null_arguments_are_rejected(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = (struct bgc_job *)&job, **list = NULL;
    size_t n;

    assert_code(bgc_queue_new(NULL, NULL, NULL), BGC_E_INVALIDARG);
    assert_code(bgc_queue_create_job(env->q, "x", BGC_JOB_DOWNLOAD, TJ_OWNER, NULL),
                BGC_E_INVALIDARG);
    assert_code(bgc_queue_create_job(env->q, "x", BGC_JOB_DOWNLOAD, NULL, &job), BGC_E_INVALIDARG);
    assert_null(job);
    assert_code(bgc_queue_list_jobs(env->q, NULL, &list, NULL), BGC_E_INVALIDARG);
    assert_code(bgc_queue_list_jobs(env->q, NULL, NULL, &n), BGC_E_INVALIDARG);
    bgc_job_unref(NULL);
    bgc_queue_free(NULL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tj_setup, tj_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(new_job_has_documented_defaults),
        T(new_job_progress_is_zero),
        T(new_job_times_creation_equals_modification_G7),
        T(added_file_size_is_unknown_until_transfer),
        T(create_job_rejects_null_name),
        T(create_job_rejects_name_over_256_chars),
        T(create_job_upload_types_are_unsupported),
        T(create_job_unknown_type_is_invalidarg),
        T(too_many_jobs_per_owner_S6),
        T(set_display_name_round_trip),
        T(set_display_name_too_long),
        T(set_display_name_counts_code_points_not_bytes),
        T(set_display_name_rejects_null_and_bad_utf8),
        T(set_description_limit_is_1024),
        T(set_priority_outside_enum_unsupported_G4),
        T(notify_flags_outside_mask_unsupported),
        T(min_retry_delay_below_floor_stored_as_floor_R5),
        T(configured_retry_floor_is_honoured_R5),
        T(no_progress_timeout_zero_is_allowed_R6),
        T(setters_move_modification_time_G7),
        T(failed_setter_does_not_move_modification_time_G7),
        T(add_file_accepts_supported_schemes_F1),
        T(add_file_rejects_unsupported_scheme_F1),
        T(add_file_rejects_malformed_url_F2),
        T(add_file_remote_limit_is_2200_chars_F2),
        T(add_file_rejects_relative_local_path_F3),
        T(add_file_rejects_wildcards_and_directories_F3),
        T(add_file_rejects_missing_directory_F3),
        T(add_file_rejects_unwritable_directory_F3),
        T(add_file_local_limit_is_260_chars_F3),
        T(add_file_rejects_empty_and_null_names),
        T(add_file_set_is_all_or_nothing),
        T(too_many_files_in_job_S6),
        T(default_files_per_job_is_200_S6),
        T(file_names_are_stored_as_given),
        T(temp_name_is_empty_before_transfer_F4),
        T(get_job_finds_job_by_id),
        T(list_jobs_filters_by_owner_in_creation_order),
        T(user_slot_destructor_runs_at_last_unref),
        T(job_outliving_queue_answers_getters_and_refuses_changes),
        T(idle_queue_is_not_busy),
        T(queue_with_transient_error_is_busy),
        T(null_arguments_are_rejected),
    };

    return cmocka_run_group_tests_name("job", tests, NULL, NULL);
}
