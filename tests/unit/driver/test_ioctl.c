// SPDX-License-Identifier: MIT
/*
 * The SGX1 ioctls against the kernel's contract, one table per ioctl
 * (shared/reference/linux-sgx.md §1.3), rows numbered so a failure names
 * its row; plus the dispatcher (-ENOTTY, -EBUSY from a second thread).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "drv_test_util.h"
#include "encl.h"

#define ESIZE 0x10000ull                /* 16 pages of ELRANGE */
#define RW  (SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W)
#define RX  (SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_X)

/* A user pointer that faults: an address with nothing mapped. */
static void *unmapped_page(void)
{
	void *p = mmap(NULL, SGX_PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	munmap(p, SGX_PAGE_SIZE);
	return p;
}

/* @size bytes ending right at an unmapped page: the last byte faults. */
static void *straddle(size_t size)
{
	uint8_t *p = mmap(NULL, 2 * SGX_PAGE_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	munmap(p + SGX_PAGE_SIZE, SGX_PAGE_SIZE);
	return p + SGX_PAGE_SIZE - size + 1;
}

/* ---- CREATE ------------------------------------------------------------ */

enum c_arg { C_OK, C_ARG_NULL, C_SRC_NULL, C_SRC_STRADDLE, C_TWICE };

static const struct create_row {
	const char *what;
	enum c_arg arg;
	uint64_t size;                  /* 0: ESIZE */
	int64_t base_delta;             /* added to the aligned base */
	uint64_t attr_set, attr_clear, xfrm;
	uint32_t ssa, misc;
	uint64_t epc_pages;             /* 0: default EPC */
	long want;
} create_rows[] = {
	/*  0 */ { "success", C_OK, 0, 0, 0, 0, 0, 1, 0, 0, 0 },
	/*  1 */ { "already created", C_TWICE, 0, 0, 0, 0, 0, 1, 0, 0, -EINVAL },
	/*  2 */ { "argument unmapped", C_ARG_NULL, 0, 0, 0, 0, 0, 1, 0, 0, -EFAULT },
	/*  3 */ { "SECS pointer NULL", C_SRC_NULL, 0, 0, 0, 0, 0, 1, 0, 0, -EFAULT },
	/*  4 */ { "SECS runs into a hole", C_SRC_STRADDLE, 0, 0, 0, 0, 0, 1, 0, 0, -EFAULT },
	/*  5 */ { "size 0", C_OK, 1, 0, 0, 0, 0, 1, 0, 0, -EINVAL },
	/*  6 */ { "size not a power of 2", C_OK, 3 * SGX_PAGE_SIZE, 0, 0, 0, 0, 1, 0, 0, -EINVAL },
	/*  7 */ { "ECREATE: size one page", C_OK, SGX_PAGE_SIZE, 0, 0, 0, 0, 1, 0, 0, -EIO },
	/*  8 */ { "ECREATE: base not size aligned", C_OK, 0, SGX_PAGE_SIZE, 0, 0, 0, 1, 0, 0, -EIO },
	/*  9 */ { "ECREATE: reserved attribute", C_OK, 0, 0, 1ull << 3, 0, 0, 1, 0, 0, -EIO },
	/* 10 */ { "ECREATE: INIT attribute", C_OK, 0, 0, SGX_ATTR_INIT, 0, 0, 1, 0, 0, -EIO },
	/* 11 */ { "ECREATE: XFRM without SSE", C_OK, 0, 0, 0, 0, 1, 1, 0, 0, -EIO },
	/* 12 */ { "ECREATE: SSA frame size 0", C_OK, 0, 0, 0, 0, 0, 0, 0, 0, -EIO },
	/* 13 */ { "ECREATE: MISCSELECT unsupported", C_OK, 0, 0, 0, 0, 0, 1, 2, 0, -EIO },
	/* 14 */ { "ECREATE: size 2^36", C_OK, 1ull << 36, 0, 0, 0, 0, 1, 0, 0, -EIO },
	/* 15 */ { "ECREATE: 32-bit base above 4 GiB", C_OK, 0, 0, 0, SGX_ATTR_MODE64BIT, 0, 1, 0, 0,
		   -EIO },
	/* 16 */ { "DEBUG enclave", C_OK, 0, 0, SGX_ATTR_DEBUG, 0, 0, 1, 0, 0, 0 },
	/* 17 */ { "no EPC for the SECS", C_OK, 0, 0, 0, 0, 0, 1, 0, 1, -ENOMEM },
	/* 18 */ { "just enough EPC", C_OK, 0, 0, 0, 0, 0, 1, 0, 2, 0 },
};

static void test_create_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(create_rows) / sizeof(create_rows[0]); i++) {
		const struct create_row *r = &create_rows[i];
		static struct sgx_secs secs;
		struct sgx_enclave_create arg;
		struct sgx_driver_stats st;
		struct hw_config cfg;
		struct drvt_encl e;
		struct drvt d;
		void *argp = &arg;
		long ret;

		hw_config_default(&cfg);
		if (r->epc_pages)
			cfg.epc_size = r->epc_pages * SGX_PAGE_SIZE;
		drvt_setup(&d, &cfg);
		drvt_open(&d, &e, ESIZE);
		hwt_secs_init(&secs, e.base + (uint64_t)r->base_delta, r->size ? r->size : ESIZE);
		if (r->size == 1)
			secs.size = 0;
		secs.attributes = (secs.attributes | r->attr_set) & ~r->attr_clear;
		if (r->xfrm)
			secs.xfrm = r->xfrm;
		secs.ssa_frame_size = r->ssa;
		secs.miscselect = r->misc;
		arg.src = (uint64_t)(uintptr_t)&secs;
		if (r->arg == C_ARG_NULL)
			argp = unmapped_page();
		if (r->arg == C_SRC_NULL)
			arg.src = 0;
		if (r->arg == C_SRC_STRADDLE) {
			void *p = straddle(sizeof(secs));

			memcpy(p, &secs, sizeof(secs) - 1);
			arg.src = (uint64_t)(uintptr_t)p;
		}
		if (r->arg == C_TWICE)
			assert_int_equal(drvt_ioctl(&e, SGX_IOC_ENCLAVE_CREATE, &arg), 0);
		ret = drvt_ioctl(&e, SGX_IOC_ENCLAVE_CREATE, argp);
		if (ret != r->want)
			fail_msg("row %zu (%s): %ld, want %ld", i, r->what, ret, r->want);

		sgx_driver_stats(d.drv, &st);
		if (ret == 0) {
			assert_true(sgx_encl_test_flag(e.f->encl, SGX_ENCL_CREATED));
			assert_int_equal(!!sgx_encl_test_flag(e.f->encl, SGX_ENCL_DEBUG),
					 !!(r->attr_set & SGX_ATTR_DEBUG));
			assert_int_equal(e.f->encl->attributes_mask, SGX_ATTR_DEBUG |
					 SGX_ATTR_MODE64BIT | SGX_ATTR_KSS);
			assert_int_equal(st.pages_by_type[SGX_PT_SECS], 1);
			assert_int_equal(st.va_pages, 1);
			assert_int_equal(drvt_epcm_valid(&d), 2);
		} else if (r->arg != C_TWICE) {
			/* Nothing left behind, and a good SECS still works. */
			assert_false(sgx_encl_test_flag(e.f->encl, SGX_ENCL_CREATED));
			assert_int_equal(st.epc_used, 0);
			assert_int_equal(drvt_epcm_valid(&d), 0);
			if (!r->epc_pages) {
				hwt_secs_init(&secs, e.base, ESIZE);
				arg.src = (uint64_t)(uintptr_t)&secs;
				assert_int_equal(drvt_ioctl(&e, SGX_IOC_ENCLAVE_CREATE, &arg), 0);
			}
		}
		drvt_close(&e);
		drvt_teardown(&d);
	}
}

