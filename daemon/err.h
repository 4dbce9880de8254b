/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * err.h: the error codes every gemsync module returns. Functions return 0
 * on success and a negative GS_E* code on failure; gs_strerror() names it.
 * The X-macro keeps codes, names and messages in one place.
 */
#ifndef GS_ERR_H
#define GS_ERR_H

#define GS_ERRORS(X)                                                      \
	X(OK, 0, "ok")                                                    \
	X(NOMEM, -1, "out of memory")                                     \
	X(INVAL, -2, "invalid input")                                     \
	X(NOTFOUND, -3, "not found")                                      \
	X(EXISTS, -4, "already exists")                                   \
	X(IO, -5, "input/output error")                                   \
	X(CRYPTO, -6, "cryptographic operation failed")                   \
	X(BADSIG, -7, "bad signature")                                    \
	X(BADHASH, -8, "body does not match its hash")                    \
	X(DB, -9, "database error")                                       \
	X(PROTO, -10, "malformed message")                                \
	X(DENIED, -11, "author not allowed to write this item")           \
	X(GAP, -12, "sequence number is not the next one")                \
	X(NOPARENT, -13, "parent change missing")                         \
	X(DUP, -14, "change already held")                                \
	X(EQUIVOC, -15, "equivocation: two changes with one sequence")    \
	X(CLOCK, -16, "clock too far from local time")                    \
	X(FULL, -17, "disk full")                                         \
	X(BADKEY, -18, "wrong storage key")                               \
	X(UNTRUSTED, -19, "author not trusted")                           \
	X(BUSY, -20, "resource busy")                                     \
	X(TOOBIG, -21, "too large")                                       \
	X(CORRUPT, -22, "stored data is corrupted")                       \
	X(CHECKSUM, -23, "checksum mismatch")                             \
	X(BLOCKED, -24, "author blocked")                                 \
	X(PERM, -25, "unsafe file permissions")                           \
	X(VERSION, -26, "unsupported version")                            \
	X(DELETED, -27, "item is deleted")                                \
	X(READONLY, -28, "read-only storage")                             \
	X(ERASED, -29, "item content erased")                             \
	X(BUDGET, -30, "author's change budget for this item used up")   \
	X(INVTRUNC, -31, "invitation truncated")                          \
	X(INVTYPO, -32, "invitation mistyped (checksum)")                 \
	X(INVUNKNOWN, -33, "invitation unknown or modified")              \
	X(INVEXPIRED, -34, "invitation expired")                          \
	X(INVUSED, -35, "invitation already used")                        \
	X(INVREVOKED, -36, "invitation revoked")                          \
	X(NEEDPASS, -37, "the key is sealed: passphrase needed")          \
	X(REVOKED, -38, "author's key revoked")                           \
	X(ROTATED, -39, "author's key replaced by a newer one")            \
	X(CATCHUP, -43, "restored site catching up: local writes refused")

enum gs_err {
#define GS_ERR_ENUM(name, code, msg) GS_E##name = (code),
	GS_ERRORS(GS_ERR_ENUM)
#undef GS_ERR_ENUM
};

/* Returns a static English message for an error code; never NULL. */
const char *gs_strerror(int err);
/* Returns the short name ("NOTFOUND") of an error code; never NULL. */
const char *gs_errname(int err);

#endif
