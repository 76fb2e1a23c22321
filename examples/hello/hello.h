/* SPDX-License-Identifier: MIT */
/*
 * The hello enclave's calls, shared by the enclave and its host. The host
 * passes a struct hello_msg in RDI on EENTER; the enclave answers in it.
 */
#ifndef SGXEMU_EXAMPLES_HELLO_H
#define SGXEMU_EXAMPLES_HELLO_H

#include <stdint.h>

enum hello_op {
	HELLO_OP_GREET,         /* text := a greeting, counter := calls so far */
	HELLO_OP_SEAL,          /* blob := the sealed text */
	HELLO_OP_UNSEAL,        /* text := the unsealed blob, status 0 if it was genuine */
	HELLO_OP_REPORT,        /* report := EREPORT for targetinfo, with text as REPORTDATA */
	HELLO_OP_VERIFY,        /* status := 0 if report was made for this enclave by the CPU */
	HELLO_OP_SWEEP,         /* write, then check, a pattern over heap_size bytes of heap */
};

#define HELLO_TEXT 64

/*
 * A sealed secret: the KEYID that picks the seal key, a nonce, the text
 * encrypted with AES-128-CTR, and a CMAC over all of it (two keys derived
 * from the seal key).
 */
struct hello_blob {
	uint8_t key_id[32];
	uint8_t nonce[16];
	uint8_t text[HELLO_TEXT];
	uint8_t tag[16];
};

struct hello_msg {
	uint64_t op;
	int64_t status;         /* 0, or what went wrong (HELLO_E*) */
	uint64_t counter;
	char text[HELLO_TEXT];
	struct hello_blob blob;
	uint8_t targetinfo[512];        /* TARGETINFO (REPORT) */
	uint8_t report[432];            /* REPORT (REPORT, VERIFY) */
	uint64_t heap_size;             /* SWEEP: bytes of heap to go over */
	uint64_t pages_checked;         /* SWEEP: pages whose pattern came back intact */
};

enum hello_status {
	HELLO_OK = 0,
	HELLO_EINVAL = -1,      /* a call the enclave does not know, bad arguments */
	HELLO_EKEY = -2,        /* EGETKEY refused */
	HELLO_ETAG = -3,        /* the blob or the report does not check out */
	HELLO_ECORRUPT = -4,    /* SWEEP: a page came back different */
};

#endif /* SGXEMU_EXAMPLES_HELLO_H */
