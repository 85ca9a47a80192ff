/* freshmem: write N MiB of anonymous memory, then give it back. */
/*
 * usage: freshmem MIB
 *
 * For the benchmarks that run in the test host (QEMU TCG): boot, fs and net.
 * A VM whose guest RAM lands on pages the previous VM used boots up to ~1 s
 * slower there: the guest's early writes to those pages (the kernel's
 * struct-page init) crawl, on every VMM alike. Pages that an ordinary process wrote in between do not. So the
 * bench runs this before each contender's round: the freed pages are the
 * first the next VM gets, and no contender inherits another's. It is an
 * artefact of the emulator; on hardware KVM nothing of the sort happens and
 * the benches do not call it. Built by the bench scripts; not part of sandbox.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
	char *end = NULL;
	unsigned long mib = argc == 2 ? strtoul(argv[1], &end, 10) : 0;
	if (!mib || *end || mib > (1ul << 20)) {
		fputs("usage: freshmem MIB\n", stderr);
		return 2;
	}
	size_t len = (size_t)mib << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("freshmem: mmap");
		return 1;
	}
	/* Huge pages, like a VMM's guest RAM: the next VM's 2 MiB faults take
	 * these back whole. Best effort. */
	(void)madvise(p, len, MADV_HUGEPAGE);
	memset(p, 0x5a, len);
	return 0;
}
