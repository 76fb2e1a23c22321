/* SPDX-License-Identifier: MIT */
/*
 * SGX architectural structures, exactly as laid out in the Intel SDM Vol. 3D
 * chapter 38 ("Enclave Control Structures") and as the Linux driver sees them
 * (arch/x86/include/asm/sgx.h). No emulator state lives here.
 *
 * Reserved areas are named after their byte offset. Every offset the code
 * relies on is pinned by a static_assert below its structure.
 */
#ifndef SGXEMU_ARCH_SGX_ARCH_H
#define SGXEMU_ARCH_SGX_ARCH_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#define SGX_PAGE_SIZE   4096u
#define SGX_PAGE_SHIFT  12
#define SGX_PAGE_MASK   (~(uint64_t)(SGX_PAGE_SIZE - 1))

/* ---- SECS.ATTRIBUTES (SDM 38.7.1) ------------------------------------ */
#define SGX_ATTR_INIT               (1ull << 0)
#define SGX_ATTR_DEBUG              (1ull << 1)
#define SGX_ATTR_MODE64BIT          (1ull << 2)
/* bit 3 reserved */
#define SGX_ATTR_PROVISIONKEY       (1ull << 4)
#define SGX_ATTR_EINITTOKENKEY      (1ull << 5)
#define SGX_ATTR_CET                (1ull << 6)
#define SGX_ATTR_KSS                (1ull << 7)
/* bits 8, 9 reserved */
#define SGX_ATTR_ASYNC_EXIT_NOTIFY  (1ull << 10)
/* Bits no enclave may set, whatever the CPU supports. */
#define SGX_ATTR_RESERVED_MASK \
	((1ull << 3) | (1ull << 6) | (1ull << 8) | (1ull << 9) | ~((1ull << 11) - 1))

/* ---- MISCSELECT (SDM 38.7.2) ------------------------------------------ */
#define SGX_MISC_EXINFO             (1u << 0)
#define SGX_MISC_CPINFO             (1u << 1)

/* ---- XFRM: XCR0 bits ------------------------------------------------- */
#define SGX_XFRM_X87                (1ull << 0)
#define SGX_XFRM_SSE                (1ull << 1)
#define SGX_XFRM_AVX                (1ull << 2)
#define SGX_XFRM_LEGACY             (SGX_XFRM_X87 | SGX_XFRM_SSE)

/* ---- Page types (EPCM.PT) -------------------------------------------- */
enum sgx_page_type {
	SGX_PT_SECS = 0x00,
	SGX_PT_TCS  = 0x01,
	SGX_PT_REG  = 0x02,
	SGX_PT_VA   = 0x03,
	SGX_PT_TRIM = 0x04,
	SGX_PT_SS_FIRST = 0x05,
	SGX_PT_SS_REST  = 0x06,
};

/* ---- SECINFO.FLAGS (SDM 38.11.1) ------------------------------------- */
#define SGX_SECINFO_R               (1ull << 0)
#define SGX_SECINFO_W               (1ull << 1)
#define SGX_SECINFO_X               (1ull << 2)
#define SGX_SECINFO_PENDING         (1ull << 3)
#define SGX_SECINFO_MODIFIED        (1ull << 4)
#define SGX_SECINFO_PR              (1ull << 5)
#define SGX_SECINFO_PERMISSION_MASK 0x7ull
#define SGX_SECINFO_PAGE_TYPE_SHIFT 8
#define SGX_SECINFO_PAGE_TYPE_MASK  (0xffull << SGX_SECINFO_PAGE_TYPE_SHIFT)
#define SGX_SECINFO_SECS            ((uint64_t)SGX_PT_SECS << SGX_SECINFO_PAGE_TYPE_SHIFT)
#define SGX_SECINFO_TCS             ((uint64_t)SGX_PT_TCS << SGX_SECINFO_PAGE_TYPE_SHIFT)
#define SGX_SECINFO_REG             ((uint64_t)SGX_PT_REG << SGX_SECINFO_PAGE_TYPE_SHIFT)
#define SGX_SECINFO_VA              ((uint64_t)SGX_PT_VA << SGX_SECINFO_PAGE_TYPE_SHIFT)
#define SGX_SECINFO_TRIM            ((uint64_t)SGX_PT_TRIM << SGX_SECINFO_PAGE_TYPE_SHIFT)
/* Every bit of FLAGS that is neither a permission, a state bit nor the type. */
#define SGX_SECINFO_RESERVED_MASK \
	(~(SGX_SECINFO_PERMISSION_MASK | SGX_SECINFO_PENDING | SGX_SECINFO_MODIFIED | \
	   SGX_SECINFO_PR | SGX_SECINFO_PAGE_TYPE_MASK))

