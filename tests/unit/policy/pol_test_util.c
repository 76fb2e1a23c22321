// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "crypto.h"
#include "pol_test_util.h"
#include "sigstruct.h"

struct policy *polt_load(const char *fmt, ...)
{
	struct policy *p = NULL;
	char text[8192], err[512];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ret = policy_load_buffer("test", text, strlen(text), 0, &p, err, sizeof(err));
	if (ret)
		fail_msg("policy did not load (%d): %s\n%s", ret, err, text);
	return p;
}

const char *const polt_src_names[POLT_NR_SRC] = {
	[POLT_ANON_RW] = "anonymous rw",
	[POLT_ANON_RO] = "anonymous r",
	[POLT_SHARED_ANON_RO] = "shared anonymous r",
	[POLT_MEMFD_RO] = "memfd r",
	[POLT_FILE_RO] = "file r",
	[POLT_FILE_RW] = "file rw (private)",
	[POLT_FILE_NOEXEC] = "file on a noexec mount",
};

static char noexec_found[256];

/* A mount from mountinfo with "noexec" among its options where we can write. */
static const char *mountinfo_noexec(void)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return NULL;
	while (getline(&line, &cap, f) > 0) {
		char *save = NULL, *tok, *mnt = NULL, *opts = NULL, probe[300];
		int field = 0, fd;

		for (tok = strtok_r(line, " ", &save); tok && field < 6;
		     tok = strtok_r(NULL, " ", &save), field++) {
			if (field == 4)
				mnt = tok;
			if (field == 5)
				opts = tok;
		}
		if (!mnt || !opts || !strstr(opts, "noexec") || strchr(mnt, '\\'))
			continue;
		snprintf(probe, sizeof(probe), "%s/sgxemu-probe-XXXXXX", mnt);
		fd = mkstemp(probe);
		if (fd < 0)
			continue;
		close(fd);
		unlink(probe);
		snprintf(noexec_found, sizeof(noexec_found), "%s", mnt);
		free(line);
		fclose(f);
		return noexec_found;
	}
	free(line);
	fclose(f);
	return NULL;
}

const char *polt_noexec_dir(void)
{
	const char *d = drvt_noexec_dir();

	return d ? d : mountinfo_noexec();
}

static void fill(uint8_t *p, uint64_t npages, uint8_t v)
{
	uint64_t i;

	for (i = 0; i < npages; i++)
		memset(p + i * SGX_PAGE_SIZE, (uint8_t)(v + i), SGX_PAGE_SIZE);
}

void *polt_src(enum polt_src kind, uint64_t npages, uint8_t v)
{
	size_t len = npages * SGX_PAGE_SIZE;
	const char *dir;
	uint8_t *p = MAP_FAILED;
	int fd;

	switch (kind) {
	case POLT_ANON_RW:
	case POLT_ANON_RO:
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		assert_true(p != MAP_FAILED);
		fill(p, npages, v);
		if (kind == POLT_ANON_RO)
			assert_int_equal(mprotect(p, len, PROT_READ), 0);
		return p;
	case POLT_SHARED_ANON_RO:
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		assert_true(p != MAP_FAILED);
		fill(p, npages, v);
		assert_int_equal(mprotect(p, len, PROT_READ), 0);
		return p;
	case POLT_MEMFD_RO:
		fd = memfd_create("sgxemu-test-src", MFD_CLOEXEC);
		assert_true(fd >= 0);
		assert_int_equal(ftruncate(fd, (off_t)len), 0);
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		assert_true(p != MAP_FAILED);
		fill(p, npages, v);
		munmap(p, len);
		p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
		close(fd);
		assert_true(p != MAP_FAILED);
		return p;
	case POLT_FILE_RO:
		return drvt_file_pages("/tmp", npages, v, PROT_READ, false);
	case POLT_FILE_RW:
		return drvt_file_pages("/tmp", npages, v, PROT_READ | PROT_WRITE, false);
	case POLT_FILE_NOEXEC:
		dir = polt_noexec_dir();
		if (!dir)
			return NULL;
		return drvt_file_pages(dir, npages, v, PROT_READ, false);
	case POLT_NR_SRC:
		break;
	}
	fail_msg("bad source kind %d", kind);
	return NULL;
}

void polt_src_free(void *p, uint64_t npages)
{
	if (p)
		munmap(p, npages * SGX_PAGE_SIZE);
}

