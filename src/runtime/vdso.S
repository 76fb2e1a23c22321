/* SPDX-License-Identifier: MIT */
/*
 * __vdso_sgx_enter_enclave, sgxemu's own, with the contract of Linux's
 * (shared/reference/linux-sgx.md §1.5): validate the leaf and the reserved
 * bytes of struct sgx_enclave_run, ENCLU with RBX = run->tcs and RCX = the
 * AEP (the ENCLU itself), then report how the enclave left in run and call
 * the user handler if there is one; a positive handler return is the next
 * leaf. Only RBX, RBP and RSP are preserved for the caller.
 *
 * Where hardware executes ENCLU, this jumps to rt_enclu_host: the software
 * EENTER/ERESUME (entry.c) followed by rt_load_context, which loads the
 * enclave's registers and IRETs into it - no trap on the way in. An
 * exception that Linux would report through the vDSO arrives at
 * rt_vdso_handle_exception with RDI = vector, RSI = error code, RDX =
 * address, EAX = the leaf, exactly where Linux's fixup puts it.
 */
#include "rt_internal.h"

#define LEAF_EENTER	2
#define LEAF_ERESUME	3
#define LEAF_EEXIT	4

#define RUN_TCS		0
#define RUN_FUNCTION	8
#define RUN_VECTOR	12
#define RUN_ERRCODE	14
#define RUN_ADDR	16
#define RUN_HANDLER	24
#define RUN_RESERVED	40
#define RUN_SIZE	256

#define SYS_arch_prctl	158
#define ARCH_SET_GS	0x1001
#define ARCH_SET_FS	0x1002

	.text
	.hidden	rt_host_enclu

	.globl	rt_vdso_sgx_enter_enclave
	.type	rt_vdso_sgx_enter_enclave, @function
	.balign	16
rt_vdso_sgx_enter_enclave:
	.cfi_startproc
	push	%rbp
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbp, 0
	mov	%rsp, %rbp
	.cfi_def_cfa_register %rbp
	push	%rbx
	.cfi_rel_offset %rbx, -8

	mov	%ecx, %eax
.Lenter:
	cmp	$LEAF_EENTER, %eax
	jb	.Leinval
	cmp	$LEAF_ERESUME, %eax
	ja	.Leinval

	/* The 7th argument, struct sgx_enclave_run *, is above our frame. */
	mov	16(%rbp), %rcx
	mov	$RUN_RESERVED, %ebx
1:	cmpq	$0, (%rcx, %rbx)
	jne	.Leinval
	add	$8, %ebx
	cmp	$RUN_SIZE, %ebx
	jne	1b

	mov	RUN_TCS(%rcx), %rbx
	lea	rt_vdso_aep(%rip), %rcx

	/* "ENCLU". An AEX comes back here with EAX = ERESUME, RBX, RCX intact. */
	.globl	rt_vdso_aep
	.hidden	rt_vdso_aep
rt_vdso_aep:
	jmp	rt_enclu_host

	/* EENTER hands this address to the enclave in RCX; EEXIT lands here. */
	.globl	rt_vdso_after_enclu
	.hidden	rt_vdso_after_enclu
rt_vdso_after_enclu:
	mov	16(%rbp), %rbx
	movl	$LEAF_EEXIT, RUN_FUNCTION(%rbx)

.Lexit:
	cmpq	$0, RUN_HANDLER(%rbx)
	jne	.Lcall_handler
	xor	%eax, %eax
.Lreturn:
	pop	%rbx
	.cfi_remember_state
	.cfi_restore %rbx
	leave
	.cfi_def_cfa %rsp, 8
	.cfi_restore %rbp
	ret
	.cfi_restore_state

.Leinval:
	mov	$-22, %eax			/* -EINVAL */
	jmp	.Lreturn

	/* Linux's fixup_vdso_exception() target. */
	.globl	rt_vdso_handle_exception
	.hidden	rt_vdso_handle_exception
rt_vdso_handle_exception:
	mov	16(%rbp), %rbx
	mov	%eax, RUN_FUNCTION(%rbx)
	mov	%di, RUN_VECTOR(%rbx)
	mov	%si, RUN_ERRCODE(%rbx)
	mov	%rdx, RUN_ADDR(%rbx)
	jmp	.Lexit

	/*
	 * handler(rdi, rsi, rdx, ursp, r8, r9, run): RDI/RSI/RDX/R8/R9 are
	 * whatever the enclave left in them; RCX is the untrusted RSP at exit.
	 * The stack is realigned for the call; RBX keeps the RSP to go back to.
	 */
.Lcall_handler:
	mov	%rbx, %rax			/* run */
	mov	%rsp, %rcx
	mov	%rsp, %rbx
	and	$-16, %rsp
	sub	$8, %rsp
	push	%rax				/* 7th argument */
	cld
	call	*RUN_HANDLER(%rax)
	mov	%rbx, %rsp
	test	%eax, %eax
	jle	.Lreturn
	jmp	.Lenter
	.cfi_endproc
	.size	rt_vdso_sgx_enter_enclave, . - rt_vdso_sgx_enter_enclave

