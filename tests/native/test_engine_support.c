/*
 * test_engine_support.c - the helpers the engine tests rely on: SHA-256 (FIPS 180-4 test
 * vectors), MD5 (RFC 1321 vectors), the deterministic test data generator, and the loopback
 * HTTP server's endpoints driven with libcurl (ranges, drops, stalls, auth, redirects, log,
 * bounded stop). If these fail, engine test failures mean nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "httpd.h"
#include "httpd_int.h"
#include "sha256.h"
#include "testdata.h"

static struct bgc_httpd *srv;
static char root[256];

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- SHA-256 --------------------------------------------------------------------------- */

static void sha256_fips_180_vectors(void **state)
{
    char hex[BGC_SHA256_HEX_SIZE];
    static const char m448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    static const char m896[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    (void)state;

    bgc_sha256_buffer_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    bgc_sha256_buffer_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    bgc_sha256_buffer_hex(m448, strlen(m448), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    bgc_sha256_buffer_hex(m896, strlen(m896), hex);
    assert_string_equal(hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void sha256_million_a_streamed_in_odd_pieces(void **state)
{
    struct bgc_sha256 ctx;
    unsigned char a[997], d[BGC_SHA256_DIGEST_SIZE];
    char hex[BGC_SHA256_HEX_SIZE];
    size_t left = 1000000;
    (void)state;

    memset(a, 'a', sizeof(a));
    bgc_sha256_init(&ctx);
    while (left) {
        size_t n = left < 63 ? left : (left % 2 ? 63 : sizeof(a)); /* mixes partial and full blocks */
        if (n > left)
            n = left;
        bgc_sha256_update(&ctx, a, n);
        left -= n;
    }
    bgc_sha256_final(&ctx, d);
    bgc_sha256_hex(d, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void sha256_padding_boundaries_match_one_shot(void **state)
{
    unsigned char buf[200];
    size_t n, split;
    (void)state;

    for (n = 0; n < sizeof(buf); n++)
        buf[n] = (unsigned char)(n * 7 + 1);
    for (n = 50; n <= 130; n++) { /* 55/56/63/64/119/120/128 are the interesting lengths */
        char one[BGC_SHA256_HEX_SIZE], two[BGC_SHA256_HEX_SIZE];
        unsigned char d[BGC_SHA256_DIGEST_SIZE];
        struct bgc_sha256 ctx;

        bgc_sha256_buffer_hex(buf, n, one);
        for (split = 0; split <= n; split += 13) {
            bgc_sha256_init(&ctx);
            bgc_sha256_update(&ctx, buf, split);
            bgc_sha256_update(&ctx, buf + split, n - split);
            bgc_sha256_final(&ctx, d);
            bgc_sha256_hex(d, two);
            assert_string_equal(one, two);
        }
    }
}

/* ---- MD5 (the server's Digest auth) ------------------------------------------------------ */

static void md5_rfc_1321_vectors(void **state)
{
    char hex[33];
    (void)state;
    httpd_md5_hex("", hex);
    assert_string_equal(hex, "d41d8cd98f00b204e9800998ecf8427e");
    httpd_md5_hex("abc", hex);
    assert_string_equal(hex, "900150983cd24fb0d6963f7d28e17f72");
    httpd_md5_hex("message digest", hex);
    assert_string_equal(hex, "f96b697d7cb7938d525a2f31aaf161d0");
    httpd_md5_hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890", hex);
    assert_string_equal(hex, "57edf4a22be3c955ac49da2e2107b67a");
}

/* ---- test data ----------------------------------------------------------------------------- */

static void testdata_is_independent_of_chunking(void **state)
{
    unsigned char whole[10007], part[10007];
    size_t off, step;
    (void)state;

    bgc_testdata_fill(42, 3, whole, sizeof(whole));
    for (step = 1; step < 40; step += 3) {
        memset(part, 0, sizeof(part));
        for (off = 0; off < sizeof(part); off += step) {
            size_t n = sizeof(part) - off < step ? sizeof(part) - off : step;
            bgc_testdata_fill(42, 3 + off, part + off, n);
        }
        assert_memory_equal(whole, part, sizeof(whole));
    }
    for (off = 0; off < 100; off++)
        assert_int_equal(bgc_testdata_byte(42, 3 + off), whole[off]);
    assert_true(bgc_testdata_check(42, 3, whole, sizeof(whole)));
    whole[5000] ^= 1;
    assert_false(bgc_testdata_check(42, 3, whole, sizeof(whole)));
}

static void testdata_seeds_give_different_streams(void **state)
{
    unsigned char a[64], b[64];
    (void)state;
    bgc_testdata_fill(1, 0, a, sizeof(a));
    bgc_testdata_fill(2, 0, b, sizeof(b));
    assert_memory_not_equal(a, b, sizeof(a));
    bgc_testdata_fill(1, 8, b, sizeof(b)); /* no seed is a shifted copy of its own stream */
    assert_memory_not_equal(a, b, sizeof(a));
}

static void testdata_sha256_matches_streamed_fill(void **state)
{
    static unsigned char buf[300001];
    char a[BGC_SHA256_HEX_SIZE], b[BGC_SHA256_HEX_SIZE];
    (void)state;

    bgc_testdata_fill(9, 0, buf, sizeof(buf));
    bgc_sha256_buffer_hex(buf, sizeof(buf), a);
    bgc_testdata_sha256(9, sizeof(buf), b);
    assert_string_equal(a, b);
}

static void testdata_generates_fast(void **state)
{
    unsigned char *buf = malloc(1u << 20);
    uint64_t t0, off, ms;
    unsigned sum = 0;
    (void)state;

    assert_non_null(buf);
    t0 = now_ms();
    for (off = 0; off < (256ull << 20); off += 1u << 20) {
        bgc_testdata_fill(1, off, buf, 1u << 20);
        sum += buf[off % 4096];
    }
    ms = now_ms() - t0;
    free(buf);
    print_message("256 MiB generated in %" PRIu64 " ms (%u)\n", ms, sum & 1);
    assert_true(ms < 5000); /* ~30 ms optimised; generous for sanitizer builds */
}

/* ---- the server, through libcurl ------------------------------------------------------------- */

struct resp {
    CURLcode rc;
    long status;
    unsigned char *body;
    size_t len, cap;
    char head[8192];
    size_t hlen;
    long connects;
    char *effective_url;
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct resp *r = ud;
    size_t bytes = size * n;
    if (r->len + bytes > r->cap) {
        size_t cap = r->cap ? r->cap : 65536;
        unsigned char *grown;
        while (cap < r->len + bytes)
            cap *= 2;
        grown = realloc(r->body, cap);
        if (!grown)
            return 0;
        r->body = grown;
        r->cap = cap;
    }
    memcpy(r->body + r->len, p, bytes);
    r->len += bytes;
    return bytes;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct resp *r = ud;
    size_t bytes = size * n;
    if (r->hlen + bytes < sizeof(r->head)) {
        memcpy(r->head + r->hlen, p, bytes);
        r->hlen += bytes;
        r->head[r->hlen] = '\0';
    }
    return bytes;
}

/* GET (or HEAD with `head`) path on the server. extra: one header line or NULL. */
static void fetch_with(CURL *c, const char *path, const char *range, const char *extra, int head, struct resp *r)
{
    char url[2048];
    struct curl_slist *hdrs = NULL;

    memset(r, 0, sizeof(*r));
    bgc_httpd_url(srv, path, url, sizeof(url));
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_RANGE, range);
    curl_easy_setopt(c, CURLOPT_NOBODY, head ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    if (extra)
        hdrs = curl_slist_append(hdrs, extra);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    r->rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &r->connects);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdrs);
}

static void fetch(const char *path, const char *range, const char *extra, struct resp *r)
{
    CURL *c = curl_easy_init();
    assert_non_null(c);
    fetch_with(c, path, range, extra, 0, r);
    curl_easy_cleanup(c);
}

static void resp_free(struct resp *r)
{
    free(r->body);
    r->body = NULL;
}

/* Value of response header `name` (last occurrence) into out; 1 if present. */
static int header(const struct resp *r, const char *name, char *out, size_t n)
{
    const char *p = r->head;
    size_t nl = strlen(name);
    int found = 0;

    while ((p = strstr(p, "\r\n")) != NULL) {
        p += 2;
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1, *e;
            while (*v == ' ')
                v++;
            e = strstr(v, "\r\n");
            snprintf(out, n, "%.*s", (int)(e ? e - v : (long)strlen(v)), v);
            found = 1;
        }
    }
    return found;
}

static void server_gen_is_the_testdata_stream(void **state)
{
    struct resp r;
    char v[128];
    (void)state;

    fetch("/gen/100000?seed=77", NULL, NULL, &r);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 100000);
    assert_true(bgc_testdata_check(77, 0, r.body, r.len));
    assert_true(header(&r, "Content-Length", v, sizeof(v)));
    assert_string_equal(v, "100000");
    assert_true(header(&r, "ETag", v, sizeof(v)));
    assert_string_equal(v, "\"gen-100000-77\"");
    assert_true(header(&r, "Last-Modified", v, sizeof(v)));
    assert_true(header(&r, "Accept-Ranges", v, sizeof(v)));
    assert_string_equal(v, "bytes");
    resp_free(&r);
}

static void server_single_ranges_give_206(void **state)
{
    struct resp r;
    char v[128];
    (void)state;

    fetch("/gen/1000", "10-19", NULL, &r);
    assert_int_equal(r.status, 206);
    assert_int_equal(r.len, 10);
    assert_true(bgc_testdata_check(1, 10, r.body, 10));
    assert_true(header(&r, "Content-Range", v, sizeof(v)));
    assert_string_equal(v, "bytes 10-19/1000");
    resp_free(&r);

    fetch("/gen/1000", "990-", NULL, &r);
    assert_int_equal(r.status, 206);
    assert_int_equal(r.len, 10);
    assert_true(bgc_testdata_check(1, 990, r.body, 10));
    resp_free(&r);

    fetch("/gen/1000", "-100", NULL, &r);
    assert_int_equal(r.status, 206);
    assert_int_equal(r.len, 100);
    assert_true(header(&r, "Content-Range", v, sizeof(v)));
    assert_string_equal(v, "bytes 900-999/1000");
    resp_free(&r);

    fetch("/gen/1000", "500-5000", NULL, &r); /* end clamped to the size */
    assert_int_equal(r.status, 206);
    assert_int_equal(r.len, 500);
    resp_free(&r);
}

static void server_unsatisfiable_range_gives_416(void **state)
{
    struct resp r;
    char v[128];
    (void)state;

    fetch("/gen/1000", "1000-", NULL, &r);
    assert_int_equal(r.status, 416);
    assert_true(header(&r, "Content-Range", v, sizeof(v)));
    assert_string_equal(v, "bytes */1000");
    resp_free(&r);
}

static void server_multiple_ranges_give_multipart(void **state)
{
    struct resp r;
    char v[128];
    (void)state;

    fetch("/gen/1000", "0-9,100-109", NULL, &r);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 206);
    assert_true(header(&r, "Content-Type", v, sizeof(v)));
    assert_true(strncmp(v, "multipart/byteranges; boundary=", 31) == 0);
    assert_non_null(memmem(r.body, r.len, "Content-Range: bytes 100-109/1000", 33));
    resp_free(&r);
}

static void server_norange_and_if_range_mismatch_give_200(void **state)
{
    struct resp r;
    (void)state;

    fetch("/gen/1000?norange=1", "10-19", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 1000);
    resp_free(&r);
    fetch("/gen/1000", "10-19", "If-Range: \"gen-1000-2\"", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 1000);
    resp_free(&r);
    fetch("/gen/1000", "10-19", "If-Range: \"gen-1000-1\"", &r);
    assert_int_equal(r.status, 206);
    resp_free(&r);
}

static void server_length_options(void **state)
{
    struct resp r;
    char v[128];
    (void)state;

    fetch("/gen/70000?nolength=1", NULL, NULL, &r);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.len, 70000);
    assert_false(header(&r, "Content-Length", v, sizeof(v)));
    assert_true(bgc_testdata_check(1, 0, r.body, r.len));
    resp_free(&r);

    fetch("/gen/3000000?chunked=1", NULL, NULL, &r);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.len, 3000000);
    assert_true(header(&r, "Transfer-Encoding", v, sizeof(v)));
    assert_string_equal(v, "chunked");
    assert_true(bgc_testdata_check(1, 0, r.body, r.len));
    resp_free(&r);

    fetch("/gen/1000?lielength=2000", NULL, NULL, &r);
    assert_int_equal(r.rc, CURLE_PARTIAL_FILE);
    assert_int_equal(r.len, 1000);
    resp_free(&r);
}

