/* Unit tests for guest-init/execd.c: exec sessions driven over a socketpair standing in for the
 * exec port, with real processes (not PID 1, unprivileged). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "abi.h"
#include "execd.h"
#include "test_guest_fdt.h"

#define MAX_ID (EXEC_MAX_SESSIONS + 1)
#define TEXT_MAX 256

/* What the host side saw of one session. */
struct seen {
	bool started, exited;
	uint32_t pid, status;
	char msg[EXEC_MSG_MAX + 1];
	char out[TEXT_MAX], err[TEXT_MAX]; /* the first bytes, as text */
	size_t nout, nerr;		   /* all bytes */
	uint32_t stdin_credit;
};

struct host {
	int fd; /* the host's end */
	struct execd *e;
	struct execproto_rx rx;
	uint8_t *rxbuf;
	bool auto_credit; /* give each output frame's bytes back at once */
	struct seen s[MAX_ID + 1];
};

static const uint8_t be_one[4] = {0, 0, 0, 1};
static const uint8_t be_abi[4] = {0, 0, 0, SANDBOX_ABI_VERSION};

static void send_frame(struct host *h, uint8_t type, uint32_t id, const void *data, size_t len)
{
	uint8_t hdr[EXEC_HDR_SIZE];
	execproto_put_hdr(hdr, type, id, (uint32_t)len);
	assert_int_equal(write(h->fd, hdr, sizeof(hdr)), (ssize_t)sizeof(hdr));
	if (len)
		assert_int_equal(write(h->fd, data, len), (ssize_t)len);
}

static void send_u32(struct host *h, uint8_t type, uint32_t id, uint32_t v)
{
	uint8_t f[EXEC_HDR_SIZE + 4];
	execproto_put_u32(f, type, id, v);
	assert_int_equal(write(h->fd, f, sizeof(f)), (ssize_t)sizeof(f));
}

/* EXEC_NEW for argv (n entries), with a pty when tty. */
static void send_new(struct host *h, uint32_t id, const char *const *argv, size_t n, bool tty)
{
	char list[1024];
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(argv[i]) + 1;
		assert_true(len + l <= sizeof(list));
		memcpy(list + len, argv[i], l);
		len += l;
	}
	const struct prop root[] = {
	    STR("compatible", ABI_FDT_COMPATIBLE), RAW(ABI_PROP_VERSION, be_abi, 4),
	    RAW(ABI_PROP_ARGV, list, (int)len), RAW(ABI_PROP_TTY, be_one, 4)};
	size_t blob_len;
	void *blob = build(root, tty ? 4 : 3, NULL, -1, NULL, &blob_len);
	send_frame(h, EXEC_NEW, id, blob, blob_len);
	free(blob);
}

static void keep(char *text, size_t *have, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++, (*have)++)
		if (*have < TEXT_MAX - 1)
			text[*have] = (char)p[i];
}

