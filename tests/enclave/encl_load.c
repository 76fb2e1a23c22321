// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "encl_load.h"
#include "sgx_arch.h"
#include "sgxemu/uapi/sgx.h"
#include "sigstruct.h"

static long ioc(struct encl_loaded *e, unsigned int cmd, void *arg)
{
	return sgx_ioctl(e->f, cmd, (unsigned long)(uintptr_t)arg, NULL);
}

int encl_load(struct sgx_driver *drv, const char *path, uint64_t heap_pages,
	      const struct crypto_rsa_key *key, struct encl_loaded *e, char *err, size_t errlen)
{
	static struct sgx_secs secs;
	static struct sgx_sigstruct sig;
	struct sgx_enclave_create create = { .src = (uint64_t)(uintptr_t)&secs };
	struct sgx_enclave_init init = { .sigstruct = (uint64_t)(uintptr_t)&sig };
	unsigned int i;
	intptr_t m;
	long ret;

	memset(e, 0, sizeof(*e));
	e->drv = drv;
	ret = enclave_elf_load(path, heap_pages * 4096, &e->elf, err, errlen);
	if (ret)
		return (int)ret;
	e->size = e->elf.encl_size;
	e->reserve = mmap(NULL, 2 * e->size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			  -1, 0);
	if (e->reserve == MAP_FAILED) {
		ret = -errno;
		snprintf(err, errlen, "reservation: %s", strerror(errno));
		e->reserve = NULL;
		goto out_free;
	}
	e->base = ((uint64_t)(uintptr_t)e->reserve + e->size - 1) & ~(e->size - 1);
	ret = sgx_open(drv, SGX_DEV_ENCLAVE, &e->f);
	if (ret) {
		snprintf(err, errlen, "open: %s", strerror((int)-ret));
		goto out_free;
	}

	memset(&secs, 0, sizeof(secs));
	secs.base = e->base;
	secs.size = e->size;
	secs.ssa_frame_size = 1;
	secs.miscselect = SGX_MISC_EXINFO;
	secs.attributes = SGX_ATTR_MODE64BIT;
	secs.xfrm = SGX_XFRM_LEGACY;
	ret = ioc(e, SGX_IOC_ENCLAVE_CREATE, &create);
	if (ret) {
		snprintf(err, errlen, "CREATE: %s", strerror((int)-ret));
		goto out_free;
	}
	for (i = 0; i < e->elf.nr_segs; i++) {
		const struct enclave_segment *s = &e->elf.segs[i];
		struct sgx_secinfo secinfo __attribute__((aligned(64))) = { .flags = s->secinfo_flags };
		struct sgx_enclave_add_pages add = {
			.src = (uint64_t)(uintptr_t)s->src, .offset = s->offset, .length = s->size,
			.secinfo = (uint64_t)(uintptr_t)&secinfo,
			.flags = s->measured ? SGX_PAGE_MEASURE : 0,
		};

		if (!s->size)
			continue;
		ret = ioc(e, SGX_IOC_ENCLAVE_ADD_PAGES, &add);
		if (ret) {
			snprintf(err, errlen, "ADD_PAGES at %#llx: %s",
				 (unsigned long long)s->offset, strerror((int)-ret));
			goto out_free;
		}
		if (s->heap) {
			e->heap = s->offset;
			e->heap_size = s->size;
		}
	}

	sigstruct_init(&sig);
	sig.body.miscselect = secs.miscselect;
	sig.body.misc_mask = 0xffffffff;
	sig.body.attributes = secs.attributes;
	sig.body.attributes_mask = ~SGX_ATTR_INIT;
	sig.body.xfrm = secs.xfrm;
	sig.body.xfrm_mask = ~0ull;
	ret = enclave_elf_measure(&e->elf, secs.ssa_frame_size, sig.body.mrenclave);
	if (!ret)
		ret = sigstruct_sign(&sig, key);
	if (ret) {
		snprintf(err, errlen, "signing: %s", strerror((int)-ret));
		goto out_free;
	}
	ret = ioc(e, SGX_IOC_ENCLAVE_INIT, &init);
	if (ret) {
		snprintf(err, errlen, "INIT: %s", strerror((int)-ret));
		goto out_free;
	}
	for (i = 0; i < e->elf.nr_segs; i++) {
		const struct enclave_segment *s = &e->elf.segs[i];

		if (!s->size)
			continue;
		m = sgx_mmap(e->f, (void *)(uintptr_t)(e->base + s->offset), s->size, (int)s->prot,
			     MAP_SHARED | MAP_FIXED, 0);
		if (m < 0) {
			ret = m;
			snprintf(err, errlen, "mmap: %s", strerror((int)-m));
			goto out_free;
		}
	}
	return 0;

out_free:
	encl_unload(e);
	return (int)ret;
}

void encl_unload(struct encl_loaded *e)
{
	if (e->reserve) {
		/* 1 (nothing mapped yet) and 0 are both fine; munmap the rest anyway. */
		if (sgx_munmap(e->drv, e->reserve, 2 * e->size) < 0)
			fprintf(stderr, "encl_unload: sgx_munmap failed\n");
		munmap(e->reserve, 2 * e->size);
	}
	if (e->f)
		sgx_release(e->f);
	enclave_elf_free(&e->elf);
	memset(e, 0, sizeof(*e));
}
