// SPDX-License-Identifier: MIT
/*
 * Every module's allow/deny matrix through the real driver path: enclaves
 * built with sgx_ioctl() from real source mappings (anonymous memory,
 * shared memory, memfd, real files read-only and writable, a file on a
 * noexec mount), mapped with sgx_mmap()/sgx_mprotect(), initialized with a
 * real SIGSTRUCT. Then stacking order, and the case from the 2019 kernel
 * discussion. Rows are numbered so that a failure names its row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pol_test_util.h"
#include "sigstruct.h"

#define ESIZE  (64 * 1024)
#define R      (SGX_SECINFO_REG | SGX_SECINFO_R)
#define RW     (SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W)
#define RX     (SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_X)
#define RWX    (SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W | SGX_SECINFO_X)
#define TCS    SGX_SECINFO_TCS

#define OTHER_HASH "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

/* Set up a driver under @text (NULL: no policy). */
static struct policy *setup(struct drvt *d, const char *text)
{
	struct policy *p = text ? polt_load("%s", text) : NULL;

	drvt_setup_policy(d, NULL, p);
	return p;
}

static void teardown(struct drvt *d, struct policy *p)
{
	drvt_teardown(d);
	policy_free(p);
	drvt_file_cleanup();
}

/* ---- page_load: exec-source and wx ---------------------------------------------- */

struct page_row {
	const char *name;
	const char *policy;             /* NULL: none */
	enum polt_src src;
	uint64_t flags;                 /* SECINFO */
	long ret;
};

static const struct page_row page_rows[] = {
	/* The kernel's rules alone. */
	/* 0 */ { "no policy: RX from anonymous memory", NULL, POLT_ANON_RW, RX, 0 },
	/* 1 */ { "no policy: RWX from anonymous memory", NULL, POLT_ANON_RW, RWX, 0 },
	/* 2 */ { "no policy: R from a noexec mount", NULL, POLT_FILE_NOEXEC, R, -EACCES },
	/* exec-source */
	/* 3 */ { "RX from anonymous rw", "module exec-source", POLT_ANON_RW, RX, -EACCES },
	/* 4 */ { "RX from anonymous r", "module exec-source", POLT_ANON_RO, RX, -EACCES },
	/* 5 */ { "RX from shared anonymous r", "module exec-source", POLT_SHARED_ANON_RO, RX,
		  -EACCES },
	/* 6 */ { "RX from a memfd r", "module exec-source", POLT_MEMFD_RO, RX, -EACCES },
	/* 7 */ { "RX from a file r", "module exec-source", POLT_FILE_RO, RX, 0 },
	/* 8 */ { "RX from a file rw", "module exec-source", POLT_FILE_RW, RX, -EACCES },
	/* 9 */ { "RX from a noexec mount", "module exec-source", POLT_FILE_NOEXEC, RX, -EACCES },
	/* 10 */ { "R from anonymous rw", "module exec-source", POLT_ANON_RW, R, 0 },
	/* 11 */ { "RW from anonymous rw", "module exec-source", POLT_ANON_RW, RW, 0 },
	/* 12 */ { "TCS from anonymous rw", "module exec-source", POLT_ANON_RW, TCS, 0 },
	/* 13 */ { "R from a file rw", "module exec-source", POLT_FILE_RW, R, 0 },
	/* 14 */ { "RW from a memfd r", "module exec-source", POLT_MEMFD_RO, RW, 0 },
	/* 15 */ { "R from a noexec mount", "module exec-source", POLT_FILE_NOEXEC, R, -EACCES },
	/* 16 */ { "RWX from a file r", "module exec-source", POLT_FILE_RO, RWX, 0 },
	/* wx */
	/* 17 */ { "RWX from a file r", "module wx", POLT_FILE_RO, RWX, -EACCES },
	/* 18 */ { "RWX from anonymous rw", "module wx", POLT_ANON_RW, RWX, -EACCES },
	/* 19 */ { "RX from anonymous rw", "module wx", POLT_ANON_RW, RX, 0 },
	/* 20 */ { "RW from anonymous rw", "module wx", POLT_ANON_RW, RW, 0 },
	/* 21 */ { "TCS from anonymous rw", "module wx", POLT_ANON_RW, TCS, 0 },
	/* both */
	/* 22 */ { "RX from a file r", "module wx\nmodule exec-source", POLT_FILE_RO, RX, 0 },
	/* 23 */ { "RWX from a file r", "module exec-source\nmodule wx", POLT_FILE_RO, RWX,
		   -EACCES },
	/* Modules that have no page_load hook change nothing. */
	/* 24 */ { "RWX from anonymous rw", "module debug\nmodule audit\noutput /dev/null",
		   POLT_ANON_RW, RWX, 0 },
};

