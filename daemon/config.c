/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * config.c: parses gemsyncd.conf with inih into struct gs_config, with a
 * safe default for every setting and a clear error for every bad value.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <arpa/inet.h>

#include "err.h"
#include "grow.h"
#include "log.h"
#include "recur.h"

struct parse_ctx {
	FILE *f;
	int line;              /* lines read so far: the one being parsed */
	char *buf;             /* the whole current line (getline) */
	size_t bufcap;
	char dup_rule[64];     /* first_time()'s rule */
	struct gs_config *cfg;
	char *err;
	size_t errlen;
	int failed;
	bool lenient;          /* only [daemon] data_dir and control must hold */
	bool warned;           /* lenient: err holds the first ignored error */
};

static int
set_str(char **dst, const char *v)
{
	char *s = strdup(v);
	if (s == NULL)
		return GS_ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

/* Parses an unsigned integer in [min, max]; 0 or GS_EINVAL. */
static int
parse_uint(const char *v, unsigned long long min, unsigned long long max,
    unsigned long long *out)
{
	char *end;
	unsigned long long n;

	if (*v == '\0' || *v == '-' || *v == '+')
		return GS_EINVAL;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return GS_EINVAL;
	*out = n;
	return 0;
}

static int
valid_endpoint(const char *v, const char *scheme)
{
	size_t n = strlen(scheme);
	return strncmp(v, scheme, n) == 0 && v[n] != '\0' && strlen(v) < 256;
}

/*
 * A TCP endpoint: tcp://HOST:PORT with HOST an IPv4 address, a bracketed
 * IPv6 literal, a DNS name or "*", and PORT 1-65535.
 */
static bool
valid_tcp(const char *v)
{
	const char *host, *colon;
	char buf[256];
	unsigned long long port;
	uint8_t addr[16];
	size_t len;

	if (strncmp(v, "tcp://", 6) != 0 || strlen(v) >= sizeof(buf))
		return false;
	host = v + 6;
	colon = strrchr(host, ':');
	if (colon == NULL || parse_uint(colon + 1, 1, 65535, &port) != 0)
		return false;
	len = (size_t)(colon - host);
	if (len == 0)
		return false;
	if (host[0] == '[') {
		if (len < 3 || host[len - 1] != ']')
			return false;
		memcpy(buf, host + 1, len - 2);
		buf[len - 2] = '\0';
		return inet_pton(AF_INET6, buf, addr) == 1;
	}
	memcpy(buf, host, len);
	buf[len] = '\0';
	if (strcmp(buf, "*") == 0 || inet_pton(AF_INET, buf, addr) == 1)
		return true;
	/* a name: letters, digits, dots and dashes, no leading dot or dash */
	return strspn(buf, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-") == len && buf[0] != '.' && buf[0] != '-' &&
	    strspn(buf, "0123456789.") != len;
}

struct uint_setting {
	const char *section, *name;
	unsigned long long min, max;
	size_t off;           /* offset of the field */
	int is_size;          /* size_t field, else unsigned */
};

#define U(sec, nm, lo, hi, fld) { sec, nm, lo, hi, offsetof(struct gs_config, fld), 0 }
#define Z(sec, nm, lo, hi, fld) { sec, nm, lo, hi, offsetof(struct gs_config, fld), 1 }
static const struct uint_setting uint_settings[] = {
	Z("network", "max_frame", 65536, 64ull << 20, max_frame),
	U("network", "heartbeat", 1, 3600, heartbeat_s),
	U("sync", "interval", 1, 86400, interval_s),
	U("sync", "fanout", 1, 64, fanout),
	U("sync", "batch_changes", 1, 10000, batch_changes),
	Z("sync", "batch_bytes", 4096, 16ull << 20, batch_bytes),
	U("sync", "credits", 1, 64, credits),
	U("sync", "max_clock_drift", 1, 86400, max_drift_s),
};
#undef U
#undef Z

struct str_setting {
	const char *section, *name;
	size_t off;
	size_t maxlen;
};

#define S(sec, nm, fld, mx) { sec, nm, offsetof(struct gs_config, fld), mx }
static const struct str_setting str_settings[] = {
	S("site", "name", site_name, 100),
	S("site", "town", site_town, 100),
	S("site", "department", site_department, 3),
	S("site", "languages", site_languages, 100),
	S("site", "hours", site_hours, 500),
	S("site", "description", site_description, 2000),
	S("site", "timezone", site_timezone, 64),
	S("daemon", "data_dir", data_dir, PATH_MAX - 64),
	S("daemon", "control", control, PATH_MAX),
	S("network", "listen", listen, 255),
	S("network", "advertise", advertise, 1000),
	S("storage", "key_file", key_file, PATH_MAX),
	S("storage", "passphrase_file", passphrase_file, PATH_MAX),
};
#undef S

/* The file errors are about: its path, or "(defaults)" without one. */
static const char *
source_name(const struct gs_config *cfg)
{
	return cfg->path ? cfg->path : "(defaults)";
}

/*
 * Where a key (section "." name, or "[section]" for a section header) was
 * first read: its line, or 0. Records it at line when new.
 */
static int
seen_at(struct gs_config *cfg, const char *key, int line)
{
	for (size_t i = 0; i < cfg->nlines; i++)
		if (strcmp(cfg->lines[i].key, key) == 0)
			return cfg->lines[i].line;
	if (gs_grow(&cfg->lines, &cfg->caplines, cfg->nlines,
	    sizeof(*cfg->lines), 16) != 0)
		return 0;
	snprintf(cfg->lines[cfg->nlines].key, sizeof(cfg->lines[0].key), "%s",
	    key);
	cfg->lines[cfg->nlines++].line = line;
	return 0;
}

int
gs_config_line(const struct gs_config *cfg, const char *section,
    const char *name)
{
	char key[sizeof(cfg->lines[0].key)];

	snprintf(key, sizeof(key), "%s.%s", section, name);
	for (size_t i = 0; i < cfg->nlines; i++)
		if (strcmp(cfg->lines[i].key, key) == 0)
			return cfg->lines[i].line;
	return 0;
}

/* The settings the CLI needs: they must hold even when reading leniently. */
static bool
needed_by_cli(const char *section, const char *name)
{
	return strcmp(section, "daemon") == 0 && (strcmp(name, "data_dir") == 0 ||
	    strcmp(name, "control") == 0);
}

/*
 * Writes "FILE:LINE: [section] name: rule" into p->err, the names as
 * the file spells them but sanitized (they are the file's text).
 */
static void
say(struct parse_ctx *p, int line, const char *section, const char *name,
    const char *rule)
{
	char sec[64], nm[64];

	gs_sanitize(section, sec, sizeof(sec));
	gs_sanitize(name, nm, sizeof(nm));
	snprintf(p->err, p->errlen, "%s:%d: [%s] %s: %s", source_name(p->cfg),
	    line, sec, nm, rule);
}

static int
fail(struct parse_ctx *p, int line, const char *section, const char *name,
    const char *rule)
{
	if (p->lenient && !needed_by_cli(section, name)) {
		if (!p->warned)
			say(p, line, section, name, rule);
		p->warned = true;
		return 1;   /* ignored: the CLI does not use it */
	}
	say(p, line, section, name, rule);
	p->failed = 1;
	return 0;   /* inih: stop at the first error */
}

/* A whole-file error at the current line (the line's shape, not a value). */
static char *
fail_line(struct parse_ctx *p, const char *what)
{
	snprintf(p->err, p->errlen, "%s:%d: %s", source_name(p->cfg), p->line,
	    what);
	p->failed = 1;
	return NULL;   /* inih: no more lines */
}

/*
 * A section header "[name]" on this line (spaces around allowed): its
 * name into out. false when the line is something else.
 */
static bool
section_of(const char *line, char *out, size_t outlen)
{
	size_t len;

	line += strspn(line, " \t");
	if (*line != '[')
		return false;
	len = strcspn(line + 1, "]");
	if (line[1 + len] != ']' || len >= outlen)
		return false;
	memcpy(out, line + 1, len);
	out[len] = '\0';
	return true;
}

/*
 * inih's line reader. Reads whole lines itself so that it can count them
 * (errors name the right line however long a line is) and refuse what
 * inih would take apart silently: a NUL byte, a line longer than inih's
 * buffer, a section given twice.
 */
static char *
read_line(char *buf, int size, void *stream)
{
	struct parse_ctx *p = stream;
	char sec[64], where[160];
	ssize_t n;
	int first;

	if (p->failed)
		return NULL;
	n = getline(&p->buf, &p->bufcap, p->f);
	if (n < 0)
		return NULL;
	p->line++;
	if (memchr(p->buf, '\0', (size_t)n) != NULL)
		return fail_line(p, "NUL byte in the line: this is not a text "
		    "file");
	if (n > 0 && p->buf[n - 1] == '\n')
		p->buf[--n] = '\0';
	if (n > 0 && p->buf[n - 1] == '\r')
		p->buf[--n] = '\0';
	if (n >= size - 1) {
		snprintf(where, sizeof(where), "line too long (%zd bytes, at "
		    "most %d): shorten it", n, size - 2);
		return fail_line(p, where);
	}
	if (section_of(p->buf, sec, sizeof(sec))) {
		char key[80], clean[64];
		snprintf(key, sizeof(key), "[%s]", sec);
		first = seen_at(p->cfg, key, p->line);
		if (first != 0) {
			gs_sanitize(sec, clean, sizeof(clean));
			snprintf(where, sizeof(where), "section [%s] already "
			    "began on line %d: put its settings together",
			    clean, first);
			return fail_line(p, where);
		}
	}
	memcpy(buf, p->buf, (size_t)n);
	buf[n] = '\n';
	buf[n + 1] = '\0';
	return buf;
}

/* false (with p->dup_rule) when the setting was already given. */
static bool
first_time(struct parse_ctx *p, int line, const char *section,
    const char *name)
{
	char key[80];
	int first;

	snprintf(key, sizeof(key), "%s.%s", section, name);
	first = seen_at(p->cfg, key, line);
	if (first == 0)
		return true;
	snprintf(p->dup_rule, sizeof(p->dup_rule), "already set on line %d: "
	    "keep one", first);
	return false;
}

static int
on_setting(void *user, const char *section, const char *name,
    const char *value)
{
	struct parse_ctx *p = user;
	int line = p->line;
	struct gs_config *cfg = p->cfg;
	unsigned long long n;

	if (p->failed)
		return 0;
	if (!first_time(p, line, section, name))
		return fail(p, line, section, name, p->dup_rule);
	for (size_t i = 0; i < sizeof(uint_settings) / sizeof(uint_settings[0]); i++) {
		const struct uint_setting *u = &uint_settings[i];
		char rule[96];
		if (strcmp(u->section, section) != 0 || strcmp(u->name, name) != 0)
			continue;
		if (parse_uint(value, u->min, u->max, &n) != 0) {
			snprintf(rule, sizeof(rule),
			    "must be a whole number from %llu to %llu", u->min,
			    u->max);
			return fail(p, line, section, name, rule);
		}
		if (u->is_size)
			*(size_t *)((char *)cfg + u->off) = (size_t)n;
		else
			*(unsigned *)((char *)cfg + u->off) = (unsigned)n;
		return 1;
	}
	for (size_t i = 0; i < sizeof(str_settings) / sizeof(str_settings[0]); i++) {
		const struct str_setting *s = &str_settings[i];
		if (strcmp(s->section, section) != 0 || strcmp(s->name, name) != 0)
			continue;
		if (strlen(value) > s->maxlen)
			return fail(p, line, section, name, "value too long");
		if (set_str((char **)((char *)cfg + s->off), value) != 0)
			return fail(p, line, section, name, "out of memory");
		return 1;
	}
	if (strcmp(section, "daemon") == 0 && strcmp(name, "log_level") == 0) {
		int lv = gs_log_parse_level(value);
		if (lv < 0)
			return fail(p, line, section, name,
			    "must be error, warn, info or debug");
		cfg->log_level = lv;
		return 1;
	}
	return fail(p, line, section, name, "unknown setting");
}

static int
set_defaults(struct gs_config *cfg)
{
	cfg->log_level = GS_LOG_INFO;
	cfg->max_frame = 4u << 20;
	cfg->heartbeat_s = 10;
	cfg->interval_s = 30;
	cfg->fanout = 3;
	/* an initial sync costs one commit per batch: big ones amortize it */
	cfg->batch_changes = 1024;
	cfg->batch_bytes = 1u << 20;
	cfg->credits = 4;
	cfg->max_drift_s = 300;
	if (set_str(&cfg->site_name, "") || set_str(&cfg->site_town, "") ||
	    set_str(&cfg->site_department, "") ||
	    set_str(&cfg->site_languages, "fr") ||
	    set_str(&cfg->site_hours, "") ||
	    set_str(&cfg->site_description, "") ||
	    set_str(&cfg->site_timezone, "Europe/Paris") ||
	    set_str(&cfg->data_dir, "/var/lib/gemsync") ||
	    set_str(&cfg->listen, "tcp://0.0.0.0:7650") ||
	    set_str(&cfg->advertise, ""))
		return GS_ENOMEM;
	return 0;
}

/* Writes a check's error ("PATH: [section] name: rule"); GS_EINVAL. */
static int
finish_fail(const struct gs_config *cfg, char *err, size_t errlen,
    const char *section, const char *name, const char *rule)
{
	int line = gs_config_line(cfg, section, name);

	if (line > 0)
		snprintf(err, errlen, "%s:%d: [%s] %s: %s", source_name(cfg),
		    line, section, name, rule);
	else
		snprintf(err, errlen, "%s: [%s] %s: %s", source_name(cfg),
		    section, name, rule);
	return GS_EINVAL;
}

/*
 * Fills the settings whose default depends on others, and checks them
 * (leniently: only those the CLI needs).
 */
static int
finish(struct gs_config *cfg, bool lenient, char *err, size_t errlen)
{
	char buf[PATH_MAX + 32];

	if (cfg->data_dir[0] != '/')
		return finish_fail(cfg, err, errlen, "daemon", "data_dir",
		    "must be an absolute path");
	if (gs_recur_zone_check(cfg->site_timezone) != NULL) {
		char rule[160];
		snprintf(rule, sizeof(rule), "unknown time zone \"%.64s\": use "
		    "an IANA name such as Europe/Paris", cfg->site_timezone);
		return finish_fail(cfg, err, errlen, "site", "timezone", rule);
	}
	if (!lenient && cfg->listen[0] != '\0' && !valid_tcp(cfg->listen))
		return finish_fail(cfg, err, errlen, "network", "listen",
		    "must look like tcp://HOST:PORT (an IPv6 address in "
		    "brackets: tcp://[::1]:7650; a port from 1 to 65535)");
	if (cfg->control == NULL) {
		snprintf(buf, sizeof(buf), "ipc://%s/control.sock", cfg->data_dir);
		if (set_str(&cfg->control, buf) != 0)
			return GS_ENOMEM;
	} else if (!valid_endpoint(cfg->control, "ipc://")) {
		return finish_fail(cfg, err, errlen, "daemon", "control",
		    "must look like ipc:///PATH");
	}
	if (cfg->key_file == NULL) {
		snprintf(buf, sizeof(buf), "%s/storage.key", cfg->data_dir);
		if (set_str(&cfg->key_file, buf) != 0)
			return GS_ENOMEM;
	}
	if (cfg->passphrase_file != NULL && cfg->passphrase_file[0] == '\0') {
		free(cfg->passphrase_file);
		cfg->passphrase_file = NULL;
	}
	return 0;
}

/*
 * Only a regular file is a configuration: a directory would read as an
 * empty file (all defaults), and /dev/zero or a pipe would never end.
 */
static int
regular_file(FILE *f, const char *path, char *err, size_t errlen)
{
	struct stat sb;

	if (fstat(fileno(f), &sb) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return GS_EIO;
	}
	if (S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: is a directory: give the path of the "
		    "configuration file (e.g. %s/gemsyncd.conf)", path, path);
		return GS_EINVAL;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file: give the path of "
		    "the configuration file", path);
		return GS_EINVAL;
	}
	return 0;
}

