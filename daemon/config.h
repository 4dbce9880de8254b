/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * config.h: gemsyncd's INI configuration (conf/gemsyncd.conf), read with
 * inih. Every setting has a safe default, so a site runs with only a name
 * and a listen address. Values are checked when read; an error names the
 * file, the line and the rule.
 */
#ifndef GS_CONFIG_H
#define GS_CONFIG_H

#include <stddef.h>

struct gs_config {
	char *path;              /* the file read, or NULL for defaults only */
	/* [site]: this site's public profile */
	char *site_name;
	char *site_town;
	char *site_department;
	char *site_languages;
	char *site_hours;
	char *site_description;
	char *site_timezone;     /* IANA zone of new series (Europe/Paris) */
	/* [daemon] */
	char *data_dir;          /* absolute path */
	char *control;           /* control endpoint, ipc://... */
	int log_level;
	/* [network] */
	char *listen;            /* tcp://host:port; "" disables listening */
	char *advertise;         /* endpoints published in the profile */
	size_t max_frame;        /* bytes, ZMQ_MAXMSGSIZE for peers */
	unsigned heartbeat_s;    /* ZMQ heartbeat interval */
	/* [sync] */
	unsigned interval_s;     /* anti-entropy period (jittered) */
	unsigned fanout;         /* peers per round */
	unsigned batch_changes;  /* changes per batch */
	size_t batch_bytes;      /* bytes per batch */
	unsigned credits;        /* batches in flight per peer */
	unsigned max_drift_s;    /* remote HLC ahead of local time */
	/* [storage] */
	char *key_file;
	char *passphrase_file;   /* NULL if none */
	/* where each setting and section was read (gs_config_line) */
	struct gs_config_at {
		char key[80];        /* "section.name", or "[section]" */
		int line;
	} *lines;
	size_t nlines, caplines;
};

/*
 * Reads path (NULL: defaults only). On failure returns GS_EINVAL (or
 * GS_ENOTFOUND, GS_ENOMEM) and writes a message naming the file, line and
 * rule into err. *out is owned by the caller.
 */
int gs_config_load(const char *path, struct gs_config **out, char *err,
    size_t errlen);
/*
 * The same for a reader that needs only [daemon] data_dir and control (the
 * CLI): an error in any other setting is skipped (that setting keeps its
 * default) and the first one is left in err as a warning, with 0
 * returned. Errors in those two settings, and syntax errors, fail as in
 * gs_config_load(). err is "" when there was nothing to warn about.
 */
int gs_config_load_lenient(const char *path, struct gs_config **out,
    char *err, size_t errlen);
/*
 * The line of the file a setting was read from, or 0 when it was not in
 * the file (a default), so that later checks can name it.
 */
int gs_config_line(const struct gs_config *cfg, const char *section,
    const char *name);
/* Frees a configuration; sets *cfg to NULL. Accepts NULL. */
void gs_config_destroy(struct gs_config **cfg);
/*
 * Reads the passphrase from cfg->passphrase_file, or from the environment
 * variable GEMSYNC_PASSPHRASE. Returns a malloc'd string (trailing newline
 * removed) or NULL when neither is set; *err is set to GS_EIO/GS_EPERM when
 * the file cannot be read or is readable by others.
 */
char *gs_config_passphrase(const struct gs_config *cfg, int *err);

#endif
