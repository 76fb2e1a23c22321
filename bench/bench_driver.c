// SPDX-License-Identifier: MIT
/*
 * Driver benchmarks:
 *   - issue 3: SGX_IOC_ENCLAVE_ADD_PAGES end to end through sgx_ioctl()
 *     (measured pages, several per call as a loader adds a segment) against
 *     the raw EADD + 16 x EEXTEND of the same pages on a platform of its
 *     own, measured in the same run;
 *   - issue 7: the same ADD_PAGES with every policy module stacked (the
 *     audit log to /dev/null, and to a real file) against no policy, each
 *     driver on a platform of its own.
 *
 * Each sample builds BUILD_PAGES pages (page i from page i of one file
 * mapping, for the leaves and the ioctl alike) into a fresh enclave; enclave
 * creation and teardown are not timed. The operation and its floor are
 * sampled alternately, so that drift on a shared machine hits both alike.
 *
 * The runtime is up, as under `sgxemu run`: its fault handler applies the
 * driver's copy fixups, so the driver copies user memory directly.
 * add_pages_x16_syscalls is the same call with that turned off
 * (process_vm_readv/writev, what a driver without the runtime does).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"
#include "driver.h"
#include "encls.h"
#include "platform.h"
#include "policy.h"
#include "rt.h"
#include "sgxemu/uapi/sgx.h"

#define ENCL_BASE   0x7e0000000000ull
#define ENCL_SIZE   (2ull << 20)
#define BUILD_PAGES 256                 /* per sample */
#define BATCH_PAGES 16                  /* per ADD_PAGES call */
#define SRC_FLAGS   (SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_X)

static void die(const char *what, long err)
{
	fprintf(stderr, "sgxemu-bench: driver: %s failed: %ld (%s)\n", what, err,
		err < 0 ? strerror((int)-err) : "SGX error");
	exit(1);
}

static struct hw_platform *platform(void)
{
	struct hw_platform *hw;
	struct hw_config cfg;
	int ret;

	hw_config_default(&cfg);
	cfg.epc_size = 16ull << 20;
	ret = hw_platform_create(&cfg, &hw);
	if (ret)
		die("platform", ret);
	return hw;
}

/*
 * The source of every page: a read-only private mapping of a real file,
 * as a loader maps an enclave image (and what the exec-source module
 * accepts for executable pages).
 */
static char src_path[] = "/tmp/sgxemu-bench-XXXXXX";

