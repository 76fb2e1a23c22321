// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the driver's surface: random sequences of calls
 * with random arguments, the driver's invariants checked after each one
 * (fuzz_ioctl_check.c), and at the end of every input everything released
 * and every EPC page checked back. Built with clang -fsanitize=fuzzer as
 * fuzz_ioctl, and everywhere as fuzz_ioctl_replay (replay.c's main), which
 * the test suite runs over tests/fuzz/corpus/ioctl.
 *
 * Input format (gen_corpus.py writes the seeds): byte 0 picks the platform
 * (& 7: 0-1 SGX2 with 160 EPC pages, 2 SGX2 with 24, 3 SGX1, 4 SGX2 with
 * 12 - so small that two enclaves page against each other - 5 SGX1 with
 * 16, 6-7 as 0); then calls, each an opcode byte (% OP_NR) followed by its
 * argument bytes as listed at enum op. A call cut short reads zeros. At
 * most MAX_OPS calls.
 *
 * The driver runs without ksgxd (manual_reclaim): pages are reclaimed by
 * direct reclaim in the ioctls and by OP_EVICT, so every step is
 * deterministic and the checker sees no pass half done.
 *
 * Addresses are confined to a region of FZ_SLOTS slots of 128 KiB that the
 * harness keeps reserved, so that a MAP_FIXED never lands on anything
 * else; ELRANGEs are placed at slot starts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "encls.h"
#include "fuzz_ioctl.h"
#include "lp.h"
#include "sigstruct.h"
#include "sgxemu/uapi/sgx.h"

#define MAX_OPS 256
#define TCS_IMAGES 20                   /* one per page of the largest ELRANGE, + 4 */

enum op {
	OP_OPEN,        /* kind: bit0 provision, else enclave in slot kind>>1 */
	OP_CLOSE,       /* slot (FZ_SLOTS: the provision file) */
	OP_CREATE,      /* slot, size, base, attributes, ssa|arg */
	OP_ADD,         /* slot, offset page, pages, secinfo (bit 7: raw u16 last), flags */
	OP_INIT,        /* slot, variant|arg */
	OP_PROVISION,   /* slot, fd|arg */
	OP_RESTRICT,    /* slot, offset page, pages, permissions, quirks|arg */
	OP_MODT,        /* slot, offset page, pages, type, quirks|arg */
	OP_REMOVE,      /* slot, offset page, pages, quirks|arg */
	OP_ENCLU,       /* slot, page, secinfo (bit 7: raw, u16 after leaf), leaf */
	OP_MMAP,        /* slot|flags, region page, pages, prot */
	OP_MPROTECT,    /* region page|extra, pages, prot */
	OP_MUNMAP,      /* region page|extra, pages */
	OP_FAULT,       /* region page|extra, offset, access */
	OP_RAW_IOCTL,   /* slot, command, arg, 48 bytes of argument */
	OP_EVICT,       /* how: & 3: 0 one pass, 1 ksgxd's step, 2 down to the high
			 * watermark, 3 everything that goes (bounded) */
	OP_NR
};

#define NR_PLATFORMS 5

/* ---- process-wide setup ------------------------------------------------- */

static struct {
	char dir[64], keyfile[96];
	struct hw_platform *hw[NR_PLATFORMS];   /* see the input format */
	struct crypto_rsa_key *key;
	uint8_t *region;
	uint8_t *arg_rw;                /* RW page; guard page after it */
	uint8_t *arg_ro;                /* read-only page */
	uint8_t *src;                   /* ADD_PAGES sources: 4 pages */
	uint8_t *tcs_src;               /* TCS images: for page i, SSA at i + 1 */
} g;

static struct fz *cur;              /* for the PROVISION fd lookup */
static bool trace;                  /* $FUZZ_IOCTL_TRACE: each call on stderr */

#define TRACE(...) do { if (trace) fprintf(stderr, __VA_ARGS__); } while (0)

static void cleanup_files(void)
{
	unlink(g.keyfile);
	rmdir(g.dir);
}

static uint8_t *map_pages(size_t n, int prot)
{
	void *p = mmap(NULL, n * SGX_PAGE_SIZE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	FZ_CHECK(p != MAP_FAILED, "harness mmap");
	return p;
}

static void global_init(void)
{
	static const uint8_t sgx2[NR_PLATFORMS] = { 1, 1, 0, 1, 0 };
	static const uint64_t pages[NR_PLATFORMS] = { 160, 24, 160, 12, 16 };
	struct hw_config cfg;
	uint8_t *p;
	unsigned int i;

	trace = getenv("FUZZ_IOCTL_TRACE") != NULL;
	strcpy(g.dir, "/tmp/sgxemu-fuzz-XXXXXX");
	FZ_CHECK(mkdtemp(g.dir), "mkdtemp");
	snprintf(g.keyfile, sizeof(g.keyfile), "%s/platform.key", g.dir);
	atexit(cleanup_files);
	for (i = 0; i < NR_PLATFORMS; i++) {
		hw_config_default(&cfg);
		cfg.sgx2 = sgx2[i];
		cfg.epc_size = pages[i] * SGX_PAGE_SIZE;
		cfg.root_key_path = g.keyfile;
		FZ_CHECK(!hw_platform_create(&cfg, &g.hw[i]), "hw_platform_create");
	}
	if (crypto_rsa_load_pem(FUZZ_KEY_PEM, &g.key))
		FZ_CHECK(!crypto_rsa_generate(3072, &g.key), "signing key");

	/* The region, aligned to a slot. */
	p = map_pages(FZ_REGION_PAGES + FZ_SLOT_SIZE / SGX_PAGE_SIZE, PROT_NONE);
	g.region = (uint8_t *)(((uintptr_t)p + FZ_SLOT_SIZE - 1) & ~(uintptr_t)(FZ_SLOT_SIZE - 1));

	g.arg_rw = map_pages(2, PROT_READ | PROT_WRITE);
	FZ_CHECK(!mprotect(g.arg_rw + SGX_PAGE_SIZE, SGX_PAGE_SIZE, PROT_NONE), "guard page");
	g.arg_ro = map_pages(1, PROT_READ);
	g.src = map_pages(4, PROT_READ | PROT_WRITE);
	g.tcs_src = map_pages(TCS_IMAGES, PROT_READ | PROT_WRITE);
	for (i = 0; i < TCS_IMAGES; i++) {
		struct sgx_tcs *tcs = (struct sgx_tcs *)(g.tcs_src + i * SGX_PAGE_SIZE);

		/* For a TCS at page i: SSA at i + 1, entry at i + 2 (gen_corpus.py). */
		tcs->ssa_offset = (i + 1) * SGX_PAGE_SIZE;
		tcs->nr_ssa_frames = 1;
		tcs->entry_offset = (i + 2) * SGX_PAGE_SIZE;
		tcs->fs_limit = tcs->gs_limit = 0xffffffff;
	}
}

/* ---- input decoding ------------------------------------------------------ */

struct rd {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct rd *r)
{
	if (!r->n)
		return 0;
	r->n--;
	return *r->p++;
}

static uint16_t u16(struct rd *r)
{
	uint16_t lo = u8(r);

	return (uint16_t)(lo | (uint16_t)u8(r) << 8);
}

static uint8_t *slot_base(unsigned int slot)
{
	return g.region + (slot % FZ_SLOTS) * FZ_SLOT_SIZE;
}

/*
 * The user pointer an ioctl gets for an argument of @size bytes in
 * g.arg_rw: @sel & 7: 0-3 the buffer, 4 NULL, 5 the guard page, 6 a
 * read-only copy (write-back fails), 7 straddling into the guard page.
 */
static uint64_t arg_ptr(unsigned int sel, size_t size)
{
	switch (sel & 7) {
	case 4:
		return 0;
	case 5:
		return (uintptr_t)(g.arg_rw + SGX_PAGE_SIZE);
	case 6:
		FZ_CHECK(!mprotect(g.arg_ro, SGX_PAGE_SIZE, PROT_READ | PROT_WRITE), "mprotect");
		memcpy(g.arg_ro, g.arg_rw, size);
		FZ_CHECK(!mprotect(g.arg_ro, SGX_PAGE_SIZE, PROT_READ), "mprotect");
		return (uintptr_t)g.arg_ro;
	case 7:
		memmove(g.arg_rw + SGX_PAGE_SIZE - size + 8, g.arg_rw, size - 8);
		return (uintptr_t)(g.arg_rw + SGX_PAGE_SIZE - size + 8);
	default:
		return (uintptr_t)g.arg_rw;
	}
}

/* Fill holes in [addr, addr + len) of the region with PROT_NONE again. */
static void refill(uint64_t addr, uint64_t len)
{
	uint64_t a;

	for (a = addr; a < addr + len; a += SGX_PAGE_SIZE) {
		void *p = mmap((void *)(uintptr_t)a, SGX_PAGE_SIZE, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
			       -1, 0);

		if (p != MAP_FAILED && p != (void *)(uintptr_t)a)
			munmap(p, SGX_PAGE_SIZE);       /* pre-4.17 kernel: a hint */
	}
}

/* A [start, len) range from a page selector: region pages or an extra mapping. */
static void pick_range(struct fz *fz, uint8_t sel, uint8_t pages, uint64_t *start,
		       uint64_t *len)
{
	uint64_t first = sel % FZ_REGION_PAGES, n = 1 + pages % 16;

	if (sel >= 0xf0 && fz->extra[sel & (FZ_EXTRA - 1)].len) {
		*start = fz->extra[sel & (FZ_EXTRA - 1)].addr;
		*len = fz->extra[sel & (FZ_EXTRA - 1)].len;
		return;
	}
	if (first + n > FZ_REGION_PAGES)
		n = FZ_REGION_PAGES - first;
	*start = (uintptr_t)g.region + first * SGX_PAGE_SIZE;
	*len = n * SGX_PAGE_SIZE;
}

static struct sgx_file *lookup_fd(int fd)
{
	if (fd == 3)
		return cur->prov;
	if (fd == 4)
		return cur->files[0];
	return NULL;
}

static long ioctl_on(struct fz *fz, unsigned int slot, unsigned int cmd, uint64_t arg)
{
	struct sgx_file *f = slot % (FZ_SLOTS + 1) == FZ_SLOTS ? fz->prov : fz->files[slot % FZ_SLOTS];
	long ret = -EBADF;

	if (f)
		ret = sgx_ioctl(f, cmd, arg, lookup_fd);
	TRACE("ioctl %#x slot %u: %ld\n", cmd, slot % (FZ_SLOTS + 1), ret);
	return ret;
}

/* ---- file, build and INIT calls ------------------------------------------ */

static void shadow_reset(struct fz_shadow *sh)
{
	if (sh->measuring)
		measure_destroy(&sh->m);
	memset(sh, 0, sizeof(*sh));
}

static void op_open(struct fz *fz, struct rd *r)
{
	uint8_t kind = u8(r);
	unsigned int s = (kind >> 1) % FZ_SLOTS;

	if (kind & 1) {
		if (!fz->prov)
			FZ_CHECK(!sgx_open(fz->drv, SGX_DEV_PROVISION, &fz->prov), "open provision");
		return;
	}
	if (fz->files[s])
		return;
	FZ_CHECK(!sgx_open(fz->drv, SGX_DEV_ENCLAVE, &fz->files[s]), "open enclave");
	shadow_reset(&fz->sh[s]);
}

static void op_close(struct fz *fz, struct rd *r)
{
	unsigned int s = u8(r) % (FZ_SLOTS + 1);
	struct sgx_file **f = s == FZ_SLOTS ? &fz->prov : &fz->files[s];

	sgx_release(*f);
	*f = NULL;
}

static void op_create(struct fz *fz, struct rd *r)
{
	static struct sgx_secs secs __attribute__((aligned(4096)));
	unsigned int s = u8(r) % FZ_SLOTS;
	uint8_t size = u8(r), base = u8(r), attr = u8(r), misc = u8(r);
	struct sgx_enclave_create *a = (void *)g.arg_rw;
	long ret;

	memset(&secs, 0, sizeof(secs));
	/* 8 KiB .. 64 KiB, or (bit 7) the byte itself: zero, odd, not a power of 2. */
	secs.size = size & 0x80 ? size & 0x7f : 0x2000ull << (size % 4);
	secs.base = (uintptr_t)slot_base(base) + ((base & 0x80) ? SGX_PAGE_SIZE : 0);
	secs.ssa_frame_size = (misc & 3) ? misc & 3 : 1;
	secs.attributes = SGX_ATTR_MODE64BIT;
	secs.attributes |= (attr & 1 ? SGX_ATTR_DEBUG : 0) | (attr & 2 ? SGX_ATTR_PROVISIONKEY : 0) |
			   (attr & 4 ? SGX_ATTR_KSS : 0) | (attr & 8 ? SGX_ATTR_INIT : 0);
	if (attr & 16)
		secs.attributes &= ~SGX_ATTR_MODE64BIT;
	secs.xfrm = attr & 32 ? 1 : SGX_XFRM_LEGACY;
	a->src = (misc & 0x80) ? 0 : (uintptr_t)&secs;
	ret = ioctl_on(fz, s, SGX_IOC_ENCLAVE_CREATE, arg_ptr(misc >> 4, sizeof(*a)));
	if (!ret && fz->files[s]) {
		struct fz_shadow *sh = &fz->sh[s];

		shadow_reset(sh);
		FZ_CHECK(!measure_init(&sh->m), "measure_init");
		sh->measuring = true;
		FZ_CHECK(!measure_ecreate(&sh->m, secs.ssa_frame_size, secs.size), "measure");
		sh->attributes = secs.attributes;
	}
}

static const uint64_t secinfo_pick[8] = {
	SGX_SECINFO_TCS,
	SGX_SECINFO_REG | SGX_SECINFO_R,
	SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W,
	SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_X,
	SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W | SGX_SECINFO_X,
	SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W,
	SGX_SECINFO_REG | SGX_SECINFO_W,                        /* invalid */
	SGX_SECINFO_TRIM,                                       /* invalid */
};

static void op_add(struct fz *fz, struct rd *r)
{
	static struct sgx_secinfo secinfo __attribute__((aligned(64)));
	unsigned int s = u8(r) % FZ_SLOTS;
	uint8_t off = u8(r), n = u8(r), si = u8(r), fl = u8(r);
	struct sgx_enclave_add_pages *a = (void *)g.arg_rw;
	uint64_t npages = 1 + n % 4, offset, k;
	unsigned int asel = fl >> 5;
	uint8_t *src = g.src;

	memset(&secinfo, 0, sizeof(secinfo));
	secinfo.flags = si & 0x80 ? u16(r) : secinfo_pick[si % 8];
	/*
	 * TCS images (SSA on the next page, see global_init()), for TCS pages
	 * and, with si bit 6, for REG pages that MODIFY_TYPES will make TCSs.
	 */
	if (secinfo.flags == SGX_SECINFO_TCS || (si & 0xc0) == 0x40)
		src = g.tcs_src + (off % 16) * SGX_PAGE_SIZE;
	else
		memset(g.src, si, 4 * SGX_PAGE_SIZE);
	memset(a, 0, sizeof(*a));
	a->src = (uintptr_t)src;
	a->offset = (uint64_t)off * SGX_PAGE_SIZE + (n & 0x80 ? 0x10 : 0);
	a->length = npages * SGX_PAGE_SIZE - (n & 0x40 ? 0x800 : 0);
	a->secinfo = (uintptr_t)&secinfo;
	a->flags = fl & 1;
	switch ((fl >> 1) & 3) {
	case 1:
		a->src += 8;
		break;
	case 2:
		a->src = (uintptr_t)(g.arg_rw + SGX_PAGE_SIZE);         /* unreadable */
		break;
	case 3:
		a->src = (uintptr_t)slot_base(fl >> 3);                 /* enclave memory */
		break;
	}
	if (fl & 0x40)
		a->secinfo = 0;
	offset = a->offset;
	(void)ioctl_on(fz, s, SGX_IOC_ENCLAVE_ADD_PAGES, arg_ptr(asel, sizeof(*a)));

	/* Replay what went in into the shadow measurement. */
	if (fz->files[s] && fz->sh[s].measuring) {
		/* count comes back in the buffer for selectors 0-3 only. */
		uint64_t count = asel < 4 ? a->count : 0;

		if (((fl >> 1) & 3) == 3 || asel == 6)
			fz->sh[s].measure_broken = true;        /* source or count unknown */
		for (k = 0; k < count / SGX_PAGE_SIZE && k < 4; k++)
			FZ_CHECK(!measure_page(&fz->sh[s].m, offset + k * SGX_PAGE_SIZE,
					       secinfo.flags, src + k * SGX_PAGE_SIZE, fl & 1),
				 "measure");
	}
}

/* A SIGSTRUCT for the shadow measurement; signing is slow, so keep a few. */
static void make_sigstruct(struct fz_shadow *sh, unsigned int variant, struct sgx_sigstruct *sig)
{
	static struct { uint8_t key[48]; struct sgx_sigstruct sig; } cache[8];
	static unsigned int next;
	struct crypto_sha256 *dup;
	struct measure copy;
	uint8_t key[48];
	unsigned int i;

	sigstruct_init(sig);
	sig->body.attributes = sh->attributes & ~SGX_ATTR_INIT;
	sig->body.xfrm = SGX_XFRM_LEGACY;
	if (sh->measuring && !sh->measure_broken) {
		FZ_CHECK(!crypto_sha256_dup(sh->m.sha, &dup), "sha dup");
		copy.sha = dup;
		FZ_CHECK(!measure_final(&copy, sig->body.mrenclave), "measure_final");
		measure_destroy(&copy);
	}
	if (variant == 1)
		sig->body.mrenclave[0] ^= 1;
	if (variant == 2)
		sig->body.attributes ^= SGX_ATTR_DEBUG;
	memcpy(key, sig->body.mrenclave, 32);
	memcpy(key + 32, &sig->body.attributes, 8);
	memset(key + 40, 0, 8);
	for (i = 0; i < 8; i++) {
		if (!memcmp(cache[i].key, key, sizeof(key)) && cache[i].sig.header.header1[0]) {
			*sig = cache[i].sig;
			return;
		}
	}
	FZ_CHECK(!sigstruct_sign(sig, g.key), "sigstruct_sign");
	i = next++ % 8;
	memcpy(cache[i].key, key, sizeof(key));
	cache[i].sig = *sig;
}

static void op_init(struct fz *fz, struct rd *r)
{
	static struct sgx_sigstruct sig __attribute__((aligned(4096)));
	unsigned int s = u8(r) % FZ_SLOTS;
	uint8_t v = u8(r);
	struct sgx_enclave_init *a = (void *)g.arg_rw;

	make_sigstruct(&fz->sh[s], v % 4, &sig);
	if ((v & 3) == 3)
		sig.header.vendor = 0x1234;
	a->sigstruct = (v & 0x80) ? (uintptr_t)(g.arg_rw + SGX_PAGE_SIZE) : (uintptr_t)&sig;
	(void)ioctl_on(fz, s, SGX_IOC_ENCLAVE_INIT, arg_ptr(v >> 4, sizeof(*a)));
}

static void op_provision(struct fz *fz, struct rd *r)
{
	unsigned int s = u8(r) % (FZ_SLOTS + 1);
	uint8_t v = u8(r);
	struct sgx_enclave_provision *a = (void *)g.arg_rw;

	a->fd = (v & 7) | ((v & 8) ? 1ull << 32 : 0);
	(void)ioctl_on(fz, s, SGX_IOC_ENCLAVE_PROVISION, arg_ptr(v >> 4, sizeof(*a)));
}

/* ---- SGX2 calls ------------------------------------------------------------ */

/*
 * The three SGX2 ioctls share a shape: offset, length, then a value
 * (RESTRICT/MODIFY_TYPES), result and count. @quirks: bit 0 a non-zero
 * result, bit 1 a non-zero count, bit 2 offset + 0x10, bit 3 length - 0x800,
 * bits 5-7 the argument pointer.
 */
static long sgx2_call(struct fz *fz, unsigned int s, unsigned int cmd, uint64_t off,
		      uint64_t pages, uint64_t value, uint8_t quirks)
{
	uint64_t *a = (uint64_t *)(void *)g.arg_rw;
	size_t size = cmd == SGX_IOC_ENCLAVE_REMOVE_PAGES ? 24 : 40;

	a[0] = off * SGX_PAGE_SIZE + ((quirks & 4) ? 0x10 : 0);
	a[1] = pages * SGX_PAGE_SIZE - ((quirks & 8) ? 0x800 : 0);
	if (size == 24) {
		a[2] = (quirks & 2) ? SGX_PAGE_SIZE : 0;
	} else {
		a[2] = value;
		a[3] = quirks & 1;
		a[4] = (quirks & 2) ? SGX_PAGE_SIZE : 0;
	}
	return ioctl_on(fz, s, cmd, arg_ptr(quirks >> 5, size));
}

static void op_sgx2(struct fz *fz, struct rd *r, unsigned int cmd)
{
	unsigned int s = u8(r) % FZ_SLOTS;
	uint8_t off = u8(r), n = u8(r), v = 0, q;
	uint64_t value = 0;

	if (cmd != SGX_IOC_ENCLAVE_REMOVE_PAGES)
		v = u8(r);
	q = u8(r);
	if (cmd == SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS)
		value = v & 0x80 ? v : v & 7;
	else if (cmd == SGX_IOC_ENCLAVE_MODIFY_TYPES)
		value = v & 0x80 ? (v & 0x3fu) | (v & 0x40 ? 0x100u : 0) :
				   (v & 1 ? SGX_PT_TCS : SGX_PT_TRIM);
	(void)sgx2_call(fz, s, cmd, off % 17, 1 + n % 16, value, q);
}

/* Page tables for the enclave thread: the driver's page array. */
static uint32_t encl_translate(void *ctx, uint64_t lin, unsigned int access, uint64_t *pa)
{
	struct sgx_encl *encl = ctx;
	struct sgx_encl_page *e;

	if (lin < encl->base || lin - encl->base >= encl->size) {
		*pa = lin;
		return 0;
	}
	e = sgx_encl_lookup(encl, lin & SGX_PAGE_MASK);
	if (!e || !e->epc_page)
		return X86_PF_USER | ((access & HW_ACC_WRITE) ? X86_PF_WRITE : 0);
	*pa = (uintptr_t)sgx_get_epc_virt_addr(encl->drv, e->epc_page) + (lin & (SGX_PAGE_SIZE - 1));
	return 0;
}

static const uint64_t accept_pick[8] = {
	SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_PR,
	SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W | SGX_SECINFO_PR,
	SGX_SECINFO_TRIM | SGX_SECINFO_MODIFIED,
	SGX_SECINFO_TCS | SGX_SECINFO_MODIFIED,
	SGX_SECINFO_REG | SGX_SECINFO_PR,
	SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_X | SGX_SECINFO_PR,
	SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W | SGX_SECINFO_PENDING,
	SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W,
};

/*
 * An enclave thread runs one EACCEPT or EMODPE: it enters on the first TCS
 * that lets it, writes the SECINFO into the first readable page, runs the
 * leaf and leaves - so no thread is ever inside while the driver works.
 */
static void op_enclu(struct fz *fz, struct rd *r)
{
	unsigned int s = u8(r) % FZ_SLOTS;
	uint8_t page = u8(r), si = u8(r), leaf = u8(r);
	uint64_t flags = si & 0x80 ? u16(r) : accept_pick[si % 8];
	struct sgx_encl_page *e, *si_page = NULL;
	struct sgx_secinfo *secinfo;
	struct sgx_encl *encl;
	struct hw_enter in;
	struct hw_lp lp;
	uint64_t index = 0, rcx;
	unsigned int ret;
	bool inside = false;

	if (!fz->files[s])
		return;
	encl = fz->files[s]->encl;
	if (!sgx_encl_test_flag(encl, SGX_ENCL_INITIALIZED))
		return;
	hw_lp_init(&lp, fz->hw, encl_translate, encl);
	while ((e = sgx_page_array_find(&encl->page_array, &index, UINT64_MAX))) {
		if (!inside && e->type == SGX_PT_TCS)
			inside = !enclu_eenter(&lp, sgx_encl_page_addr(e), 0x1000, 0, 0, &in);
		if (!si_page && (sgx_encl_epcm_prot(encl, e) & PROT_READ))
			si_page = e;
		index++;
	}
	if (!inside || !si_page) {
		TRACE("ENCLU: no way in (entered %d)\n", inside);
		goto out;
	}
	secinfo = sgx_get_epc_virt_addr(fz->drv, si_page->epc_page);
	memset(secinfo, 0, sizeof(*secinfo));
	secinfo->flags = flags;
	if (leaf & 1)
		ret = enclu_emodpe(&lp, sgx_encl_page_addr(si_page),
				   encl->base + (uint64_t)(page % 16) * SGX_PAGE_SIZE);
	else
		ret = enclu_eaccept(&lp, sgx_encl_page_addr(si_page),
				    encl->base + (uint64_t)(page % 16) * SGX_PAGE_SIZE);
	TRACE("%s page %u flags %#llx: %#x\n", leaf & 1 ? "EMODPE" : "EACCEPT", page % 16,
	      (unsigned long long)secinfo->flags, ret);
out:
	if (inside)
		FZ_CHECK(!enclu_eexit(&lp, &rcx), "EEXIT");
}

/* ---- the address space ----------------------------------------------------- */

static void op_mmap(struct fz *fz, struct rd *r)
{
	static const int types[4] = { MAP_SHARED | MAP_FIXED, MAP_SHARED, MAP_PRIVATE | MAP_FIXED,
				      MAP_SHARED | MAP_FIXED_NOREPLACE };
	uint8_t sf = u8(r), sel = u8(r), n = u8(r), prot = u8(r);
	unsigned int s = (sf >> 3) % (FZ_SLOTS + 1), k;
	struct sgx_file *f = s == FZ_SLOTS ? fz->prov : fz->files[s];
	int flags = types[sf & 3];
	uint64_t start, len;
	intptr_t ret;

	if (!f)
		return;
	if (sf & 4)
		flags = (flags & ~MAP_SHARED) | MAP_SHARED_VALIDATE;
	pick_range(fz, (uint8_t)(sel % FZ_REGION_PAGES), n, &start, &len);
	if (!(flags & (MAP_FIXED | MAP_FIXED_NOREPLACE))) {
		for (k = 0; k < FZ_EXTRA && fz->extra[k].len; k++)
			;
		if (k == FZ_EXTRA)
			return;
		ret = sgx_mmap(f, NULL, len, prot & 7, flags, 0);
		TRACE("mmap anywhere %#llx: %ld\n", (unsigned long long)len, (long)ret);
		if (ret >= 0) {
			fz->extra[k].addr = (uint64_t)ret;
			fz->extra[k].len = len;
		}
		return;
	}
	/* Whatever the outcome, the invariants say whether it was right. */
	ret = sgx_mmap(f, (void *)(uintptr_t)start, len, prot & 7, flags, 0);
	TRACE("mmap page %llu+%llu prot %d flags %#x: %s%ld\n",
	      (unsigned long long)((start - (uintptr_t)g.region) >> SGX_PAGE_SHIFT),
	      (unsigned long long)(len >> SGX_PAGE_SHIFT), prot & 7, flags, ret > 0 ? "+" : "",
	      ret > 0 ? 0 : (long)ret);
	refill(start, len);
}

static int prot_of(uint8_t v)
{
	return (v & 7) | ((v & 8) ? 0x8 /* PROT_SEM */ : 0) | ((v & 16) ? PROT_GROWSDOWN : 0) |
	       ((v & 32) ? 0x40 : 0);
}

static void op_mprotect(struct fz *fz, struct rd *r)
{
	uint8_t sel = u8(r), n = u8(r), prot = u8(r);
	uint64_t start, len;
	int ret;

	pick_range(fz, sel, n, &start, &len);
	/* 1 (not ours) would go to the real mprotect: nothing of ours there. */
	ret = sgx_mprotect(fz->drv, (void *)(uintptr_t)start, len, prot_of(prot));
	TRACE("mprotect %#llx+%#llx %#x: %d\n", (unsigned long long)start, (unsigned long long)len,
	      prot_of(prot), ret);
}

static void op_munmap(struct fz *fz, struct rd *r)
{
	uint8_t sel = u8(r), n = u8(r);
	uint64_t start, len;
	int ret;

	pick_range(fz, sel, n, &start, &len);
	ret = sgx_munmap(fz->drv, (void *)(uintptr_t)start, len);
	TRACE("munmap %#llx+%#llx: %d\n", (unsigned long long)start, (unsigned long long)len, ret);
	if (sel >= 0xf0 && fz->extra[sel & (FZ_EXTRA - 1)].len) {
		if (ret == 0 || ret == 1) {
			munmap((void *)(uintptr_t)start, len);
			fz->extra[sel & (FZ_EXTRA - 1)].len = 0;
		}
		return;
	}
	refill(start, len);
}

/*
 * An access as the SIGSEGV handler would resolve it, and the LP's page
 * walk: a handled access must then be allowed by the mapping, and a walk
 * that succeeds must land on the page's own EPC page.
 */
static void op_fault(struct fz *fz, struct rd *r)
{
	uint8_t sel = u8(r), off = u8(r), acc = u8(r);
	unsigned int access = 1u << (acc % 3);
	/* x86 has no exec-only or write-only pages: any right lets a read through. */
	unsigned int want = access == HW_ACC_READ ? PROT_READ | PROT_WRITE | PROT_EXEC :
			    access == HW_ACC_WRITE ? PROT_WRITE : PROT_EXEC;
	enum sgx_fault_result res;
	struct sgx_encl_page *e;
	struct sgx_vma *vma;
	uint64_t start, len, addr, pa;
	uint32_t code = 0;

	pick_range(fz, sel, 0, &start, &len);
	addr = start + (uint64_t)off * 16;
	res = sgx_encl_fault(fz->drv, addr, access, &code);
	TRACE("fault page %llu access %u: %d code %#x\n",
	      (unsigned long long)((addr - (uintptr_t)g.region) >> SGX_PAGE_SHIFT), access, res, code);
	vma = fz_vma_at(fz->drv, addr);
	e = vma ? sgx_encl_lookup(vma->encl, addr & SGX_PAGE_MASK) : NULL;
	FZ_CHECK(res != SGX_FAULT_NOT_OURS || !vma, "fault at 0x%llx: NOT_OURS in a VMA",
		 (unsigned long long)addr);
	if (res == SGX_FAULT_HANDLED)
		FZ_CHECK(e && (e->pte & want), "fault at 0x%llx handled, PTE %#x",
			 (unsigned long long)addr, e ? e->pte : 0);
	if (res == SGX_FAULT_REPORT)
		FZ_CHECK(code & X86_PF_USER, "reported #PF code %#x", code);

	if (!sgx_translate(fz->drv, addr, access, &pa) && vma) {
		FZ_CHECK(e && e->epc_page, "walk of 0x%llx succeeded without a page",
			 (unsigned long long)addr);
		FZ_CHECK(pa == (uintptr_t)sgx_get_epc_virt_addr(fz->drv, e->epc_page) + (addr & 0xfff),
			 "walk of 0x%llx lands elsewhere", (unsigned long long)addr);
	}
}

/* Any command number with any argument bytes. */
static void op_raw_ioctl(struct fz *fz, struct rd *r)
{
	static const unsigned int cmds[8] = {
		SGX_IOC_ENCLAVE_CREATE, SGX_IOC_ENCLAVE_ADD_PAGES, SGX_IOC_ENCLAVE_INIT,
		SGX_IOC_ENCLAVE_PROVISION, SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS,
		SGX_IOC_ENCLAVE_MODIFY_TYPES, SGX_IOC_ENCLAVE_REMOVE_PAGES, SGX_IOC_VEPC_REMOVE_ALL,
	};
	unsigned int s = u8(r), c = u8(r), cmd, hi, k;
	uint8_t sel = u8(r);

	cmd = cmds[c % 8];
	if (c & 0x80) {
		hi = u16(r);
		cmd = hi << 16 | u16(r);
	}

	for (k = 0; k < 48; k++)
		g.arg_rw[k] = u8(r);
	(void)ioctl_on(fz, s, cmd, arg_ptr(sel, 48));
}

/* Reclaim as ksgxd or an allocation would, at a point the input picks. */
static void op_evict(struct fz *fz, struct rd *r)
{
	uint8_t how = u8(r) & 3;
	unsigned int i, freed = 0;

	if (how == 1)
		freed = sgx_ksgxd_step(fz->drv);
	/* 0: one pass; 2: down to the high watermark; 3: all that goes. */
	for (i = 0; how != 1 && i < (how ? 64u : 1u); i++) {
		if ((how == 2 && !sgx_should_reclaim(fz->drv, fz->drv->high_pages)) ||
		    !atomic_load(&fz->drv->nr_active))
			break;
		freed += sgx_reclaim_pages(fz->drv);
	}
	TRACE("evict %u: %u freed\n", how, freed);
}

/* ---- one input --------------------------------------------------------------- */

/* Everything goes; afterwards every EPC page must be back and invalid. */
static void release_all(struct fz *fz)
{
	struct sgx_driver_stats st;
	struct hw_stats hst;
	unsigned int k;

	for (k = 0; k < FZ_SLOTS; k++) {
		sgx_release(fz->files[k]);
		fz->files[k] = NULL;
		shadow_reset(&fz->sh[k]);
	}
	sgx_release(fz->prov);
	fz->prov = NULL;
	for (k = 0; k < FZ_EXTRA; k++) {
		if (!fz->extra[k].len)
			continue;
		FZ_CHECK(sgx_munmap(fz->drv, (void *)(uintptr_t)fz->extra[k].addr,
				    fz->extra[k].len) >= 0, "munmap extra");
		munmap((void *)(uintptr_t)fz->extra[k].addr, fz->extra[k].len);
		fz->extra[k].len = 0;
	}
	FZ_CHECK(sgx_munmap(fz->drv, g.region, FZ_REGION_SIZE) >= 0, "munmap region");
	FZ_CHECK(mmap(g.region, FZ_REGION_SIZE, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) == g.region,
		 "re-reserve the region");
	/* What ksgxd would do: queued EAUG refills hold the last references. */
	(void)sgx_ksgxd_step(fz->drv);

	sgx_driver_stats(fz->drv, &st);
	FZ_CHECK(st.enclaves == 0, "%llu enclaves outlive their files and mappings",
		 (unsigned long long)st.enclaves);
	FZ_CHECK(st.epc_free == fz->drv->nr_epc_pages, "%llu EPC pages not returned",
		 (unsigned long long)(fz->drv->nr_epc_pages - st.epc_free));
	hw_stats_read(fz->hw, &hst);
	FZ_CHECK(hst.epcm_valid == 0, "%llu EPC pages still valid", (unsigned long long)hst.epcm_valid);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t platforms[8] = { 0, 0, 1, 2, 3, 4, 0, 0 };
	struct sgx_driver_config dc = { .manual_reclaim = true };
	struct rd r = { data, size };
	unsigned int n;
	struct fz fz;

	if (!g.region)
		global_init();
	memset(&fz, 0, sizeof(fz));
	fz.hw = g.hw[platforms[u8(&r) & 7]];
	fz.region = g.region;
	FZ_CHECK(!sgx_driver_create(fz.hw, &dc, &fz.drv), "sgx_driver_create");
	cur = &fz;

	for (n = 0; r.n && n < MAX_OPS; n++) {
		switch (u8(&r) % OP_NR) {
		case OP_OPEN:           op_open(&fz, &r); break;
		case OP_CLOSE:          op_close(&fz, &r); break;
		case OP_CREATE:         op_create(&fz, &r); break;
		case OP_ADD:            op_add(&fz, &r); break;
		case OP_INIT:           op_init(&fz, &r); break;
		case OP_PROVISION:      op_provision(&fz, &r); break;
		case OP_RESTRICT:       op_sgx2(&fz, &r, SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS); break;
		case OP_MODT:           op_sgx2(&fz, &r, SGX_IOC_ENCLAVE_MODIFY_TYPES); break;
		case OP_REMOVE:         op_sgx2(&fz, &r, SGX_IOC_ENCLAVE_REMOVE_PAGES); break;
		case OP_ENCLU:          op_enclu(&fz, &r); break;
		case OP_MMAP:           op_mmap(&fz, &r); break;
		case OP_MPROTECT:       op_mprotect(&fz, &r); break;
		case OP_MUNMAP:         op_munmap(&fz, &r); break;
		case OP_FAULT:          op_fault(&fz, &r); break;
		case OP_RAW_IOCTL:      op_raw_ioctl(&fz, &r); break;
		case OP_EVICT:          op_evict(&fz, &r); break;
		}
		fz_check(&fz);
	}
	release_all(&fz);
	fz_check(&fz);
	sgx_driver_destroy(fz.drv);
	cur = NULL;
	return 0;
}
