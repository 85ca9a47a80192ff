/* A vCPU: its KVM fd, kvm_run mapping, and one thread running KVM_RUN and the exit loop. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "vcpu.h"
#include "thread.h"

int vcpu_create(struct vcpu *v, struct vm *vm, unsigned index, const struct exit_ctx *exits,
		struct sb_error *err)
{
	memset(v, 0, sizeof(*v));
	v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (v->fd < 0)
		return error_set(err, errno, "KVM_CREATE_VCPU %u", index);
	v->run_size = vm->run_size;
	void *p = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (p == MAP_FAILED) {
		int r = error_set(err, errno, "mmap kvm_run of vCPU %u", index);
		close(v->fd);
		v->fd = -1;
		return r;
	}
	v->run = p;
	v->exits = *exits;
	v->exits.vcpu = index;
	return 0;
}

void vcpu_destroy(struct vcpu *v)
{
	if (v->run)
		munmap(v->run, v->run_size);
	if (v->fd >= 0)
		close(v->fd);
	v->run = NULL;
	v->fd = -1;
}

static void kick_handler(int sig)
{
	(void)sig; /* only there to interrupt KVM_RUN with EINTR */
}

int vcpu_init_signals(struct sb_error *err)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(VCPU_KICK_SIGNAL, &sa, NULL) < 0)
		return error_set(err, errno, "sigaction");
	return 0;
}

/* Note when the guest first runs; for bench/startup, make that KVM_RUN return at once. */
static void first_run(struct vcpu *v)
{
	struct timespec ts;

	if (v->stop_at_first_run)
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	v->first_run_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* KVM_RUN came back at once (immediate_exit): the last exit is complete. If
 * a pause is wanted, hold until it ends; then run on (unless stopping). */
static void hold(struct vcpu *v)
{
	struct vcpu_pause *p = v->pause;

	pthread_mutex_lock(&p->lock);
	if (p->want && !runstate_stopped(v->exits.rs)) {
		p->paused++;
		pthread_cond_broadcast(&p->cond);
		while (p->want && !runstate_stopped(v->exits.rs))
			pthread_cond_wait(&p->cond, &p->lock);
		p->paused--;
		__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	}
	pthread_mutex_unlock(&p->lock);
}

static void *loop(void *arg)
{
	struct vcpu *v = arg;
	struct runstate *rs = v->exits.rs;
	sigset_t set;
	char name[16];

	snprintf(name, sizeof(name), "vcpu%u", v->exits.vcpu);
	prctl(PR_SET_NAME, name, 0, 0, 0);
	/* Only the kick signal (and faults; SIGSYS once the filter is in)
	 * reach vCPU threads; SIGPIPE becomes EPIPE. */
	sigfillset(&set);
	sigdelset(&set, VCPU_KICK_SIGNAL);
	sigdelset(&set, SIGSEGV);
	sigdelset(&set, SIGBUS);
	sigdelset(&set, SIGFPE);
	sigdelset(&set, SIGILL);
	pthread_sigmask(SIG_SETMASK, &set, NULL);
	int r = v->filter ? sysfilter_enter(v->filter, SYSFILTER_VCPU) : 0;
	if (r < 0) {
		runstate_fail(rs, "could not install the seccomp filter of vCPU %u: %s",
			      v->exits.vcpu, strerror(-r));
		return NULL;
	}
	while (!runstate_stopped(rs)) {
		if (!v->first_run_ns)
			first_run(v);
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (v->stop_at_first_run) {
				runstate_fail(
				    rs, "stopped at the first KVM_RUN (SANDBOX_STATS=first-run)");
				break;
			}
			if (errno == EINTR && v->pause)
				hold(v);
			if (errno == EINTR || errno == EAGAIN)
				continue;
			runstate_fail(rs, "KVM_RUN failed on vCPU %u: %s", v->exits.vcpu,
				      strerror(errno));
			break;
		}
		exit_handle(&v->exits, v->run, v->run_size);
	}
	return NULL;
}

int vcpu_start(struct vcpu *v, struct sb_error *err)
{
	int e = thread_spawn(&v->thread, loop, v);

	if (e)
		return error_set(err, e, "create vCPU thread");
	v->started = 1;
	return 0;
}

void vcpu_kick(struct vcpu *v)
{
	if (!v->run)
		return;
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (v->started)
		pthread_kill(v->thread, VCPU_KICK_SIGNAL);
}

void vcpu_pause_init(struct vcpu_pause *p)
{
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->want = 0;
	p->paused = 0;
}

void vcpu_pause_destroy(struct vcpu_pause *p)
{
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
}

void vcpu_pause_begin(struct vcpu_pause *p)
{
	pthread_mutex_lock(&p->lock);
	p->want = 1;
	pthread_mutex_unlock(&p->lock);
}

int vcpu_pause_wait(struct vcpu_pause *p, unsigned n, struct runstate *rs)
{
	int r = 0;

	pthread_mutex_lock(&p->lock);
	while (p->paused < n && !(r = runstate_stopped(rs)))
		pthread_cond_wait(&p->cond, &p->lock);
	pthread_mutex_unlock(&p->lock);
	return r ? -ECANCELED : 0;
}

void vcpu_pause_end(struct vcpu_pause *p)
{
	pthread_mutex_lock(&p->lock);
	p->want = 0;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

void vcpu_pause_wake(struct vcpu_pause *p)
{
	pthread_mutex_lock(&p->lock);
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

void vcpu_join(struct vcpu *v)
{
	if (v->started)
		pthread_join(v->thread, NULL);
	v->started = 0;
}
