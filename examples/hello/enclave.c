// SPDX-License-Identifier: MIT
/*
 * examples/hello enclave: freestanding, no libc. Written only against the
 * SGX architecture, so real hardware runs it as is.
 */
#include <stdint.h>

#include "hello.h"

static uint64_t greetings;

static void copy(char *dst, const char *src, uint64_t n)
{
	while (n-- && (*dst++ = *src++))
		;
}

/* Called from enclave_entry; @msg lives in untrusted memory. */
uint64_t enclave_main(uint64_t op, struct hello_msg *msg);

uint64_t enclave_main(uint64_t op, struct hello_msg *msg)
{
	switch (op) {
	case HELLO_OP_GREET:
		greetings++;
		copy(msg->text, "Hello from inside the enclave", sizeof(msg->text));
		msg->counter = greetings;
		return 0;
	default:
		return (uint64_t)-1;
	}
}
