/* SPDX-License-Identifier: MIT */
/*
 * Entry of the runtime tests' enclave. Four TCS; each entry gets its own
 * stack, chosen by TCS and CSSA (a CSSA = 1 entry runs while the frame it
 * handles holds the CSSA = 0 stack). RDI = struct encl_op * (untrusted),
 * RCX = where EEXIT goes back to. Untrusted RSP/RBP are restored before
 * EEXIT; R12-R15 survive through the C calling convention.
 */
#define NR_TCS		4
#define NSSA		2
#define STACK_SIZE	(16 * 1024)

	.macro tcs n
	.balign 4096
	.quad 0                         /* STATE */
	.quad 0                         /* FLAGS */
	.quad ssa + \n * NSSA * 4096    /* OSSA (the image is linked at 0) */
	.long 0                         /* CSSA */
	.long NSSA                      /* NSSA */
	.quad encl_entry                /* OENTRY */
	.quad 0                         /* AEP */
	.quad fs_pages + \n * 4096      /* OFSBASE */
	.quad gs_pages + \n * 4096      /* OGSBASE */
	.long 0xffffffff                /* FSLIMIT */
	.long 0xffffffff                /* GSLIMIT */
	.fill 4024, 1, 0
	.endm

	.section .tcs, "aw"
	.global encl_tcs
encl_tcs:
	tcs 0
	tcs 1
	tcs 2
	tcs 3

	.text
	.global encl_entry
	.type encl_entry, @function
encl_entry:
	/* R10 = TCS index, R11 = stack slot (TCS * NSSA + CSSA). */
	lea	encl_tcs(%rip), %r11
	mov	%rbx, %r10
	sub	%r11, %r10
	shr	$12, %r10
	lea	(%rax, %r10, NSSA), %r11
	imul	$STACK_SIZE, %r11, %r11
	lea	stacks_end(%rip), %r9
	sub	%r11, %r9
	xchg	%r9, %rsp
	push	%r9                     /* untrusted RSP */
	push	%rbp                    /* untrusted RBP */
	push	%rcx                    /* EEXIT target */
	push	%rbx                    /* TCS */
	mov	%rax, %rdx              /* encl_main(op, tcs index, cssa) */
	mov	%r10, %rsi
	call	encl_main
	pop	%rbx
	pop	%rbx                    /* EEXIT goes to RBX */
	pop	%rbp
	pop	%rsp
	mov	$4, %eax
	enclu
	ud2

	.data
	.balign 4096
	.global ssa
ssa:
	.fill NR_TCS * NSSA * 4096, 1, 0
	.global fs_pages
fs_pages:
	.quad 0xf5f5000000000000, 0
	.balign 4096
	.quad 0xf5f5000000000001, 0
	.balign 4096
	.quad 0xf5f5000000000002, 0
	.balign 4096
	.quad 0xf5f5000000000003, 0
	.balign 4096
gs_pages:
	.quad 0x6565000000000000, 0
	.balign 4096
	.quad 0x6565000000000001, 0
	.balign 4096
	.quad 0x6565000000000002, 0
	.balign 4096
	.quad 0x6565000000000003, 0
	.balign 4096
stacks:
	.fill NR_TCS * NSSA * STACK_SIZE, 1, 0
stacks_end:

	.section .note.GNU-stack, "", @progbits