static void server_drop_fires_once_per_dropid(void **state)
{
    struct resp r;
    struct bgc_httpd_request e;
    (void)state;

    fetch("/gen/100000/d?drop=5000&dropid=k1", NULL, NULL, &r);
    assert_int_equal(r.rc, CURLE_PARTIAL_FILE);
    assert_int_equal(r.len, 5000);
    resp_free(&r);
    assert_int_equal(bgc_httpd_last_request(srv, "/gen/100000/d", &e), 0);
    assert_true(e.dropped);
    assert_int_equal(e.body_bytes, 5000);

    fetch("/gen/100000/d?drop=5000&dropid=k1", NULL, NULL, &r);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.len, 100000);
    resp_free(&r);

    fetch("/gen/100000/d?drop=5000", "6000-", NULL, &r); /* offset not covered: no drop */
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.len, 94000);
    resp_free(&r);
}

static void server_stall_and_delay_pause(void **state)
{
    struct resp r;
    uint64_t t0;
    (void)state;

    t0 = now_ms();
    fetch("/gen/100000?stall=600&stallat=40000", NULL, NULL, &r);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.len, 100000);
    assert_true(now_ms() - t0 >= 550);
    resp_free(&r);

    t0 = now_ms();
    fetch("/gen/100000/s?stall=600&stallid=s1", NULL, NULL, &r);
    assert_true(now_ms() - t0 >= 550);
    resp_free(&r);
    t0 = now_ms();
    fetch("/gen/100000/s?stall=600&stallid=s1", NULL, NULL, &r); /* stallid: only once */
    assert_true(now_ms() - t0 < 500);
    resp_free(&r);

    t0 = now_ms();
    fetch("/gen/10?delay=400", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_true(now_ms() - t0 >= 350);
    resp_free(&r);
}

