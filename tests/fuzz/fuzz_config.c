/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz_config.c: fuzz target for the configuration reader (config.h):
 * gs_config_load, which gemsyncd (and gemsyncd -n) runs on its file, and
 * gs_config_load_lenient, which the CLI runs on the same file. Both read a
 * path, so each input is written whole to one file in a mkdtemp() folder
 * (removed at exit) and read by both. Beyond "no crash", it checks their
 * contract: a refusal leaves *out NULL and says why (a message that names
 * the file), success leaves no setting unset (every string the daemon
 * uses without a check is there), data_dir absolute and control an ipc://
 * endpoint, and whatever the strict reader accepts the lenient one
 * accepts too, with the same data_dir and control.
 */
#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fz_dir[256];
static char fz_file[300];

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
teardown(void)
{
	if (fz_dir[0] != '\0')
		nftw(fz_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	gs_log_level = GS_LOG_ERROR;
	snprintf(fz_dir, sizeof(fz_dir), "%s/gs-fuzz-config-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(fz_dir) == NULL) {
		fz_dir[0] = '\0';
		abort();
	}
	atexit(teardown);
	snprintf(fz_file, sizeof(fz_file), "%s/gemsyncd.conf", fz_dir);
	return 0;
}

/* Invariants of a configuration either reader returned. */
static void
check_cfg(const struct gs_config *c)
{
	const char *const must[] = { c->site_name, c->site_town,
	    c->site_department, c->site_languages, c->site_hours,
	    c->site_description, c->site_timezone, c->data_dir, c->control,
	    c->listen, c->advertise, c->key_file };

	if (c->path == NULL || strcmp(c->path, fz_file) != 0)
		abort();
	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		if (must[i] == NULL)
			abort();
	if (c->data_dir[0] != '/' || strncmp(c->control, "ipc://", 6) != 0)
		abort();
	if (c->passphrase_file != NULL && c->passphrase_file[0] == '\0')
		abort();
	if (c->log_level < GS_LOG_ERROR || c->log_level > GS_LOG_DEBUG)
		abort();
	/* gs_config_line on what was read must not trip either */
	(void)gs_config_line(c, "daemon", "data_dir");
	(void)gs_config_line(c, "network", "listen");
}

/* A refusal: no configuration, a message that names the file. */
static void
check_refusal(int rc, const struct gs_config *c, const char *err)
{
	if (c != NULL)
		abort();
	if (rc != GS_EINVAL && rc != GS_ENOMEM && rc != GS_EIO)
		abort();
	if (rc == GS_EINVAL && strncmp(err, fz_file, strlen(fz_file)) != 0)
		abort();
	if (memchr(err, '\0', 512) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gs_config *strict = NULL, *lenient = NULL;
	char err[512], lerr[512];
	FILE *f;
	int rc, lrc;

	f = fopen(fz_file, "wb");
	if (f == NULL)
		return 0;
	if (size > 0 && fwrite(data, 1, size, f) != size) {
		fclose(f);
		return 0;
	}
	if (fclose(f) != 0)
		return 0;

	memset(err, 0x55, sizeof(err));
	rc = gs_config_load(fz_file, &strict, err, sizeof(err));
	if (rc == 0) {
		if (strict == NULL)
			abort();
		check_cfg(strict);
	} else {
		check_refusal(rc, strict, err);
	}

	memset(lerr, 0x55, sizeof(lerr));
	lrc = gs_config_load_lenient(fz_file, &lenient, lerr, sizeof(lerr));
	if (lrc == 0) {
		if (lenient == NULL || memchr(lerr, '\0', sizeof(lerr)) == NULL)
			abort();
		check_cfg(lenient);
	} else {
		check_refusal(lrc, lenient, lerr);
	}
	/* lenient accepts all the strict reader accepts, with the same
	 * data_dir and control, and then has nothing to warn about */
	if (rc == 0) {
		if (lrc != 0 || lerr[0] != '\0')
			abort();
		if (strcmp(strict->data_dir, lenient->data_dir) != 0 ||
		    strcmp(strict->control, lenient->control) != 0)
			abort();
	}
	gs_config_destroy(&strict);
	gs_config_destroy(&lenient);
	if (strict != NULL || lenient != NULL)
		abort();
	return 0;
}
