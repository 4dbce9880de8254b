/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_transport.c: the ZeroMQ transport on 127.0.0.1 and ipc:// in a
 * temporary folder, driven by a real libev loop: the control socket (probe
 * of a live daemon, stale file, mode 0660), CURVE both ways with the ZAP
 * User-Id, refusal of an unknown client key and of a wrong server key, a
 * burst that exercises the edge-triggered draining, and send errors.
 * Loops are bounded in iterations and in time; nothing asserts on timing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "crypto.h"
#include "err.h"
#include "transport.h"

#define MAX_PUMP_S 10.0
#define MAX_PUMP_ITER 2000000
#define BURST 20000

struct keys {
	uint8_t pk[GS_CURVE_LEN];
	uint8_t *sk; /* GS_CURVE_LEN bytes, secure memory */
};

/* What one side saw; shared by its receive and ZAP callbacks. */
struct side {
	unsigned count;              /* messages received */
	uint8_t last[64];            /* last payload (truncated) */
	size_t last_len;
	uint8_t pk[GS_CURVE_LEN];    /* curve_pk of the last message */
	int has_pk;
	const char *reply;           /* if set, answer each message with it */
	int echo;                    /* if set, answer with the same bytes */
	int reply_rc;                /* result of the last answer */
	struct gs_endpoint **victim; /* closed at the first message */
	uint8_t allowed[GS_CURVE_LEN]; /* ZAP: the only key let in */
	unsigned zap_calls;
	uint8_t zap_last[GS_CURVE_LEN];
	unsigned char *seen;         /* burst: per-index counters */
	unsigned dups;
	unsigned bad;
};

static void
make_keys(struct keys *k)
{
	uint8_t ed_pk[GS_PK_LEN];
	uint8_t *ed_sk = gs_secure_alloc(GS_SK_LEN);

	assert_non_null(ed_sk);
	assert_int_equal(gs_sign_keypair(ed_pk, ed_sk), 0);
	k->sk = gs_secure_alloc(GS_CURVE_LEN);
	assert_non_null(k->sk);
	assert_int_equal(gs_pk_to_curve(ed_pk, k->pk), 0);
	assert_int_equal(gs_sk_to_curve(ed_sk, k->sk), 0);
	gs_secure_free(ed_sk);
}

static void
free_keys(struct keys *k)
{
	gs_secure_free(k->sk);
	k->sk = NULL;
}

static void
on_recv(struct gs_endpoint *ep, const struct gs_msg *m, void *arg)
{
	struct side *s = arg;
	uint32_t idx;

	s->count++;
	s->last_len = m->len < sizeof(s->last) ? m->len : sizeof(s->last);
	memcpy(s->last, m->data, s->last_len);
	s->has_pk = m->curve_pk != NULL;
	if (m->curve_pk != NULL)
		memcpy(s->pk, m->curve_pk, GS_CURVE_LEN);
	if (s->seen != NULL) {
		if (m->len != sizeof(idx)) {
			s->bad++;
		} else {
			memcpy(&idx, m->data, sizeof(idx));
			if (idx >= BURST)
				s->bad++;
			else if (s->seen[idx]++ != 0)
				s->dups++;
		}
	}
	if (s->victim != NULL) {
		gs_transport_close(s->victim);
		s->victim = NULL;
	}
	if (s->reply != NULL)
		s->reply_rc = gs_transport_send(ep, m->route, m->route_len,
		    s->reply, strlen(s->reply));
	else if (s->echo)
		s->reply_rc = gs_transport_send(ep, m->route, m->route_len,
		    m->data, m->len);
}

static int
on_zap(const uint8_t curve_pk[32], const char *address, void *arg)
{
	struct side *s = arg;

	assert_non_null(address);
	s->zap_calls++;
	memcpy(s->zap_last, curve_pk, GS_CURVE_LEN);
	return memcmp(curve_pk, s->allowed, GS_CURVE_LEN) == 0;
}

static void
on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	/* Only makes EVRUN_ONCE return now and then. */
	(void)loop;
	(void)w;
	(void)revents;
}

/*
 * Runs the loop until cond(arg) holds (cond NULL: until max_s passed).
 * Bounded in iterations and time. Returns whether cond held.
 */
