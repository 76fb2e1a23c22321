// SPDX-License-Identifier: MIT
/*
 * Platform keys. The root keys play the part of the fuses: stable per
 * machine, kept in a key file created on first use, so that sealed data
 * survives a restart. The REPORT KEYID (CR_REPORT_KEYID) is derived from
 * them, so reports verify between processes of one machine, as between
 * enclaves of one boot. The paging key is drawn afresh for every platform
 * instance, as a power cycle would.
 *
 * Key file format (56 bytes): "SGXEMUK1", root seal key (16), root
 * provisioning key (16), owner epoch (16).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw_internal.h"

#define KEY_FILE_MAGIC "SGXEMUK1"
#define KEY_FILE_SIZE  (8 + 16 + 16 + 16)

static int default_key_path(char *buf, size_t len)
{
	const char *env = getenv("SGXEMU_KEY_FILE");
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	int n;

	if (env && *env)
		n = snprintf(buf, len, "%s", env);
	else if (xdg && *xdg)
		n = snprintf(buf, len, "%s/sgxemu/platform.key", xdg);
	else if (home && *home)
		n = snprintf(buf, len, "%s/.local/share/sgxemu/platform.key", home);
	else
		return -ENOENT;
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* mkdir -p of the directories leading to @path, mode 0700. */
static int make_parents(const char *path)
{
	char tmp[PATH_MAX];
	char *p;

	if (strlen(path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	strcpy(tmp, path);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t len)
{
	const uint8_t *b = buf;

	while (len) {
		ssize_t n = write(fd, b, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

static int load_key_file(struct hw_platform *hw, const char *path)
{
	uint8_t buf[KEY_FILE_SIZE + 1];
	int fd, ret;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Read one byte more than expected to catch a longer file. */
	n = read(fd, buf, sizeof(buf));
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret)
		goto out_wipe;
	if (n != KEY_FILE_SIZE || memcmp(buf, KEY_FILE_MAGIC, 8)) {
		ret = -EINVAL;
		goto out_wipe;
	}
	memcpy(hw->root_seal_key, buf + 8, 16);
	memcpy(hw->root_prov_key, buf + 24, 16);
	memcpy(hw->owner_epoch, buf + 40, 16);
out_wipe:
	crypto_wipe(buf, sizeof(buf));
	return ret;
}

/*
 * Create the key file atomically: write a private temporary file, then
 * link() it to the final name, which fails with EEXIST if another process
 * won the race - then we read theirs.
 */
static int create_key_file(struct hw_platform *hw, const char *path)
{
	uint8_t buf[KEY_FILE_SIZE];
	char tmp[PATH_MAX];
	int fd, ret;

	ret = make_parents(path);
	if (ret)
		return ret;
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;

	memcpy(buf, KEY_FILE_MAGIC, 8);
	ret = crypto_random(buf + 8, sizeof(buf) - 8);
	if (!ret)
		ret = write_full(fd, buf, sizeof(buf));
	if (!ret && fsync(fd))
		ret = -errno;
	close(fd);
	crypto_wipe(buf, sizeof(buf));
	if (!ret && link(tmp, path) && errno != EEXIST)
		ret = -errno;
	unlink(tmp);
	if (ret)
		return ret;
	return load_key_file(hw, path);
}

int keys_platform_init(struct hw_platform *hw, const char *path)
{
	uint8_t paging_key[16];
	char def[PATH_MAX];
	int ret;

	if (!path) {
		ret = default_key_path(def, sizeof(def));
		if (ret)
			return ret;
		path = def;
	}
	ret = load_key_file(hw, path);
	if (ret == -ENOENT)
		ret = create_key_file(hw, path);
	if (ret)
		return ret;

	{
		static const char label[] = "sgxemu CR_REPORT_KEYID";
		uint8_t mac[CRYPTO_CMAC_LEN];

		ret = crypto_cmac(hw->root_seal_key, label, sizeof(label), mac);
		if (ret)
			goto out_wipe;
		memcpy(hw->report_keyid, mac, sizeof(mac));
		memcpy(hw->report_keyid + sizeof(mac), mac, sizeof(mac));
		crypto_wipe(mac, sizeof(mac));
	}
	ret = crypto_random(paging_key, sizeof(paging_key));
	if (!ret)
		ret = crypto_gcm_new(paging_key, &hw->paging);
	crypto_wipe(paging_key, sizeof(paging_key));
	if (ret)
		goto out_wipe;
	return 0;

out_wipe:
	keys_platform_fini(hw);
	return ret;
}

void keys_platform_fini(struct hw_platform *hw)
{
	crypto_gcm_free(hw->paging);
	hw->paging = NULL;
	crypto_wipe(hw->root_seal_key, sizeof(hw->root_seal_key));
	crypto_wipe(hw->root_prov_key, sizeof(hw->root_prov_key));
	crypto_wipe(hw->owner_epoch, sizeof(hw->owner_epoch));
	crypto_wipe(hw->report_keyid, sizeof(hw->report_keyid));
}