static void test_page_load_matrix(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(page_rows) / sizeof(page_rows[0]); i++) {
		const struct page_row *r = &page_rows[i];
		struct drvt_encl e;
		struct policy *p;
		struct drvt d;
		uint64_t count = 1;
		void *src;
		long ret;

		p = setup(&d, r->policy);
		src = polt_src(r->src, 2, r->flags == TCS ? 0 : (uint8_t)i);
		if (!src) {
			print_message("[ SKIPPED  ] row %zu (%s): no noexec mount on this machine\n",
				      i, r->name);
			teardown(&d, p);
			continue;
		}
		drvt_encl(&d, &e, ESIZE, 0);
		ret = drvt_add_src(&e, 0, src, 1, r->flags, true, &count);
		if (ret != r->ret || count != (r->ret ? 0 : SGX_PAGE_SIZE))
			fail_msg("row %zu (%s under %s): ret %ld count %llu, expected %ld", i, r->name,
				 r->policy ? r->policy : "no policy", ret, (unsigned long long)count,
				 r->ret);
		/* A refused page leaves the enclave usable. */
		if (r->ret)
			assert_int_equal(drvt_add(&e, 0x1000, 1, RW, 1, NULL, true, NULL), 0);
		drvt_close(&e);
		polt_src_free(src, 2);
		teardown(&d, p);
	}
}

/* The hook runs per page: a batch that crosses from a file into memory stops there. */
static void test_page_load_per_page(void **state)
{
	struct drvt_encl e;
	struct policy *p;
	struct drvt d;
	uint64_t count = 0;
	uint8_t *src;

	(void)state;
	p = setup(&d, "module exec-source");
	/* Two pages of one range: a file's page, then anonymous memory. */
	src = polt_src(POLT_FILE_RO, 2, 0x40);
	assert_true(mmap(src + SGX_PAGE_SIZE, SGX_PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0) == src + SGX_PAGE_SIZE);
	drvt_encl(&d, &e, ESIZE, 0);
	assert_int_equal(drvt_add_src(&e, 0, src, 2, RX, true, &count), -EACCES);
	assert_int_equal(count, SGX_PAGE_SIZE);
	drvt_close(&e);
	polt_src_free(src, 2);
	teardown(&d, p);
}

/* ---- mmap / mprotect: wx --------------------------------------------------------- */

enum map_op { M_MMAP, M_MPROTECT };

struct map_row {
	const char *name;
	const char *policy;
	enum map_op op;
	uint64_t offset, len;
	int prot;
	long ret;
};

#define PROT_RW  (PROT_READ | PROT_WRITE)
#define PROT_RX  (PROT_READ | PROT_EXEC)
#define PROT_RWX (PROT_READ | PROT_WRITE | PROT_EXEC)

/* Enclave: page 0 RX (from a file), page 1 RW, pages 2.. holes. */
static const struct map_row map_rows[] = {
	/* 0 */ { "mmap hole RWX", NULL, M_MMAP, 0x2000, 0x2000, PROT_RWX, 0 },
	/* 1 */ { "mmap hole RWX", "module wx", M_MMAP, 0x2000, 0x2000, PROT_RWX, -EACCES },
	/* 2 */ { "mmap hole RW", "module wx", M_MMAP, 0x2000, 0x2000, PROT_RW, 0 },
	/* 3 */ { "mmap hole RX", "module wx", M_MMAP, 0x2000, 0x2000, PROT_RX, 0 },
	/* 4 */ { "mmap code page RX", "module wx", M_MMAP, 0, 0x1000, PROT_RX, 0 },
	/* 5 */ { "mprotect hole RWX", NULL, M_MPROTECT, 0x2000, 0x2000, PROT_RWX, 0 },
	/* 6 */ { "mprotect hole RWX", "module wx", M_MPROTECT, 0x2000, 0x2000, PROT_RWX,
		  -EACCES },
	/* 7 */ { "mprotect hole RX", "module wx", M_MPROTECT, 0x2000, 0x2000, PROT_RX, 0 },
	/* 8 */ { "mprotect everything R", "module wx", M_MPROTECT, 0, ESIZE, PROT_READ, 0 },
	/* The driver's own rule still applies under any policy. */
	/* 9 */ { "mprotect data page RX", "module wx", M_MPROTECT, 0x1000, 0x1000, PROT_RX,
		  -EACCES },
	/* 10 */ { "mmap code page RW", "module wx", M_MMAP, 0, 0x1000, PROT_RW, -EACCES },
	/* exec-source has no say over mappings. */
	/* 11 */ { "mmap hole RWX", "module exec-source", M_MMAP, 0x2000, 0x2000, PROT_RWX, 0 },
};

