/* SPDX-License-Identifier: MIT */
/*
 * The driver's direct user copy, fault-safe the way the kernel's
 * copy_from_user() is: the one instruction that touches user memory lies
 * at a known address, and a fault there does not kill the process but
 * resumes at a fixup that reports how far the copy got (the kernel's
 * exception table; here sgx_uaccess_fixup(), called first by the
 * SIGSEGV/SIGBUS handler, uaccess.c).
 *
 *   size_t sgx_copy_user_raw(void *dst, const void *src, size_t len)
 *
 * copies @len bytes with REP MOVSB and returns the bytes NOT copied: 0, or
 * what RCX held when the fault hit. REP MOVSB is restartable, so RCX, RSI
 * and RDI describe exactly the bytes done; fast-string microcode may stop
 * a little before the byte that faults, never after it (uaccess.c walks
 * the rest a byte at a time).
 *
 * Context: any thread whose SIGSEGV and SIGBUS reach a handler that calls
 * sgx_uaccess_fixup(); DF is clear at every call (the ABI).
 */
	.text

	.globl	sgx_copy_user_raw
	.hidden	sgx_copy_user_raw
	.globl	sgx_copy_user_insn
	.hidden	sgx_copy_user_insn
	.globl	sgx_copy_user_insn_end
	.hidden	sgx_copy_user_insn_end
	.globl	sgx_copy_user_fixup
	.hidden	sgx_copy_user_fixup

	.type	sgx_copy_user_raw, @function
	.balign	16
sgx_copy_user_raw:
	.cfi_startproc
	mov	%rdx, %rcx
sgx_copy_user_insn:
	rep movsb
sgx_copy_user_insn_end:
	xor	%eax, %eax
	ret
	/* A fault in REP MOVSB resumes here: RCX bytes were left. */
sgx_copy_user_fixup:
	mov	%rcx, %rax
	ret
	.cfi_endproc
	.size	sgx_copy_user_raw, . - sgx_copy_user_raw

	.section .note.GNU-stack, "", @progbits