static int
pump(struct ev_loop *loop, int (*cond)(void *), void *arg, double max_s)
{
	ev_timer tick;
	double start;
	int i, ok = 0;

	ev_timer_init(&tick, on_tick, 0.002, 0.002);
	ev_timer_start(loop, &tick);
	ev_now_update(loop);
	start = ev_now(loop);
	for (i = 0; i < MAX_PUMP_ITER; i++) {
		if (cond != NULL && cond(arg)) {
			ok = 1;
			break;
		}
		ev_now_update(loop);
		if (ev_now(loop) - start > max_s)
			break;
		ev_run(loop, EVRUN_ONCE);
	}
	ev_timer_stop(loop, &tick);
	return ok;
}

static int
cond_connected(void *arg)
{
	return gs_transport_connected(arg);
}

static int
cond_disconnected(void *arg)
{
	return !gs_transport_connected(arg);
}

struct count_goal {
	const struct side *s;
	unsigned n;
};

static int
cond_count(void *arg)
{
	const struct count_goal *g = arg;

	return g->s->count >= g->n;
}

static int
cond_zap(void *arg)
{
	const struct side *s = arg;

	return s->zap_calls > 0;
}

/* Binds a listen endpoint on a random port; retries if it is in use. */
static void
listen_any(struct gs_transport *t, const struct keys *k, struct side *s,
    struct gs_endpoint **out, char *endpoint, size_t len)
{
	int i, rc = GS_EIO;

	for (i = 0; i < 50 && rc == GS_EIO; i++) {
		snprintf(endpoint, len, "tcp://127.0.0.1:%d",
		    20000 + (int)gs_random_below(40000));
		rc = gs_transport_listen(t, endpoint, k->pk, k->sk, on_zap,
		    on_recv, s, out);
	}
	assert_int_equal(rc, 0);
	assert_non_null(*out);
}

static struct gs_transport *
new_transport(struct ev_loop *loop)
{
	struct gs_transport_opts o;
	struct gs_transport *t = NULL;

	gs_transport_opts_default(&o);
	/* Quick retries keep the tests short; the rest stays default. */
	o.reconnect_ms = 50;
	o.reconnect_max_ms = 200;
	assert_int_equal(gs_transport_new(loop, &o, &t), 0);
	assert_non_null(t);
	return t;
}

static void
test_opts_default(void **state)
{
	struct gs_transport_opts o;

	(void)state;
	memset(&o, 0xff, sizeof(o));
	gs_transport_opts_default(&o);
	assert_int_equal(o.max_frame, 4u << 20);
	assert_int_equal(o.heartbeat_ms, 10000);
	assert_int_equal(o.handshake_ms, 10000);
	assert_int_equal(o.reconnect_ms, 1000);
	assert_int_equal(o.reconnect_max_ms, 60000);
	assert_int_equal(o.sndhwm, 1000);
	gs_transport_close(NULL);
	gs_transport_destroy(NULL);
}

/* A daemon in its own thread, with its own loop, answering probes. */
struct daemon_thread {
	char endpoint[300];
	struct keys keys;            /* for a CURVE listen endpoint as well */
	atomic_int ready;
	atomic_int stop;
	int rc;
	struct side rec;
};

static void *
daemon_main(void *arg)
{
	struct daemon_thread *d = arg;
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct gs_transport_opts o;
	struct gs_transport *t = NULL;
	struct gs_endpoint *ep = NULL, *lep = NULL;
	char lend[64];
	ev_timer tick;
	int i;

	gs_transport_opts_default(&o);
	d->rc = loop == NULL ? GS_ENOMEM : gs_transport_new(loop, &o, &t);
	/* Like the daemon: a ZAP handler in the context must not get in the
	 * way of the control socket. */
	for (i = 0; i < 50 && d->rc == 0; i++) {
		snprintf(lend, sizeof(lend), "tcp://127.0.0.1:%d",
		    20000 + (int)gs_random_below(40000));
		d->rc = gs_transport_listen(t, lend, d->keys.pk, d->keys.sk,
		    on_zap, on_recv, &d->rec, &lep);
		if (d->rc != GS_EIO)
			break;
		d->rc = 0;
	}
	if (d->rc == 0)
		d->rc = gs_transport_control(t, d->endpoint, "ping", 4, 200,
		    on_recv, &d->rec, &ep);
	atomic_store(&d->ready, 1);
	if (d->rc == 0) {
		ev_timer_init(&tick, on_tick, 0.002, 0.002);
		ev_timer_start(loop, &tick);
		while (!atomic_load(&d->stop))
			ev_run(loop, EVRUN_ONCE);
		ev_timer_stop(loop, &tick);
	}
	gs_transport_close(&ep);
	gs_transport_close(&lep);
	gs_transport_destroy(&t);
	if (loop != NULL)
		ev_loop_destroy(loop);
	return NULL;
}