static void test_map_matrix(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(map_rows) / sizeof(map_rows[0]); i++) {
		const struct map_row *r = &map_rows[i];
		struct drvt_encl e;
		struct policy *p;
		struct drvt d;
		void *code;
		long ret;

		p = setup(&d, r->policy);
		code = polt_src(POLT_FILE_RO, 1, 0x90);
		drvt_encl(&d, &e, ESIZE, 0);
		assert_int_equal(drvt_add_src(&e, 0, code, 1, RX, true, NULL), 0);
		assert_int_equal(drvt_add(&e, 0x1000, 1, RW, 0x20, NULL, true, NULL), 0);
		if (r->op == M_MMAP) {
			ret = drvt_mmap(&e, r->offset, r->len, r->prot);
			if (ret > 0)
				ret = 0;
		} else {
			assert_true(drvt_mmap(&e, 0, ESIZE, PROT_READ) > 0);
			ret = sgx_mprotect(d.drv, (void *)(uintptr_t)(e.base + r->offset), r->len,
					   r->prot);
		}
		if (ret != r->ret)
			fail_msg("row %zu (%s under %s): %ld, expected %ld", i, r->name,
				 r->policy ? r->policy : "no policy", ret, r->ret);
		drvt_close(&e);
		polt_src_free(code, 1);
		teardown(&d, p);
	}
}

/* ---- init: signers, debug, provision ------------------------------------------------ */

/*
 * A small enclave built the same way every time: TCS, two data pages, and
 * code from a read-only file mapping (which exec-source accepts).
 */
static void build(struct drvt *d, struct drvt_encl *e, uint64_t attributes, long create_ret)
{
	void *code;

	drvt_open(d, e, ESIZE);
	assert_int_equal(drvt_create(e, attributes), create_ret);
	if (create_ret)
		return;
	assert_int_equal(drvt_add(e, 0, 1, TCS, 0, NULL, true, NULL), 0);
	assert_int_equal(drvt_add(e, 0x1000, 2, RW, 0x31, NULL, true, NULL), 0);
	code = polt_src(POLT_FILE_RO, 1, 0x32);
	assert_int_equal(drvt_add_src(e, 0x3000, code, 1, RX, true, NULL), 0);
	polt_src_free(code, 1);
}

/* MRENCLAVE of build(), from a driver without a policy. */
static void build_mrenclave(char hex[65])
{
	static struct sgx_sigstruct sig;
	struct drvt_encl e;
	struct drvt d;
	unsigned int i;

	drvt_setup(&d, NULL);
	build(&d, &e, 0, 0);
	drvt_sigstruct(&e, &sig);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", sig.body.mrenclave[i]);
	drvt_close(&e);
	drvt_teardown(&d);
}

static struct sgx_file *prov_file;

static struct sgx_file *lookup(int fd)
{
	return fd == 7 ? prov_file : NULL;
}

static long provision(struct drvt_encl *e)
{
	struct sgx_enclave_provision arg = { .fd = 7 };

	return sgx_ioctl(e->f, SGX_IOC_ENCLAVE_PROVISION, (unsigned long)(uintptr_t)&arg, lookup);
}

/* Policy templates: @S is the test key's MRSIGNER, @E the enclave's MRENCLAVE. */
struct init_row {
	const char *name;
	const char *policy;
	uint64_t attributes;
	bool provision;                 /* pass /dev/sgx_provision */
	long create, init;
};

