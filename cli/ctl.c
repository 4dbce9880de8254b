/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * ctl.c: the CLI's one narrow interface to gemsyncd (docs/control.md).
 * It sends one gs.Request on a ZMQ REQ socket connected to the control
 * endpoint and reads one gs.Response, with bounded size and time. It is
 * the only CLI file that includes zmq.h. Before connecting to an ipc://
 * endpoint it checks that something listens there, so that an admin whose
 * daemon is stopped gets an answer at once rather than after the timeout.
 */
#include "gemsync.h"

#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <zmq.h>

#include "control.pb-c.h"
#include "version.h"

#define CLI_CTL_MAXMSG (64 * 1024 * 1024)

static void
print_down(const struct cli_ctx *cli, const char *detail)
{
	cli_err(_("gemsyncd does not answer on %s%s%s — start it with: "
	    "gemsyncd -c %s"), cli->control,
	    detail != NULL ? " " : "", detail != NULL ? detail : "",
	    cli->conf_path);
}

void
cli_print_down(const struct cli_ctx *cli)
{
	print_down(cli, NULL);
}

/*
 * The group that opens path: the group of the socket if we can see it,
 * else of the closest directory above it we can see; "gemsync" (the
 * packaged group) when none is readable. Writes it into buf.
 */
static void
access_group(const char *path, char *buf, size_t len)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct stat st;
	struct group *gr;
	int found = stat(path, &st) == 0;

	snprintf(dir, sizeof(dir), "%s", path);
	while (!found && strcmp(dir, "/") != 0 && strcmp(dir, ".") != 0) {
		char *up = dirname(dir);

		memmove(dir, up, strlen(up) + 1);
		found = stat(dir, &st) == 0 && st.st_gid != 0;
	}
	gr = found ? getgrgid(st.st_gid) : NULL;
	snprintf(buf, len, "%s", gr != NULL ? gr->gr_name : "gemsync");
}

/*
 * Permission denied on the socket or a directory above it: the daemon may
 * well run, this user is not allowed to reach it. Says which group opens
 * it (a new member must log in again for the group to apply).
 */
static void
print_denied(const char *path)
{
	char group[256];

	access_group(path, group, sizeof(group));
	cli_err(_("access denied to the control socket %s: add yourself to "
	    "the group %s (sudo adduser $USER %s), then log in again; or "
	    "run gemsync with sudo"), path, group, group);
}

/*
 * For ipc:// endpoints: 0 if a process accepts connections on the socket
 * path, CLI_EXIT_DOWN otherwise (message printed unless quiet; permission
 * denied is always said, it is not "down"). Paths that do not fit a
 * sockaddr_un are left to ZMQ.
 */