static const uint8_t *source_pages(unsigned int npages)
{
	char *path = src_path;
	uint8_t page[SGX_PAGE_SIZE];
	unsigned int i;
	void *p;
	int fd;

	fd = mkstemp(path);
	if (fd < 0)
		die("mkstemp", -errno);
	for (i = 0; i < npages; i++) {
		memset(page, 0xa5 + i, sizeof(page));
		if (write(fd, page, sizeof(page)) != (ssize_t)sizeof(page))
			die("write", -errno);
	}
	p = mmap(NULL, (size_t)npages * SGX_PAGE_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		die("mmap", -errno);
	return p;
}

static void secs_init(struct sgx_secs *secs)
{
	memset(secs, 0, sizeof(*secs));
	secs->base = ENCL_BASE;
	secs->size = ENCL_SIZE;
	secs->ssa_frame_size = 1;
	secs->attributes = SGX_ATTR_MODE64BIT;
	secs->xfrm = SGX_XFRM_LEGACY;
}

/* ---- through the driver --------------------------------------------------- */

static double sample_ioctl(struct sgx_driver *drv, const uint8_t *src, unsigned int batch)
{
	static struct sgx_secs secs;
	struct sgx_secinfo secinfo __attribute__((aligned(64))) = { .flags = SRC_FLAGS };
	struct sgx_enclave_create create = { .src = (uintptr_t)&secs };
	struct sgx_enclave_add_pages add;
	struct sgx_file *f;
	unsigned int done;
	uint64_t t0, t;
	long ret;

	ret = sgx_open(drv, SGX_DEV_ENCLAVE, &f);
	if (ret)
		die("open", ret);
	secs_init(&secs);
	ret = sgx_ioctl(f, SGX_IOC_ENCLAVE_CREATE, (uintptr_t)&create, NULL);
	if (ret)
		die("CREATE", ret);

	t0 = bench_now_ns();
	for (done = 0; done < BUILD_PAGES; done += batch) {
		memset(&add, 0, sizeof(add));
		add.src = (uintptr_t)src + (uint64_t)done * SGX_PAGE_SIZE;
		add.offset = (uint64_t)done * SGX_PAGE_SIZE;
		add.length = (uint64_t)batch * SGX_PAGE_SIZE;
		add.secinfo = (uintptr_t)&secinfo;
		add.flags = SGX_PAGE_MEASURE;
		ret = sgx_ioctl(f, SGX_IOC_ENCLAVE_ADD_PAGES, (uintptr_t)&add, NULL);
		if (ret)
			die("ADD_PAGES", ret);
	}
	t = bench_now_ns() - t0;
	sgx_release(f);
	return (double)t / BUILD_PAGES;
}

/* ---- the floor: the leaves alone ----------------------------------------- */

struct floor {
	struct hw_platform *hw;
	void *epc[BUILD_PAGES + 1];
};

static double sample_leaves(struct floor *fl, const uint8_t *src)
{
	static struct sgx_secs secs;
	struct sgx_secinfo secinfo __attribute__((aligned(64)));
	struct sgx_pageinfo pginfo;
	unsigned int i, off, r;
	uint64_t t0, t;

	secs_init(&secs);
	memset(&secinfo, 0, sizeof(secinfo));
	memset(&pginfo, 0, sizeof(pginfo));
	pginfo.contents = (uintptr_t)&secs;
	pginfo.metadata = (uintptr_t)&secinfo;
	r = encls_ecreate(fl->hw, &pginfo, fl->epc[BUILD_PAGES]);
	if (r)
		die("ECREATE", r);

	secinfo.flags = SRC_FLAGS;
	pginfo.metadata = (uintptr_t)&secinfo;
	pginfo.secs = (uintptr_t)fl->epc[BUILD_PAGES];
	t0 = bench_now_ns();
	for (i = 0; i < BUILD_PAGES; i++) {
		pginfo.addr = ENCL_BASE + (uint64_t)i * SGX_PAGE_SIZE;
		pginfo.contents = (uintptr_t)src + (uint64_t)i * SGX_PAGE_SIZE;
		r = encls_eadd(fl->hw, &pginfo, fl->epc[i]);
		for (off = 0; !r && off < SGX_PAGE_SIZE; off += 256)
			r = encls_eextend(fl->hw, fl->epc[BUILD_PAGES], (uint8_t *)fl->epc[i] + off);
		if (r)
			die("EADD/EEXTEND", r);
	}
	t = bench_now_ns() - t0;
	for (i = 0; i <= BUILD_PAGES; i++) {
		r = encls_eremove(fl->hw, fl->epc[i]);
		if (r)
			die("EREMOVE", r);
	}
	return (double)t / BUILD_PAGES;
}

static double sample_ioctl_syscalls(struct sgx_driver *drv, const uint8_t *src,
				    unsigned int batch)
{
	double t;

	sgx_uaccess_set_fixups(false);
	t = sample_ioctl(drv, src, batch);
	sgx_uaccess_set_fixups(true);
	return t;
}

static void bench_add_pages(const uint8_t *src)
{
	double s_floor[BENCH_SAMPLES], s_add[BENCH_SAMPLES], s_add1[BENCH_SAMPLES];
	double s_add256[BENCH_SAMPLES], s_sys[BENCH_SAMPLES];
	struct sgx_driver *drv;
	struct hw_platform *hw = platform();
	struct floor fl;
	unsigned int i;
	int ret;

	fl.hw = platform();
	for (i = 0; i <= BUILD_PAGES; i++)
		fl.epc[i] = hw_epc_page(fl.hw, i);
	ret = sgx_driver_create(hw, NULL, &drv);
	if (ret)
		die("driver", ret);

	/* Sample 0 warms up. */
	for (i = 0; i <= BENCH_SAMPLES; i++) {
		double f = sample_leaves(&fl, src);
		double a = sample_ioctl(drv, src, BATCH_PAGES);
		double a1 = sample_ioctl(drv, src, 1);
		double a256 = sample_ioctl(drv, src, BUILD_PAGES);
		double sys = sample_ioctl_syscalls(drv, src, BATCH_PAGES);

		if (i) {
			s_floor[i - 1] = f;
			s_add[i - 1] = a;
			s_add1[i - 1] = a1;
			s_add256[i - 1] = a256;
			s_sys[i - 1] = sys;
		}
	}
	bench_report_lat("add_pages_measured_x16", bench_lat_of(s_add, BENCH_SAMPLES),
			 "eadd_16eextend", bench_lat_of(s_floor, BENCH_SAMPLES), 1.10);
	bench_report_lat("add_pages_measured_x256", bench_lat_of(s_add256, BENCH_SAMPLES),
			 "eadd_16eextend", bench_lat_of(s_floor, BENCH_SAMPLES), 1.10);
	bench_report_lat("add_pages_measured_x1", bench_lat_of(s_add1, BENCH_SAMPLES),
			 "eadd_16eextend", bench_lat_of(s_floor, BENCH_SAMPLES), 0);
	bench_report_lat("add_pages_x16_syscalls", bench_lat_of(s_sys, BENCH_SAMPLES),
			 "eadd_16eextend", bench_lat_of(s_floor, BENCH_SAMPLES), 0);

	sgx_driver_destroy(drv);
	hw_platform_destroy(hw);
	hw_platform_destroy(fl.hw);
}

/* ---- policy overhead ------------------------------------------------------ */

static struct sgx_driver *policy_driver(struct hw_platform **hw, struct policy *pol)
{
	struct sgx_driver_config cfg = { .policy = pol };
	struct sgx_driver *drv;
	int ret;

	*hw = platform();
	ret = sgx_driver_create(*hw, &cfg, &drv);
	if (ret)
		die("driver", ret);
	return drv;
}

static struct policy *all_modules(const char *log, const char *decisions)
{
	char text[1024], err[512];
	struct policy *p;
	int ret;

	snprintf(text, sizeof(text),
		 "module exec-source\nmodule wx\nmodule debug\n"
		 "module signers\n mrsigner %064x\n"
		 "module provision\n mrsigner %064x\n"
		 "module audit\n output %s\n decisions %s\n", 1, 2, log, decisions);
	ret = policy_load_buffer("bench", text, strlen(text), 0, &p, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "sgxemu-bench: policy: %s\n", err);
		exit(1);
	}
	return p;
}

