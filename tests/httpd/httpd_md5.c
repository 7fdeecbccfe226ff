/*
 * httpd_md5.c - MD5 (RFC 1321), needed only for HTTP Digest authentication in the test
 * server. Not for any security purpose.
 *
 * Invariants: m->fill < 64 between calls; words and the bit length are little-endian.
 */
#include "httpd_int.h"

#include <string.h>

/* RFC 1321 3.4: T[i] = floor(2^32 * |sin(i + 1)|). */
static const uint32_t T[64] = {
    0xd76aa478u, 0xe8c7b756u, 0x242070dbu, 0xc1bdceeeu, 0xf57c0fafu, 0x4787c62au, 0xa8304613u, 0xfd469501u,
    0x698098d8u, 0x8b44f7afu, 0xffff5bb1u, 0x895cd7beu, 0x6b901122u, 0xfd987193u, 0xa679438eu, 0x49b40821u,
    0xf61e2562u, 0xc040b340u, 0x265e5a51u, 0xe9b6c7aau, 0xd62f105du, 0x02441453u, 0xd8a1e681u, 0xe7d3fbc8u,
    0x21e1cde6u, 0xc33707d6u, 0xf4d50d87u, 0x455a14edu, 0xa9e3e905u, 0xfcefa3f8u, 0x676f02d9u, 0x8d2a4c8au,
    0xfffa3942u, 0x8771f681u, 0x6d9d6122u, 0xfde5380cu, 0xa4beea44u, 0x4bdecfa9u, 0xf6bb4b60u, 0xbebfbc70u,
    0x289b7ec6u, 0xeaa127fau, 0xd4ef3085u, 0x04881d05u, 0xd9d4d039u, 0xe6db99e5u, 0x1fa27cf8u, 0xc4ac5665u,
    0xf4292244u, 0x432aff97u, 0xab9423a7u, 0xfc93a039u, 0x655b59c3u, 0x8f0ccc92u, 0xffeff47du, 0x85845dd1u,
    0x6fa87e4fu, 0xfe2ce6e0u, 0xa3014314u, 0x4e0811a1u, 0xf7537e82u, 0xbd3af235u, 0x2ad7d2bbu, 0xeb86d391u,
};

/* Per-round left-rotation amounts (RFC 1321 3.4, four per round). */
static const unsigned S[4][4] = { { 7, 12, 17, 22 }, { 5, 9, 14, 20 }, { 4, 11, 16, 23 }, { 6, 10, 15, 21 } };

static uint32_t rotl(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static void md5_block(uint32_t s[4], const unsigned char *p)
{
    uint32_t x[16];
    uint32_t a = s[0], b = s[1], c = s[2], d = s[3];
    unsigned i;

    for (i = 0; i < 16; i++)
        x[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
               (uint32_t)p[4 * i + 3] << 24;
    for (i = 0; i < 64; i++) {
        unsigned round = i / 16, g;
        uint32_t f, tmp;

        switch (round) {
        case 0:
            f = (b & c) | (~b & d);
            g = i;
            break;
        case 1:
            f = (b & d) | (c & ~d);
            g = (5 * i + 1) % 16;
            break;
        case 2:
            f = b ^ c ^ d;
            g = (3 * i + 5) % 16;
            break;
        default:
            f = c ^ (b | ~d);
            g = (7 * i) % 16;
            break;
        }
        tmp = d;
        d = c;
        c = b;
        b = b + rotl(a + f + T[i] + x[g], S[round][i % 4]);
        a = tmp;
    }
    s[0] += a;
    s[1] += b;
    s[2] += c;
    s[3] += d;
}

void httpd_md5_init(struct httpd_md5 *m)
{
    m->s[0] = 0x67452301u;
    m->s[1] = 0xefcdab89u;
    m->s[2] = 0x98badcfeu;
    m->s[3] = 0x10325476u;
    m->total = 0;
    m->fill = 0;
}

void httpd_md5_update(struct httpd_md5 *m, const void *data, size_t n)
{
    const unsigned char *p = data;

    m->total += n;
    while (n) {
        size_t take = 64 - m->fill;
        if (take > n)
            take = n;
        memcpy(m->block + m->fill, p, take);
        m->fill += take;
        p += take;
        n -= take;
        if (m->fill == 64) {
            md5_block(m->s, m->block);
            m->fill = 0;
        }
    }
}

void httpd_md5_final(struct httpd_md5 *m, unsigned char out[16])
{
    uint64_t bits = m->total * 8;
    unsigned i;

    m->block[m->fill++] = 0x80;
    if (m->fill > 56) {
        memset(m->block + m->fill, 0, 64 - m->fill);
        md5_block(m->s, m->block);
        m->fill = 0;
    }
    memset(m->block + m->fill, 0, 56 - m->fill);
    for (i = 0; i < 8; i++)
        m->block[56 + i] = (unsigned char)(bits >> (8 * i));
    md5_block(m->s, m->block);
    for (i = 0; i < 16; i++)
        out[i] = (unsigned char)(m->s[i / 4] >> (8 * (i % 4)));
}

void httpd_md5_hex(const char *s, char out[33])
{
    static const char digits[] = "0123456789abcdef";
    struct httpd_md5 m;
    unsigned char d[16];
    unsigned i;

    httpd_md5_init(&m);
    httpd_md5_update(&m, s, strlen(s));
    httpd_md5_final(&m, d);
    for (i = 0; i < 16; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[32] = '\0';
}
