// SPDX-License-Identifier: MIT
/*
 * sgxemu sign: measure an enclave image (selftest loader layout) and write
 * its SIGSTRUCT (SDM 38.13). Defaults reproduce the Linux selftest's
 * encl_measure(): ATTRIBUTES = MODE64BIT, XFRM = 3, masks, MISCSELECT,
 * ISVPRODID, ISVSVN, VENDOR and DATE all 0, SSAFRAMESIZE 1, so that with
 * the selftest's key and heap the output matches its SIGSTRUCT byte for byte
 * (PKCS#1 v1.5 signatures are deterministic).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "crypto.h"
#include "enclave_elf.h"
#include "sigstruct.h"

struct sign_opts {
	const char *key_path;
	const char *out_path;
	uint64_t heap;
	uint64_t ssa_frame_size;
	uint64_t attributes, attributes_mask;
	uint64_t xfrm, xfrm_mask;
	uint64_t miscselect, misc_mask;
	uint64_t isvprodid, isvsvn;
	uint32_t vendor;
	uint32_t date;
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: sgxemu sign --key KEY.pem [options] -o SIGSTRUCT.bin ENCLAVE.elf\n\n"
		"Measure ENCLAVE.elf (Linux SGX selftest loader layout) and write its\n"
		"1808-byte SIGSTRUCT signed with KEY.pem (RSA-3072, e = 3).\n\n"
		"  --heap SIZE             unmeasured heap (K/M/G, page multiple; default 0)\n"
		"  --ssa-frame-size N      SECS.SSAFRAMESIZE in pages (default 1)\n"
		"  --attributes HEX        ATTRIBUTES (default 0x4, MODE64BIT)\n"
		"  --attributes-mask HEX   ATTRIBUTEMASK (default 0)\n"
		"  --xfrm HEX              ATTRIBUTES.XFRM (default 0x3)\n"
		"  --xfrm-mask HEX         XFRM mask (default 0)\n"
		"  --miscselect HEX        MISCSELECT (default 0)\n"
		"  --misc-mask HEX         MISCMASK (default 0)\n"
		"  --isvprodid N           ISVPRODID, 0-65535 (default 0)\n"
		"  --isvsvn N              ISVSVN, 0-65535 (default 0)\n"
		"  --vendor intel|0        VENDOR 0x8086 or 0 (default 0)\n"
		"  --date YYYYMMDD         DATE, stored as BCD (default 0)\n");
}

/* YYYYMMDD → BCD 0xYYYYMMDD, the digits read as hex. Return: 0 or -EINVAL. */
static int parse_date(const char *s, uint32_t *out)
{
	unsigned int month, day;
	uint32_t v = 0;
	int i;

	for (i = 0; i < 8; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v << 4 | (uint32_t)(s[i] - '0');
	}
	if (s[8])
		return -EINVAL;
	month = (s[4] - '0') * 10 + (s[5] - '0');
	day = (s[6] - '0') * 10 + (s[7] - '0');
	if (month < 1 || month > 12 || day < 1 || day > 31)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_vendor(const char *s, uint32_t *out)
{
	if (!strcmp(s, "intel") || !strcmp(s, "0x8086")) {
		*out = SGX_SIGSTRUCT_VENDOR_INTEL;
		return 0;
	}
	if (!strcmp(s, "0")) {
		*out = 0;
		return 0;
	}
	return -EINVAL;
}

/* Return: 0, or 1 after reporting the bad option value. */
static int parse_option(const char *cmd, int c, const char *arg, struct sign_opts *o)
{
	const char *what = NULL;
	int ret = 0;

	switch (c) {
	case 'k':
		o->key_path = arg;
		return 0;
	case 'o':
		o->out_path = arg;
		return 0;
	case 'H':
		ret = cli_parse_size(arg, &o->heap);
		if (!ret && o->heap % 4096)
			ret = -EINVAL;
		what = "--heap: expected a multiple of 4096 such as 4096, 64K or 1M";
		break;
	case 'S':
		ret = cli_parse_u64(arg, UINT32_MAX, &o->ssa_frame_size);
		if (!ret && !o->ssa_frame_size)
			ret = -EINVAL;
		what = "--ssa-frame-size: expected 1 to 4294967295 pages";
		break;
	case 'a':
		ret = cli_parse_hex(arg, UINT64_MAX, &o->attributes);
		what = "--attributes: expected a 64-bit hex number";
		break;
	case 'A':
		ret = cli_parse_hex(arg, UINT64_MAX, &o->attributes_mask);
		what = "--attributes-mask: expected a 64-bit hex number";
		break;
	case 'x':
		ret = cli_parse_hex(arg, UINT64_MAX, &o->xfrm);
		what = "--xfrm: expected a 64-bit hex number";
		break;
	case 'X':
		ret = cli_parse_hex(arg, UINT64_MAX, &o->xfrm_mask);
		what = "--xfrm-mask: expected a 64-bit hex number";
		break;
	case 'm':
		ret = cli_parse_hex(arg, UINT32_MAX, &o->miscselect);
		what = "--miscselect: expected a 32-bit hex number";
		break;
	case 'M':
		ret = cli_parse_hex(arg, UINT32_MAX, &o->misc_mask);
		what = "--misc-mask: expected a 32-bit hex number";
		break;
	case 'p':
		ret = cli_parse_u64(arg, UINT16_MAX, &o->isvprodid);
		what = "--isvprodid: expected 0 to 65535";
		break;
	case 's':
		ret = cli_parse_u64(arg, UINT16_MAX, &o->isvsvn);
		what = "--isvsvn: expected 0 to 65535";
		break;
	case 'v':
		ret = parse_vendor(arg, &o->vendor);
		what = "--vendor: expected 'intel' or '0'";
		break;
	case 'd':
		ret = parse_date(arg, &o->date);
		what = "--date: expected YYYYMMDD";
		break;
	}
	if (ret) {
		cli_error(cmd, ret, "%s, got '%s'", what, arg);
		return 1;
	}
	return 0;
}

static void fill_sigstruct(struct sgx_sigstruct *s, const struct sign_opts *o,
			   const uint8_t mrenclave[32])
{
	sigstruct_init(s);
	s->header.vendor = o->vendor;
	s->header.date = o->date;
	s->body.miscselect = (uint32_t)o->miscselect;
	s->body.misc_mask = (uint32_t)o->misc_mask;
	s->body.attributes = o->attributes;
	s->body.attributes_mask = o->attributes_mask;
	s->body.xfrm = o->xfrm;
	s->body.xfrm_mask = o->xfrm_mask;
	memcpy(s->body.mrenclave, mrenclave, sizeof(s->body.mrenclave));
	s->body.isvprodid = (uint16_t)o->isvprodid;
	s->body.isvsvn = (uint16_t)o->isvsvn;
}

/* Write @len bytes to a new or truncated @path; nothing is left on failure. */
static int write_file(const char *path, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) && !ret)
		ret = -errno;
	if (ret)
		unlink(path);
	return ret;
}

