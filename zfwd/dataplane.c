// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dataplane.h"
#include "log.h"
#include "zfwd_bpf.skel.h"
#include "zfwd_maps.h"

#define IFACE_MAP_SIZE 1024

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

static void set_sizes(struct zfwd_bpf *s, const struct engine_limits *lim, uint32_t ct_size)
{
	bpf_map__set_max_entries(s->maps.zfwd_ct, ct_size ? ct_size : 65536);
	bpf_map__set_max_entries(s->maps.zfwd_dst4, lim->prefixes);
	bpf_map__set_max_entries(s->maps.zfwd_dst6, lim->prefixes);
	bpf_map__set_max_entries(s->maps.zfwd_src4, lim->leaves);
	bpf_map__set_max_entries(s->maps.zfwd_src6, lim->leaves);
	bpf_map__set_max_entries(s->maps.zfwd_rules, lim->rules);
	bpf_map__set_max_entries(s->maps.zfwd_rstats, lim->rules);
	bpf_map__set_max_entries(s->maps.zfwd_ifaces, IFACE_MAP_SIZE);
	bpf_map__set_max_entries(s->maps.zfwd_istats, IFACE_MAP_SIZE);
}

enum pin_verdict { PINS_NONE, PINS_MATCH, PINS_MISMATCH };

/* Compares every pinned map with what this build would create. */
static enum pin_verdict check_pins(struct bpf_object *obj, const char *root)
{
	bool any = false, all = true, bad = false;
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);
		char path[PATH_MAX];
		int fd;

		if (!bpf_map__is_pinned(map) && bpf_map__pin_path(map) == NULL)
			continue; /* .rodata and friends are not pinned */
		snprintf(path, sizeof(path), "%s/%s", root, bpf_map__name(map));
		fd = bpf_obj_get(path);
		if (fd < 0) {
			all = false;
			continue;
		}
		any = true;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) ||
		    info.type != bpf_map__type(map) ||
		    info.key_size != bpf_map__key_size(map) ||
		    info.value_size != bpf_map__value_size(map) ||
		    info.max_entries != bpf_map__max_entries(map) ||
		    info.map_flags != bpf_map__map_flags(map)) {
			log_notice("pinned map %s differs from this build", path);
			bad = true;
		}
		if (!bad && !strcmp(bpf_map__name(map), "zfwd_meta")) {
			struct zfwd_meta meta = { 0 };
			__u32 zero = 0;

			if (bpf_map_lookup_elem(fd, &zero, &meta) ||
			    meta.magic != ZFWD_META_MAGIC ||
			    meta.abi_version != ZFWD_ABI_VERSION) {
				log_notice("pinned maps have ABI %u, this build %u",
					   meta.abi_version, ZFWD_ABI_VERSION);
				bad = true;
			}
		}
		close(fd);
	}
	if (!any)
		return PINS_NONE;
	return bad || !all ? PINS_MISMATCH : PINS_MATCH;
}

static void unpin_obj(struct bpf_object *obj, const char *root)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		char path[PATH_MAX];

		if (bpf_map__pin_path(map) == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, bpf_map__name(map));
		if (unlink(path) && errno != ENOENT)
			log_warn("cannot unpin %s: %s", path, strerror(errno));
	}
}

int dp_unpin_all(const char *pin_root)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_root);
	struct zfwd_bpf *s = zfwd_bpf__open_opts(&opts);

	if (!s)
		return -errno;
	unpin_obj(s->obj, pin_root);
	zfwd_bpf__destroy(s);
	if (rmdir(pin_root) && errno != ENOENT && errno != ENOTEMPTY)
		return -errno;
	return 0;
}

