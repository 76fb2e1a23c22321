// SPDX-License-Identifier: MIT
/*
 * EPC paging benchmarks (issue 5), each against a floor measured in this
 * run (shared/reference/perf-notes.md):
 *   - fault-in: a touch of an evicted page through the real mapping, its
 *     SIGSEGV handler calling sgx_encl_fault() (ELDU, map), against the
 *     same touch of a PROT_NONE page whose handler does one AES-GCM page
 *     decrypt and one mmap(MAP_FIXED) of 4 KiB - the physical floor of a
 *     fault-in;
 *   - reclaim throughput: pages/s written out by reclaim passes (EBLOCK,
 *     ETRACK, EWB into the backing, free), against the AES-GCM page rate;
 *   - aging: what the software accessed bit costs - clearing it (a zap,
 *     against one anonymous mmap(MAP_FIXED)) and the refault of a page in
 *     use (against a SIGSEGV round trip with one mmap);
 *   - peak VMA count and sgxemu's metadata bytes per EPC page.
 * Reclaim passes are the benchmark's own (free pages never run low, so
 * ksgxd does not reclaim), while ksgxd runs as it would, doing the work
 * the fault handler leaves it: freeing the backing of pages it loaded.
 * That work runs concurrently with the measured faults; where the other
 * CPU is busy (a shared 2-vCPU VM) it costs the faulting thread time, and
 * the median moves well above the fault path's own cost (about 1.05x the
 * floor with ksgxd's freeing switched off; see the closing report).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "bench.h"
#include "crypto.h"
#include "encl.h"
#include "lp.h"
#include "platform.h"
#include "sgxemu/uapi/sgx.h"

#define NPAGES   256                    /* enclave pages per sample */
#define ESIZE    (2ull << 20)           /* ELRANGE: 512 pages */

static struct {
	struct hw_platform *hw;
	struct sgx_driver *drv;
	struct sgx_file *f;
	uint8_t *base;                  /* ELRANGE, mapped RW */
	void *reserve;
	/* Floor state. */
	struct crypto_gcm *g;
	uint8_t blob[SGX_PAGE_SIZE] __attribute__((aligned(4096)));
	uint8_t plain[SGX_PAGE_SIZE] __attribute__((aligned(4096)));
	uint8_t aad[96], tag[16], iv[12];
	int floor_fd;
	bool floor_decrypt;
	uint64_t peak_vmas;
} b;

static void die(const char *what, long ret)
{
	fprintf(stderr, "sgxemu-bench: %s failed: %ld\n", what, ret);
	exit(1);
}

/* ---- the SIGSEGV handler: the driver's fault path, or the floor's ----------- */

static enum { H_DRIVER, H_FLOOR } handler;

static void segv(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	uint64_t addr = (uint64_t)(uintptr_t)si->si_addr;
	unsigned int access = (uc->uc_mcontext.gregs[REG_ERR] & X86_PF_WRITE) ? HW_ACC_WRITE :
									       HW_ACC_READ;
	enum sgx_fault_result res;
	uint32_t code;

	(void)sig;
	if (handler == H_FLOOR) {
		void *page = (void *)(uintptr_t)(addr & SGX_PAGE_MASK);

		if (b.floor_decrypt && crypto_gcm_decrypt(b.g, b.iv, b.aad, sizeof(b.aad), b.blob,
							   b.plain, SGX_PAGE_SIZE, b.tag))
			abort();
		if (mmap(page, SGX_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 b.floor_fd, 0) == MAP_FAILED)
			abort();
		return;
	}
	res = sgx_encl_fault(b.drv, addr, access, &code);
	if (res != SGX_FAULT_HANDLED && res != SGX_FAULT_RETRY)
		abort();
}

/* ---- set-up ---------------------------------------------------------------- */

