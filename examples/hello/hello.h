/* SPDX-License-Identifier: MIT */
/* ecall interface shared by the hello enclave and its host. */
#ifndef SGXEMU_EXAMPLES_HELLO_H
#define SGXEMU_EXAMPLES_HELLO_H

#include <stdint.h>

enum hello_op {
	HELLO_OP_GREET = 0,
};

struct hello_msg {
	char text[64];
	uint64_t counter;
};

#endif