static void server_rate_paces_the_body(void **state)
{
    struct resp r;
    uint64_t t0;
    (void)state;

    t0 = now_ms();
    fetch("/gen/200000?rate=400000", NULL, NULL, &r); /* 0.5 s of body at 400 kB/s */
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.len, 200000);
    assert_true(now_ms() - t0 >= 400);
    resp_free(&r);
}

static void server_status_option(void **state)
{
    struct resp r;
    (void)state;
    fetch("/gen/10?status=503", NULL, NULL, &r);
    assert_int_equal(r.status, 503);
    resp_free(&r);
    fetch("/nothing/here", NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    resp_free(&r);
}

static void server_version_auto_changes_every_request(void **state)
{
    struct resp a, b;
    char ea[128], eb[128], la[64], lb[64];
    (void)state;

    fetch("/gen/1000?version=auto", NULL, NULL, &a);
    fetch("/gen/1000?version=auto", NULL, NULL, &b);
    assert_true(header(&a, "ETag", ea, sizeof(ea)) && header(&b, "ETag", eb, sizeof(eb)));
    assert_string_not_equal(ea, eb);
    assert_true(header(&a, "Last-Modified", la, sizeof(la)) && header(&b, "Last-Modified", lb, sizeof(lb)));
    assert_string_not_equal(la, lb);
    assert_memory_not_equal(a.body, b.body, 1000);
    resp_free(&a);
    resp_free(&b);
}

static void server_redirects(void **state)
{
    struct resp r;
    CURL *c = curl_easy_init();
    (void)state;

    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
    fetch_with(c, "/redirect?to=%2Fgen%2F77&code=307", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 77);
    resp_free(&r);
    fetch_with(c, "/redirect-chain/3?size=55", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 55);
    resp_free(&r);
    assert_int_equal(bgc_httpd_count(srv, NULL, "/redirect-chain/3"), 1);
    assert_int_equal(bgc_httpd_count(srv, NULL, "/redirect-chain/1"), 1);
    fetch_with(c, "/loop", NULL, NULL, 0, &r);
    assert_int_equal(r.rc, CURLE_TOO_MANY_REDIRECTS);
    resp_free(&r);
    curl_easy_cleanup(c);
}

static void server_basic_and_digest_auth(void **state)
{
    struct resp r;
    CURL *c = curl_easy_init();
    char v[256];
    (void)state;

    fetch_with(c, "/auth/basic/alice/s3cret/gen/100", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 401);
    assert_true(header(&r, "WWW-Authenticate", v, sizeof(v)));
    assert_true(strncmp(v, "Basic ", 6) == 0);
    resp_free(&r);
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERPWD, "alice:wrong");
    fetch_with(c, "/auth/basic/alice/s3cret/gen/100", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 401);
    resp_free(&r);
    curl_easy_setopt(c, CURLOPT_USERPWD, "alice:s3cret");
    fetch_with(c, "/auth/basic/alice/s3cret/gen/100", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 100);
    resp_free(&r);

    curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_DIGEST);
    curl_easy_setopt(c, CURLOPT_USERPWD, "bob:pa55");
    fetch_with(c, "/auth/digest/bob/pa55/gen/200?seed=3", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 200);
    assert_true(bgc_testdata_check(3, 0, r.body, r.len));
    resp_free(&r);
    curl_easy_setopt(c, CURLOPT_USERPWD, "bob:nope");
    fetch_with(c, "/auth/digest/bob/pa55/gen/200", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 401);
    assert_true(header(&r, "WWW-Authenticate", v, sizeof(v)));
    assert_true(strncmp(v, "Digest ", 7) == 0);
    resp_free(&r);
    curl_easy_cleanup(c);
}

