// SPDX-License-Identifier: MIT
/*
 * Driver benchmarks:
 *   - issue 3: SGX_IOC_ENCLAVE_ADD_PAGES end to end through sgx_ioctl()
 *     (measured pages, several per call as a loader adds a segment) against
 *     the raw EADD + 16 x EEXTEND of the same pages on a platform of its
 *     own, measured in the same run;
 *
 * Each sample builds BUILD_PAGES pages into a fresh enclave; enclave
 * creation and teardown are not timed. The operation and its floor are
 * sampled alternately, so that drift on a shared machine hits both alike.
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
		add.src = (uintptr_t)src + (uint64_t)(done % BATCH_PAGES) * SGX_PAGE_SIZE;
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
		pginfo.contents = (uintptr_t)src + (uint64_t)(i % BATCH_PAGES) * SGX_PAGE_SIZE;
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

static void bench_add_pages(const uint8_t *src)
{
	double s_floor[BENCH_SAMPLES], s_add[BENCH_SAMPLES], s_add1[BENCH_SAMPLES];
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

		if (i) {
			s_floor[i - 1] = f;
			s_add[i - 1] = a;
			s_add1[i - 1] = a1;
		}
	}
	bench_report_lat("add_pages_measured_x16", bench_lat_of(s_add, BENCH_SAMPLES),
			 "eadd_16eextend", bench_lat_of(s_floor, BENCH_SAMPLES), 1.10);
	bench_report_lat("add_pages_measured_x1", bench_lat_of(s_add1, BENCH_SAMPLES),
			 "eadd_16eextend", bench_lat_of(s_floor, BENCH_SAMPLES), 0);

	sgx_driver_destroy(drv);
	hw_platform_destroy(hw);
	hw_platform_destroy(fl.hw);
}

void bench_driver(void)
{
	const uint8_t *src = source_pages(BATCH_PAGES);

	printf("\n-- driver (driver/) --\n");
	bench_add_pages(src);
	munmap((void *)src, BATCH_PAGES * SGX_PAGE_SIZE);
	unlink(src_path);
}
