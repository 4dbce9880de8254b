/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * replay_main.c: a main() for fuzz targets built without libFuzzer. It
 * reads every regular file in the directories (or the files) named on the
 * command line and hands each to LLVMFuzzerTestOneInput, so the committed
 * seed corpus, and any crash input added to it, runs as a CTest regression
 * test under gcc and the sanitizers. Exits 1 if a path cannot be read or
 * nothing was replayed.
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* Reads path whole and replays it. 0, or -1 if it cannot be read. */
static int
replay_file(const char *path)
{
	FILE *f = NULL;
	uint8_t *buf = NULL;
	struct stat sb;
	size_t got;
	int ret = -1;

	if (stat(path, &sb) != 0 || sb.st_size < 0)
		goto out;
	f = fopen(path, "rb");
	if (f == NULL)
		goto out;
	/* an exact-size copy, so ASan sees any read past the input */
	buf = malloc(sb.st_size > 0 ? (size_t)sb.st_size : 1);
	if (buf == NULL)
		goto out;
	got = fread(buf, 1, (size_t)sb.st_size, f);
	if (got != (size_t)sb.st_size)
		goto out;
	LLVMFuzzerTestOneInput(buf, got);
	ret = 0;
out:
	if (ret != 0)
		fprintf(stderr, "replay: cannot read %s\n", path);
	if (f != NULL)
		fclose(f);
	free(buf);
	return ret;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays every regular file in dir, in name order. Count, or -1. */
static int
replay_dir(const char *dir)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL, **nn, path[4096];
	size_t n = 0, cap = 0;
	struct stat sb;
	int ret = -1, count = 0;

	d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "replay: cannot open %s\n", dir);
		return -1;
	}
	for (e = readdir(d); e != NULL; e = readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			nn = realloc(names, cap * sizeof(*names));
			if (nn == NULL)
				goto out;
			names = nn;
		}
		names[n] = strdup(e->d_name);
		if (names[n] == NULL)
			goto out;
		n++;
	}
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
			continue;
		if (replay_file(path) != 0)
			goto out;
		count++;
	}
	ret = count;
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return ret;
}

int
main(int argc, char **argv)
{
	struct stat sb;
	int total = 0, rc;

	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		if (stat(argv[i], &sb) != 0) {
			fprintf(stderr, "replay: no such path %s\n", argv[i]);
			return 1;
		}
		rc = S_ISDIR(sb.st_mode) ? replay_dir(argv[i]) :
		    (replay_file(argv[i]) == 0 ? 1 : -1);
		if (rc < 0)
			return 1;
		total += rc;
	}
	printf("replay: %d inputs replayed without a crash\n", total);
	return total > 0 ? 0 : 1;
}
