/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * transport.c: every ZeroMQ socket of the daemon, driven by one libev loop.
 * This is the only file that includes zmq.h.
 *
 * Each endpoint owns one socket and an ev_io watcher on its ZMQ_FD. Since
 * ZMQ_FD is edge-triggered and any send or receive may consume the edge,
 * an ev_prepare watcher drains every endpoint again before the loop blocks,
 * and an ev_idle watcher keeps the loop spinning while a bounded drain left
 * messages behind. Besides the endpoints the caller sees, the transport
 * keeps internal ones in the same list: the ZAP handler of the CURVE server
 * (a ROUTER on inproc://zeromq.zap.01) and one monitor PAIR per DEALER that
 * tracks whether its handshake is done.
 *
 * Callbacks may close other endpoints: a close during dispatch releases
 * the sockets at once but only marks the struct, and the list is swept
 * once no dispatch is running, so iterations never see freed memory.
 */
#include <assert.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "err.h"
#include "log.h"
#include "textfmt.h"
#include "transport.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_DOMAIN "gemsync"
#define CURVE_KEY_LEN 32
#define DRAIN_BUDGET 16           /* messages per endpoint per pass: small, so
                                     a bulk sync cannot starve the CLI */
#define MAX_FRAMES 12             /* frames kept per message; ZAP needs 9 */
#define CONTROL_MAXMSG (1 << 20)  /* control requests are small */
#define HEARTBEAT_TTL_MAX 6553599 /* ZMQ_HEARTBEAT_TTL limit, ms */

enum ep_kind {
	EP_CONTROL, /* ROUTER on ipc:// for the CLI (REQ envelope) */
	EP_LISTEN,  /* ROUTER, CURVE server */
	EP_PEER,    /* DEALER, CURVE client */
	EP_ZAP,     /* internal: ZAP handler of the listen endpoint */
	EP_MONITOR, /* internal: monitor PAIR of a peer endpoint */
};

struct gs_endpoint {
	struct gs_transport *t;      /* owner */
	struct gs_endpoint *next;    /* transport's list */
	enum ep_kind kind;
	void *sock;                  /* NULL once released */
	ev_io io;                    /* on ZMQ_FD, data = this endpoint */
	int closed;                  /* released, waiting for the sweep */
	int in_cb;                   /* a callback of this endpoint runs */
	gs_transport_recv_cb cb;     /* caller's receive callback */
	void *arg;                   /* its argument (and the ZAP callback's) */
	gs_transport_zap_cb zap;     /* listen: who may come in */
	struct gs_endpoint *helper;  /* listen: its ZAP; peer: its monitor */
	struct gs_endpoint *owner;   /* ZAP, monitor: the endpoint served */
	uint8_t server_pk[CURVE_KEY_LEN]; /* peer: the pinned server key */
	int connected;               /* peer: handshake done, not disconnected */
	gs_transport_up_cb up;       /* peer: told when a handshake succeeds */
	char name[96];               /* endpoint text, for logs */
};

struct gs_transport {
	struct ev_loop *loop;        /* lent by the caller */
	void *ctx;                   /* zmq context, one per transport */
	struct gs_transport_opts opts;
	struct gs_endpoint *eps;     /* every endpoint, internal ones included */
	struct gs_endpoint *listen;  /* the single listen endpoint, or NULL */
	ev_prepare prepare;          /* drains all before the loop blocks */
	ev_idle idle;                /* runs while a drain left work behind */
	int dispatching;             /* depth of drains in progress */
	unsigned monitor_seq;        /* unique monitor endpoint names */
	uint64_t sent;               /* CURVE payload bytes sent */
	uint64_t received;           /* CURVE payload bytes received */
	uint64_t dropped;            /* malformed messages dropped */
};

void
gs_transport_opts_default(struct gs_transport_opts *opts)
{
	assert(opts);
	opts->max_frame = 4u << 20;
	opts->heartbeat_ms = 10000;
	opts->handshake_ms = 10000;
	opts->reconnect_ms = 1000;
	opts->reconnect_max_ms = 60000;
	opts->sndhwm = 1000;
}

/* Maps errno after a failed zmq call to a GS_E* code. */
static int
map_errno(int e)
{
	switch (e) {
	case EAGAIN:
		return GS_EBUSY;
	case EHOSTUNREACH:
		return GS_ENOTFOUND;
	case ENOMEM:
		return GS_ENOMEM;
	case EINVAL:
	case EPROTONOSUPPORT:
		return GS_EINVAL;
	default:
		return GS_EIO;
	}
}

static int
set_int(void *sock, int opt, int v)
{
	return zmq_setsockopt(sock, opt, &v, sizeof(v));
}

/* Options common to every socket, then those of peer-facing ones. */
static int
set_common(void *sock)
{
	return set_int(sock, ZMQ_LINGER, 0);
}

static int
set_peer_opts(const struct gs_transport *t, void *sock)
{
	const struct gs_transport_opts *o = &t->opts;
	int64_t maxmsg = (int64_t)o->max_frame;
	int ttl;

	if (set_common(sock) != 0)
		return -1;
	if (zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg)) != 0)
		return -1;
	if (set_int(sock, ZMQ_SNDHWM, (int)o->sndhwm) != 0 ||
	    set_int(sock, ZMQ_RCVHWM, (int)o->sndhwm) != 0)
		return -1;
	if (o->heartbeat_ms > 0) {
		ttl = (int)(3 * o->heartbeat_ms);
		if (ttl > HEARTBEAT_TTL_MAX)
			ttl = HEARTBEAT_TTL_MAX;
		if (set_int(sock, ZMQ_HEARTBEAT_IVL, (int)o->heartbeat_ms) != 0 ||
		    set_int(sock, ZMQ_HEARTBEAT_TIMEOUT,
		    (int)(3 * o->heartbeat_ms)) != 0 ||
		    set_int(sock, ZMQ_HEARTBEAT_TTL, ttl) != 0)
			return -1;
		/*
		 * Heartbeats cannot tell a dead link while our send buffer is
		 * full: libzmq writes its PING only when the socket is
		 * writable, and starts the PING's timeout only then, so a
		 * sender cut off mid-sync waited for TCP's own retransmission
		 * timeout (about 15 minutes). TCP_USER_TIMEOUT closes a
		 * connection whose data stays unacknowledged that long.
		 */
		if (set_int(sock, ZMQ_TCP_MAXRT, ttl) != 0)
			return -1;
	}
	if (set_int(sock, ZMQ_HANDSHAKE_IVL, (int)o->handshake_ms) != 0 ||
	    set_int(sock, ZMQ_RECONNECT_IVL, (int)o->reconnect_ms) != 0 ||
	    set_int(sock, ZMQ_RECONNECT_IVL_MAX, (int)o->reconnect_max_ms) != 0)
		return -1;
	return 0;
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents);

