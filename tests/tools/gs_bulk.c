/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * gs_bulk: test and benchmark tool. Writes N new events, authored by the
 * site itself, straight into a stopped site's data dir, through the same
 * gs_replica_apply() path that peers' batches take (batches of 500 in one
 * transaction each). Used to make large initial syncs without 20,000 CLI
 * calls.
 *
 *   gs_bulk DATA_DIR COUNT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "change.h"
#include "crypto.h"
#include "fields.h"
#include "hlc.h"
#include "item.h"
#include "replica.h"

#define BATCH 500

static const char *titles[] = {
	"Atelier écriture", "Sortie au musée des Beaux-Arts",
	"Marche douce au parc", "Groupe de parole : le sommeil",
	"Repas partagé", "Après-midi jeux de société",
	"Initiation à l'informatique", "Atelier budget",
};
static const char *kinds[] = {
	"workshop", "outing", "physical", "discussion", "convivial",
	"convivial", "autonomy", "autonomy",
};

static int
make_body(unsigned i, uint8_t **body, size_t *len)
{
	struct gs_fields f;
	char title[128], start[40];
	int rc;

	gs_fields_init(&f);
	snprintf(title, sizeof(title), "%s n°%u", titles[i % 8], i);
	snprintf(start, sizeof(start), "2031-%02u-%02uT14:00:00+01:00",
	    1 + i % 12, 1 + i % 28);
	rc = gs_fields_set(&f, "title", title);
	if (rc == 0)
		rc = gs_fields_set(&f, "kind", kinds[i % 8]);
	if (rc == 0)
		rc = gs_fields_set(&f, "start", start);
	if (rc == 0)
		rc = gs_fields_set(&f, "place", "Maison des associations, Lyon 7e");
	if (rc == 0)
		rc = gs_fields_set(&f, "description", "Ouvert aux adhérents "
		    "et à leurs proches. Inscription auprès de l'animatrice.");
	if (rc == 0)
		rc = gs_fields_encode(&f, body, len);
	gs_fields_clear(&f);
	return rc;
}

int
main(int argc, char **argv)
{
	struct gs_replica_opts o;
	struct gs_replica *r = NULL;
	struct gs_change *batch[BATCH];
	struct gs_wire_change w[BATCH];
	struct gs_apply_stats st;
	struct gs_hlc clock;
	char err[512], keyfile[4096];
	unsigned long count;
	unsigned done = 0;
	int rc = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: gs_bulk DATA_DIR COUNT\n");
		return 2;
	}
	count = strtoul(argv[2], NULL, 10);
	if (gs_crypto_init() != 0)
		return 1;
	snprintf(keyfile, sizeof(keyfile), "%s/storage.key", argv[1]);
	memset(&o, 0, sizeof(o));
	o.data_dir = argv[1];
	o.key_file = keyfile;
	o.max_drift_s = 300;
	if (gs_replica_open(&o, &r, err, sizeof(err)) != 0) {
		fprintf(stderr, "gs_bulk: %s\n", err);
		return 1;
	}
	gs_hlc_init(&clock, 300000);
	memset(&st, 0, sizeof(st));
	while (done < count) {
		unsigned n = count - done < BATCH ? count - done : BATCH;
		uint64_t seq = gs_replica_seq(r, gs_replica_pk(r));
		for (unsigned i = 0; i < n; i++) {
			uint8_t *body = NULL, item[16];
			size_t len = 0;
			if (make_body(done + i, &body, &len) != 0)
				goto out;
			gs_item_id_new(gs_replica_pk(r), seq + 1 + i, item);
			if (gs_change_new(gs_identity_sk(gs_replica_identity(r)),
			    item, GS_TYPE_EVENT, seq + 1 + i, gs_hlc_now(&clock),
			    NULL, 0, false, body, len, &batch[i]) != 0)
				goto out;
			free(body);
			w[i].header = batch[i]->header;
			w[i].header_len = batch[i]->header_len;
			w[i].sig = batch[i]->sig;
			w[i].sig_len = 64;
			w[i].body = batch[i]->body;
			w[i].body_len = batch[i]->body_len;
		}
		rc = gs_replica_apply(r, w, n, gs_replica_pk(r), &st);
		for (unsigned i = 0; i < n; i++)
			gs_change_destroy(&batch[i]);
		if (rc != 0 || st.refused > 0) {
			fprintf(stderr, "gs_bulk: apply failed (%d, %u refused)\n",
			    rc, st.refused);
			rc = 1;
			goto out;
		}
		done += n;
	}
	printf("%u\n", st.applied);
	rc = 0;
out:
	gs_replica_close(&r);
	return rc;
}
