// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/vfs.h>

#include <linux/magic.h>

#include "bpffs.h"
#include "log.h"

#define BPFFS_DEFAULT "/sys/fs/bpf"

/* The filesystem type of @path's nearest existing ancestor. */
static int fs_type(const char *path, long *type)
{
	char buf[PATH_MAX];
	struct statfs st;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (;;) {
		char *slash;

		if (!statfs(buf, &st)) {
			*type = st.f_type;
			return 0;
		}
		if (errno != ENOENT)
			return -errno;
		slash = strrchr(buf, '/');
		if (!slash || slash == buf)
			return -ENOENT;
		*slash = '\0';
	}
}

int bpffs_ensure(const char *pin_root)
{
	size_t n = strlen(BPFFS_DEFAULT);
	long type;
	int err;

	err = fs_type(pin_root, &type);
	if (err)
		return err;
	if (type == (long)BPF_FS_MAGIC)
		return 0;
	if (strncmp(pin_root, BPFFS_DEFAULT, n) || (pin_root[n] && pin_root[n] != '/')) {
		log_err("%s is not on a bpf filesystem", pin_root);
		return -ENOTDIR;
	}
	if (mount("bpf", BPFFS_DEFAULT, "bpf", 0, "mode=0700")) {
		err = -errno;
		log_err("cannot mount bpffs on %s: %s", BPFFS_DEFAULT, strerror(errno));
		return err;
	}
	log_notice("mounted bpffs on %s", BPFFS_DEFAULT);
	return 0;
}
