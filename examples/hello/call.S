/* SPDX-License-Identifier: MIT */
/*
 * hello_enter(vdso, msg, leaf, run): vdso(msg, 0, 0, leaf, 0, 0, run) with
 * RBX, RBP and R12-R15 kept on our own stack. Only RBX, RBP and RSP survive
 * __vdso_sgx_enter_enclave; an enclave that AEXes hands back synthetic
 * values in the rest, so a C caller needs this (the kernel selftests'
 * call.S does the same).
 */
	.text
	.global hello_enter
	.type hello_enter, @function
hello_enter:
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rbp
	mov	%rsp, %rbp
	and	$-16, %rsp
	mov	%rdi, %rax              /* the vDSO function */
	mov	%rsi, %rdi              /* RDI = msg */
	xor	%esi, %esi
	mov	%edx, %r9d              /* leaf, for a moment */
	xor	%edx, %edx
	sub	$8, %rsp
	push	%rcx                    /* 7th argument: run */
	mov	%r9d, %ecx              /* ECX = leaf */
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	call	*%rax
	mov	%rbp, %rsp
	pop	%rbp
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	ret
	.size hello_enter, . - hello_enter

	.section .note.GNU-stack, "", @progbits
