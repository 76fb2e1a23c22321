// SPDX-License-Identifier: MIT
/*
 * Platform configuration from the environment (what `sgxemu run` options
 * turn into) and the strict number parsers every layer above shares: no
 * sign, no blanks, no trailing garbage, no silent wrap-around (strtoull
 * alone accepts "-1" and " 12").
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int hw_parse_digits(const char *s, int base, uint64_t *out, const char **end)
{
	unsigned long long v;
	char *e;

	if (base == 16 ? !isxdigit((unsigned char)s[0]) : !isdigit((unsigned char)s[0]))
		return -EINVAL;
	/* strtoull(.., 16) would take a second "0x" prefix ("0x0x12"). */
	if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &e, base);
	if (e == s)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	*out = v;
	*end = e;
	return 0;
}

int hw_parse_number(const char *s, uint64_t *out, const char **end)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return hw_parse_digits(s + 2, 16, out, end);
	return hw_parse_digits(s, 10, out, end);
}

int hw_parse_size(const char *s, uint64_t *out)
{
	unsigned int shift = 0;
	const char *end;
	uint64_t v;
	int ret;

	ret = hw_parse_number(s, &v, &end);
	if (ret)
		return ret;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		shift = 10;
		end++;
		break;
	case 'm': case 'M':
		shift = 20;
		end++;
		break;
	case 'g': case 'G':
		shift = 30;
		end++;
		break;
	default:
		return -EINVAL;
	}
	if (*end)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

static int env_bool(const char *name, bool *out, char *err, size_t len)
{
	const char *v = getenv(name);

	if (!v || !*v)
		return 0;
	if (!strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "true")) {
		*out = true;
		return 0;
	}
	if (!strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "false")) {
		*out = false;
		return 0;
	}
	snprintf(err, len, "%s=%s: expected 1 or 0", name, v);
	return -EINVAL;
}

int hw_key_file_path(char *buf, size_t len)
{
	const char *env = getenv(SGXEMU_ENV_KEY_FILE);
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	int n;

	if (env && *env)
		n = snprintf(buf, len, "%s", env);
	else if (xdg && *xdg)
		n = snprintf(buf, len, "%s/sgxemu/platform.key", xdg);
	else if (home && *home)
		n = snprintf(buf, len, "%s/.local/share/sgxemu/platform.key", home);
	else
		return -ENOENT;
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int hw_config_from_env(struct hw_config *cfg, char *err, size_t len)
{
	const char *v;
	uint64_t n;
	bool sgx1 = false;
	int ret;

	hw_config_default(cfg);

	v = getenv(SGXEMU_ENV_EPC_SIZE);
	if (v && *v) {
		ret = hw_parse_size(v, &n);
		if (ret || n < SGX_PAGE_SIZE || n % SGX_PAGE_SIZE || n > (1ull << 44)) {
			snprintf(err, len, "%s=%s: expected a multiple of 4K between 4K and 16T "
				 "(K/M/G suffixes allowed)", SGXEMU_ENV_EPC_SIZE, v);
			return -EINVAL;
		}
		cfg->epc_size = n;
	}
	v = getenv(SGXEMU_ENV_EPC_SECTIONS);
	if (v && *v) {
		const char *end;

		ret = hw_parse_number(v, &n, &end);
		if (ret || *end || n < 1 || n > HW_MAX_EPC_SECTIONS ||
		    n > cfg->epc_size / SGX_PAGE_SIZE) {
			snprintf(err, len, "%s=%s: expected 1 to %d sections of at least one page",
				 SGXEMU_ENV_EPC_SECTIONS, v, HW_MAX_EPC_SECTIONS);
			return -EINVAL;
		}
		cfg->epc_sections = (unsigned int)n;
	}
	ret = env_bool(SGXEMU_ENV_SGX1, &sgx1, err, len);
	if (ret)
		return ret;
	cfg->sgx2 = !sgx1;
	ret = env_bool(SGXEMU_ENV_FLC_LOCKED, &cfg->flc_locked, err, len);
	if (ret)
		return ret;
	/* SGXEMU_KEY_FILE is read where the key file is opened (keys.c). */
	return 0;
}
