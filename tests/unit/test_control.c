/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_control.c: unit tests for the control dispatch, through
 * gs_control_handle() (control.h) with encoded requests and decoded
 * replies. A throw-away site is created in a mkdtemp() folder and opened
 * into a daemon context without sockets of its own: a transport with no
 * control endpoint and a gossip that does not listen, so that the peer
 * and site commands are served. The folder is removed at the end.
 */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <ev.h>
#include <jansson.h>

#include "config.h"
#include "control.h"
#include "control.pb-c.h"
#include "crypto.h"
#include "daemon.h"
#include "err.h"
#include "gossip.h"
#include "log.h"
#include "replica.h"
#include "siteid.h"
#include "transport.h"

#define NPARAMS_MAX 200

struct fixture {
	struct gs_daemon d;
	char dir[256];
};

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(path);
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	struct gs_daemon *d = &fx->d;

	gs_gossip_stop(&d->gossip);
	gs_transport_destroy(&d->transport);
	if (d->loop != NULL)
		ev_loop_destroy(d->loop);
	gs_daemon_close_site(d);
	gs_config_destroy(&d->cfg);
	if (fx->dir[0] != '\0')
		nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

/* Replaces a string of the configuration. */
static void
set_cfg(char **field, const char *value)
{
	char *v = strdup(value);

	assert_non_null(v);
	free(*field);
	*field = v;
}

