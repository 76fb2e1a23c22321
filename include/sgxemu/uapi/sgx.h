/* SPDX-License-Identifier: MIT */
/*
 * The Linux SGX driver's user ABI (arch/x86/include/uapi/asm/sgx.h): ioctl
 * numbers and argument layouts, identical in value so that programs built
 * against the kernel header talk to sgxemu unchanged. Written here from the
 * documented ABI; the asserts pin every number and offset.
 */
#ifndef SGXEMU_UAPI_SGX_H
#define SGXEMU_UAPI_SGX_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/ioctl.h>

#define SGX_MAGIC 0xA4

/* SGX_IOC_ENCLAVE_ADD_PAGES flags */
#define SGX_PAGE_MEASURE 0x01

struct sgx_enclave_create {
	uint64_t src;                   /* address of the 4 KiB SECS */
};

struct sgx_enclave_add_pages {
	uint64_t src;                   /* page-aligned source in the caller */
	uint64_t offset;                /* from the enclave base */
	uint64_t length;
	uint64_t secinfo;               /* address of a 64-byte SECINFO */
	uint64_t flags;                 /* SGX_PAGE_MEASURE */
	uint64_t count;                 /* out: bytes added */
};

struct sgx_enclave_init {
	uint64_t sigstruct;             /* address of the SIGSTRUCT */
};

struct sgx_enclave_provision {
	uint64_t fd;                    /* an open /dev/sgx_provision */
};

struct sgx_enclave_restrict_permissions {
	uint64_t offset;
	uint64_t length;
	uint64_t permissions;           /* SECINFO R/W/X */
	uint64_t result;                /* out: SGX error code of a failed EMODPR */
	uint64_t count;                 /* out: bytes done */
};

struct sgx_enclave_modify_types {
	uint64_t offset;
	uint64_t length;
	uint64_t page_type;             /* SGX_PAGE_TYPE_TCS or _TRIM */
	uint64_t result;
	uint64_t count;
};

struct sgx_enclave_remove_pages {
	uint64_t offset;
	uint64_t length;
	uint64_t count;
};

#define SGX_IOC_ENCLAVE_CREATE      _IOW(SGX_MAGIC, 0x00, struct sgx_enclave_create)
#define SGX_IOC_ENCLAVE_ADD_PAGES   _IOWR(SGX_MAGIC, 0x01, struct sgx_enclave_add_pages)
#define SGX_IOC_ENCLAVE_INIT        _IOW(SGX_MAGIC, 0x02, struct sgx_enclave_init)
#define SGX_IOC_ENCLAVE_PROVISION   _IOW(SGX_MAGIC, 0x03, struct sgx_enclave_provision)
#define SGX_IOC_VEPC_REMOVE_ALL     _IO(SGX_MAGIC, 0x04)
#define SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS \
	_IOWR(SGX_MAGIC, 0x05, struct sgx_enclave_restrict_permissions)
#define SGX_IOC_ENCLAVE_MODIFY_TYPES _IOWR(SGX_MAGIC, 0x06, struct sgx_enclave_modify_types)
#define SGX_IOC_ENCLAVE_REMOVE_PAGES _IOWR(SGX_MAGIC, 0x07, struct sgx_enclave_remove_pages)

static_assert(SGX_IOC_ENCLAVE_CREATE == 0x4008A400u, "ENCLAVE_CREATE");
static_assert(SGX_IOC_ENCLAVE_ADD_PAGES == 0xC030A401u, "ENCLAVE_ADD_PAGES");
static_assert(SGX_IOC_ENCLAVE_INIT == 0x4008A402u, "ENCLAVE_INIT");
static_assert(SGX_IOC_ENCLAVE_PROVISION == 0x4008A403u, "ENCLAVE_PROVISION");
static_assert(SGX_IOC_VEPC_REMOVE_ALL == 0x0000A404u, "VEPC_REMOVE_ALL");
static_assert(SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS == 0xC028A405u, "RESTRICT_PERMISSIONS");
static_assert(SGX_IOC_ENCLAVE_MODIFY_TYPES == 0xC028A406u, "MODIFY_TYPES");
static_assert(SGX_IOC_ENCLAVE_REMOVE_PAGES == 0xC018A407u, "REMOVE_PAGES");
static_assert(offsetof(struct sgx_enclave_add_pages, count) == 40, "add_pages.count");
static_assert(offsetof(struct sgx_enclave_restrict_permissions, count) == 32, "restrict.count");
static_assert(offsetof(struct sgx_enclave_remove_pages, count) == 16, "remove.count");

/* struct sgx_enclave_run and the vDSO entry (arch/x86/include/uapi/asm/sgx.h). */
struct sgx_enclave_run;

typedef int (*sgx_enclave_user_handler_t)(long rdi, long rsi, long rdx, long rsp, long r8,
					  long r9, struct sgx_enclave_run *run);

struct sgx_enclave_run {
	uint64_t tcs;
	uint32_t function;
	uint16_t exception_vector;
	uint16_t exception_error_code;
	uint64_t exception_addr;
	uint64_t user_handler;
	uint64_t user_data;
	uint8_t  reserved[216];
};
static_assert(sizeof(struct sgx_enclave_run) == 256, "sgx_enclave_run size");
static_assert(offsetof(struct sgx_enclave_run, function) == 8, "run.function");
static_assert(offsetof(struct sgx_enclave_run, exception_vector) == 12, "run.exception_vector");
static_assert(offsetof(struct sgx_enclave_run, exception_error_code) == 14, "run.exception_error_code");
static_assert(offsetof(struct sgx_enclave_run, exception_addr) == 16, "run.exception_addr");
static_assert(offsetof(struct sgx_enclave_run, user_handler) == 24, "run.user_handler");
static_assert(offsetof(struct sgx_enclave_run, user_data) == 32, "run.user_data");
static_assert(offsetof(struct sgx_enclave_run, reserved) == 40, "run.reserved");

typedef int (*vdso_sgx_enter_enclave_t)(unsigned long rdi, unsigned long rsi, unsigned long rdx,
					unsigned int function, unsigned long r8, unsigned long r9,
					struct sgx_enclave_run *run);

#endif /* SGXEMU_UAPI_SGX_H */
