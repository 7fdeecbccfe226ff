/*
 * test_alloc.c - allocation failure as a test input (STYLE.md §5.15): the injection hook of
 * jobs/alloc.c, and OOM loops over every constructor and allocating entry point. Each loop
 * fails the 1st, 2nd, ... allocation in turn; every failure must return BGC_E_NOMEM and leave
 * everything as it was, and the first run that gets all its memory must be complete.
 * ASan (BGC_SANITIZE=ON) proves the failure paths leak nothing.
 */
#include "test_job_util.h"

#define OOM_LIMIT 200 /* no entry point needs more allocations than this */

static void fail_alloc_after_zero_fails_the_next_allocation(void **state)
{
    void *p;

    (void)state;
    bgc_test_fail_alloc_after(0);
    assert_null(bgc_malloc(8));
    assert_null(bgc_calloc(2, 8));
    assert_null(bgc_realloc(NULL, 8));
    assert_null(bgc_strdup("x"));
    bgc_test_fail_alloc_after(-1);
    p = bgc_malloc(8);
    assert_non_null(p);
    bgc_free(p);
}

static void fail_alloc_after_n_lets_n_allocations_through(void **state)
{
    void *a, *b, *c;

    (void)state;
    bgc_test_fail_alloc_after(2);
    a = bgc_malloc(1);
    b = bgc_strdup("two");
    c = bgc_calloc(1, 1);
    bgc_test_fail_alloc_after(-1);
    assert_non_null(a);
    assert_non_null(b);
    assert_null(c);
    bgc_free(a);
    bgc_free(b);
}

static void calloc_overflow_fails_cleanly(void **state)
{
    (void)state;
    assert_null(bgc_calloc((size_t)-1 / 2, 4));
}

static int deliver_nothing(void *ctx, struct bgc_job *job, enum bgc_event ev, unsigned index)
{
    (void)ctx;
    (void)job;
    (void)ev;
    (void)index;
    return BGC_DELIVERED; /* no job exists in this test: never called */
}

static void queue_new_oom_loop(void **state)
{
    struct bgc_sink sink = {deliver_nothing, NULL, NULL, NULL}; /* starts the notifier too */
    struct bgc_queue *q = NULL;
    int n, rc = BGC_E_NOMEM;

    (void)state;
    for (n = 0; n < OOM_LIMIT; n++) {
        q = (struct bgc_queue *)&q;
        bgc_test_fail_alloc_after(n);
        rc = bgc_queue_new(NULL, &sink, &q);
        bgc_test_fail_alloc_after(-1);
        if (rc != BGC_E_NOMEM)
            break;
        assert_null(q);
    }
    assert_code(rc, BGC_OK);
    assert_true(n > 3); /* mutex, condition variables, threads: several failure points seen */
    bgc_queue_free(q);
}

static void create_job_oom_loop(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = NULL, **list = NULL;
    size_t count = 0;
    char *name = NULL;
    int n, rc = BGC_E_NOMEM;

    for (n = 0; n < OOM_LIMIT; n++) {
        job = (struct bgc_job *)&job;
        bgc_test_fail_alloc_after(n);
        rc = bgc_queue_create_job(env->q, "oom job", BGC_JOB_DOWNLOAD, TJ_OWNER, &job);
        bgc_test_fail_alloc_after(-1);
        if (rc != BGC_E_NOMEM)
            break;
        assert_null(job);
        assert_code(bgc_queue_list_jobs(env->q, NULL, &list, &count), BGC_OK);
        assert_int_equal(count, 0); /* nothing half-made is visible */
    }
    assert_code(rc, BGC_OK);
    assert_true(n > 0);
    assert_state(job, BGC_STATE_SUSPENDED);
    assert_code(bgc_job_get_display_name(job, &name), BGC_OK);
    assert_string_equal(name, "oom job");
    assert_code(bgc_queue_list_jobs(env->q, NULL, &list, &count), BGC_OK);
    assert_int_equal(count, 1);
    bgc_job_list_free(list, count);
    bgc_free(name);
    bgc_job_unref(job);
}

static void add_files_oom_loop(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "oom files");
    char a[512], b[512], *remote = NULL, *local = NULL;
    struct bgc_file_spec specs[2] = {
        {"http://example.test/a", tj_path(env, "a.out", a, sizeof(a))},
        {"/srv/source b.bin", tj_path(env, "b.out", b, sizeof(b))},
    };
    struct bgc_job_times before, t;
    int n, rc = BGC_E_NOMEM;

    bgc_job_get_times(job, &before);
    for (n = 0; n < OOM_LIMIT; n++) {
        bgc_test_fail_alloc_after(n);
        rc = bgc_job_add_files(job, 2, specs);
        bgc_test_fail_alloc_after(-1);
        if (rc != BGC_E_NOMEM)
            break;
        assert_int_equal(bgc_job_file_count(job), 0);
        bgc_job_get_times(job, &t);
        assert_true(t.modification == before.modification);
    }
    assert_code(rc, BGC_OK);
    assert_true(n > 4);
    assert_int_equal(bgc_job_file_count(job), 2);
    assert_code(bgc_job_get_file_names(job, 1, &remote, &local), BGC_OK);
    assert_string_equal(remote, "/srv/source b.bin");
    assert_string_equal(local, b);
    bgc_free(remote);
    bgc_free(local);
    bgc_job_unref(job);
}