/*
 * Wraps an open socket into an endpoint, starts its watcher and links it
 * into the list. On failure the socket is left to the caller.
 */
static int
ep_new(struct gs_transport *t, enum ep_kind kind, void *sock,
    const char *name, struct gs_endpoint **out)
{
	struct gs_endpoint *ep = NULL;
	size_t fdlen = sizeof(int);
	int fd = -1;
	int ret = GS_EIO;

	*out = NULL;
	if (zmq_getsockopt(sock, ZMQ_FD, &fd, &fdlen) != 0) {
		log_warnx("transport: cannot get the fd of %s: %s", name,
		    zmq_strerror(errno));
		goto out;
	}
	ep = calloc(1, sizeof(*ep));
	if (ep == NULL) {
		ret = GS_ENOMEM;
		goto out;
	}
	ep->t = t;
	ep->kind = kind;
	ep->sock = sock;
	snprintf(ep->name, sizeof(ep->name), "%s", name);
	ev_io_init(&ep->io, on_io, fd, EV_READ);
	ep->io.data = ep;
	ev_io_start(t->loop, &ep->io);
	ep->next = t->eps;
	t->eps = ep;
	/* A fresh socket may already hold messages: drain before blocking. */
	ev_idle_start(t->loop, &t->idle);
	*out = ep;
	ret = 0;
out:
	return ret;
}

/* Closes the sockets of ep (and of its helper) and marks it for the sweep. */
static void
ep_release(struct gs_endpoint *ep)
{
	struct gs_transport *t = ep->t;

	if (ep->closed)
		return;
	ep->closed = 1;
	ev_io_stop(t->loop, &ep->io);
	if (ep->kind == EP_PEER && ep->sock != NULL)
		(void)zmq_socket_monitor(ep->sock, NULL, 0);
	/* zmq_close is asynchronous: free the ZAP name now for a rebind. */
	if (ep->kind == EP_ZAP && ep->sock != NULL)
		(void)zmq_unbind(ep->sock, ZAP_ENDPOINT);
	if (ep->sock != NULL)
		(void)zmq_close(ep->sock);
	ep->sock = NULL;
	if (ep->helper != NULL) {
		ep->helper->owner = NULL;
		ep_release(ep->helper);
		ep->helper = NULL;
	}
	if (ep->owner != NULL && ep->owner->helper == ep)
		ep->owner->helper = NULL;
	ep->owner = NULL;
	if (t->listen == ep)
		t->listen = NULL;
}