/* ---- ADD_PAGES --------------------------------------------------------- */

enum a_state { A_NEW, A_CREATED, A_INIT };
enum a_src { S_ANON, S_HOLE2, S_PROT_NONE, S_FILE, S_NOEXEC, S_NOEXEC_DELETED, S_BAD_TCS,
	     S_EXEC_ONLY, S_ENCLAVE };
enum a_arg { A_OK, A_ARG_NULL, A_ARG_RO, A_SECINFO_NULL };

static const struct add_row {
	const char *what;
	enum a_state state;
	uint64_t pre_offset, pre_pages;         /* added first, RW */
	uint64_t src_delta, offset, length;
	uint64_t secinfo, flags;
	uint8_t reserved_byte;
	enum a_src src;
	enum a_arg arg;
	uint64_t epc_pages;
	long want;
	uint64_t want_count;                    /* UINT64_MAX: count not written */
} add_rows[] = {
#define NOCNT UINT64_MAX
	/*  0 */ { "not created", A_NEW, 0, 0, 0, 0, 0x1000, RW, 0, 0, S_ANON, A_OK, 0, -EINVAL, NOCNT },
	/*  1 */ { "initialized", A_INIT, 0, 0, 0, 0x8000, 0x1000, RW, 0, 0, S_ANON, A_OK, 0, -EINVAL,
		   NOCNT },
	/*  2 */ { "argument unmapped", A_CREATED, 0, 0, 0, 0, 0x1000, RW, 0, 0, S_ANON, A_ARG_NULL, 0,
		   -EFAULT, NOCNT },
	/*  3 */ { "src not aligned", A_CREATED, 0, 0, 8, 0, 0x1000, RW, 0, 0, S_ANON, A_OK, 0, -EINVAL,
		   NOCNT },
	/*  4 */ { "offset not aligned", A_CREATED, 0, 0, 0, 0x10, 0x1000, RW, 0, 0, S_ANON, A_OK, 0,
		   -EINVAL, NOCNT },
	/*  5 */ { "length 0", A_CREATED, 0, 0, 0, 0, 0, RW, 0, 0, S_ANON, A_OK, 0, -EINVAL, NOCNT },
	/*  6 */ { "length not aligned", A_CREATED, 0, 0, 0, 0, 0x1800, RW, 0, 0, S_ANON, A_OK, 0,
		   -EINVAL, NOCNT },
	/*  7 */ { "offset + length overflows", A_CREATED, 0, 0, 0, 0xfffffffffffff000ull, 0x2000, RW,
		   0, 0, S_ANON, A_OK, 0, -EINVAL, NOCNT },
	/*  8 */ { "beyond ELRANGE", A_CREATED, 0, 0, 0, 0xf000, 0x2000, RW, 0, 0, S_ANON, A_OK, 0,
		   -EINVAL, NOCNT },
	/*  9 */ { "SECINFO unmapped", A_CREATED, 0, 0, 0, 0, 0x1000, RW, 0, 0, S_ANON,
		   A_SECINFO_NULL, 0, -EFAULT, NOCNT },
	/* 10 */ { "type SECS", A_CREATED, 0, 0, 0, 0, 0x1000, SGX_SECINFO_SECS | 3, 0, 0, S_ANON,
		   A_OK, 0, -EINVAL, NOCNT },
	/* 11 */ { "type VA", A_CREATED, 0, 0, 0, 0, 0x1000, SGX_SECINFO_VA, 0, 0, S_ANON, A_OK, 0,
		   -EINVAL, NOCNT },
	/* 12 */ { "type TRIM", A_CREATED, 0, 0, 0, 0, 0x1000, SGX_SECINFO_TRIM, 0, 0, S_ANON, A_OK,
		   0, -EINVAL, NOCNT },
	/* 13 */ { "W without R", A_CREATED, 0, 0, 0, 0, 0x1000, SGX_SECINFO_REG | SGX_SECINFO_W, 0, 0,
		   S_ANON, A_OK, 0, -EINVAL, NOCNT },
	/* 14 */ { "TCS with R", A_CREATED, 0, 0, 0, 0, 0x1000, SGX_SECINFO_TCS | SGX_SECINFO_R, 0, 0,
		   S_ANON, A_OK, 0, -EINVAL, NOCNT },
	/* 15 */ { "PENDING", A_CREATED, 0, 0, 0, 0, 0x1000, RW | SGX_SECINFO_PENDING, 0, 0, S_ANON,
		   A_OK, 0, -EINVAL, NOCNT },
	/* 16 */ { "MODIFIED", A_CREATED, 0, 0, 0, 0, 0x1000, RW | SGX_SECINFO_MODIFIED, 0, 0, S_ANON,
		   A_OK, 0, -EINVAL, NOCNT },
	/* 17 */ { "PR", A_CREATED, 0, 0, 0, 0, 0x1000, RW | SGX_SECINFO_PR, 0, 0, S_ANON, A_OK, 0,
		   -EINVAL, NOCNT },
	/* 18 */ { "reserved flag", A_CREATED, 0, 0, 0, 0, 0x1000, RW | (1ull << 40), 0, 0, S_ANON,
		   A_OK, 0, -EINVAL, NOCNT },
	/* 19 */ { "reserved byte", A_CREATED, 0, 0, 0, 0, 0x1000, RW, 0, 1, S_ANON, A_OK, 0, -EINVAL,
		   NOCNT },
	/* 20 */ { "one REG page", A_CREATED, 0, 0, 0, 0x2000, 0x1000, RW, 0, 0, S_ANON, A_OK, 0, 0,
		   0x1000 },
	/* 21 */ { "four pages measured", A_CREATED, 0, 0, 0, 0x4000, 0x4000, RX, SGX_PAGE_MEASURE, 0,
		   S_ANON, A_OK, 0, 0, 0x4000 },
	/* 22 */ { "a TCS", A_CREATED, 0, 0, 0, 0, 0x1000, SGX_SECINFO_TCS, SGX_PAGE_MEASURE, 0,
		   S_ANON, A_OK, 0, 0, 0x1000 },
	/* 23 */ { "page added twice", A_CREATED, 0x3000, 1, 0, 0x3000, 0x1000, RW, 0, 0, S_ANON,
		   A_OK, 0, -EBUSY, 0 },
	/* 24 */ { "second page added before", A_CREATED, 0x4000, 1, 0, 0x3000, 0x3000, RW, 0, 0,
		   S_ANON, A_OK, 0, -EBUSY, 0x1000 },
	/* 25 */ { "src page 2 unmapped", A_CREATED, 0, 0, 0, 0, 0x4000, RW, SGX_PAGE_MEASURE, 0,
		   S_HOLE2, A_OK, 0, -EFAULT, 0x2000 },
	/* 26 */ { "src PROT_NONE", A_CREATED, 0, 0, 0, 0, 0x1000, RW, 0, 0, S_PROT_NONE, A_OK, 0,
		   -EFAULT, 0 },
	/* 27 */ { "src a file mapping", A_CREATED, 0, 0, 0, 0, 0x2000, RX, SGX_PAGE_MEASURE, 0,
		   S_FILE, A_OK, 0, 0, 0x2000 },
	/* 28 */ { "src on a noexec mount", A_CREATED, 0, 0, 0, 0, 0x2000, RX, 0, 0, S_NOEXEC, A_OK,
		   0, -EACCES, 0 },
	/* 29 */ { "src deleted, noexec mount", A_CREATED, 0, 0, 0, 0, 0x1000, RX, 0, 0,
		   S_NOEXEC_DELETED, A_OK, 0, -EACCES, 0 },
	/* 30 */ { "EADD #GP: bad TCS", A_CREATED, 0, 0, 0, 0, 0x1000, SGX_SECINFO_TCS, 0, 0,
		   S_BAD_TCS, A_OK, 0, -EIO, 0 },
	/* 31 */ { "count not writable", A_CREATED, 0, 0, 0, 0, 0x2000, RW, 0, 0, S_ANON, A_ARG_RO, 0,
		   -EFAULT, NOCNT },
	/* 32 */ { "EPC full: direct reclaim makes room", A_CREATED, 0, 0, 0, 0, 0x8000, RW, 0, 0,
		   S_ANON, A_OK, 6, 0, 0x8000 },
	/* 33 */ { "unknown flags ignored", A_CREATED, 0, 0, 0, 0, 0x1000, RW, 0x100, 0, S_ANON, A_OK,
		   0, 0, 0x1000 },
	/* 34 */ { "last page of ELRANGE", A_CREATED, 0, 0, 0, 0xf000, 0x1000, RW, 0, 0, S_ANON, A_OK,
		   0, 0, 0x1000 },
	/* 35 */ { "src exec-only", A_CREATED, 0, 0, 0, 0, 0x1000, RX, 0, 0, S_EXEC_ONLY, A_OK, 0,
		   -EFAULT, 0 },
	/* 36 */ { "src an enclave mapping", A_CREATED, 0, 0, 0, 0, 0x1000, RW, 0, 0, S_ENCLAVE,
		   A_OK, 0, -EFAULT, 0 },
	/* 37 */ { "out of EPC: SECS and VA page only", A_CREATED, 0, 0, 0, 0, 0x2000, RW, 0, 0,
		   S_ANON, A_OK, 2, -ENOMEM, 0 },
#undef NOCNT
};

