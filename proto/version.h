/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * version.h: the wire versions of gemsync's two protocols, in one place.
 * GS_CONTROL_VERSION is the gs.Request/gs.Response version of the control
 * socket (proto/control.proto, docs/control.md), which gemsyncd checks and
 * the gemsync CLI sends; GS_PEER_VERSION is the gs.PeerMsg version of the
 * sync protocol between sites (proto/peer.proto,
 * docs/internals/sync-protocol.md). Both sides of a socket include this
 * header, so a bump changes them together.
 *
 * A site speaks every peer version from GS_PEER_MIN_VERSION to
 * GS_PEER_VERSION and, with each peer, the highest one both speak (its
 * hello says which). 2: bodies may travel packed (SignedChange
 * packed_body).
 */
#ifndef GS_VERSION_H
#define GS_VERSION_H

#define GS_CONTROL_VERSION 1
#define GS_PEER_VERSION 2
#define GS_PEER_MIN_VERSION 1

#endif