static int
setup(void **state)
{
	struct gs_transport_opts to;
	struct gs_replica_opts o;
	char site[320], key[320], err[512];
	struct fixture *fx;
	struct gs_daemon *d;

	gs_log_level = GS_LOG_ERROR;
	assert_int_equal(gs_crypto_init(), 0);
	fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	*state = fx;
	d = &fx->d;
	snprintf(fx->dir, sizeof(fx->dir), "%s/gs-test-control-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(site, sizeof(site), "%s/site", fx->dir);
	snprintf(key, sizeof(key), "%s/storage.key", fx->dir);
	assert_int_equal(gs_replica_init_site(site, key, NULL, err,
	    sizeof(err)), 0);
	memset(&o, 0, sizeof(o));
	o.data_dir = site;
	o.key_file = key;
	o.max_drift_s = 300;
	assert_int_equal(gs_daemon_open_site(d, &o, err, sizeof(err)), 0);
	assert_int_equal(gs_config_load(NULL, &d->cfg, err, sizeof(err)), 0);
	set_cfg(&d->cfg->data_dir, site);
	set_cfg(&d->cfg->listen, "");
	d->loop = ev_loop_new(0);
	assert_non_null(d->loop);
	gs_transport_opts_default(&to);
	assert_int_equal(gs_transport_new(d->loop, &to, &d->transport), 0);
	d->started = time(NULL);
	assert_int_equal(gs_gossip_start(d, &d->gossip), 0);
	return 0;
}

/*
 * Sends command with params (name, value, ..., NULL) at version and
 * returns the decoded reply (free with gs__response__free_unpacked).
 */
static Gs__Response *
call_v(struct gs_daemon *d, uint32_t version, const char *command,
    const char *const *kv)
{
	Gs__Request req = GS__REQUEST__INIT;
	Gs__Param params[NPARAMS_MAX], *pp[NPARAMS_MAX];
	Gs__Response *resp;
	uint8_t *buf, *out = NULL;
	size_t n = 0, len, outlen = 0;

	for (; kv != NULL && kv[2 * n] != NULL; n++) {
		assert_true(n < NPARAMS_MAX);
		gs__param__init(&params[n]);
		params[n].name = (char *)kv[2 * n];
		params[n].value = (char *)kv[2 * n + 1];
		pp[n] = &params[n];
	}
	req.version = version;
	req.command = (char *)command;
	req.n_params = n;
	req.params = pp;
	len = gs__request__get_packed_size(&req);
	buf = malloc(len ? len : 1);
	assert_non_null(buf);
	gs__request__pack(&req, buf);
	assert_int_equal(gs_control_handle(d, buf, len, &out, &outlen), 0);
	free(buf);
	resp = gs__response__unpack(NULL, outlen, out);
	free(out);
	assert_non_null(resp);
	assert_int_equal(resp->version, GS_CONTROL_VERSION);
	return resp;
}

static Gs__Response *
call(struct gs_daemon *d, const char *command, const char *const *kv)
{
	return call_v(d, GS_CONTROL_VERSION, command, kv);
}

/* The JSON of an OK reply (json_decref it). */
static json_t *
ok_json(Gs__Response *resp)
{
	json_t *j;

	assert_int_equal(resp->status, GS__STATUS__OK);
	assert_non_null(resp->json);
	j = json_loads(resp->json, 0, NULL);
	assert_non_null(j);
	gs__response__free_unpacked(resp, NULL);
	return j;
}

/* Checks a failed reply's status, field ("" for none) and message start. */
static void
assert_fails(Gs__Response *resp, Gs__Status status, const char *field,
    const char *message)
{
	assert_int_equal(resp->status, status);
	assert_null(resp->json);
	assert_non_null(resp->error);
	assert_memory_equal(resp->error, message, strlen(message));
	assert_string_equal(resp->field ? resp->field : "", field);
	gs__response__free_unpacked(resp, NULL);
}

static void
test_unknown_command(void **state)
{
	struct fixture *fx = *state;

	assert_fails(call(&fx->d, "item.frobnicate", NULL),
	    GS__STATUS__INVALID, "", "commande inconnue « item.frobnicate »");
}

static void
test_wrong_version(void **state)
{
	struct fixture *fx = *state;

	assert_fails(call_v(&fx->d, GS_CONTROL_VERSION + 1, "ping", NULL),
	    GS__STATUS__BAD_VERSION, "", "version de protocole 2 non prise "
	    "en charge (le démon parle la version 1)");
}

static void
test_too_many_params(void **state)
{
	struct fixture *fx = *state;
	static const char *kv[2 * 129 + 1];

	for (size_t i = 0; i < 129; i++) {
		kv[2 * i] = "q";
		kv[2 * i + 1] = "x";
	}
	kv[2 * 129] = NULL;
	assert_fails(call(&fx->d, "ping", kv), GS__STATUS__INVALID, "",
	    "trop de paramètres");
}

static void
test_unreadable(void **state)
{
	struct fixture *fx = *state;
	static const uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff };
	Gs__Response *resp;
	uint8_t *out = NULL;
	size_t outlen = 0;

	assert_int_equal(gs_control_handle(&fx->d, junk, sizeof(junk), &out,
	    &outlen), 0);
	resp = gs__response__unpack(NULL, outlen, out);
	free(out);
	assert_non_null(resp);
	assert_fails(resp, GS__STATUS__INVALID, "", "requête illisible");
}

static void
test_ping(void **state)
{
	struct fixture *fx = *state;
	json_t *j = ok_json(call(&fx->d, "ping", NULL));
	char sid[GS_SITEID_SIZE];

	gs_siteid_encode(gs_replica_pk(fx->d.replica), sid);
	assert_string_equal(json_string_value(json_object_get(j, "site_id")),
	    sid);
	assert_int_equal(json_integer_value(json_object_get(j, "version")),
	    GS_CONTROL_VERSION);
	assert_int_equal(json_object_size(j), 2);
	json_decref(j);
}

