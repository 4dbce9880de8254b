/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * transport.h: every ZeroMQ socket of the daemon, driven by one libev loop
 * (only transport.c includes zmq.h).
 *
 * - The control endpoint: a ROUTER on ipc:// for the CLI (file mode 0660).
 * - The listen endpoint: a ROUTER on tcp:// as a CURVE server, behind a ZAP
 *   handler (inproc://zeromq.zap.01, bound before the server socket) that
 *   asks the caller whether a client key may come in. The User-Id of an
 *   accepted connection is the client's X25519 key; the caller maps it to a
 *   site.
 * - Peer endpoints: one DEALER per peer as a CURVE client, with the
 *   server's key pinned.
 *
 * ZMQ_FD is edge-triggered: each endpoint drains its socket whenever its fd
 * fires and again before the loop blocks (an ev_prepare watcher), after any
 * send may have consumed the edge. Every socket has LINGER 0, MAXMSGSIZE,
 * heartbeats, handshake and reconnect bounds; ROUTERs are MANDATORY and
 * DEALERs IMMEDIATE, so a send to a peer that is gone fails at once
 * instead of queueing.
 */
#ifndef GS_TRANSPORT_H
#define GS_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include <ev.h>

struct gs_transport;
struct gs_endpoint;

/* One message received. Everything is lent for the callback only. */
struct gs_msg {
	const uint8_t *route;     /* ROUTER: routing ID of the sender; DEALER: NULL */
	size_t route_len;
	const uint8_t *data;      /* the payload (a single frame) */
	size_t len;
	const uint8_t *curve_pk;  /* CURVE endpoints: the sender's authenticated
	                             32-byte X25519 key (server side: from the ZAP
	                             User-Id; client side: the pinned server key);
	                             control endpoint: NULL */
};

/*
 * Called for each message. The callback may send on any endpoint, and may
 * close other endpoints, but must not close ep itself (defer that).
 */
typedef void (*gs_transport_recv_cb)(struct gs_endpoint *ep,
    const struct gs_msg *m, void *arg);

/*
 * ZAP decision for a CURVE client key: return 1 to let it in, 0 to refuse
 * (the transport then answers 400). address is the peer's IP address text.
 */
typedef int (*gs_transport_zap_cb)(const uint8_t curve_pk[32],
    const char *address, void *arg);

/* Socket settings shared by the endpoints. */
struct gs_transport_opts {
	size_t max_frame;          /* ZMQ_MAXMSGSIZE on peer sockets */
	unsigned heartbeat_ms;     /* ZMQ_HEARTBEAT_IVL; TIMEOUT and TTL = 3x */
	unsigned handshake_ms;     /* ZMQ_HANDSHAKE_IVL */
	unsigned reconnect_ms;     /* ZMQ_RECONNECT_IVL */
	unsigned reconnect_max_ms; /* ZMQ_RECONNECT_IVL_MAX (backoff cap) */
	unsigned sndhwm;           /* ZMQ_SNDHWM/RCVHWM on peer sockets */
};

/* Fills opts with the defaults (4 MiB, 10 s, 10 s, 1 s, 60 s, 1000). */
void gs_transport_opts_default(struct gs_transport_opts *opts);

/*
 * Creates the ZeroMQ context and the loop watchers. Returns 0 and *out,
 * GS_ENOMEM or GS_EIO.
 */
int gs_transport_new(struct ev_loop *loop, const struct gs_transport_opts *opts,
    struct gs_transport **out);
/*
 * Closes every endpoint still open, stops the watchers and terminates the
 * context (does not block: LINGER is 0). Sets *t to NULL. Accepts NULL.
 */
void gs_transport_destroy(struct gs_transport **t);

/*
 * Binds the control ROUTER on an ipc:// endpoint and makes the socket file
 * mode 0660. Before binding, asks whether a daemon already answers there:
 * if one does, returns GS_EBUSY and binds nothing; a stale socket file is
 * replaced. probe is the request bytes to send (a control "ping"); a reply
 * within timeout_ms means another daemon is alive. Returns 0 and *out,
 * GS_EBUSY, GS_EIO.
 */
int gs_transport_control(struct gs_transport *t, const char *endpoint,
    const void *probe, size_t probe_len, unsigned timeout_ms,
    gs_transport_recv_cb cb, void *arg, struct gs_endpoint **out);

/*
 * Binds the CURVE server ROUTER on a tcp:// endpoint with our X25519 key
 * pair, after binding the ZAP handler that calls zap. Returns 0 and *out,
 * GS_EIO (the message says why, e.g. address in use), GS_EINVAL.
 */
int gs_transport_listen(struct gs_transport *t, const char *endpoint,
    const uint8_t curve_pk[32], const uint8_t *curve_sk,
    gs_transport_zap_cb zap, gs_transport_recv_cb cb, void *arg,
    struct gs_endpoint **out);

/*
 * Connects a DEALER as a CURVE client to endpoint, pinning server_pk.
 * Connection happens in the background and retries with backoff.
 * Returns 0 and *out, GS_EINVAL (bad endpoint), GS_EIO.
 */
int gs_transport_connect(struct gs_transport *t, const char *endpoint,
    const uint8_t server_pk[32], const uint8_t curve_pk[32],
    const uint8_t *curve_sk, gs_transport_recv_cb cb, void *arg,
    struct gs_endpoint **out);

/*
 * Sends one frame. On a ROUTER, route names the recipient (from a gs_msg);
 * on a DEALER route must be NULL. Never blocks. Returns 0, GS_EBUSY (high
 * water mark or not connected yet), GS_ENOTFOUND (ROUTER: that peer is
 * gone), GS_EIO.
 */
int gs_transport_send(struct gs_endpoint *ep, const uint8_t *route,
    size_t route_len, const void *data, size_t len);

/*
 * Asks to be told, with the endpoint's callback argument, each time a
 * DEALER's handshake succeeds (a first connection or a reconnection), so
 * that the conversation starts at once rather than on the next timer.
 */
typedef void (*gs_transport_up_cb)(struct gs_endpoint *ep, void *arg);
void gs_transport_set_up_cb(struct gs_endpoint *ep, gs_transport_up_cb cb);

/* 1 if a DEALER has a live connection (handshake done), 0 otherwise. */
int gs_transport_connected(const struct gs_endpoint *ep);

/* Closes an endpoint and sets *ep to NULL. Accepts NULL. */
void gs_transport_close(struct gs_endpoint **ep);

/* Bytes sent and received on CURVE endpoints (payloads), for status. */
void gs_transport_counters(const struct gs_transport *t, uint64_t *sent,
    uint64_t *received);

#endif