static inline unsigned int sgx_secinfo_page_type(uint64_t flags)
{
	return (unsigned int)((flags & SGX_SECINFO_PAGE_TYPE_MASK) >> SGX_SECINFO_PAGE_TYPE_SHIFT);
}

/* Attributes as they appear in REPORT, TARGETINFO, KEYREQUEST, EINITTOKEN. */
struct sgx_attributes {
	uint64_t flags;
	uint64_t xfrm;
};
static_assert(sizeof(struct sgx_attributes) == 16, "ATTRIBUTES size");

/* ---- SECS (SDM 38.7) -------------------------------------------------- */
struct sgx_secs {
	uint64_t size;
	uint64_t base;
	uint32_t ssa_frame_size;        /* in pages */
	uint32_t miscselect;
	uint8_t  reserved_0x18[24];     /* CET_LEG_BITMAP_OFFSET, CET_ATTRIBUTES */
	uint64_t attributes;
	uint64_t xfrm;
	uint8_t  mrenclave[32];
	uint8_t  reserved_0x60[32];
	uint8_t  mrsigner[32];
	uint8_t  reserved_0xa0[32];
	uint8_t  config_id[64];
	uint16_t isv_prod_id;
	uint16_t isv_svn;
	uint16_t config_svn;
	uint8_t  reserved_0x106[3834];  /* hidden state lives here on hardware */
} __attribute__((packed, aligned(4096)));
static_assert(sizeof(struct sgx_secs) == 4096, "SECS size");
static_assert(offsetof(struct sgx_secs, size) == 0x00, "SECS.SIZE");
static_assert(offsetof(struct sgx_secs, base) == 0x08, "SECS.BASEADDR");
static_assert(offsetof(struct sgx_secs, ssa_frame_size) == 0x10, "SECS.SSAFRAMESIZE");
static_assert(offsetof(struct sgx_secs, miscselect) == 0x14, "SECS.MISCSELECT");
static_assert(offsetof(struct sgx_secs, attributes) == 0x30, "SECS.ATTRIBUTES");
static_assert(offsetof(struct sgx_secs, xfrm) == 0x38, "SECS.XFRM");
static_assert(offsetof(struct sgx_secs, mrenclave) == 0x40, "SECS.MRENCLAVE");
static_assert(offsetof(struct sgx_secs, mrsigner) == 0x80, "SECS.MRSIGNER");
static_assert(offsetof(struct sgx_secs, config_id) == 0xc0, "SECS.CONFIGID");
static_assert(offsetof(struct sgx_secs, isv_prod_id) == 0x100, "SECS.ISVPRODID");
static_assert(offsetof(struct sgx_secs, isv_svn) == 0x102, "SECS.ISVSVN");
static_assert(offsetof(struct sgx_secs, config_svn) == 0x104, "SECS.CONFIGSVN");
static_assert(offsetof(struct sgx_secs, reserved_0x106) == 0x106, "SECS reserved");

/* ---- TCS (SDM 38.8) --------------------------------------------------- */
#define SGX_TCS_DBGOPTIN    (1ull << 0)
#define SGX_TCS_AEXNOTIFY   (1ull << 1)
#define SGX_TCS_RESERVED_MASK (~(SGX_TCS_DBGOPTIN | SGX_TCS_AEXNOTIFY))

