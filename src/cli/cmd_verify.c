// SPDX-License-Identifier: MIT
/*
 * sgxemu verify: build an enclave image on an emulated CPU - ECREATE, EADD
 * and EEXTEND page by page, then EINIT with the given SIGSTRUCT under
 * flexible launch control, as Linux does it - and report what EINIT says.
 * Answers "would this SIGSTRUCT launch this enclave?" without SGX hardware.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "crypto.h"
#include "enclave_elf.h"
#include "encls.h"
#include "platform.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: sgxemu verify --sigstruct FILE [--heap SIZE] [--ssa-frame-size N]\n"
		"                     ENCLAVE.elf\n\n"
		"Build ENCLAVE.elf on an emulated SGX CPU (ECREATE, EADD, EEXTEND) with the\n"
		"SECS the SIGSTRUCT asks for, run EINIT with it and report the result.\n"
		"Exits 0 when EINIT succeeds.\n");
}

static int read_sigstruct(const char *path, struct sgx_sigstruct *sig)
{
	ssize_t n;
	char extra;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, sig, sizeof(*sig));
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != sizeof(*sig) || read(fd, &extra, 1) != 0)
		ret = -EINVAL;          /* not exactly 1808 bytes */
	close(fd);
	return ret;
}

/* The platform as `sgxemu run` would bring it up, with room for the image. */
static int platform_for(const struct enclave_elf *e, struct hw_platform **hw, char *err,
			size_t len)
{
	struct hw_config cfg;
	uint64_t pages = 2;     /* SECS + slack */
	unsigned int i;
	int ret;

	ret = hw_config_from_env(&cfg, err, len);
	if (ret)
		return ret;
	for (i = 0; i < e->nr_segs; i++)
		pages += e->segs[i].size / SGX_PAGE_SIZE;
	if (cfg.epc_size < pages * SGX_PAGE_SIZE)
		cfg.epc_size = pages * SGX_PAGE_SIZE;
	ret = hw_platform_create(&cfg, hw);
	if (ret)
		snprintf(err, len, "bringing up the emulated platform");
	return ret;
}

/* ECREATE, then EADD (+ EEXTEND) every page in image order. */
static unsigned int build(struct hw_platform *hw, const struct enclave_elf *e,
			  const struct sgx_sigstruct *sig, uint32_t ssa_frame_size, void **secs_out,
			  const char **what)
{
	static struct sgx_secs secs;
	static struct sgx_secinfo secinfo;
	/* EADD reads a page-aligned source, like the kernel's copy of the user page. */
	static uint8_t page[SGX_PAGE_SIZE] __attribute__((aligned(SGX_PAGE_SIZE)));
	struct sgx_pageinfo pginfo = { 0 };
	uint64_t next = 0, base = e->encl_size;  /* any naturally aligned base */
	unsigned int i, ret;
	void *secs_epc;

	memset(&secs, 0, sizeof(secs));
	secs.base = base;
	secs.size = e->encl_size;
	secs.ssa_frame_size = ssa_frame_size;
	secs.attributes = sig->body.attributes & ~SGX_ATTR_INIT;
	secs.xfrm = sig->body.xfrm;
	secs.miscselect = sig->body.miscselect;
	memset(&secinfo, 0, sizeof(secinfo));
	pginfo.contents = (uintptr_t)&secs;
	pginfo.metadata = (uintptr_t)&secinfo;
	secs_epc = hw_epc_page(hw, next++);
	*what = "ECREATE";
	ret = encls_ecreate(hw, &pginfo, secs_epc);
	if (ret)
		return ret;
	*secs_out = secs_epc;

	for (i = 0; i < e->nr_segs; i++) {
		const struct enclave_segment *s = &e->segs[i];
		uint64_t off;

		for (off = 0; off < s->size; off += SGX_PAGE_SIZE) {
			void *epc = hw_epc_page(hw, next++);
			unsigned int c;

			secinfo.flags = s->secinfo_flags;
			pginfo.addr = base + s->offset + off;
			memcpy(page, s->src + off, sizeof(page));
			pginfo.contents = (uintptr_t)page;
			pginfo.secs = (uintptr_t)secs_epc;
			*what = "EADD";
			ret = encls_eadd(hw, &pginfo, epc);
			if (ret)
				return ret;
			*what = "EEXTEND";
			for (c = 0; s->measured && c < SGX_PAGE_SIZE; c += 256) {
				ret = encls_eextend(hw, secs_epc, (uint8_t *)epc + c);
				if (ret)
					return ret;
			}
		}
	}
	return 0;
}