static void build(void)
{
	static struct sgx_secs secs __attribute__((aligned(4096)));
	struct sgx_secinfo secinfo __attribute__((aligned(64))) = {
		.flags = SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W,
	};
	struct sgx_enclave_create create;
	struct sgx_enclave_add_pages add;
	struct hw_config cfg;
	uint8_t *src;
	long ret;

	hw_config_default(&cfg);
	ret = hw_platform_create(&cfg, &b.hw);
	if (ret)
		die("hw_platform_create", ret);
	ret = sgx_driver_create(b.hw, NULL, &b.drv);
	if (ret)
		die("sgx_driver_create", ret);
	ret = sgx_open(b.drv, SGX_DEV_ENCLAVE, &b.f);
	if (ret)
		die("sgx_open", ret);
	b.reserve = mmap(NULL, 2 * ESIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			 -1, 0);
	if (b.reserve == MAP_FAILED)
		die("mmap", -1);
	b.base = (uint8_t *)(((uintptr_t)b.reserve + ESIZE - 1) & ~(uintptr_t)(ESIZE - 1));

	memset(&secs, 0, sizeof(secs));
	secs.base = (uintptr_t)b.base;
	secs.size = ESIZE;
	secs.ssa_frame_size = 1;
	secs.attributes = SGX_ATTR_MODE64BIT;
	secs.xfrm = SGX_XFRM_LEGACY;
	create.src = (uintptr_t)&secs;
	ret = sgx_ioctl(b.f, SGX_IOC_ENCLAVE_CREATE, (unsigned long)&create, NULL);
	if (ret)
		die("ENCLAVE_CREATE", ret);
	src = mmap(NULL, NPAGES * SGX_PAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (src == MAP_FAILED)
		die("mmap", -1);
	memset(src, 0x5a, NPAGES * SGX_PAGE_SIZE);
	memset(&add, 0, sizeof(add));
	add.src = (uintptr_t)src;
	add.length = NPAGES * SGX_PAGE_SIZE;
	add.secinfo = (uintptr_t)&secinfo;
	ret = sgx_ioctl(b.f, SGX_IOC_ENCLAVE_ADD_PAGES, (unsigned long)&add, NULL);
	if (ret)
		die("ENCLAVE_ADD_PAGES", ret);
	munmap(src, NPAGES * SGX_PAGE_SIZE);
	/* Not initialized: the SECS stays in, so every fault is one ELDU. */
	ret = sgx_mmap(b.f, b.base, ESIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, 0);
	if (ret < 0)
		die("sgx_mmap", ret);
}

static void teardown(void)
{
	if (sgx_munmap(b.drv, b.reserve, 2 * ESIZE) < 0)
		die("sgx_munmap", -1);
	munmap(b.reserve, 2 * ESIZE);
	sgx_release(b.f);
	sgx_driver_destroy(b.drv);
	hw_platform_destroy(b.hw);
}

static uint64_t maps_lines(void)
{
	char line[512];
	uint64_t n = 0;
	FILE *m = fopen("/proc/self/maps", "r");

	if (!m)
		return 0;
	while (fgets(line, sizeof(line), m))
		n++;
	fclose(m);
	return n;
}

static void touch_all(unsigned int first)
{
	unsigned int i;

	for (i = first; i < NPAGES; i++)
		*(volatile uint8_t *)(b.base + (uint64_t)i * SGX_PAGE_SIZE) += 1;
}

/* Passes until every page is out (young ones lose their chance first). */
static void evict_all(void)
{
	unsigned int i;

	for (i = 0; i < 4 * NPAGES && atomic_load(&b.drv->nr_active); i++)
		(void)sgx_reclaim_pages(b.drv);
	if (atomic_load(&b.drv->nr_active))
		die("evicting", -1);
}

/* One pass over the list per 16 pages, all young: every page is aged. */
static void age_all(void)
{
	unsigned int i;

	for (i = 0; i < (NPAGES + SGX_NR_TO_SCAN - 1) / SGX_NR_TO_SCAN; i++)
		(void)sgx_reclaim_pages(b.drv);
}

/* ---- the benchmarks ----------------------------------------------------------- */

/* The floor: touches of PROT_NONE pages, each handled by decrypt (or not) + mmap. */
static struct bench_lat floor_touch(bool decrypt)
{
	double s[BENCH_SAMPLES];
	unsigned int k, i;
	uint8_t *region;

	b.floor_decrypt = decrypt;
	handler = H_FLOOR;
	region = mmap(NULL, NPAGES * SGX_PAGE_SIZE, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (region == MAP_FAILED)
		die("mmap", -1);
	for (k = 0; k <= BENCH_SAMPLES; k++) {
		uint64_t t0;

		if (mmap(region, NPAGES * SGX_PAGE_SIZE, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) == MAP_FAILED)
			die("mmap", -1);
		t0 = bench_now_ns();
		for (i = 0; i < NPAGES; i++)
			*(volatile uint8_t *)(region + (uint64_t)i * SGX_PAGE_SIZE) += 1;
		if (k)
			s[k - 1] = (double)(bench_now_ns() - t0) / NPAGES;
	}
	munmap(region, NPAGES * SGX_PAGE_SIZE);
	handler = H_DRIVER;
	return bench_lat_of(s, BENCH_SAMPLES);
}

static void fn_gcm_encrypt(void *ctx, uint64_t iters)
{
	uint8_t tag[16];

	(void)ctx;
	while (iters--)
		if (crypto_gcm_encrypt(b.g, b.iv, b.aad, sizeof(b.aad), b.plain, b.blob,
				       SGX_PAGE_SIZE, tag))
			die("AES-GCM", -1);
}

static void fn_mmap_anon(void *ctx, uint64_t iters)
{
	uint8_t *region = ctx;

	while (iters--)
		if (mmap(region + (iters % NPAGES) * SGX_PAGE_SIZE, SGX_PAGE_SIZE, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) == MAP_FAILED)
			die("mmap", -1);
}

/* Touches of evicted pages: SIGSEGV, sgx_encl_fault(), ELDU, map. */
static struct bench_lat fault_in(void)
{
	double s[BENCH_SAMPLES];
	unsigned int k;

	for (k = 0; k <= BENCH_SAMPLES; k++) {
		uint64_t t0, v;

		evict_all();
		t0 = bench_now_ns();
		touch_all(0);
		if (k)
			s[k - 1] = (double)(bench_now_ns() - t0) / NPAGES;
		v = maps_lines();
		if (v > b.peak_vmas)
			b.peak_vmas = v;
	}
	return bench_lat_of(s, BENCH_SAMPLES);
}

/* Passes writing out NPAGES resident, aged pages: ns per page. */
static struct bench_lat reclaim_rate(void)
{
	double s[BENCH_SAMPLES];
	unsigned int k;

	for (k = 0; k <= BENCH_SAMPLES; k++) {
		uint64_t t0;

		evict_all();
		touch_all(0);
		age_all();
		t0 = bench_now_ns();
		evict_all();
		if (k)
			s[k - 1] = (double)(bench_now_ns() - t0) / NPAGES;
	}
	return bench_lat_of(s, BENCH_SAMPLES);
}

/* The accessed bit: a pass clearing it (zap) per page, and the refault after. */
static void aging(struct bench_lat *clear, struct bench_lat *refault)
{
	double sc[BENCH_SAMPLES], sr[BENCH_SAMPLES];
	unsigned int k;

	for (k = 0; k <= BENCH_SAMPLES; k++) {
		uint64_t t0, t1;

		touch_all(0);                   /* resident, mapped, young */
		t0 = bench_now_ns();
		age_all();
		t1 = bench_now_ns();
		touch_all(0);                   /* still resident: map again only */
		if (k) {
			sc[k - 1] = (double)(t1 - t0) / NPAGES;
			sr[k - 1] = (double)(bench_now_ns() - t1) / NPAGES;
		}
	}
	*clear = bench_lat_of(sc, BENCH_SAMPLES);
	*refault = bench_lat_of(sr, BENCH_SAMPLES);
}

void bench_reclaim(void)
{
	struct bench_lat gcm_enc, floor_fault, floor_sigmmap, anon_mmap, fin, rec, clr, ref;
	struct sgx_driver_stats st;
	struct sigaction sa, old;
	uint8_t key[16] = { 7 };
	uint8_t *scratch;

	/* The floor's blob: one page encrypted under a key of its own. */
	if (crypto_gcm_new(key, &b.g))
		die("AES-GCM", -1);
	memset(b.plain, 0x33, sizeof(b.plain));
	if (crypto_gcm_encrypt(b.g, b.iv, b.aad, sizeof(b.aad), b.plain, b.blob, SGX_PAGE_SIZE,
			       b.tag))
		die("AES-GCM", -1);
	b.floor_fd = memfd_create("bench floor", MFD_CLOEXEC);
	if (b.floor_fd < 0 || ftruncate(b.floor_fd, SGX_PAGE_SIZE))
		die("memfd", -1);

	printf("\n-- EPC paging (driver/) --\n");
	build();
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, &old))
		die("sigaction", -1);
	touch_all(0);

	floor_fault = floor_touch(true);
	fin = fault_in();
	bench_report_lat("fault_in_evicted_page", fin, "sigsegv+gcm_dec+mmap", floor_fault, 1.3);

	gcm_enc = bench_run(fn_gcm_encrypt, NULL, 256);
	rec = reclaim_rate();
	bench_report_rate("reclaim_pages", rec, "aes_gcm_encrypt_page", gcm_enc, 0);
	bench_report_value("reclaim_pages_per_s", 1e9 / rec.median_ns, "pages/s", 200000, true);

	scratch = mmap(NULL, NPAGES * SGX_PAGE_SIZE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (scratch == MAP_FAILED)
		die("mmap", -1);
	anon_mmap = bench_run(fn_mmap_anon, scratch, NPAGES);
	munmap(scratch, NPAGES * SGX_PAGE_SIZE);
	floor_sigmmap = floor_touch(false);
	aging(&clr, &ref);
	bench_report_lat("aging_clear_young_page", clr, "mmap_anon_4k", anon_mmap, 0);
	bench_report_lat("aging_refault_page", ref, "sigsegv+mmap", floor_sigmmap, 0);

	sgx_driver_stats(b.drv, &st);
	bench_report_value("peak_vma_count", (double)b.peak_vmas, "maps lines", 0, false);
	bench_report_value("metadata_per_epc_page", (double)st.metadata_per_epc_page, "bytes", 64,
			   false);
	bench_report_value("metadata_per_encl_page",
			   (double)st.metadata_encl_bytes / (double)st.encl_pages, "bytes", 0, false);

	if (sigaction(SIGSEGV, &old, NULL))
		die("sigaction", -1);
	teardown();
	close(b.floor_fd);
	crypto_gcm_free(b.g);
}
