// SPDX-License-Identifier: MIT
/*
 * The audit log: the JSON lines a real enclave build produces, read back
 * and parsed field by field; the pages of one call as runs; deny-only
 * logging; escaping of hostile file names, long ones cut but never the
 * line; and lines of enclaves built concurrently, none torn or
 * interleaved.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "pol_test_util.h"
#include "sigstruct.h"

#define ESIZE  (64 * 1024)
#define R      (SGX_SECINFO_REG | SGX_SECINFO_R)
#define RX     (SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_X)
#define MAX_LINES 1024

static char log_path[64];

static int make_log(void **state)
{
	int fd;

	(void)state;
	strcpy(log_path, "/tmp/sgxemu-audit-XXXXXX");
	fd = mkstemp(log_path);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int remove_log(void **state)
{
	(void)state;
	unlink(log_path);
	drvt_file_cleanup();
	return 0;
}

static unsigned int read_json(struct polt_json *out, unsigned int max)
{
	char *lines[MAX_LINES];
	unsigned int n, i;

	n = polt_read_lines(log_path, lines, MAX_LINES);
	assert_true(n <= max);
	for (i = 0; i < n; i++) {
		if (!polt_json_parse(lines[i], &out[i]))
			fail_msg("audit line %u is not one JSON object: %s", i + 1, lines[i]);
		free(lines[i]);
	}
	return n;
}

static void hex(const uint8_t *b, char out[65])
{
	unsigned int i;

	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* What every line has, and what this one's identity is. */
static void common(const struct polt_json *j, const char *hook, const char *decision,
		   const char *module, const char *encl_id, const char *mre, const char *mrs)
{
	char pid[16];

	assert_non_null(polt_json_get(j, "ts", NULL));
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	polt_json_lit(j, "pid", pid);
	polt_json_str(j, "hook", hook);
	polt_json_str(j, "decision", decision);
	if (module)
		polt_json_str(j, "module", module);
	else
		polt_json_lit(j, "module", "null");
	polt_json_lit(j, "enclave", encl_id);
	if (mre)
		polt_json_str(j, "mrenclave", mre);
	else
		polt_json_lit(j, "mrenclave", "null");
	if (mrs)
		polt_json_str(j, "mrsigner", mrs);
	else
		polt_json_lit(j, "mrsigner", "null");
	if (!strcmp(decision, "allow"))
		polt_json_lit(j, "reason", "null");
}

