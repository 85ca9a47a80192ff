/* `sandbox pack IMAGE -o FILE`: the image's initramfs, written atomically. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "commands.h"
#include "pack.h"

int cmd_pack(int argc, char **argv)
{
	struct sb_error err = {0};
	const char *out = NULL, *image = NULL;
	for (int i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return puts("Usage: sandbox pack IMAGE -o FILE"), 0;
		else if (argv[i][0] == '-' && argv[i][1])
			return error_set(&err, 0, "pack: unknown option `%s`", argv[i]), cmd_fail(&err);
		else if (!image)
			image = argv[i];
		else
			return error_set(&err, 0, "pack: unexpected argument `%s`", argv[i]), cmd_fail(&err);
	}
	if (!image || !out)
		return error_set(&err, 0, "usage: sandbox pack IMAGE -o FILE"), cmd_fail(&err);
	cleanup_free char *tmp = NULL;
	if (asprintf(&tmp, "%s.tmp.%d", out, (int)getpid()) < 0)
		return error_set(&err, ENOMEM, "pack"), cmd_fail(&err);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return error_set(&err, errno, "create `%s`", tmp), cmd_fail(&err);
	struct pack_limits lim;
	pack_limits_default(&lim);
	int r = rootfs_pack_fd(image, fd, &lim, &err);
	if (r == 0 && fsync(fd) < 0)
		r = error_set(&err, errno, "fsync `%s`", tmp);
	if (close(fd) < 0 && r == 0)
		r = error_set(&err, errno, "close `%s`", tmp);
	if (r == 0 && rename(tmp, out) < 0)
		r = error_set(&err, errno, "rename to `%s`", out);
	if (r < 0) {
		unlink(tmp);
		return cmd_fail(&err);
	}
	return 0;
}

