/* Guest RAM: one anonymous mapping, split around the 32-bit MMIO hole, and the checked accessor. */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memory.h"
#include "vmm.h"

#define MEM_HUGE_ALIGN (2ul << 20)

void mem_layout(struct vm_mem *m, uint64_t size)
{
	m->size = size;
	m->low_size = size < MEM_HOLE_START ? size : MEM_HOLE_START;
}

int mem_create(struct vm_mem *m, uint64_t size, struct sb_error *err)
{
	m->base = NULL;
	mem_layout(m, 0);
	if (size < VMM_MIN_MEM || size > VMM_MAX_MEM || size % 4096)
		return error_set(
		    err, EINVAL,
		    "guest memory must be a multiple of 4 KiB between %llu MiB and %llu GiB",
		    VMM_MIN_MEM >> 20, VMM_MAX_MEM >> 30);
	/* 2 MiB-aligned, so that guest-physical and host-virtual addresses agree
	 * modulo 2 MiB: only then can KVM map guest RAM with huge pages (fewer
	 * TLB misses and nested page walks). Over-reserve, then trim the ends. */
	size_t span = size + MEM_HUGE_ALIGN;
	uint8_t *p = mmap(NULL, span, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return error_set(err, errno, "mmap %llu MiB of guest memory",
				 (unsigned long long)(size >> 20));
	size_t head = (MEM_HUGE_ALIGN - (uintptr_t)p % MEM_HUGE_ALIGN) % MEM_HUGE_ALIGN;
	if (head)
		munmap(p, head);
	munmap(p + head + size, span - head - size);
	p += head;
	madvise(p, size, MADV_HUGEPAGE); /* best effort: THP may be off */
	/* A crashing VMM's core (systemd-coredump, a core_pattern pipe) must
	 * not carry the tenant's RAM to disk: the VMM's own memory only. */
	if (madvise(p, size, MADV_DONTDUMP) < 0) {
		int e = errno;
		munmap(p, size);
		return error_set(err, e, "keep guest memory out of core dumps");
	}
	m->base = p;
	mem_layout(m, size);
	return 0;
}

int mem_map_file(struct vm_mem *m, int fd, struct sb_error *err)
{
	void *p = mmap(m->base, m->size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_FIXED | MAP_NORESERVE, fd, 0);
	if (p == MAP_FAILED)
		return error_set(err, errno, "map the snapshot's guest memory");
	if (madvise(m->base, m->size, MADV_DONTDUMP) < 0)
		return error_set(err, errno, "keep guest memory out of core dumps");
	return 0;
}

int mem_load_file(struct vm_mem *m, int fd, struct sb_error *err)
{
	off_t off = 0;
	while ((uint64_t)off < m->size) {
		off_t data = lseek(fd, off, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			break; /* only a hole left */
		if (data < 0)
			return error_set(err, errno, "read the snapshot's guest memory");
		off_t hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0)
			return error_set(err, errno, "read the snapshot's guest memory");
		if ((uint64_t)hole > m->size)
			hole = (off_t)m->size;
		for (off_t at = data; at < hole;) {
			ssize_t n = pread(fd, m->base + at, (size_t)(hole - at), at);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return error_set(err, n < 0 ? errno : EIO,
						 "read the snapshot's guest memory");
			at += n;
		}
		off = hole;
	}
	return 0;
}

void mem_destroy(struct vm_mem *m)
{
	if (m->base)
		munmap(m->base, m->size);
	m->base = NULL;
	mem_layout(m, 0);
}

void *gpa_to_hva(const struct vm_mem *m, uint64_t gpa, uint64_t len)
{
	uint64_t end;

	if (!m->base || __builtin_add_overflow(gpa, len, &end))
		return NULL;
	if (end <= m->low_size && (len || gpa < m->low_size))
		return m->base + gpa;
	uint64_t high = m->size - m->low_size;
	if (gpa < MEM_HOLE_END)
		return NULL;
	uint64_t off = gpa - MEM_HOLE_END;
	if (end - MEM_HOLE_END > high || (!len && off >= high))
		return NULL;
	return m->base + m->low_size + off;
}

int mem_resident(const struct vm_mem *m, uint64_t *bytes)
{
	unsigned char vec[4096]; /* one byte per page: 16 MiB of RAM per mincore call */
	long page = sysconf(_SC_PAGESIZE);

	*bytes = 0;
	if (!m->base || page <= 0)
		return -EINVAL;
	size_t chunk = sizeof(vec) * (size_t)page;
	for (uint64_t off = 0; off < m->size; off += chunk) {
		size_t len = m->size - off < chunk ? (size_t)(m->size - off) : chunk;
		if (mincore(m->base + off, len, vec) < 0)
			return -errno;
		for (size_t i = 0; i < (len + (size_t)page - 1) / (size_t)page; i++)
			*bytes += (vec[i] & 1) ? (uint64_t)page : 0;
	}
	return 0;
}

uint64_t mem_low_end(const struct vm_mem *m)
{
	return m->low_size;
}
