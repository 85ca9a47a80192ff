/* runas UID GID CMD [ARG...]: run CMD as an ordinary user for tests (the test host's
 * busybox has no setpriv that changes ids): no supplementary groups, real, effective
 * and saved ids set, capabilities gone with root, then exec. */
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: runas UID GID CMD [ARG...]\n");
		return 2;
	}
	uid_t uid = (uid_t)strtoul(argv[1], NULL, 10);
	gid_t gid = (gid_t)strtoul(argv[2], NULL, 10);
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0) {
		perror("runas");
		return 125;
	}
	execvp(argv[3], argv + 3);
	perror("runas: exec");
	return 127;
}