/*
 * rt_enclu_host - software ENCLU[EENTER/ERESUME]: EAX = leaf, RBX = TCS,
 * RCX = AEP, everything else as the enclave is to see it. Saves the GPRs
 * below the red zone, lets rt_host_enclu() do the leaf, then loads what it
 * returns.
 */
	.globl	rt_enclu_host
	.hidden	rt_enclu_host
	.type	rt_enclu_host, @function
rt_enclu_host:
	lea	-RT_REDZONE(%rsp), %rsp
	pushfq
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%r11
	push	%r10
	push	%r9
	push	%r8
	push	%rdi
	push	%rsi
	push	%rbp
	push	%rdx
	push	%rcx
	push	%rbx
	push	%rax
	mov	%rsp, %rdi			/* struct rt_host_regs * */
	and	$-16, %rsp
	call	rt_host_enclu
	mov	%rax, %rdi
	jmp	rt_load_context
	.size	rt_enclu_host, . - rt_enclu_host

/*
 * rt_load_context(struct rt_ctx *ctx): *ctx->modep = ctx->mode, then
 * XRSTOR, FS/GS, all GPRs, and IRETQ to ctx->rip with ctx->rsp and
 * ctx->rflags. From rt_tail_start on, a signal handler takes ctx as the
 * state of this thread (rt_internal.h).
 */
	.globl	rt_load_context
	.hidden	rt_load_context
	.type	rt_load_context, @function
rt_load_context:
	mov	CTX_MODE(%rdi), %eax
	mov	CTX_MODEP(%rdi), %rcx
	mov	%eax, (%rcx)

	.globl	rt_tail_start
	.hidden	rt_tail_start
rt_tail_start:
	mov	CTX_XSAVE(%rdi), %rsi
	test	%rsi, %rsi
	jz	1f
	mov	CTX_XFRM(%rdi), %eax
	mov	CTX_XFRM+4(%rdi), %edx
	xrstor64 (%rsi)
1:
	mov	CTX_FSGS(%rdi), %eax
	cmp	$RT_FSGS_INSN, %eax
	jne	2f
	mov	CTX_FSBASE(%rdi), %rax
	wrfsbase %rax
	mov	CTX_GSBASE(%rdi), %rax
	wrgsbase %rax
	jmp	3f
2:
	cmp	$RT_FSGS_SYSCALL, %eax
	jne	3f
	mov	%rdi, %r12			/* syscall clobbers RCX, R11 */
	mov	$SYS_arch_prctl, %eax
	mov	$ARCH_SET_FS, %edi
	mov	CTX_FSBASE(%r12), %rsi
	syscall
	mov	$SYS_arch_prctl, %eax
	mov	$ARCH_SET_GS, %edi
	mov	CTX_GSBASE(%r12), %rsi
	syscall
	mov	%r12, %rdi
3:
	/* IRETQ frame: SS, RSP, RFLAGS, CS, RIP. */
	xor	%eax, %eax
	mov	%ss, %ax
	push	%rax
	push	CTX_RSP(%rdi)
	push	CTX_RFLAGS(%rdi)
	mov	%cs, %ax
	push	%rax
	push	CTX_RIP(%rdi)

	mov	CTX_RAX(%rdi), %rax
	mov	CTX_RBX(%rdi), %rbx
	mov	CTX_RCX(%rdi), %rcx
	mov	CTX_RDX(%rdi), %rdx
	mov	CTX_RSI(%rdi), %rsi
	mov	CTX_RBP(%rdi), %rbp
	mov	CTX_R8(%rdi), %r8
	mov	CTX_R9(%rdi), %r9
	mov	CTX_R10(%rdi), %r10
	mov	CTX_R11(%rdi), %r11
	mov	CTX_R12(%rdi), %r12
	mov	CTX_R13(%rdi), %r13
	mov	CTX_R14(%rdi), %r14
	mov	CTX_R15(%rdi), %r15
	mov	CTX_RDI(%rdi), %rdi
	iretq
	.globl	rt_tail_end
	.hidden	rt_tail_end
rt_tail_end:
	.size	rt_load_context, . - rt_load_context

/*
 * rt_call_on_stack(sig, info, uc, fn, stack_top): fn(sig, info, uc) on the
 * stack below @stack_top, then back. How the program's signal handlers run
 * where Linux would have run them (signal.c).
 */
	.globl	rt_call_on_stack
	.hidden	rt_call_on_stack
	.type	rt_call_on_stack, @function
rt_call_on_stack:
	.cfi_startproc
	push	%rbp
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbp, 0
	mov	%rsp, %rbp
	.cfi_def_cfa_register %rbp
	and	$-16, %r8
	mov	%r8, %rsp
	call	*%rcx
	mov	%rbp, %rsp
	pop	%rbp
	.cfi_def_cfa %rsp, 8
	ret
	.cfi_endproc
	.size	rt_call_on_stack, . - rt_call_on_stack

	.section .note.GNU-stack, "", @progbits