/* Frees released endpoints; only when no drain is iterating the list. */
static void
sweep(struct gs_transport *t)
{
	struct gs_endpoint **pp = &t->eps;
	struct gs_endpoint *ep;

	assert(t->dispatching == 0);
	while (*pp != NULL) {
		ep = *pp;
		if (ep->closed) {
			*pp = ep->next;
			free(ep);
		} else {
			pp = &ep->next;
		}
	}
}

/* Sends one frame with DONTWAIT; returns 0 or a GS_E* code. */
static int
send_frame(void *sock, const void *data, size_t len, int more)
{
	int flags = ZMQ_DONTWAIT | (more ? ZMQ_SNDMORE : 0);

	if (zmq_send(sock, data, len, flags) < 0)
		return map_errno(errno);
	return 0;
}

/* Answers one ZAP request: frames are [id][""][version][reqid]... */
static void
handle_zap(struct gs_endpoint *ep, zmq_msg_t *f, int n)
{
	struct gs_endpoint *listen = ep->owner;
	char addr[64], safe[64];
	char user[2 * CURVE_KEY_LEN + 1] = "";
	const char *status = "400", *text = "denied";
	const uint8_t *pk;
	size_t alen;
	int ok = 0;

	if (n < 4 || zmq_msg_size(&f[1]) != 0) {
		log_debug("transport: malformed zap request dropped");
		ep->t->dropped++;
		return;
	}
	if (n == 9 && zmq_msg_size(&f[2]) == 3 &&
	    memcmp(zmq_msg_data(&f[2]), "1.0", 3) == 0 &&
	    zmq_msg_size(&f[4]) == strlen(ZAP_DOMAIN) &&
	    memcmp(zmq_msg_data(&f[4]), ZAP_DOMAIN, strlen(ZAP_DOMAIN)) == 0 &&
	    zmq_msg_size(&f[7]) == 5 &&
	    memcmp(zmq_msg_data(&f[7]), "CURVE", 5) == 0 &&
	    zmq_msg_size(&f[8]) == CURVE_KEY_LEN && listen != NULL &&
	    !listen->closed && listen->zap != NULL) {
		pk = zmq_msg_data(&f[8]);
		alen = zmq_msg_size(&f[5]);
		if (alen >= sizeof(addr))
			alen = sizeof(addr) - 1;
		memcpy(addr, zmq_msg_data(&f[5]), alen);
		addr[alen] = '\0';
		listen->in_cb = 1;
		ok = listen->zap(pk, addr, listen->arg) == 1;
		listen->in_cb = 0;
		gs_sanitize(addr, safe, sizeof(safe));
		if (ok) {
			gs_hex(pk, CURVE_KEY_LEN, user);
			status = "200";
			text = "ok";
			log_debug("transport: curve client from %s accepted",
			    safe);
		} else {
			log_info("transport: curve client from %s refused "
			    "(unknown key)", safe);
		}
	} else {
		log_debug("transport: zap request refused (not a curve "
		    "request for our domain)");
	}
	if (ep->closed)
		return;
	/* The ZAP socket never blocks; a lost reply fails the handshake. */
	if (send_frame(ep->sock, zmq_msg_data(&f[0]), zmq_msg_size(&f[0]), 1) ||
	    send_frame(ep->sock, "", 0, 1) ||
	    send_frame(ep->sock, "1.0", 3, 1) ||
	    send_frame(ep->sock, zmq_msg_data(&f[3]), zmq_msg_size(&f[3]), 1) ||
	    send_frame(ep->sock, status, 3, 1) ||
	    send_frame(ep->sock, text, strlen(text), 1) ||
	    send_frame(ep->sock, user, strlen(user), 1) ||
	    send_frame(ep->sock, "", 0, 0))
		log_warnx("transport: cannot send a zap reply");
}

