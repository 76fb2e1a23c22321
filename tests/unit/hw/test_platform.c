// SPDX-License-Identifier: MIT
/*
 * Platform bring-up: configuration checks, EPC sections and memfd, CPUID
 * 0x12, the LEPUBKEYHASH MSRs and the root key file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw_test_util.h"

static void test_config_rejects(void **state)
{
	static const struct {
		const char *what;
		uint64_t epc_size;
		unsigned int sections;
		uint64_t phys_base;
		uint8_t max_size;
		uint64_t attributes_clear;
		uint64_t xfrm_clear;
	} rows[] = {
		/* 0 */ { "zero EPC", 0, 1, 0x80000000, 36, 0, 0 },
		/* 1 */ { "EPC not page multiple", 4096 + 1, 1, 0x80000000, 36, 0, 0 },
		/* 2 */ { "no sections", 1 << 20, 0, 0x80000000, 36, 0, 0 },
		/* 3 */ { "too many sections", 1 << 20, HW_MAX_EPC_SECTIONS + 1, 0x80000000, 36, 0, 0 },
		/* 4 */ { "more sections than pages", 2 * 4096, 3, 0x80000000, 36, 0, 0 },
		/* 5 */ { "misaligned base", 1 << 20, 1, 0x80000001, 36, 0, 0 },
		/* 6 */ { "base past 52 bits", 1 << 20, 1, 1ull << 52, 36, 0, 0 },
		/* 7 */ { "max enclave size too small", 1 << 20, 1, 0x80000000, 11, 0, 0 },
		/* 8 */ { "max enclave size too large", 1 << 20, 1, 0x80000000, 64, 0, 0 },
		/* 9 */ { "no MODE64BIT", 1 << 20, 1, 0x80000000, 36, SGX_ATTR_MODE64BIT, 0 },
		/* 10 */ { "no SSE in XFRM", 1 << 20, 1, 0x80000000, 36, 0, SGX_XFRM_SSE },
	};
	struct hw_platform *hw;
	struct hw_config cfg;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		hw_config_default(&cfg);
		cfg.epc_size = rows[i].epc_size;
		cfg.epc_sections = rows[i].sections;
		cfg.epc_phys_base = rows[i].phys_base;
		cfg.max_enclave_size_64 = rows[i].max_size;
		cfg.attributes &= ~rows[i].attributes_clear;
		cfg.xfrm &= ~rows[i].xfrm_clear;
		cfg.root_key_path = "/nonexistent/never/created";
		if (hw_platform_create(&cfg, &hw) != -EINVAL)
			fail_msg("row %zu (%s): not rejected with EINVAL", i, rows[i].what);
	}
}

static void test_epc_sections_and_cpuid(void **state)
{
	struct hw_cpuid_regs r;
	struct hw_config cfg;
	uint64_t base, size, total = 0, b;
	unsigned int i;
	struct hwt t;

	(void)state;
	hw_config_default(&cfg);
	cfg.epc_size = (3ull << 20) + 4096;     /* 769 pages over 3 sections */
	cfg.epc_sections = 3;
	cfg.epc_phys_base = 0x1234000000ull;    /* above 4 GiB: EBX/EDX high bits */
	hwt_setup(&t, &cfg);

	assert_int_equal(hw_epc_nr_pages(t.hw), 769);
	for (i = 0; hw_epc_section(t.hw, i, &base, &size) == 0; i++) {
		hw_cpuid_sgx(t.hw, 2 + i, &r);
		assert_int_equal(r.eax & 0xf, 1);
		b = (r.eax & 0xfffff000ull) | ((uint64_t)(r.ebx & 0xfffff) << 32);
		assert_int_equal(b, base);
		assert_int_equal((r.ecx & 0xfffff000ull) | ((uint64_t)(r.edx & 0xfffff) << 32), size);
		assert_int_equal(base, cfg.epc_phys_base + total);
		total += size;
	}
	assert_int_equal(i, 3);
	assert_int_equal(total, cfg.epc_size);
	hw_cpuid_sgx(t.hw, 2 + 3, &r);          /* terminator: type 0 */
	assert_int_equal(r.eax & 0xf, 0);

	hw_cpuid_sgx(t.hw, 0, &r);
	assert_int_equal(r.eax & 3, 3);         /* SGX1 + SGX2 */
	assert_int_equal(r.ebx, SGX_MISC_EXINFO);
	assert_int_equal((r.edx >> 8) & 0xff, 36);
	hw_cpuid_sgx(t.hw, 1, &r);
	assert_int_equal(((uint64_t)r.ebx << 32) | r.eax, cfg.attributes);
	assert_int_equal(((uint64_t)r.edx << 32) | r.ecx, cfg.xfrm);
	hwt_teardown(&t);

	cfg.sgx2 = false;
	cfg.epc_sections = 1;
	hwt_setup(&t, &cfg);
	hw_cpuid_sgx(t.hw, 0, &r);
	assert_int_equal(r.eax & 3, 1);
	hwt_teardown(&t);
}

static void test_epc_memfd_shares_prm(void **state)
{
	uint64_t idx = 0;
	uint8_t *page, *view;
	struct hwt t;

	(void)state;
	hwt_setup(&t, NULL);
	page = hw_epc_page(t.hw, 5);
	assert_non_null(page);
	assert_null(hw_epc_page(t.hw, hw_epc_nr_pages(t.hw)));
	assert_int_equal(hw_epc_index(t.hw, page + 100, &idx), 0);
	assert_int_equal(idx, 5);
	assert_int_equal(hw_epc_index(t.hw, page - 5 * 4096 - 1, &idx), -EFAULT);

	/* A mapping of the memfd at page offset sees what the PRM view writes. */
	view = mmap(NULL, 4096, PROT_READ, MAP_SHARED, hw_epc_memfd(t.hw), 5 * 4096);
	assert_true(view != MAP_FAILED);
	page[17] = 0x5a;
	assert_int_equal(view[17], 0x5a);
	munmap(view, 4096);
	hwt_teardown(&t);
}