static int
load(const char *path, bool lenient, struct gs_config **out, char *err,
    size_t errlen)
{
	struct gs_config *cfg;
	struct parse_ctx p;
	FILE *f = NULL;
	int ret = GS_ENOMEM, rc;

	*out = NULL;
	err[0] = '\0';
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		goto out;
	if (set_defaults(cfg) != 0)
		goto out;
	if (path != NULL) {
		if (set_str(&cfg->path, path) != 0)
			goto out;
		if ((f = fopen(path, "r")) == NULL) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			ret = errno == ENOENT ? GS_ENOTFOUND : GS_EIO;
			goto out;
		}
		ret = regular_file(f, path, err, errlen);
		if (ret != 0)
			goto out;
		memset(&p, 0, sizeof(p));
		p.f = f;
		p.cfg = cfg;
		p.err = err;
		p.errlen = errlen;
		p.lenient = lenient;
		rc = ini_parse_stream(read_line, &p, on_setting, &p);
		free(p.buf);
		ret = GS_EINVAL;
		if (p.failed)
			goto out;
		if (rc != 0) {
			snprintf(err, errlen, "%s:%d: syntax error (expected "
			    "[section] or name = value)", path, rc);
			goto out;
		}
	}
	ret = finish(cfg, lenient, err, errlen);
	if (ret != 0)
		goto out;
	*out = cfg;
	cfg = NULL;