struct sgx_tcs {
	uint64_t state;
	uint64_t flags;
	uint64_t ssa_offset;            /* OSSA, from SECS.BASEADDR */
	uint32_t ssa_index;             /* CSSA */
	uint32_t nr_ssa_frames;         /* NSSA */
	uint64_t entry_offset;          /* OENTRY */
	uint64_t exit_addr;             /* AEP (written by EENTER/ERESUME) */
	uint64_t fs_offset;             /* OFSBASE */
	uint64_t gs_offset;             /* OGSBASE */
	uint32_t fs_limit;
	uint32_t gs_limit;
	uint8_t  reserved_0x48[4024];
} __attribute__((packed, aligned(4096)));
static_assert(sizeof(struct sgx_tcs) == 4096, "TCS size");
static_assert(offsetof(struct sgx_tcs, flags) == 0x08, "TCS.FLAGS");
static_assert(offsetof(struct sgx_tcs, ssa_offset) == 0x10, "TCS.OSSA");
static_assert(offsetof(struct sgx_tcs, ssa_index) == 0x18, "TCS.CSSA");
static_assert(offsetof(struct sgx_tcs, nr_ssa_frames) == 0x1c, "TCS.NSSA");
static_assert(offsetof(struct sgx_tcs, entry_offset) == 0x20, "TCS.OENTRY");
static_assert(offsetof(struct sgx_tcs, exit_addr) == 0x28, "TCS.AEP");
static_assert(offsetof(struct sgx_tcs, fs_offset) == 0x30, "TCS.OFSBASE");
static_assert(offsetof(struct sgx_tcs, gs_offset) == 0x38, "TCS.OGSBASE");
static_assert(offsetof(struct sgx_tcs, fs_limit) == 0x40, "TCS.FSLIMIT");
static_assert(offsetof(struct sgx_tcs, gs_limit) == 0x44, "TCS.GSLIMIT");

/* ---- SECINFO (SDM 38.11) --------------------------------------------- */
struct sgx_secinfo {
	uint64_t flags;
	uint8_t  reserved_0x08[56];
} __attribute__((aligned(64)));
static_assert(sizeof(struct sgx_secinfo) == 64, "SECINFO size");
static_assert(_Alignof(struct sgx_secinfo) == 64, "SECINFO alignment");

/* ---- PAGEINFO (SDM 38.10) -------------------------------------------- */
struct sgx_pageinfo {
	uint64_t addr;                  /* LINADDR */
	uint64_t contents;              /* SRCPGE */
	uint64_t metadata;              /* SECINFO or PCMD */
	uint64_t secs;                  /* SECS (EPC address) */
} __attribute__((aligned(32)));
static_assert(sizeof(struct sgx_pageinfo) == 32, "PAGEINFO size");
static_assert(offsetof(struct sgx_pageinfo, contents) == 0x08, "PAGEINFO.SRCPGE");
static_assert(offsetof(struct sgx_pageinfo, metadata) == 0x10, "PAGEINFO.SECINFO/PCMD");
static_assert(offsetof(struct sgx_pageinfo, secs) == 0x18, "PAGEINFO.SECS");

/* ---- PCMD (SDM 38.12) ------------------------------------------------- */
struct sgx_pcmd {
	struct sgx_secinfo secinfo;
	uint64_t enclave_id;
	uint8_t  reserved_0x48[40];
	uint8_t  mac[16];
} __attribute__((aligned(128)));
static_assert(sizeof(struct sgx_pcmd) == 128, "PCMD size");
static_assert(offsetof(struct sgx_pcmd, enclave_id) == 0x40, "PCMD.ENCLAVEID");
static_assert(offsetof(struct sgx_pcmd, reserved_0x48) == 0x48, "PCMD reserved");
static_assert(offsetof(struct sgx_pcmd, mac) == 0x70, "PCMD.MAC");
#define SGX_PCMD_PER_PAGE (SGX_PAGE_SIZE / sizeof(struct sgx_pcmd))

/* ---- Version Array page (SDM 38.20) ----------------------------------- */
#define SGX_VA_SLOT_COUNT 512
struct sgx_va_page {
	uint64_t slot[SGX_VA_SLOT_COUNT];
};
static_assert(sizeof(struct sgx_va_page) == 4096, "VA page size");