int dp_open(struct dataplane *dp, const struct dp_opts *o)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = o->pin_root);
	enum pin_verdict pins;
	struct zfwd_bpf *s;
	int err;

	memset(dp, 0, sizeof(*dp));
	dp->rstats_fd = dp->istats_fd = dp->meta_fd = -1;
	dp->ct_fd = dp->settings_fd = dp->addrs_fd = dp->events_fd = dp->gstats_fd = -1;
	err = mkdir_p(o->pin_root, 0700);
	if (err) {
		log_err("cannot create pin root %s: %s", o->pin_root, strerror(-err));
		return err;
	}
	s = zfwd_bpf__open_opts(&opts);
	if (!s) {
		err = -errno;
		log_err("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	set_sizes(s, &o->lim, o->ct_size);
	s->rodata->cfg_mark = o->mark;
	s->rodata->cfg_mark_mask = o->mark_mask;

	pins = check_pins(s->obj, o->pin_root);
	if (pins == PINS_MISMATCH) {
		/* Programs attached now keep the old maps alive and keep
		 * enforcing until the new programs replace them. */
		log_notice("maps under %s do not match this build: rebuilding them from state",
			   o->pin_root);
		unpin_obj(s->obj, o->pin_root);
	}
	dp->adopted = pins == PINS_MATCH;

	err = zfwd_bpf__load(s);
	if (err) {
		log_err("cannot load the BPF programs: %s", strerror(-err));
		zfwd_bpf__destroy(s);
		return err;
	}
	dp->skel = s;
	dp->fd[KM_DST4] = bpf_map__fd(s->maps.zfwd_dst4);
	dp->fd[KM_DST6] = bpf_map__fd(s->maps.zfwd_dst6);
	dp->fd[KM_SRC4] = bpf_map__fd(s->maps.zfwd_src4);
	dp->fd[KM_SRC6] = bpf_map__fd(s->maps.zfwd_src6);
	dp->fd[KM_RULES] = bpf_map__fd(s->maps.zfwd_rules);
	dp->fd[KM_IFACES] = bpf_map__fd(s->maps.zfwd_ifaces);
	dp->rstats_fd = bpf_map__fd(s->maps.zfwd_rstats);
	dp->istats_fd = bpf_map__fd(s->maps.zfwd_istats);
	dp->meta_fd = bpf_map__fd(s->maps.zfwd_meta);
	dp->ct_fd = bpf_map__fd(s->maps.zfwd_ct);
	dp->settings_fd = bpf_map__fd(s->maps.zfwd_settings);
	dp->addrs_fd = bpf_map__fd(s->maps.zfwd_addrs);
	dp->events_fd = bpf_map__fd(s->maps.zfwd_events);
	dp->gstats_fd = bpf_map__fd(s->maps.zfwd_gstats);

	dp->ncpus = libbpf_num_possible_cpus();
	if (dp->ncpus <= 0) {
		err = dp->ncpus ? dp->ncpus : -EINVAL;
		goto fail;
	}
	dp->pcpu_size = (size_t)dp->ncpus * sizeof(struct zfwd_iface_stats);
	dp->pcpu = calloc(1, dp->pcpu_size);
	if (!dp->pcpu) {
		err = -ENOMEM;
		goto fail;
	}
	if (!dp->adopted) {
		struct zfwd_meta meta = { .magic = ZFWD_META_MAGIC,
					  .abi_version = ZFWD_ABI_VERSION };
		__u32 zero = 0;

		err = bpf_map_update_elem(dp->meta_fd, &zero, &meta, BPF_ANY);
		if (err)
			goto fail;
	}
	log_info("%s maps under %s", dp->adopted ? "adopted" : "created", o->pin_root);
	return 0;
fail:
	log_err("cannot set up the maps: %s", strerror(-err));
	dp_close(dp);
	return err;
}

void dp_close(struct dataplane *dp)
{
	if (dp->skel)
		zfwd_bpf__destroy(dp->skel);
	free(dp->pcpu);
	memset(dp, 0, sizeof(*dp));
}

int dp_prog_fd(const struct dataplane *dp, bool ingress)
{
	return bpf_program__fd(ingress ? dp->skel->progs.zfwd_ingress
				       : dp->skel->progs.zfwd_egress);
}

int dp_settings(struct dataplane *dp, uint32_t tcp_established, uint32_t tcp_transitory,
		uint32_t udp, uint32_t icmp)
{
	const __u64 ns = 1000000000ull;
	struct zfwd_settings st = { 0 };
	__u32 zero = 0;

	/* Keep the monitor count: it is not the config's. */
	bpf_map_lookup_elem(dp->settings_fd, &zero, &st);
	st.tcp_established_ns = tcp_established * ns;
	st.tcp_transitory_ns = tcp_transitory * ns;
	st.udp_ns = udp * ns;
	st.icmp_ns = icmp * ns;
	return bpf_map_update_elem(dp->settings_fd, &zero, &st, BPF_ANY);
}

int dp_set_monitors(struct dataplane *dp, uint32_t n)
{
	struct zfwd_settings st = { 0 };
	__u32 zero = 0;
	int err = bpf_map_lookup_elem(dp->settings_fd, &zero, &st);

	if (err)
		return err;
	st.monitors = n;
	return bpf_map_update_elem(dp->settings_fd, &zero, &st, BPF_ANY);
}

int dp_gstats(struct dataplane *dp, uint64_t *counts)
{
	struct zfwd_gstats *v = dp->pcpu;
	__u32 zero = 0;
	int err;

	memset(counts, 0, sizeof(uint64_t) * ZFWD_G_MAX);
	err = bpf_map_lookup_elem(dp->gstats_fd, &zero, dp->pcpu);
	if (err)
		return err;
	for (int c = 0; c < dp->ncpus; c++)
		for (int g = 0; g < ZFWD_G_MAX; g++)
			counts[g] += v[c].count[g];
	return 0;
}

int dp_addr(struct dataplane *dp, uint32_t ifindex, uint8_t family, const uint8_t *addr,
	    bool add)
{
	struct zfwd_addr_key k = { .ifindex = ifindex, .family = family };
	__u8 one = 1;
	int err;

	memcpy(k.addr, addr, family == 4 ? 4 : 16);
	if (add)
		return bpf_map_update_elem(dp->addrs_fd, &k, &one, BPF_ANY);
	err = bpf_map_delete_elem(dp->addrs_fd, &k);
	return err == -ENOENT ? 0 : err;
}

int dp_addrs_flush(struct dataplane *dp, uint32_t ifindex)
{
	struct zfwd_addr_key k, next, *prev = NULL;
	int err, ret = 0;

	/* Deleting while walking restarts the walk; collect first. */
	while (!(err = bpf_map_get_next_key(dp->addrs_fd, prev, &next))) {
		k = next;
		prev = &k;
		if (next.ifindex != ifindex)
			continue;
		err = bpf_map_delete_elem(dp->addrs_fd, &next);
		if (err && err != -ENOENT)
			ret = err;
		prev = NULL; /* start over: the walk position is gone */
	}
	return err == -ENOENT ? ret : err;
}

long dp_count(struct dataplane *dp, const char *map)
{
	int fd = !strcmp(map, "ct") ? dp->ct_fd : !strcmp(map, "addrs") ? dp->addrs_fd
		 : !strcmp(map, "ifaces") ? dp->fd[KM_IFACES] : dp->istats_fd;
	unsigned char key[64], next[64];
	void *prev = NULL;
	long n = 0;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, sizeof(key));
		prev = key;
		n++;
	}
	return n;
}