/* Applies one monitor event (2 frames: [event u16, value u32][address]). */
static void
handle_monitor(struct gs_endpoint *ep, zmq_msg_t *f, int n)
{
	struct gs_endpoint *peer = ep->owner;
	uint16_t event;

	if (n != 2 || zmq_msg_size(&f[0]) != 6) {
		ep->t->dropped++;
		return;
	}
	memcpy(&event, zmq_msg_data(&f[0]), sizeof(event));
	if (peer == NULL || peer->closed)
		return;
	switch (event) {
	case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
		if (peer->connected)
			break;
		log_debug("transport: connected to %s", peer->name);
		peer->connected = 1;
		if (peer->up != NULL)
			peer->up(peer, peer->arg);
		break;
	case ZMQ_EVENT_DISCONNECTED:
		if (peer->connected)
			log_debug("transport: disconnected from %s",
			    peer->name);
		peer->connected = 0;
		break;
	case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
	case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
	case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
		log_debug("transport: handshake with %s failed", peer->name);
		peer->connected = 0;
		break;
	default:
		break;
	}
}

/* Hands one received message to the caller, by endpoint kind. */
static void
dispatch(struct gs_endpoint *ep, zmq_msg_t *f, int n)
{
	struct gs_transport *t = ep->t;
	struct gs_msg m;
	uint8_t pk[CURVE_KEY_LEN];
	const char *uid;

	memset(&m, 0, sizeof(m));
	switch (ep->kind) {
	case EP_CONTROL:
		/* REQ envelope: [routing id][""][request] */
		if (n != 3 || zmq_msg_size(&f[1]) != 0)
			goto drop;
		m.route = zmq_msg_data(&f[0]);
		m.route_len = zmq_msg_size(&f[0]);
		m.data = zmq_msg_data(&f[2]);
		m.len = zmq_msg_size(&f[2]);
		break;
	case EP_LISTEN:
		if (n != 2)
			goto drop;
		/* Metadata rides on the frames the engine decoded. */
		uid = zmq_msg_gets(&f[1], "User-Id");
		if (uid == NULL || gs_unhex(uid, pk, sizeof(pk)) != 0)
			goto drop;
		m.route = zmq_msg_data(&f[0]);
		m.route_len = zmq_msg_size(&f[0]);
		m.data = zmq_msg_data(&f[1]);
		m.len = zmq_msg_size(&f[1]);
		m.curve_pk = pk;
		t->received += m.len;
		break;
	case EP_PEER:
		if (n != 1)
			goto drop;
		m.data = zmq_msg_data(&f[0]);
		m.len = zmq_msg_size(&f[0]);
		m.curve_pk = ep->server_pk;
		t->received += m.len;
		break;
	case EP_ZAP:
		handle_zap(ep, f, n);
		return;
	case EP_MONITOR:
		handle_monitor(ep, f, n);
		return;
	}
	if (ep->cb == NULL)
		return;
	ep->in_cb = 1;
	ep->cb(ep, &m, ep->arg);
	ep->in_cb = 0;
	return;
drop:
	t->dropped++;
	log_debug("transport: dropped a malformed message on %s (%d frames, "
	    "%llu dropped so far)", ep->name, n,
	    (unsigned long long)t->dropped);
}

/*
 * Receives and dispatches up to DRAIN_BUDGET messages from ep. Returns 1
 * if the budget ran out with messages possibly left, 0 otherwise.
 */
static int
drain(struct gs_endpoint *ep)
{
	zmq_msg_t f[MAX_FRAMES];
	int budget, n, kept, i, more, events, truncated;
	size_t len;

	for (budget = DRAIN_BUDGET; budget > 0; budget--) {
		if (ep->closed)
			return 0;
		len = sizeof(events);
		if (zmq_getsockopt(ep->sock, ZMQ_EVENTS, &events, &len) != 0)
			return 0;
		if (!(events & ZMQ_POLLIN))
			return 0;
		n = 0;
		kept = 0;
		truncated = 0;
		do {
			zmq_msg_t extra;
			/* Frames past MAX_FRAMES are counted, then dropped. */
			zmq_msg_t *msg = kept < MAX_FRAMES ? &f[kept] : &extra;

			zmq_msg_init(msg);
			if (zmq_msg_recv(msg, ep->sock, ZMQ_DONTWAIT) < 0) {
				zmq_msg_close(msg);
				/* Cannot happen (messages are atomic); the
				 * frames read so far are dropped. */
				truncated = n > 0;
				break;
			}
			n++;
			more = zmq_msg_more(msg);
			if (msg == &extra)
				zmq_msg_close(msg);
			else
				kept++;
		} while (more);
		if (truncated)
			ep->t->dropped++;
		else if (n > 0)
			dispatch(ep, f, n);
		for (i = 0; i < kept; i++)
			zmq_msg_close(&f[i]);
		if (n == 0)
			return 0;
	}
	return 1;
}