void polt_test_mrsigner(uint8_t out[32], char hex[65])
{
	static struct sgx_sigstruct sig;
	static const char digits[] = "0123456789abcdef";
	unsigned int i;

	sigstruct_init(&sig);
	assert_int_equal(sigstruct_sign(&sig, hwt_key()), 0);
	assert_int_equal(crypto_sha256(sig.modulus, sizeof(sig.modulus), out), 0);
	for (i = 0; hex && i < 32; i++) {
		hex[2 * i] = digits[out[i] >> 4];
		hex[2 * i + 1] = digits[out[i] & 0xf];
	}
	if (hex)
		hex[64] = '\0';
}

/* ---- JSON ---------------------------------------------------------------------- */

static const char *ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* A JSON string at @s (at its opening quote) into @out; Return: past it or NULL. */
static const char *json_string(const char *s, char *out, size_t outlen)
{
	size_t n = 0;

	if (*s++ != '"')
		return NULL;
	while (*s && *s != '"') {
		char c = *s++;

		if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
			return NULL;    /* the audit log escapes these */
		if (c == '\\') {
			c = *s++;
			if (c == 'u') {
				unsigned int v;

				if (sscanf(s, "%4x", &v) != 1 || v > 0xff)
					return NULL;
				c = (char)v;
				s += 4;
			} else if (c != '"' && c != '\\' && c != '/') {
				return NULL;
			}
		}
		if (n + 1 >= outlen)
			return NULL;
		out[n++] = c;
	}
	if (*s != '"')
		return NULL;
	out[n] = '\0';
	return s + 1;
}

bool polt_json_parse(const char *line, struct polt_json *j)
{
	const char *s = ws(line);

	j->n = 0;
	if (*s++ != '{')
		return false;
	for (;;) {
		s = ws(s);
		if (j->n == POLT_JSON_MAX_FIELDS)
			return false;
		s = json_string(s, j->f[j->n].key, sizeof(j->f[j->n].key));
		if (!s)
			return false;
		s = ws(s);
		if (*s++ != ':')
			return false;
		s = ws(s);
		if (*s == '"') {
			s = json_string(s, j->f[j->n].val, sizeof(j->f[j->n].val));
			if (!s)
				return false;
			j->f[j->n].is_string = true;
		} else {
			size_t n = strspn(s, "0123456789.-+eEnulltrufas");

			if (!n || n >= sizeof(j->f[j->n].val))
				return false;
			memcpy(j->f[j->n].val, s, n);
			j->f[j->n].val[n] = '\0';
			j->f[j->n].is_string = false;
			s += n;
			if (strcmp(j->f[j->n].val, "null") && strcmp(j->f[j->n].val, "true") &&
			    strcmp(j->f[j->n].val, "false") && strspn(j->f[j->n].val,
								       "0123456789.-") != n)
				return false;
		}
		j->n++;
		s = ws(s);
		if (*s == ',') {
			s++;
			continue;
		}
		if (*s++ != '}')
			return false;
		s = ws(s);
		return *s == '\0' || (*s == '\n' && s[1] == '\0');
	}
}

const char *polt_json_get(const struct polt_json *j, const char *key, bool *is_string)
{
	unsigned int i;

	for (i = 0; i < j->n; i++) {
		if (!strcmp(j->f[i].key, key)) {
			if (is_string)
				*is_string = j->f[i].is_string;
			return j->f[i].val;
		}
	}
	return NULL;
}

void polt_json_str(const struct polt_json *j, const char *key, const char *val)
{
	bool is_string = false;
	const char *v = polt_json_get(j, key, &is_string);

	if (!v || !is_string || strcmp(v, val))
		fail_msg("JSON \"%s\": expected string \"%s\", got %s%s", key, val,
			 v ? (is_string ? "string " : "literal ") : "nothing", v ? v : "");
}

void polt_json_lit(const struct polt_json *j, const char *key, const char *val)
{
	bool is_string = true;
	const char *v = polt_json_get(j, key, &is_string);

	if (!v || is_string || strcmp(v, val))
		fail_msg("JSON \"%s\": expected %s, got %s%s", key, val,
			 v ? (is_string ? "string " : "literal ") : "nothing", v ? v : "");
}

unsigned int polt_read_lines(const char *path, char **out, unsigned int max)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	unsigned int n = 0;

	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		if (n == max)
			fail_msg("%s: more than %u lines", path, max);
		out[n++] = strdup(line);
	}
	free(line);
	fclose(f);
	return n;
}
