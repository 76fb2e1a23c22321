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

#include "config.h"
#include "hw_internal.h"
#include "keys.h"

#define KEY_FILE_MAGIC "SGXEMUK1"
#define KEY_FILE_SIZE  (8 + 16 + 16 + 16)

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
		ret = hw_key_file_path(def, sizeof(def));
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

/* ---- derivekey() (EGETKEY, EREPORT) ----------------------------------------- */

/*
 * HARDCODED_PKCS1_5_PADDING (SDM EGETKEY): bits 15:0 = 0100H, then 330
 * bytes of FFH, then bits 2815:2656 = 2004000501020403650148866009060D30313000H,
 * all little endian - the EMSA-PKCS1-v1_5 SHA-256 padding, reversed.
 */
static void pkcs1_5_padding(uint8_t pad[KEYS_PADDING_SIZE])
{
	static const uint8_t tail[20] = {
		0x00, 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48,
		0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
	};

	pad[0] = 0x00;
	pad[1] = 0x01;
	memset(pad + 2, 0xff, KEYS_PADDING_SIZE - 2 - sizeof(tail));
	memcpy(pad + KEYS_PADDING_SIZE - sizeof(tail), tail, sizeof(tail));
}

int keys_derive(const struct hw_platform *hw, const struct key_dependencies *kd,
		uint8_t key[CRYPTO_CMAC_LEN])
{
	struct key_dependencies buf = *kd;
	const uint8_t *root = hw->root_seal_key;
	int ret;

	switch (kd->key_name) {
	case SGX_KEYSELECT_PROVISION:
		root = hw->root_prov_key;
		memset(buf.seal_key_fuses, 0, sizeof(buf.seal_key_fuses));
		break;
	case SGX_KEYSELECT_PROVISION_SEAL:
		root = hw->root_prov_key;
		memcpy(buf.seal_key_fuses, hw->root_seal_key, sizeof(buf.seal_key_fuses));
		break;
	default:
		memcpy(buf.seal_key_fuses, hw->root_seal_key, sizeof(buf.seal_key_fuses));
		break;
	}
	pkcs1_5_padding(buf.padding);
	ret = crypto_cmac(root, &buf, sizeof(buf), key);
	crypto_wipe(&buf, sizeof(buf));
	if (ret)
		crypto_wipe(key, CRYPTO_CMAC_LEN);
	return ret;
}