/* ---- SIGSTRUCT (SDM 38.13) -------------------------------------------- */
#define SGX_MODULUS_SIZE 384
#define SGX_SIGSTRUCT_HEADER1_0 0x000000E100000006ull
#define SGX_SIGSTRUCT_HEADER1_1 0x0000000000010000ull
#define SGX_SIGSTRUCT_HEADER2_0 0x0000006000000101ull
#define SGX_SIGSTRUCT_HEADER2_1 0x0000000100000060ull
#define SGX_SIGSTRUCT_VENDOR_INTEL 0x8086u

struct sgx_sigstruct_header {
	uint64_t header1[2];
	uint32_t vendor;
	uint32_t date;                  /* BCD yyyymmdd */
	uint64_t header2[2];
	uint32_t swdefined;
	uint8_t  reserved_0x2c[84];
} __attribute__((packed));
static_assert(sizeof(struct sgx_sigstruct_header) == 128, "SIGSTRUCT header size");

struct sgx_sigstruct_body {
	uint32_t miscselect;
	uint32_t misc_mask;
	uint8_t  reserved_0x08[4];      /* CET_ATTRIBUTES, CET_ATTRIBUTES_MASK */
	uint8_t  isv_family_id[16];
	uint64_t attributes;
	uint64_t xfrm;
	uint64_t attributes_mask;
	uint64_t xfrm_mask;
	uint8_t  mrenclave[32];
	uint8_t  reserved_0x5c[16];
	uint8_t  isv_ext_prod_id[16];
	uint16_t isvprodid;
	uint16_t isvsvn;
} __attribute__((packed));
static_assert(sizeof(struct sgx_sigstruct_body) == 128, "SIGSTRUCT body size");

struct sgx_sigstruct {
	struct sgx_sigstruct_header header;
	uint8_t  modulus[SGX_MODULUS_SIZE];     /* little endian */
	uint32_t exponent;
	uint8_t  signature[SGX_MODULUS_SIZE];   /* little endian */
	struct sgx_sigstruct_body body;
	uint8_t  reserved_0x404[12];
	uint8_t  q1[SGX_MODULUS_SIZE];          /* little endian */
	uint8_t  q2[SGX_MODULUS_SIZE];          /* little endian */
} __attribute__((packed));
static_assert(sizeof(struct sgx_sigstruct) == 1808, "SIGSTRUCT size");
static_assert(offsetof(struct sgx_sigstruct, header.vendor) == 16, "SIGSTRUCT.VENDOR");
static_assert(offsetof(struct sgx_sigstruct, header.date) == 20, "SIGSTRUCT.DATE");
static_assert(offsetof(struct sgx_sigstruct, header.header2) == 24, "SIGSTRUCT.HEADER2");
static_assert(offsetof(struct sgx_sigstruct, header.swdefined) == 40, "SIGSTRUCT.SWDEFINED");
static_assert(offsetof(struct sgx_sigstruct, modulus) == 128, "SIGSTRUCT.MODULUS");
static_assert(offsetof(struct sgx_sigstruct, exponent) == 512, "SIGSTRUCT.EXPONENT");
static_assert(offsetof(struct sgx_sigstruct, signature) == 516, "SIGSTRUCT.SIGNATURE");
static_assert(offsetof(struct sgx_sigstruct, body) == 900, "SIGSTRUCT body");
static_assert(offsetof(struct sgx_sigstruct, body.misc_mask) == 904, "SIGSTRUCT.MISCMASK");
static_assert(offsetof(struct sgx_sigstruct, body.isv_family_id) == 912, "SIGSTRUCT.ISVFAMILYID");
static_assert(offsetof(struct sgx_sigstruct, body.attributes) == 928, "SIGSTRUCT.ATTRIBUTES");
static_assert(offsetof(struct sgx_sigstruct, body.xfrm) == 936, "SIGSTRUCT.XFRM");
static_assert(offsetof(struct sgx_sigstruct, body.attributes_mask) == 944, "SIGSTRUCT.ATTRIBUTEMASK");
static_assert(offsetof(struct sgx_sigstruct, body.xfrm_mask) == 952, "SIGSTRUCT.XFRMMASK");
static_assert(offsetof(struct sgx_sigstruct, body.mrenclave) == 960, "SIGSTRUCT.ENCLAVEHASH");
static_assert(offsetof(struct sgx_sigstruct, body.isv_ext_prod_id) == 1008, "SIGSTRUCT.ISVEXTPRODID");
static_assert(offsetof(struct sgx_sigstruct, body.isvprodid) == 1024, "SIGSTRUCT.ISVPRODID");
static_assert(offsetof(struct sgx_sigstruct, body.isvsvn) == 1026, "SIGSTRUCT.ISVSVN");
static_assert(offsetof(struct sgx_sigstruct, q1) == 1040, "SIGSTRUCT.Q1");
static_assert(offsetof(struct sgx_sigstruct, q2) == 1424, "SIGSTRUCT.Q2");