static void
test_peer_add_list_remove(void **state)
{
	struct fixture *fx = *state;
	uint8_t pk[GS_PK_LEN], *sk = gs_secure_alloc(64);
	char sid[GS_SITEID_SIZE];
	json_t *j, *peers, *p;

	assert_non_null(sk);
	assert_int_equal(gs_sign_keypair(pk, sk), 0);
	gs_secure_free(sk);
	gs_siteid_encode(pk, sid);
	{
		/* tcp://HOST:PORT and nothing else (gs_schema_endpoint_ok) */
		const char *kv[] = { "site", sid, "endpoint",
		    "tcp://127.0.0.1:9;id", NULL };
		assert_fails(call(&fx->d, "peer.add", kv), GS__STATUS__INVALID,
		    "endpoint", "adresse « tcp://127.0.0.1:9;id » invalide : "
		    "attendu tcp://HÔTE:PORT");
	}
	{
		const char *kv[] = { "site", sid, "endpoint",
		    "tcp://127.0.0.1:9", "name", "Voisins", "introducer", "1",
		    NULL };
		j = ok_json(call(&fx->d, "peer.add", kv));
	}
	assert_string_equal(json_string_value(json_object_get(j, "site_id")),
	    sid);
	assert_string_equal(json_string_value(json_object_get(j, "endpoint")),
	    "tcp://127.0.0.1:9");
	assert_true(json_is_true(json_object_get(j, "introducer")));
	assert_int_equal(json_object_size(j), 3);
	json_decref(j);

	j = ok_json(call(&fx->d, "peer.list", NULL));
	peers = json_object_get(j, "peers");
	assert_int_equal(json_array_size(peers), 1);
	p = json_array_get(peers, 0);
	assert_string_equal(json_string_value(json_object_get(p, "name")),
	    "Voisins");
	assert_true(json_is_false(json_object_get(p, "connected")));
	assert_true(json_is_null(json_object_get(p, "last_sync")));
	assert_int_equal(json_object_size(json_object_get(p,
	    "refused_by_reason")), 0);
	assert_int_equal(strlen(json_string_value(json_object_get(p,
	    "words"))) > 0, 1);
	assert_true(json_is_false(json_object_get(p, "in_sync")));
	assert_true(json_is_null(json_object_get(p, "clock_offset_ms")));
	assert_int_equal(json_object_size(p), 17);
	assert_int_equal(json_integer_value(json_object_get(p, "duplicates")), 0);
	json_decref(j);

	/* the status's first line counts it; nobody reported on it yet */
	j = ok_json(call(&fx->d, "status", NULL));
	assert_string_equal(json_string_value(json_object_get(j, "headline")),
	    "À jour avec 0 site sur 1 (aucun échange pour l'instant)");
	assert_string_equal(json_string_value(json_object_get(j, "sync")),
	    json_string_value(json_object_get(j, "headline")));
	assert_int_equal(json_array_size(json_object_get(j, "problems")), 0);
	assert_int_equal(json_integer_value(json_object_get(j, "in_sync")), 0);
	assert_true(json_is_null(json_object_get(j, "last_exchange")));
	json_decref(j);
	{
		const char *kv[] = { "site", sid, NULL };
		j = ok_json(call(&fx->d, "site.status", kv));
		assert_true(json_is_false(json_object_get(j, "known")));
		assert_null(json_object_get(j, "seq"));
		assert_memory_equal(json_string_value(json_object_get(j,
		    "message")), "Aucun site voisin n'a encore dit", 32);
		json_decref(j);
	}

	j = ok_json(call(&fx->d, "site.list", NULL));
	assert_int_equal(json_array_size(json_object_get(j, "sites")), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "sites"), 1), "trust")), "trusted");
	json_decref(j);

	{
		const char *kv[] = { "site", sid, NULL };
		j = ok_json(call(&fx->d, "peer.remove", kv));
		assert_true(json_is_true(json_object_get(j, "removed")));
		json_decref(j);
		assert_fails(call(&fx->d, "peer.remove", kv),
		    GS__STATUS__NOT_FOUND, "site",
		    "ce site n'est pas un site voisin (gemsync peer list)");
	}
}

/* A key link is written by key.rotate only: item.add refuses the type. */
static void
test_keylink_not_by_item_add(void **state)
{
	struct fixture *fx = *state;
	const char *kv[] = { "type", "keylink", "f", "last_seq=1", NULL };

	assert_fails(call(&fx->d, "item.add", kv), GS__STATUS__INVALID,
	    "type", "type « keylink » inconnu");
}