/* Drains every open endpoint; keeps the idle watcher on if work remains. */
static void
drain_all(struct gs_transport *t)
{
	struct gs_endpoint *ep;
	int more = 0;

	t->dispatching++;
	/* New endpoints go to the head and closed ones stay linked. */
	for (ep = t->eps; ep != NULL; ep = ep->next) {
		if (!ep->closed && drain(ep))
			more = 1;
	}
	t->dispatching--;
	if (t->dispatching == 0)
		sweep(t);
	if (more)
		ev_idle_start(t->loop, &t->idle);
	else
		ev_idle_stop(t->loop, &t->idle);
}

static void
on_io(struct ev_loop *loop, ev_io *w, int revents)
{
	struct gs_endpoint *ep = w->data;
	struct gs_transport *t = ep->t;
	int more;

	(void)loop;
	(void)revents;
	t->dispatching++;
	more = drain(ep);
	t->dispatching--;
	if (t->dispatching == 0)
		sweep(t);
	if (more)
		ev_idle_start(t->loop, &t->idle);
}

static void
on_prepare(struct ev_loop *loop, ev_prepare *w, int revents)
{
	(void)loop;
	(void)revents;
	drain_all(w->data);
}

static void
on_idle(struct ev_loop *loop, ev_idle *w, int revents)
{
	/* Only keeps the loop from blocking; on_prepare does the work. */
	(void)loop;
	(void)w;
	(void)revents;
}

int
gs_transport_new(struct ev_loop *loop, const struct gs_transport_opts *opts,
    struct gs_transport **out)
{
	struct gs_transport *t = NULL;
	int ret = GS_ENOMEM;

	assert(loop && opts && out);
	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto out;
	t->loop = loop;
	t->opts = *opts;
	t->ctx = zmq_ctx_new();
	if (t->ctx == NULL) {
		log_warnx("transport: cannot create the zmq context: %s",
		    zmq_strerror(errno));
		ret = GS_EIO;
		goto out;
	}
	ev_prepare_init(&t->prepare, on_prepare);
	t->prepare.data = t;
	ev_prepare_start(loop, &t->prepare);
	/* The prepare watcher alone must not keep the loop alive. */
	ev_unref(loop);
	ev_idle_init(&t->idle, on_idle);
	t->idle.data = t;
	*out = t;
	t = NULL;
	ret = 0;
out:
	free(t);
	return ret;
}

void
gs_transport_destroy(struct gs_transport **tp)
{
	struct gs_transport *t;
	struct gs_endpoint *ep;

	if (tp == NULL || *tp == NULL)
		return;
	t = *tp;
	assert(t->dispatching == 0); /* not from inside a callback */
	for (ep = t->eps; ep != NULL; ep = ep->next)
		ep_release(ep);
	sweep(t);
	ev_ref(t->loop);
	ev_prepare_stop(t->loop, &t->prepare);
	ev_idle_stop(t->loop, &t->idle);
	while (zmq_ctx_term(t->ctx) != 0 && errno == EINTR)
		;
	free(t);
	*tp = NULL;
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Asks whether something answers probe on endpoint within timeout_ms.
 * Returns 1 if alive, 0 if not, GS_EIO.
 */
static int
probe_alive(struct gs_transport *t, const char *endpoint, const void *probe,
    size_t probe_len, unsigned timeout_ms)
{
	void *req = NULL;
	int64_t maxmsg = CONTROL_MAXMSG;
	zmq_pollitem_t item;
	long deadline = now_ms() + (long)timeout_ms, left;
	int sent = 0, rc;
	int ret = GS_EIO;

	req = zmq_socket(t->ctx, ZMQ_REQ);
	if (req == NULL)
		goto out;
	if (set_common(req) != 0 || set_int(req, ZMQ_IMMEDIATE, 1) != 0 ||
	    set_int(req, ZMQ_RECONNECT_IVL, 50) != 0 ||
	    zmq_setsockopt(req, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg)) != 0)
		goto out;
	if (zmq_connect(req, endpoint) != 0)
		goto out;
	for (;;) {
		left = deadline - now_ms();
		if (left <= 0) {
			ret = 0;
			goto out;
		}
		item.socket = req;
		item.fd = 0;
		item.events = sent ? ZMQ_POLLIN : ZMQ_POLLOUT;
		item.revents = 0;
		rc = zmq_poll(&item, 1, left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			goto out;
		if (rc == 0)
			continue;
		if (!sent) {
			if (zmq_send(req, probe, probe_len, ZMQ_DONTWAIT) >= 0)
				sent = 1;
			else if (errno != EAGAIN)
				goto out;
			continue;
		}
		ret = 1;
		goto out;
	}
out:
	if (req != NULL)
		(void)zmq_close(req);
	return ret;
}

/*
 * The group a socket bound at path gets: the directory's if it is setgid,
 * else ours (the kernel's rule). -1 if the directory cannot be read.
 */
static int
socket_group(const char *path, gid_t *gid)
{
	char dir[PATH_MAX];
	struct stat st;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir) ||
	    stat(dirname(dir), &st) != 0)
		return -1;
	*gid = (st.st_mode & S_ISGID) ? st.st_gid : getegid();
	return 0;
}

