/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * gs_forge: test-only hostile client. Signs a change with the key of an
 * existing site (its data dir) and sends it, as that site over CURVE, to a
 * target daemon in a peer batch. Used to check that a site refuses a
 * change its author was not allowed to make, whoever relays it.
 *
 *   gs_forge [--count N] [--hlc MS] KEY_DIR TARGET_ENDPOINT
 *            TARGET_SITE_ID TYPE ITEM_HEX|auto SEQ
 *            PARENT_HEX[,PARENT_HEX...]|- NAME=VALUE...
 *
 * ITEM "auto" is the ID a root change of TYPE by this site must carry
 * (its site profile, its reservation of the "event" field's event, or
 * the item its sequence SEQ creates); it is printed as "item HEX".
 *
 * With --count N (1..100000), N changes: change i (from 1) has sequence
 * SEQ + i - 1 and the change before it as its only parent (the first has
 * PARENTS), and "{n}" in a value becomes i; they are sent in batches of
 * BATCH, in order. A co-host filling an item's change budget, at speed.
 * With --hlc MS (ms since the epoch), change i has the HLC of MS plus
 * i - 1 ticks instead of the clock's: the same arguments then make the
 * same changes, byte for byte, to send to several sites (forged anew
 * with other clocks they would be an equivocation).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "change.h"
#include "crypto.h"
#include "fields.h"
#include "hlc.h"
#include "identity.h"
#include "item.h"
#include "peer.pb-c.h"
#include "siteid.h"
#include "transport.h"

#define BATCH 500
#define MAX_COUNT 100000

static void
on_msg(struct gs_endpoint *ep, const struct gs_msg *m, void *arg)
{
	(void)ep;
	(void)m;
	(*(int *)arg)++;
}

static int
parse_parents(const char *s, uint8_t (*out)[32], size_t *n)
{
	char buf[64 * 33];
	char *save = NULL, *tok;

	*n = 0;
	if (strcmp(s, "-") == 0)
		return 0;
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (*n == GS_MAX_PARENTS || gs_unhex(tok, out[*n], 32) != 0)
			return -1;
		(*n)++;
	}
	return 0;
}

/* value with each "{n}" replaced by n, into out (size len). */
static void
numbered(const char *value, size_t n, char *out, size_t len)
{
	const char *p = value, *hit;
	size_t o = 0;

	out[0] = '\0';
	while ((hit = strstr(p, "{n}")) != NULL && o < len) {
		o += (size_t)snprintf(out + o, len - o, "%.*s%zu",
		    (int)(hit - p), p, n);
		p = hit + 3;
	}
	if (o < len)
		snprintf(out + o, len - o, "%s", p);
}

/* The fields NAME=VALUE of argv[first..argc) for change number i. */
static int
fields_of(int argc, char **argv, int first, size_t i, struct gs_fields *f)
{
	char name[256], value[4096];

	for (int k = first; k < argc; k++) {
		const char *eq = strchr(argv[k], '=');
		if (eq == NULL || (size_t)(eq - argv[k]) >= sizeof(name))
			return -1;
		snprintf(name, sizeof(name), "%.*s", (int)(eq - argv[k]),
		    argv[k]);
		numbered(eq + 1, i, value, sizeof(value));
		if (gs_fields_set(f, name, value) != 0)
			return -1;
	}
	return 0;
}

/* ITEM "auto": the ID a root change of type by id must carry. 0 or -1. */
static int
auto_item(const struct gs_identity *id, int type, uint64_t seq, int argc,
    char **argv, int first, uint8_t item[16])
{
	struct gs_fields f;
	int rc = 0;

	gs_fields_init(&f);
	if (type == GS_TYPE_SITE)
		gs_item_id_site(gs_identity_pk(id), item);
	else if (type == GS_TYPE_RESERVATION)
		rc = fields_of(argc, argv, first, 1, &f) == 0 &&
		    gs_item_id_reservation_for(gs_identity_pk(id), &f,
		    item) == 0 ? 0 : -1;
	else
		gs_item_id_new(gs_identity_pk(id), seq, item);
	gs_fields_clear(&f);
	return rc;
}

/* Change number i (from 1) of the run, on parents, at hlc. 0 or -1. */
static int
forge_one(const struct gs_identity *id, int argc, char **argv, int first,
    const uint8_t item[16], int type, uint64_t seq, uint64_t hlc,
    const uint8_t (*parents)[32], size_t nparents, size_t i,
    struct gs_change **out)
{
	struct gs_fields f;
	uint8_t *body = NULL;
	size_t len = 0;
	int rc = -1;

	gs_fields_init(&f);
	if (fields_of(argc, argv, first, i, &f) != 0)
		goto out;
	if (gs_fields_encode(&f, &body, &len) != 0 ||
	    gs_change_new(gs_identity_sk(id), item, type, seq + i - 1, hlc,
	    parents, nparents, false, body, len, out) != 0)
		goto out;
	rc = 0;
out:
	free(body);
	gs_fields_clear(&f);
	return rc;
}

