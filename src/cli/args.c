// SPDX-License-Identifier: MIT
/*
 * Argument parsing and error reporting shared by the subcommands. Numbers are
 * parsed strictly by hw/config.c's parsers.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"

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

int cli_parse_size(const char *s, uint64_t *out)
{
	return hw_parse_size(s, out);
}

int cli_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	const char *end;
	uint64_t v;
	int ret;

	ret = hw_parse_number(s, &v, &end);
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
	ret = hw_parse_digits(s, 16, &v, &end);
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