static void test_build_log(void **state)
{
	static struct sgx_sigstruct sig;
	static struct polt_json j[16];
	char mre[65], mrs[65], text[256], buf[64];
	struct drvt_encl e, other;
	struct policy *p;
	struct drvt d;
	struct stat st;
	uint8_t signer[32];
	uint8_t *code, *anon;
	intptr_t m;
	unsigned int n;

	(void)state;
	polt_test_mrsigner(signer, mrs);
	snprintf(text, sizeof(text), "module exec-source\nmodule wx\nmodule audit\noutput %s\n",
		 log_path);
	p = polt_load("%s", text);
	drvt_setup_policy(&d, NULL, p);
	drvt_open(&d, &other, ESIZE);           /* enclave 1: never used */
	drvt_open(&d, &e, ESIZE);               /* enclave 2 */

	code = polt_src(POLT_FILE_RO, 1, 0x77);
	anon = polt_src(POLT_ANON_RW, 1, 0);
	assert_int_equal(drvt_create(&e, 0), 0);
	assert_int_equal(drvt_add_src(&e, 0, anon, 1, SGX_SECINFO_TCS, true, NULL), 0);
	assert_int_equal(drvt_add_src(&e, 0x1000, code, 1, RX, true, NULL), 0);
	assert_int_equal(drvt_add_src(&e, 0x2000, anon, 1, RX, true, NULL), -EACCES);
	assert_true(drvt_mmap(&e, 0x3000, 0x2000, PROT_READ | PROT_WRITE | PROT_EXEC) == -EACCES);
	drvt_sigstruct(&e, &sig);
	hex(sig.body.mrenclave, mre);
	assert_int_equal(drvt_init(&e), 0);
	m = drvt_mmap(&e, 0, ESIZE, PROT_READ);
	assert_true(m > 0);
	assert_int_equal(sgx_mprotect(d.drv, (void *)m, ESIZE, PROT_READ | PROT_WRITE | PROT_EXEC),
			 -EACCES);

	n = read_json(j, 16);
	assert_int_equal(n, 8);

	/* 1: CREATE */
	common(&j[0], "encl_create", "allow", NULL, "2", NULL, NULL);
	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)e.base);
	polt_json_str(&j[0], "base", buf);
	polt_json_str(&j[0], "size", "0x10000");
	polt_json_str(&j[0], "attributes", "0x4");
	/* 2: the TCS, from anonymous memory: no X, so exec-source does not mind. */
	common(&j[1], "page_load", "allow", NULL, "2", NULL, NULL);
	polt_json_lit(&j[1], "offset", "0");
	polt_json_lit(&j[1], "pages", "1");
	polt_json_str(&j[1], "page_type", "tcs");
	polt_json_str(&j[1], "perms", "---");
	polt_json_lit(&j[1], "measured", "true");
	polt_json_str(&j[1], "src_path", "");
	polt_json_lit(&j[1], "src_ino", "0");
	polt_json_lit(&j[1], "src_anonymous", "true");
	polt_json_lit(&j[1], "src_writable", "true");
	polt_json_lit(&j[1], "src_may_exec", "true");
	/* 3: code from the file, which is described. */
	common(&j[2], "page_load", "allow", NULL, "2", NULL, NULL);
	polt_json_lit(&j[2], "offset", "4096");
	polt_json_lit(&j[2], "pages", "1");
	polt_json_str(&j[2], "page_type", "reg");
	polt_json_str(&j[2], "perms", "r-x");
	assert_true(!strncmp(polt_json_get(&j[2], "src_path", NULL), "/tmp/src-", 9));
	assert_int_equal(stat(polt_json_get(&j[2], "src_path", NULL), &st), 0);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)st.st_ino);
	polt_json_lit(&j[2], "src_ino", buf);
	snprintf(buf, sizeof(buf), "%u:%u", major(st.st_dev), minor(st.st_dev));
	polt_json_str(&j[2], "src_dev", buf);
	polt_json_lit(&j[2], "src_anonymous", "false");
	polt_json_lit(&j[2], "src_writable", "false");
	polt_json_lit(&j[2], "src_may_exec", "true");
	polt_json_lit(&j[2], "src_noexec_mount", "false");
	/* 4: code from anonymous memory. */
	common(&j[3], "page_load", "deny", "exec-source", "2", NULL, NULL);
	polt_json_lit(&j[3], "offset", "8192");
	polt_json_lit(&j[3], "pages", "1");
	polt_json_str(&j[3], "perms", "r-x");
	polt_json_str(&j[3], "reason", "executable page from anonymous memory");
	/* 5: a W+X mapping. */
	common(&j[4], "mmap", "deny", "wx", "2", NULL, NULL);
	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)e.base + 0x3000);
	polt_json_str(&j[4], "addr", buf);
	polt_json_lit(&j[4], "len", "8192");
	polt_json_str(&j[4], "perms", "rwx");
	polt_json_str(&j[4], "reason", "mapping writable and executable");
	/* 6: INIT, with the identity SIGSTRUCT claims. */
	common(&j[5], "encl_init", "allow", NULL, "2", mre, mrs);
	polt_json_lit(&j[5], "isvprodid", "0");
	polt_json_lit(&j[5], "isvsvn", "0");
	polt_json_str(&j[5], "attributes", "0x4");
	/* 7, 8: after INIT every line knows the enclave. */
	common(&j[6], "mmap", "allow", NULL, "2", mre, mrs);
	polt_json_str(&j[6], "perms", "r--");
	common(&j[7], "mprotect", "deny", "wx", "2", mre, mrs);
	polt_json_lit(&j[7], "len", "65536");
	polt_json_str(&j[7], "reason", "mprotect to writable and executable");

	drvt_close(&e);
	drvt_close(&other);
	polt_src_free(code, 1);
	polt_src_free(anon, 1);
	drvt_teardown(&d);
	policy_free(p);
}

