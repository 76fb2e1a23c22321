// SPDX-License-Identifier: MIT
/*
 * sgxemu info: the emulated platform as a program under `sgxemu run` would
 * see it - CPUID leaf 0x12 decoded, EPC sections, launch control, and where
 * the root key lives. The configuration comes from the same SGXEMU_*
 * environment variables `sgxemu run` sets.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "platform.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: sgxemu info\n\n"
		"Show the emulated SGX platform: CPUID leaf 0x12, EPC sections, launch\n"
		"control and the root key file. Reads the SGXEMU_* environment variables\n"
		"(%s, %s, %s, %s, %s).\n",
		SGXEMU_ENV_EPC_SIZE, SGXEMU_ENV_EPC_SECTIONS, SGXEMU_ENV_SGX1,
		SGXEMU_ENV_FLC_LOCKED, SGXEMU_ENV_KEY_FILE);
}

static void print_size(uint64_t bytes)
{
	if (bytes % (1ull << 30) == 0)
		printf("%llu GiB", (unsigned long long)(bytes >> 30));
	else if (bytes % (1ull << 20) == 0)
		printf("%llu MiB", (unsigned long long)(bytes >> 20));
	else
		printf("%llu KiB", (unsigned long long)(bytes >> 10));
}

static void print_bits(uint64_t v, const char *const *names, unsigned int n)
{
	const char *sep = "";
	unsigned int i;

	for (i = 0; i < n; i++) {
		if ((v & (1ull << i)) && names[i]) {
			printf("%s%s", sep, names[i]);
			sep = " ";
		}
	}
}

int cmd_info_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const attr_names[] = {
		"INIT", "DEBUG", "MODE64BIT", NULL, "PROVISIONKEY", "EINITTOKENKEY", "CET",
		"KSS", NULL, NULL, "AEXNOTIFY",
	};
	static const char *const xfrm_names[] = {
		"x87", "SSE", "AVX", "BNDREGS", "BNDCSR", "opmask", "ZMM_Hi256", "Hi16_ZMM",
		NULL, "PKRU",
	};
	struct hw_platform *hw;
	struct hw_cpuid_regs r;
	struct hw_config cfg;
	char err[256], keypath[PATH_MAX];
	uint64_t base, size;
	unsigned int i;
	int c, ret;

	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_bad_option("info", argv, c);
		}
	}
	if (optind != argc) {
		cli_error("info", EINVAL, "unexpected argument '%s'", argv[optind]);
		return 1;
	}

	ret = hw_config_from_env(&cfg, err, sizeof(err));
	if (ret) {
		cli_error("info", 0, "%s", err);
		return 1;
	}
	ret = hw_key_file_path(keypath, sizeof(keypath));
	if (ret) {
		cli_error("info", ret, "root key file");
		return 1;
	}
	ret = hw_platform_create(&cfg, &hw);
	if (ret) {
		cli_error("info", ret, "bringing up the platform (root key file %s)", keypath);
		return 1;
	}

	printf("sgxemu %s: emulated Intel SGX platform\n\n", SGXEMU_VERSION);
	hw_cpuid_sgx(hw, 0, &r);
	printf("CPUID.(EAX=12H,ECX=0)  eax=%08x ebx=%08x ecx=%08x edx=%08x\n",
	       r.eax, r.ebx, r.ecx, r.edx);
	printf("  SGX1 %s, SGX2 %s, EDECCSSA (AEX-Notify) %s\n",
	       r.eax & 1 ? "yes" : "no", r.eax & 2 ? "yes" : "no",
	       r.eax & (1u << 11) ? "yes" : "no");
	printf("  MISCSELECT supported: 0x%08x%s\n", r.ebx, r.ebx & 1 ? " (EXINFO)" : "");
	printf("  max enclave size: 2^%u bytes (64-bit), 2^%u (32-bit)\n",
	       (r.edx >> 8) & 0xff, r.edx & 0xff);

	hw_cpuid_sgx(hw, 1, &r);
	printf("CPUID.(EAX=12H,ECX=1)  eax=%08x ebx=%08x ecx=%08x edx=%08x\n",
	       r.eax, r.ebx, r.ecx, r.edx);
	printf("  ATTRIBUTES allowed: 0x%016llx (",
	       (unsigned long long)(((uint64_t)r.ebx << 32) | r.eax));
	print_bits(((uint64_t)r.ebx << 32) | r.eax, attr_names, 11);
	printf(")\n  XFRM allowed:       0x%016llx (",
	       (unsigned long long)(((uint64_t)r.edx << 32) | r.ecx));
	print_bits(((uint64_t)r.edx << 32) | r.ecx, xfrm_names, 10);
	printf(")\n");

	for (i = 0; hw_epc_section(hw, i, &base, &size) == 0; i++) {
		hw_cpuid_sgx(hw, 2 + i, &r);
		printf("CPUID.(EAX=12H,ECX=%u)  eax=%08x ebx=%08x ecx=%08x edx=%08x\n",
		       2 + i, r.eax, r.ebx, r.ecx, r.edx);
		printf("  EPC section %u: base 0x%llx, ", i, (unsigned long long)base);
		print_size(size);
		printf(" (%llu pages)\n", (unsigned long long)(size / 4096));
	}

	printf("\nLaunch control: flexible, IA32_SGXLEPUBKEYHASH0..3 %s\n",
	       cfg.flc_locked ? "locked (read-only)" : "writable (as Linux expects)");
	printf("Root key file: %s\n", keypath);
	hw_platform_destroy(hw);
	return 0;
}
