// SPDX-License-Identifier: MIT
/*
 * Argument parsing and error reporting shared by the subcommands. Numbers are
 * parsed strictly: no sign, no leading blanks, no trailing garbage, no silent
 * wrap-around (strtoull alone accepts "-1" and " 12").
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_error(const char *cmd, int err, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sgxemu %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (err)
		fprintf(stderr, ": %s", strerror(err < 0 ? -err : err));
	fputc('\n', stderr);
}

/*
 * Digits in @base up to the first non-digit. *@end points after them.
 * Return: 0, -EINVAL (no digits), -ERANGE (more than 64 bits).
 */
static int parse_digits(const char *s, int base, uint64_t *out, const char **end)
{
	unsigned long long v;
	char *e;

	if (!isxdigit((unsigned char)s[0]))
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

/* Number with optional 0x prefix; *@end after the digits. */
static int parse_number(const char *s, uint64_t *out, const char **end)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return parse_digits(s + 2, 16, out, end);
	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	return parse_digits(s, 10, out, end);
}

int cli_parse_size(const char *s, uint64_t *out)
{
	unsigned int shift = 0;
	const char *end;
	uint64_t v;
	int ret;

	ret = parse_number(s, &v, &end);
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

int cli_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	const char *end;
	uint64_t v;
	int ret;

	ret = parse_number(s, &v, &end);
	if (ret)
		return ret;
	if (*end)
		return -EINVAL;
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int cli_parse_hex(const char *s, uint64_t max, uint64_t *out)
{
	const char *end;
	uint64_t v;
	int ret;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	ret = parse_digits(s, 16, &v, &end);
	if (ret)
		return ret;
	if (*end)
		return -EINVAL;
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

void cli_hex(const void *buf, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * len] = '\0';
}

int cli_bad_option(const char *cmd, char **argv, int c)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";

	if (c == ':')
		cli_error(cmd, EINVAL, "option '%s' needs an argument", arg);
	else if (optopt && optopt < 0x80 && isprint(optopt) && arg[0] == '-' && arg[1] != '-')
		cli_error(cmd, EINVAL, "unknown option '-%c'", optopt);
	else
		cli_error(cmd, EINVAL, "unknown option '%s'", arg);
	return 1;
}