/* ---- runs: the pages of one call as one line -------------------------------------- */

/* @npages of a new file (page i filled with @fill + i) mapped read-only at @at. */
static uint8_t *file_at(uint8_t *at, uint64_t npages, uint8_t fill)
{
	char path[] = "/tmp/sgxemu-audit-src-XXXXXX";
	uint8_t page[SGX_PAGE_SIZE];
	uint64_t i;
	void *p;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	for (i = 0; i < npages; i++) {
		memset(page, (uint8_t)(fill + i), sizeof(page));
		assert_int_equal(write(fd, page, sizeof(page)), (ssize_t)sizeof(page));
	}
	p = mmap(at, npages * SGX_PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
	close(fd);
	assert_true(p == at);
	return p;
}

/* A page_load line: offset, pages, decision, and where its source is. */
static void page_line(const struct polt_json *j, const char *decision, uint64_t offset,
		      uint64_t pages, const char *perms, const char *src_path)
{
	char buf[32];

	common(j, "page_load", decision, !strcmp(decision, "deny") ? "exec-source" : NULL, "1",
	       NULL, NULL);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)offset);
	polt_json_lit(j, "offset", buf);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)pages);
	polt_json_lit(j, "pages", buf);
	polt_json_str(j, "perms", perms);
	if (src_path)
		polt_json_str(j, "src_path", src_path);
}

/*
 * The allowed pages of one call that differ only in offset are one line;
 * a change of source starts another; a denial ends the run, after it, at
 * once; nothing is merged across calls.
 */
