/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz_peer_msg.c: fuzz target for the peer message decoder of gossip.c.
 * handle() there is static, so this target does what it does, the same
 * way: bound the frame to the default max_frame (the transport's
 * ZMQ_MAXMSGSIZE), unpack a gs.PeerMsg with a gs_pbuf_budget of
 * 4 * max_frame + 64 KiB, then run a validation pass that mirrors the
 * checks of handle(), on_summary(), on_batch(), on_intro(),
 * on_equivocations() (both headers of a proof through gs_change_verify)
 * and the refuse
 * log line: counts against their limits, 32-byte keys, every change of a
 * batch through gs_change_verify and its body through gs_fields_decode,
 * and the peer's reason text through gs_sanitize. It also checks that the
 * budget allocator gives every byte back once the message is freed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "change.h"
#include "crypto.h"
#include "err.h"
#include "fields.h"
#include "gossip.h"
#include "log.h"
#include "pbuf.h"
#include "peer.pb-c.h"

/* The limits of gossip.c and config.c's default max_frame. */
#define MAX_FRAME (4u << 20)
#define MAX_AUTHORS 100000
#define MAX_BATCH 4096
#define MAX_INTRO 10000
#define PROOFS_MAX 64

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (gs_crypto_init() != 0)
		abort();
	gs_log_level = GS_LOG_ERROR;
	return 0;
}

/* The sanitized text must be inert: valid UTF-8, no C0/C1 control. */
static void
check_inert(const char *s, size_t outlen)
{
	size_t len = strlen(s);

	if (len >= outlen || !gs_utf8_valid(s, len))
		abort();
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch == 0x7f)
			abort();
		if (ch == 0xc2 && i + 1 < len &&
		    (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f)
			abort();
	}
}

static void
check_batch(const Gs__Batch *b)
{
	struct gs_change *c;
	struct gs_fields f;

	if (b->n_changes > MAX_BATCH)
		return;                      /* refused whole: "batch too large" */
	for (size_t i = 0; i < b->n_changes; i++) {
		const Gs__SignedChange *sc = b->changes[i];
		c = NULL;
		if (gs_change_verify(sc->header.data, sc->header.len,
		    sc->signature.data, sc->signature.len,
		    sc->has_body ? sc->body.data : NULL,
		    sc->has_body ? sc->body.len : 0, &c) != 0) {
			if (c != NULL)
				abort();
			continue;
		}
		/* what apply_one() decodes next */
		gs_fields_init(&f);
		if (c->body != NULL)
			(void)gs_fields_decode(c->body, c->body_len, &f);
		gs_fields_clear(&f);
		gs_change_destroy(&c);
	}
}

/* What gs_replica_equivocation_add checks before it touches the store. */
static void
check_proofs(const Gs__Equivocations *eq)
{
	struct gs_change *c;

	for (size_t i = 0; i < eq->n_proofs && i < PROOFS_MAX; i++) {
		const Gs__EquivocationProof *q = eq->proofs[i];
		if (q->author.len != 32 || q->sig_a.len != 64 ||
		    q->sig_b.len != 64)
			continue;
		c = NULL;
		if (gs_change_verify(q->header_a.data, q->header_a.len,
		    q->sig_a.data, 64, NULL, 0, &c) == 0)
			gs_change_destroy(&c);
		else if (c != NULL)
			abort();
		c = NULL;
		if (gs_change_verify(q->header_b.data, q->header_b.len,
		    q->sig_b.data, 64, NULL, 0, &c) == 0)
			gs_change_destroy(&c);
		else if (c != NULL)
			abort();
	}
}

static void
check_msg(const Gs__PeerMsg *m)
{
	char reason[128];
	uint64_t sum = 0;

	if (m->version < GS_PEER_VERSION)
		return;                      /* refused: version too old */
	switch (m->msg_case) {
	case GS__PEER_MSG__MSG_HELLO:
		if (m->hello == NULL)
			abort();
		(void)(m->hello->max_version < GS_PEER_VERSION ||
		    m->hello->min_version > GS_PEER_VERSION);
		if (m->hello->software != NULL) {
			gs_sanitize(m->hello->software, reason, sizeof(reason));
			check_inert(reason, sizeof(reason));
		}
		break;
	case GS__PEER_MSG__MSG_SUMMARY:
		if (m->summary == NULL)
			abort();
		if (m->summary->n_entries > MAX_AUTHORS)
			break;
		for (size_t i = 0; i < m->summary->n_entries; i++) {
			if (m->summary->entries[i]->author.len != 32)
				return;
			sum += m->summary->entries[i]->seq;
			(void)m->summary->entries[i]->author.data[31];
		}
		(void)sum;
		break;
	case GS__PEER_MSG__MSG_BATCH:
		if (m->batch == NULL)
			abort();
		check_batch(m->batch);
		break;
	case GS__PEER_MSG__MSG_ACK:
		if (m->ack == NULL)
			abort();
		break;
	case GS__PEER_MSG__MSG_INTRO:
		if (m->intro == NULL)
			abort();
		if (m->intro->n_sites > MAX_INTRO)
			break;
		for (size_t i = 0; i < m->intro->n_sites; i++)
			if (m->intro->sites[i].len == 32)
				(void)m->intro->sites[i].data[31];
		break;
	case GS__PEER_MSG__MSG_EQUIVOCATIONS:
		if (m->equivocations == NULL)
			abort();
		check_proofs(m->equivocations);
		break;
	case GS__PEER_MSG__MSG_REFUSE:
		if (m->refuse == NULL || m->refuse->reason == NULL)
			abort();
		gs_sanitize(m->refuse->reason, reason, sizeof(reason));
		check_inert(reason, sizeof(reason));
		break;
	default:
		break;                       /* unknown type: counted, ignored */
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gs_pbuf_budget budget;
	const size_t limit = 4 * (size_t)MAX_FRAME + 65536;
	Gs__PeerMsg *m;

	if (size > MAX_FRAME)
		return 0;                    /* the transport drops it */
	gs_pbuf_budget_init(&budget, limit);
	m = gs__peer_msg__unpack(&budget.alloc, size, data);
	if (m == NULL) {
		if (budget.left != limit)
			abort();             /* a failed unpack leaked budget */
		return 0;
	}
	check_msg(m);
	gs__peer_msg__free_unpacked(m, &budget.alloc);
	if (budget.left != limit)
		abort();
	return 0;
}
