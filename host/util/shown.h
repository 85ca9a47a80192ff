/* An untrusted value as a one-line message shows it. */
#ifndef SB_SHOWN_H
#define SB_SHOWN_H

#include <string.h>

#define SHOWN_MAX 88

/* s with bytes outside printable ASCII as '?', cut at 80 bytes with "..."
 * appended, so the message stays one line whatever the input. Returns buf. */
static inline const char *shown_text(const char *s, char buf[SHOWN_MAX])
{
	size_t i = 0;
	for (; s[i] && i < 80; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (s[i])
		memcpy(buf + i, "...", 4);
	else
		buf[i] = '\0';
	return buf;
}

#endif
