// SPDX-License-Identifier: MIT
/*
 * sgxemu policy check: the exit status, what goes to stdout (the module
 * stack, itself a policy file) and to stderr ("sgxemu policy: FILE:LINE:
 * what"), one row per case, the command run in-process with its output
 * captured in files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli.h"

static char dir[] = "/tmp/sgxemu-cli-policy-XXXXXX";

struct row {
	const char *file;               /* contents of FILE, NULL: FILE does not exist */
	const char *args;               /* after "policy", FILE stands for the file */
	int status;
	const char *out, *err;          /* parts of stdout / stderr ("" : must be empty) */
};

static const struct row rows[] = {
	/* 0 */ { "module wx\nmodule exec-source\n", "check FILE", 0,
		  "\nmodule wx\t# no page declared, mapped or mprotected writable and executable\n"
		  "\nmodule exec-source\t#", "" },
	/* 1 */ { "module wx\nmodule audit\n  output /nonexistent/dir/log\n", "check FILE", 0,
		  "    output /nonexistent/dir/log\n", "" },
	/* 2 */ { "module wx\n\nmodule signers\n", "check FILE", 1, "",
		  "sgxemu policy: FILE:3: module signers: expected at least one 'mrsigner HEX' line\n" },
	/* 3 */ { "module wx\nmodule foo\n", "check FILE", 1, "",
		  "sgxemu policy: FILE:2: unknown module 'foo'" },
	/* 4 */ { NULL, "check FILE", 1, "", "sgxemu policy: FILE: No such file or directory\n" },
	/* 5 */ { "module wx\n", "check", 1, "", "Usage: sgxemu policy check" },
	/* 6 */ { "module wx\n", "verify FILE", 1, "", "sgxemu policy: unknown action 'verify'" },
	/* 7 */ { "module wx\n", "check FILE FILE", 1, "", "unexpected argument" },
	/* 8 */ { "module wx\n", "--help", 0, "Usage: sgxemu policy check", "" },
	/* 9 */ { "module wx\n", "--frob", 1, "", "unknown option '--frob'" },
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = calloc(1, 65536);

	assert_non_null(f);
	assert_non_null(buf);
	(void)!fread(buf, 1, 65535, f);
	fclose(f);
	return buf;
}

/* @want with FILE replaced by @file. */
static void expand(char *out, size_t len, const char *want, const char *file)
{
	const char *at = strstr(want, "FILE");

	if (!at) {
		snprintf(out, len, "%s", want);
		return;
	}
	snprintf(out, len, "%.*s%s%s", (int)(at - want), want, file, at + 4);
}

static void test_rows(void **state)
{
	char file[128], outp[128], errp[128], want[512], args[256], *argv[8], *out, *err, *save;
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/test.policy", dir);
	snprintf(outp, sizeof(outp), "%s/stdout", dir);
	snprintf(errp, sizeof(errp), "%s/stderr", dir);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		int argc = 0, status, o, e, saved_out, saved_err, fd;
		char *tok;

		unlink(file);
		if (r->file) {
			fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
			assert_true(fd >= 0);
			assert_int_equal(write(fd, r->file, strlen(r->file)), (ssize_t)strlen(r->file));
			close(fd);
		}
		argv[argc++] = "policy";
		snprintf(args, sizeof(args), "%s", r->args);
		for (tok = strtok_r(args, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
			argv[argc++] = strcmp(tok, "FILE") ? tok : file;
		argv[argc] = NULL;

		fflush(stdout);
		fflush(stderr);
		o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		saved_out = dup(1);
		saved_err = dup(2);
		dup2(o, 1);
		dup2(e, 2);
		status = cmd_policy_main(argc, argv);
		fflush(stdout);
		fflush(stderr);
		dup2(saved_out, 1);
		dup2(saved_err, 2);
		close(saved_out);
		close(saved_err);
		close(o);
		close(e);

		out = slurp(outp);
		err = slurp(errp);
		if (status != r->status)
			fail_msg("row %zu: status %d, expected %d (stderr: %s)", i, status, r->status, err);
		expand(want, sizeof(want), r->out, file);
		if (*want ? !strstr(out, want) : *out != '\0')
			fail_msg("row %zu: stdout \"%s\", expected \"%s\"", i, out, want);
		expand(want, sizeof(want), r->err, file);
		if (*want ? !strstr(err, want) : *err != '\0')
			fail_msg("row %zu: stderr \"%s\", expected \"%s\"", i, err, want);
		free(out);
		free(err);
	}
	unlink(file);
	unlink(outp);
	unlink(errp);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
