/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ZFWD_BPFFS_H
#define ZFWD_BPFFS_H

/* Makes sure @pin_root lies on a bpf filesystem, mounting one at
 * /sys/fs/bpf when the pin root is under it and nothing is mounted. */
int bpffs_ensure(const char *pin_root);

#endif
