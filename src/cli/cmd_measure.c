// SPDX-License-Identifier: MIT
/*
 * sgxemu measure: the MRENCLAVE that EINIT will expect for an enclave image
 * loaded as the Linux selftest loader does, and optionally the MRSIGNER of a
 * signing key. Same measurement path as the emulated ECREATE/EADD/EEXTEND.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "crypto.h"
#include "enclave_elf.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: sgxemu measure [--heap SIZE] [--ssa-frame-size N] [--key KEY.pem]\n"
		"                      ENCLAVE.elf\n\n"
		"Print the MRENCLAVE of ENCLAVE.elf laid out as the Linux SGX selftest\n"
		"loader does, and with --key the MRSIGNER of KEY.pem.\n\n"
		"  --heap SIZE           unmeasured heap after the last segment\n"
		"                        (K/M/G, page multiple; default 0)\n"
		"  --ssa-frame-size N    SECS.SSAFRAMESIZE in pages (default 1)\n"
		"  --key KEY.pem         RSA-3072 signing key whose MRSIGNER to print\n");
}

int cmd_measure_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "heap",           required_argument, NULL, 'H' },
		{ "ssa-frame-size", required_argument, NULL, 'S' },
		{ "key",            required_argument, NULL, 'k' },
		{ "help",           no_argument,       NULL, 'h' },
		{ 0 }
	};
	const char *cmd = argv[0], *key_path = NULL, *path;
	char hex[2 * CRYPTO_SHA256_LEN + 1], err[ENCLAVE_ELF_ERR_LEN];
	uint8_t mrenclave[32], mrsigner[32];
	struct crypto_rsa_key *key = NULL;
	uint64_t heap = 0, ssa = 1;
	struct enclave_elf e;
	int c, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":k:h", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			ret = cli_parse_size(optarg, &heap);
			if (ret) {
				cli_error(cmd, ret, "--heap: expected a size such as 4096, 64K or 1M, got '%s'",
					  optarg);
				return 1;
			}
			if (heap % 4096) {
				cli_error(cmd, EINVAL, "--heap: expected a multiple of 4096, got '%s'",
					  optarg);
				return 1;
			}
			break;
		case 'S':
			ret = cli_parse_u64(optarg, UINT32_MAX, &ssa);
			if (!ret && !ssa)
				ret = -EINVAL;
			if (ret) {
				cli_error(cmd, ret, "--ssa-frame-size: expected 1 to %u pages, got '%s'",
					  UINT32_MAX, optarg);
				return 1;
			}
			break;
		case 'k':
			key_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_bad_option(cmd, argv, c);
		}
	}
	if (optind == argc) {
		usage(stderr);
		return 1;
	}
	if (optind + 1 < argc) {
		cli_error(cmd, EINVAL, "unexpected argument '%s'", argv[optind + 1]);
		return 1;
	}
	path = argv[optind];

	if (key_path && cli_load_signing_key(cmd, key_path, &key))
		return 1;

	ret = enclave_elf_load(path, heap, &e, err, sizeof(err));
	if (ret) {
		cli_error(cmd, ret, "%s: %s", path, err);
		goto out_free_key;
	}
	ret = enclave_elf_measure(&e, (uint32_t)ssa, mrenclave);
	enclave_elf_free(&e);
	if (ret) {
		cli_error(cmd, ret, "%s: measuring", path);
		goto out_free_key;
	}
	if (key) {
		ret = cli_key_mrsigner(key, mrsigner);
		if (ret) {
			cli_error(cmd, ret, "%s: computing MRSIGNER", key_path);
			goto out_free_key;
		}
	}

	cli_hex(mrenclave, sizeof(mrenclave), hex);
	printf("mrenclave: %s\n", hex);
	if (key) {
		cli_hex(mrsigner, sizeof(mrsigner), hex);
		printf("mrsigner: %s\n", hex);
	}

out_free_key:
	if (key)
		crypto_rsa_free(key);
	return ret ? 1 : 0;
}
