/*
 * httpd_tls.c - optional HTTPS for the test server (httpopts area): a TLS front end on a
 * second loopback port that terminates TLS with a self-signed certificate generated at start
 * (OpenSSL; CN and SAN 127.0.0.1, SAN DNS localhost; no CA trusts it) and relays the
 * plaintext to the server's own HTTP port, so every endpoint and the request log work
 * unchanged over https://127.0.0.1:<tls port>/.
 *
 * Invariants:
 *  1. Started only when bgc_httpd_options.tls is set; listens on 127.0.0.1 only.
 *  2. Stop is bounded: the acceptor polls the server's wake pipe, every relay socket has
 *     send/receive timeouts and is shut down by httpd_tls_stop, and every relay thread is
 *     joined before the context is freed.
 *  3. The certificate's PEM is kept for tests that want to trust it.
 */
#define _GNU_SOURCE
#include "httpd_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

struct relay {
    struct httpd_tls *tls;   /* owner */
    int cfd;                 /* client (TLS) socket; -1 once closed (under tls->lock) */
    int bfd;                 /* backend (plain) socket; -1 once closed (under tls->lock) */
    pthread_t thread;
    int done;                /* thread finished (under tls->lock) */
    struct relay *next;      /* tls->relays (under tls->lock) */
};

struct httpd_tls {
    struct bgc_httpd *h;     /* the server (its port and wake pipe) */
    SSL_CTX *ctx;            /* server context with the generated certificate */
    char *pem;               /* the certificate, PEM */
    int listen_fd;
    unsigned short port;
    pthread_t acceptor;
    pthread_mutex_t lock;    /* guards relays and the fds in them */
    struct relay *relays;
    int stopping;
};

/* ---- certificate ---------------------------------------------------------------------- */

static int add_ext(X509 *cert, int nid, const char *value)
{
    X509V3_CTX v3;
    X509_EXTENSION *ext;

    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, cert, cert, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (!ext)
        return -1;
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return 0;
}

static int make_ctx(struct httpd_tls *t)
{
    EVP_PKEY *key = EVP_RSA_gen(2048);
    X509 *cert = X509_new();
    X509_NAME *name;
    BIO *bio = NULL;
    BUF_MEM *mem;
    int rc = -1;

    if (!key || !cert)
        goto out;
    ASN1_INTEGER_set(X509_get_serialNumber(cert), (long)getpid());
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 7L * 24 * 3600);
    X509_set_version(cert, 2);
    X509_set_pubkey(cert, key);
    name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"127.0.0.1", -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"bgcopy test server", -1, -1, 0);
    X509_set_issuer_name(cert, name);
    if (add_ext(cert, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost") != 0 ||
        add_ext(cert, NID_ext_key_usage, "serverAuth") != 0 || !X509_sign(cert, key, EVP_sha256()))
        goto out;
    t->ctx = SSL_CTX_new(TLS_server_method());
    if (!t->ctx || SSL_CTX_use_certificate(t->ctx, cert) != 1 || SSL_CTX_use_PrivateKey(t->ctx, key) != 1)
        goto out;
    bio = BIO_new(BIO_s_mem());
    if (!bio || PEM_write_bio_X509(bio, cert) != 1)
        goto out;
    BIO_get_mem_ptr(bio, &mem);
    t->pem = malloc(mem->length + 1);
    if (!t->pem)
        goto out;
    memcpy(t->pem, mem->data, mem->length);
    t->pem[mem->length] = '\0';
    rc = 0;
out:
    BIO_free(bio);
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}

/* ---- relay ------------------------------------------------------------------------------ */

