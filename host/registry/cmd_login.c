/* `sandbox login [-u USER] [--password-stdin] [--tls-verify=false] REGISTRY`,
 * in the registry client (sandbox-registry; sandbox execs it),
 * and `sandbox logout REGISTRY`: credentials checked against the registry,
 * then kept where podman keeps them (authfile_default_path). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "authfile.h"
#include "client.h"
#include "commands.h"

static const char login_usage[] =
    "Usage: sandbox login [-u USER] [--password-stdin] [--tls-verify=false] [--cert-dir DIR]\n"
    "                     [REGISTRY]\n"
    "       sandbox logout [REGISTRY]\n"
    "\n"
    "Check credentials against REGISTRY (HOST[:PORT]; default docker.io) and keep them in\n"
    "$REGISTRY_AUTH_FILE, else ${XDG_RUNTIME_DIR}/containers/auth.json, else\n"
    "~/.docker/config.json (mode 0600). Without -u or --password-stdin, asks on the terminal.\n";

/* docker.io and its aliases -> docker.io; else HOST[:PORT] as docker takes it. */
static int registry_arg(const char *arg, char *out, size_t len, struct sb_error *err)
{
	if (!arg || !strcmp(arg, "docker.io") || !strcmp(arg, "index.docker.io") ||
	    !strcmp(arg, "registry-1.docker.io") || !strncmp(arg, "https://index.docker.io/", 24))
		return snprintf(out, len, "docker.io"), 0;
	if (!strncmp(arg, "https://", 8) || !strncmp(arg, "http://", 7))
		arg = strstr(arg, "://") + 3;
	char probe[REF_NAME_MAX + 8];
	struct registry_ref ref;
	snprintf(probe, sizeof(probe), "%.*s/x", (int)strcspn(arg, "/"), arg);
	int r = registry_ref_parse(probe, &ref, err);
	if (r == 0 && !strcmp(ref.domain, REF_DOCKER_HUB) && strncmp(probe, "docker.io/", 10))
		r = error_set(err, 0, "`%s` is not a registry host (HOST[:PORT])", arg);
	if (r == 0)
		snprintf(out, len, "%s", ref.domain);
	return r;
}

/* One line from f, without its newline. */
static int read_line(FILE *f, char *buf, size_t len)
{
	if (!fgets(buf, (int)len, f))
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static int ask(const char *prompt, bool echo, char *buf, size_t len, struct sb_error *err)
{
	FILE *tty = fopen("/dev/tty", "r+");
	if (!tty)
		return error_set(err, 0,
				 "no terminal to ask for the %s (use -u and --password-stdin)",
				 echo ? "user name" : "password");
	struct termios old, t;
	bool raw = !echo && tcgetattr(fileno(tty), &old) == 0;
	if (raw) {
		t = old;
		t.c_lflag &= (tcflag_t)~ECHO;
		tcsetattr(fileno(tty), TCSAFLUSH, &t);
	}
	fputs(prompt, tty);
	fflush(tty);
	int r = read_line(tty, buf, len);
	if (raw) {
		tcsetattr(fileno(tty), TCSAFLUSH, &old);
		fputc('\n', tty);
	}
	fclose(tty);
	return r < 0 ? error_set(err, 0, "no %s given", echo ? "user name" : "password") : 0;
}

static int auth_key(const char *file, const char *domain, char *key, size_t len)
{
	size_t n = strlen(file);
	/* docker's own file knows Docker Hub by its old URL */
	if (!strcmp(domain, REF_DOCKER_HUB) && n >= 11 && !strcmp(file + n - 11, "config.json"))
		return snprintf(key, len, "https://index.docker.io/v1/");
	return snprintf(key, len, "%s", domain);
}

int cmd_login(int argc, char **argv)
{
	enum { OPT_STDIN = 256, OPT_TLS, OPT_CERT_DIR };
	static const struct option longopts[] = {
	    {"username", required_argument, NULL, 'u'},
	    {"password-stdin", no_argument, NULL, OPT_STDIN},
	    {"tls-verify", required_argument, NULL, OPT_TLS},
	    {"cert-dir", required_argument, NULL, OPT_CERT_DIR},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct sb_error err = {0};
	struct auth_creds creds = {0};
	struct registry_opts o = {.tls_verify = true, .creds = &creds, .no_mirrors = true};
	bool from_stdin = false;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":u:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'u':
			snprintf(creds.user, sizeof(creds.user), "%s", optarg);
			break;
		case OPT_STDIN:
			from_stdin = true;
			break;
		case OPT_TLS:
			if (strcmp(optarg, "false") && strcmp(optarg, "true"))
				return error_set(&err, 0, "invalid --tls-verify `%s`", optarg),
				       cmd_fail(&err);
			o.tls_verify = !strcmp(optarg, "true");
			break;
		case OPT_CERT_DIR:
			o.cert_dir = optarg;
			break;
		case 'h':
			return fputs(login_usage, stdout), 0;
		default:
			return error_set(&err, 0, "login: bad option `%s`", argv[optind - 1]),
			       cmd_fail(&err);
		}
	}
	char domain[REF_NAME_MAX + 1], file[PATH_MAX], key[REF_NAME_MAX + 32];
	if (optind + 1 < argc)
		return error_set(&err, 0,
				 "usage: sandbox login [-u USER] [--password-stdin] [REGISTRY]"),
		       cmd_fail(&err);
	int r = registry_arg(optind < argc ? argv[optind] : NULL, domain, sizeof(domain), &err);
	if (r == 0 && !creds.user[0])
		r = ask("Username: ", true, creds.user, sizeof(creds.user), &err);
	if (r == 0 && from_stdin && read_line(stdin, creds.secret, sizeof(creds.secret)) < 0)
		r = error_set(&err, 0, "--password-stdin: no password on stdin");
	else if (r == 0 && !from_stdin)
		r = ask("Password: ", false, creds.secret, sizeof(creds.secret), &err);
	if (r == 0 && (!creds.user[0] || !creds.secret[0]))
		r = error_set(&err, 0, "login: empty user name or password");
	if (r == 0 && (r = registry_login_check(domain, &o, &err)) < 0)
		error_prefix(&err, "login to %s failed", domain);
	if (r == 0 && (r = authfile_default_path(file, sizeof(file), &err)) == 0) {
		auth_key(file, domain, key, sizeof(key));
		r = authfile_store(file, key, creds.user, creds.secret, &err);
	}
	memset(creds.secret, 0, sizeof(creds.secret));
	if (r < 0)
		return cmd_fail(&err);
	printf("Login Succeeded\n");
	return 0;
}

int cmd_logout(int argc, char **argv)
{
	struct sb_error err = {0};
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return fputs(login_usage, stdout), 0;
	if (argc > 2)
		return error_set(&err, 0, "usage: sandbox logout [REGISTRY]"), cmd_fail(&err);
	char domain[REF_NAME_MAX + 1], file[PATH_MAX], key[REF_NAME_MAX + 32];
	int r = registry_arg(argc == 2 ? argv[1] : NULL, domain, sizeof(domain), &err);
	if (r == 0 && (r = authfile_default_path(file, sizeof(file), &err)) == 0) {
		auth_key(file, domain, key, sizeof(key));
		r = authfile_store(file, key, NULL, NULL, &err);
		if (r == -ENOENT)
			r = error_set(&err, 0, "not logged in to %s (in %s)", domain, file);
	}
	if (r < 0)
		return cmd_fail(&err);
	printf("Removed login credentials for %s\n", domain);
	return 0;
}
