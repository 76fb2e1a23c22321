// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the policy file parser. Built with clang
 * -fsanitize=fuzzer as fuzz_policy, and everywhere as fuzz_policy_replay
 * (replay.c's main), which the test suite runs over
 * tests/fuzz/corpus/policy.
 *
 * The input is a policy file. Invariants, checked on every input:
 *  - a refused file gives -EINVAL (or -ENOMEM), no policy, and one message
 *    "fuzz:LINE: ..." of printable ASCII whose LINE exists in the input;
 *  - an accepted file dumps to a policy file that parses to the same dump
 *    (policy_dump() is exact), with 1 to 6 modules;
 *  - every hook of an accepted policy runs on arguments made from the
 *    input and answers 0 or its own errno.
 * Parsing is a dry run: nothing is opened or written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "fuzz_policy: %s:%d: invariant broken: %s\n", __FILE__, \
				__LINE__, #cond); \
			abort(); \
		} \
	} while (0)

static void check_error(const uint8_t *data, size_t size, const char *err)
{
	unsigned long line, lines = 1;
	char *end;
	size_t i;

	for (i = 0; i < size; i++)
		if (data[i] == '\n' && i + 1 < size)
			lines++;
	CHECK(!strncmp(err, "fuzz:", 5));
	line = strtoul(err + 5, &end, 10);
	CHECK(end != err + 5 && *end == ':');
	CHECK(line >= 1 && line <= lines);
	for (i = 0; err[i]; i++)
		CHECK(err[i] >= 0x20 && err[i] < 0x7f);
}

static char *dump(const struct policy *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CHECK(f);
	CHECK(!policy_dump(p, f));
	fclose(f);
	return buf;
}

static void run_hooks(struct policy *p, const uint8_t *data, size_t size)
{
	static struct sgx_secs secs;
	uint8_t b[8] = { 0 }, hash[32] = { 0 };
	struct policy_encl encl;
	struct policy_source src;
	int r;

	memcpy(b, data + (size > 8 ? size - 8 : 0), size < 8 ? size : 8);
	memcpy(hash, data, size < 32 ? size : 32);
	policy_encl_open(p, &encl);
	memset(&src, 0, sizeof(src));
	src.path = "/fuzz";
	src.ino = b[0] & 1;
	src.anonymous = b[0] & 2;
	src.may_exec = b[0] & 4;
	src.writable = b[0] & 8;
	src.noexec_mount = b[0] & 16;
	secs.attributes = b[1];

	{
		struct policy_encl_create a = { &secs };

		r = policy_encl_create(p, &encl, &a);
		CHECK(r == 0 || r == -EPERM);
	}
	{
		/* Twice in one run (an ADD_PAGES call of two pages), then alone. */
		struct policy_page_run *run = policy_page_run_start(p);
		struct policy_page_load a = { b[2] * 4096ull, (uint64_t)b[3] << 8 | (b[4] & 7),
					      b[4] & 8, &src, run };
		int i;

		for (i = 0; i < 3; i++) {
			if (i == 2) {
				policy_page_run_end(p, run);
				a.run = NULL;
			}
			r = policy_page_load(p, &encl, &a);
			CHECK(r == 0 || r == -EACCES);
			/* Only what can make a page executable is ever refused here. */
			if (!(b[4] & 4))
				CHECK(r == 0);
			a.offset += 4096;
		}
	}
	{
		struct policy_provision a = { hash, hash, b[5] };

		r = policy_provision(p, &encl, &a);
		CHECK(r == 0 || r == -EACCES);
	}
	{
		struct policy_encl_init a = { hash, hash, b[5], b[6], b[7], b[0], b[1] };

		r = policy_encl_init(p, &encl, &a);
		CHECK(r == 0 || r == -EPERM);
	}
	policy_encl_set_identity(&encl, hash, hash);
	{
		struct policy_mmap a = { 0, 4096, b[6] & 7, MAP_SHARED };

		r = policy_mmap(p, &encl, &a);
		CHECK(r == 0 || r == -EACCES);
	}
	{
		struct policy_mprotect a = { 0x10000, 0x20000, b[7] & 7 };

		r = policy_mprotect(p, &encl, &a);
		CHECK(r == 0 || r == -EACCES);
		if ((b[7] & 6) != 6)
			CHECK(r == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy *p = NULL, *q = NULL;
	char err[512], *d1, *d2;
	int ret;

	err[0] = '\0';
	ret = policy_load_buffer("fuzz", (const char *)data, size, POLICY_LOAD_DRY_RUN, &p, err,
				 sizeof(err));
	if (ret) {
		CHECK(ret == -EINVAL || ret == -ENOMEM);
		CHECK(!p);
		if (ret == -EINVAL)
			check_error(data, size, err);
		return 0;
	}
	CHECK(p && !err[0]);
	CHECK(policy_nr_modules(p) >= 1 && policy_nr_modules(p) <= 6);

	d1 = dump(p);
	ret = policy_load_buffer("dump", d1, strlen(d1), POLICY_LOAD_DRY_RUN, &q, err, sizeof(err));
	if (ret)
		fprintf(stderr, "fuzz_policy: the dump does not parse: %s\n%s", err, d1);
	CHECK(!ret);
	d2 = dump(q);
	CHECK(!strcmp(d1, d2));
	free(d1);
	free(d2);

	run_hooks(p, data, size);
	policy_free(q);
	policy_free(p);
	return 0;
}
