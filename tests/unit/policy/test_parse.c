// SPDX-License-Identifier: MIT
/*
 * The policy file parser: every syntax error names the right line and says
 * what was expected; valid files give the module stack in file order, and
 * policy_dump() of it parses back to the same policy. Then the file-level
 * errors (missing, a directory, too large) and an audit log that cannot be
 * opened.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pol_test_util.h"

#define H1 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define H2 "FFEEDDCCBBAA99887766554433221100ffeeddccbbaa99887766554433221100"

struct err_row {
	const char *text;
	unsigned int line;
	const char *what;               /* a part of the message */
};

static const struct err_row err_rows[] = {
	/* 0 */ { "", 1, "no module selected: expected at least one 'module NAME' line" },
	/* 1 */ { "# only a comment\n\n", 2, "no module selected" },
	/* 2 */ { "module", 1, "expected a module name after 'module' (one of: exec-source, wx, "
		  "signers, debug, provision, audit)" },
	/* 3 */ { "module wx\nmodule nosuch\n", 2, "unknown module 'nosuch': expected one of "
		  "exec-source" },
	/* 4 */ { "module wx exec-source\n", 1, "unexpected 'exec-source' after 'module wx'" },
	/* 5 */ { "module wx\n\nmodule debug\nmodule wx\n", 4,
		  "module wx appears twice (first on line 1)" },
	/* 6 */ { "mrsigner " H1 "\n", 1, "'mrsigner' before any module: expected 'module NAME'" },
	/* 7 */ { "module wx\n  strict yes\n", 2, "module wx takes no settings, got 'strict'" },
	/* 8 */ { "module signers\nmrsigner " H1 "\nmrsgner " H1 "\n", 3,
		  "module signers has no setting 'mrsgner': expected one of mrsigner, mrenclave" },
	/* 9 */ { "module signers\nmrsigner\n", 2, "expected a value after 'mrsigner'" },
	/* 10 */ { "module signers\nmrsigner " H1 " " H2 "\n", 2,
		   "unexpected 'FFEEDDCCBBAA99887766554433221100ffeeddcc...' after 'mrsigner VALUE'" },
	/* 11 */ { "module signers\nmrsigner 0011\n", 2,
		   "expected 64 hex digits (a SHA-256 value) after 'mrsigner', got 4 characters" },
	/* 12 */ { "module signers\n\tmrsigner 0x112233445566778899aabbccddeeff00112233445566778899"
		   "aabbccddeeff\n", 2, "'x' is not one" },
	/* 13 */ { "module signers\nmrenclave " H1 "\n", 1,
		   "module signers: expected at least one 'mrsigner HEX' line" },
	/* 14 */ { "module wx\nmodule signers\nmrenclave " H1 "\nmodule debug\n", 2,
		   "module signers: expected at least one 'mrsigner HEX' line" },
	/* 15 */ { "module provision\nmrenclave " H1 "\n", 2,
		   "module provision has no setting 'mrenclave': expected one of mrsigner" },
	/* 16 */ { "module audit\ndecisions some\n", 2,
		   "expected 'all' or 'deny' after 'decisions'" },
	/* 17 */ { "module audit\noutput\n", 2, "expected a value after 'output'" },
	/* 18 */ { "module audit\noutput a b\n", 2, "unexpected 'b' after 'output VALUE'" },
	/* 19 */ { "module wx\r\nmodule exec-source\r\nmodule wx\r\n", 3, "appears twice" },
	/* 20 */ { "module wx\nmodule d\001bug\n", 2, "unknown module 'd?bug'" },
	/* 21 */ { "module wx\nmodule debug\0\n", 2, "NUL byte in the line" },
	/* 22 */ { "module wx # W^X\nwx\n", 2, "module wx takes no settings, got 'wx'" },
	/* 23 */ { "module exec-source\n#\n# x\n\n   \t\nmodule exec_source\n", 6,
		   "unknown module 'exec_source'" },
	/* 24 */ { "Module wx\n", 1, "'Module' before any module" },
};

/* Lengths for rows with an embedded NUL. */
static size_t row_len(size_t i, const char *text)
{
	return i == 21 ? sizeof("module wx\nmodule debug\0\n") - 1 : strlen(text);
}

