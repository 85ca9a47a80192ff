/* ptyrun: run a command on a new pty, script its input and size, check its termios after. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "usage: ptyrun [-s ROWSxCOLS] [-t SECS] [ACTION...] -- CMD [ARG...]\n"
    "Runs CMD with a new pty as its controlling terminal (default 24x80) and\n"
    "copies its output to stdout. ACTIONs run in order:\n"
    "  -e TEXT       wait until TEXT appears in the output (after the last match)\n"
    "  -i BYTES      type BYTES (escapes: \\r \\n \\t \\\\ \\xHH \\NNN)\n"
    "  -r ROWSxCOLS  resize the pty (its foreground group gets SIGWINCH)\n"
    "  -k SIGNUM     send signal SIGNUM to CMD\n"
    "  -c            print `ptyrun: mode raw` or `ptyrun: mode cooked` on stderr\n"
    "At the end prints `ptyrun: termios same` (or `changed`: the pty's settings\n"
    "differ from before CMD ran) on stderr and exits with CMD's status (128+N\n"
    "when killed by N); 254 on its own failures: -t SECS (default 300) passed,\n"
    "or output ended before an -e matched.\n";

#define MAX_ACTIONS 64
#define KEEP 65536

struct action {
	char op;
	const char *arg;
};

static _Noreturn void die(const char *msg, const char *arg)
{
	fprintf(stderr, "ptyrun: %s%s%s\n", msg, arg ? " " : "", arg ? arg : "");
	exit(254);
}

static struct winsize parse_size(const char *s)
{
	unsigned rows, cols;
	char end;
	if (sscanf(s, "%ux%u%c", &rows, &cols, &end) != 2 || rows > 65535 || cols > 65535)
		die("bad size", s);
	return (struct winsize){.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
}

/* C-style escapes in s into out; returns the length. */
static size_t unescape(const char *s, char *out)
{
	size_t n = 0;
	while (*s) {
		if (*s != '\\' || !s[1]) {
			out[n++] = *s++;
			continue;
		}
		s++;
		char *end;
		switch (*s) {
		case 'r':
			out[n++] = '\r', s++;
			break;
		case 'n':
			out[n++] = '\n', s++;
			break;
		case 't':
			out[n++] = '\t', s++;
			break;
		case 'x':
			out[n++] = (char)strtoul(s + 1, &end, 16), s = end;
			break;
		default:
			if (*s >= '0' && *s <= '7')
				out[n++] = (char)strtoul(s, &end, 8), s = end;
			else
				out[n++] = *s++;
		}
	}
	return n;
}

static pid_t start(int master, char **argv)
{
	char name[64];
	if (grantpt(master) < 0 || unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)))
		die("pty setup failed", NULL);
	pid_t pid = fork();
	if (pid < 0)
		die("fork failed", NULL);
	if (pid > 0)
		return pid;
	setsid();
	int fd = open(name, O_RDWR); /* our first terminal: the controlling one */
	if (fd < 0 || ioctl(fd, TIOCSCTTY, 0) < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 ||
	    dup2(fd, 2) < 0)
		_exit(254);
	close(fd);
	close(master);
	execvp(argv[0], argv);
	fprintf(stderr, "ptyrun: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static int same(const struct termios *a, const struct termios *b)
{
	return a->c_iflag == b->c_iflag && a->c_oflag == b->c_oflag && a->c_cflag == b->c_cflag &&
	       a->c_lflag == b->c_lflag && !memcmp(a->c_cc, b->c_cc, sizeof(a->c_cc));
}

struct run {
	int master;
	pid_t pid;
	struct action *act;
	int n_act, next;
	char out[KEEP];
	size_t len, mpos; /* output kept; where the next -e searches from */
};

/* Do the actions that can be done now; returns when one waits for output. */
static void step(struct run *r)
{
	char bytes[4096];
	for (; r->next < r->n_act; r->next++) {
		const struct action *a = &r->act[r->next];
		struct termios t;
		struct winsize ws;
		size_t n;
		switch (a->op) {
		case 'e': {
			char *hit =
			    memmem(r->out + r->mpos, r->len - r->mpos, a->arg, strlen(a->arg));
			if (!hit)
				return;
			r->mpos = (size_t)(hit - r->out) + strlen(a->arg);
			break;
		}
		case 'i':
			if (strlen(a->arg) >= sizeof(bytes))
				die("input too long:", a->arg);
			n = unescape(a->arg, bytes);
			if (write(r->master, bytes, n) != (ssize_t)n)
				die("write to the pty failed", NULL);
			break;
		case 'r':
			ws = parse_size(a->arg);
			if (ioctl(r->master, TIOCSWINSZ, &ws) < 0)
				die("resize failed", NULL);
			break;
		case 'k':
			kill(r->pid, atoi(a->arg));
			break;
		case 'c':
			if (tcgetattr(r->master, &t) < 0)
				die("tcgetattr failed", NULL);
			fprintf(stderr, "ptyrun: mode %s (lflag %#o)\n",
				t.c_lflag & (ICANON | ECHO | ISIG) ? "cooked" : "raw",
				(unsigned)t.c_lflag);
			break;
		}
	}
}

/* Relay output until the pty's other side is gone (or the deadline). */
static void relay(struct run *r, time_t deadline)
{
	for (;;) {
		step(r);
		struct pollfd p = {.fd = r->master, .events = POLLIN};
		int left = (int)(deadline - time(NULL));
		if (left <= 0) {
			kill(r->pid, SIGKILL);
			die("timeout", NULL);
		}
		if (poll(&p, 1, left * 1000) <= 0)
			continue;
		if (r->len > KEEP - 4096) { /* keep the tail */
			size_t drop = r->len - 4096;
			memmove(r->out, r->out + drop, 4096);
			r->len = 4096;
			r->mpos = r->mpos > drop ? r->mpos - drop : 0;
		}
		ssize_t n = read(r->master, r->out + r->len, KEEP - r->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* EIO: every holder of the slave is gone */
		fwrite(r->out + r->len, 1, (size_t)n, stdout);
		fflush(stdout);
		r->len += (size_t)n;
	}
}

int main(int argc, char **argv)
{
	static struct run r;
	static struct action act[MAX_ACTIONS];
	struct winsize ws = {.ws_row = 24, .ws_col = 80};
	time_t secs = 300;
	int c;
	while ((c = getopt(argc, argv, "+s:t:e:i:r:k:c")) != -1) {
		if (c == 's')
			ws = parse_size(optarg);
		else if (c == 't')
			secs = atoi(optarg);
		else if (c == '?')
			die(usage, NULL);
		else if (r.n_act == MAX_ACTIONS)
			die("too many actions", NULL);
		else
			act[r.n_act++] = (struct action){(char)c, optarg};
	}
	if (optind >= argc)
		die(usage, NULL);
	r.act = act;
	r.master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	struct termios before, after;
	if (r.master < 0 || ioctl(r.master, TIOCSWINSZ, &ws) < 0 || tcgetattr(r.master, &before))
		die("cannot open a pty:", strerror(errno));
	r.pid = start(r.master, argv + optind);
	relay(&r, time(NULL) + secs);
	int st;
	while (waitpid(r.pid, &st, 0) < 0 && errno == EINTR)
		;
	if (tcgetattr(r.master, &after) < 0)
		die("tcgetattr failed", NULL);
	fprintf(stderr, "ptyrun: termios %s\n", same(&before, &after) ? "same" : "changed");
	if (r.next < r.n_act)
		die("output ended before", r.act[r.next].arg);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
