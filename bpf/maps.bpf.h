/* SPDX-License-Identifier: GPL-2.0-only */
/* Map definitions of the data plane, pinned by name under the pin root.
 * Sizes here are defaults: zfwd sets max_entries from its limits before
 * load. Layouts come from proto/zfwd_maps.h only. */
#ifndef ZFWD_MAPS_BPF_H
#define ZFWD_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "zfwd_maps.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct zfwd_meta);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} zfwd_meta SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct zfwd_dst4_key);
	__type(value, struct zfwd_dst_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} zfwd_dst4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct zfwd_dst6_key);
	__type(value, struct zfwd_dst_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} zfwd_dst6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct zfwd_src4_key);
	__type(value, struct zfwd_leaf);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} zfwd_src4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct zfwd_src6_key);
	__type(value, struct zfwd_leaf);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} zfwd_src6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct zfwd_rule_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} zfwd_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct zfwd_rule_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} zfwd_rstats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct zfwd_iface_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} zfwd_ifaces SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct zfwd_iface_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} zfwd_istats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct zfwd_ct_key);
	__type(value, struct zfwd_ct_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} zfwd_ct SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct zfwd_settings);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} zfwd_settings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct zfwd_addr_key);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} zfwd_addrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} zfwd_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct zfwd_gstats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} zfwd_gstats SEC(".maps");

#endif /* ZFWD_MAPS_BPF_H */