static void test_runs(void **state)
{
	static struct polt_json j[16];
	char g_path[64], h_path[64];
	uint8_t *area, *f8, *g, *h, *anon_rw, *anon_ro;
	uint64_t count;
	struct drvt_encl e;
	struct policy *p;
	struct drvt d;
	unsigned int n;

	(void)state;
	assert_int_equal(truncate(log_path, 0), 0);
	p = polt_load("module exec-source\nmodule wx\nmodule audit\noutput %s\n", log_path);
	drvt_setup_policy(&d, NULL, p);
	drvt_encl(&d, &e, ESIZE * 2, 0);

	/*
	 * One area of address space: f8 (8 file pages), g (3 pages of one
	 * file) and h (2 of another) side by side, then 1 anonymous page, then
	 * an anonymous read-write and a read-only page.
	 */
	area = mmap(NULL, 16 * SGX_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	assert_true(area != MAP_FAILED);
	f8 = file_at(area, 8, 0x10);
	g = file_at(area + 8 * SGX_PAGE_SIZE, 3, 0x20);
	h = file_at(area + 11 * SGX_PAGE_SIZE, 2, 0x30);
	anon_rw = area + 14 * SGX_PAGE_SIZE;
	anon_ro = area + 15 * SGX_PAGE_SIZE;
	memset(area + 13 * SGX_PAGE_SIZE, 0x40, 3 * SGX_PAGE_SIZE);
	assert_int_equal(mprotect(anon_ro, SGX_PAGE_SIZE, PROT_READ), 0);

	/* 0: 8 pages from one mapping: one line. */
	assert_int_equal(drvt_add_src(&e, 0, f8, 8, RX, true, &count), 0);
	/* 1, 2: the same mapping in two calls: two lines. */
	assert_int_equal(drvt_add_src(&e, 0x8000, f8, 4, RX, true, NULL), 0);
	assert_int_equal(drvt_add_src(&e, 0xc000, f8 + 4 * SGX_PAGE_SIZE, 4, RX, true, NULL), 0);
	/* 3, 4: one call over two files: a line each. */
	assert_int_equal(drvt_add_src(&e, 0x10000, g, 5, RX, true, NULL), 0);
	/* 5, 6: file pages, then an anonymous one refused: the run, then the denial. */
	assert_int_equal(drvt_add_src(&e, 0x15000, h, 3, RX, true, &count), -EACCES);
	assert_int_equal(count, 2 * SGX_PAGE_SIZE);
	/* 7, 8: read-only pages from anonymous rw, then anonymous r memory. */
	assert_int_equal(drvt_add_src(&e, 0x17000, anon_rw, 2, R, false, NULL), 0);

	n = read_json(j, 16);
	assert_int_equal(n, 1 + 9);
	snprintf(g_path, sizeof(g_path), "%s", polt_json_get(&j[4], "src_path", NULL));
	snprintf(h_path, sizeof(h_path), "%s", polt_json_get(&j[5], "src_path", NULL));
	assert_true(strcmp(g_path, h_path) != 0);
	page_line(&j[1], "allow", 0, 8, "r-x", NULL);
	polt_json_str(&j[2], "src_path", polt_json_get(&j[1], "src_path", NULL));
	page_line(&j[2], "allow", 0x8000, 4, "r-x", NULL);
	page_line(&j[3], "allow", 0xc000, 4, "r-x", NULL);
	page_line(&j[4], "allow", 0x10000, 3, "r-x", g_path);
	page_line(&j[5], "allow", 0x13000, 2, "r-x", h_path);
	page_line(&j[6], "allow", 0x15000, 2, "r-x", h_path);
	page_line(&j[7], "deny", 0x17000, 1, "r-x", "");
	polt_json_str(&j[7], "reason", "executable page from anonymous memory");
	page_line(&j[8], "allow", 0x17000, 1, "r--", "");
	polt_json_lit(&j[8], "src_writable", "true");
	polt_json_lit(&j[8], "measured", "false");
	page_line(&j[9], "allow", 0x18000, 1, "r--", "");
	polt_json_lit(&j[9], "src_writable", "false");

	/* What the lines count is what went in: INIT agrees. */
	assert_int_equal(drvt_init(&e), 0);
	munmap(area, 16 * SGX_PAGE_SIZE);
	drvt_close(&e);
	drvt_teardown(&d);
	policy_free(p);
}

/* decisions deny: the allowed ones are not logged. */
static void test_deny_only(void **state)
{
	static struct polt_json j[4];
	struct drvt_encl e;
	struct policy *p;
	struct drvt d;
	uint8_t *anon;

	(void)state;
	assert_int_equal(truncate(log_path, 0), 0);
	p = polt_load("module audit\noutput %s\ndecisions deny\nmodule exec-source\n", log_path);
	drvt_setup_policy(&d, NULL, p);
	anon = polt_src(POLT_ANON_RW, 2, 0x11);
	drvt_encl(&d, &e, ESIZE, 0);
	assert_int_equal(drvt_add_src(&e, 0, anon, 2, R, true, NULL), 0);
	assert_int_equal(drvt_add_src(&e, 0x2000, anon, 2, RX, true, NULL), -EACCES);
	assert_int_equal(read_json(j, 4), 1);
	common(&j[0], "page_load", "deny", "exec-source", "1", NULL, NULL);
	polt_json_lit(&j[0], "offset", "8192");
	drvt_close(&e);
	polt_src_free(anon, 2);
	drvt_teardown(&d);
	policy_free(p);
}

/* A file name with a quote, a backslash, a newline and a non-ASCII byte. */
static void test_escaping(void **state)
{
	static struct polt_json j[4];
	char dir[] = "/tmp/sgxemu-esc-XXXXXX", name[160];
	struct drvt_encl e;
	struct policy *p;
	struct drvt d;
	void *src;
	int fd;

	(void)state;
	assert_int_equal(truncate(log_path, 0), 0);
	assert_non_null(mkdtemp(dir));
	snprintf(name, sizeof(name), "%s/a \"q\" \\ \n\xe9.bin", dir);
	fd = open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, SGX_PAGE_SIZE), 0);
	src = mmap(NULL, SGX_PAGE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	assert_true(src != MAP_FAILED);

	p = polt_load("module audit\noutput %s\n", log_path);
	drvt_setup_policy(&d, NULL, p);
	drvt_open(&d, &e, ESIZE);
	assert_int_equal(drvt_add_src(&e, 0, src, 1, RX, true, NULL), -EINVAL);  /* no CREATE yet */
	assert_int_equal(drvt_create(&e, 0), 0);
	assert_int_equal(drvt_add_src(&e, 0, src, 1, RX, true, NULL), 0);
	assert_int_equal(read_json(j, 4), 2);
	polt_json_str(&j[1], "hook", "page_load");
	/*
	 * The name as the kernel gives it: raw from PROCMAP_QUERY, with a
	 * newline as "\012" in the text of /proc/self/maps.
	 */
	if (strcmp(polt_json_get(&j[1], "src_path", NULL), name))
		snprintf(name, sizeof(name), "%s/a \"q\" \\ \\012\xe9.bin", dir);
	polt_json_str(&j[1], "src_path", name);
	drvt_close(&e);
	drvt_teardown(&d);
	policy_free(p);
	munmap(src, SGX_PAGE_SIZE);
	snprintf(name, sizeof(name), "%s/a \"q\" \\ \n\xe9.bin", dir);
	unlink(name);
	rmdir(dir);
}

