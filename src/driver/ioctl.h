/* SPDX-License-Identifier: MIT */
/*
 * ioctl handlers shared between ioctl.c (SGX1: CREATE, ADD_PAGES, INIT,
 * PROVISION and the dispatcher) and ioctl_sgx2.c (RESTRICT_PERMISSIONS,
 * MODIFY_TYPES, REMOVE_PAGES). Private to driver/.
 *
 * Every handler runs with SGX_ENCL_IOCTL set on the enclave (the dispatcher
 * owns it) and no lock held; @arg is the user pointer the program passed.
 * Return: 0 or -errno, exactly as the kernel's handler of the same name.
 */
#ifndef SGXEMU_DRIVER_IOCTL_H
#define SGXEMU_DRIVER_IOCTL_H

#include <stdint.h>

#include "encl.h"

/**
 * sgx_validate_offset_length() - @offset/@length page aligned, @length
 * non-zero, no overflow, inside ELRANGE. Return: 0 or -EINVAL.
 */
int sgx_validate_offset_length(struct sgx_encl *encl, uint64_t offset, uint64_t length)
	__attribute__((warn_unused_result));

long sgx_ioc_enclave_restrict_permissions(struct sgx_encl *encl, uint64_t arg);
long sgx_ioc_enclave_modify_types(struct sgx_encl *encl, uint64_t arg);
long sgx_ioc_enclave_remove_pages(struct sgx_encl *encl, uint64_t arg);

#endif /* SGXEMU_DRIVER_IOCTL_H */