/* ---- EINITTOKEN (SDM 38.14) ------------------------------------------- */
#define SGX_EINITTOKEN_SIZE 304
struct sgx_einittoken {
	uint32_t valid;
	uint8_t  reserved_0x04[44];
	struct sgx_attributes attributes;
	uint8_t  mrenclave[32];
	uint8_t  reserved_0x60[32];
	uint8_t  mrsigner[32];
	uint8_t  reserved_0xa0[32];
	uint8_t  cpusvn_le[16];
	uint16_t isvprodid_le;
	uint16_t isvsvn_le;
	uint8_t  reserved_0xd4[24];
	uint32_t masked_miscselect_le;
	struct sgx_attributes masked_attributes_le;
	uint8_t  keyid[32];
	uint8_t  mac[16];
} __attribute__((packed, aligned(512)));
static_assert(offsetof(struct sgx_einittoken, attributes) == 48, "EINITTOKEN.ATTRIBUTES");
static_assert(offsetof(struct sgx_einittoken, mrenclave) == 64, "EINITTOKEN.MRENCLAVE");
static_assert(offsetof(struct sgx_einittoken, mrsigner) == 128, "EINITTOKEN.MRSIGNER");
static_assert(offsetof(struct sgx_einittoken, cpusvn_le) == 192, "EINITTOKEN.CPUSVNLE");
static_assert(offsetof(struct sgx_einittoken, isvprodid_le) == 208, "EINITTOKEN.ISVPRODIDLE");
static_assert(offsetof(struct sgx_einittoken, masked_miscselect_le) == 236, "EINITTOKEN.MASKEDMISCSELECTLE");
static_assert(offsetof(struct sgx_einittoken, masked_attributes_le) == 240, "EINITTOKEN.MASKEDATTRIBUTESLE");
static_assert(offsetof(struct sgx_einittoken, keyid) == 256, "EINITTOKEN.KEYID");
static_assert(offsetof(struct sgx_einittoken, mac) == 288, "EINITTOKEN.MAC");
static_assert(sizeof(struct sgx_einittoken) == 512, "EINITTOKEN padded to its alignment");

/* ---- REPORT (SDM 38.15) ----------------------------------------------- */
struct sgx_report_body {
	uint8_t  cpusvn[16];
	uint32_t miscselect;
	uint8_t  reserved_0x14[12];
	uint8_t  isv_ext_prod_id[16];
	struct sgx_attributes attributes;
	uint8_t  mrenclave[32];
	uint8_t  reserved_0x60[32];
	uint8_t  mrsigner[32];
	uint8_t  reserved_0xa0[32];
	uint8_t  config_id[64];
	uint16_t isv_prod_id;
	uint16_t isv_svn;
	uint16_t config_svn;
	uint8_t  reserved_0x106[42];
	uint8_t  isv_family_id[16];
	uint8_t  report_data[64];
} __attribute__((packed));
static_assert(sizeof(struct sgx_report_body) == 384, "REPORT body size");