static void test_errors(void **state)
{
	char err[512], want[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(err_rows) / sizeof(err_rows[0]); i++) {
		const struct err_row *r = &err_rows[i];
		struct policy *p = NULL;
		int ret;

		ret = policy_load_buffer("test.policy", r->text, row_len(i, r->text),
					 POLICY_LOAD_DRY_RUN, &p, err, sizeof(err));
		snprintf(want, sizeof(want), "test.policy:%u: ", r->line);
		if (ret != -EINVAL || p || strncmp(err, want, strlen(want)) || !strstr(err, r->what))
			fail_msg("row %zu: ret %d, message \"%s\"; expected \"%s%s\"", i, ret, err, want,
				 r->what);
	}
}

struct ok_row {
	const char *text;
	const char *modules;            /* the stack, space separated */
};

static const struct ok_row ok_rows[] = {
	/* 0 */ { "module wx", "wx" },
	/* 1 */ { "module exec-source\nmodule wx\n", "exec-source wx" },
	/* 2 */ { "# a policy\nmodule wx   # no W+X\n\nmodule exec-source\t\n", "wx exec-source" },
	/* 3 */ { "module audit\nmodule debug\nmodule provision\nmodule signers\nmrsigner " H1
		  "\n  mrsigner " H2 "\n\tmrenclave " H1 "\nmodule wx\nmodule exec-source\n",
		  "audit debug provision signers wx exec-source" },
	/* 4 */ { "module audit\n    output /var/log/sgxemu#1.log\n    decisions deny\n"
		  "    output stderr\n", "audit" },
	/* 5 */ { "module provision\n  mrsigner " H1 "\r\n  mrsigner " H1 "\r\n", "provision" },
	/* 6 */ { "\n\n\nmodule debug", "debug" },
};

static char *dump(const struct policy *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(policy_dump(p, f), 0);
	fclose(f);
	return buf;
}

static void test_ok(void **state)
{
	char err[512], stack[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok_rows) / sizeof(ok_rows[0]); i++) {
		const struct ok_row *r = &ok_rows[i];
		struct policy *p = NULL, *q = NULL;
		char *d1, *d2;
		unsigned int m;
		int ret;

		ret = policy_load_buffer("ok", r->text, strlen(r->text), POLICY_LOAD_DRY_RUN, &p, err,
					 sizeof(err));
		if (ret)
			fail_msg("row %zu: %d %s", i, ret, err);
		stack[0] = '\0';
		for (m = 0; m < policy_nr_modules(p); m++)
			snprintf(stack + strlen(stack), sizeof(stack) - strlen(stack), "%s%s",
				 m ? " " : "", policy_module_name(p, m));
		if (strcmp(stack, r->modules))
			fail_msg("row %zu: stack \"%s\", expected \"%s\"", i, stack, r->modules);
		assert_null(policy_module_name(p, m));

		/* The dump is a policy file for the same policy. */
		d1 = dump(p);
		ret = policy_load_buffer("dump", d1, strlen(d1), POLICY_LOAD_DRY_RUN, &q, err,
					 sizeof(err));
		if (ret)
			fail_msg("row %zu: the dump does not parse: %s\n%s", i, err, d1);
		d2 = dump(q);
		if (strcmp(d1, d2))
			fail_msg("row %zu: dumps differ:\n%s\n---\n%s", i, d1, d2);
		free(d1);
		free(d2);
		policy_free(q);
		policy_free(p);
	}
}

/* The settings come out as they went in (hex normalised to lower case). */
static void test_dump_content(void **state)
{
	static const char text[] = "module signers\nmrsigner " H2 "\nmrenclave " H1 "\n"
				   "module audit\noutput /tmp/x.log\ndecisions deny\n"
				   "module provision\n";
	struct policy *p = NULL;
	char err[256], *d;

	(void)state;
	assert_int_equal(policy_load_buffer("t", text, strlen(text), POLICY_LOAD_DRY_RUN, &p, err,
					    sizeof(err)), 0);
	d = dump(p);
	assert_non_null(strstr(d, "module signers\t# only listed signers"));
	assert_non_null(strstr(d, "    mrsigner ffeeddccbbaa99887766554433221100ffeeddccbbaa9988776655"
			       "4433221100\n    mrenclave " H1 "\n"));
	assert_non_null(strstr(d, "    output /tmp/x.log\n    decisions deny\n"));
	assert_non_null(strstr(d, "no enclave may have PROVISIONKEY"));
	assert_non_null(strstr(d, "# sgxemu enclave policy: 3 modules"));
	free(d);
	policy_free(p);
}

