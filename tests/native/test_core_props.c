/*
 * test_core_props.c - the Job2..Job5 properties of the core area (jobs/jobprops.c): defaults,
 * validation, final-state refusal (G3), the notify command line storage (2.3), TakeOwnership
 * (X5), the JobModification rate limit of MINIMUM_NOTIFICATION_INTERVAL_MS (N2), and the
 * job and file limits of S6 with their configured values.
 */
#include "test_engine_fixture.h"

static struct bgc_job *new_job(struct fx *f)
{
    return fx_new_job_v(f, "props", 0, NULL);
}

/* Job4/Job5 defaults of a new job. */
static void defaults_of_job4_and_job5_properties(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = new_job(f);
    struct bgc_id id, zero;
    char *p = NULL, *a = NULL;

    assert_int_equal(bgc_job_get_max_download_time(job), 7776000);
    assert_int_equal(bgc_job_get_download_time_ms(job), 0);
    assert_int_equal(bgc_job_get_peer_caching_flags(job), 0);
    assert_int_equal(bgc_job_get_file_acl_flags(job), 0);
    assert_int_equal(bgc_job_get_cost_flags(job), 0x800000FFu);
    assert_int_equal(bgc_job_get_min_notify_interval(job), 500);
    memset(&zero, 0, sizeof(zero));
    bgc_job_get_notify_clsid(job, &id);
    assert_true(bgc_id_equal(&id, &zero));
    assert_int_equal(bgc_job_get_notify_cmdline(job, &p, &a), BGC_OK);
    assert_string_equal(p, ""); /* 2.3: never set -> "" */
    assert_string_equal(a, "");
    bgc_free(p);
    bgc_free(a);
}

/* Setters store and getters return; values outside a flag set are refused (G4, F18). */
static void setters_store_values_and_refuse_unknown_bits_G4_F18(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = new_job(f);
    struct bgc_id id, got;

    assert_int_equal(bgc_job_set_peer_caching_flags(job, 0x5), BGC_OK);
    assert_int_equal(bgc_job_get_peer_caching_flags(job), 0x5);
    assert_int_equal(bgc_job_set_peer_caching_flags(job, 0x8), BGC_E_UNSUPPORTED_VALUE);
    assert_int_equal(bgc_job_get_peer_caching_flags(job), 0x5);

    assert_int_equal(bgc_job_set_file_acl_flags(job, 0xF), BGC_OK);
    assert_int_equal(bgc_job_get_file_acl_flags(job), 0xF);
    assert_int_equal(bgc_job_set_file_acl_flags(job, 0x10), BGC_E_INVALIDARG);
    assert_int_equal(bgc_job_get_file_acl_flags(job), 0xF);

    assert_int_equal(bgc_job_set_cost_flags(job, 0x80000021u), BGC_OK);
    assert_int_equal(bgc_job_get_cost_flags(job), 0x80000021u);
    assert_int_equal(bgc_job_set_cost_flags(job, 0x00000100u), BGC_E_UNSUPPORTED_VALUE);
    assert_int_equal(bgc_job_get_cost_flags(job), 0x80000021u);

    assert_int_equal(bgc_id_parse("{12345678-9ABC-DEF0-1234-56789ABCDEF0}", &id), BGC_OK);
    assert_int_equal(bgc_job_set_notify_clsid(job, &id), BGC_OK);
    bgc_job_get_notify_clsid(job, &got);
    assert_true(bgc_id_equal(&id, &got));
    memset(&id, 0, sizeof(id));
    assert_int_equal(bgc_job_set_notify_clsid(job, &id), BGC_OK); /* GUID_NULL clears */
    bgc_job_get_notify_clsid(job, &got);
    assert_true(bgc_id_equal(&id, &got));

    assert_int_equal(bgc_job_set_min_notify_interval(job, 0), BGC_OK);
    assert_int_equal(bgc_job_get_min_notify_interval(job), 0);
    assert_int_equal(bgc_job_set_max_download_time(job, 60), BGC_OK);
    assert_int_equal(bgc_job_get_max_download_time(job), 60);
}

/* F18: SetFileACLFlags after the job reached TRANSFERRED -> BGC_E_INVALID_STATE. */
static void file_acl_flags_refused_once_transferred_F18(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = fx_start_one(f, "/gen/1000/acl", "acl.bin");

    fx_wait_state(job, BGC_STATE_TRANSFERRED);
    assert_int_equal(bgc_job_set_file_acl_flags(job, 0x1), BGC_E_INVALID_STATE);
    assert_int_equal(bgc_job_get_file_acl_flags(job), 0);
}