struct sgx_report {
	struct sgx_report_body body;
	uint8_t  key_id[32];
	uint8_t  mac[16];
} __attribute__((packed, aligned(512)));
static_assert(offsetof(struct sgx_report, body.miscselect) == 16, "REPORT.MISCSELECT");
static_assert(offsetof(struct sgx_report, body.isv_ext_prod_id) == 32, "REPORT.ISVEXTPRODID");
static_assert(offsetof(struct sgx_report, body.attributes) == 48, "REPORT.ATTRIBUTES");
static_assert(offsetof(struct sgx_report, body.mrenclave) == 64, "REPORT.MRENCLAVE");
static_assert(offsetof(struct sgx_report, body.mrsigner) == 128, "REPORT.MRSIGNER");
static_assert(offsetof(struct sgx_report, body.config_id) == 192, "REPORT.CONFIGID");
static_assert(offsetof(struct sgx_report, body.isv_prod_id) == 256, "REPORT.ISVPRODID");
static_assert(offsetof(struct sgx_report, body.isv_svn) == 258, "REPORT.ISVSVN");
static_assert(offsetof(struct sgx_report, body.config_svn) == 260, "REPORT.CONFIGSVN");
static_assert(offsetof(struct sgx_report, body.isv_family_id) == 304, "REPORT.ISVFAMILYID");
static_assert(offsetof(struct sgx_report, body.report_data) == 320, "REPORT.REPORTDATA");
static_assert(offsetof(struct sgx_report, key_id) == 384, "REPORT.KEYID");
static_assert(offsetof(struct sgx_report, mac) == 416, "REPORT.MAC");
#define SGX_REPORT_SIZE 432

/* ---- TARGETINFO (SDM 38.16) ------------------------------------------- */
struct sgx_targetinfo {
	uint8_t  measurement[32];
	struct sgx_attributes attributes;
	uint8_t  reserved_0x30[2];      /* CET_ATTRIBUTES, reserved */
	uint16_t config_svn;
	uint32_t miscselect;
	uint8_t  reserved_0x38[8];
	uint8_t  config_id[64];
	uint8_t  reserved_0x80[384];
} __attribute__((packed, aligned(512)));
static_assert(sizeof(struct sgx_targetinfo) == 512, "TARGETINFO size");
static_assert(offsetof(struct sgx_targetinfo, attributes) == 32, "TARGETINFO.ATTRIBUTES");
static_assert(offsetof(struct sgx_targetinfo, config_svn) == 50, "TARGETINFO.CONFIGSVN");
static_assert(offsetof(struct sgx_targetinfo, miscselect) == 52, "TARGETINFO.MISCSELECT");
static_assert(offsetof(struct sgx_targetinfo, config_id) == 64, "TARGETINFO.CONFIGID");

/* ---- KEYREQUEST (SDM 38.18) ------------------------------------------- */
enum sgx_key_name {
	SGX_KEYSELECT_EINITTOKEN     = 0,
	SGX_KEYSELECT_PROVISION      = 1,
	SGX_KEYSELECT_PROVISION_SEAL = 2,
	SGX_KEYSELECT_REPORT         = 3,
	SGX_KEYSELECT_SEAL           = 4,
};

#define SGX_KEYPOLICY_MRENCLAVE     (1u << 0)
#define SGX_KEYPOLICY_MRSIGNER      (1u << 1)
#define SGX_KEYPOLICY_NOISVPRODID   (1u << 2)
#define SGX_KEYPOLICY_CONFIGID      (1u << 3)
#define SGX_KEYPOLICY_ISVFAMILYID   (1u << 4)
#define SGX_KEYPOLICY_ISVEXTPRODID  (1u << 5)
#define SGX_KEYPOLICY_RESERVED_MASK (~0x3fu & 0xffffu)
#define SGX_KEYPOLICY_KSS_MASK \
	(SGX_KEYPOLICY_NOISVPRODID | SGX_KEYPOLICY_CONFIGID | \
	 SGX_KEYPOLICY_ISVFAMILYID | SGX_KEYPOLICY_ISVEXTPRODID)