static void write_file(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static void test_files(void **state)
{
	char dir[] = "/tmp/sgxemu-policy-XXXXXX", path[128], log[160], text[256], err[512];
	struct policy *p = NULL;
	char *big;

	(void)state;
	assert_non_null(mkdtemp(dir));

	/* 0: no such file. */
	snprintf(path, sizeof(path), "%s/none.policy", dir);
	assert_int_equal(policy_load_file(path, &p, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "none.policy: No such file or directory"));
	/* 1: a directory. */
	assert_int_equal(policy_load_file(dir, &p, err, sizeof(err)), -EISDIR);
	/* 2: too large. */
	snprintf(path, sizeof(path), "%s/big.policy", dir);
	big = malloc(POLICY_MAX_FILE_SIZE + 2);
	assert_non_null(big);
	memset(big, '#', POLICY_MAX_FILE_SIZE + 1);
	write_file(path, big, POLICY_MAX_FILE_SIZE + 1);
	free(big);
	assert_int_equal(policy_load_file(path, &p, err, sizeof(err)), -EFBIG);
	assert_non_null(strstr(err, "larger than"));
	/* 3: a syntax error names the file. */
	snprintf(path, sizeof(path), "%s/bad.policy", dir);
	write_file(path, "module wx\nmodule\n", 17);
	assert_int_equal(policy_load_file(path, &p, err, sizeof(err)), -EINVAL);
	snprintf(text, sizeof(text), "%s:2: expected a module name", path);
	assert_non_null(strstr(err, text));
	/* 4: an audit log that cannot be opened refuses the policy. */
	snprintf(path, sizeof(path), "%s/audit.policy", dir);
	snprintf(text, sizeof(text), "module wx\nmodule audit\n output %s/no/such/dir/log\n", dir);
	write_file(path, text, strlen(text));
	assert_int_equal(policy_load_file(path, &p, err, sizeof(err)), -ENOENT);
	assert_null(p);
	assert_non_null(strstr(err, "audit.policy:2: module audit: cannot open the audit log"));
	/* 5: ... which a dry run does not try. */
	assert_int_equal(policy_parse_file(path, &p, err, sizeof(err)), 0);
	policy_free(p);
	p = NULL;
	/* 6: a good file, with its log created 0600. */
	snprintf(log, sizeof(log), "%s/audit.log", dir);
	snprintf(text, sizeof(text), "module audit\n output %s\n", log);
	write_file(path, text, strlen(text));
	assert_int_equal(policy_load_file(path, &p, err, sizeof(err)), 0);
	{
		struct stat st;

		assert_int_equal(stat(log, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	policy_free(p);
	/* 7: no error buffer at all is fine. */
	assert_int_equal(policy_load_buffer("x", "module", 6, 0, &p, NULL, 0), -EINVAL);

	unlink(log);
	snprintf(path, sizeof(path), "%s/none.policy", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/big.policy", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bad.policy", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/audit.policy", dir);
	unlink(path);
	rmdir(dir);
}

/* A line of the maximum length parses; one byte more is an error on its line. */
static void test_long_lines(void **state)
{
	static char text[4096 + 64];
	size_t n = 4096;
	struct policy *p = NULL;
	char err[256];

	(void)state;
	strcpy(text, "module wx\n");
	memset(text + 10, '#', n);
	strcpy(text + 10 + n, "\n");
	assert_int_equal(policy_load_buffer("l", text, strlen(text), 0, &p, err, sizeof(err)), 0);
	policy_free(p);
	p = NULL;
	memset(text + 10, ' ', n + 1);
	strcpy(text + 11 + n, "\nmodule debug\n");
	assert_int_equal(policy_load_buffer("l", text, strlen(text), 0, &p, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "l:2: line longer than 4096 bytes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_dump_content),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_long_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
