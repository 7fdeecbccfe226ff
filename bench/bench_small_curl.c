/*
 * bench_small_curl.c: the bare-libcurl baseline for bench_small.exe: the same file set
 * (--jobs J x --files F files of --size bytes, the same URLs, seeds and file names as
 * bench_small.c) downloaded by one curl multi handle, at most --max-conns transfers and
 * connections at a time (default 16), each file written to its own new file.
 *
 * Prints one line
 *   RESULT name=curl-multi jobs=J files=J*F bytes=B seconds=S transfer=S cpu=C max_conns=M
 *
 * Invariants:
 *   1. `seconds` runs from before the first easy handle is added to the last file closed, the
 *      interval bench_small.exe reports as create..all completed (there are no jobs to create
 *      or complete, so `transfer` equals `seconds`).
 *   2. Each file is created new (CREATE_NEW, any old one deleted first) when its transfer
 *      starts; data is gathered in memory and written with one WriteFile per MiB (64 KiB files:
 *      one write), as bgcopy's engine writes; the file is closed when its transfer ends.
 *   3. RESULT is printed only when every transfer ended with CURLE_OK and HTTP 200 and every
 *      file has --size bytes of the generator's content (bgc_testdata_check). Files are
 *      deleted at exit unless --keep.
 *
 * Usage: bench_small_curl.exe --base-url http://127.0.0.1:PORT --dir WINDOWS_DIR [--jobs 200]
 *                             [--files 5] [--size 65536] [--seed-base 1000] [--max-conns 16]
 *                             [--timeout 300] [--keep] [--warmup-url URL]
 *
 * With --warmup-url, one request (its own easy handle, into memory, cleaned up) runs before the
 * interval, so the process is as warm as a BITS server that has run a job (bench_small.exe runs
 * one warm-up job with the same URL).
 */
#include "bench_util.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testdata.h"

enum { FLUSH_AT = 1 << 20 };

struct xfer {
    unsigned long long j, k, seed;
    HANDLE file;
    unsigned char *buf;   /* pending data */
    size_t len, cap;
    int failed;
};

static int flush(struct xfer *x)
{
    DWORD put = 0;

    if (x->len && (!WriteFile(x->file, x->buf, (DWORD)x->len, &put, NULL) || put != x->len))
        return -1;
    x->len = 0;
    return 0;
}

static size_t on_data(char *data, size_t size, size_t n, void *user)
{
    struct xfer *x = user;
    size_t bytes = size * n;

    if (x->len + bytes > x->cap) {
        size_t cap = x->cap ? x->cap : 65536;
        unsigned char *b;

        while (cap < x->len + bytes && cap < FLUSH_AT)
            cap *= 2;
        if (x->len + bytes > cap) {
            if (flush(x))
                return 0;
        }
        if (bytes > cap)
            cap = bytes;
        if (cap > x->cap) {
            if (!(b = realloc(x->buf, cap)))
                return 0;
            x->buf = b;
            x->cap = cap;
        }
    }
    memcpy(x->buf + x->len, data, bytes);
    x->len += bytes;
    return bytes;
}