static void timeouts(int fd, unsigned ms)
{
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int send_all_fd(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int backend_connect(struct httpd_tls *t)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

    if (fd < 0)
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons(t->h->port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static void *relay_main(void *arg)
{
    struct relay *r = arg;
    struct httpd_tls *t = r->tls;
    SSL *ssl = SSL_new(t->ctx);
    char *io = malloc(65536);
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    if (ssl && io && SSL_set_fd(ssl, r->cfd) == 1 && SSL_accept(ssl) == 1 && (r->bfd = backend_connect(t)) >= 0) {
        for (;;) {
            struct pollfd p[3];
            int n;

            if (SSL_pending(ssl) <= 0) {
                p[0].fd = r->cfd;
                p[0].events = POLLIN;
                p[1].fd = r->bfd;
                p[1].events = POLLIN;
                p[2].fd = t->h->wake[0];
                p[2].events = POLLIN;
                p[0].revents = p[1].revents = p[2].revents = 0;
                if (poll(p, 3, 30000) <= 0 || p[2].revents)
                    break;
            } else {
                p[0].revents = POLLIN;
                p[1].revents = 0;
            }
            if (p[0].revents) {
                n = SSL_read(ssl, io, 65536);
                if (n <= 0 || send_all_fd(r->bfd, io, (size_t)n) != 0)
                    break;
            }
            if (p[1].revents) {
                ssize_t got = recv(r->bfd, io, 65536, 0);
                if (got <= 0 || SSL_write(ssl, io, (int)got) != (int)got)
                    break;
            }
        }
        SSL_shutdown(ssl);
    }
    SSL_free(ssl);
    free(io);
    pthread_mutex_lock(&t->lock);
    if (r->cfd >= 0)
        close(r->cfd);
    if (r->bfd >= 0)
        close(r->bfd);
    r->cfd = r->bfd = -1;
    r->done = 1;
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

/* Joins finished relays (all when `all`). */
static void reap(struct httpd_tls *t, int all)
{
    for (;;) {
        struct relay **pp, *victim = NULL;

        pthread_mutex_lock(&t->lock);
        for (pp = &t->relays; *pp; pp = &(*pp)->next) {
            if ((*pp)->done || all) {
                victim = *pp;
                *pp = victim->next;
                break;
            }
        }
        pthread_mutex_unlock(&t->lock);
        if (!victim)
            return;
        pthread_join(victim->thread, NULL);
        free(victim);
    }
}

static void *acceptor_main(void *arg)
{
    struct httpd_tls *t = arg;

    for (;;) {
        struct pollfd p[2];
        struct relay *r;
        int fd, one = 1;

        reap(t, 0);
        p[0].fd = t->h->wake[0];
        p[0].events = POLLIN;
        p[1].fd = t->listen_fd;
        p[1].events = POLLIN;
        if (poll(p, 2, 1000) <= 0)
            continue;
        if (p[0].revents)
            break;
        fd = accept4(t->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        timeouts(fd, 30000);
        r = calloc(1, sizeof(*r));
        if (!r) {
            close(fd);
            continue;
        }
        r->tls = t;
        r->cfd = fd;
        r->bfd = -1;
        pthread_mutex_lock(&t->lock);
        if (t->stopping || pthread_create(&r->thread, NULL, relay_main, r) != 0) {
            pthread_mutex_unlock(&t->lock);
            close(fd);
            free(r);
            continue;
        }
        r->next = t->relays;
        t->relays = r;
        pthread_mutex_unlock(&t->lock);
    }
    return NULL;
}

int httpd_tls_start(struct bgc_httpd *h)
{
    struct httpd_tls *t = calloc(1, sizeof(*t));
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int one = 1;

    if (!t)
        return -ENOMEM;
    t->h = h;
    t->listen_fd = -1;
    pthread_mutex_init(&t->lock, NULL);
    if (make_ctx(t) != 0)
        goto fail;
    t->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (t->listen_fd < 0)
        goto fail;
    setsockopt(t->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(t->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(t->listen_fd, 64) != 0 ||
        getsockname(t->listen_fd, (struct sockaddr *)&sa, &len) != 0)
        goto fail;
    t->port = ntohs(sa.sin_port);
    if (pthread_create(&t->acceptor, NULL, acceptor_main, t) != 0)
        goto fail;
    h->tls = t;
    return 0;
fail:
    if (t->listen_fd >= 0)
        close(t->listen_fd);
    SSL_CTX_free(t->ctx);
    free(t->pem);
    pthread_mutex_destroy(&t->lock);
    free(t);
    return -EIO;
}

void httpd_tls_stop(struct bgc_httpd *h)
{
    struct httpd_tls *t = h->tls;
    struct relay *r;

    if (!t)
        return;
    pthread_mutex_lock(&t->lock);
    t->stopping = 1;
    for (r = t->relays; r; r = r->next) {
        if (r->cfd >= 0)
            shutdown(r->cfd, SHUT_RDWR);
        if (r->bfd >= 0)
            shutdown(r->bfd, SHUT_RDWR);
    }
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->acceptor, NULL); /* the wake pipe was written by bgc_httpd_stop */
    reap(t, 1);
    close(t->listen_fd);
    SSL_CTX_free(t->ctx);
    free(t->pem);
    pthread_mutex_destroy(&t->lock);
    free(t);
    h->tls = NULL;
}

unsigned short bgc_httpd_tls_port(const struct bgc_httpd *h)
{
    return h->tls ? h->tls->port : 0;
}

const char *bgc_httpd_tls_cert_pem(const struct bgc_httpd *h)
{
    return h->tls ? h->tls->pem : NULL;
}