/* A valid TCS (OSSA 0x1000, NSSA 1, OENTRY 0x2000) or, @bad, one EADD rejects. */
static void make_tcs(uint8_t *page, bool bad)
{
	hwt_tcs_init((struct sgx_tcs *)page, 0x1000, 1, 0x2000);
	if (bad)
		((struct sgx_tcs *)page)->flags = 1ull << 5;    /* reserved */
}

static uint8_t *add_source(const struct add_row *r, uint64_t npages, bool *skip)
{
	int prot = PROT_READ | PROT_WRITE;
	const char *nx;
	uint8_t *src;
	uint64_t i;

	*skip = false;
	switch (r->src) {
	case S_FILE:
		return drvt_file_pages("/tmp", npages, 0x40, PROT_READ, false);
	case S_NOEXEC:
	case S_NOEXEC_DELETED:
		nx = drvt_noexec_dir();
		if (!nx) {
			*skip = true;
			return NULL;
		}
		return drvt_file_pages(nx, npages, 0x40, PROT_READ, r->src == S_NOEXEC_DELETED);
	default:
		break;
	}
	src = mmap(NULL, npages * SGX_PAGE_SIZE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(src != MAP_FAILED);
	for (i = 0; i < npages; i++)
		memset(src + i * SGX_PAGE_SIZE, (uint8_t)(0x40 + i), SGX_PAGE_SIZE);
	if (r->secinfo == SGX_SECINFO_TCS)
		make_tcs(src, r->src == S_BAD_TCS);
	if (r->src == S_HOLE2)
		munmap(src + 2 * SGX_PAGE_SIZE, SGX_PAGE_SIZE);
	if (r->src == S_PROT_NONE)
		mprotect(src, npages * SGX_PAGE_SIZE, PROT_NONE);
	if (r->src == S_EXEC_ONLY)
		mprotect(src, npages * SGX_PAGE_SIZE, PROT_EXEC);
	return src;
}

static void add_pages_table(void)
{
	size_t i;

	for (i = 0; i < sizeof(add_rows) / sizeof(add_rows[0]); i++) {
		const struct add_row *r = &add_rows[i];
		struct sgx_secinfo secinfo = { .flags = r->secinfo };
		struct sgx_enclave_add_pages *arg;
		struct hw_config cfg;
		struct drvt_encl e;
		struct drvt d;
		uint64_t npages = r->length / SGX_PAGE_SIZE + 1, c, arg_src_override;
		uint8_t *src;
		bool skip;
		long ret;

		hw_config_default(&cfg);
		if (r->epc_pages)
			cfg.epc_size = r->epc_pages * SGX_PAGE_SIZE;
		drvt_setup(&d, &cfg);
		drvt_open(&d, &e, ESIZE);
		if (r->state != A_NEW)
			assert_int_equal(drvt_create(&e, 0), 0);
		if (r->pre_pages)
			assert_int_equal(drvt_add(&e, r->pre_offset, r->pre_pages, RW, 0x11, NULL,
						  true, NULL), 0);
		if (r->state == A_INIT) {
			assert_int_equal(drvt_add(&e, 0, 1, RW, 0x22, NULL, true, NULL), 0);
			assert_int_equal(drvt_init(&e), 0);
		}
		/* Before the source: a hole left in it must stay a hole. */
		arg = mmap(NULL, SGX_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			   -1, 0);
		assert_true(arg != MAP_FAILED);
		src = add_source(r, npages, &skip);
		if (r->src == S_ENCLAVE) {
			assert_int_equal(drvt_mmap(&e, 0x8000, 0x1000, PROT_READ), e.base + 0x8000);
			arg_src_override = e.base + 0x8000;
		} else {
			arg_src_override = 0;
		}
		if (skip) {
			printf("[ SKIPPED  ] row %zu (%s): no noexec mount here\n", i, r->what);
			munmap(arg, SGX_PAGE_SIZE);
			drvt_close(&e);
			drvt_teardown(&d);
			continue;
		}
		secinfo.reserved_0x08[0] = r->reserved_byte;

		arg->src = arg_src_override ? arg_src_override : (uint64_t)(uintptr_t)src + r->src_delta;
		arg->offset = r->offset;
		arg->length = r->length;
		arg->secinfo = r->arg == A_SECINFO_NULL ? 0 : (uint64_t)(uintptr_t)&secinfo;
		arg->flags = r->flags;
		arg->count = 0xdead;
		if (r->arg == A_ARG_RO)
			mprotect(arg, SGX_PAGE_SIZE, PROT_READ);
		ret = drvt_ioctl(&e, SGX_IOC_ENCLAVE_ADD_PAGES,
				 r->arg == A_ARG_NULL ? unmapped_page() : (void *)arg);
		if (ret != r->want)
			fail_msg("row %zu (%s): %ld, want %ld", i, r->what, ret, r->want);
		c = arg->count;
		if (r->want_count == UINT64_MAX) {
			if (c != 0xdead)
				fail_msg("row %zu (%s): count written", i, r->what);
		} else if (c != r->want_count) {
			fail_msg("row %zu (%s): count %#llx, want %#llx", i, r->what,
				 (unsigned long long)c, (unsigned long long)r->want_count);
		}
		if (r->arg == A_ARG_RO)
			c = r->length;  /* the pages went in even though count could not */

		/* What was added is exactly what INIT measures. */
		if (r->state == A_CREATED && c != 0xdead && r->src != S_PROT_NONE &&
		    r->src != S_EXEC_ONLY && r->src != S_ENCLAVE) {
			uint64_t k;

			for (k = 0; k < c / SGX_PAGE_SIZE; k++)
				assert_int_equal(measure_page(&e.m, r->offset + k * SGX_PAGE_SIZE,
							      r->secinfo, src + k * SGX_PAGE_SIZE,
							      r->flags & SGX_PAGE_MEASURE), 0);
			ret = drvt_init(&e);
			if (ret)
				fail_msg("row %zu (%s): INIT after: %ld", i, r->what, ret);
		}
		munmap(arg, SGX_PAGE_SIZE);
		munmap(src, npages * SGX_PAGE_SIZE);
		drvt_close(&e);
		drvt_teardown(&d);
	}
	drvt_file_cleanup();
}

static void test_add_pages_table(void **state)
{
	(void)state;
	add_pages_table();
}

/*
 * The same rows with the driver's direct copies and their fault fixups
 * (installed in the test itself: cmocka puts its own fault handlers back
 * after a setup function).
 */
static int direct_off(void **state)
{
	(void)state;
	drvt_uaccess_direct(false);
	return 0;
}

static void test_add_pages_table_direct(void **state)
{
	uint64_t fixups = sgx_uaccess_fixups();

	(void)state;
	drvt_uaccess_direct(true);
	add_pages_table();
	drvt_uaccess_direct(false);
	/* Rows 2, 9, 25 and 31 fault in the copy: the direct path ran. */
	assert_true(sgx_uaccess_fixups() >= fixups + 4);
}

/* ---- INIT -------------------------------------------------------------- */

enum i_case { I_OK, I_NEW, I_ARG_NULL, I_SIG_NULL, I_SIG_STRADDLE, I_VENDOR, I_VENDOR_INTEL,
	      I_PROV, I_PROV_ALLOWED, I_PROV_EARLY, I_ATTR_RSVD, I_ATTR_CPUID, I_ATTR_RSVD_UNMASKED,
	      I_MISC_RSVD, I_XFRM_RSVD, I_BAD_SIG, I_BAD_MR, I_TWICE, I_DEBUG };

static const struct init_row {
	const char *what;
	enum i_case c;
	long want;
} init_rows[] = {
	/*  0 */ { "success", I_OK, 0 },
	/*  1 */ { "not created", I_NEW, -EINVAL },
	/*  2 */ { "argument unmapped", I_ARG_NULL, -EFAULT },
	/*  3 */ { "SIGSTRUCT NULL", I_SIG_NULL, -EFAULT },
	/*  4 */ { "SIGSTRUCT runs into a hole", I_SIG_STRADDLE, -EFAULT },
	/*  5 */ { "vendor 0x1234", I_VENDOR, -EINVAL },
	/*  6 */ { "vendor 0x8086", I_VENDOR_INTEL, 0 },
	/*  7 */ { "PROVISIONKEY not allowed", I_PROV, -EACCES },
	/*  8 */ { "PROVISIONKEY allowed", I_PROV_ALLOWED, 0 },
	/*  9 */ { "PROVISION before CREATE is forgotten", I_PROV_EARLY, -EACCES },
	/* 10 */ { "enforced reserved attribute", I_ATTR_RSVD, -EINVAL },
	/* 11 */ { "enforced attribute the CPU lacks", I_ATTR_CPUID, -EINVAL },
	/* 12 */ { "reserved attribute not enforced", I_ATTR_RSVD_UNMASKED, 0 },
	/* 13 */ { "enforced reserved MISCSELECT", I_MISC_RSVD, -EINVAL },
	/* 14 */ { "enforced reserved XFRM", I_XFRM_RSVD, -EINVAL },
	/* 15 */ { "bad signature", I_BAD_SIG, -EPERM },
	/* 16 */ { "MRENCLAVE mismatch", I_BAD_MR, -EPERM },
	/* 17 */ { "already initialized", I_TWICE, -EINVAL },
	/* 18 */ { "DEBUG enclave", I_DEBUG, 0 },
};

static struct sgx_file *prov_file, *encl_file_for_lookup;

static struct sgx_file *lookup(int fd)
{
	if (fd == 7)
		return prov_file;
	if (fd == 8)
		return encl_file_for_lookup;
	return NULL;
}

static long provision(struct drvt_encl *e, uint64_t fd)
{
	struct sgx_enclave_provision p = { .fd = fd };

	return sgx_ioctl(e->f, SGX_IOC_ENCLAVE_PROVISION, (unsigned long)(uintptr_t)&p, lookup);
}

static void test_init_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(init_rows) / sizeof(init_rows[0]); i++) {
		const struct init_row *r = &init_rows[i];
		static struct sgx_sigstruct sig;
		struct sgx_enclave_init arg = { .sigstruct = (uint64_t)(uintptr_t)&sig };
		uint64_t attrs = 0;
		void *argp = &arg;
		struct drvt_encl e;
		struct drvt d;
		long ret;

		drvt_setup(&d, NULL);
		assert_int_equal(sgx_open(d.drv, SGX_DEV_PROVISION, &prov_file), 0);
		drvt_open(&d, &e, ESIZE);
		if (r->c == I_PROV || r->c == I_PROV_ALLOWED || r->c == I_PROV_EARLY)
			attrs = SGX_ATTR_PROVISIONKEY;
		if (r->c == I_DEBUG)
			attrs = SGX_ATTR_DEBUG;
		if (r->c == I_PROV_EARLY)
			assert_int_equal(provision(&e, 7), 0);
		if (r->c != I_NEW) {
			assert_int_equal(drvt_create(&e, attrs), 0);
			assert_int_equal(drvt_add(&e, 0, 1, SGX_SECINFO_TCS, 0, NULL, true, NULL), 0);
			assert_int_equal(drvt_add(&e, 0x1000, 2, RW, 0x31, NULL, true, NULL), 0);
			assert_int_equal(drvt_add(&e, 0x3000, 1, RX, 0x32, NULL, false, NULL), 0);
		}
		if (r->c == I_PROV_ALLOWED)
			assert_int_equal(provision(&e, 7), 0);
		if (r->c == I_TWICE)
			assert_int_equal(drvt_init(&e), 0);
		if (r->c == I_NEW)
			sigstruct_init(&sig);
		else
			drvt_sigstruct(&e, &sig);

		switch (r->c) {
		case I_ARG_NULL:
			argp = unmapped_page();
			break;
		case I_SIG_NULL:
			arg.sigstruct = 0;
			break;
		case I_SIG_STRADDLE: {
			void *p = straddle(sizeof(sig));

			memcpy(p, &sig, sizeof(sig) - 1);
			arg.sigstruct = (uint64_t)(uintptr_t)p;
			break;
		}
		case I_VENDOR:
			sig.header.vendor = 0x1234;
			break;
		case I_VENDOR_INTEL:
			sig.header.vendor = SGX_SIGSTRUCT_VENDOR_INTEL;
			break;
		case I_ATTR_RSVD:
			sig.body.attributes |= 1ull << 3;
			sig.body.attributes_mask |= 1ull << 3;
			break;
		case I_ATTR_CPUID:
			sig.body.attributes |= SGX_ATTR_ASYNC_EXIT_NOTIFY;      /* aex_notify off */
			sig.body.attributes_mask |= SGX_ATTR_ASYNC_EXIT_NOTIFY;
			break;
		case I_ATTR_RSVD_UNMASKED:
			sig.body.attributes |= 1ull << 3;
			break;
		case I_MISC_RSVD:
			sig.body.miscselect |= 1u << 5;
			sig.body.misc_mask |= 1u << 5;
			break;
		case I_XFRM_RSVD:
			sig.body.xfrm |= 1ull << 63;
			sig.body.xfrm_mask |= 1ull << 63;
			break;
		case I_BAD_MR:
			sig.body.mrenclave[0] ^= 1;
			break;
		default:
			break;
		}
		if (r->c != I_SIG_STRADDLE && r->c != I_NEW)
			assert_int_equal(sigstruct_sign(&sig, hwt_key()), 0);
		if (r->c == I_BAD_SIG)
			sig.signature[10] ^= 1;

		ret = drvt_ioctl(&e, SGX_IOC_ENCLAVE_INIT, argp);
		if (ret != r->want)
			fail_msg("row %zu (%s): %ld, want %ld", i, r->what, ret, r->want);
		if (r->c != I_NEW)
			assert_int_equal(!!sgx_encl_test_flag(e.f->encl, SGX_ENCL_INITIALIZED),
					 ret == 0 || r->c == I_TWICE);
		drvt_close(&e);
		sgx_release(prov_file);
		drvt_teardown(&d);
	}
}

