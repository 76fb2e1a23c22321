// SPDX-License-Identifier: MIT
/*
 * AES-128 with AES-NI: the key schedule by AESKEYGENASSIST, the block
 * cipher by AESENC, CMAC's subkeys by doubling in GF(2^128) (RFC 4493 2.3),
 * CTR with a big-endian counter in the last 8 bytes of the block. AES-NI
 * rounds take constant time; nothing else here is meant to be clever.
 */
#include <wmmintrin.h>

#include "enclave_aes.h"

static __m128i expand(__m128i k, __m128i assist)
{
	assist = _mm_shuffle_epi32(assist, 0xff);
	k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
	k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
	k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
	return _mm_xor_si128(k, assist);
}

#define EXPAND(i, rcon) rk[i] = expand(rk[(i) - 1], _mm_aeskeygenassist_si128(rk[(i) - 1], rcon))

static void schedule(const uint8_t key[16], __m128i rk[11])
{
	rk[0] = _mm_loadu_si128((const __m128i *)key);
	EXPAND(1, 0x01); EXPAND(2, 0x02); EXPAND(3, 0x04); EXPAND(4, 0x08); EXPAND(5, 0x10);
	EXPAND(6, 0x20); EXPAND(7, 0x40); EXPAND(8, 0x80); EXPAND(9, 0x1b); EXPAND(10, 0x36);
}

static __m128i encrypt(const __m128i rk[11], __m128i b)
{
	b = _mm_xor_si128(b, rk[0]);
	for (int i = 1; i < 10; i++)
		b = _mm_aesenc_si128(b, rk[i]);
	return _mm_aesenclast_si128(b, rk[10]);
}

/* Multiply by x in GF(2^128), big-endian bit order. */
static void dbl(const uint8_t in[16], uint8_t out[16])
{
	uint8_t carry = in[0] >> 7;

	for (int i = 0; i < 15; i++)
		out[i] = (uint8_t)(in[i] << 1 | in[i + 1] >> 7);
	out[15] = (uint8_t)(in[15] << 1);
	if (carry)
		out[15] ^= 0x87;
}

void aes_cmac(const uint8_t key[16], const uint8_t *msg, size_t len, uint8_t mac[16])
{
	uint8_t l[16], k1[16], k2[16], last[16];
	__m128i rk[11], x = _mm_setzero_si128();
	size_t n = len ? (len + 15) / 16 : 1, i;
	size_t tail = len - (n - 1) * 16;

	schedule(key, rk);
	_mm_storeu_si128((__m128i *)l, encrypt(rk, _mm_setzero_si128()));
	dbl(l, k1);
	dbl(k1, k2);
	for (i = 0; i + 1 < n; i++)
		x = encrypt(rk, _mm_xor_si128(x, _mm_loadu_si128((const __m128i *)(msg + 16 * i))));
	for (i = 0; i < 16; i++) {
		if (tail == 16)
			last[i] = msg[16 * (n - 1) + i] ^ k1[i];
		else if (i < tail)
			last[i] = msg[16 * (n - 1) + i] ^ k2[i];
		else
			last[i] = (uint8_t)((i == tail ? 0x80 : 0) ^ k2[i]);
	}
	x = encrypt(rk, _mm_xor_si128(x, _mm_loadu_si128((const __m128i *)last)));
	_mm_storeu_si128((__m128i *)mac, x);
}

void aes_block(const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
	__m128i rk[11];

	schedule(key, rk);
	_mm_storeu_si128((__m128i *)out, encrypt(rk, _mm_loadu_si128((const __m128i *)in)));
}

void aes_ctr(const uint8_t key[16], const uint8_t iv[16], const uint8_t *in, uint8_t *out,
	     size_t len)
{
	uint8_t ctr[16], ks[16];
	__m128i rk[11];
	size_t i, j;

	schedule(key, rk);
	for (i = 0; i < 16; i++)
		ctr[i] = iv[i];
	for (i = 0; i < len; i += 16) {
		_mm_storeu_si128((__m128i *)ks, encrypt(rk, _mm_loadu_si128((const __m128i *)ctr)));
		for (j = 0; j < 16 && i + j < len; j++)
			out[i + j] = in[i + j] ^ ks[j];
		for (j = 16; j-- > 8 && !++ctr[j];)
			;
	}
}
