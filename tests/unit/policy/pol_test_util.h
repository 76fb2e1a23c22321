/* SPDX-License-Identifier: MIT */
/*
 * Shared by the policy/ tests: policies from text, real source mappings of
 * every kind the page_load hook tells apart, the test key's MRSIGNER, and
 * the audit log's JSON lines read back.
 */
#ifndef SGXEMU_TESTS_POL_TEST_UTIL_H
#define SGXEMU_TESTS_POL_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drv_test_util.h"
#include "policy.h"

/* A policy from printf-style text; fails the test if it does not load. */
struct policy *polt_load(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

enum polt_src {
	POLT_ANON_RW,           /* MAP_PRIVATE|MAP_ANONYMOUS, read-write */
	POLT_ANON_RO,           /* the same, mprotected read-only */
	POLT_SHARED_ANON_RO,    /* MAP_SHARED|MAP_ANONYMOUS, read-only */
	POLT_MEMFD_RO,          /* a memfd mapped read-only */
	POLT_FILE_RO,           /* a real file (mode 0600) mapped MAP_PRIVATE read-only */
	POLT_FILE_RW,           /* the same file kind mapped MAP_PRIVATE read-write */
	POLT_FILE_NOEXEC,       /* a file on a noexec mount, read-only */
	POLT_NR_SRC
};

extern const char *const polt_src_names[POLT_NR_SRC];

/*
 * @npages of source of kind @kind, page i filled with @fill + i; NULL (and
 * a message) only for POLT_FILE_NOEXEC where no noexec mount can be had.
 * Free with polt_src_free().
 */
void *polt_src(enum polt_src kind, uint64_t npages, uint8_t fill);
void polt_src_free(void *p, uint64_t npages);

/*
 * A directory on a noexec mount: a private tmpfs mounted noexec
 * (drvt_noexec_dir()), else a writable noexec mount from
 * /proc/self/mountinfo; NULL if there is none.
 */
const char *polt_noexec_dir(void);

/* MRSIGNER of the test signing key (hwt_key()), as hex and as bytes. */
void polt_test_mrsigner(uint8_t out[32], char hex[65]);

/* ---- JSON lines ----------------------------------------------------------- */

#define POLT_JSON_MAX_FIELDS 48

/* One flat JSON object: values as text (strings unescaped, others verbatim). */
struct polt_json {
	unsigned int n;
	struct {
		char key[32];
		char val[1100];
		bool is_string;
	} f[POLT_JSON_MAX_FIELDS];
};

/* Parse one line holding one flat JSON object. Return: true if it is one. */
bool polt_json_parse(const char *line, struct polt_json *out);
/* The value of @key (NULL if absent); *@is_string (optional) says which kind. */
const char *polt_json_get(const struct polt_json *j, const char *key, bool *is_string);
/* Assert that @key is the string @val. */
void polt_json_str(const struct polt_json *j, const char *key, const char *val);
/* Assert that @key is the literal @val: null, true, false or a number. */
void polt_json_lit(const struct polt_json *j, const char *key, const char *val);

/* Read the lines of @path into @out (at most @max); Return: how many. */
unsigned int polt_read_lines(const char *path, char **out, unsigned int max);

#endif /* SGXEMU_TESTS_POL_TEST_UTIL_H */