/* ---- PROVISION ---------------------------------------------------------- */

static void test_provision_table(void **state)
{
	struct sgx_enclave_provision p;
	struct drvt_encl e, other;
	struct drvt d;
	uint64_t mask;

	(void)state;
	drvt_setup(&d, NULL);
	assert_int_equal(sgx_open(d.drv, SGX_DEV_PROVISION, &prov_file), 0);
	drvt_encl(&d, &e, ESIZE, 0);
	drvt_open(&d, &other, ESIZE);
	encl_file_for_lookup = other.f;
	mask = e.f->encl->attributes_mask;

	/* 0 */ assert_int_equal(sgx_ioctl(e.f, SGX_IOC_ENCLAVE_PROVISION,
					 (unsigned long)(uintptr_t)unmapped_page(), lookup), -EFAULT);
	/* 1 */ p.fd = 7;
	assert_int_equal(sgx_ioctl(e.f, SGX_IOC_ENCLAVE_PROVISION, (unsigned long)(uintptr_t)&p,
				   NULL), -EINVAL);
	/* 2 */ assert_int_equal(provision(&e, 3), -EINVAL);
	/* 3 */ assert_int_equal(provision(&e, 8), -EINVAL);
	/* 4 */ assert_int_equal(provision(&e, 0x80000007ull), -EINVAL);
	assert_int_equal(e.f->encl->attributes_mask, mask);
	/* 5 */ assert_int_equal(provision(&e, 7), 0);
	assert_int_equal(e.f->encl->attributes_mask, mask | SGX_ATTR_PROVISIONKEY);
	/* 6: the fd is an unsigned int in the kernel: the high half is dropped. */
	assert_int_equal(provision(&other, (1ull << 32) | 7), 0);
	assert_true(other.f->encl->attributes_mask & SGX_ATTR_PROVISIONKEY);
	/* 7: the provision device has no ioctls (and no mmap). */
	assert_int_equal(sgx_ioctl(prov_file, SGX_IOC_ENCLAVE_PROVISION,
				   (unsigned long)(uintptr_t)&p, lookup), -ENOTTY);
	assert_int_equal(sgx_mmap(prov_file, NULL, 4096, PROT_READ, MAP_SHARED, 0), -ENODEV);
	assert_int_equal(sgx_file_dev(prov_file), SGX_DEV_PROVISION);
	/* 8: allowed after INIT too (no state check) */
	assert_int_equal(drvt_add(&e, 0, 1, RW, 0, NULL, true, NULL), 0);
	assert_int_equal(drvt_init(&e), 0);
	assert_int_equal(provision(&e, 7), 0);

	drvt_close(&other);
	drvt_close(&e);
	sgx_release(prov_file);
	drvt_teardown(&d);
}

