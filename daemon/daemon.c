/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * daemon.c: opening and closing the site a daemon serves. The store is
 * opened first and outlives everything built on it: the replica, then
 * the trust decisions, which the daemon owns and lends to the replica
 * and to gossip. gemsyncd, the control tests and the fuzzers all open a
 * site this way.
 */
#include "daemon.h"

#include <stdio.h>

#include "err.h"
#include "replica.h"
#include "recur.h"
#include "store.h"
#include "trust.h"

int
gs_daemon_open_site(struct gs_daemon *d, const struct gs_replica_opts *o,
    char *err, size_t errlen)
{
	int ret;

	ret = gs_replica_open_store(o->data_dir, &d->store, err, errlen);
	if (ret == 0)
		ret = gs_replica_open(o, d->store, &d->replica, err, errlen);
	if (ret != 0)
		return ret;
	ret = gs_trust_load(d->store, gs_replica_pk(d->replica), &d->trust);
	if (ret != 0) {
		snprintf(err, errlen, "lecture des sites connus : %s",
		    gs_strerror(ret));
		return ret;
	}
	gs_replica_set_trust(d->replica, d->trust);
	/* a year of weekly dates of a few thousand series */
	d->series = gs_recur_cache_new(1u << 18);
	return 0;
}

void
gs_daemon_close_site(struct gs_daemon *d)
{
	gs_recur_cache_destroy(&d->series);
	gs_replica_close(&d->replica);
	gs_trust_destroy(&d->trust);
	gs_store_close(&d->store);
}