/* Sends cs[0..n) as one peer batch. Returns 0 or -1. */
static int
send_batch(struct gs_endpoint *ep, struct gs_change **cs, size_t n)
{
	Gs__PeerMsg m = GS__PEER_MSG__INIT;
	Gs__Batch b = GS__BATCH__INIT;
	Gs__SignedChange *sc = calloc(n, sizeof(*sc));
	Gs__SignedChange **scp = calloc(n, sizeof(*scp));
	uint8_t *buf = NULL;
	size_t len;
	int rc = -1;

	if (sc == NULL || scp == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		gs__signed_change__init(&sc[i]);
		sc[i].header.data = cs[i]->header;
		sc[i].header.len = cs[i]->header_len;
		sc[i].signature.data = cs[i]->sig;
		sc[i].signature.len = 64;
		sc[i].body.data = cs[i]->body;
		sc[i].body.len = cs[i]->body_len;
		sc[i].has_body = 1;
		scp[i] = &sc[i];
	}
	b.n_changes = n;
	b.changes = scp;
	b.push = 0;
	m.version = 1;
	m.msg_case = GS__PEER_MSG__MSG_BATCH;
	m.batch = &b;
	len = gs__peer_msg__get_packed_size(&m);
	if ((buf = malloc(len)) == NULL)
		goto out;
	gs__peer_msg__pack(&m, buf);
	if (gs_transport_send(ep, NULL, 0, buf, len) != 0)
		goto out;
	rc = 0;
out:
	free(buf);
	free(sc);
	free(scp);
	return rc;
}

int
main(int argc, char **argv)
{
	struct gs_identity *id = NULL;
	struct gs_transport *t = NULL;
	struct gs_transport_opts to;
	struct gs_endpoint *ep = NULL;
	struct gs_change **cs = NULL;
	struct ev_loop *loop = NULL;
	uint8_t item[16], server[32], server_curve[32], curve_pk[32];
	uint8_t *curve_sk = NULL, parents[GS_MAX_PARENTS][32];
	size_t nparents, count = 1, made = 0;
	struct gs_hlc clock;
	uint64_t seq, base = 0;
	int type, got = 0, rc = 1, a = 1;

	while (argc > a + 1 && strncmp(argv[a], "--", 2) == 0) {
		if (strcmp(argv[a], "--count") == 0)
			count = strtoul(argv[a + 1], NULL, 10);
		else if (strcmp(argv[a], "--hlc") == 0)
			base = GS_HLC_MAKE(strtoull(argv[a + 1], NULL, 10), 0);
		else
			break;
		a += 2;
	}
	if (argc - a < 8 || count < 1 || count > MAX_COUNT) {
		fprintf(stderr, "usage: gs_forge [--count N] [--hlc MS] KEY_DIR "
		    "ENDPOINT SITE_ID TYPE ITEM SEQ PARENTS|- NAME=VALUE...\n");
		return 2;
	}
	if (gs_crypto_init() != 0 || gs_identity_load(argv[a], NULL, &id) != 0 ||
	    gs_siteid_parse(argv[a + 2], server) != 0 ||
	    (type = gs_item_type_parse(argv[a + 3])) < 0 ||
	    (strcmp(argv[a + 4], "auto") != 0 &&
	    gs_unhex(argv[a + 4], item, 16) != 0) ||
	    parse_parents(argv[a + 6], parents, &nparents) != 0) {
		fprintf(stderr, "gs_forge: bad arguments\n");
		goto out;
	}
	seq = strtoull(argv[a + 5], NULL, 10);
	if (strcmp(argv[a + 4], "auto") == 0) {
		char hex[33];
		if (auto_item(id, type, seq, argc, argv, a + 7, item) != 0) {
			fprintf(stderr, "gs_forge: no item ID for these fields\n");
			goto out;
		}
		gs_hex(item, 16, hex);
		printf("item %s\n", hex);
	}
	gs_hlc_init(&clock, 0);
	if ((cs = calloc(count, sizeof(*cs))) == NULL)
		goto out;
	for (made = 0; made < count; made++) {
		if (made > 0) {
			memcpy(parents[0], cs[made - 1]->id, 32);
			nparents = 1;
		}
		if (forge_one(id, argc, argv, a + 7, item, type, seq,
		    base != 0 ? base + made : gs_hlc_now(&clock),
		    (const uint8_t (*)[32])parents, nparents, made + 1,
		    &cs[made]) != 0) {
			fprintf(stderr, "gs_forge: cannot make change %zu\n",
			    made + 1);
			goto out;
		}
	}
	curve_sk = gs_secure_alloc(32);
	if (curve_sk == NULL || gs_pk_to_curve(gs_identity_pk(id), curve_pk) ||
	    gs_sk_to_curve(gs_identity_sk(id), curve_sk) ||
	    gs_pk_to_curve(server, server_curve))
		goto out;
	loop = ev_loop_new(0);
	gs_transport_opts_default(&to);
	if (gs_transport_new(loop, &to, &t) != 0 ||
	    gs_transport_connect(t, argv[a + 1], server_curve, curve_pk,
	    curve_sk, on_msg, &got, &ep) != 0)
		goto out;
	for (int i = 0; i < 1000 && !gs_transport_connected(ep); i++) {
		ev_run(loop, EVRUN_NOWAIT);
		ev_sleep(0.01);
	}
	if (!gs_transport_connected(ep)) {
		fprintf(stderr, "gs_forge: could not connect\n");
		goto out;
	}
	for (size_t off = 0; off < count; off += BATCH) {
		if (send_batch(ep, cs + off, count - off < BATCH ?
		    count - off : BATCH) != 0)
			goto out;
		for (int i = 0; i < 10; i++) {
			ev_run(loop, EVRUN_NOWAIT);
			ev_sleep(0.01);
		}
	}
	/* give the messages time to leave before closing (bounded) */
	for (int i = 0; i < 100; i++) {
		ev_run(loop, EVRUN_NOWAIT);
		ev_sleep(0.01);
	}
	printf("sent %zu\n", count);
	rc = 0;
out:
	for (size_t i = 0; cs != NULL && i < made; i++)
		gs_change_destroy(&cs[i]);
	free(cs);
	gs_transport_close(&ep);
	gs_transport_destroy(&t);
	if (loop != NULL)
		ev_loop_destroy(loop);
	gs_secure_free(curve_sk);
	gs_identity_destroy(&id);
	return rc;
}