/*
 * The second lock on the control socket, after its mode 0660 and its
 * directory: libzmq checks each connecting process's credentials
 * (SO_PEERCRED) and accepts only root, our own user and the members of
 * the socket's group (docs/internals/security.md). A libzmq built
 * without the filters leaves the file system as the only lock: said in
 * the log, not fatal.
 */
static int
set_peer_filter(void *sock, const char *path)
{
#if defined(ZMQ_IPC_FILTER_UID) && defined(ZMQ_IPC_FILTER_GID)
	uid_t root = 0, self = geteuid();
	gid_t gid;

	if (socket_group(path, &gid) != 0) {
		log_warn("transport: cannot read the directory of %s", path);
		return -1;
	}
	if (zmq_setsockopt(sock, ZMQ_IPC_FILTER_UID, &root, sizeof(root)) ||
	    zmq_setsockopt(sock, ZMQ_IPC_FILTER_UID, &self, sizeof(self)) ||
	    zmq_setsockopt(sock, ZMQ_IPC_FILTER_GID, &gid, sizeof(gid))) {
		if (errno != EINVAL)
			return -1;
		log_info("transport: libzmq without ipc filters; %s is "
		    "guarded by its mode and directory only", path);
	}
#else
	(void)sock;
	log_info("transport: libzmq without ipc filters; %s is guarded by "
	    "its mode and directory only", path);
#endif
	return 0;
}

int
gs_transport_control(struct gs_transport *t, const char *endpoint,
    const void *probe, size_t probe_len, unsigned timeout_ms,
    gs_transport_recv_cb cb, void *arg, struct gs_endpoint **out)
{
	struct gs_endpoint *ep = NULL;
	struct stat st;
	const char *path;
	void *sock = NULL;
	int64_t maxmsg = CONTROL_MAXMSG;
	int alive;
	int ret = GS_EINVAL;

	assert(t && endpoint && out);
	*out = NULL;
	if (strncmp(endpoint, "ipc://", 6) != 0 || endpoint[6] == '\0') {
		log_warnx("transport: control endpoint must be ipc://");
		goto out;
	}
	path = endpoint + 6;
	ret = GS_EIO;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_warnx("transport: %s exists and is not a socket",
			    path);
			goto out;
		}
		alive = probe_alive(t, endpoint, probe, probe_len, timeout_ms);
		if (alive < 0) {
			log_warnx("transport: cannot probe %s", endpoint);
			goto out;
		}
		if (alive) {
			log_warnx("transport: another daemon answers on %s",
			    endpoint);
			ret = GS_EBUSY;
			goto out;
		}
		if (unlink(path) != 0 && errno != ENOENT) {
			log_warn("transport: cannot remove stale %s", path);
			goto out;
		}
		log_info("transport: replaced stale socket %s", path);
	}
	sock = zmq_socket(t->ctx, ZMQ_ROUTER);
	if (sock == NULL)
		goto out;
	if (set_common(sock) != 0 ||
	    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg)) ||
	    set_int(sock, ZMQ_ROUTER_MANDATORY, 1) != 0 ||
	    set_peer_filter(sock, path) != 0)
		goto out;
	if (zmq_bind(sock, endpoint) != 0) {
		log_warnx("transport: cannot bind %s: %s", endpoint,
		    zmq_strerror(errno));
		goto out;
	}
	if (chmod(path, 0660) != 0) {
		log_warn("transport: cannot chmod %s", path);
		goto out;
	}
	ret = ep_new(t, EP_CONTROL, sock, endpoint, &ep);
	if (ret != 0)
		goto out;
	sock = NULL;
	ep->cb = cb;
	ep->arg = arg;
	*out = ep;
