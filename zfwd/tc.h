/* SPDX-License-Identifier: GPL-2.0-only */
/* tc attachment through libbpf's netlink helpers (no fork of tc). zfwd's
 * filter has a fixed handle and priority; a filter there whose program
 * is not zfwd's is someone else's and is never replaced or removed. */
#ifndef ZFWD_TC_H
#define ZFWD_TC_H

#include <stdbool.h>

#define TC_ZFWD_HANDLE 0x7a66
#define TC_ZFWD_PRIORITY 0x7a66
#define TC_ZFWD_PROG_PREFIX "zfwd_"

/* Attaches (or atomically replaces zfwd's existing filter). */
int tc_attach(int ifindex, bool ingress, int prog_fd);
/* Removes zfwd's filter if there is one; 0 when there is none. */
int tc_detach(int ifindex, bool ingress);
/* 1 when zfwd's filter is attached, 0 when not, -errno on error. */
int tc_attached(int ifindex, bool ingress);

#endif
