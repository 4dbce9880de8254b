/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * gs_forge: test-only hostile client. Signs a change with the key of an
 * existing site (its data dir) and sends it, as that site over CURVE, to a
 * target daemon in a peer batch. Used to check that a site refuses a
 * change its author was not allowed to make, whoever relays it.
 *
 *   gs_forge KEY_DIR TARGET_ENDPOINT TARGET_SITE_ID TYPE ITEM_HEX|auto SEQ
 *            PARENT_HEX[,PARENT_HEX...]|- NAME=VALUE [NAME=VALUE...]
 *
 * ITEM "auto" is the ID a root change of TYPE by this site must carry
 * (its site profile, its reservation of the "event" field's event, or
 * the item its sequence SEQ creates).
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
#include "textfmt.h"
#include "transport.h"

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

int
main(int argc, char **argv)
{
	struct gs_identity *id = NULL;
	struct gs_transport *t = NULL;
	struct gs_transport_opts to;
	struct gs_endpoint *ep = NULL;
	struct gs_change *c = NULL;
	struct gs_fields f;
	struct ev_loop *loop = NULL;
	uint8_t item[16], server[32], server_curve[32], curve_pk[32];
	uint8_t *curve_sk = NULL, parents[GS_MAX_PARENTS][32], *body = NULL;
	size_t nparents, len = 0;
	Gs__PeerMsg m = GS__PEER_MSG__INIT;
	Gs__Batch b = GS__BATCH__INIT;
	Gs__SignedChange sc = GS__SIGNED_CHANGE__INIT, *scp = &sc;
	struct gs_hlc clock;
	uint8_t *buf = NULL;
	char hex[33];
	int type, got = 0, rc = 1;

	gs_fields_init(&f);
	if (argc < 9) {
		fprintf(stderr, "usage: gs_forge KEY_DIR ENDPOINT SITE_ID TYPE "
		    "ITEM SEQ PARENTS|- NAME=VALUE...\n");
		return 2;
	}
	if (gs_crypto_init() != 0 || gs_identity_load(argv[1], &id) != 0 ||
	    gs_siteid_parse(argv[3], server) != 0 ||
	    (type = gs_item_type_parse(argv[4])) < 0 ||
	    (strcmp(argv[5], "auto") != 0 && gs_unhex(argv[5], item, 16) != 0) ||
	    parse_parents(argv[7], parents, &nparents) != 0) {
		fprintf(stderr, "gs_forge: bad arguments\n");
		goto out;
	}
	for (int i = 8; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (eq == NULL)
			goto out;
		*eq = '\0';
		gs_fields_set(&f, argv[i], eq + 1);
	}
	if (strcmp(argv[5], "auto") == 0) {
		uint64_t seq = strtoull(argv[6], NULL, 10);

		if (type == GS_TYPE_SITE)
			gs_item_id_site(gs_identity_pk(id), item);
		else if (type == GS_TYPE_RESERVATION) {
			if (gs_item_id_reservation_for(gs_identity_pk(id), &f,
			    item) != 0)
				goto out;
		} else
			gs_item_id_new(gs_identity_pk(id), seq, item);
		gs_hex(item, 16, hex);
		printf("item %s\n", hex);
	}
	gs_hlc_init(&clock, 0);
	if (gs_fields_encode(&f, &body, &len) != 0 ||
	    gs_change_new(gs_identity_sk(id), item, type,
	    strtoull(argv[6], NULL, 10), gs_hlc_now(&clock),
	    (const uint8_t (*)[32])parents, nparents, false, body, len, &c) != 0)
		goto out;
	curve_sk = gs_secure_alloc(32);
	if (curve_sk == NULL || gs_pk_to_curve(gs_identity_pk(id), curve_pk) ||
	    gs_sk_to_curve(gs_identity_sk(id), curve_sk) ||
	    gs_pk_to_curve(server, server_curve))
		goto out;
	loop = ev_loop_new(0);
	gs_transport_opts_default(&to);
	if (gs_transport_new(loop, &to, &t) != 0 ||
	    gs_transport_connect(t, argv[2], server_curve, curve_pk, curve_sk,
	    on_msg, &got, &ep) != 0)
		goto out;
	for (int i = 0; i < 1000 && !gs_transport_connected(ep); i++) {
		ev_run(loop, EVRUN_NOWAIT);
		ev_sleep(0.01);
	}
	if (!gs_transport_connected(ep)) {
		fprintf(stderr, "gs_forge: could not connect\n");
		goto out;
	}
	sc.header.data = c->header;
	sc.header.len = c->header_len;
	sc.signature.data = c->sig;
	sc.signature.len = 64;
	sc.body.data = c->body;
	sc.body.len = c->body_len;
	sc.has_body = 1;
	b.n_changes = 1;
	b.changes = &scp;
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
	/* give the message time to leave before closing (bounded) */
	for (int i = 0; i < 100; i++) {
		ev_run(loop, EVRUN_NOWAIT);
		ev_sleep(0.01);
	}
	printf("sent\n");
	rc = 0;
out:
	free(buf);
	free(body);
	gs_fields_clear(&f);
	gs_change_destroy(&c);
	gs_transport_close(&ep);
	gs_transport_destroy(&t);
	if (loop != NULL)
		ev_loop_destroy(loop);
	gs_secure_free(curve_sk);
	gs_identity_destroy(&id);
	return rc;
}
