// SPDX-License-Identifier: MIT
/*
 * sgxemu keygen [-o] FILE: a fresh enclave signing key, RSA-3072 with public
 * exponent 3 as SIGSTRUCT requires, written as a PEM private key (mode 0600).
 * An existing file is never overwritten.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>

#include "cli.h"
#include "crypto.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: sgxemu keygen [-o] KEY.pem\n\n"
		"Generate an RSA-3072 enclave signing key with public exponent 3 and\n"
		"write it to KEY.pem (mode 0600); an existing file is not overwritten.\n"
		"Prints the MRSIGNER of the new key.\n");
}

int cmd_keygen_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help",   no_argument,       NULL, 'h' },
		{ 0 }
	};
	const char *cmd = argv[0], *path = NULL;
	uint8_t mrsigner[CRYPTO_SHA256_LEN];
	char hex[2 * CRYPTO_SHA256_LEN + 1];
	struct crypto_rsa_key *key;
	struct stat st;
	int c, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_bad_option(cmd, argv, c);
		}
	}
	if (optind < argc) {
		if (path || optind + 1 < argc) {
			cli_error(cmd, EINVAL, "unexpected argument '%s'", argv[argc - 1]);
			return 1;
		}
		path = argv[optind];
	}
	if (!path) {
		usage(stderr);
		return 1;
	}

	/* Fail before the slow part; crypto_rsa_save_pem() re-checks with O_EXCL. */
	if (!lstat(path, &st)) {
		cli_error(cmd, EEXIST, "%s: refusing to overwrite", path);
		return 1;
	}

	ret = crypto_rsa_generate(3072, &key);
	if (ret) {
		cli_error(cmd, ret, "generating an RSA-3072 key");
		return 1;
	}
	ret = crypto_rsa_save_pem(key, path);
	if (ret) {
		cli_error(cmd, ret, "%s%s", path, ret == -EEXIST ? ": refusing to overwrite" : "");
		goto out_free_key;
	}
	ret = cli_key_mrsigner(key, mrsigner);
	if (ret) {
		cli_error(cmd, ret, "computing MRSIGNER");
		goto out_free_key;
	}
	cli_hex(mrsigner, sizeof(mrsigner), hex);
	printf("mrsigner: %s\n", hex);

out_free_key:
	crypto_rsa_free(key);
	return ret ? 1 : 0;
}
