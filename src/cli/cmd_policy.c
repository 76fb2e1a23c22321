// SPDX-License-Identifier: MIT
/*
 * sgxemu policy check FILE: parse an enclave policy file (README.md,
 * "Enclave policy") and print the module stack it makes, itself a policy
 * file, with each module's rule as a comment. Nothing is opened or
 * created (the audit log included): this only checks. A bad file is
 * reported as "sgxemu policy: FILE:LINE: what" with a non-zero exit.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "policy.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: sgxemu policy check FILE\n\n"
		"Check the enclave policy file FILE and print the module stack it\n"
		"selects, in the order the modules are asked, with their settings.\n"
		"Exits non-zero, naming FILE:LINE, if FILE is not a valid policy.\n");
}

static int check(const char *cmd, const char *path)
{
	struct policy *p = NULL;
	char err[512];
	int ret;

	ret = policy_parse_file(path, &p, err, sizeof(err));
	if (ret) {
		cli_error(cmd, 0, "%s", err);
		return 1;
	}
	ret = policy_dump(p, stdout);
	policy_free(p);
	if (ret) {
		cli_error(cmd, ret, "writing the policy");
		return 1;
	}
	return 0;
}

int cmd_policy_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *cmd = argv[0];
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_bad_option(cmd, argv, c);
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	if (strcmp(argv[optind], "check")) {
		cli_error(cmd, 0, "unknown action '%s': expected 'check'", argv[optind]);
		return 1;
	}
	if (optind + 2 != argc) {
		if (optind + 2 > argc)
			usage(stderr);
		else
			cli_error(cmd, 0, "unexpected argument '%s'", argv[optind + 2]);
		return 1;
	}
	return check(cmd, argv[optind + 1]);
}