/* G3: every core-area setter refuses a final job. */
static void setters_refuse_final_jobs_G3(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = new_job(f);
    struct bgc_id id;

    memset(&id, 0, sizeof(id));
    assert_int_equal(bgc_job_cancel(job), BGC_OK);
    assert_int_equal(bgc_job_set_max_download_time(job, 5), BGC_E_INVALID_STATE);
    assert_int_equal(bgc_job_set_peer_caching_flags(job, 1), BGC_E_INVALID_STATE);
    assert_int_equal(bgc_job_set_file_acl_flags(job, 1), BGC_E_INVALID_STATE);
    assert_int_equal(bgc_job_set_cost_flags(job, 1), BGC_E_INVALID_STATE);
    assert_int_equal(bgc_job_set_notify_clsid(job, &id), BGC_E_INVALID_STATE);
    assert_int_equal(bgc_job_set_min_notify_interval(job, 1), BGC_E_INVALID_STATE);
    assert_int_equal(bgc_job_set_notify_cmdline(job, "/bin/true", NULL), BGC_E_INVALID_STATE);
    assert_int_equal(bgc_job_take_ownership(job, "S-1-5-32-544", 0x3000, 1), BGC_E_INVALID_STATE);
    /* getters still answer (L30) */
    assert_int_equal(bgc_job_get_max_download_time(job), 7776000);
}

/* 2.3: SetNotifyCmdLine storage rules. */
static void notify_cmdline_storage_rules(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = new_job(f);
    char *p = NULL, *a = NULL;

    assert_int_equal(bgc_job_set_notify_cmdline(job, NULL, "x"), BGC_E_INVALIDARG);
    assert_int_equal(bgc_job_set_notify_cmdline(job, "", NULL), BGC_E_INVALIDARG);
    assert_int_equal(bgc_job_set_notify_cmdline(job, "C:\\p.exe", "\"C:\\p.exe\" 1 2"), BGC_OK);
    assert_int_equal(bgc_job_get_notify_cmdline(job, &p, &a), BGC_OK);
    assert_string_equal(p, "C:\\p.exe");
    assert_string_equal(a, "\"C:\\p.exe\" 1 2");
    bgc_free(p);
    bgc_free(a);
    assert_int_equal(bgc_job_set_notify_cmdline(job, "C:\\q.exe", NULL), BGC_OK);
    assert_int_equal(bgc_job_get_notify_cmdline(job, &p, &a), BGC_OK);
    assert_string_equal(p, "C:\\q.exe");
    assert_string_equal(a, "");
    bgc_free(p);
    bgc_free(a);
    assert_int_equal(bgc_job_set_notify_cmdline(job, NULL, NULL), BGC_OK); /* removes */
    assert_int_equal(bgc_job_get_notify_cmdline(job, &p, &a), BGC_OK);
    assert_string_equal(p, "");
    assert_string_equal(a, "");
    bgc_free(p);
    bgc_free(a);
}

/* X5: TakeOwnership changes the owner and the owner facts and removes the command line. */
static void take_ownership_moves_owner_and_removes_cmdline_X5(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = new_job(f);
    struct bgc_job **list = NULL;
    size_t n = 0;
    char *owner = NULL, *p = NULL, *a = NULL;

    bgc_job_set_owner_token_info(job, 0x2000, 0);
    assert_int_equal(bgc_job_get_owner_integrity(job), 0x2000);
    assert_int_equal(bgc_job_get_owner_elevated(job), 0);
    assert_int_equal(bgc_job_set_notify_cmdline(job, "C:\\p.exe", "p"), BGC_OK);
    assert_int_equal(bgc_job_take_ownership(job, "S-1-5-21-9-9-9-500", 0x3000, 1), BGC_OK);
    assert_int_equal(bgc_job_get_owner(job, &owner), BGC_OK);
    assert_string_equal(owner, "S-1-5-21-9-9-9-500");
    bgc_free(owner);
    assert_int_equal(bgc_job_get_owner_integrity(job), 0x3000);
    assert_int_equal(bgc_job_get_owner_elevated(job), 1);
    assert_int_equal(bgc_job_get_notify_cmdline(job, &p, &a), BGC_OK);
    assert_string_equal(p, "");
    assert_string_equal(a, "");
    bgc_free(p);
    bgc_free(a);
    /* the job is now listed under its new owner, not the old one */
    assert_int_equal(bgc_queue_list_jobs(f->q, OWNER, &list, &n), BGC_OK);
    assert_int_equal(n, 0);
    bgc_job_list_free(list, n);
    assert_int_equal(bgc_queue_list_jobs(f->q, "S-1-5-21-9-9-9-500", &list, &n), BGC_OK);
    assert_int_equal(n, 1);
    bgc_job_list_free(list, n);
    assert_int_equal(bgc_job_take_ownership(job, "", 0, 0), BGC_E_INVALIDARG);
}

