/* The request gate: checks each FUSE request from the guest before libfuse parses it. */
#ifndef SB_FSD_GATE_H
#define SB_FSD_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* libfuse trusts its kernel: it reads argument structs, names and write
 * payloads without checking them against the message's length. The gate is
 * where a hostile guest's request is held to the protocol. */
enum gate_verdict {
	GATE_PASS,  /* well formed and supported: libfuse may parse it */
	GATE_REPLY, /* answer with *err (a negative errno) and no payload */
	GATE_DROP,  /* answer nothing (FORGET, BATCH_FORGET, INTERRUPT, junk) */
};

/* The share's mode, for gate_check (bits; a bool true is GATE_READONLY).
 * GATE_READONLY: every opcode that could change the tree gets EROFS.
 * GATE_ONE_FILE: a single-file share; no name is ever made, removed or
 * renamed, nor the root's attributes set (EPERM, before EROFS). */
#define GATE_READONLY 1u
#define GATE_ONE_FILE 2u

/* Check one message of len bytes (the whole message as received), plus
 * piped bytes its header counts that wait in the WRITE data pipe (fsd.h):
 * only a WRITE may have them, and then all of its payload and nothing else.
 * Sets *unique to the request's token when the header is readable and *err
 * for GATE_REPLY. mode: GATE_* bits. */
enum gate_verdict gate_check(const void *msg, size_t len, size_t piped, unsigned mode,
			     uint64_t *unique, int *err);

/* A name a request may create or look up: not empty, not "." or "..", no
 * '/', at most NAME_MAX bytes. 0 or a negative errno. */
int gate_name(const char *name);

#endif