out:
	if (sock != NULL)
		(void)zmq_close(sock);
	return ret;
}

int
gs_transport_listen(struct gs_transport *t, const char *endpoint,
    const uint8_t curve_pk[32], const uint8_t *curve_sk,
    gs_transport_zap_cb zap, gs_transport_recv_cb cb, void *arg,
    struct gs_endpoint **out)
{
	struct gs_endpoint *zep = NULL, *ep = NULL;
	void *zsock = NULL, *sock = NULL;
	int ret = GS_EINVAL;

	assert(t && endpoint && curve_pk && curve_sk && zap && out);
	*out = NULL;
	if (t->listen != NULL) {
		log_warnx("transport: only one listen endpoint per transport");
		goto out;
	}
	ret = GS_EIO;
	/* The ZAP handler must exist before any client can reach us. */
	zsock = zmq_socket(t->ctx, ZMQ_ROUTER);
	if (zsock == NULL || set_common(zsock) != 0)
		goto out;
	if (zmq_bind(zsock, ZAP_ENDPOINT) != 0) {
		log_warnx("transport: cannot bind the zap handler: %s",
		    zmq_strerror(errno));
		goto out;
	}
	ret = ep_new(t, EP_ZAP, zsock, ZAP_ENDPOINT, &zep);
	if (ret != 0)
		goto out;
	zsock = NULL;
	ret = GS_EIO;
	sock = zmq_socket(t->ctx, ZMQ_ROUTER);
	if (sock == NULL)
		goto out;
	if (set_peer_opts(t, sock) != 0 ||
	    set_int(sock, ZMQ_ROUTER_MANDATORY, 1) != 0 ||
	    set_int(sock, ZMQ_CURVE_SERVER, 1) != 0 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, curve_pk,
	    CURVE_KEY_LEN) != 0 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, curve_sk,
	    CURVE_KEY_LEN) != 0 ||
	    zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, ZAP_DOMAIN,
	    strlen(ZAP_DOMAIN)) != 0) {
		log_warnx("transport: cannot set curve server options: %s",
		    zmq_strerror(errno));
		goto out;
	}
	if (zmq_bind(sock, endpoint) != 0) {
		ret = errno == EINVAL || errno == EPROTONOSUPPORT ?
		    GS_EINVAL : GS_EIO;
		log_warnx("transport: cannot bind %s: %s", endpoint,
		    zmq_strerror(errno));
		goto out;
	}
	ret = ep_new(t, EP_LISTEN, sock, endpoint, &ep);
	if (ret != 0)
		goto out;
	sock = NULL;
	ep->cb = cb;
	ep->arg = arg;
	ep->zap = zap;
	ep->helper = zep;
	zep->owner = ep;
	t->listen = ep;
	log_debug("transport: listening on %s", endpoint);
	*out = ep;
	zep = NULL;
out:
	if (zep != NULL) {
		ep_release(zep);
		if (t->dispatching == 0)
			sweep(t);
	}
	if (zsock != NULL)
		(void)zmq_close(zsock);
	if (sock != NULL)
		(void)zmq_close(sock);
	return ret;
}

int
gs_transport_connect(struct gs_transport *t, const char *endpoint,
    const uint8_t server_pk[32], const uint8_t curve_pk[32],
    const uint8_t *curve_sk, gs_transport_recv_cb cb, void *arg,
    struct gs_endpoint **out)
{
	struct gs_endpoint *ep = NULL, *mep = NULL;
	void *sock = NULL, *mon = NULL;
	char mname[64];
	int events = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED |
	    ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
	    ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
	    ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
	int ret = GS_EINVAL;

