/*
 * httpd_proxy.c - the test server's forward-proxy mode (httpopts area): a request whose
 * target is an absolute URI ("GET http://any.host:1/gen/100 HTTP/1.1", what a client sends
 * to an HTTP proxy) is served by this server itself as if it were the origin, whatever the
 * host, and logged with `proxied` and `proxy_host`. Host names that do not resolve
 * (*.invalid) therefore work only through the proxy, which proves a client used it. With
 * ?proxyuser=U&proxypass=P a proxied request needs `Proxy-Authorization: Basic` U:P, else 407.
 *
 * Invariants: parsing is bounded by the output sizes; malformed input is refused (-1 / 0),
 * never a crash.
 */
#include "httpd_int.h"

#include <string.h>
#include <strings.h>

int httpd_proxy_split(char *target, char *authority, size_t n)
{
    char *host, *path;
    size_t len;

    authority[0] = '\0';
    if (target[0] == '/')
        return 0;
    if (strncasecmp(target, "http://", 7) != 0)
        return -1; /* https goes through CONNECT, which this server does not offer */
    host = target + 7;
    path = strchr(host, '/');
    len = path ? (size_t)(path - host) : strlen(host);
    if (len == 0 || len >= n || memchr(host, '@', len))
        return -1;
    memcpy(authority, host, len);
    authority[len] = '\0';
    if (path)
        memmove(target, path, strlen(path) + 1);
    else
        strcpy(target, "/");
    return 1;
}

int httpd_proxy_auth_ok(const char *proxy_authorization, const char *user, const char *pass)
{
    struct httpd_auth_req a;

    memset(&a, 0, sizeof(a));
    a.authorization = proxy_authorization;
    return httpd_auth_basic_ok(&a, user, pass);
}