static void
assert_mode_0660(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0660);
}

static void
test_control(void **state)
{
	char dir[] = "/tmp/gs-transport-XXXXXX";
	char path[256], stale[256], plain[256], ep_stale[300], ep_plain[300];
	struct daemon_thread d;
	struct ev_loop *loop;
	struct gs_transport *t;
	struct gs_endpoint *ep = NULL, *ep2 = NULL, *none = NULL;
	struct side rec;
	struct sockaddr_un sun;
	struct timespec ms = { 0, 1000000 };
	pthread_t th;
	int i, fd;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/control.sock", dir);
	memset(&d, 0, sizeof(d));
	snprintf(d.endpoint, sizeof(d.endpoint), "ipc://%s", path);
	d.rec.echo = 1;
	make_keys(&d.keys);
	assert_int_equal(pthread_create(&th, NULL, daemon_main, &d), 0);
	for (i = 0; i < 10000 && !atomic_load(&d.ready); i++)
		nanosleep(&ms, NULL);
	assert_true(atomic_load(&d.ready));
	assert_int_equal(d.rc, 0);
	assert_mode_0660(path);

	/* A second daemon on the same path: the first one answers. */
	loop = ev_loop_new(EVFLAG_AUTO);
	assert_non_null(loop);
	t = new_transport(loop);
	memset(&rec, 0, sizeof(rec));
	assert_int_equal(gs_transport_control(t, d.endpoint, "ping", 4, 5000,
	    on_recv, &rec, &none), GS_EBUSY);
	assert_null(none);
	atomic_store(&d.stop, 1);
	assert_int_equal(pthread_join(th, NULL), 0);
	free_keys(&d.keys);
	/* The round trip: the first daemon got the probe and echoed it. */
	assert_true(d.rec.count >= 1);
	assert_int_equal(d.rec.last_len, 4);
	assert_memory_equal(d.rec.last, "ping", 4);
	assert_int_equal(d.rec.reply_rc, 0);
	assert_false(d.rec.has_pk);

	/* The first daemon is gone: the path is free again. */
	assert_int_equal(gs_transport_control(t, d.endpoint, "ping", 4, 200,
	    on_recv, &rec, &ep), 0);
	assert_non_null(ep);
	assert_mode_0660(path);

	/* A stale socket file nobody answers on is replaced. */
	snprintf(stale, sizeof(stale), "%s/stale.sock", dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_true(strlen(stale) < sizeof(sun.sun_path));
	memcpy(sun.sun_path, stale, strlen(stale) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	snprintf(ep_stale, sizeof(ep_stale), "ipc://%s", stale);
	assert_int_equal(gs_transport_control(t, ep_stale, "ping", 4, 200,
	    on_recv, &rec, &ep2), 0);
	assert_non_null(ep2);
	assert_mode_0660(stale);

	/* A regular file is never removed. */
	snprintf(plain, sizeof(plain), "%s/plain", dir);
	f = fopen(plain, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(ep_plain, sizeof(ep_plain), "ipc://%s", plain);
	assert_int_equal(gs_transport_control(t, ep_plain, "ping", 4, 200,
	    on_recv, &rec, &none), GS_EIO);
	assert_null(none);
	assert_int_equal(access(plain, F_OK), 0);
	assert_int_equal(gs_transport_control(t, "tcp://127.0.0.1:1", "ping",
	    4, 200, on_recv, &rec, &none), GS_EINVAL);

	gs_transport_close(&ep);
	assert_null(ep);
	gs_transport_close(&ep2);
	gs_transport_destroy(&t);
	assert_null(t);
	ev_loop_destroy(loop);
	unlink(path);
	unlink(stale);
	unlink(plain);
	assert_int_equal(rmdir(dir), 0);
}

static void
test_curve_round_trip(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct gs_transport *ts, *tc;
	struct gs_endpoint *srv = NULL, *cli = NULL, *victim = NULL;
	struct side s, c;
	struct keys ks, kc;
	struct count_goal g;
	char endpoint[64];
	uint64_t sent, received;

	(void)state;
	assert_non_null(loop);
	make_keys(&ks);
	make_keys(&kc);
	ts = new_transport(loop);
	tc = new_transport(loop);
	memset(&s, 0, sizeof(s));
	memset(&c, 0, sizeof(c));
	memcpy(s.allowed, kc.pk, GS_CURVE_LEN);
	s.reply = "world";
	s.reply_rc = -100;
	listen_any(ts, &ks, &s, &srv, endpoint, sizeof(endpoint));
	/* A second listen endpoint on one transport is refused. */
	{
		struct gs_endpoint *again = NULL;

		assert_int_equal(gs_transport_listen(ts, "tcp://127.0.0.1:1",
		    ks.pk, ks.sk, on_zap, on_recv, &s, &again), GS_EINVAL);
		assert_null(again);
	}
	/* The server callback closes another endpoint of its transport. */
	assert_int_equal(gs_transport_connect(ts, "tcp://127.0.0.1:1", kc.pk,
	    ks.pk, ks.sk, on_recv, &s, &victim), 0);
	s.victim = &victim;

	assert_int_equal(gs_transport_connect(tc, endpoint, ks.pk, kc.pk,
	    kc.sk, on_recv, &c, &cli), 0);
	assert_true(pump(loop, cond_connected, cli, MAX_PUMP_S));
	assert_int_equal(gs_transport_send(cli, NULL, 0, "hello", 5), 0);
	g.s = &s;
	g.n = 1;
	assert_true(pump(loop, cond_count, &g, MAX_PUMP_S));
	assert_int_equal(s.count, 1);
	assert_int_equal(s.last_len, 5);
	assert_memory_equal(s.last, "hello", 5);
	assert_true(s.has_pk);
	assert_memory_equal(s.pk, kc.pk, GS_CURVE_LEN);
	assert_true(s.zap_calls >= 1);
	assert_memory_equal(s.zap_last, kc.pk, GS_CURVE_LEN);
	assert_null(victim);
	assert_int_equal(s.reply_rc, 0);

	g.s = &c;
	assert_true(pump(loop, cond_count, &g, MAX_PUMP_S));
	assert_int_equal(c.count, 1);
	assert_int_equal(c.last_len, 5);
	assert_memory_equal(c.last, "world", 5);
	assert_true(c.has_pk);
	assert_memory_equal(c.pk, ks.pk, GS_CURVE_LEN);

	gs_transport_counters(tc, &sent, &received);
	assert_int_equal(sent, 5);
	assert_int_equal(received, 5);
	gs_transport_counters(ts, &sent, &received);
	assert_int_equal(sent, 5);
	assert_int_equal(received, 5);

	/* The server goes away: the client notices. */
	gs_transport_close(&srv);
	assert_null(srv);
	assert_true(pump(loop, cond_disconnected, cli, MAX_PUMP_S));
	gs_transport_close(&cli);
	gs_transport_destroy(&tc);
	gs_transport_destroy(&ts);
	free_keys(&ks);
	free_keys(&kc);
	ev_loop_destroy(loop);
}

static void
test_zap_refuses_unknown_key(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct gs_transport *ts, *tc;
	struct gs_endpoint *srv = NULL, *bad = NULL, *good = NULL;
	struct side s, c;
	struct keys ks, kgood, kbad;
	struct count_goal g;
	char endpoint[64];
	int i;

	(void)state;
	assert_non_null(loop);
	make_keys(&ks);
	make_keys(&kgood);
	make_keys(&kbad);
	ts = new_transport(loop);
	tc = new_transport(loop);
	memset(&s, 0, sizeof(s));
	memset(&c, 0, sizeof(c));
	memcpy(s.allowed, kgood.pk, GS_CURVE_LEN);
	listen_any(ts, &ks, &s, &srv, endpoint, sizeof(endpoint));

	assert_int_equal(gs_transport_connect(tc, endpoint, ks.pk, kbad.pk,
	    kbad.sk, on_recv, &c, &bad), 0);
	assert_true(pump(loop, cond_zap, &s, MAX_PUMP_S));
	assert_memory_equal(s.zap_last, kbad.pk, GS_CURVE_LEN);
	/* Keep trying for a while: nothing may get through. */
	for (i = 0; i < 50; i++) {
		(void)gs_transport_send(bad, NULL, 0, "intrus", 6);
		pump(loop, NULL, NULL, 0.01);
	}
	assert_int_equal(s.count, 0);
	assert_int_equal(gs_transport_connected(bad), 0);
	assert_int_equal(c.count, 0);

	/* The server still serves a known key. */
	assert_int_equal(gs_transport_connect(tc, endpoint, ks.pk, kgood.pk,
	    kgood.sk, on_recv, &c, &good), 0);
	assert_true(pump(loop, cond_connected, good, MAX_PUMP_S));
	assert_int_equal(gs_transport_send(good, NULL, 0, "ami", 3), 0);
	g.s = &s;
	g.n = 1;
	assert_true(pump(loop, cond_count, &g, MAX_PUMP_S));
	pump(loop, NULL, NULL, 0.1);
	assert_int_equal(s.count, 1);
	assert_memory_equal(s.last, "ami", 3);
	assert_memory_equal(s.pk, kgood.pk, GS_CURVE_LEN);

	gs_transport_close(&bad);
	gs_transport_close(&good);
	gs_transport_close(&srv);
	gs_transport_destroy(&tc);
	gs_transport_destroy(&ts);
	free_keys(&ks);
	free_keys(&kgood);
	free_keys(&kbad);
	ev_loop_destroy(loop);
}

static void
test_wrong_server_key(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct gs_transport *ts, *tc;
	struct gs_endpoint *srv = NULL, *cli = NULL;
	struct side s, c;
	struct keys ks, kc, kother;
	char endpoint[64];
	int i;

	(void)state;
	assert_non_null(loop);
	make_keys(&ks);
	make_keys(&kc);
	make_keys(&kother);
	ts = new_transport(loop);
	tc = new_transport(loop);
	memset(&s, 0, sizeof(s));
	memset(&c, 0, sizeof(c));
	memcpy(s.allowed, kc.pk, GS_CURVE_LEN);
	listen_any(ts, &ks, &s, &srv, endpoint, sizeof(endpoint));

	/* The client pins a key that is not the server's. */
	assert_int_equal(gs_transport_connect(tc, endpoint, kother.pk, kc.pk,
	    kc.sk, on_recv, &c, &cli), 0);
	for (i = 0; i < 50; i++) {
		(void)gs_transport_send(cli, NULL, 0, "perdu", 5);
		pump(loop, NULL, NULL, 0.01);
		assert_int_equal(gs_transport_connected(cli), 0);
	}
	assert_int_equal(s.count, 0);
	assert_int_equal(s.zap_calls, 0);
	assert_int_equal(c.count, 0);

	gs_transport_close(&cli);
	gs_transport_close(&srv);
	gs_transport_destroy(&tc);
	gs_transport_destroy(&ts);
	free_keys(&ks);
	free_keys(&kc);
	free_keys(&kother);
	ev_loop_destroy(loop);
}

static void
test_burst(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct gs_transport *ts, *tc;
	struct gs_endpoint *srv = NULL, *cli = NULL;
	struct side s, c;
	struct keys ks, kc;
	struct count_goal g;
	char endpoint[64];
	ev_timer tick;
	uint32_t next = 0;
	unsigned i;
	long iter;
	int rc;

	(void)state;
	assert_non_null(loop);
	make_keys(&ks);
	make_keys(&kc);
	ts = new_transport(loop);
	tc = new_transport(loop);
	memset(&s, 0, sizeof(s));
	memset(&c, 0, sizeof(c));
	memcpy(s.allowed, kc.pk, GS_CURVE_LEN);
	s.seen = calloc(BURST, 1);
	assert_non_null(s.seen);
	listen_any(ts, &ks, &s, &srv, endpoint, sizeof(endpoint));
	assert_int_equal(gs_transport_connect(tc, endpoint, ks.pk, kc.pk,
	    kc.sk, on_recv, &c, &cli), 0);
	assert_true(pump(loop, cond_connected, cli, MAX_PUMP_S));

	/* Send as fast as the high water mark lets us. */
	ev_timer_init(&tick, on_tick, 0.002, 0.002);
	ev_timer_start(loop, &tick);
	for (iter = 0; next < BURST && iter < 10L * MAX_PUMP_ITER; iter++) {
		rc = gs_transport_send(cli, NULL, 0, &next, sizeof(next));
		if (rc == 0)
			next++;
		else if (rc == GS_EBUSY)
			ev_run(loop, EVRUN_ONCE);
		else
			fail_msg("send failed: %d", rc);
	}
	ev_timer_stop(loop, &tick);
	assert_int_equal(next, BURST);
	g.s = &s;
	g.n = BURST;
	assert_true(pump(loop, cond_count, &g, 60.0));
	pump(loop, NULL, NULL, 0.05);
	assert_int_equal(s.count, BURST);
	assert_int_equal(s.dups, 0);
	assert_int_equal(s.bad, 0);
	for (i = 0; i < BURST; i++)
		assert_int_equal(s.seen[i], 1);

	free(s.seen);
	gs_transport_close(&cli);
	gs_transport_close(&srv);
	gs_transport_destroy(&tc);
	gs_transport_destroy(&ts);
	free_keys(&ks);
	free_keys(&kc);
	ev_loop_destroy(loop);
}

static void
test_send_errors(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct gs_transport *t;
	struct gs_endpoint *srv = NULL, *cli = NULL, *none = NULL;
	struct side s;
	struct keys ks, kc;
	char endpoint[64];
	static const uint8_t route[] = { 0, 'n', 'o', 'p', 'e' };

	(void)state;
	assert_non_null(loop);
	make_keys(&ks);
	make_keys(&kc);
	t = new_transport(loop);
	memset(&s, 0, sizeof(s));
	listen_any(t, &ks, &s, &srv, endpoint, sizeof(endpoint));
	assert_int_equal(gs_transport_send(srv, route, sizeof(route), "x", 1),
	    GS_ENOTFOUND);
	assert_int_equal(gs_transport_send(srv, NULL, 0, "x", 1), GS_EINVAL);

	/* Nothing listens on port 1: not connected, nothing queued. */
	assert_int_equal(gs_transport_connect(t, "tcp://127.0.0.1:1", ks.pk,
	    kc.pk, kc.sk, on_recv, &s, &cli), 0);
	assert_int_equal(gs_transport_connected(cli), 0);
	assert_int_equal(gs_transport_send(cli, NULL, 0, "x", 1), GS_EBUSY);
	assert_int_equal(gs_transport_send(cli, route, sizeof(route), "x", 1),
	    GS_EINVAL);
	assert_int_equal(gs_transport_connect(t, "udp://127.0.0.1:1", ks.pk,
	    kc.pk, kc.sk, on_recv, &s, &none), GS_EINVAL);
	assert_null(none);

	gs_transport_close(&cli);
	gs_transport_close(&srv);
	/* Endpoints left open are closed by destroy. */
	listen_any(t, &ks, &s, &srv, endpoint, sizeof(endpoint));
	gs_transport_destroy(&t);
	free_keys(&ks);
	free_keys(&kc);
	ev_loop_destroy(loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opts_default),
		cmocka_unit_test(test_control),
		cmocka_unit_test(test_curve_round_trip),
		cmocka_unit_test(test_zap_refuses_unknown_key),
		cmocka_unit_test(test_wrong_server_key),
		cmocka_unit_test(test_burst),
		cmocka_unit_test(test_send_errors),
	};

	if (gs_crypto_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
