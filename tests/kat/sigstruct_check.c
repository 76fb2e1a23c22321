// SPDX-License-Identifier: MIT
/*
 * sigstruct_check FILE: run EINIT's signature checks (sigstruct_verify())
 * on a 1808-byte SIGSTRUCT file. Prints "mrsigner: <hex>" and
 * "mrenclave: <hex>" (ENCLAVEHASH) and exits 0 if it verifies; prints the
 * SGX error and exits 1 if not; exits 2 if the file cannot be read.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sgx_arch.h"
#include "sigstruct.h"

static void print_hex(const char *label, const uint8_t *p, size_t len)
{
	size_t i;

	printf("%s: ", label);
	for (i = 0; i < len; i++)
		printf("%02x", p[i]);
	printf("\n");
}

int main(int argc, char **argv)
{
	static struct sgx_sigstruct s;
	uint8_t mrsigner[32], extra;
	unsigned int ret;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: %s SIGSTRUCT.bin\n", argv[0]);
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (!f) {
		fprintf(stderr, "sigstruct_check: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	if (fread(&s, sizeof(s), 1, f) != 1 || fread(&extra, 1, 1, f) != 0) {
		fprintf(stderr, "sigstruct_check: %s: not %zu bytes\n", argv[1], sizeof(s));
		fclose(f);
		return 2;
	}
	fclose(f);

	ret = sigstruct_verify(&s, mrsigner);
	if (ret) {
		printf("sigstruct_verify: SGX error %u\n", ret);
		return 1;
	}
	print_hex("mrsigner", mrsigner, sizeof(mrsigner));
	print_hex("mrenclave", s.body.mrenclave, sizeof(s.body.mrenclave));
	return 0;
}