int cmd_sign_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key",             required_argument, NULL, 'k' },
		{ "output",          required_argument, NULL, 'o' },
		{ "heap",            required_argument, NULL, 'H' },
		{ "ssa-frame-size",  required_argument, NULL, 'S' },
		{ "attributes",      required_argument, NULL, 'a' },
		{ "attributes-mask", required_argument, NULL, 'A' },
		{ "xfrm",            required_argument, NULL, 'x' },
		{ "xfrm-mask",       required_argument, NULL, 'X' },
		{ "miscselect",      required_argument, NULL, 'm' },
		{ "misc-mask",       required_argument, NULL, 'M' },
		{ "isvprodid",       required_argument, NULL, 'p' },
		{ "isvsvn",          required_argument, NULL, 's' },
		{ "vendor",          required_argument, NULL, 'v' },
		{ "date",            required_argument, NULL, 'd' },
		{ "help",            no_argument,       NULL, 'h' },
		{ 0 }
	};
	struct sign_opts o = {
		.ssa_frame_size = 1,
		.attributes = SGX_ATTR_MODE64BIT,
		.xfrm = SGX_XFRM_LEGACY,
	};
	char hex[2 * CRYPTO_SHA256_LEN + 1], err[ENCLAVE_ELF_ERR_LEN];
	const char *cmd = argv[0], *path;
	uint8_t mrenclave[32], mrsigner[32];
	struct crypto_rsa_key *key;
	struct sgx_sigstruct s;
	struct enclave_elf e;
	unsigned int sgx_ret;
	int c, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":k:o:h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		if (c == '?' || c == ':')
			return cli_bad_option(cmd, argv, c);
		if (parse_option(cmd, c, optarg, &o))
			return 1;
	}
	if (optind == argc) {
		usage(stderr);
		return 1;
	}
	if (optind + 1 < argc) {
		cli_error(cmd, EINVAL, "unexpected argument '%s'", argv[optind + 1]);
		return 1;
	}
	if (!o.key_path || !o.out_path) {
		cli_error(cmd, EINVAL, "%s is required",
			  !o.key_path ? "--key KEY.pem" : "-o SIGSTRUCT.bin");
		return 1;
	}
	path = argv[optind];

	if (cli_load_signing_key(cmd, o.key_path, &key))
		return 1;

	ret = enclave_elf_load(path, o.heap, &e, err, sizeof(err));
	if (ret) {
		cli_error(cmd, ret, "%s: %s", path, err);
		goto out_free_key;
	}
	ret = enclave_elf_measure(&e, (uint32_t)o.ssa_frame_size, mrenclave);
	enclave_elf_free(&e);
	if (ret) {
		cli_error(cmd, ret, "%s: measuring", path);
		goto out_free_key;
	}

	fill_sigstruct(&s, &o, mrenclave);
	ret = sigstruct_sign(&s, key);
	if (ret) {
		cli_error(cmd, ret, "signing with %s", o.key_path);
		goto out_free_key;
	}
	/* What EINIT will check; a failure here is a bug in sgxemu. */
	sgx_ret = sigstruct_verify(&s, mrsigner);
	if (sgx_ret) {
		cli_error(cmd, EIO, "internal error: the new SIGSTRUCT fails verification (SGX error %u)",
			  sgx_ret);
		ret = -EIO;
		goto out_free_key;
	}
	ret = write_file(o.out_path, &s, sizeof(s));
	if (ret) {
		cli_error(cmd, ret, "%s", o.out_path);
		goto out_free_key;
	}

	cli_hex(mrenclave, sizeof(mrenclave), hex);
	printf("mrenclave: %s\n", hex);
	cli_hex(mrsigner, sizeof(mrsigner), hex);
	printf("mrsigner: %s\n", hex);

out_free_key:
	crypto_rsa_free(key);
	return ret ? 1 : 0;
}