static const char *einit_hint(unsigned int ret)
{
	switch (ret) {
	case SGX_INVALID_SIG_STRUCT:
		return "the SIGSTRUCT header or vendor field is not valid";
	case SGX_INVALID_SIGNATURE:
		return "the RSA signature (or Q1/Q2, or the exponent) does not verify";
	case SGX_INVALID_MEASUREMENT:
		return "the enclave's MRENCLAVE differs from SIGSTRUCT.ENCLAVEHASH";
	case SGX_INVALID_ATTRIBUTE:
		return "the enclave's attributes or MISCSELECT do not match the SIGSTRUCT under its masks";
	case SGX_INVALID_EINITTOKEN:
		return "launch control refused the signer";
	default:
		return "see the SDM's EINIT error codes";
	}
}

int cmd_verify_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "sigstruct", required_argument, NULL, 's' },
		{ "heap", required_argument, NULL, 'H' },
		{ "ssa-frame-size", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct sgx_sigstruct sig __attribute__((aligned(4096)));
	static struct sgx_einittoken token;
	const char *sig_path = NULL, *what = "";
	struct enclave_elf e;
	struct hw_platform *hw;
	uint64_t heap = 0, ssa = 1, v;
	char err[ENCLAVE_ELF_ERR_LEN + 96], hex[65];
	uint8_t mrsigner[32];
	void *secs = NULL;
	unsigned int i, ret;
	int c, rc;

	while ((c = getopt_long(argc, argv, "+s:H:S:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			sig_path = optarg;
			break;
		case 'H':
			if (cli_parse_size(optarg, &heap) || heap % SGX_PAGE_SIZE) {
				cli_error("verify", EINVAL, "--heap '%s': expected a multiple of 4K", optarg);
				return 1;
			}
			break;
		case 'S':
			if (cli_parse_u64(optarg, UINT32_MAX, &ssa) || !ssa) {
				cli_error("verify", EINVAL, "--ssa-frame-size '%s'", optarg);
				return 1;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_bad_option("verify", argv, c);
		}
	}
	if (!sig_path || optind + 1 != argc) {
		usage(stderr);
		return 1;
	}

	rc = read_sigstruct(sig_path, &sig);
	if (rc) {
		cli_error("verify", rc, "%s%s", sig_path,
			  rc == -EINVAL ? ": not a 1808-byte SIGSTRUCT" : "");
		return 1;
	}
	rc = enclave_elf_load(argv[optind], heap, &e, err, sizeof(err));
	if (rc) {
		cli_error("verify", 0, "%s: %s", argv[optind], err);
		return 1;
	}
	rc = platform_for(&e, &hw, err, sizeof(err));
	if (rc) {
		cli_error("verify", rc, "%s", err);
		enclave_elf_free(&e);
		return 1;
	}

	ret = build(hw, &e, &sig, (uint32_t)ssa, &secs, &what);
	if (!ret) {
		/* Flexible launch control: point the MSRs at the signer, as Linux does. */
		what = "EINIT";
		if (crypto_sha256(sig.modulus, sizeof(sig.modulus), mrsigner)) {
			cli_error("verify", EIO, "SHA-256");
			rc = 1;
			goto out;
		}
		for (i = 0; i < 4; i++) {
			memcpy(&v, mrsigner + 8 * i, 8);
			hw_wrmsr(hw, MSR_IA32_SGXLEPUBKEYHASH0 + i, v);
		}
		ret = encls_einit(hw, &sig, &token, secs);
	}
	if (ret) {
		printf("%s: %s (%s)\n", what, hw_sgx_error_name(ret),
		       !strcmp(what, "EINIT") ? einit_hint(ret) : "the SECS or a page was refused");
		rc = 1;
		goto out;
	}
	cli_hex(sig.body.mrenclave, 32, hex);
	printf("EINIT: success\n  mrenclave: %s\n", hex);
	cli_hex(mrsigner, 32, hex);
	printf("  mrsigner:  %s\n", hex);
	printf("  %u segment(s), enclave size 0x%llx\n", e.nr_segs,
	       (unsigned long long)e.encl_size);
	rc = 0;
out:
	hw_platform_destroy(hw);
	enclave_elf_free(&e);
	return rc;
}
