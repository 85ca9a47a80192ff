/* The host terminal for `sandbox run -t`: docker's raw mode, its restore on every exit, sizes. */
#include "tty.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Signals that end the process at their default action, where a raw
 * terminal would be left behind. SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1/2
 * are not here: `sandbox run` takes them (run_signals.c). SIGKILL cannot be
 * caught; a stopped sandbox (SIGSTOP) keeps the terminal raw, as docker does. */
static const int fatal[] = {SIGSEGV, SIGBUS,  SIGILL,  SIGFPE,	SIGABRT,   SIGTRAP, SIGSYS,
			    SIGXCPU, SIGXFSZ, SIGPIPE, SIGALRM, SIGVTALRM, SIGPROF};
#define N_FATAL (sizeof(fatal) / sizeof(fatal[0]))

/* The one raw terminal: a signal handler needs it without arguments. */
static struct {
	volatile sig_atomic_t armed;
	int fd;
	struct termios saved;
	struct sigaction old[N_FATAL];
	unsigned char hooked[N_FATAL]; /* old[i] was the default and ours is in */
} raw;

void tty_make_raw(struct termios *t)
{
	t->c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t->c_oflag |= OPOST;
	t->c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t->c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t->c_cflag |= CS8;
	t->c_cc[VMIN] = 1;
	t->c_cc[VTIME] = 0;
}

/* Async-signal-safe: tcsetattr and sigaction are. */
static void put_back(void)
{
	if (raw.armed)
		tcsetattr(raw.fd, TCSANOW, &raw.saved);
}

static void on_fatal(int sig)
{
	int e = errno;
	put_back();
	raw.armed = 0;
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	raise(sig); /* blocked while we run: delivered, now fatal, once we return */
	errno = e;
}

static void hook_fatal(void)
{
	struct sigaction sa = {.sa_handler = on_fatal};
	sigfillset(&sa.sa_mask);
	for (size_t i = 0; i < N_FATAL; i++) {
		raw.hooked[i] = 0;
		if (sigaction(fatal[i], NULL, &raw.old[i]) < 0 ||
		    raw.old[i].sa_handler != SIG_DFL || (raw.old[i].sa_flags & SA_SIGINFO))
			continue; /* ignored or handled by someone else: theirs */
		raw.hooked[i] = sigaction(fatal[i], &sa, NULL) == 0;
	}
}

static void unhook_fatal(void)
{
	for (size_t i = 0; i < N_FATAL; i++)
		if (raw.hooked[i])
			sigaction(fatal[i], &raw.old[i], NULL);
	memset(raw.hooked, 0, sizeof(raw.hooked));
}

int tty_raw(int fd, struct sb_error *err)
{
	struct termios t;
	if (raw.armed)
		return error_set(err, EBUSY, "raw mode");
	if (tcgetattr(fd, &t) < 0)
		return error_set(err, errno, "read the terminal settings");
	raw.fd = fd;
	raw.saved = t;
	raw.armed = 1; /* before the change: a crash in between restores too */
	hook_fatal();
	tty_make_raw(&t);
	if (tcsetattr(fd, TCSANOW, &t) < 0) {
		int e = errno;
		tty_restore();
		return error_set(err, e, "put the terminal in raw mode");
	}
	return 0;
}

void tty_restore(void)
{
	if (!raw.armed)
		return;
	sigset_t ttou, old;
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU); /* a background sandbox must still exit */
	pthread_sigmask(SIG_BLOCK, &ttou, &old);
	put_back();
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	unhook_fatal();
	raw.armed = 0;
}

int tty_get_size(int fd, struct tty_size *sz)
{
	struct winsize ws;
	if (ioctl(fd, TIOCGWINSZ, &ws) < 0)
		return -errno;
	if (!ws.ws_row || !ws.ws_col)
		return -ENODATA;
	sz->rows = ws.ws_row;
	sz->cols = ws.ws_col;
	return 0;
}

int tty_host_size(struct tty_size *sz)
{
	int r = tty_get_size(STDOUT_FILENO, sz);
	return r == 0 ? 0 : tty_get_size(STDIN_FILENO, sz);
}