static const struct init_row init_rows[] = {
	/* signers */
	/* 0 */ { "listed signer", "module signers\nmrsigner @S", 0, false, 0, 0 },
	/* 1 */ { "other signer", "module signers\nmrsigner " OTHER_HASH, 0, false, 0, -EPERM },
	/* 2 */ { "one of two signers", "module signers\nmrsigner " OTHER_HASH "\nmrsigner @S",
		  0, false, 0, 0 },
	/* 3 */ { "signer and MRENCLAVE listed",
		  "module signers\nmrsigner @S\nmrenclave @E", 0, false, 0, 0 },
	/* 4 */ { "signer listed, MRENCLAVE not",
		  "module signers\nmrsigner @S\nmrenclave " OTHER_HASH, 0, false, 0, -EPERM },
	/* 5 */ { "MRENCLAVE listed, signer not",
		  "module signers\nmrsigner " OTHER_HASH "\nmrenclave @E", 0, false, 0, -EPERM },
	/* debug */
	/* 6 */ { "DEBUG, no policy", NULL, SGX_ATTR_DEBUG, false, 0, 0 },
	/* 7 */ { "DEBUG", "module debug", SGX_ATTR_DEBUG, false, -EPERM, 0 },
	/* 8 */ { "not DEBUG", "module debug", 0, false, 0, 0 },
	/* provision */
	/* 9 */ { "PROVISIONKEY, no policy", NULL, SGX_ATTR_PROVISIONKEY, true, 0, 0 },
	/* 10 */ { "PROVISIONKEY, no provision fd, no policy", NULL, SGX_ATTR_PROVISIONKEY, false,
		   0, -EACCES },
	/* 11 */ { "PROVISIONKEY, listed signer", "module provision\nmrsigner @S",
		   SGX_ATTR_PROVISIONKEY, true, 0, 0 },
	/* 12 */ { "PROVISIONKEY, other signer", "module provision\nmrsigner " OTHER_HASH,
		   SGX_ATTR_PROVISIONKEY, true, 0, -EACCES },
	/* 13 */ { "PROVISIONKEY, nobody listed", "module provision", SGX_ATTR_PROVISIONKEY,
		   true, 0, -EACCES },
	/* 14 */ { "PROVISIONKEY, listed, no provision fd (the kernel's gate stays)",
		   "module provision\nmrsigner @S", SGX_ATTR_PROVISIONKEY, false, 0, -EACCES },
	/* 15 */ { "no PROVISIONKEY, nobody listed", "module provision", 0, true, 0, 0 },
	/* stacked: the provision hook comes before the init hook */
	/* 16 */ { "provision allows, signers denies",
		   "module signers\nmrsigner " OTHER_HASH "\nmodule provision\nmrsigner @S",
		   SGX_ATTR_PROVISIONKEY, true, 0, -EPERM },
	/* 17 */ { "signers allows, provision denies",
		   "module signers\nmrsigner @S\nmodule provision\nmrsigner " OTHER_HASH,
		   SGX_ATTR_PROVISIONKEY, true, 0, -EACCES },
	/* 18 */ { "everything", "module exec-source\nmodule wx\nmodule signers\nmrsigner @S\n"
		   "mrenclave @E\nmodule debug\nmodule provision\nmrsigner @S\n"
		   "module audit\noutput /dev/null", 0, false, 0, 0 },
};

/* @tmpl with @S and @E replaced. */
static void subst(char *out, size_t len, const char *tmpl, const char *s, const char *e)
{
	size_t n = 0;

	for (; *tmpl && n + 65 < len; tmpl++) {
		if (tmpl[0] == '@' && (tmpl[1] == 'S' || tmpl[1] == 'E')) {
			memcpy(out + n, tmpl[1] == 'S' ? s : e, 64);
			n += 64;
			tmpl++;
		} else {
			out[n++] = *tmpl;
		}
	}
	out[n] = '\0';
}

static void test_init_matrix(void **state)
{
	char mrsigner[65], mrenclave[65], text[1024];
	uint8_t signer[32];
	size_t i;

	(void)state;
	polt_test_mrsigner(signer, mrsigner);
	build_mrenclave(mrenclave);
	for (i = 0; i < sizeof(init_rows) / sizeof(init_rows[0]); i++) {
		const struct init_row *r = &init_rows[i];
		struct drvt_encl e;
		struct policy *p;
		struct drvt d;
		long ret;

		if (r->policy)
			subst(text, sizeof(text), r->policy, mrsigner, mrenclave);
		p = setup(&d, r->policy ? text : NULL);
		assert_int_equal(sgx_open(d.drv, SGX_DEV_PROVISION, &prov_file), 0);
		build(&d, &e, r->attributes, r->create);
		if (!r->create) {
			if (r->provision)
				assert_int_equal(provision(&e), 0);
			ret = drvt_init(&e);
			if (ret != r->init)
				fail_msg("row %zu (%s): INIT %ld, expected %ld", i, r->name, ret,
					 r->init);
		}
		drvt_close(&e);
		sgx_release(prov_file);
		teardown(&d, p);
	}
}

