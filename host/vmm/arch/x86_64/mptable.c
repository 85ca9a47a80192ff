/* MP table: floating pointer, then a config table with processors, the ISA bus, the IOAPIC and IRQ
 * routes. */
#include <errno.h>
#include <string.h>

#include "layout.h"
#include "mptable.h"

#define FP_LEN 16
#define HDR_LEN 44
#define CPU_LEN 20
#define ENTRY_LEN 8
#define SPEC_REV 4
#define BUS_ISA 0

enum { MP_PROCESSOR, MP_BUS, MP_IOAPIC, MP_INTSRC, MP_LINTSRC };
enum { MP_INT = 0, MP_NMI = 1, MP_EXTINT = 3 };

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static uint8_t checksum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return (uint8_t)-s;
}

size_t mptable_size(unsigned ncpus)
{
	return FP_LEN + HDR_LEN + (size_t)ncpus * CPU_LEN + ENTRY_LEN * (2 + MPTABLE_ISA_IRQS + 2);
}

static uint8_t *put_irq(uint8_t *p, uint8_t type, uint8_t kind, uint8_t bus_irq, uint8_t dst,
			uint8_t pin)
{
	p[0] = type;
	p[1] = kind;
	put16(p + 2, 0); /* conforming polarity and trigger */
	p[4] = BUS_ISA;
	p[5] = bus_irq;
	p[6] = dst;
	p[7] = pin;
	return p + ENTRY_LEN;
}

/* The entries after the header; returns the end. */
static uint8_t *put_entries(uint8_t *p, unsigned ncpus)
{
	uint8_t ioapic_id = (uint8_t)ncpus;

	for (unsigned i = 0; i < ncpus; i++, p += CPU_LEN) {
		memset(p, 0, CPU_LEN);
		p[0] = MP_PROCESSOR;
		p[1] = (uint8_t)i; /* APIC id = vCPU index */
		p[2] = MPTABLE_LAPIC_VERSION;
		p[3] = 0x01 | (i == 0 ? 0x02 : 0); /* enabled, BSP */
		put32(p + 4, 0x600);		   /* family 6 */
		put32(p + 8, 0x201);		   /* FPU, APIC */
	}
	memcpy(p, (uint8_t[]){MP_BUS, BUS_ISA, 'I', 'S', 'A', ' ', ' ', ' '}, ENTRY_LEN);
	p += ENTRY_LEN;
	p[0] = MP_IOAPIC;
	p[1] = ioapic_id;
	p[2] = MPTABLE_IOAPIC_VERSION;
	p[3] = 0x01; /* enabled */
	put32(p + 4, (uint32_t)LAYOUT_IOAPIC);
	p += ENTRY_LEN;
	for (unsigned irq = 0; irq < MPTABLE_ISA_IRQS; irq++)
		p = put_irq(p, MP_INTSRC, MP_INT, (uint8_t)irq, ioapic_id, (uint8_t)irq);
	p = put_irq(p, MP_LINTSRC, MP_EXTINT, 0, 0xff, 0); /* LINT0 of every CPU: ExtINT */
	p = put_irq(p, MP_LINTSRC, MP_NMI, 0, 0xff, 1);	   /* LINT1: NMI */
	return p;
}

int mptable_build(uint8_t *buf, size_t len, uint64_t gpa, unsigned ncpus, struct sb_error *err)
{
	if (!ncpus || ncpus > MPTABLE_MAX_CPUS)
		return error_set(err, EINVAL, "MP table: %u CPUs (1..%u supported)", ncpus,
				 MPTABLE_MAX_CPUS);
	if (len < mptable_size(ncpus) || gpa + len > (1ull << 32))
		return error_set(err, ENOSPC, "MP table does not fit");
	memset(buf, 0, mptable_size(ncpus));
	uint8_t *fp = buf, *hdr = buf + FP_LEN;
	uint8_t *end = put_entries(hdr + HDR_LEN, ncpus);
	size_t table_len = (size_t)(end - hdr);

	memcpy(hdr, "PCMP", 4);
	put16(hdr + 4, (uint16_t)table_len);
	hdr[6] = SPEC_REV;
	memcpy(hdr + 8, "SANDBOX ", 8);
	memcpy(hdr + 16, "MICROVM     ", 12);
	put16(hdr + 34, (uint16_t)(ncpus + 2 + MPTABLE_ISA_IRQS + 2));
	put32(hdr + 36, (uint32_t)LAYOUT_LAPIC);
	hdr[7] = checksum(hdr, table_len);

	memcpy(fp, "_MP_", 4);
	put32(fp + 4, (uint32_t)(gpa + FP_LEN));
	fp[8] = 1; /* length in 16-byte units */
	fp[9] = SPEC_REV;
	fp[10] = checksum(fp, FP_LEN);
	return 0;
}

int mptable_write(struct vm_mem *m, unsigned ncpus, struct sb_error *err)
{
	uint8_t *p = gpa_to_hva(m, LAYOUT_MPTABLE, LAYOUT_MPTABLE_MAX);

	if (!p)
		return error_set(err, ENOMEM, "no guest memory for the MP table");
	return mptable_build(p, LAYOUT_MPTABLE_MAX, LAYOUT_MPTABLE, ncpus, err);
}