/* ---- dispatcher ----------------------------------------------------------- */

static void test_dispatch(void **state)
{
	static const struct { const char *what; unsigned int cmd; long want; } rows[] = {
		/* 0 */ { "unknown number", _IOW(SGX_MAGIC, 0x08, struct sgx_enclave_create), -ENOTTY },
		/* 1 */ { "CREATE with a wrong size", _IOC(_IOC_WRITE, SGX_MAGIC, 0x00, 16), -ENOTTY },
		/* 2 */ { "CREATE read direction", _IOR(SGX_MAGIC, 0x00, struct sgx_enclave_create),
			  -ENOTTY },
		/* 3 */ { "another magic", _IOW('f', 0x00, struct sgx_enclave_create), -ENOTTY },
		/* 4 */ { "VEPC_REMOVE_ALL on an enclave", SGX_IOC_VEPC_REMOVE_ALL, -ENOTTY },
	};
	struct sgx_driver_stats st;
	struct drvt_encl e;
	struct drvt d;
	size_t i;

	(void)state;
	drvt_setup(&d, NULL);
	drvt_open(&d, &e, ESIZE);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		long ret = drvt_ioctl(&e, rows[i].cmd, NULL);

		if (ret != rows[i].want)
			fail_msg("row %zu (%s): %ld, want %ld", i, rows[i].what, ret, rows[i].want);
		/* The in-flight bit is always cleared again. */
		assert_false(sgx_encl_test_flag(e.f->encl, SGX_ENCL_IOCTL));
	}
	assert_int_equal(drvt_create(&e, 0), 0);
	sgx_driver_stats(d.drv, &st);
	assert_int_equal(st.ioctls[0], 1);
	assert_int_equal(st.ioctl_errors, 5);
	assert_int_equal(st.enclaves, 1);
	drvt_close(&e);
	drvt_teardown(&d);
}