struct sgx_keyrequest {
	uint16_t key_name;
	uint16_t key_policy;
	uint16_t isv_svn;
	uint16_t reserved_0x06;         /* CET_ATTRIBUTES_MASK, reserved */
	uint8_t  cpusvn[16];
	struct sgx_attributes attribute_mask;
	uint8_t  key_id[32];
	uint32_t misc_mask;
	uint16_t config_svn;
	uint8_t  reserved_0x4e[434];
} __attribute__((packed, aligned(512)));
static_assert(sizeof(struct sgx_keyrequest) == 512, "KEYREQUEST size");
static_assert(offsetof(struct sgx_keyrequest, isv_svn) == 4, "KEYREQUEST.ISVSVN");
static_assert(offsetof(struct sgx_keyrequest, cpusvn) == 8, "KEYREQUEST.CPUSVN");
static_assert(offsetof(struct sgx_keyrequest, attribute_mask) == 24, "KEYREQUEST.ATTRIBUTEMASK");
static_assert(offsetof(struct sgx_keyrequest, key_id) == 40, "KEYREQUEST.KEYID");
static_assert(offsetof(struct sgx_keyrequest, misc_mask) == 72, "KEYREQUEST.MISCMASK");
static_assert(offsetof(struct sgx_keyrequest, config_svn) == 76, "KEYREQUEST.CONFIGSVN");
static_assert(offsetof(struct sgx_keyrequest, reserved_0x4e) == 78, "KEYREQUEST reserved");

/* ---- SSA frame (SDM 38.9) --------------------------------------------- */
/* EXITINFO (SDM Table 38-11) */
#define SGX_EXITINFO_VECTOR_MASK    0xffu
#define SGX_EXITINFO_TYPE_SHIFT     8
#define SGX_EXITINFO_TYPE_HW        3u  /* hardware exception */
#define SGX_EXITINFO_TYPE_SW        6u  /* software exception (INT3, INTO) */
#define SGX_EXITINFO_VALID          (1u << 31)

struct sgx_gprsgx {
	uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rflags;
	uint64_t rip;
	uint64_t ursp;
	uint64_t urbp;
	uint32_t exitinfo;
	uint32_t reserved_0xa4;
	uint64_t fsbase;
	uint64_t gsbase;
};
#define SGX_SSA_GPRS_SIZE 184
static_assert(sizeof(struct sgx_gprsgx) == SGX_SSA_GPRS_SIZE, "GPRSGX size");
static_assert(offsetof(struct sgx_gprsgx, r8) == 64, "GPRSGX.R8");
static_assert(offsetof(struct sgx_gprsgx, rflags) == 128, "GPRSGX.RFLAGS");
static_assert(offsetof(struct sgx_gprsgx, rip) == 136, "GPRSGX.RIP");
static_assert(offsetof(struct sgx_gprsgx, ursp) == 144, "GPRSGX.URSP");
static_assert(offsetof(struct sgx_gprsgx, urbp) == 152, "GPRSGX.URBP");
static_assert(offsetof(struct sgx_gprsgx, exitinfo) == 160, "GPRSGX.EXITINFO");
static_assert(offsetof(struct sgx_gprsgx, fsbase) == 168, "GPRSGX.FSBASE");
static_assert(offsetof(struct sgx_gprsgx, gsbase) == 176, "GPRSGX.GSBASE");

/* MISC.EXINFO, written immediately below GPRSGX when MISCSELECT.EXINFO. */
struct sgx_exinfo {
	uint64_t maddr;
	uint32_t errcd;
	uint32_t reserved_0x0c;
};
#define SGX_SSA_MISC_EXINFO_SIZE 16
static_assert(sizeof(struct sgx_exinfo) == SGX_SSA_MISC_EXINFO_SIZE, "EXINFO size");

/* Legacy XSAVE region (x87 + SSE) and header, at the start of an SSA frame. */
#define SGX_XSAVE_LEGACY_SIZE 512
#define SGX_XSAVE_HEADER_SIZE 64

#endif /* SGXEMU_ARCH_SGX_ARCH_H */
