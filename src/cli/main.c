// SPDX-License-Identifier: MIT
/*
 * sgxemu: the command. A table of subcommands, each in cli/cmd_<name>.c
 * (the shape of wireguard-tools' wg.c).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef SGXEMU_VERSION
#define SGXEMU_VERSION "unknown"
#endif


static const struct {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *description;
} subcommands[] = {
	{ "run",     cmd_run_main,     "Run an unmodified SGX program on the emulated platform" },
	{ "keygen",  cmd_keygen_main,  "Generate an RSA-3072 (e = 3) enclave signing key" },
	{ "measure", cmd_measure_main, "Compute the MRENCLAVE (and MRSIGNER) of an enclave image" },
	{ "sign",    cmd_sign_main,    "Write the SIGSTRUCT of an enclave image" },
	{ "verify",  cmd_verify_main,  "Build an enclave image on the emulated CPU and run EINIT" },
	{ "info",    cmd_info_main,    "Show the emulated platform" },
	{ "policy",  cmd_policy_main,  "Check an enclave policy file and show its module stack" },
};

#define NR_SUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

static void show_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: sgxemu <cmd> [<args>]\n\n");
	fprintf(f, "Intel SGX and the Linux SGX driver, emulated in user space.\n\n");
	fprintf(f, "Available subcommands:\n");
	for (i = 0; i < NR_SUBCOMMANDS; i++) {
		if (subcommands[i].main)
			fprintf(f, "  %-10s%s\n", subcommands[i].name, subcommands[i].description);
	}
	fprintf(f, "\nsgxemu help <cmd> or sgxemu <cmd> --help shows a subcommand's options.\n");
	fprintf(f, "sgxemu --version shows the version.\n");
}

static int run(const char *name, int argc, char **argv)
{
	size_t i;

	for (i = 0; i < NR_SUBCOMMANDS; i++) {
		if (strcmp(name, subcommands[i].name))
			continue;
		return subcommands[i].main(argc, argv);
	}
	fprintf(stderr, "sgxemu: '%s' is not a valid command\n\n", name);
	show_usage(stderr);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		show_usage(stderr);
		return 1;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("sgxemu %s\n", SGXEMU_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		char help[] = "--help";
		char *sub_argv[3];

		if (argc < 3) {
			show_usage(stdout);
			return 0;
		}
		sub_argv[0] = argv[2];
		sub_argv[1] = help;
		sub_argv[2] = NULL;
		return run(argv[2], 2, sub_argv);
	}
	return run(argv[1], argc - 1, argv + 1);
}