	assert(t && endpoint && server_pk && curve_pk && curve_sk && out);
	*out = NULL;
	if (strncmp(endpoint, "tcp://", 6) != 0) {
		log_warnx("transport: peer endpoints must be tcp://");
		goto out;
	}
	ret = GS_EIO;
	sock = zmq_socket(t->ctx, ZMQ_DEALER);
	if (sock == NULL)
		goto out;
	if (set_peer_opts(t, sock) != 0 ||
	    set_int(sock, ZMQ_IMMEDIATE, 1) != 0 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server_pk,
	    CURVE_KEY_LEN) != 0 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, curve_pk,
	    CURVE_KEY_LEN) != 0 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, curve_sk,
	    CURVE_KEY_LEN) != 0) {
		log_warnx("transport: cannot set curve client options: %s",
		    zmq_strerror(errno));
		goto out;
	}
	/* Watch the handshake before connecting, so no event is missed. */
	snprintf(mname, sizeof(mname), "inproc://gs.monitor.%u",
	    t->monitor_seq++);
	if (zmq_socket_monitor(sock, mname, events) != 0) {
		log_warnx("transport: cannot monitor %s: %s", endpoint,
		    zmq_strerror(errno));
		goto out;
	}
	mon = zmq_socket(t->ctx, ZMQ_PAIR);
	if (mon == NULL || set_common(mon) != 0 || zmq_connect(mon, mname))
		goto out;
	if (zmq_connect(sock, endpoint) != 0) {
		ret = map_errno(errno) == GS_EINVAL ? GS_EINVAL : GS_EIO;
		log_warnx("transport: cannot connect to %s: %s", endpoint,
		    zmq_strerror(errno));
		goto out;
	}
	ret = ep_new(t, EP_MONITOR, mon, mname, &mep);
	if (ret != 0)
		goto out;
	mon = NULL;
	ret = ep_new(t, EP_PEER, sock, endpoint, &ep);
	if (ret != 0)
		goto out;
	sock = NULL;
	memcpy(ep->server_pk, server_pk, CURVE_KEY_LEN);
	ep->cb = cb;
	ep->arg = arg;
	ep->helper = mep;
	mep->owner = ep;
	log_debug("transport: connecting to %s", endpoint);
	*out = ep;
	mep = NULL;
out:
	if (mep != NULL) {
		ep_release(mep);
		if (t->dispatching == 0)
			sweep(t);
	}
	if (sock != NULL) {
		(void)zmq_socket_monitor(sock, NULL, 0);
		(void)zmq_close(sock);
	}
	if (mon != NULL)
		(void)zmq_close(mon);
	return ret;
}

int
gs_transport_send(struct gs_endpoint *ep, const uint8_t *route,
    size_t route_len, const void *data, size_t len)
{
	struct gs_transport *t;
	int ret = GS_EINVAL;

	assert(ep && (data || len == 0));
	t = ep->t;
	if (ep->closed)
		goto out;
	if ((ep->kind == EP_LISTEN || ep->kind == EP_PEER) &&
	    len > t->opts.max_frame) {
		/* The peer would drop the whole connection. */
		ret = GS_ETOOBIG;
		goto out;
	}
	switch (ep->kind) {
	case EP_CONTROL:
	case EP_LISTEN:
		if (route == NULL || route_len == 0)
			goto out;
		/* MANDATORY: an unknown or full route fails here. */
		ret = send_frame(ep->sock, route, route_len, 1);
		if (ret != 0)
			goto out;
		if (ep->kind == EP_CONTROL) {
			ret = send_frame(ep->sock, "", 0, 1);
			if (ret != 0)
				goto out;
		}
		ret = send_frame(ep->sock, data, len, 0);
		break;
	case EP_PEER:
		if (route != NULL)
			goto out;
		ret = send_frame(ep->sock, data, len, 0);
		break;
	default:
		goto out;
	}
	if (ret == 0 && ep->kind != EP_CONTROL)
		t->sent += len;
out:
	return ret;
}

void
gs_transport_set_up_cb(struct gs_endpoint *ep, gs_transport_up_cb cb)
{
	ep->up = cb;
}

int
gs_transport_connected(const struct gs_endpoint *ep)
{
	assert(ep);
	return ep->kind == EP_PEER && !ep->closed && ep->connected;
}

void
gs_transport_close(struct gs_endpoint **epp)
{
	struct gs_endpoint *ep;
	struct gs_transport *t;

	if (epp == NULL || *epp == NULL)
		return;
	ep = *epp;
	t = ep->t;
	/* Closing the endpoint whose callback runs is a caller bug. */
	assert(!ep->in_cb);
	ep_release(ep);
	if (t->dispatching == 0)
		sweep(t);
	*epp = NULL;
}

void
gs_transport_counters(const struct gs_transport *t, uint64_t *sent,
    uint64_t *received)
{
	assert(t);
	if (sent != NULL)
		*sent = t->sent;
	if (received != NULL)
		*received = t->received;
}
