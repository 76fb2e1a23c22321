// SPDX-License-Identifier: MIT
/*
 * A main() for libFuzzer harnesses where libFuzzer is not used: it feeds
 * every file named on the command line, or found in a directory named
 * there, to LLVMFuzzerTestOneInput() once, in name order. This is how the
 * normal build runs the checked-in corpora as tests (dav1d's habit): a
 * harness's invariants abort on failure, so success is reaching the end.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REPLAY_MAX_INPUT (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path, uint8_t *buf)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, REPLAY_MAX_INPUT, f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Return: inputs run, or -1. */
static long run_dir(const char *dir, uint8_t *buf)
{
	char **names = NULL, path[4096];
	size_t nr = 0, cap = 0, i;
	struct dirent *de;
	long done = 0;
	DIR *d = opendir(dir);

	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (nr == cap) {
			char **more = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof(*names));

			if (!more)
				abort();
			names = more;
		}
		names[nr] = strdup(de->d_name);
		if (!names[nr++])
			abort();
	}
	closedir(d);
	qsort(names, nr, sizeof(*names), by_name);
	for (i = 0; i < nr; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (run_file(path, buf))
			done = -1;
		else if (done >= 0)
			done++;
		free(names[i]);
	}
	free(names);
	return done;
}

int main(int argc, char **argv)
{
	uint8_t *buf = malloc(REPLAY_MAX_INPUT);
	long total = 0, n;
	struct stat st;
	int i;

	if (!buf || argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st)) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		n = S_ISDIR(st.st_mode) ? run_dir(argv[i], buf) : run_file(argv[i], buf) ? -1 : 1;
		if (n < 0)
			return 1;
		total += n;
	}
	free(buf);
	printf("replay: %ld inputs, all invariants held\n", total);
	return total ? 0 : 1;
}
