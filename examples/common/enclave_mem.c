// SPDX-License-Identifier: MIT
/*
 * memset and memcpy for freestanding enclave code: the compiler emits calls
 * to them for structure copies and clears. Byte loops through volatile
 * pointers, so that the compiler does not turn them back into calls.
 */
#include <stddef.h>
#include <stdint.h>

void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

void *memset(void *s, int c, size_t n)
{
	volatile uint8_t *p = s;

	while (n--)
		*p++ = (uint8_t)c;
	return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
	volatile uint8_t *q = d;
	const uint8_t *p = s;

	while (n--)
		*q++ = *p++;
	return d;
}
