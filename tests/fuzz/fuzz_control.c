/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz_control.c: fuzz target for gs_control_handle (control.h), the
 * decoder and dispatcher of every request on the control socket. A
 * throw-away site is created once in a mkdtemp() folder and opened into
 * a daemon context without sockets: a transport with no endpoint (for the
 * "status" counters) and no gossip. Each input is handed over as a raw
 * request; the reply must always decode as a gs.Response of our version
 * with a known status, and an OK reply must carry a JSON document. The
 * folder is removed at exit.
 *
 * Item IDs come from the random site key, so no fixed input could name an
 * item: the site starts with one event and one resource, and the 12-byte
 * tokens "@@EVENT@@@@@" and "@@RESRC@@@@@" in an input are replaced by the
 * first 12 hex digits of their IDs (same length: the protobuf framing
 * stays valid), which lets the corpus reach edit, show, delete, cancel.
 */
#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>
#include <jansson.h>

#include "config.h"
#include "control.h"
#include "control.pb-c.h"
#include "crypto.h"
#include "daemon.h"
#include "err.h"
#include "fields.h"
#include "item.h"
#include "log.h"
#include "replica.h"
#include "transport.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The one daemon the target drives (a fuzz target has no other place). */
static struct gs_daemon fz_daemon;
static char fz_dir[256];
static char fz_event[2 * GS_ITEM_ID_LEN + 1];
static char fz_resource[2 * GS_ITEM_ID_LEN + 1];

#define TOKEN_LEN 12
static const char tok_event[] = "@@EVENT@@@@@";
static const char tok_resource[] = "@@RESRC@@@@@";

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
teardown(void)
{
	struct gs_daemon *d = &fz_daemon;

	gs_transport_destroy(&d->transport);
	if (d->loop != NULL)
		ev_loop_destroy(d->loop);
	d->loop = NULL;
	gs_daemon_close_site(d);
	gs_config_destroy(&d->cfg);
	if (fz_dir[0] != '\0')
		nftw(fz_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void die(const char *what, const char *err);

/* Writes a local item of type with kv (name, value, ..., NULL). */
static void
seed_item(int type, const char *const *kv, char hex[2 * GS_ITEM_ID_LEN + 1])
{
	struct gs_fields f;
	struct gs_verr v;
	uint8_t id[GS_ITEM_ID_LEN];
	int rc = 0;

	gs_fields_init(&f);
	for (size_t i = 0; kv[i] != NULL && rc == 0; i += 2)
		rc = gs_fields_set(&f, kv[i], kv[i + 1]);
	memset(&v, 0, sizeof(v));
	if (rc == 0)
		rc = gs_replica_write(fz_daemon.replica, NULL, type, &f, false,
		    NULL, 0, &v, id);
	gs_fields_clear(&f);
	if (rc != 0)
		die("seed item", v.rule[0] ? v.rule : gs_strerror(rc));
	gs_hex(id, sizeof(id), hex);
}

static void
die(const char *what, const char *err)
{
	fprintf(stderr, "fuzz_control: %s: %s\n", what, err);
	teardown();
	abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct gs_daemon *d = &fz_daemon;
	struct gs_transport_opts to;
	struct gs_replica_opts o;
	char site[320], key[320], err[512];
	char *dd;

	(void)argc;
	(void)argv;
	gs_log_level = GS_LOG_ERROR;
	if (gs_crypto_init() != 0)
		die("crypto", "init");
	snprintf(fz_dir, sizeof(fz_dir), "%s/gs-fuzz-control-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(fz_dir) == NULL) {
		fz_dir[0] = '\0';
		die("mkdtemp", "failed");
	}
	atexit(teardown);
	snprintf(site, sizeof(site), "%s/site", fz_dir);
	snprintf(key, sizeof(key), "%s/storage.key", fz_dir);
	if (gs_replica_init_site(site, key, NULL, err, sizeof(err)) != 0)
		die("init site", err);
	memset(&o, 0, sizeof(o));
	o.data_dir = site;
	o.key_file = key;
	o.max_drift_s = 300;
	if (gs_daemon_open_site(d, &o, err, sizeof(err)) != 0)
		die("open site", err);
	if (gs_config_load(NULL, &d->cfg, err, sizeof(err)) != 0)
		die("config", err);
	dd = strdup(site);
	if (dd == NULL)
		die("config", "out of memory");
	free(d->cfg->data_dir);
	d->cfg->data_dir = dd;
	d->loop = ev_loop_new(0);
	if (d->loop == NULL)
		die("libev", "no loop");
	gs_transport_opts_default(&to);
	if (gs_transport_new(d->loop, &to, &d->transport) != 0)
		die("transport", "new");
	d->gossip = NULL;
	d->started = time(NULL);
	{
		static const char *const ev[] = { "kind", "workshop",
		    "start", "2025-03-01T14:00:00+01:00",
		    "title", "Atelier peinture", NULL };
		static const char *const res[] = { "kind", "gem",
		    "name", "GEM Les Amis", NULL };
		seed_item(GS_TYPE_EVENT, ev, fz_event);
		seed_item(GS_TYPE_RESOURCE, res, fz_resource);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Gs__Response *resp;
	uint8_t *out = NULL;
	size_t outlen = 0;
	uint8_t *in;
	json_t *j;
	int rc;

	/* a private copy, with the item tokens replaced */
	in = malloc(size ? size : 1);
	if (in == NULL)
		return 0;
	if (size > 0)
		memcpy(in, data, size);
	for (size_t i = 0; size >= TOKEN_LEN && i <= size - TOKEN_LEN; i++) {
		if (memcmp(in + i, tok_event, TOKEN_LEN) == 0)
			memcpy(in + i, fz_event, TOKEN_LEN);
		else if (memcmp(in + i, tok_resource, TOKEN_LEN) == 0)
			memcpy(in + i, fz_resource, TOKEN_LEN);
	}
	rc = gs_control_handle(&fz_daemon, in, size, &out, &outlen);
	free(in);
	if (rc != 0) {
		free(out);
		return 0;                    /* out of memory: no reply */
	}
	resp = gs__response__unpack(NULL, outlen, out);
	if (resp == NULL || resp->version != GS_CONTROL_VERSION)
		abort();
	switch (resp->status) {
	case GS__STATUS__OK:
		if (resp->json == NULL)
			abort();
		j = json_loads(resp->json, 0, NULL);
		if (j == NULL)
			abort();
		json_decref(j);
		break;
	case GS__STATUS__REFUSED:
	case GS__STATUS__NOT_FOUND:
	case GS__STATUS__INVALID:
	case GS__STATUS__BAD_VERSION:
		if (resp->error == NULL || resp->error[0] == '\0')
			abort();
		break;
	default:
		abort();
	}
	gs__response__free_unpacked(resp, NULL);
	free(out);
	return 0;
}