/*
 * A path of three directories of 250 non-ASCII bytes each escapes to over
 * 4500 bytes: the logged path is cut at 1024 escaped bytes with "...", and
 * the line is still written, whole.
 */
static void test_long_escaped_path(void **state)
{
	static struct polt_json j[4];
	char dir[] = "/tmp/sgxemu-esc-XXXXXX", name[1024];
	const char *logged;
	struct drvt_encl e;
	struct policy *p;
	struct drvt d;
	size_t n, k;
	void *src;
	int fd;

	(void)state;
	assert_int_equal(truncate(log_path, 0), 0);
	assert_non_null(mkdtemp(dir));
	n = (size_t)snprintf(name, sizeof(name), "%s", dir);
	for (k = 0; k < 3; k++) {
		name[n++] = '/';
		memset(name + n, 0xe9, 250);
		n += 250;
		name[n] = '\0';
		if (k < 2)
			assert_int_equal(mkdir(name, 0700), 0);
	}
	fd = open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, SGX_PAGE_SIZE), 0);
	src = mmap(NULL, SGX_PAGE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	assert_true(src != MAP_FAILED);

	p = polt_load("module audit\noutput %s\n", log_path);
	drvt_setup_policy(&d, NULL, p);
	drvt_encl(&d, &e, ESIZE, 0);
	assert_int_equal(drvt_add_src(&e, 0, src, 1, RX, true, NULL), 0);
	assert_int_equal(read_json(j, 4), 2);
	logged = polt_json_get(&j[1], "src_path", NULL);
	/* The directory and "/", then as many whole \u00e9 as fit in 1024 bytes, then "...". */
	k = strlen(dir) + 1;
	assert_true(!strncmp(logged, name, k));
	assert_int_equal(strlen(logged), k + (1024 - k) / 6 + 3);
	assert_string_equal(logged + strlen(logged) - 3, "...");
	drvt_close(&e);
	drvt_teardown(&d);
	policy_free(p);
	munmap(src, SGX_PAGE_SIZE);
	unlink(name);
	for (k = 0; k < 2; k++) {
		*strrchr(name, '/') = '\0';
		rmdir(name);
	}
	rmdir(dir);
}