static int be_update(void *ctx, enum kmap_id map, const void *key, const void *val)
{
	struct dataplane *dp = ctx;

	return bpf_map_update_elem(dp->fd[map], key, val, BPF_ANY);
}

static int be_remove(void *ctx, enum kmap_id map, const void *key)
{
	struct dataplane *dp = ctx;

	return bpf_map_delete_elem(dp->fd[map], key);
}

static int be_reset_stats(void *ctx, uint32_t slot)
{
	struct dataplane *dp = ctx;

	memset(dp->pcpu, 0, dp->pcpu_size);
	return bpf_map_update_elem(dp->rstats_fd, &slot, dp->pcpu, BPF_ANY);
}

struct kbackend dp_backend(struct dataplane *dp)
{
	struct kbackend kb = {
		.update = be_update,
		.remove = be_remove,
		.reset_stats = be_reset_stats,
		.ctx = dp,
	};

	return kb;
}

static void prefix_from(struct prefix *p, int family, const void *addr, unsigned len)
{
	memset(p, 0, sizeof(*p));
	p->family = family;
	memcpy(p->addr, addr, family == 4 ? 4 : 16);
	prefix_mask(p, len);
}

static int read_dst(struct dataplane *dp, struct shadow *sh, int family)
{
	int fd = dp->fd[family == 4 ? KM_DST4 : KM_DST6];
	union {
		struct zfwd_dst4_key k4;
		struct zfwd_dst6_key k6;
	} key, next;
	void *prev = NULL;
	int err;

	while (!(err = bpf_map_get_next_key(fd, prev, &next))) {
		struct zfwd_dst_val val;
		struct nodekey k;
		unsigned len = next.k4.prefixlen - ZFWD_DST_KEY_FIXED_BITS;

		k.proto = family == 4 ? next.k4.proto : next.k6.proto;
		if (family == 4)
			prefix_from(&k.dst, 4, &next.k4.addr, len);
		else
			prefix_from(&k.dst, 6, next.k6.addr, len);
		if (bpf_map_lookup_elem(fd, &next, &val) == 0) {
			err = shadow_add_dst(sh, &k, &val);
			if (err)
				return err;
		}
		key = next;
		prev = &key;
	}
	return err == -ENOENT ? 0 : err;
}

