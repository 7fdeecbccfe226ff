/*
 * testdata.h - deterministic test content: byte i of stream `seed` is a fixed function of
 * (seed, i), so a server can produce any range of a "file" and a test can verify a download
 * without storing the file.
 *
 * Invariants:
 *  1. bgc_testdata_fill(seed, off, buf, n) writes bytes off..off+n-1 of stream seed, and the
 *     result does not depend on how a range is split into calls (chunking independence).
 *  2. The stream is defined as little-endian 64-bit words: word k = mix(seed, k), and byte i
 *     is bits 8*(i%8)..8*(i%8)+7 of word i/8. The same on every platform.
 *  3. Different seeds give unrelated streams (each seed is first scrambled).
 */
#ifndef BGC_TEST_TESTDATA_H
#define BGC_TEST_TESTDATA_H

#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Writes n bytes of stream `seed` starting at byte `offset` into buf. */
void bgc_testdata_fill(uint64_t seed, uint64_t offset, void *buf, size_t n);
/* One byte of the stream (slow path, for spot checks). */
unsigned char bgc_testdata_byte(uint64_t seed, uint64_t offset);
/* Lowercase hex SHA-256 of the first `size` bytes of stream `seed`. */
void bgc_testdata_sha256(uint64_t seed, uint64_t size, char hex_out[BGC_SHA256_HEX_SIZE]);
/* Returns 1 when buf holds bytes offset..offset+n-1 of stream seed, else 0. */
int bgc_testdata_check(uint64_t seed, uint64_t offset, const void *buf, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* BGC_TEST_TESTDATA_H */
