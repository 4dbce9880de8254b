/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * gs_bulk: test and benchmark tool. Writes changes straight into stopped
 * sites' data dirs, through the same gs_replica_apply() path that peers'
 * batches take (batches of 500 in one transaction each; with --authors,
 * gs_replica_apply_verified(): every rule but checking again the
 * signatures the tool has just made). Used to make
 * large initial syncs without 20,000 CLI calls.
 *
 *   gs_bulk DATA_DIR COUNT
 *       COUNT new events authored by the site itself.
 *
 *   gs_bulk --authors K [--seed S] [--edits PCT] [--resources PCT]
 *           COUNT DATA_DIR...
 *       COUNT changes written by K other sites (author keys derived from
 *       the seed), with realistic content (gs_gen.h): PCT % of the changes
 *       edit an earlier item of their author (default 30), and PCT % of
 *       the new items are resources (default 20), the rest events. The
 *       same changes (same IDs: content, keys and clocks all come from the
 *       seed) go into every DATA_DIR, so these sites start in sync. Each
 *       site trusts the K authors, as its admin would with
 *       "gemsync site trust", and so introduces them to its peers marked
 *       introducer. Prints one JSON line: what was written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "change.h"
#include "crypto.h"
#include "fields.h"
#include "gs_gen.h"
#include "hlc.h"
#include "item.h"
#include "replica.h"
#include "trust.h"

#define BATCH 500
#define MAX_DIRS 16
#define MAX_AUTHORS 200
#define RECENT 32               /* items of an author that edits may pick */
#define MAX_EDITS_PER_ITEM 200  /* far below GS_MAX_ITEM_CHANGES */
/* Clocks of generated changes: 2026-05-28, one millisecond apart. */
#define BASE_MS 1780000000000ULL

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

/* An item an author may edit next. */
struct recent {
	uint8_t item[16];
	int type;
	uint8_t head[32];            /* its last change, the edit's parent */
	unsigned changes;
};

/* One generated author: a site that exists only as a key. */
struct author {
	uint8_t pk[32];
	uint8_t *sk;                 /* owned, guarded memory */
	uint64_t seq;                /* last sequence written */
	struct recent recent[RECENT];
	unsigned nrecent;
};

struct opts {
	unsigned authors;
	unsigned long seed;
	unsigned edits;              /* percent */
	unsigned resources;          /* percent */
	unsigned long count;
	const char *dirs[MAX_DIRS];
	unsigned ndirs;
};

/* What was written, for the JSON line. */
struct tally {
	unsigned long events, resources, edits;
	unsigned long long body_bytes;
};

/* One open site. */
struct site {
	struct gs_store *store;      /* owned */
	struct gs_replica *r;
	struct gs_trust *trust;      /* owned */
	struct gs_apply_stats st;
};

static int
legacy_body(unsigned i, uint8_t **body, size_t *len)
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

static void
wire_of(const struct gs_change *c, struct gs_wire_change *w)
{
	w->header = c->header;
	w->header_len = c->header_len;
	w->sig = c->sig;
	w->sig_len = 64;
	w->body = c->body;
	w->body_len = c->body_len;
}

static int
open_site(const char *dir, struct site *s)
{
	struct gs_replica_opts o;
	char err[512], keyfile[4096];

	memset(s, 0, sizeof(*s));
	snprintf(keyfile, sizeof(keyfile), "%s/storage.key", dir);
	memset(&o, 0, sizeof(o));
	o.data_dir = dir;
	o.key_file = keyfile;
	o.max_drift_s = 300;
	if (gs_replica_open_store(dir, &s->store, err, sizeof(err)) != 0 ||
	    gs_replica_open(&o, s->store, &s->r, err, sizeof(err)) != 0) {
		fprintf(stderr, "gs_bulk: %s: %s\n", dir, err);
		return 1;
	}
	return 0;
}

static void
site_close(struct site *s)
{
	gs_replica_close(&s->r);
	gs_trust_destroy(&s->trust);
	gs_store_close(&s->store);
}

