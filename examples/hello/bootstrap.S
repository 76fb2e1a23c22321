/* SPDX-License-Identifier: MIT */
/*
 * Entry of examples/hello. One TCS with two SSA frames. RDI = struct
 * hello_msg * (untrusted), RCX = the address after EENTER, where EEXIT
 * goes back to with the outside RSP and RBP restored. An entry with
 * CSSA != 0 (an exception this enclave does not handle) returns at once.
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
	test	%rax, %rax
	jnz	1f
	lea	stack_top(%rip), %rax
	xchg	%rsp, %rax              /* RAX = untrusted RSP */
	push	%rax
	push	%rbp
	push	%rcx                    /* EEXIT target */
	sub	$8, %rsp
	call	enclave_main            /* RDI passes through */
	add	$8, %rsp
	pop	%rbx
	pop	%rbp
	pop	%rsp
	jmp	2f
1:
	mov	%rcx, %rbx
2:
	/* Leave nothing of the enclave's in the scratch registers. */
	xor	%eax, %eax
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
	mov	$4, %eax                /* EEXIT */
	enclu
	ud2

	.data
	.balign 4096
ssa0:
	.fill 2 * 4096, 1, 0    /* two SSA frames of one page */
	.balign 4096
	.fill 8 * 4096, 1, 0    /* stack */
stack_top:

	.section .note.GNU-stack, "", @progbits