out:
	if (f != NULL)
		fclose(f);
	gs_config_destroy(&cfg);
	return ret;
}

int
gs_config_load(const char *path, struct gs_config **out, char *err,
    size_t errlen)
{
	return load(path, false, out, err, errlen);
}

int
gs_config_load_lenient(const char *path, struct gs_config **out, char *err,
    size_t errlen)
{
	return load(path, true, out, err, errlen);
}

void
gs_config_destroy(struct gs_config **cfg)
{
	struct gs_config *c;

	if (cfg == NULL || *cfg == NULL)
		return;
	c = *cfg;
	free(c->path);
	free(c->lines);
	for (size_t i = 0; i < sizeof(str_settings) / sizeof(str_settings[0]); i++)
		free(*(char **)((char *)c + str_settings[i].off));
	free(c);
	*cfg = NULL;
}

char *
gs_config_passphrase(const struct gs_config *cfg, int *err)
{
	char buf[1024];
	const char *env;
	struct stat st;
	FILE *f;
	size_t n;

	*err = 0;
	if (cfg->passphrase_file == NULL) {
		env = getenv("GEMSYNC_PASSPHRASE");
		return env != NULL && env[0] != '\0' ? strdup(env) : NULL;
	}
	if ((f = fopen(cfg->passphrase_file, "r")) == NULL) {
		*err = GS_EIO;
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0 || (st.st_mode & 077) != 0) {
		fclose(f);
		*err = GS_EPERM;
		return NULL;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return strdup(buf);
}