static int
legacy(const char *dir, unsigned long count)
{
	struct site site;
	struct gs_replica *r;
	struct gs_change *batch[BATCH];
	struct gs_wire_change w[BATCH] = { { 0 } };
	struct gs_apply_stats st;
	struct gs_hlc clock;
	unsigned done = 0;
	int rc = 1;

	if (open_site(dir, &site) != 0) {
		site_close(&site);
		return 1;
	}
	r = site.r;
	gs_hlc_init(&clock, 300000);
	memset(&st, 0, sizeof(st));
	while (done < count) {
		unsigned n = count - done < BATCH ? count - done : BATCH;
		uint64_t seq = gs_replica_seq(r, gs_replica_pk(r));
		for (unsigned i = 0; i < n; i++) {
			uint8_t *body = NULL, item[16];
			size_t len = 0;
			if (legacy_body(done + i, &body, &len) != 0)
				goto out;
			gs_item_id_new(gs_replica_pk(r), seq + 1 + i, item);
			if (gs_change_new(gs_identity_sk(gs_replica_identity(r)),
			    item, GS_TYPE_EVENT, seq + 1 + i, gs_hlc_now(&clock),
			    NULL, 0, false, body, len, &batch[i]) != 0)
				goto out;
			free(body);
			wire_of(batch[i], &w[i]);
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
	site_close(&site);
	return rc;
}

/* The key of author i: the same for a given seed on every run. */
static int
author_init(struct author *a, unsigned long seed, unsigned i)
{
	uint8_t kseed[32];
	char tag[64];
	int rc;

	memset(a, 0, sizeof(*a));
	snprintf(tag, sizeof(tag), "gs_bulk author %lu/%u", seed, i);
	gs_hash(tag, strlen(tag), kseed, sizeof(kseed));
	if ((a->sk = gs_secure_alloc(GS_SK_LEN)) == NULL)
		return 1;
	rc = gs_sign_seed_keypair(kseed, a->pk, a->sk);
	gs_wipe(kseed, sizeof(kseed));
	return rc != 0;
}

/* Opens a site and trusts every author there, as its admin would. */
static int
site_open(struct site *s, const char *dir, const struct author *au,
    unsigned n)
{
	if (open_site(dir, s) != 0)
		return 1;
	if (gs_trust_load(s->store, gs_replica_pk(s->r), &s->trust) != 0)
		return 1;
	for (unsigned i = 0; i < n; i++)
		if (gs_trust_set(s->trust, au[i].pk, GS_TRUST_TRUSTED,
		    NULL) != 0)
			return 1;
	gs_replica_set_trust(s->r, s->trust);
	return 0;
}


/* Remembers a new item for later edits (replacing one at random). */
static void
remember(struct gs_gen *g, struct author *a, const struct gs_change *c)
{
	struct recent *rc = a->nrecent < RECENT ? &a->recent[a->nrecent++] :
	    &a->recent[gs_gen_below(g, RECENT)];

	memcpy(rc->item, c->item, 16);
	rc->type = c->type;
	memcpy(rc->head, c->id, 32);
	rc->changes = 1;
}

/*
 * The next change: its author picked at random, a creation or an edit of
 * one of the author's recent items. *out owned by the caller.
 */
static int
next_change(struct gs_gen *g, const struct opts *o, struct author *au,
    uint64_t hlc, struct tally *t, struct gs_change **out)
{
	struct author *a = &au[gs_gen_below(g, o->authors)];
	struct recent *ed = NULL;
	struct gs_fields f;
	uint8_t *body = NULL, item[16];
	size_t len = 0;
	int type, rc;

	gs_fields_init(&f);
	if (a->nrecent > 0 && gs_gen_below(g, 100) < o->edits) {
		ed = &a->recent[gs_gen_below(g, a->nrecent)];
		if (ed->changes >= MAX_EDITS_PER_ITEM)
			ed = NULL;
	}
	if (ed != NULL) {
		type = ed->type;
		memcpy(item, ed->item, 16);
		rc = gs_gen_edit(g, type, &f);
	} else {
		type = gs_gen_below(g, 100) < o->resources ?
		    GS_TYPE_RESOURCE : GS_TYPE_EVENT;
		gs_item_id_new(a->pk, a->seq + 1, item);
		rc = type == GS_TYPE_EVENT ? gs_gen_event(g, &f) :
		    gs_gen_resource(g, &f);
	}
	if (rc == 0)
		rc = gs_fields_encode(&f, &body, &len);
	gs_fields_clear(&f);
	if (rc == 0)
		rc = gs_change_new(a->sk, item, type, a->seq + 1, hlc,
		    ed != NULL ? (const uint8_t (*)[32])ed->head : NULL,
		    ed != NULL ? 1 : 0, false, body, len, out);
	free(body);
	if (rc != 0)
		return rc;
	a->seq++;
	t->body_bytes += len;
	if (ed != NULL) {
		memcpy(ed->head, (*out)->id, 32);
		ed->changes++;
		t->edits++;
	} else {
		remember(g, a, *out);
		if (type == GS_TYPE_EVENT)
			t->events++;
		else
			t->resources++;
	}
	return 0;
}

/*
 * A copy of a change this tool just built and signed, for one site's
 * gs_replica_apply_verified(), which takes ownership. Verifying our own
 * fresh signature again at every site would only slow the tool down.
 */
static struct gs_change *
dup_change(const struct gs_change *c)
{
	struct gs_change *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	*d = *c;
	d->header = malloc(c->header_len);
	d->body = malloc(c->body_len ? c->body_len : 1);
	d->parents = c->nparents ? malloc(c->nparents * 32) : NULL;
	if (d->header == NULL || d->body == NULL ||
	    (c->nparents && d->parents == NULL)) {
		free(d->header);
		free(d->body);
		free(d->parents);
		free(d);
		return NULL;
	}
	memcpy(d->header, c->header, c->header_len);
	memcpy(d->body, c->body, c->body_len);
	if (c->nparents)
		memcpy(d->parents, c->parents, c->nparents * 32);
	return d;
}

/*
 * Applies a batch at every site through gs_replica_apply_verified(), every
 * rule but the signature check included; 0 if every change was stored.
 */
static int
apply_all(struct site *sites, unsigned nsites, struct gs_change **batch,
    unsigned n)
{
	struct gs_change *cs[BATCH];
	int vrc[BATCH];

	for (unsigned s = 0; s < nsites; s++) {
		struct gs_apply_stats *st = &sites[s].st;
		int rc;
		memset(vrc, 0, sizeof(vrc));
		for (unsigned i = 0; i < n; i++)
			if ((cs[i] = dup_change(batch[i])) == NULL)
				vrc[i] = GS_ENOMEM;
		rc = gs_replica_apply_verified(sites[s].r, cs, vrc, n,
		    gs_replica_pk(sites[s].r), st);
		if (rc != 0 || st->refused > 0) {
			fprintf(stderr, "gs_bulk: apply failed (%s, %u "
			    "refused)\n", gs_strerror(rc), st->refused);
			for (int k = 0; k < GS_REASONS; k++)
				if (st->by_reason[k] > 0)
					fprintf(stderr, "gs_bulk:   %u %s\n",
					    st->by_reason[k],
					    gs_strerror(-k));
			return 1;
		}
	}
	return 0;
}

static int
authored(const struct opts *o)
{
	struct author au[MAX_AUTHORS];
	struct site sites[MAX_DIRS];
	struct gs_change *batch[BATCH];
	struct gs_gen g;
	struct tally t;
	uint64_t hlc_ms;
	unsigned long done = 0;
	unsigned nau = 0, nsites = 0;
	int rc = 1;

	memset(&t, 0, sizeof(t));
	memset(batch, 0, sizeof(batch));
	gs_gen_init(&g, o->seed);
	for (; nau < o->authors; nau++)
		if (author_init(&au[nau], o->seed, nau) != 0)
			goto out;
	for (; nsites < o->ndirs; nsites++)
		if (site_open(&sites[nsites], o->dirs[nsites], au, nau) != 0) {
			nsites++;
			goto out;
		}
	/* every site must hold the same changes of these authors */
	for (unsigned i = 0; i < nau; i++) {
		au[i].seq = gs_replica_seq(sites[0].r, au[i].pk);
		for (unsigned s = 1; s < nsites; s++)
			if (gs_replica_seq(sites[s].r, au[i].pk) != au[i].seq) {
				fprintf(stderr, "gs_bulk: the sites hold "
				    "different changes of these authors\n");
				goto out;
			}
	}
	hlc_ms = BASE_MS + gs_replica_change_count(sites[0].r);
	while (done < o->count) {
		unsigned n = o->count - done < BATCH ? o->count - done : BATCH;
		for (unsigned i = 0; i < n; i++)
			if (next_change(&g, o, au, GS_HLC_MAKE(hlc_ms++, 0), &t,
			    &batch[i]) != 0)
				goto out;
		if (apply_all(sites, nsites, batch, n) != 0)
			goto out;
		for (unsigned i = 0; i < n; i++)
			gs_change_destroy(&batch[i]);
		done += n;
	}
	printf("{\"changes\":%lu,\"authors\":%u,\"sites\":%u,\"events\":%lu,"
	    "\"resources\":%lu,\"edits\":%lu,\"body_bytes_avg\":%llu}\n",
	    done, nau, nsites, t.events, t.resources, t.edits,
	    done > 0 ? t.body_bytes / done : 0);
	rc = 0;
out:
	for (unsigned i = 0; i < BATCH; i++)
		gs_change_destroy(&batch[i]);
	for (unsigned s = 0; s < nsites; s++)
		site_close(&sites[s]);
	for (unsigned i = 0; i < nau; i++)
		gs_secure_free(au[i].sk);
	return rc;
}

static int
usage(void)
{
	fprintf(stderr, "usage: gs_bulk DATA_DIR COUNT\n"
	    "       gs_bulk --authors K [--seed S] [--edits PCT] "
	    "[--resources PCT] COUNT DATA_DIR...\n");
	return 2;
}

static int
parse_num(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	*out = strtoul(s, &end, 10);
	return *end != '\0' || *out > max ? -1 : 0;
}

int
main(int argc, char **argv)
{
	struct opts o;
	unsigned long v;
	int i = 1;

	if (gs_crypto_init() != 0)
		return 1;
	if (argc == 3 && argv[1][0] != '-') {
		if (parse_num(argv[2], 100000000, &v) != 0)
			return usage();
		return legacy(argv[1], v);
	}
	memset(&o, 0, sizeof(o));
	o.seed = 1;
	o.edits = 30;
	o.resources = 20;
	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		const char *k = argv[i];
		if (parse_num(argv[i + 1], 100000000, &v) != 0)
			return usage();
		if (strcmp(k, "--authors") == 0 && v >= 1 && v <= MAX_AUTHORS)
			o.authors = (unsigned)v;
		else if (strcmp(k, "--seed") == 0)
			o.seed = v;
		else if (strcmp(k, "--edits") == 0 && v <= 100)
			o.edits = (unsigned)v;
		else if (strcmp(k, "--resources") == 0 && v <= 100)
			o.resources = (unsigned)v;
		else
			return usage();
	}
	if (o.authors == 0 || i >= argc ||
	    parse_num(argv[i], 100000000, &o.count) != 0)
		return usage();
	for (i++; i < argc; i++) {
		if (o.ndirs == MAX_DIRS)
			return usage();
		o.dirs[o.ndirs++] = argv[i];
	}
	if (o.ndirs == 0)
		return usage();
	return authored(&o);
}
