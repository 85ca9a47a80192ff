/* libFuzzer: arbitrary bytes as the run config (FDT) guest init parses, then
 * the /etc/hosts, hostname and resolv.conf renderers on whatever it accepts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "netfiles.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char text[NETFILES_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* config_parse wants an 8-byte aligned blob, as config_read_file's malloc gives. */
	void *blob = malloc(size ? size : 1);
	if (!blob)
		return 0;
	memcpy(blob, data, size);
	struct config cfg;
	struct sb_error err;
	if (config_parse(blob, size, &cfg, &err) == 0) {
		if (netfiles_hosts(&cfg.net, cfg.hostname, text, sizeof(text)) < 0 ||
		    netfiles_resolv(&cfg.net, text, sizeof(text)) < 0 ||
		    netfiles_hostname(cfg.hostname, text, sizeof(text)) < 0)
			abort(); /* NETFILES_MAX must hold anything the parser accepts */
		config_free(&cfg);
	}
	free(blob);
	return 0;
}
