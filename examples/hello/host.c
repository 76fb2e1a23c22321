// SPDX-License-Identifier: MIT
/*
 * examples/hello host: an SGX program for Linux that knows nothing of
 * sgxemu. It builds the enclave through /dev/sgx_enclave, enters it through
 * the vDSO's __vdso_sgx_enter_enclave, and runs one of these:
 *
 *   greet                       a call into the enclave and back
 *   seal FILE TEXT              the enclave seals TEXT (EGETKEY SEAL key) into FILE
 *   unseal FILE                 the enclave unseals FILE and shows the text
 *   attest                      two enclaves: A reports to B (EREPORT), B
 *                               checks it (EGETKEY REPORT key, CMAC)
 *   sweep                       the enclave writes and checks its whole heap
 *
 * Usage: hello-host [--heap SIZE] ENCLAVE.elf SIGSTRUCT COMMAND [ARGS]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hello.h"
#include "loader.h"

int hello_enter(vdso_sgx_enter_enclave_t vdso, struct hello_msg *msg, unsigned int leaf,
		struct sgx_enclave_run *run);

static vdso_sgx_enter_enclave_t vdso;

#define EENTER 2
#define EEXIT  4

/* One call into @e; 0 if the enclave left normally and said so. */
static int call(const struct loader_enclave *e, struct hello_msg *msg)
{
	struct sgx_enclave_run run;
	int ret;

	memset(&run, 0, sizeof(run));
	run.tcs = loader_tcs(e, 0);
	ret = hello_enter(vdso, msg, EENTER, &run);
	if (ret || run.function != EEXIT) {
		fprintf(stderr, "hello-host: the enclave stopped: %s (vector %u, error code %#x, "
			"address %#llx)\n", ret ? strerror(-ret) : "exception", run.exception_vector,
			run.exception_error_code, (unsigned long long)run.exception_addr);
		return -1;
	}
	return msg->status ? -1 : 0;
}

static int greet(const struct loader_enclave *e)
{
	struct hello_msg msg = { .op = HELLO_OP_GREET };
	int i;

	for (i = 0; i < 3; i++)
		if (call(e, &msg))
			return 1;
	printf("enclave says: \"%s\" (call %llu)\n", msg.text, (unsigned long long)msg.counter);
	return 0;
}

static int seal(const struct loader_enclave *e, const char *path, const char *text)
{
	struct hello_msg msg = { .op = HELLO_OP_SEAL };
	int fd;

	snprintf(msg.text, sizeof(msg.text), "%s", text);
	if (call(e, &msg)) {
		fprintf(stderr, "hello-host: sealing failed (%lld)\n", (long long)msg.status);
		return 1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, &msg.blob, sizeof(msg.blob)) != (ssize_t)sizeof(msg.blob) ||
	    close(fd)) {
		fprintf(stderr, "hello-host: %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("sealed %zu bytes of secret into %s (%zu-byte blob)\n", strlen(msg.text) + 1,
	       path, sizeof(msg.blob));
	return 0;
}

static int unseal(const struct loader_enclave *e, const char *path)
{
	struct hello_msg msg = { .op = HELLO_OP_UNSEAL };
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || read(fd, &msg.blob, sizeof(msg.blob)) != (ssize_t)sizeof(msg.blob)) {
		fprintf(stderr, "hello-host: %s: %s\n", path, fd < 0 ? strerror(errno) : "too short");
		return 1;
	}
	close(fd);
	if (call(e, &msg)) {
		fprintf(stderr, "hello-host: the enclave refused to unseal %s (%s)\n", path,
			msg.status == HELLO_ETAG ? "it is not a genuine blob for this signer" :
			"no seal key");
		return 1;
	}
	printf("unsealed: \"%s\"\n", msg.text);
	return 0;
}

