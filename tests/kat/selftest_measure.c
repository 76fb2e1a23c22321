// SPDX-License-Identifier: MIT
/*
 * The Linux SGX selftest's own loader and signer, as a known-answer oracle.
 *
 * Built by linux_selftests.sh against the unmodified selftest objects
 * (load.o, sigstruct.o, sign_key.o from tools/testing/selftests/sgx of
 * linux-source-6.1, compiled by the selftest's Makefile), this program calls
 * encl_load() and encl_measure() exactly as the selftest's setup_test_encl()
 * does and reports the MRENCLAVE and SIGSTRUCT they produce.
 *
 * encl_load() insists on an SGX device before it looks at the image: it
 * open()s /dev/sgx_enclave O_RDWR, stat()s it, and mmap()s it PROT_READ and
 * PROT_EXEC with MAP_SHARED (its noexec-/dev check), then munmap()s both.
 * There is no SGX here, so the script links with
 * -Wl,--wrap=open,--wrap=stat (the glibc 2.36 symbols load.o references;
 * the script checks that with nm) and the wrappers below hand out a memfd
 * for that path: a memfd accepts shared PROT_EXEC mappings. Every other
 * path goes to the real functions. No ioctl is reached (encl_build() is not
 * called).
 *
 * Usage: selftest_measure ENCLAVE.elf HEAP_SIZE [SIGSTRUCT_OUT]
 * Prints "mrenclave: <hex>" and the segment table; writes the 1808-byte
 * SIGSTRUCT to SIGSTRUCT_OUT if given.
 */
#define _GNU_SOURCE             /* memfd_create, O_TMPFILE */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "defines.h"
#include "main.h"

static const char sgx_device[] = "/dev/sgx_enclave";

/*
 * The linker's --wrap contract fixes these names; they are the one place
 * where sgxemu code uses identifiers with a leading double underscore.
 */
int __real_open(const char *path, int flags, ...);
int __real_stat(const char *path, struct stat *st);
int __wrap_open(const char *path, int flags, ...);
int __wrap_stat(const char *path, struct stat *st);

int __wrap_open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (!strcmp(path, sgx_device)) {
		int fd = memfd_create("sgx_enclave", MFD_CLOEXEC);

		if (fd < 0)
			fprintf(stderr, "selftest_measure: memfd_create: %s\n", strerror(errno));
		return fd;
	}
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return __real_open(path, flags, mode);
}

int __wrap_stat(const char *path, struct stat *st)
{
	if (!strcmp(path, sgx_device)) {
		/* What the kernel reports for the misc device node. */
		memset(st, 0, sizeof(*st));
		st->st_mode = S_IFCHR | 0666;
		return 0;
	}
	return __real_stat(path, st);
}

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
	struct encl encl;
	unsigned long heap;
	unsigned int i;
	char *end;
	FILE *f;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: %s ENCLAVE.elf HEAP_SIZE [SIGSTRUCT_OUT]\n", argv[0]);
		return 2;
	}
	errno = 0;
	heap = strtoul(argv[2], &end, 0);
	if (errno || *end || end == argv[2]) {
		fprintf(stderr, "selftest_measure: bad heap size '%s'\n", argv[2]);
		return 2;
	}

	if (!encl_load(argv[1], &encl, heap)) {
		fprintf(stderr, "selftest_measure: encl_load(%s) failed\n", argv[1]);
		return 1;
	}
	if (!encl_measure(&encl)) {
		fprintf(stderr, "selftest_measure: encl_measure() failed\n");
		encl_delete(&encl);
		return 1;
	}

	for (i = 0; i < encl.nr_segments; i++) {
		struct encl_segment *seg = &encl.segment_tbl[i];

		printf("segment %u: offset 0x%llx size 0x%zx flags 0x%x measure %d\n", i,
		       (unsigned long long)seg->offset, seg->size, seg->flags, seg->measure);
	}
	printf("encl_size: 0x%zx\n", encl.encl_size);
	print_hex("mrenclave", encl.sigstruct.body.mrenclave, sizeof(encl.sigstruct.body.mrenclave));

	if (argc == 4) {
		f = fopen(argv[3], "wb");
		if (!f || fwrite(&encl.sigstruct, sizeof(encl.sigstruct), 1, f) != 1 || fclose(f)) {
			fprintf(stderr, "selftest_measure: %s: %s\n", argv[3], strerror(errno));
			encl_delete(&encl);
			return 1;
		}
	}
	encl_delete(&encl);
	return 0;
}