static void add_files_growing_the_array_oom_loop(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "grow");
    char a[512];
    struct bgc_file_spec spec = {"http://example.test/a", tj_path(env, "a.out", a, sizeof(a))};
    int n, rc = BGC_E_NOMEM;

    for (int i = 0; i < 4; i++) /* fills the first array; the next add must grow it */
        assert_code(bgc_job_add_files(job, 1, &spec), BGC_OK);
    for (n = 0; n < OOM_LIMIT; n++) {
        bgc_test_fail_alloc_after(n);
        rc = bgc_job_add_files(job, 1, &spec);
        bgc_test_fail_alloc_after(-1);
        if (rc != BGC_E_NOMEM)
            break;
        assert_int_equal(bgc_job_file_count(job), 4);
    }
    assert_code(rc, BGC_OK);
    assert_int_equal(bgc_job_file_count(job), 5);
    bgc_job_unref(job);
}

static void set_display_name_oom_keeps_old_name(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "old");
    char *name = NULL;

    bgc_test_fail_alloc_after(0);
    assert_code(bgc_job_set_display_name(job, "new"), BGC_E_NOMEM);
    assert_code(bgc_job_set_description(job, "new"), BGC_E_NOMEM);
    bgc_test_fail_alloc_after(-1);
    assert_code(bgc_job_get_display_name(job, &name), BGC_OK);
    assert_string_equal(name, "old");
    bgc_free(name);
    bgc_job_unref(job);
}

static void getters_oom_return_nomem_and_null(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "get");
    char *s = (char *)&s, *r = (char *)&r, *l = (char *)&l;
    struct bgc_job **list = (struct bgc_job **)&list;
    size_t count = 0;

    tj_add_local_copy(env, job, "a.src", 1, "a.out");
    bgc_test_fail_alloc_after(0);
    assert_code(bgc_job_get_display_name(job, &s), BGC_E_NOMEM);
    assert_null(s);
    assert_code(bgc_job_get_owner(job, &s), BGC_E_NOMEM);
    assert_null(s);
    assert_code(bgc_job_get_file_names(job, 0, &r, &l), BGC_E_NOMEM);
    assert_null(r);
    assert_null(l);
    assert_code(bgc_queue_list_jobs(env->q, NULL, &list, &count), BGC_E_NOMEM);
    assert_null(list);
    bgc_test_fail_alloc_after(1); /* the remote name copy succeeds, the local one fails */
    r = l = (char *)&r;
    assert_code(bgc_job_get_file_names(job, 0, &r, &l), BGC_E_NOMEM);
    assert_null(r);
    assert_null(l);
    bgc_test_fail_alloc_after(-1);
    bgc_job_unref(job);
}

static void state_requests_need_no_memory(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *a = tj_job(env, "a"), *b = tj_job(env, "b");

    bgc_test_fail_alloc_after(0);
    assert_code(bgc_job_suspend(a), BGC_OK);
    assert_code(bgc_job_cancel(a), BGC_OK);
    assert_code(bgc_job_complete(b, NULL), BGC_OK);
    bgc_test_fail_alloc_after(-1);
    assert_state(a, BGC_STATE_CANCELLED);
    assert_state(b, BGC_STATE_ACKNOWLEDGED);
    bgc_job_unref(a);
    bgc_job_unref(b);
}

static void engine_retries_a_transfer_start_after_oom(void **state)
{
    struct tj_env *env = *state;
    struct bgc_job *job = tj_job(env, "engine");

    tj_add_local_copy(env, job, "a.src", 100, "a.out");
    bgc_test_fail_alloc_after(0);
    assert_code(bgc_job_resume(job), BGC_OK);
    tj_sleep_ms(100);
    assert_state(job, BGC_STATE_QUEUED); /* the engine could not start it, and said so */
    bgc_test_fail_alloc_after(-1);
    assert_reaches(job, BGC_STATE_TRANSFERRED);
    bgc_job_unref(job);
}

#define T(f) cmocka_unit_test_setup_teardown(f, tj_setup, tj_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fail_alloc_after_zero_fails_the_next_allocation),
        cmocka_unit_test(fail_alloc_after_n_lets_n_allocations_through),
        cmocka_unit_test(calloc_overflow_fails_cleanly),
        cmocka_unit_test_setup_teardown(queue_new_oom_loop, tj_setup_noqueue, tj_teardown),
        T(create_job_oom_loop),
        T(add_files_oom_loop),
        T(add_files_growing_the_array_oom_loop),
        T(set_display_name_oom_keeps_old_name),
        T(getters_oom_return_nomem_and_null),
        T(state_requests_need_no_memory),
        T(engine_retries_a_transfer_start_after_oom),
    };

    return cmocka_run_group_tests_name("alloc", tests, NULL, NULL);
}