/* ---- concurrent enclaves ------------------------------------------------------------ */

#define THREADS 4
#define PAGES_EACH 48
#define PAGES_PER_CALL 8                /* a line each */

struct worker {
	struct sgx_driver *drv;
	uint64_t base;
	uint8_t *src;
	long ret;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	static struct sgx_secs secs_tmpl;
	struct sgx_secs *secs = aligned_alloc(SGX_PAGE_SIZE, sizeof(*secs));
	struct sgx_secinfo secinfo __attribute__((aligned(64))) = { .flags = R };
	struct sgx_enclave_create create = { .src = (uintptr_t)secs };
	struct sgx_enclave_add_pages add;
	struct sgx_file *f;
	unsigned int i;

	(void)secs_tmpl;
	w->ret = -ENOMEM;
	if (!secs)
		return NULL;
	hwt_secs_init(secs, w->base, ESIZE * 4);
	w->ret = sgx_open(w->drv, SGX_DEV_ENCLAVE, &f);
	if (!w->ret)
		w->ret = sgx_ioctl(f, SGX_IOC_ENCLAVE_CREATE, (uintptr_t)&create, NULL);
	for (i = 0; !w->ret && i < PAGES_EACH; i += PAGES_PER_CALL) {
		memset(&add, 0, sizeof(add));
		add.src = (uintptr_t)w->src;
		add.offset = (uint64_t)i * SGX_PAGE_SIZE;
		add.length = PAGES_PER_CALL * SGX_PAGE_SIZE;
		add.secinfo = (uintptr_t)&secinfo;
		add.flags = SGX_PAGE_MEASURE;
		w->ret = sgx_ioctl(f, SGX_IOC_ENCLAVE_ADD_PAGES, (uintptr_t)&add, NULL);
	}
	sgx_release(f);
	free(secs);
	return NULL;
}

static void test_concurrent(void **state)
{
	static struct polt_json j[MAX_LINES];
	struct worker w[THREADS];
	pthread_t t[THREADS];
	unsigned int per[THREADS + 1] = { 0 }, n, i;
	struct policy *p;
	struct drvt d;

	(void)state;
	assert_int_equal(truncate(log_path, 0), 0);
	p = polt_load("module wx\nmodule audit\noutput %s\n", log_path);
	drvt_setup_policy(&d, NULL, p);
	for (i = 0; i < THREADS; i++) {
		w[i].drv = d.drv;
		w[i].base = 0x100000000ull * (i + 1);
		w[i].src = polt_src(POLT_ANON_RW, PAGES_PER_CALL, (uint8_t)i);
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].ret, 0);
		polt_src_free(w[i].src, PAGES_PER_CALL);
	}
	/* Every line whole; per enclave its CREATE and one line per call. */
	n = read_json(j, MAX_LINES);
	assert_int_equal(n, THREADS * (1 + PAGES_EACH / PAGES_PER_CALL));
	for (i = 0; i < n; i++) {
		unsigned long id = strtoul(polt_json_get(&j[i], "enclave", NULL), NULL, 10);
		const char *pages = polt_json_get(&j[i], "pages", NULL);

		assert_true(id >= 1 && id <= THREADS);
		polt_json_str(&j[i], "decision", "allow");
		per[id] += pages ? (unsigned int)strtoul(pages, NULL, 10) : 0;
	}
	for (i = 1; i <= THREADS; i++)
		assert_int_equal(per[i], PAGES_EACH);
	drvt_teardown(&d);
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_log),
		cmocka_unit_test(test_deny_only),
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_long_escaped_path),
		cmocka_unit_test(test_concurrent),
	};

	return cmocka_run_group_tests(tests, make_log, remove_log);
}