int main(int argc, char **argv)
{
    unsigned long long jobs = 200, files = 5, size = 65536, seed_base = 1000, max_conns = 16, timeout = 300;
    const char *base = NULL, *dir = NULL, *warmup = NULL;
    int keep = 0, rc = 1;
    unsigned long long n, next = 0, finished = 0;
    struct xfer *xs;
    CURLM *multi;
    unsigned char *check;
    char url[512], path[512];
    double t0, t1, cpu0, cpu1;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long long *num = NULL;

        if (!strcmp(a, "--keep")) {
            keep = 1;
            continue;
        }
        if (!v)
            goto usage;
        i++;
        if (!strcmp(a, "--base-url"))
            base = v;
        else if (!strcmp(a, "--dir"))
            dir = v;
        else if (!strcmp(a, "--warmup-url"))
            warmup = v;
        else if (!strcmp(a, "--jobs"))
            num = &jobs;
        else if (!strcmp(a, "--files"))
            num = &files;
        else if (!strcmp(a, "--size"))
            num = &size;
        else if (!strcmp(a, "--seed-base"))
            num = &seed_base;
        else if (!strcmp(a, "--max-conns"))
            num = &max_conns;
        else if (!strcmp(a, "--timeout"))
            num = &timeout;
        else
            goto usage;
        if (num && bench_parse_u64(v, num))
            goto usage;
    }
    if (!base || !dir || !jobs || !files || !max_conns || jobs * files > 1000000 || size > (1ull << 30))
        goto usage;
    n = jobs * files;
    xs = calloc(n, sizeof(*xs));
    check = malloc(size ? size : 1);
    if (!xs || !check || curl_global_init(CURL_GLOBAL_DEFAULT) || !(multi = curl_multi_init())) {
        fprintf(stderr, "bench_small_curl: init failed\n");
        return 1;
    }
    curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)max_conns);
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)max_conns);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)max_conns);
    for (unsigned long long i = 0; i < n; i++) {
        WCHAR *w;

        xs[i].j = i / files;
        xs[i].k = i % files;
        xs[i].seed = seed_base + i;
        xs[i].file = INVALID_HANDLE_VALUE;
        snprintf(path, sizeof(path), "%s\\s%llu-%llu.bin", dir, xs[i].j, xs[i].k);
        if ((w = bench_widen(path)))
            bench_delete_file(w);
        free(w);
    }

    if (warmup) {
        struct xfer w = {0, 0, 0, INVALID_HANDLE_VALUE, NULL, 0, 0, 0};
        CURL *e = curl_easy_init();
        CURLcode res = CURLE_FAILED_INIT;

        if (e) {
            curl_easy_setopt(e, CURLOPT_URL, warmup);
            curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
            curl_easy_setopt(e, CURLOPT_WRITEDATA, &w);
            curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
            res = curl_easy_perform(e);
            curl_easy_cleanup(e);
        }
        free(w.buf);
        if (res != CURLE_OK) {
            fprintf(stderr, "bench_small_curl: warm-up request failed: %d\n", (int)res);
            return 1;
        }
    }
    cpu0 = bench_process_cpu(GetCurrentProcess());
    t0 = bench_now();
    /* Keep at most max_conns transfers in the multi handle (as an engine with a transfer cap
     * does); the file is created when its transfer is added. */
    while (finished < n) {
        CURLMsg *msg;
        int left;

        while (next < n && next - finished < max_conns) {
            struct xfer *x = &xs[next];
            CURL *e = curl_easy_init();
            WCHAR *w;

            snprintf(path, sizeof(path), "%s\\s%llu-%llu.bin", dir, x->j, x->k);
            w = bench_widen(path);
            x->file = w ? CreateFileW(w, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL)
                        : INVALID_HANDLE_VALUE;
            free(w);
            if (!e || x->file == INVALID_HANDLE_VALUE) {
                fprintf(stderr, "bench_small_curl: cannot start %s (error %lu)\n", path, GetLastError());
                goto out;
            }
            snprintf(url, sizeof(url), "%s/gen/%llu/s%llu-%llu?seed=%llu", base, size, x->j, x->k, x->seed);
            curl_easy_setopt(e, CURLOPT_URL, url);
            curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
            curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
            curl_easy_setopt(e, CURLOPT_PRIVATE, x);
            curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 512L * 1024);
            curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
            curl_multi_add_handle(multi, e);
            next++;
        }
        curl_multi_perform(multi, &left);
        while ((msg = curl_multi_info_read(multi, &left))) {
            struct xfer *x;
            long code = 0;

            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            if (msg->data.result != CURLE_OK || code != 200 || flush(x)) {
                fprintf(stderr, "bench_small_curl: s%llu-%llu: curl %d, HTTP %ld\n", x->j, x->k,
                        (int)msg->data.result, code);
                x->failed = 1;
            }
            CloseHandle(x->file);
            x->file = INVALID_HANDLE_VALUE;
            free(x->buf);
            x->buf = NULL;
            curl_multi_remove_handle(multi, msg->easy_handle);
            curl_easy_cleanup(msg->easy_handle);
            finished++;
            if (x->failed)
                goto out;
        }
        if (finished < n)
            curl_multi_poll(multi, NULL, 0, 100, NULL);
        if (bench_now() - t0 > (double)timeout) {
            fprintf(stderr, "bench_small_curl: timeout after %llu s (%llu of %llu done)\n", timeout, finished, n);
            goto out;
        }
    }
    t1 = bench_now();
    cpu1 = bench_process_cpu(GetCurrentProcess());

    for (unsigned long long i = 0; i < n; i++) {
        WCHAR *w;
        HANDLE h;
        DWORD got = 0;
        LARGE_INTEGER sz;
        int ok = 0;

        snprintf(path, sizeof(path), "%s\\s%llu-%llu.bin", dir, xs[i].j, xs[i].k);
        w = bench_widen(path);
        h = w ? CreateFileW(w, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL) : INVALID_HANDLE_VALUE;
        free(w);
        if (h != INVALID_HANDLE_VALUE) {
            ok = GetFileSizeEx(h, &sz) && (unsigned long long)sz.QuadPart == size &&
                 (!size || (ReadFile(h, check, (DWORD)size, &got, NULL) && got == size &&
                            bgc_testdata_check(xs[i].seed, 0, check, (size_t)size)));
            CloseHandle(h);
        }
        if (!ok) {
            fprintf(stderr, "bench_small_curl: %s has the wrong size or content\n", path);
            goto out;
        }
    }
    printf("RESULT name=curl-multi jobs=%llu files=%llu bytes=%llu seconds=%.6f create=0 transfer=%.6f complete=0 "
           "cpu=%.6f transfer_cpu=%.6f max_conns=%llu\n",
           jobs, n, n * size, t1 - t0, t1 - t0, cpu1 - cpu0, cpu1 - cpu0, max_conns);
    rc = 0;
out:
    for (unsigned long long i = 0; i < n; i++) {
        if (xs[i].file != INVALID_HANDLE_VALUE)
            CloseHandle(xs[i].file);
        free(xs[i].buf);
        if (!keep) {
            WCHAR *w;

            snprintf(path, sizeof(path), "%s\\s%llu-%llu.bin", dir, xs[i].j, xs[i].k);
            if ((w = bench_widen(path)))
                bench_delete_file(w);
            free(w);
        }
    }
    fflush(stdout);
    return rc;
usage:
    fprintf(stderr, "usage: bench_small_curl.exe --base-url http://127.0.0.1:PORT --dir WINDOWS_DIR [--jobs 200]\n"
                    "       [--files 5] [--size 65536] [--seed-base 1000] [--max-conns 16] [--timeout 300] [--keep]\n"
                    "       [--warmup-url URL]\n");
    return 2;
}
