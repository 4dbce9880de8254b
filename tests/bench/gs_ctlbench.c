/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * gs_ctlbench: benchmark tool. Times control requests alone, without the
 * start of a CLI process: it connects one REQ socket to a daemon's control
 * endpoint and sends the same request COUNT times in a row, timing each
 * from send to reply (docs/control.md). A request the daemon does not
 * answer OK stops the run. Prints one JSON object: count, median, p90 and
 * mean in milliseconds.
 *
 *   gs_ctlbench ENDPOINT COMMAND COUNT [NAME=VALUE...]
 *
 * e.g. gs_ctlbench ipc://DIR/control.sock item.add 100 type=event
 *      f=title=Atelier f=kind=workshop f=start=2031-01-07T14:00:00+01:00
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "control.pb-c.h"

#define MAX_PARAMS 32
#define MAX_COUNT 100000
#define TIMEOUT_MS 30000

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Packs the request into *buf (malloc'd). 0 or -1. */
static int
pack(const char *command, char **kv, int nkv, uint8_t **buf, size_t *len)
{
	Gs__Request req;
	Gs__Param ps[MAX_PARAMS], *pp[MAX_PARAMS];
	char *names[MAX_PARAMS];
	int ret = -1;

	gs__request__init(&req);
	req.version = 1;
	req.command = (char *)command;
	memset(names, 0, sizeof(names));
	for (int i = 0; i < nkv; i++) {
		char *eq = strchr(kv[i], '=');
		if (eq == NULL)
			goto out;
		names[i] = strndup(kv[i], (size_t)(eq - kv[i]));
		if (names[i] == NULL)
			goto out;
		gs__param__init(&ps[i]);
		ps[i].name = names[i];
		ps[i].value = eq + 1;
		pp[i] = &ps[i];
	}
	req.params = pp;
	req.n_params = (size_t)nkv;
	*len = gs__request__get_packed_size(&req);
	*buf = malloc(*len > 0 ? *len : 1);
	if (*buf == NULL)
		goto out;
	gs__request__pack(&req, *buf);
	ret = 0;
out:
	for (int i = 0; i < nkv; i++)
		free(names[i]);
	return ret;
}

/* One request and its reply: 0 if answered OK, -1 otherwise. */
static int
call(void *sock, const uint8_t *buf, size_t len)
{
	Gs__Response *resp;
	zmq_msg_t msg;
	int ret = -1;

	if (zmq_send(sock, buf, len, 0) < 0)
		return -1;
	if (zmq_msg_init(&msg) < 0)
		return -1;
	if (zmq_msg_recv(&msg, sock, 0) >= 0) {
		resp = gs__response__unpack(NULL, zmq_msg_size(&msg),
		    zmq_msg_data(&msg));
		if (resp != NULL && resp->status == GS__STATUS__OK)
			ret = 0;
		else if (resp != NULL)
			fprintf(stderr, "gs_ctlbench: refused: %s\n",
			    resp->error != NULL ? resp->error : "");
		if (resp != NULL)
			gs__response__free_unpacked(resp, NULL);
	}
	zmq_msg_close(&msg);
	return ret;
}

int
main(int argc, char **argv)
{
	void *ctx = NULL, *sock = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	double *ms = NULL, sum = 0;
	int count, done = 0, rc = 1, linger = 0, tmo = TIMEOUT_MS;

	if (argc < 4 || argc - 4 > MAX_PARAMS) {
		fprintf(stderr, "usage: gs_ctlbench ENDPOINT COMMAND COUNT "
		    "[NAME=VALUE...]\n");
		return 2;
	}
	count = atoi(argv[3]);
	if (count < 1 || count > MAX_COUNT)
		return 2;
	if (pack(argv[2], argv + 4, argc - 4, &buf, &len) != 0 ||
	    (ms = calloc((size_t)count, sizeof(*ms))) == NULL)
		goto out;
	ctx = zmq_ctx_new();
	sock = ctx != NULL ? zmq_socket(ctx, ZMQ_REQ) : NULL;
	if (sock == NULL ||
	    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof(linger)) < 0 ||
	    zmq_setsockopt(sock, ZMQ_SNDTIMEO, &tmo, sizeof(tmo)) < 0 ||
	    zmq_setsockopt(sock, ZMQ_RCVTIMEO, &tmo, sizeof(tmo)) < 0 ||
	    zmq_connect(sock, argv[1]) < 0)
		goto out;
	for (; done < count; done++) {
		double t0 = now_ms();
		if (call(sock, buf, len) != 0)
			goto out;
		ms[done] = now_ms() - t0;
		sum += ms[done];
	}
	qsort(ms, (size_t)count, sizeof(*ms), cmp_double);
	printf("{\"count\":%d,\"median_ms\":%.3f,\"p90_ms\":%.3f,"
	    "\"mean_ms\":%.3f}\n", count, ms[count / 2],
	    ms[(count * 9) / 10 < count ? (count * 9) / 10 : count - 1],
	    sum / count);
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "gs_ctlbench: stopped after %d requests\n",
		    done);
	if (sock != NULL)
		zmq_close(sock);
	if (ctx != NULL)
		zmq_ctx_term(ctx);
	free(ms);
	free(buf);
	return rc;
}
