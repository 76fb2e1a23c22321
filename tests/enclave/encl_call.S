/* SPDX-License-Identifier: MIT */
/*
 * encl_raw_eenter(tcs, op): a loader that does not use the vDSO - ENCLU
 * [EENTER] right here, AEP at encl_raw_aep (an ENCLU that, entered with the
 * synthetic RAX = ERESUME, resumes the enclave), and EEXIT back to the
 * instruction after the EENTER.
 */
	.text
	.global encl_raw_eenter
	.type encl_raw_eenter, @function
encl_raw_eenter:
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rbp
	mov	%rdi, %rbx
	mov	%rsi, %rdi
	lea	encl_raw_aep(%rip), %rcx
	mov	$2, %eax
	enclu
	pop	%rbp
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	ret
	.global encl_raw_aep
encl_raw_aep:
	enclu
	ud2
	.size encl_raw_eenter, . - encl_raw_eenter

	.section .note.GNU-stack, "", @progbits