static int attest(const char *elf, const char *sig, uint64_t heap)
{
	struct loader_enclave a, b;
	struct hello_msg msg;

	if (loader_build(elf, sig, heap, &a) || loader_build(elf, sig, heap, &b))
		return 1;
	/* B's TARGETINFO, from a REPORT B makes about itself (MRENCLAVE, ATTRIBUTES, MISC). */
	memset(&msg, 0, sizeof(msg));
	msg.op = HELLO_OP_REPORT;
	if (call(&b, &msg))
		return 1;
	memset(msg.targetinfo, 0, sizeof(msg.targetinfo));
	memcpy(msg.targetinfo, msg.report + 64, 32);            /* MEASUREMENT := MRENCLAVE */
	memcpy(msg.targetinfo + 32, msg.report + 48, 16);       /* ATTRIBUTES */
	memcpy(msg.targetinfo + 52, msg.report + 16, 4);        /* MISCSELECT */
	/* A reports to B... */
	msg.op = HELLO_OP_REPORT;
	snprintf(msg.text, sizeof(msg.text), "enclave A at %#llx", (unsigned long long)a.base);
	if (call(&a, &msg))
		return 1;
	printf("enclave A made a REPORT for enclave B (%zu bytes, MAC under B's REPORT key)\n",
	       sizeof(msg.report));
	/* ...B checks it... */
	msg.op = HELLO_OP_VERIFY;
	if (call(&b, &msg)) {
		fprintf(stderr, "hello-host: enclave B rejected A's report\n");
		return 1;
	}
	printf("enclave B verified it: same CPU, same enclave code, data \"%s\"\n", msg.text);
	/* ...and a report altered on the way is refused. */
	msg.op = HELLO_OP_VERIFY;
	msg.report[320] ^= 1;
	if (!call(&b, &msg)) {
		fprintf(stderr, "hello-host: enclave B accepted an altered report\n");
		return 1;
	}
	printf("enclave B refused the same report with one bit flipped\n");
	return 0;
}

static int sweep(const struct loader_enclave *e)
{
	struct hello_msg msg = { .op = HELLO_OP_SWEEP, .heap_size = e->heap_size };

	if (call(e, &msg)) {
		fprintf(stderr, "hello-host: sweep: %llu pages intact of %llu\n",
			(unsigned long long)msg.pages_checked,
			(unsigned long long)(e->heap_size / 4096));
		return 1;
	}
	printf("the enclave wrote and checked %llu pages (%llu MiB) of its heap: all intact\n",
	       (unsigned long long)msg.pages_checked, (unsigned long long)(e->heap_size >> 20));
	return 0;
}

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	switch (*end) {
	case 'K': case 'k': v <<= 10; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'G': case 'g': v <<= 30; end++; break;
	}
	if (*end || v % 4096) {
		fprintf(stderr, "hello-host: --heap: expected a multiple of 4 KiB, got '%s'\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct loader_enclave e;
	uint64_t heap = 0;
	const char *cmd;

	if (argc > 2 && !strcmp(argv[1], "--heap")) {
		heap = parse_size(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc < 4) {
		fprintf(stderr, "usage: hello-host [--heap SIZE] ENCLAVE.elf SIGSTRUCT "
			"greet|seal FILE TEXT|unseal FILE|attest|sweep\n");
		return 2;
	}
	vdso = loader_vdso_enter();
	if (!vdso) {
		fprintf(stderr, "hello-host: no __vdso_sgx_enter_enclave: this kernel has no SGX\n");
		return 1;
	}
	cmd = argv[3];
	if (!strcmp(cmd, "attest"))
		return attest(argv[1], argv[2], heap);
	if (loader_build(argv[1], argv[2], heap, &e))
		return 1;
	if (!strcmp(cmd, "greet"))
		return greet(&e);
	if (!strcmp(cmd, "seal") && argc == 6)
		return seal(&e, argv[4], argv[5]);
	if (!strcmp(cmd, "unseal") && argc == 5)
		return unseal(&e, argv[4]);
	if (!strcmp(cmd, "sweep"))
		return sweep(&e);
	fprintf(stderr, "hello-host: unknown command '%s'\n", cmd);
	return 2;
}
