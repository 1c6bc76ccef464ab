/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An in-memory stand-in for the kernel maps behind struct kbackend, for
 * tests without a kernel: it records every operation, can fail the Nth
 * one, and can look a packet up the way bpf/match.bpf.h does (longest
 * prefix in the dst "trie", then in the src "trie", then the candidates).
 */
#ifndef ZFWD_FAKE_KERNEL_H
#define ZFWD_FAKE_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "kbackend.h"
#include "zfwd_maps.h"

struct fake_entry {
	/* Aligned like the structs callers read through them. */
	unsigned char key[40] __attribute__((aligned(8)));
	unsigned char val[sizeof(struct zfwd_dst_val)] __attribute__((aligned(8)));
	bool used;
};

struct fake_map {
	struct fake_entry *e;
	size_t n, cap;
	size_t key_size, val_size;
};

struct fake_kernel {
	struct fake_map maps[KM_COUNT];
	uint64_t ops;        /* successful operations */
	uint64_t fail_at;    /* fail the operation with this 1-based number */
	int fail_err;
	uint64_t attempts;
	uint64_t resets;     /* reset_stats calls */
};

void fake_init(struct fake_kernel *fk);
void fake_free(struct fake_kernel *fk);
struct kbackend fake_backend(struct fake_kernel *fk);
size_t fake_count(const struct fake_kernel *fk, enum kmap_id map);
/* A deep copy for before/after comparisons. */
void fake_copy(struct fake_kernel *dst, const struct fake_kernel *src);
bool fake_equal(const struct fake_kernel *a, const struct fake_kernel *b);

struct fake_pkt {
	uint8_t family, proto;
	uint8_t saddr[16], daddr[16];
	uint16_t dport;
	uint32_t ifindex;
};

/* The rule slot the data plane would pick, or -1 for no match. */
int fake_lookup(const struct fake_kernel *fk, const struct fake_pkt *p);

#endif