static void test_msrs(void **state)
{
	struct hw_config cfg;
	uint64_t v = 0;
	struct hwt t;

	(void)state;
	hwt_setup(&t, NULL);
	/* Reset value: Intel's launch enclave key hash. */
	assert_int_equal(hw_rdmsr(t.hw, MSR_IA32_SGXLEPUBKEYHASH0, &v), 0);
	assert_int_equal(v, 0xa6053e051270b7acull);
	assert_int_equal(hw_wrmsr(t.hw, MSR_IA32_SGXLEPUBKEYHASH3, 42), 0);
	assert_int_equal(hw_rdmsr(t.hw, MSR_IA32_SGXLEPUBKEYHASH3, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(hw_wrmsr(t.hw, 0x8b, 1), SGX_FAULT_GP);
	assert_int_equal(hw_wrmsr(t.hw, 0x90, 1), SGX_FAULT_GP);
	assert_int_equal(hw_rdmsr(t.hw, 0x10, &v), SGX_FAULT_GP);
	hwt_teardown(&t);

	hw_config_default(&cfg);
	cfg.flc_locked = true;
	hwt_setup(&t, &cfg);
	assert_int_equal(hw_wrmsr(t.hw, MSR_IA32_SGXLEPUBKEYHASH0, 1), SGX_FAULT_GP);
	hwt_teardown(&t);
}

static void test_key_file(void **state)
{
	char dir[] = "/tmp/sgxemu-key-XXXXXX", path[128], sub[128];
	struct hw_platform *hw;
	struct hw_config cfg;
	struct stat st;
	uint8_t a[64], b[64];
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	hw_config_default(&cfg);
	cfg.epc_size = 1 << 20;

	/* Created on first use, parents included, private. */
	snprintf(path, sizeof(path), "%s/deep/er/platform.key", dir);
	cfg.root_key_path = path;
	assert_int_equal(hw_platform_create(&cfg, &hw), 0);
	hw_platform_destroy(hw);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 56);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* Stable: a second platform reads the same bytes back, file untouched. */
	fd = open(path, O_RDONLY);
	assert_int_equal(read(fd, a, sizeof(a)), 56);
	close(fd);
	assert_int_equal(hw_platform_create(&cfg, &hw), 0);
	hw_platform_destroy(hw);
	fd = open(path, O_RDONLY);
	assert_int_equal(read(fd, b, sizeof(b)), 56);
	close(fd);
	assert_memory_equal(a, b, 56);

	/* A damaged key file is refused, not replaced. */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "garbage", 7), 7);
	close(fd);
	assert_int_equal(hw_platform_create(&cfg, &hw), -EINVAL);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 7);
	unlink(path);

	/* A parent that is a file: the error comes back, nothing crashes. */
	snprintf(sub, sizeof(sub), "%s/file", dir);
	fd = open(sub, O_CREAT | O_WRONLY, 0600);
	close(fd);
	snprintf(path, sizeof(path), "%s/file/platform.key", dir);
	assert_int_equal(hw_platform_create(&cfg, &hw), -ENOTDIR);
	unlink(sub);

	snprintf(path, sizeof(path), "%s/deep/er", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/deep", dir);
	rmdir(path);
	rmdir(dir);
}

static void test_leaf_names(void **state)
{
	(void)state;
	assert_string_equal(hw_encls_name(SGX_EADD), "EADD");
	assert_string_equal(hw_encls_name(SGX_EMODT), "EMODT");
	assert_string_equal(hw_encls_name(0x10), "?");
	assert_string_equal(hw_enclu_name(SGX_EDECCSSA), "EDECCSSA");
	assert_string_equal(hw_enclu_name(8), "?");
	assert_string_equal(hw_sgx_error_name(SGX_NOT_TRACKED), "SGX_NOT_TRACKED");
	assert_string_equal(hw_sgx_error_name(SGX_FAULT_PF), "#PF");
	assert_string_equal(hw_sgx_error_name(12345), "SGX_UNKNOWN");
}

static void test_register_dispatch_unknown_leaf(void **state)
{
	uint64_t rbx = 0;
	struct hwt t;

	(void)state;
	hwt_setup(&t, NULL);
	assert_int_equal(hw_encls(t.hw, 0x10, 0, 0, 0, &rbx), SGX_FAULT_GP);
	assert_int_equal(hw_encls(t.hw, 0xffffffff, 0, 0, 0, NULL), SGX_FAULT_GP);
	/* EPA requires RBX = PT_VA. */
	assert_int_equal(hw_encls(t.hw, SGX_EPA, SGX_PT_REG,
				  (uint64_t)(uintptr_t)hw_epc_page(t.hw, 0), 0, NULL), SGX_FAULT_GP);
	hwt_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_rejects),
		cmocka_unit_test(test_epc_sections_and_cpuid),
		cmocka_unit_test(test_epc_memfd_shares_prm),
		cmocka_unit_test(test_msrs),
		cmocka_unit_test(test_key_file),
		cmocka_unit_test(test_leaf_names),
		cmocka_unit_test(test_register_dispatch_unknown_leaf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
