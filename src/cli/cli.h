/* SPDX-License-Identifier: MIT */
/*
 * What the `sgxemu` subcommands share: their entry points (called from the
 * table in main.c), the argument and error helpers in args.c and the
 * signing-key helpers in signing_key.c.
 */
#ifndef SGXEMU_CLI_CLI_H
#define SGXEMU_CLI_CLI_H

#include <stddef.h>
#include <stdint.h>

/*
 * Subcommand entry points. argv[0] is the subcommand name; the return value
 * is the process exit status.
 */
int cmd_keygen_main(int argc, char **argv);
int cmd_measure_main(int argc, char **argv);
int cmd_sign_main(int argc, char **argv);
int cmd_info_main(int argc, char **argv);
int cmd_verify_main(int argc, char **argv);
int cmd_policy_main(int argc, char **argv);
int cmd_run_main(int argc, char **argv);

/**
 * cli_error() - print "sgxemu <cmd>: <what>[: <strerror>]" on stderr.
 * @cmd: the subcommand name (argv[0] of the subcommand)
 * @err: an errno value, positive or negative; 0 leaves the strerror part out
 * @fmt: printf format of <what>
 */
void cli_error(const char *cmd, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * cli_parse_size() - parse a byte count: decimal or 0x-hex digits with an
 * optional K, M or G suffix (powers of 1024, either case).
 * @s: the text
 * @out: the value
 *
 * Return: 0, -EINVAL if @s is not such a number, -ERANGE if it does not
 * fit in 64 bits.
 */
int cli_parse_size(const char *s, uint64_t *out) __attribute__((warn_unused_result));

/**
 * cli_parse_u64() - parse an unsigned number no larger than @max: decimal,
 * or hexadecimal with a 0x prefix.
 * @s: the text
 * @max: largest value accepted
 * @out: the value
 *
 * Return: 0, -EINVAL if @s is not a number, -ERANGE if it exceeds @max.
 */
int cli_parse_u64(const char *s, uint64_t max, uint64_t *out)
	__attribute__((warn_unused_result));

/**
 * cli_parse_hex() - parse a hexadecimal number, "0x" prefix optional, no
 * larger than @max (the form SGX masks and attributes are written in).
 *
 * Return: 0, -EINVAL if @s is not a hex number, -ERANGE if it exceeds @max.
 */
int cli_parse_hex(const char *s, uint64_t max, uint64_t *out)
	__attribute__((warn_unused_result));

/**
 * cli_hex() - write @len bytes as lowercase hex, in memory order, to @out
 * (which holds 2 * @len + 1 bytes, NUL included).
 */
void cli_hex(const void *buf, size_t len, char *out);

/**
 * cli_bad_option() - report the option getopt_long() rejected.
 * @cmd: subcommand name
 * @argv: the argument vector given to getopt_long()
 * @c: getopt_long()'s return value, '?' or ':' (optstring starts with ':')
 *
 * Return: the exit status to use (1).
 */
int cli_bad_option(const char *cmd, char **argv, int c);

struct crypto_rsa_key;

/**
 * cli_load_signing_key() - read a PEM private key and check that SIGSTRUCT
 * can carry it (RSA-3072, public exponent 3); reports failures itself.
 * @cmd: subcommand name, for messages
 * @path: the PEM file
 * @out: the key; crypto_rsa_free() it
 *
 * Return: 0, -EINVAL for a key of the wrong shape, or crypto_rsa_load_pem()'s error.
 */
int cli_load_signing_key(const char *cmd, const char *path, struct crypto_rsa_key **out)
	__attribute__((warn_unused_result));

/**
 * cli_key_mrsigner() - MRSIGNER of @key: SHA-256 of its modulus as SIGSTRUCT
 * stores it (384 bytes, little endian).
 * Return: 0 or the crypto error.
 */
int cli_key_mrsigner(const struct crypto_rsa_key *key, uint8_t mrsigner[32])
	__attribute__((warn_unused_result));

#endif /* SGXEMU_CLI_CLI_H */