static void server_static_files(void **state)
{
    struct resp r;
    char path[512];
    FILE *fp;
    CURL *c;
    (void)state;

    snprintf(path, sizeof(path), "%s/hello.txt", root);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs("hello, files\n", fp);
    fclose(fp);
    fetch("/files/hello.txt", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 13);
    assert_memory_equal(r.body, "hello, files\n", 13);
    resp_free(&r);
    fetch("/files/hello.txt", "7-11", NULL, &r);
    assert_int_equal(r.status, 206);
    assert_memory_equal(r.body, "files", 5);
    resp_free(&r);
    c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    fetch_with(c, "/files/../hello.txt", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 404);
    resp_free(&r);
    curl_easy_cleanup(c);
    fetch("/files/absent.txt", NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    resp_free(&r);
    unlink(path);
}

static void server_keeps_connections_alive(void **state)
{
    struct resp r;
    CURL *c = curl_easy_init();
    (void)state;

    fetch_with(c, "/gen/10/ka", NULL, NULL, 0, &r);
    assert_int_equal(r.connects, 1);
    resp_free(&r);
    fetch_with(c, "/gen/10/ka", NULL, NULL, 1, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.connects, 0); /* reused */
    resp_free(&r);
    curl_easy_cleanup(c);
}

static void server_log_records_requests(void **state)
{
    struct resp r;
    CURL *c = curl_easy_init();
    char buf[256];
    struct bgc_httpd_request e;
    (void)state;

    bgc_httpd_log_clear(srv);
    fetch_with(c, "/gen/50/log?x=1", NULL, NULL, 1, &r);
    resp_free(&r);
    fetch_with(c, "/gen/50/log", "5-", NULL, 0, &r);
    resp_free(&r);
    curl_easy_cleanup(c);
    assert_int_equal(bgc_httpd_count(srv, NULL, "/gen/50/log"), 2);
    assert_int_equal(bgc_httpd_count(srv, "HEAD", "/gen/50/log"), 1);
    assert_int_equal(bgc_httpd_count(srv, NULL, NULL), 2);
    bgc_httpd_methods(srv, "/gen/50/log", buf, sizeof(buf));
    assert_string_equal(buf, "HEAD GET");
    assert_int_equal(bgc_httpd_last_range(srv, "/gen/50/log", buf, sizeof(buf)), 1);
    assert_string_equal(buf, "bytes=5-");
    assert_int_equal(bgc_httpd_last_range(srv, "/never", buf, sizeof(buf)), -1);
    assert_int_equal(bgc_httpd_log_get(srv, 0, &e), 0);
    assert_string_equal(e.query, "x=1");
    assert_int_equal(e.status, 200);
    assert_true(e.done);
    assert_non_null(strstr(e.headers, "Host: 127.0.0.1"));
    assert_int_equal(bgc_httpd_wait_count(srv, "/gen/50/log", 2, 100), 0);
    assert_int_equal(bgc_httpd_wait_count(srv, "/gen/50/log", 3, 200), -1);
}

struct bg_fetch {
    struct bgc_httpd *h;
    const char *path;
    CURLcode rc;
};

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

static void *bg_fetch_main(void *arg)
{
    struct bg_fetch *b = arg;
    char url[256];
    CURL *c = curl_easy_init();

    bgc_httpd_url(b->h, b->path, url, sizeof(url));
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    b->rc = curl_easy_perform(c);
    curl_easy_cleanup(c);
    return NULL;
}

/* httpd.h invariant 2: stop is bounded even with a stalled body, a delayed head and an idle
 * keep-alive connection open. */
static void server_stop_is_bounded_with_busy_connections(void **state)
{
    struct bgc_httpd *h;
    struct bg_fetch b[3] = { { NULL, "/gen/1000000?stall=60000", 0 },
                             { NULL, "/gen/10?delay=60000", 0 },
                             { NULL, "/gen/10", 0 } };
    pthread_t t[3];
    CURL *idle;
    char url[256];
    uint64_t t0, ms;
    int i;
    (void)state;

    assert_int_equal(bgc_httpd_start(NULL, &h), 0);
    idle = curl_easy_init(); /* keeps its connection open after the transfer */
    curl_easy_setopt(idle, CURLOPT_URL, bgc_httpd_url(h, "/gen/10", url, sizeof(url)));
    curl_easy_setopt(idle, CURLOPT_WRITEFUNCTION, discard);
    assert_int_equal(curl_easy_perform(idle), CURLE_OK);
    for (i = 0; i < 3; i++) {
        b[i].h = h;
        assert_int_equal(pthread_create(&t[i], NULL, bg_fetch_main, &b[i]), 0);
    }
    assert_int_equal(bgc_httpd_wait_count(h, NULL, 4, 5000), 0);
    usleep(100000);
    t0 = now_ms();
    bgc_httpd_stop(h);
    ms = now_ms() - t0;
    for (i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    curl_easy_cleanup(idle);
    print_message("stop took %" PRIu64 " ms\n", ms);
    assert_true(ms < 2000);
    assert_int_not_equal(b[0].rc, CURLE_OK); /* the stalled body was cut */
    assert_int_equal(b[2].rc, CURLE_OK);
}

static void server_start_fails_cleanly_on_a_used_port(void **state)
{
    struct bgc_httpd_options opt;
    struct bgc_httpd *h = (struct bgc_httpd *)1;
    (void)state;

    memset(&opt, 0, sizeof(opt));
    opt.port = bgc_httpd_port(srv);
    assert_int_equal(bgc_httpd_start(&opt, &h), -EADDRINUSE);
    assert_null(h);
}

static int group_setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    snprintf(root, sizeof(root), "/tmp/bgc-support-XXXXXX");
    if (!mkdtemp(root))
        return -1;
    {
        struct bgc_httpd_options opt;
        memset(&opt, 0, sizeof(opt));
        opt.root = root;
        if (bgc_httpd_start(&opt, &srv) != 0)
            return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    bgc_httpd_stop(srv);
    rmdir(root);
    curl_global_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sha256_fips_180_vectors),
        cmocka_unit_test(sha256_million_a_streamed_in_odd_pieces),
        cmocka_unit_test(sha256_padding_boundaries_match_one_shot),
        cmocka_unit_test(md5_rfc_1321_vectors),
        cmocka_unit_test(testdata_is_independent_of_chunking),
        cmocka_unit_test(testdata_seeds_give_different_streams),
        cmocka_unit_test(testdata_sha256_matches_streamed_fill),
        cmocka_unit_test(testdata_generates_fast),
        cmocka_unit_test(server_gen_is_the_testdata_stream),
        cmocka_unit_test(server_single_ranges_give_206),
        cmocka_unit_test(server_unsatisfiable_range_gives_416),
        cmocka_unit_test(server_multiple_ranges_give_multipart),
        cmocka_unit_test(server_norange_and_if_range_mismatch_give_200),
        cmocka_unit_test(server_length_options),
        cmocka_unit_test(server_drop_fires_once_per_dropid),
        cmocka_unit_test(server_stall_and_delay_pause),
        cmocka_unit_test(server_rate_paces_the_body),
        cmocka_unit_test(server_status_option),
        cmocka_unit_test(server_version_auto_changes_every_request),
        cmocka_unit_test(server_redirects),
        cmocka_unit_test(server_basic_and_digest_auth),
        cmocka_unit_test(server_static_files),
        cmocka_unit_test(server_keeps_connections_alive),
        cmocka_unit_test(server_log_records_requests),
        cmocka_unit_test(server_stop_is_bounded_with_busy_connections),
        cmocka_unit_test(server_start_fails_cleanly_on_a_used_port),
    };
    return cmocka_run_group_tests_name("engine_support", tests, group_setup, group_teardown);
}
