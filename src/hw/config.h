/* SPDX-License-Identifier: MIT */
/*
 * Platform configuration from the environment, and the number parsers the
 * layers above share.
 */
#ifndef SGXEMU_HW_CONFIG_H
#define SGXEMU_HW_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "platform.h"

/* Environment variables `sgxemu run` sets and the platform reads. */
#define SGXEMU_ENV_EPC_SIZE     "SGXEMU_EPC_SIZE"       /* bytes, K/M/G suffixes */
#define SGXEMU_ENV_EPC_SECTIONS "SGXEMU_EPC_SECTIONS"   /* 1..8 */
#define SGXEMU_ENV_SGX1         "SGXEMU_SGX1"           /* 1: no SGX2 leaves */
#define SGXEMU_ENV_FLC_LOCKED   "SGXEMU_FLC_LOCKED"     /* 1: LEPUBKEYHASH read-only */
#define SGXEMU_ENV_KEY_FILE     "SGXEMU_KEY_FILE"       /* root key file */

/**
 * hw_config_from_env() - hw_config_default() adjusted by the SGXEMU_*
 * environment variables.
 * Return: 0, or -EINVAL with a message naming the variable in @err.
 */
int hw_config_from_env(struct hw_config *cfg, char *err, size_t len)
	__attribute__((warn_unused_result));

/**
 * hw_key_file_path() - where the root key file lives when the configuration
 * names none: $SGXEMU_KEY_FILE, else $XDG_DATA_HOME/sgxemu/platform.key,
 * else ~/.local/share/sgxemu/platform.key.
 * Return: 0, -ENOENT (no HOME either), -ENAMETOOLONG.
 */
int hw_key_file_path(char *buf, size_t len) __attribute__((warn_unused_result));

/**
 * hw_parse_digits() - digits in @base (10 or 16) up to the first non-digit;
 * *@end points after them.
 * Return: 0, -EINVAL (no digits), -ERANGE (more than 64 bits).
 */
int hw_parse_digits(const char *s, int base, uint64_t *out, const char **end)
	__attribute__((warn_unused_result));

/** hw_parse_number() - decimal, or hex with a 0x prefix; *@end after the digits. */
int hw_parse_number(const char *s, uint64_t *out, const char **end)
	__attribute__((warn_unused_result));

/**
 * hw_parse_size() - a number with an optional K/M/G suffix (powers of 1024).
 * Return: 0, -EINVAL, -ERANGE.
 */
int hw_parse_size(const char *s, uint64_t *out) __attribute__((warn_unused_result));

#endif /* SGXEMU_HW_CONFIG_H */
