/* The exec port's protocol (guest-init/abi.h, ABI_VPORT_EXEC): sessions of extra processes
 * in a running sandbox, multiplexed over one byte stream. Pure encode/decode, no I/O;
 * shared by the guest init, the VMM's exec router and `sandbox-runtime exec`.
 *
 * A frame is a EXEC_HDR_SIZE-byte header and a payload:
 *
 *   byte 0     EXEC_MAGIC
 *   byte 1     type (EXEC_NEW, ...)
 *   bytes 2-3  zero
 *   bytes 4-7  session, little-endian u32, never 0 (the host picks it in EXEC_NEW)
 *   bytes 8-11 payload length, little-endian u32, within the type's bounds below
 *
 * host -> guest:
 *   EXEC_NEW        a run config FDT (abi.h's format: argv, env, cwd, user, tty,
 *                   winsize, groups, rlimits count; the rest is ignored), <= EXEC_SPEC_MAX
 *   EXEC_STDIN      1..EXEC_DATA_MAX bytes for the process's stdin
 *   EXEC_STDIN_EOF  empty: the host's stdin ended
 *   EXEC_SIGNAL     u32 1..ABI_CTL_SIGNAL_MAX: deliver it to the process
 *   EXEC_WINSIZE    u32 rows << 16 | cols: its pty's size (a tty session)
 *   EXEC_CREDIT     u32 1..EXEC_WINDOW: the host took that many more output bytes
 * guest -> host:
 *   EXEC_STARTED    u32 the process's pid in the guest: it runs
 *   EXEC_STDOUT, EXEC_STDERR  1..EXEC_DATA_MAX bytes of its output (a tty: stdout only)
 *   EXEC_CREDIT     u32 1..EXEC_WINDOW: the guest wrote that many more stdin bytes
 *   EXEC_EXIT       u32 status (abi.h's exit value: 0..255, | ABI_EXIT_INIT_FAILED when
 *                   the process could not be started), then 0..EXEC_MSG_MAX bytes of
 *                   text saying why it did not start (runc's wording, e.g.
 *                   `exec: "x": executable file not found in $PATH`). The last frame
 *                   of a session: sent after its output is drained.
 *
 * Flow control: each side may have at most EXEC_WINDOW payload bytes of a session's
 * data (stdin one way, stdout + stderr the other) sent and not yet credited back, so
 * nobody buffers more than a window per session. A frame that breaks a rule above is a
 * protocol error: the guest drops the frame, the host drops the session. */
#ifndef SB_VMM_EXECPROTO_H
#define SB_VMM_EXECPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "abi.h"

#define EXEC_MAGIC 0x45u /* 'E' */
#define EXEC_HDR_SIZE 12u
#define EXEC_DATA_MAX 65536u	  /* one STDIN/STDOUT/STDERR payload */
#define EXEC_SPEC_MAX (256u << 10) /* an EXEC_NEW payload */
#define EXEC_MSG_MAX 1024u	  /* EXEC_EXIT's text */
#define EXEC_WINDOW (256u << 10)  /* uncredited data bytes per session and direction */
#define EXEC_MAX_SESSIONS 64u	  /* at once in one sandbox (the guest refuses more) */
/* The largest frame either way: the reassembly buffer a reader needs. */
#define EXEC_FRAME_MAX (EXEC_HDR_SIZE + EXEC_SPEC_MAX)

enum exec_type {
	EXEC_NEW = 1,
	EXEC_STDIN,
	EXEC_STDIN_EOF,
	EXEC_SIGNAL,
	EXEC_WINSIZE,
	EXEC_CREDIT,
	EXEC_STARTED,
	EXEC_STDOUT,
	EXEC_STDERR,
	EXEC_EXIT,
};

enum exec_dir { EXEC_TO_GUEST, EXEC_TO_HOST };

struct exec_hdr {
	uint8_t type;
	uint32_t session;
	uint32_t len;
};

/* Header bytes for a frame (arguments are not checked: the reader checks). */
void execproto_put_hdr(uint8_t out[EXEC_HDR_SIZE], uint8_t type, uint32_t session,
		       uint32_t len);
/* A whole frame with a u32 payload (SIGNAL, WINSIZE, CREDIT, STARTED; EXIT without
 * text) into out, EXEC_HDR_SIZE + 4 bytes. Returns that size. */
size_t execproto_put_u32(uint8_t out[EXEC_HDR_SIZE + 4], uint8_t type, uint32_t session,
			 uint32_t value);
/* Decode a header travelling in direction dir: 0 with *h filled, or -EPROTO (magic,
 * reserved bytes, session 0, a type not sent that way, a length out of its bounds). */
int execproto_get_hdr(const uint8_t in[EXEC_HDR_SIZE], enum exec_dir dir, struct exec_hdr *h);
/* Check a whole frame's payload: u32 types' values in range (SIGNAL 1..64, CREDIT
 * 1..EXEC_WINDOW, EXIT's status). 0 or -EPROTO. */
int execproto_check(const struct exec_hdr *h, const uint8_t *payload);
/* The little-endian u32 at p. */
uint32_t execproto_u32(const uint8_t *p);

/* Reassembles frames travelling one way from a byte stream split anywhere. */
struct execproto_rx {
	enum exec_dir dir;
	uint8_t *buf; /* EXEC_FRAME_MAX bytes, the caller's */
	size_t have;
	struct exec_hdr h;
	int failed; /* a bad frame was seen: the stream cannot be resynchronised */
};

void execproto_rx_init(struct execproto_rx *rx, enum exec_dir dir, uint8_t *buf);
/* Feed len bytes; fn gets each complete, checked frame (payload valid only during
 * the call). Returns 0, or -EPROTO once a bad header was seen (then and on every
 * later call: frames have no resync point). A frame whose header is good but
 * whose payload execproto_check refuses is passed to bad (may be NULL) and
 * skipped, the stream goes on. */
int execproto_feed(struct execproto_rx *rx, const uint8_t *data, size_t len,
		   void (*fn)(void *ctx, const struct exec_hdr *h, const uint8_t *payload),
		   void (*bad)(void *ctx, const struct exec_hdr *h), void *ctx);

#endif
