/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * keyfile.c: creating and loading the small secret files that identity.c
 * and vault.c keep. Creation is exclusive and synced (file, then
 * directory) so that a key is never silently replaced and is on disk
 * before the daemon publishes anything derived from it; a failed write
 * leaves no half file behind, which a later load would take for a damaged
 * key. Loading checks type and permissions on the open descriptor (no
 * race with a rename) and reads at most cap bytes, so a huge or hostile
 * file cannot make the daemon allocate or read without bound.
 */
#include "keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "err.h"
#include "log.h"

/* Writes all len bytes to fd. Returns 0 or -1 with errno set. */
static int
write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *b = buf;

	while (len > 0) {
		ssize_t n = write(fd, b, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Reads up to cap bytes from fd into buf; *got receives the count. Stops
 * early at end of file. Returns 0 or -1 with errno set.
 */
static int
read_upto(int fd, uint8_t *buf, size_t cap, size_t *got)
{
	size_t n = 0;

	while (n < cap) {
		ssize_t r = read(fd, buf + n, cap - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*got = n;
	return 0;
}

/* Makes the new entry for path durable in its directory; only logged. */
static void
sync_parent(const char *path)
{
	char *copy = strdup(path);
	const char *dir;
	int fd = -1;

	if (copy == NULL) {
		log_warnx("keyfile: cannot sync the directory of %s", path);
		return;
	}
	dir = dirname(copy);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0)
		log_warn("keyfile: cannot sync directory %s", dir);
	if (fd >= 0)
		close(fd);
	free(copy);
}

int
gs_keyfile_create(const char *path, const void *data, size_t len)
{
	int ret = GS_EIO;
	int fd = -1;
	int created = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			ret = GS_EEXISTS;
		else
			log_warn("keyfile: cannot create %s", path);
		goto out;
	}
	created = 1;
	if (write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		log_warn("keyfile: cannot write %s", path);
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		log_warn("keyfile: cannot write %s", path);
		goto out;
	}
	fd = -1;
	sync_parent(path);
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	/* A half-written key must not be mistaken for a corrupt one later. */
	if (ret != 0 && created)
		unlink(path);
	return ret;
}

int
gs_keyfile_read(const char *path, void *buf, size_t cap, size_t *len)
{
	int ret = GS_EIO;
	struct stat st;
	size_t got = 0;
	uint8_t extra = 0;
	size_t more = 0;
	int fd = -1;

	*len = 0;
	/* O_NONBLOCK: a FIFO put in place of the key must not hang us. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			ret = GS_ENOTFOUND;
		else
			log_warn("keyfile: cannot open %s", path);
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		log_warn("keyfile: cannot stat %s", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		log_warnx("keyfile: %s is not a regular file", path);
		ret = GS_ECORRUPT;
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		log_warnx("keyfile: %s is accessible by group or others "
		    "(mode %04o), refusing it", path,
		    (unsigned)(st.st_mode & 07777));
		ret = GS_EPERM;
		goto out;
	}
	ret = GS_ECORRUPT;
	if (st.st_size < 0 || (uintmax_t)st.st_size > cap) {
		log_warnx("keyfile: %s is larger than %zu bytes", path, cap);
		goto out;
	}
	ret = GS_EIO;
	if (read_upto(fd, buf, cap, &got) != 0) {
		log_warn("keyfile: cannot read %s", path);
		goto out;
	}
	/* The file may have grown since fstat: one more byte tells. */
	if (got == cap && read_upto(fd, &extra, 1, &more) != 0) {
		log_warn("keyfile: cannot read %s", path);
		goto out;
	}
	if (more != 0) {
		log_warnx("keyfile: %s is larger than %zu bytes", path, cap);
		ret = GS_ECORRUPT;
		goto out;
	}
	*len = got;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	gs_wipe(&extra, sizeof(extra));
	if (ret != 0 && cap > 0)
		gs_wipe(buf, cap);
	return ret;
}