static int read_src(struct dataplane *dp, struct shadow *sh, int family)
{
	int fd = dp->fd[family == 4 ? KM_SRC4 : KM_SRC6];
	union {
		struct zfwd_src4_key k4;
		struct zfwd_src6_key k6;
	} key, next;
	void *prev = NULL;
	int err;

	while (!(err = bpf_map_get_next_key(fd, prev, &next))) {
		struct nodekey k;
		struct cleaf lf;

		if (bpf_map_lookup_elem(fd, &next, &lf.val) == 0) {
			if (family == 4) {
				k.proto = next.k4.proto;
				prefix_from(&k.dst, 4, &next.k4.daddr, next.k4.dlen);
				prefix_from(&lf.src, 4, &next.k4.saddr,
					    next.k4.prefixlen - ZFWD_SRC4_KEY_FIXED_BITS);
			} else {
				k.proto = next.k6.proto;
				prefix_from(&k.dst, 6, next.k6.daddr, next.k6.dlen);
				prefix_from(&lf.src, 6, next.k6.saddr,
					    next.k6.prefixlen - ZFWD_SRC6_KEY_FIXED_BITS);
			}
			err = shadow_add_leaf(sh, &k, &lf);
			if (err)
				return err;
		}
		key = next;
		prev = &key;
	}
	return err == -ENOENT ? 0 : err;
}

int dp_read_state(struct dataplane *dp, struct engine *e)
{
	__u32 ifindex, *prev = NULL, next;
	int err;

	if ((err = read_dst(dp, &e->sh, 4)) || (err = read_dst(dp, &e->sh, 6)) ||
	    (err = read_src(dp, &e->sh, 4)) || (err = read_src(dp, &e->sh, 6)))
		return err;
	shadow_sort(&e->sh);
	for (uint32_t s = 0; s < e->sh.max_rules; s++) {
		err = bpf_map_lookup_elem(dp->fd[KM_RULES], &s, &e->sh.rules[s]);
		if (err)
			return err;
	}
	while (!(err = bpf_map_get_next_key(dp->fd[KM_IFACES], prev, &next))) {
		struct zfwd_iface_val v;

		if (!bpf_map_lookup_elem(dp->fd[KM_IFACES], &next, &v)) {
			err = engine_iface_adopt(e, next, &v);
			if (err)
				return err;
		}
		ifindex = next;
		prev = &ifindex;
	}
	return err == -ENOENT ? 0 : err;
}

int dp_rule_stats(struct dataplane *dp, uint32_t slot, uint64_t *packets,
		  uint64_t *bytes)
{
	const struct zfwd_rule_stats *v = dp->pcpu;
	int err = bpf_map_lookup_elem(dp->rstats_fd, &slot, dp->pcpu);

	*packets = *bytes = 0;
	if (err)
		return err;
	for (int c = 0; c < dp->ncpus; c++) {
		*packets += v[c].packets;
		*bytes += v[c].bytes;
	}
	return 0;
}

int dp_iface_stats(struct dataplane *dp, uint32_t ifindex, uint64_t *counts)
{
	const struct zfwd_iface_stats *v = dp->pcpu;
	int err = bpf_map_lookup_elem(dp->istats_fd, &ifindex, dp->pcpu);

	memset(counts, 0, sizeof(uint64_t) * ZFWD_R_MAX);
	if (err)
		return err;
	for (int c = 0; c < dp->ncpus; c++)
		for (int r = 0; r < ZFWD_R_MAX; r++)
			counts[r] += v[c].count[r];
	return 0;
}

int dp_iface_stats_init(struct dataplane *dp, uint32_t ifindex)
{
	int err;

	memset(dp->pcpu, 0, dp->pcpu_size);
	/* Keep counters an adopted entry already has. */
	err = bpf_map_update_elem(dp->istats_fd, &ifindex, dp->pcpu, BPF_NOEXIST);
	return err == -EEXIST ? 0 : err;
}

int dp_iface_stats_del(struct dataplane *dp, uint32_t ifindex)
{
	int err = bpf_map_delete_elem(dp->istats_fd, &ifindex);

	return err == -ENOENT ? 0 : err;
}