/* ---- stacking: the first denial wins --------------------------------------------- */

struct stack_row {
	const char *modules;
	uint64_t flags;
	enum polt_src src;
	const char *denier;             /* NULL: allowed */
};

static const struct stack_row stack_rows[] = {
	/* 0 */ { "module wx\nmodule exec-source", RWX, POLT_ANON_RW, "wx" },
	/* 1 */ { "module exec-source\nmodule wx", RWX, POLT_ANON_RW, "exec-source" },
	/* 2 */ { "module wx\nmodule exec-source", RX, POLT_ANON_RW, "exec-source" },
	/* 3 */ { "module exec-source\nmodule wx", RWX, POLT_FILE_RO, "wx" },
	/* 4 */ { "module audit\noutput /dev/null\nmodule wx\nmodule exec-source", RX, POLT_FILE_RO,
		  NULL },
};

static void test_stacking(void **state)
{
	char path[] = "/tmp/sgxemu-stack-audit-XXXXXX", text[512], *lines[4];
	size_t i;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	for (i = 0; i < sizeof(stack_rows) / sizeof(stack_rows[0]); i++) {
		const struct stack_row *r = &stack_rows[i];
		struct polt_json j;
		struct drvt_encl e;
		struct policy *p;
		struct drvt d;
		unsigned int n;
		void *src;
		long ret;

		assert_int_equal(truncate(path, 0), 0);
		snprintf(text, sizeof(text), "module audit\noutput %s\ndecisions deny\n%s", path,
			 r->modules);
		/* A second audit module is an error; row 4 has its own. */
		p = setup(&d, strstr(r->modules, "audit") ? r->modules : text);
		src = polt_src(r->src, 1, 0x10);
		drvt_encl(&d, &e, ESIZE, 0);
		ret = drvt_add_src(&e, 0, src, 1, r->flags, true, NULL);
		assert_int_equal(ret, r->denier ? -EACCES : 0);
		drvt_close(&e);
		polt_src_free(src, 1);
		teardown(&d, p);
		if (!r->denier)
			continue;
		n = polt_read_lines(path, lines, 4);
		if (n != 1)
			fail_msg("row %zu: %u audit lines, expected 1", i, n);
		assert_true(polt_json_parse(lines[0], &j));
		polt_json_str(&j, "hook", "page_load");
		polt_json_str(&j, "decision", "deny");
		polt_json_str(&j, "module", r->denier);
		free(lines[0]);
	}
	unlink(path);
}

/* ---- the 2019 case ---------------------------------------------------------------- */

/*
 * A page added read-only from a file without execute permission cannot be
 * made executable later (the driver's maximum protection: no policy
 * needed); the same page declared executable from anonymous memory is what
 * the kernel allows and exec-source refuses.
 */
static void test_2019_case(void **state)
{
	static const char *const policies[] = { NULL, "module exec-source" };
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct drvt_encl e;
		struct policy *p;
		struct drvt d;
		uint64_t count = 1;
		uint8_t *file, *anon;
		intptr_t m;

		p = setup(&d, policies[i]);
		/* mkstemp makes it 0600: no execute permission for anyone. */
		file = polt_src(POLT_FILE_RO, 1, 0xc3);
		drvt_encl(&d, &e, ESIZE, 0);
		assert_int_equal(drvt_add_src(&e, 0, file, 1, R, true, NULL), 0);
		m = drvt_mmap(&e, 0, SGX_PAGE_SIZE, PROT_READ);
		assert_true(m > 0);
		assert_int_equal(sgx_mprotect(d.drv, (void *)m, SGX_PAGE_SIZE, PROT_READ | PROT_EXEC),
				 -EACCES);
		assert_int_equal(sgx_mprotect(d.drv, (void *)m, SGX_PAGE_SIZE, PROT_READ), 0);

		anon = polt_src(POLT_ANON_RW, 1, 0xc3);
		assert_int_equal(drvt_add_src(&e, 0x1000, anon, 1, RX, true, &count),
				 policies[i] ? -EACCES : 0);
		assert_int_equal(count, policies[i] ? 0 : SGX_PAGE_SIZE);
		drvt_close(&e);
		polt_src_free(anon, 1);
		polt_src_free(file, 1);
		teardown(&d, p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_load_matrix),
		cmocka_unit_test(test_page_load_per_page),
		cmocka_unit_test(test_map_matrix),
		cmocka_unit_test(test_init_matrix),
		cmocka_unit_test(test_stacking),
		cmocka_unit_test(test_2019_case),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