static void
test_site_errors(void **state)
{
	struct fixture *fx = *state;
	char sid[GS_SITEID_SIZE];

	assert_fails(call(&fx->d, "site.trust", NULL), GS__STATUS__INVALID,
	    "site", "identifiant de site manquant");
	{
		/* neither an ID, nor a short ID, nor a name known here */
		const char *kv[] = { "site", "AAAA", NULL };
		assert_fails(call(&fx->d, "site.block", kv),
		    GS__STATUS__NOT_FOUND, "site", "aucun site connu ne répond "
		    "à « AAAA »");
	}
	gs_siteid_encode(gs_replica_pk(fx->d.replica), sid);
	{
		const char *kv[] = { "site", sid, NULL };
		assert_fails(call(&fx->d, "site.trust", kv),
		    GS__STATUS__INVALID, "site", "c'est l'identifiant de ce "
		    "site-ci");
		assert_fails(call(&fx->d, "site.status", kv),
		    GS__STATUS__INVALID, "site", "c'est l'identifiant de ce "
		    "site-ci");
	}
	/* the short form of lists names the same site */
	sid[7] = '\0';
	{
		const char *kv[] = { "site", sid, NULL };
		assert_fails(call(&fx->d, "site.trust", kv),
		    GS__STATUS__INVALID, "site", "c'est l'identifiant de ce "
		    "site-ci");
	}
	/* a full ID with one wrong character is told as a typo */
	gs_siteid_encode(gs_replica_pk(fx->d.replica), sid);
	sid[3] = sid[3] == 'A' ? 'B' : 'A';
	{
		const char *kv[] = { "site", sid, NULL };
		assert_fails(call(&fx->d, "site.trust", kv),
		    GS__STATUS__INVALID, "site", "identifiant de site");
	}
}

static void
test_no_gossip(void **state)
{
	struct fixture *fx = *state;
	struct gs_gossip *g = fx->d.gossip;
	json_t *j;

	/* without gossip, peer commands are unknown; the others still work */
	fx->d.gossip = NULL;
	assert_fails(call(&fx->d, "peer.list", NULL), GS__STATUS__INVALID, "",
	    "commande inconnue « peer.list »");
	j = ok_json(call(&fx->d, "status", NULL));
	assert_null(json_object_get(j, "peers"));
	assert_string_equal(json_string_value(json_object_get(j, "headline")),
	    "Aucun site voisin pour l'instant : ajoutez-en un avec gemsync "
	    "peer add");
	json_decref(j);
	fx->d.gossip = g;
	j = ok_json(call(&fx->d, "status", NULL));
	assert_int_equal(json_integer_value(json_object_get(j, "peers")), 0);
	assert_non_null(json_object_get(j, "rounds"));
	json_decref(j);
}

/* backup.step until done; returns the file's size. */
static json_int_t
backup_steps(struct gs_daemon *d, const char *token)
{
	const char *kv[] = { "token", token, NULL };
	json_int_t size = 0;
	json_t *j;
	int i;

	for (i = 0; i < 1000; i++) {
		j = ok_json(call(d, "backup.step", kv));
		size = json_integer_value(json_object_get(j, "size"));
		if (json_is_true(json_object_get(j, "done"))) {
			json_decref(j);
			break;
		}
		json_decref(j);
	}
	assert_true(i < 1000);
	return size;
}