/*
 * -EBUSY: thread A sits inside PROVISION (its fd lookup blocks), thread B
 * tries every ioctl on the same enclave meanwhile.
 */
static pthread_barrier_t in_ioctl, may_leave;

static struct sgx_file *slow_lookup(int fd)
{
	(void)fd;
	pthread_barrier_wait(&in_ioctl);
	pthread_barrier_wait(&may_leave);
	return prov_file;
}

static void *slow_provision(void *arg)
{
	struct drvt_encl *e = arg;
	struct sgx_enclave_provision p = { .fd = 7 };

	return (void *)(intptr_t)sgx_ioctl(e->f, SGX_IOC_ENCLAVE_PROVISION,
					   (unsigned long)(uintptr_t)&p, slow_lookup);
}

static void test_ebusy(void **state)
{
	static const unsigned int cmds[] = {
		SGX_IOC_ENCLAVE_CREATE, SGX_IOC_ENCLAVE_ADD_PAGES, SGX_IOC_ENCLAVE_INIT,
		SGX_IOC_ENCLAVE_PROVISION, SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS,
		SGX_IOC_ENCLAVE_MODIFY_TYPES, SGX_IOC_ENCLAVE_REMOVE_PAGES, 0xdeadbeef,
	};
	struct drvt_encl e, other;
	struct drvt d;
	pthread_t t;
	void *res;
	size_t i;

	(void)state;
	drvt_setup(&d, NULL);
	assert_int_equal(sgx_open(d.drv, SGX_DEV_PROVISION, &prov_file), 0);
	drvt_encl(&d, &e, ESIZE, 0);
	drvt_open(&d, &other, ESIZE);
	pthread_barrier_init(&in_ioctl, NULL, 2);
	pthread_barrier_init(&may_leave, NULL, 2);
	assert_int_equal(pthread_create(&t, NULL, slow_provision, &e), 0);
	pthread_barrier_wait(&in_ioctl);
	/* Rows: every command, even unknown ones and bad pointers, is -EBUSY. */
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		long ret = drvt_ioctl(&e, cmds[i], unmapped_page());

		if (ret != -EBUSY)
			fail_msg("row %zu: %ld, want -EBUSY", i, ret);
	}
	/* Another enclave is not affected. */
	assert_int_equal(drvt_create(&other, 0), 0);
	pthread_barrier_wait(&may_leave);
	assert_int_equal(pthread_join(t, &res), 0);
	assert_int_equal((intptr_t)res, 0);
	/* And the enclave takes ioctls again. */
	assert_int_equal(drvt_add(&e, 0, 1, RW, 0, NULL, true, NULL), 0);
	pthread_barrier_destroy(&in_ioctl);
	pthread_barrier_destroy(&may_leave);
	drvt_close(&other);
	drvt_close(&e);
	sgx_release(prov_file);
	drvt_teardown(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_table),
		cmocka_unit_test(test_add_pages_table),
		cmocka_unit_test_teardown(test_add_pages_table_direct, direct_off),
		cmocka_unit_test(test_init_table),
		cmocka_unit_test(test_provision_table),
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_ebusy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
