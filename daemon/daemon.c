/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * daemon.c: opening and closing the site a daemon serves. The store is
 * opened first and outlives everything built on it: the replica, then
 * the trust decisions, which the daemon owns and lends to the replica
 * and to gossip. gemsyncd, the control tests and the fuzzers all open a
 * site this way.
 */
#include "daemon.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "backup.h"
#include "config.h"
#include "err.h"
#include "fields.h"
#include "replica.h"
#include "schema.h"
#include "siteid.h"
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
	/* a backup under way reads the store: it goes first */
	gs_backup_destroy(&d->backup);
	gs_recur_cache_destroy(&d->series);
	gs_replica_close(&d->replica);
	gs_trust_destroy(&d->trust);
	gs_store_close(&d->store);
}

/* Each profile field, and the setting it comes from. */
static const struct {
	const char *field, *section, *name;
	size_t off;
} profile_settings[] = {
	{ "name", "site", "name", offsetof(struct gs_config, site_name) },
	{ "town", "site", "town", offsetof(struct gs_config, site_town) },
	{ "department", "site", "department",
	    offsetof(struct gs_config, site_department) },
	{ "languages", "site", "languages",
	    offsetof(struct gs_config, site_languages) },
	{ "hours", "site", "hours", offsetof(struct gs_config, site_hours) },
	{ "description", "site", "description",
	    offsetof(struct gs_config, site_description) },
	{ "endpoints", "network", "advertise",
	    offsetof(struct gs_config, advertise) },
};
#define NPROFILE (sizeof(profile_settings) / sizeof(profile_settings[0]))

static const char *
setting(const struct gs_config *cfg, size_t i)
{
	return *(char *const *)((const char *)cfg + profile_settings[i].off);
}

int
gs_daemon_profile(const struct gs_config *cfg, const uint8_t *pk,
    struct gs_fields *f)
{
	char name[64], sid[GS_SITEID_SHORT];
	const char *v;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < NPROFILE; i++) {
		v = setting(cfg, i);
		if (i == 0 && v[0] == '\0') {
			gs_siteid_short(pk, sid);
			snprintf(name, sizeof(name), "site %s", sid);
			v = name;
		}
		rc = gs_fields_set(f, profile_settings[i].field, v);
	}
	return rc;
}

int
gs_daemon_load_config(const char *path, struct gs_config **out, char *err,
    size_t errlen)
{
	struct gs_config *cfg = NULL;
	struct gs_verr v;
	const char *value;
	int ret;

	*out = NULL;
	ret = gs_config_load(path, &cfg, err, errlen);
	for (size_t i = 0; ret == 0 && i < NPROFILE; i++) {
		value = setting(cfg, i);
		memset(&v, 0, sizeof(v));
		if (value[0] == '\0' || gs_item_check_field(GS_TYPE_SITE,
		    profile_settings[i].field, value, &v) == 0)
			continue;
		snprintf(err, errlen, "%s:%d: [%s] %s: %s", cfg->path ?
		    cfg->path : "(defaults)", gs_config_line(cfg,
		    profile_settings[i].section, profile_settings[i].name),
		    profile_settings[i].section, profile_settings[i].name,
		    v.rule);
		ret = GS_EINVAL;
	}
	if (ret == 0 && cfg->site_name[0] != '\0' &&
	    cfg->site_name[strspn(cfg->site_name, " \t")] == '\0') {
		snprintf(err, errlen, "%s:%d: [site] name: blank: give the "
		    "site's name, or leave the setting out", cfg->path ?
		    cfg->path : "(defaults)", gs_config_line(cfg, "site",
		    "name"));
		ret = GS_EINVAL;
	}
	if (ret == 0) {
		*out = cfg;
		cfg = NULL;
	}
	gs_config_destroy(&cfg);
	return ret;
}