static void
test_backup_commands(void **state)
{
	struct fixture *fx = *state;
	struct gs_daemon *d = &fx->d;
	const char *none[] = { "token", "0123", NULL };
	const char *pass[] = { "passphrase", "phrase secrète", NULL };
	char token[40], old[40], off[32], key[320];
	json_int_t size, at = 0;
	json_t *j;

	assert_fails(call(d, "backup.step", none), GS__STATUS__NOT_FOUND,
	    "token", "cette sauvegarde n'est plus en cours");
	snprintf(key, sizeof(key), "%s/storage.key", fx->dir);
	set_cfg(&d->cfg->key_file, key);
	j = ok_json(call(d, "backup.start", pass));
	assert_true(json_is_true(json_object_get(j, "with_keys")));
	snprintf(old, sizeof(old), "%s",
	    json_string_value(json_object_get(j, "token")));
	json_decref(j);
	/* a new start replaces the unfinished one */
	j = ok_json(call(d, "backup.start", NULL));
	assert_false(json_is_true(json_object_get(j, "with_keys")));
	snprintf(token, sizeof(token), "%s",
	    json_string_value(json_object_get(j, "token")));
	json_decref(j);
	assert_string_not_equal(token, old);
	{
		const char *kv[] = { "token", old, NULL };

		assert_fails(call(d, "backup.step", kv),
		    GS__STATUS__NOT_FOUND, "token", "cette sauvegarde");
	}
	{
		const char *kv[] = { "token", token, "offset", "0", NULL };

		/* nothing to read before the copy is complete */
		assert_fails(call(d, "backup.read", kv), GS__STATUS__INVALID,
		    "offset", "position de lecture invalide");
	}
	size = backup_steps(d, token);
	assert_true(size > 20);
	{
		const char *kv[] = { "token", token, "offset", "x1", NULL };
		const char *kv2[] = { "token", token, "offset", "-1", NULL };

		assert_fails(call(d, "backup.read", kv), GS__STATUS__INVALID,
		    "offset", "position");
		assert_fails(call(d, "backup.read", kv2), GS__STATUS__INVALID,
		    "offset", "position");
	}
	while (at < size) {
		const char *kv[] = { "token", token, "offset", off, NULL };
		const char *hex;

		snprintf(off, sizeof(off), "%lld", (long long)at);
		j = ok_json(call(d, "backup.read", kv));
		hex = json_string_value(json_object_get(j, "data"));
		assert_non_null(hex);
		assert_true(strlen(hex) > 0 && strlen(hex) % 2 == 0);
		if (at == 0)
			assert_memory_equal(hex, "47534231", 8);   /* "GSB1" */
		at += (json_int_t)(strlen(hex) / 2);
		json_decref(j);
	}
	assert_int_equal(at, size);
	{
		const char *kv[] = { "token", token, "offset", "0", NULL };

		/* handed over: the daemon's copy is gone */
		assert_fails(call(d, "backup.read", kv),
		    GS__STATUS__NOT_FOUND, "token", "cette sauvegarde");
	}
}

static void
test_catchup_refuses_writes(void **state)
{
	struct fixture *fx = *state;
	struct gs_daemon *d = &fx->d;
	const char *add[] = { "type", "event", "f", "title=Atelier",
	    "f", "kind=workshop", "f", "start=2030-06-01T14:00:00+02:00",
	    NULL };
	json_t *j;

	assert_int_equal(gs_replica_set_catching_up(d->replica, true), 0);
	j = ok_json(call(d, "status", NULL));
	assert_true(json_is_true(json_object_get(j, "catching_up")));
	json_decref(j);
	assert_fails(call(d, "item.add", add), GS__STATUS__REFUSED, "",
	    "rattrapage en cours : ");
	j = ok_json(call(d, "catchup.end", NULL));
	assert_true(json_is_true(json_object_get(j, "was_catching_up")));
	json_decref(j);
	j = ok_json(call(d, "status", NULL));
	assert_false(json_is_true(json_object_get(j, "catching_up")));
	json_decref(j);
	j = ok_json(call(d, "item.add", add));
	json_decref(j);
	j = ok_json(call(d, "catchup.end", NULL));
	assert_false(json_is_true(json_object_get(j, "was_catching_up")));
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_command),
		cmocka_unit_test(test_wrong_version),
		cmocka_unit_test(test_keylink_not_by_item_add),
		cmocka_unit_test(test_too_many_params),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_ping),
		cmocka_unit_test(test_peer_add_list_remove),
		cmocka_unit_test(test_site_errors),
		cmocka_unit_test(test_no_gossip),
		cmocka_unit_test(test_backup_commands),
		cmocka_unit_test(test_catchup_refuses_writes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
