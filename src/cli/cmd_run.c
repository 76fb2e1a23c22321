// SPDX-License-Identifier: MIT
/*
 * sgxemu run [options] -- PROGRAM [ARGS]: run an unmodified SGX program on
 * the emulated platform. Options become SGXEMU_* environment variables,
 * libsgxemu_preload.so goes in front of LD_PRELOAD, and PROGRAM replaces
 * this process (so its pid, exit status and signals are the program's).
 * Everything that can be checked before the program starts is: a bad size,
 * a policy file that does not parse, an unreadable key file, a program
 * that cannot be found.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "policy.h"

#ifndef SGXEMU_LIBDIR
#define SGXEMU_LIBDIR "/usr/local/lib"
#endif

#define PRELOAD_NAME "libsgxemu_preload.so"

static void usage(FILE *f)
{
	fprintf(f, "Usage: sgxemu run [options] [--] PROGRAM [ARGS...]\n\n"
		"Run PROGRAM as on an SGX2 machine with the upstream Linux driver:\n"
		"/dev/sgx_enclave, /dev/sgx_provision, the SGX ioctls, the vDSO's\n"
		"__vdso_sgx_enter_enclave and CPUID leaf 0x12, emulated.\n\n"
		"  --epc SIZE          EPC size (K/M/G; default 32M); enclaves larger\n"
		"                      than it are paged out to the SGX backing store\n"
		"  --epc-sections N    split the EPC into N sections (1-8)\n"
		"  --sgx1              an SGX1 CPU: no EAUG/EMODPR/EMODT, no SGX2 ioctls\n"
		"  --policy FILE       enforce the enclave policy in FILE (see README)\n"
		"  --stats FILE        write the platform's figures to FILE as JSON\n"
		"                      (every second and at exit)\n"
		"  --key-file FILE     the platform root key (sealing keys derive from it)\n"
		"  --log LEVEL         error, warn (default), info or debug, on stderr\n");
}

/* The preload library: $SGXEMU_PRELOAD, next to the build's sgxemu, or installed. */
static int find_preload(char *out, size_t len)
{
	static const char *const rel[] = { "../preload/", "../lib/", "../lib/x86_64-linux-gnu/",
					   "../lib64/" };
	const char *env = getenv("SGXEMU_PRELOAD");
	char exe[PATH_MAX], *slash;
	ssize_t n;
	size_t i;

	if (env && *env) {
		if (access(env, R_OK))
			return -errno;
		snprintf(out, len, "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		slash = strrchr(exe, '/');
		if (slash)
			slash[1] = 0;
		for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			char cand[PATH_MAX + 64];

			snprintf(cand, sizeof(cand), "%s%s%s", exe, rel[i], PRELOAD_NAME);
			if (!access(cand, R_OK) && realpath(cand, out))
				return 0;
		}
	}
	snprintf(out, len, "%s/%s", SGXEMU_LIBDIR, PRELOAD_NAME);
	return access(out, R_OK) ? -ENOENT : 0;
}

static int set(const char *cmd, const char *name, const char *value)
{
	if (setenv(name, value, 1)) {
		cli_error(cmd, errno, "cannot set %s", name);
		return 1;
	}
	return 0;
}

int cmd_run_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "epc",          required_argument, NULL, 'e' },
		{ "epc-sections", required_argument, NULL, 'S' },
		{ "sgx1",         no_argument,       NULL, '1' },
		{ "policy",       required_argument, NULL, 'p' },
		{ "stats",        required_argument, NULL, 's' },
		{ "key-file",     required_argument, NULL, 'k' },
		{ "log",          required_argument, NULL, 'l' },
		{ "help",         no_argument,       NULL, 'h' },
		{ 0 }
	};
	const char *cmd = argv[0];
	char preload[PATH_MAX], buf[PATH_MAX + 4096], err[256], pid[32];
	struct hw_config cfg;
	struct policy *pol;
	const char *old;
	uint64_t v;
	int c, ret;

	optind = 0;
	opterr = 0;
	/* '+': options end at the program's name. */
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			ret = cli_parse_size(optarg, &v);
			if (ret || !v || v % 4096) {
				cli_error(cmd, EINVAL, "--epc: expected a size such as 16M or 1G "
					  "(a multiple of 4 KiB), got '%s'", optarg);
				return 1;
			}
			if (set(cmd, SGXEMU_ENV_EPC_SIZE, optarg))
				return 1;
			break;
		case 'S':
			if (cli_parse_u64(optarg, HW_MAX_EPC_SECTIONS, &v) || !v) {
				cli_error(cmd, EINVAL, "--epc-sections: expected 1 to %d, got '%s'",
					  HW_MAX_EPC_SECTIONS, optarg);
				return 1;
			}
			if (set(cmd, SGXEMU_ENV_EPC_SECTIONS, optarg))
				return 1;
			break;
		case '1':
			if (set(cmd, SGXEMU_ENV_SGX1, "1"))
				return 1;
			break;
		case 'p':
			/* The program would not start with a bad policy: say so now. */
			ret = policy_parse_file(optarg, &pol, err, sizeof(err));
			if (ret) {
				fprintf(stderr, "sgxemu run: %s\n", err);
				return 1;
			}
			policy_free(pol);
			if (!realpath(optarg, buf) || set(cmd, "SGXEMU_POLICY", buf))
				return 1;
			break;
		case 's':
			if (set(cmd, "SGXEMU_STATS", optarg))
				return 1;
			break;
		case 'k':
			if (access(optarg, R_OK) && errno != ENOENT) {
				cli_error(cmd, errno, "--key-file: %s", optarg);
				return 1;
			}
			if (set(cmd, SGXEMU_ENV_KEY_FILE, optarg))
				return 1;
			break;
		case 'l':
			if (strcmp(optarg, "error") && strcmp(optarg, "warn") &&
			    strcmp(optarg, "info") && strcmp(optarg, "debug")) {
				cli_error(cmd, EINVAL, "--log: expected error, warn, info or debug, "
					  "got '%s'", optarg);
				return 1;
			}
			if (set(cmd, "SGXEMU_LOG", optarg))
				return 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return cli_bad_option(cmd, argv, c);
		}
	}
	if (optind >= argc) {
		cli_error(cmd, EINVAL, "no program to run (sgxemu run [options] -- PROGRAM [ARGS])");
		return 1;
	}
	/* The whole configuration must be one the platform accepts. */
	if (hw_config_from_env(&cfg, err, sizeof(err))) {
		cli_error(cmd, EINVAL, "%s", err);
		return 1;
	}
	ret = find_preload(preload, sizeof(preload));
	if (ret) {
		cli_error(cmd, -ret, "cannot find %s (set SGXEMU_PRELOAD)", PRELOAD_NAME);
		return 1;
	}
	old = getenv("LD_PRELOAD");
	snprintf(buf, sizeof(buf), "%s%s%s", preload, old && *old ? ":" : "", old ? old : "");
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (set(cmd, "LD_PRELOAD", buf) || set(cmd, "SGXEMU_STATS_OWNER", pid))
		return 1;
	execvp(argv[optind], argv + optind);
	ret = errno;
	fprintf(stderr, "sgxemu run: %s: %s\n", argv[optind], strerror(ret));
	return ret == ENOENT ? 127 : 126;
}