/* Counts JobModification deliveries for `ms` while touching the job every 20 ms. */
static unsigned modifications_while_touching(struct fx *f, struct bgc_job *job, unsigned ms)
{
    unsigned before = fx_sink_count(&f->sink, BGC_EVENT_MODIFICATION);
    uint64_t end = fx_now_ms() + ms;
    int i = 0;

    while (fx_now_ms() < end) {
        assert_int_equal(bgc_job_set_description(job, (i++ & 1) ? "a" : "b"), BGC_OK);
        fx_sleep_ms(20);
    }
    fx_sleep_ms(50);
    return fx_sink_count(&f->sink, BGC_EVENT_MODIFICATION) - before;
}

/* N2 + Job5 MINIMUM_NOTIFICATION_INTERVAL_MS: at most one JobModification per interval. */
static void job_modification_is_rate_limited_by_min_notification_interval_N2(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = new_job(f);
    unsigned n;

    assert_int_equal(bgc_job_set_notify_flags(job, BGC_NOTIFY_JOB_MODIFICATION), BGC_OK);
    assert_int_equal(bgc_job_set_min_notify_interval(job, 1000), BGC_OK);
    n = modifications_while_touching(f, job, 2100); /* ~100 changes */
    assert_true(n >= 2 && n <= 4);
    assert_int_equal(bgc_job_set_min_notify_interval(job, 100), BGC_OK);
    n = modifications_while_touching(f, job, 1000);
    assert_true(n >= 6 && n <= 12);
    {
        /* timestamps: consecutive deliveries are at least the interval apart */
        unsigned i, last = 0, cnt = 0;
        uint64_t prev = 0;

        pthread_mutex_lock(&f->sink.mu);
        for (i = 0; i < f->sink.nevents && i < MAX_EVENTS; i++) {
            if (f->sink.events[i].ev != BGC_EVENT_MODIFICATION)
                continue;
            if (cnt++ && prev && f->sink.events[i].t_ms - prev + 5 < 100)
                last = 1;
            prev = f->sink.events[i].t_ms;
        }
        pthread_mutex_unlock(&f->sink.mu);
        assert_int_equal(last, 0);
    }
}

/* S6: MaxJobsPerUser and MaxJobsPerMachine from the configuration. */
static int setup_small_limits(void **state)
{
    struct bgc_config cfg;

    memset(&cfg, 0, sizeof(cfg));
    cfg.max_jobs_per_user = 2;
    cfg.max_jobs_per_machine = 3;
    cfg.max_files_per_job = 2;
    return fx_setup_cfg(state, &cfg);
}

static void job_limits_per_user_and_per_machine_S6(void **state)
{
    struct fx *f = *state;
    struct bgc_job *j[5] = {0};

    assert_int_equal(bgc_queue_create_job(f->q, "a", BGC_JOB_DOWNLOAD, "S-1-5-21-1", &j[0]), BGC_OK);
    assert_int_equal(bgc_queue_create_job(f->q, "b", BGC_JOB_DOWNLOAD, "S-1-5-21-1", &j[1]), BGC_OK);
    assert_int_equal(bgc_queue_create_job(f->q, "c", BGC_JOB_DOWNLOAD, "S-1-5-21-1", &j[2]),
                     BGC_E_TOO_MANY_JOBS_PER_USER);
    assert_null(j[2]);
    assert_int_equal(bgc_queue_create_job(f->q, "d", BGC_JOB_DOWNLOAD, "S-1-5-21-2", &j[3]), BGC_OK);
    assert_int_equal(bgc_queue_create_job(f->q, "e", BGC_JOB_DOWNLOAD, "S-1-5-21-3", &j[4]),
                     BGC_E_TOO_MANY_JOBS_PER_MACHINE);
    assert_null(j[4]);
    /* a final job no longer counts */
    assert_int_equal(bgc_job_cancel(j[0]), BGC_OK);
    assert_int_equal(bgc_queue_create_job(f->q, "f", BGC_JOB_DOWNLOAD, "S-1-5-21-3", &j[4]), BGC_OK);
    for (int i = 0; i < 5; i++)
        bgc_job_unref(j[i]);
}

