/* cgroup v2 limit values as the kernel's interface files want them (pure formatting). */
#include "cglimits.h"

#include <stdio.h>
#include <string.h>

const char *cglimits_format_max(uint64_t v, char buf[CGLIMITS_BUF])
{
	if (v == 0)
		snprintf(buf, CGLIMITS_BUF, "max");
	else
		snprintf(buf, CGLIMITS_BUF, "%llu", (unsigned long long)v);
	return buf;
}

const char *cglimits_format_cpu_max(uint64_t quota_us, uint64_t period_us, char buf[CGLIMITS_BUF])
{
	if (quota_us == 0)
		snprintf(buf, CGLIMITS_BUF, "max");
	else
		snprintf(buf, CGLIMITS_BUF, "%llu %llu", (unsigned long long)quota_us,
			 (unsigned long long)period_us);
	return buf;
}

const char *cglimits_format_swap_max(uint64_t memory_max)
{
	return memory_max ? "0" : "max";
}

uint64_t cglimits_oom_kills(const char *events)
{
	static const char key[] = "oom_kill ";
	for (const char *p = events; p && *p;) {
		if (strncmp(p, key, sizeof(key) - 1) == 0) {
			uint64_t v = 0;
			for (p += sizeof(key) - 1; *p >= '0' && *p <= '9'; p++) {
				if (v > (UINT64_MAX - 9) / 10)
					return UINT64_MAX;
				v = v * 10 + (uint64_t)(*p - '0');
			}
			return (*p == '\n' || *p == '\0') ? v : 0;
		}
		const char *nl = strchr(p, '\n');
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}
