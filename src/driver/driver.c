// SPDX-License-Identifier: MIT
/*
 * File operations (the kernel's driver.c): open and release of the two
 * devices. An open of /dev/sgx_enclave makes an enclave object; an open of
 * /dev/sgx_provision is a capability token whose only use is to be passed
 * to SGX_IOC_ENCLAVE_PROVISION.
 *
 * Lifetimes: a file holds one reference on its enclave; every VMA holds
 * another (vma.c). The enclave goes when the last file reference is
 * released and the last mapping is unmapped, in either order - as in the
 * kernel, where VMAs pin the file.
 */
#include <errno.h>
#include <stdlib.h>

#include "encl.h"

int sgx_open(struct sgx_driver *drv, enum sgx_dev dev, struct sgx_file **out)
{
	struct sgx_file *f;
	int ret;

	if (dev != SGX_DEV_ENCLAVE && dev != SGX_DEV_PROVISION)
		return -ENODEV;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->drv = drv;
	f->dev = dev;
	atomic_init(&f->refcount, 1);
	if (dev == SGX_DEV_ENCLAVE) {
		ret = sgx_encl_alloc(drv, &f->encl);
		if (ret) {
			free(f);
			return ret;
		}
		/* The LSM's blob: an id for the audit log before anything else. */
		if (drv->cfg.policy)
			policy_encl_open(drv->cfg.policy, &f->encl->policy);
	}
	sgx_mutex_lock(&drv->files_lock);
	list_add_tail(&f->list, &drv->files);
	sgx_mutex_unlock(&drv->files_lock);
	*out = f;
	return 0;
}

struct sgx_file *sgx_file_get(struct sgx_file *f)
{
	long old = atomic_fetch_add_explicit(&f->refcount, 1, memory_order_relaxed);

	SGXEMU_BUG_ON(old <= 0);
	return f;
}

enum sgx_dev sgx_file_dev(const struct sgx_file *f)
{
	return f->dev;
}

/* The file itself: off the list, drop the enclave reference. */
static void file_free(struct sgx_file *f)
{
	if (f->encl)
		sgx_encl_put(f->encl);
	free(f);
}

void sgx_release(struct sgx_file *f)
{
	struct sgx_driver *drv;
	long old;

	if (!f)
		return;
	old = atomic_fetch_sub_explicit(&f->refcount, 1, memory_order_acq_rel);
	SGXEMU_BUG_ON(old <= 0);
	if (old != 1)
		return;
	drv = f->drv;
	sgx_mutex_lock(&drv->files_lock);
	list_del_init(&f->list);
	sgx_mutex_unlock(&drv->files_lock);
	file_free(f);
}

void sgx_files_release_all(struct sgx_driver *drv)
{
	struct sgx_file *f;

	for (;;) {
		sgx_mutex_lock(&drv->files_lock);
		if (list_empty(&drv->files)) {
			sgx_mutex_unlock(&drv->files_lock);
			return;
		}
		f = list_first_entry(&drv->files, struct sgx_file, list);
		list_del_init(&f->list);
		sgx_mutex_unlock(&drv->files_lock);
		file_free(f);
	}
}

bool sgx_driver_thread_busy(void)
{
	return sgx_locks_held != 0;
}