static void files_per_job_limit_from_configuration_S6(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = new_job(f);
    struct bgc_file_spec spec[3];
    char url[256], l[3][PATH_MAX];

    for (int i = 0; i < 3; i++) {
        char name[16];

        snprintf(name, sizeof(name), "f%d.bin", i);
        spec[i].remote = fx_url("/gen/10", url, sizeof(url));
        spec[i].local = fx_path(f, name, l[i], sizeof(l[i]));
    }
    assert_int_equal(bgc_job_add_files(job, 3, spec), BGC_E_TOO_MANY_FILES_IN_JOB);
    assert_int_equal(bgc_job_file_count(job), 0);
    assert_int_equal(bgc_job_add_files(job, 2, spec), BGC_OK);
    assert_int_equal(bgc_job_add_files(job, 1, spec + 2), BGC_E_TOO_MANY_FILES_IN_JOB);
    assert_int_equal(bgc_job_file_count(job), 2);
}

/* STYLE 15: the allocating entry points fail cleanly under OOM and change nothing. */
static void allocating_setters_fail_cleanly_out_of_memory(void **state)
{
    struct fx *f = *state;
    struct bgc_job *job = new_job(f);
    char *owner = NULL, *p = NULL, *a = NULL;
    long n;
    int rc;

    for (n = 0;; n++) {
        bgc_test_fail_alloc_after(n);
        rc = bgc_job_set_notify_cmdline(job, "C:\\p.exe", "p 1");
        bgc_test_fail_alloc_after(-1);
        if (rc == BGC_OK)
            break;
        assert_int_equal(rc, BGC_E_NOMEM);
        assert_int_equal(bgc_job_get_notify_cmdline(job, &p, &a), BGC_OK);
        assert_string_equal(p, ""); /* unchanged */
        bgc_free(p);
        bgc_free(a);
    }
    assert_true(n > 0);
    for (n = 0;; n++) {
        bgc_test_fail_alloc_after(n);
        rc = bgc_job_take_ownership(job, "S-1-5-21-7", 0x3000, 1);
        bgc_test_fail_alloc_after(-1);
        if (rc == BGC_OK)
            break;
        assert_int_equal(rc, BGC_E_NOMEM);
        assert_int_equal(bgc_job_get_owner(job, &owner), BGC_OK);
        assert_string_equal(owner, OWNER); /* unchanged */
        bgc_free(owner);
    }
    assert_true(n > 0);
    for (n = 0;; n++) {
        bgc_test_fail_alloc_after(n);
        rc = bgc_job_get_notify_cmdline(job, &p, &a);
        bgc_test_fail_alloc_after(-1);
        if (rc == BGC_OK)
            break;
        assert_int_equal(rc, BGC_E_NOMEM);
        assert_null(p);
        assert_null(a);
    }
    bgc_free(p);
    bgc_free(a);
}

/* The new result codes have texts and names (bgc_strerror table). */
static void new_result_codes_have_texts(void **state)
{
    (void)state;
    assert_string_equal(bgc_code_name(BGC_E_MAXDOWNLOAD_TIMEOUT), "BGC_E_MAXDOWNLOAD_TIMEOUT");
    assert_string_equal(bgc_code_name(BGC_E_TOO_MANY_JOBS_PER_MACHINE), "BGC_E_TOO_MANY_JOBS_PER_MACHINE");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(defaults_of_job4_and_job5_properties, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(setters_store_values_and_refuse_unknown_bits_G4_F18, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(file_acl_flags_refused_once_transferred_F18, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(setters_refuse_final_jobs_G3, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(notify_cmdline_storage_rules, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(take_ownership_moves_owner_and_removes_cmdline_X5, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(job_modification_is_rate_limited_by_min_notification_interval_N2, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(job_limits_per_user_and_per_machine_S6, setup_small_limits, fx_teardown),
        cmocka_unit_test_setup_teardown(files_per_job_limit_from_configuration_S6, setup_small_limits,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(allocating_setters_fail_cleanly_out_of_memory, fx_setup, fx_teardown),
        cmocka_unit_test(new_result_codes_have_texts),
    };
    return cmocka_run_group_tests_name("core_props", tests, fx_group_setup, fx_group_teardown);
}
