/* SPDX-License-Identifier: MIT */
/*
 * Enclave entry for examples/hello. One TCS; entry gets RDI = ecall number,
 * RSI = pointer to the caller's (untrusted) message, RCX = the address after
 * the EENTER, and leaves with EEXIT to it.
 */
	.section .tcs, "aw"
	.balign 4096
tcs0:
	.quad 0                 /* STATE */
	.quad 0                 /* FLAGS */
	.quad ssa0              /* OSSA (an offset: linked at 0) */
	.long 0                 /* CSSA */
	.long 2                 /* NSSA */
	.quad enclave_entry     /* OENTRY */
	.quad 0                 /* AEP */
	.quad 0                 /* OFSBASE */
	.quad 0                 /* OGSBASE */
	.long 0xffffffff        /* FSLIMIT */
	.long 0xffffffff        /* GSLIMIT */
	.fill 4024, 1, 0

	.text
	.global enclave_entry
	.type enclave_entry, @function
enclave_entry:
	/* RAX = CSSA: a nonzero CSSA means an exception handler entry; this
	 * example has none, so return -1 to the host. */
	test %rax, %rax
	jnz 1f
	lea stack_top(%rip), %rax
	xchg %rsp, %rax         /* RAX = untrusted RSP */
	push %rax
	push %rcx               /* EEXIT target */
	call enclave_main       /* RDI, RSI pass through; result in RAX */
	mov %rax, %rdx
	pop %rbx
	pop %rax
	mov %rax, %rsp
	jmp 2f
1:
	mov %rcx, %rbx
	mov $-1, %rdx
2:
	/* Scrub what the host should not see, then EEXIT (leaf 4). */
	xor %ecx, %ecx
	xor %esi, %esi
	xor %edi, %edi
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	mov $4, %eax
	enclu
	ud2

	.data
	.balign 4096
ssa0:
	.fill 2 * 4096, 1, 0    /* two SSA frames of one page */
	.balign 4096
	.fill 4 * 4096, 1, 0    /* stack */
stack_top:

	.section .note.GNU-stack, "", @progbits
