/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The BPF side as the daemon sees it: the object loaded from its
 * skeleton, maps pinned under the pin root and adopted when their layout
 * matches (a version and ABI check on every map, never a guess), the map
 * backend the engine writes through, and counter reads.
 */
#ifndef ZFWD_DATAPLANE_H
#define ZFWD_DATAPLANE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "kbackend.h"

struct zfwd_bpf;

struct dataplane {
	struct zfwd_bpf *skel;
	int fd[KM_COUNT];
	int rstats_fd, istats_fd, meta_fd, ct_fd, settings_fd, addrs_fd, events_fd, gstats_fd;
	int ncpus;
	bool adopted;          /* pinned maps existed and matched */
	void *pcpu;            /* scratch for per-CPU values */
	size_t pcpu_size;
};

struct dp_opts {
	const char *pin_root;
	struct engine_limits lim;
	uint32_t mark, mark_mask;
	uint32_t ct_size;           /* flow table entries */
};

/* Ensures the pin root, then adopts matching pinned maps or replaces
 * mismatching ones (old programs keep the old maps until re-attached). */
int dp_open(struct dataplane *dp, const struct dp_opts *o);
/* Closes file descriptors only: pins and attachments stay. */
void dp_close(struct dataplane *dp);
int dp_prog_fd(const struct dataplane *dp, bool ingress);
/* Flow timeouts, in seconds. */
int dp_settings(struct dataplane *dp, uint32_t tcp_established, uint32_t tcp_transitory,
		uint32_t udp, uint32_t icmp);
/* A managed interface's address, for SSH admission. */
int dp_addr(struct dataplane *dp, uint32_t ifindex, uint8_t family, const uint8_t *addr,
	    bool add);
/* Removes every address entry of @ifindex. */
int dp_addrs_flush(struct dataplane *dp, uint32_t ifindex);
/* How many clients watch events: the programs emit for all interfaces
 * while this is not 0. */
int dp_set_monitors(struct dataplane *dp, uint32_t n);
/* The data plane's global counters (enum zfwd_gstat). */
int dp_gstats(struct dataplane *dp, uint64_t *counts);
/* Entries in the flow table, the address table (for tests and status). */
long dp_count(struct dataplane *dp, const char *map);
struct kbackend dp_backend(struct dataplane *dp);
/* Reads adopted maps into the engine's shadow and interface table. */
int dp_read_state(struct dataplane *dp, struct engine *e);
int dp_rule_stats(struct dataplane *dp, uint32_t slot, uint64_t *packets,
		  uint64_t *bytes);
/* Sums an interface's counters; -ENOENT when it has none. */
int dp_iface_stats(struct dataplane *dp, uint32_t ifindex, uint64_t *counts);
int dp_iface_stats_init(struct dataplane *dp, uint32_t ifindex);
int dp_iface_stats_del(struct dataplane *dp, uint32_t ifindex);
/* Removes every pin this object uses (uninstall). */
int dp_unpin_all(const char *pin_root);

#endif