static void on_frame(void *ctx, const struct exec_hdr *f, const uint8_t *p)
{
	struct host *h = ctx;
	assert_true(f->session >= 1 && f->session <= MAX_ID);
	struct seen *s = &h->s[f->session];
	assert_false(s->exited); /* EXIT is the last frame */
	switch (f->type) {
	case EXEC_STARTED:
		s->started = true;
		s->pid = execproto_u32(p);
		break;
	case EXEC_STDOUT:
	case EXEC_STDERR:
		if (f->type == EXEC_STDOUT)
			keep(s->out, &s->nout, p, f->len);
		else
			keep(s->err, &s->nerr, p, f->len);
		if (h->auto_credit)
			send_u32(h, EXEC_CREDIT, f->session, f->len);
		break;
	case EXEC_CREDIT:
		s->stdin_credit += execproto_u32(p);
		break;
	case EXEC_EXIT:
		s->exited = true;
		s->status = execproto_u32(p);
		memcpy(s->msg, p + 4, f->len - 4);
		break;
	default:
		fail_msg("unexpected frame type %u", f->type);
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One round of what supervise does, plus the host reading its end. */
static void step(struct host *h)
{
	struct pollfd fds[EXECD_POLL_MAX + 1];
	int n = execd_fill_poll(h->e, fds);
	fds[n] = (struct pollfd){.fd = h->fd, .events = POLLIN};
	int t = execd_timeout(h->e);
	assert_true(poll(fds, (nfds_t)n + 1, t >= 0 && t < 10 ? t : 10) >= 0);
	if (n)
		execd_handle(h->e, fds);
	if (fds[n].revents & POLLIN) {
		uint8_t buf[65536];
		ssize_t got = read(h->fd, buf, sizeof(buf));
		if (got > 0)
			assert_int_equal(
			    execproto_feed(&h->rx, buf, (size_t)got, on_frame, NULL, h), 0);
	}
	int st;
	pid_t pid;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		execd_reaped(h->e, pid, st);
}

/* Step until *flag or ms passed; returns *flag. */
static bool run_until(struct host *h, const bool *flag, int ms)
{
	int64_t end = now_ms() + ms;
	while (!*flag && now_ms() < end)
		step(h);
	return *flag;
}

static int setup(void **state)
{
	struct host *h = calloc(1, sizeof(*h));
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	h->fd = sv[0];
	h->e = execd_create(sv[1], NULL, "testhost");
	assert_non_null(h->e);
	h->rxbuf = malloc(EXEC_FRAME_MAX);
	execproto_rx_init(&h->rx, EXEC_TO_HOST, h->rxbuf);
	h->auto_credit = true;
	*state = h;
	return 0;
}

static int teardown(void **state)
{
	struct host *h = *state;
	execd_destroy(h->e);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	close(h->fd);
	free(h->rxbuf);
	free(h);
	return 0;
}

static void echo_stdin_and_status(void **state)
{
	struct host *h = *state;
	const char *argv[] = {"/bin/sh", "-c",
			      "echo out; echo err >&2; read x; echo got $x; exit 3"};
	send_new(h, 1, argv, 3, false);
	assert_true(run_until(h, &h->s[1].started, 5000));
	assert_true(h->s[1].pid > 0);
	send_frame(h, EXEC_STDIN, 1, "hi\n", 3);
	send_frame(h, EXEC_STDIN_EOF, 1, NULL, 0);
	assert_true(run_until(h, &h->s[1].exited, 5000));
	assert_int_equal(h->s[1].status, 3);
	assert_string_equal(h->s[1].msg, "");
	assert_string_equal(h->s[1].out, "out\ngot hi\n");
	assert_string_equal(h->s[1].err, "err\n");
	assert_int_equal(h->s[1].stdin_credit, 3); /* the host's window is whole again */
}

static void command_not_found(void **state)
{
	struct host *h = *state;
	const char *argv[] = {"no-such-command-sandbox-test"};
	send_new(h, 2, argv, 1, false);
	assert_true(run_until(h, &h->s[2].exited, 5000));
	assert_false(h->s[2].started);
	assert_int_equal(h->s[2].status, ABI_EXIT_INIT_FAILED | 127);
	assert_non_null(strstr(h->s[2].msg, "executable file not found"));
	assert_non_null(strstr(h->s[2].msg, "no-such-command-sandbox-test"));
}

static void bad_config_refused(void **state)
{
	struct host *h = *state;
	send_frame(h, EXEC_NEW, 3, "not a device tree", 17);
	assert_true(run_until(h, &h->s[3].exited, 5000));
	assert_false(h->s[3].started);
	assert_int_equal(h->s[3].status, ABI_EXIT_INIT_FAILED | 125);
	assert_true(strlen(h->s[3].msg) > 0);
}

static void signal_and_id_in_use(void **state)
{
	struct host *h = *state;
	const char *argv[] = {"sleep", "100"};
	send_new(h, 4, argv, 2, false);
	assert_true(run_until(h, &h->s[4].started, 5000));
	/* The same id again: refused, the first session goes on. */
	struct seen before = h->s[4];
	send_new(h, 4, argv, 2, false);
	h->s[4].exited = false;
	for (int i = 0; i < 50 && !h->s[4].exited; i++)
		step(h);
	assert_true(h->s[4].exited);
	assert_int_equal(h->s[4].status, ABI_EXIT_INIT_FAILED | 125);
	assert_non_null(strstr(h->s[4].msg, "in use"));
	h->s[4] = before;
	send_u32(h, EXEC_SIGNAL, 4, SIGKILL);
	assert_true(run_until(h, &h->s[4].exited, 5000));
	assert_int_equal(h->s[4].status, 128 + SIGKILL);
}

static void output_waits_for_credit(void **state)
{
	struct host *h = *state;
	h->auto_credit = false;
	const char *argv[] = {"/bin/sh", "-c", "head -c 1048576 /dev/zero"};
	send_new(h, 5, argv, 3, false);
	assert_true(run_until(h, &h->s[5].started, 5000));
	int64_t end = now_ms() + 5000;
	while (h->s[5].nout < EXEC_WINDOW && now_ms() < end)
		step(h);
	assert_int_equal(h->s[5].nout, EXEC_WINDOW);
	end = now_ms() + 300; /* no more without credit */
	while (now_ms() < end)
		step(h);
	assert_int_equal(h->s[5].nout, EXEC_WINDOW);
	assert_false(h->s[5].exited);
	h->auto_credit = true;
	send_u32(h, EXEC_CREDIT, 5, EXEC_WINDOW);
	assert_true(run_until(h, &h->s[5].exited, 10000));
	assert_int_equal(h->s[5].nout, 1u << 20);
	assert_int_equal(h->s[5].status, 0);
}

static void too_much_credit_ignored(void **state)
{
	struct host *h = *state;
	h->auto_credit = false;
	const char *argv[] = {"/bin/sh", "-c", "head -c 1048576 /dev/zero"};
	send_new(h, 6, argv, 3, false);
	send_u32(h, EXEC_CREDIT, 6, 1); /* over the window: a protocol error, dropped */
	int64_t end = now_ms() + 1000;
	while (now_ms() < end)
		step(h);
	assert_int_equal(h->s[6].nout, EXEC_WINDOW);
	send_u32(h, EXEC_SIGNAL, 6, SIGKILL);
	assert_true(run_until(h, &h->s[6].exited, 5000));
}

static void tty_session(void **state)
{
	struct host *h = *state;
	int probe = posix_openpt(O_RDWR | O_NOCTTY);
	if (probe < 0)
		skip(); /* no /dev/ptmx here */
	close(probe);
	const char *argv[] = {"/bin/sh", "-c", "read x; echo got $x; test -t 0 && echo tty"};
	send_new(h, 7, argv, 3, true);
	assert_true(run_until(h, &h->s[7].started, 5000));
	send_u32(h, EXEC_WINSIZE, 7, 40u << 16 | 100);
	send_frame(h, EXEC_STDIN, 7, "hi\n", 3);
	send_frame(h, EXEC_STDIN_EOF, 7, NULL, 0);
	assert_true(run_until(h, &h->s[7].exited, 5000));
	assert_int_equal(h->s[7].status, 0);
	assert_non_null(strstr(h->s[7].out, "got hi\r\n"));
	assert_non_null(strstr(h->s[7].out, "tty\r\n"));
	assert_int_equal(h->s[7].nerr, 0); /* a tty has one stream */
}

/* EXEC_MAX_SESSIONS at once; one more is refused, the others go on. */
static void session_limit(void **state)
{
	struct host *h = *state;
	const char *argv[] = {"sleep", "100"};
	for (uint32_t id = 1; id <= EXEC_MAX_SESSIONS; id++) {
		send_new(h, id, argv, 2, false);
		assert_true(run_until(h, &h->s[id].started, 5000));
	}
	send_new(h, MAX_ID, argv, 2, false);
	assert_true(run_until(h, &h->s[MAX_ID].exited, 5000));
	assert_int_equal(h->s[MAX_ID].status, ABI_EXIT_INIT_FAILED | 125);
	assert_non_null(strstr(h->s[MAX_ID].msg, "too many"));
	send_u32(h, EXEC_SIGNAL, 1, SIGTERM);
	assert_true(run_until(h, &h->s[1].exited, 5000));
	assert_int_equal(h->s[1].status, 128 + SIGTERM);
	for (uint32_t id = 2; id <= EXEC_MAX_SESSIONS; id++)
		assert_false(h->s[id].exited);
}

/* Input for a stdin the process closed is dropped but credited. */
static void closed_stdin_still_credited(void **state)
{
	struct host *h = *state;
	const char *argv[] = {"/bin/sh", "-c", "exec </dev/null; echo ready; sleep 0.3"};
	send_new(h, 1, argv, 3, false);
	int64_t end = now_ms() + 5000;
	while (h->s[1].nout < 6 && now_ms() < end)
		step(h);
	assert_string_equal(h->s[1].out, "ready\n");
	send_frame(h, EXEC_STDIN, 1, "abc", 3);
	send_frame(h, EXEC_STDIN, 1, "de", 2);
	assert_true(run_until(h, &h->s[1].exited, 5000));
	assert_int_equal(h->s[1].stdin_credit, 5);
	assert_int_equal(h->s[1].status, 0);
}

/* A grandchild holding the output open delays the EXIT by the drain bound only. */
static void drain_is_bounded(void **state)
{
	struct host *h = *state;
	const char *argv[] = {"/bin/sh", "-c", "sleep 6 & echo bye; exit 4"};
	send_new(h, 2, argv, 3, false);
	int64_t t0 = now_ms();
	assert_true(run_until(h, &h->s[2].exited, EXECD_DRAIN_MS + 2000));
	assert_true(now_ms() - t0 >= EXECD_DRAIN_MS - 100);
	assert_int_equal(h->s[2].status, 4);
	assert_string_equal(h->s[2].out, "bye\n");
}

/* A bad header ends exec for good: sessions killed, the port no longer polled. */
static void bad_header_stops_serving(void **state)
{
	struct host *h = *state;
	const char *argv[] = {"sleep", "100"};
	send_new(h, 8, argv, 2, false);
	assert_true(run_until(h, &h->s[8].started, 5000));
	uint8_t junk[EXEC_HDR_SIZE] = {'X'};
	assert_int_equal(write(h->fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	struct pollfd fds[EXECD_POLL_MAX];
	int n;
	for (int i = 0; i < 100 && (n = execd_fill_poll(h->e, fds)) > 0; i++) { /* no reaping */
		assert_true(poll(fds, (nfds_t)n, 10) >= 0);
		execd_handle(h->e, fds);
	}
	assert_int_equal(execd_fill_poll(h->e, fds), 0);
	int st;
	assert_int_equal(waitpid((pid_t)h->s[8].pid, &st, 0), (pid_t)h->s[8].pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

/* After the workload ended, sessions are gone and new ones refused. */
static void refused_after_workload(void **state)
{
	struct host *h = *state;
	const char *argv[] = {"true"};
	execd_workload_ended(h->e);
	send_new(h, 1, argv, 1, false);
	assert_true(run_until(h, &h->s[1].exited, 5000));
	assert_int_equal(h->s[1].status, ABI_EXIT_INIT_FAILED | 125);
	assert_non_null(strstr(h->s[1].msg, "not running"));
}

int main(void)
{
	sigset_t pipe_set; /* EPIPE instead of death; spawn unblocks it in the child */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, NULL);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(echo_stdin_and_status, setup, teardown),
	    cmocka_unit_test_setup_teardown(command_not_found, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_config_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(signal_and_id_in_use, setup, teardown),
	    cmocka_unit_test_setup_teardown(output_waits_for_credit, setup, teardown),
	    cmocka_unit_test_setup_teardown(too_much_credit_ignored, setup, teardown),
	    cmocka_unit_test_setup_teardown(tty_session, setup, teardown),
	    cmocka_unit_test_setup_teardown(session_limit, setup, teardown),
	    cmocka_unit_test_setup_teardown(closed_stdin_still_credited, setup, teardown),
	    cmocka_unit_test_setup_teardown(drain_is_bounded, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_header_stops_serving, setup, teardown),
	    cmocka_unit_test_setup_teardown(refused_after_workload, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
