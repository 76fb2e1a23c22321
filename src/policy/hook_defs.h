/* SPDX-License-Identifier: MIT */
/*
 * The policy hooks, declared once (the kernel's lsm_hook_defs.h). Every
 * user defines POLICY_HOOK() and includes this file; there is no include
 * guard on purpose.
 *
 *   POLICY_HOOK(NAME, DEFAULT, DENY_ERRNO)
 *
 * NAME        the hook: the driver calls policy_NAME() with a
 *             struct policy_NAME (policy.h) describing the operation;
 *             modules implement it as ops->NAME.
 * DEFAULT     the decision when no configured module implements the hook.
 * DENY_ERRNO  what the operation fails with when a module denies it: the
 *             errno the kernel itself returns for the same kind of refusal,
 *             so that a program cannot tell policy from the kernel's rules:
 *   - memory and its permissions (page load, mmap, mprotect): EACCES, as
 *     the kernel's noexec-source and maximum-protection rules
 *     (sgx_encl_add_page, sgx_encl_may_map) and as an LSM's denial;
 *   - the enclave's identity (create, init): EPERM, as an enclave that
 *     EINIT (launch control) refuses;
 *   - PROVISIONKEY: EACCES, as the kernel's own PROVISIONKEY gate in
 *     SGX_IOC_ENCLAVE_INIT (attributes not allowed).
 *
 * Where the driver calls each (the points where the kernel would call a
 * security hook, after the ioctl's argument checks, before the operation
 * changes anything, and before the driver's own permission rules, as
 * security_mmap_file() and security_file_mprotect() run before the
 * driver's mmap and mprotect handlers):
 *   encl_create  SGX_IOC_ENCLAVE_CREATE, before ECREATE
 *   page_load    SGX_IOC_ENCLAVE_ADD_PAGES, per page, before EADD
 *   encl_init    SGX_IOC_ENCLAVE_INIT, before EINIT
 *   provision    SGX_IOC_ENCLAVE_INIT of an enclave whose attributes ask
 *                for PROVISIONKEY and that passed the /dev/sgx_provision
 *                gate, before encl_init (the kernel decides PROVISIONKEY at
 *                INIT too; SGX_IOC_ENCLAVE_PROVISION only records the fd)
 *   mmap         sgx_mmap(), before anything is mapped or replaced
 *   mprotect     sgx_mprotect(), per enclave mapping in the range
 */
POLICY_HOOK(encl_create, POLICY_ALLOW, EPERM)
POLICY_HOOK(page_load,   POLICY_ALLOW, EACCES)
POLICY_HOOK(encl_init,   POLICY_ALLOW, EPERM)
POLICY_HOOK(provision,   POLICY_ALLOW, EACCES)
POLICY_HOOK(mmap,        POLICY_ALLOW, EACCES)
POLICY_HOOK(mprotect,    POLICY_ALLOW, EACCES)