/*
 * Every module stacked, the audit log logging every decision (one line per
 * run of pages of a call) to /dev/null and to a real file, and logging
 * denials only (there are none: the cost of the hooks themselves). The log
 * file grows as a real one does (~0.2 MB in all); truncating it between
 * samples measured ext4's truncate-then-append path instead.
 */
static void bench_policy(const uint8_t *src)
{
	double s_none[BENCH_SAMPLES], s_null[BENCH_SAMPLES], s_file[BENCH_SAMPLES];
	double s_deny[BENCH_SAMPLES];
	char log[] = "/tmp/sgxemu-bench-audit-XXXXXX";
	struct hw_platform *hw_none, *hw_null, *hw_file, *hw_deny;
	struct sgx_driver *none, *null, *file, *deny;
	struct policy *p_null, *p_file, *p_deny;
	unsigned int i;
	int fd;

	fd = mkstemp(log);
	if (fd < 0)
		die("mkstemp", -errno);
	close(fd);
	p_null = all_modules("/dev/null", "all");
	p_file = all_modules(log, "all");
	p_deny = all_modules(log, "deny");
	none = policy_driver(&hw_none, NULL);
	null = policy_driver(&hw_null, p_null);
	file = policy_driver(&hw_file, p_file);
	deny = policy_driver(&hw_deny, p_deny);

	for (i = 0; i <= BENCH_SAMPLES; i++) {
		double a = sample_ioctl(none, src, BATCH_PAGES);
		double b = sample_ioctl(null, src, BATCH_PAGES);
		double c = sample_ioctl(file, src, BATCH_PAGES);
		double e = sample_ioctl(deny, src, BATCH_PAGES);

		if (i) {
			s_none[i - 1] = a;
			s_null[i - 1] = b;
			s_file[i - 1] = c;
			s_deny[i - 1] = e;
		}
	}
	bench_report_lat("add_pages_policy_all", bench_lat_of(s_null, BENCH_SAMPLES),
			 "add_pages_no_policy", bench_lat_of(s_none, BENCH_SAMPLES), 1.02);
	bench_report_lat("add_pages_policy_all_logfile", bench_lat_of(s_file, BENCH_SAMPLES),
			 "add_pages_no_policy", bench_lat_of(s_none, BENCH_SAMPLES), 1.02);
	bench_report_lat("add_pages_policy_all_logdeny", bench_lat_of(s_deny, BENCH_SAMPLES),
			 "add_pages_no_policy", bench_lat_of(s_none, BENCH_SAMPLES), 1.02);

	sgx_driver_destroy(none);
	sgx_driver_destroy(null);
	sgx_driver_destroy(file);
	sgx_driver_destroy(deny);
	hw_platform_destroy(hw_deny);
	hw_platform_destroy(hw_none);
	hw_platform_destroy(hw_null);
	hw_platform_destroy(hw_file);
	policy_free(p_null);
	policy_free(p_file);
	policy_free(p_deny);
	unlink(log);
}

void bench_driver(void)
{
	const uint8_t *src = source_pages(BUILD_PAGES);
	struct hw_platform *rt_hw = platform();
	struct sgx_driver *rt_drv;
	struct rt_config cfg;
	int ret;

	ret = sgx_driver_create(rt_hw, NULL, &rt_drv);
	if (ret)
		die("driver", ret);
	rt_config_default(&cfg);
	cfg.cpuid_faulting = false;
	ret = rt_init(rt_hw, rt_drv, NULL, &cfg);
	if (ret)
		die("rt_init", ret);

	printf("\n-- driver (driver/) --\n");
	bench_add_pages(src);
	bench_policy(src);

	rt_fini();
	sgx_driver_destroy(rt_drv);
	hw_platform_destroy(rt_hw);
	munmap((void *)src, BUILD_PAGES * SGX_PAGE_SIZE);
	unlink(src_path);
}