static int
check_ipc(struct cli_ctx *cli, int quiet)
{
	struct sockaddr_un sun;
	const char *path;
	struct stat st;
	int ret = CLI_EXIT_DOWN;
	int fd = -1, rc;

	if (strncmp(cli->control, "ipc://", 6) != 0)
		return 0;
	path = cli->control + 6;
	if (path[0] == '@' || strlen(path) >= sizeof(sun.sun_path))
		return 0;
	if (stat(path, &st) < 0) {
		if (errno == EACCES) {
			print_denied(path);
			cli->denied = 1;
		}
		else if (!quiet)
			print_down(cli, _("(no socket)"));
		goto out;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = 0;        /* let ZMQ try and time out */
		goto out;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	if (rc < 0 && (errno == ECONNREFUSED || errno == ENOENT ||
	    errno == ENOTSOCK)) {
		if (!quiet)
			print_down(cli, _("(nobody listens)"));
		goto out;
	}
	if (rc < 0 && (errno == EACCES || errno == EPERM)) {
		print_denied(path);
		cli->denied = 1;
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

static void
free_request(Gs__Request *req)
{
	for (size_t i = 0; i < req->n_params; i++)
		free(req->params[i]);
	free(req->params);
}

/* Fills req from command and params (pointers lent). 0 or -1. */
static int
build_request(Gs__Request *req, const char *command,
    const struct cli_kv *params)
{
	size_t n = params != NULL ? params->n : 0;

	gs__request__init(req);
	req->version = GS_CONTROL_VERSION;
	req->command = (char *)command;
	if (n == 0)
		return 0;
	req->params = calloc(n, sizeof(*req->params));
	if (req->params == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		Gs__Param *p = malloc(sizeof(*p));
		if (p == NULL)
			return -1;
		gs__param__init(p);
		p->name = params->v[i].name;
		p->value = params->v[i].value;
		req->params[i] = p;
		req->n_params++;
	}
	return 0;
}

/* Prints the daemon's refusal and returns the matching exit code. */
static int
report_status(const Gs__Response *resp, const char *prefix)
{
	const char *dflt;
	char *err = NULL, *field = NULL;
	int code;

	switch (resp->status) {
	case GS__STATUS__NOT_FOUND:
		code = CLI_EXIT_NOTFOUND;
		dflt = _("item not found");
		break;
	case GS__STATUS__INVALID:
		code = CLI_EXIT_INVALID;
		dflt = _("invalid input");
		break;
	case GS__STATUS__BAD_VERSION:
		code = CLI_EXIT_REFUSED;
		dflt = _("control protocol version refused (gemsync and "
		    "gemsyncd are not the same version)");
		break;
	case GS__STATUS__REFUSED:
	default:
		code = CLI_EXIT_REFUSED;
		dflt = _("refused by gemsyncd");
		break;
	}
	if (resp->error != NULL && resp->error[0] != '\0')
		err = cli_out_clean(resp->error);
	if (resp->field != NULL && resp->field[0] != '\0')
		field = cli_out_clean(resp->field);
	fprintf(stderr, "gemsync: %s%s", prefix != NULL ? prefix : "",
	    err != NULL ? err : dflt);
	if (field != NULL)
		fprintf(stderr, _(" (field: %s)"), field);
	fputc('\n', stderr);
	free(err);
	free(field);
	return code;
}

int
cli_call(struct cli_ctx *cli, const char *command,
    const struct cli_kv *params, int flags, char **json)
{
	return cli_call_body(cli, command, params, flags, json, NULL, NULL);
}

int
cli_call_body(struct cli_ctx *cli, const char *command,
    const struct cli_kv *params, int flags, char **json, char **body,
    size_t *body_len)
{
	Gs__Request req;
	Gs__Response *resp = NULL;
	int ret = CLI_EXIT_DOWN;
	int quiet = (flags & CLI_CALL_QUIET_DOWN) != 0;
	void *ctx = NULL, *sock = NULL;
	uint8_t *buf = NULL;
	size_t len;
	zmq_msg_t msg;
	int msg_open = 0, more = 0, linger = 0;
	int64_t maxmsg = CLI_CTL_MAXMSG;
	size_t moresz = sizeof(more);
	int timed_out = 0, zmq_failed = 0;
	char detail[64];

	*json = NULL;
	if (body != NULL) {
		*body = NULL;
		*body_len = 0;
	}
	gs__request__init(&req);
	ret = cli_config(cli);
	if (ret != CLI_EXIT_OK)
		goto out;
	ret = check_ipc(cli, quiet);
	if (ret != CLI_EXIT_OK)
		goto out;
	ret = CLI_EXIT_DOWN;
	if (build_request(&req, command, params) < 0) {
		cli_nomem();
		goto out;
	}
	len = gs__request__get_packed_size(&req);
	buf = malloc(len > 0 ? len : 1);
	if (buf == NULL) {
		cli_nomem();
		goto out;
	}
	gs__request__pack(&req, buf);

	ctx = zmq_ctx_new();
	if (ctx == NULL) {
		zmq_failed = 1;
		goto out;
	}
	sock = zmq_socket(ctx, ZMQ_REQ);
	if (sock == NULL) {
		zmq_failed = 1;
		goto out;
	}
	if (zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof(linger)) < 0 ||
	    zmq_setsockopt(sock, ZMQ_SNDTIMEO, &cli->timeout_ms,
	    sizeof(cli->timeout_ms)) < 0 ||
	    zmq_setsockopt(sock, ZMQ_RCVTIMEO, &cli->timeout_ms,
	    sizeof(cli->timeout_ms)) < 0 ||
	    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg)) < 0) {
		zmq_failed = 1;
		goto out;
	}
	if (zmq_connect(sock, cli->control) < 0) {
		cli_err(_("invalid control endpoint '%s': %s"),
		    cli->control, zmq_strerror(zmq_errno()));
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	if (zmq_send(sock, buf, len, 0) < 0) {
		if (zmq_errno() == EAGAIN)
			timed_out = 1;
		else
			zmq_failed = 1;
		goto out;
	}
	if (zmq_msg_init(&msg) < 0) {
		zmq_failed = 1;
		goto out;
	}
	msg_open = 1;
	if (zmq_msg_recv(&msg, sock, 0) < 0) {
		if (zmq_errno() == EAGAIN)
			timed_out = 1;
		else
			zmq_failed = 1;
		goto out;
	}
	if (zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &moresz) < 0 || more ||
	    zmq_msg_size(&msg) > CLI_CTL_MAXMSG) {
		fprintf(stderr, _("gemsync: malformed reply from gemsyncd\n"));
		goto out;
	}
	resp = gs__response__unpack(NULL, zmq_msg_size(&msg),
	    zmq_msg_data(&msg));
	if (resp == NULL) {
		fprintf(stderr, _("gemsync: unreadable reply from gemsyncd\n"));
		goto out;
	}
	if (resp->status != GS__STATUS__OK) {
		ret = report_status(resp, cli->err_prefix);
		goto out;
	}
	if (resp->version != GS_CONTROL_VERSION) {
		fprintf(stderr, _("gemsync: gemsyncd answers in version %u of "
		    "the control protocol, gemsync speaks version %d\n"),
		    resp->version, GS_CONTROL_VERSION);
		ret = CLI_EXIT_REFUSED;
		goto out;
	}
	/*
	 * Take the document over rather than copy it (a list may be many
	 * megabytes): unpacked with the default allocator, it is malloc'd.
	 */
	if (resp->json != NULL) {
		*json = resp->json;
		resp->json = NULL;
	} else {
		*json = strdup("{}");
	}
	if (*json == NULL) {
		cli_nomem();
		goto out;
	}
	if (body != NULL && resp->has_body) {
		/* the bytes and a NUL: a text body reads as a string */
		*body = malloc(resp->body.len + 1);
		if (*body == NULL) {
			free(*json);
			*json = NULL;
			cli_nomem();
			goto out;
		}
		memcpy(*body, resp->body.data, resp->body.len);
		(*body)[resp->body.len] = '\0';
		*body_len = resp->body.len;
	}
	ret = CLI_EXIT_OK;
	goto out;

out:
	if (zmq_failed)
		fprintf(stderr, _("gemsync: zeromq: %s\n"),
		    zmq_strerror(zmq_errno()));
	if (timed_out && !quiet) {
		snprintf(detail, sizeof(detail), _("(no answer in %d s)"),
		    (cli->timeout_ms + 999) / 1000);
		print_down(cli, detail);
	}
	if (resp != NULL)
		gs__response__free_unpacked(resp, NULL);
	if (msg_open)
		zmq_msg_close(&msg);
	if (sock != NULL)
		zmq_close(sock);
	if (ctx != NULL)
		zmq_ctx_term(ctx);
	free(buf);
	free_request(&req);
	return ret;
}
