// SPDX-License-Identifier: GPL-2.0-only
/*
 * What managing an interface means to the kernel: its map entries, its
 * addresses, the programs on its hooks. The links module decides when;
 * this file does it. Also the per-name options SetInterface stores.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "state.h"
#include "tc.h"
#include "zfwd_api.h"

static struct override *find_override(struct daemon *d, const char *name)
{
	for (size_t i = 0; i < d->n_overrides; i++)
		if (!strcmp(d->overrides[i].name, name))
			return &d->overrides[i];
	return NULL;
}

static bool want(void *ctx, const char *name, struct iface_opts *out)
{
	struct daemon *d = ctx;
	const struct cfg_iface *ci = config_match_iface(&d->cfg, name);
	struct override *ov;

	if (!ci)
		return false;
	ov = find_override(d, name);
	*out = ov ? ov->opts : ci->opts;
	return true;
}

static int set_egress(struct daemon *d, const struct link *l)
{
	if (l->opts.egress)
		return tc_attach(l->ifindex, false, dp_prog_fd(&d->dp, false));
	return tc_detach(l->ifindex, false);
}

static int manage(void *ctx, struct link *l)
{
	struct daemon *d = ctx;
	struct zfwd_iface_val base = iface_opts_val(&l->opts);
	int err;

	/* Entries first: the programs find them on their first packet. */
	err = dp_iface_stats_init(&d->dp, l->ifindex);
	if (!err)
		err = engine_iface_set(&d->eng, l->ifindex, l->name, &base);
	for (size_t i = 0; !err && i < l->n_addrs; i++)
		err = dp_addr(&d->dp, l->ifindex, l->addrs[i].family, l->addrs[i].addr, true);
	if (err)
		return err;
	err = tc_attach(l->ifindex, true, dp_prog_fd(&d->dp, true));
	if (!err)
		err = set_egress(d, l);
	if (err)
		return err;
	log_info("%s (ifindex %u): managed, role %s, default %s%s%s%s%s", l->name, l->ifindex,
		 l->opts.role == ZFWD_ROLE_INTERNAL ? "internal" : "external",
		 l->opts.default_action == ZFWD_ACT_PASS ? "pass" : "drop",
		 l->opts.icmp_echo ? ", icmp_echo" : "", l->opts.ssh ? ", ssh" : "",
		 l->opts.ipv6 ? ", ipv6" : "", l->opts.egress ? ", egress" : "");
	events_interface(&d->ev, l->name, l->ifindex, "managed", NULL);
	return 0;
}

static int update(void *ctx, struct link *l, const struct iface_opts *old)
{
	struct daemon *d = ctx;
	struct zfwd_iface_val base = iface_opts_val(&l->opts);
	int err;

	/* Egress tracking starts before the entry says so, and stops after. */
	if (l->opts.egress && !old->egress && (err = set_egress(d, l)))
		return err;
	err = engine_iface_set(&d->eng, l->ifindex, l->name, &base);
	if (err)
		return err;
	if (!l->opts.egress && old->egress && (err = set_egress(d, l)))
		return err;
	log_info("%s (ifindex %u): options changed", l->name, l->ifindex);
	events_interface(&d->ev, l->name, l->ifindex, "options", NULL);
	return 0;
}

static void unmanage(void *ctx, struct link *l, bool gone)
{
	struct daemon *d = ctx;
	int err;

	if (!gone) {
		err = tc_detach(l->ifindex, true);
		if (!err)
			err = tc_detach(l->ifindex, false);
		if (err && err != -ENODEV)
			log_warn("%s (ifindex %u): cannot detach: %s", l->name, l->ifindex,
				 strerror(-err));
	}
	dp_addrs_flush(&d->dp, l->ifindex);
	engine_iface_del(&d->eng, l->ifindex);
	dp_iface_stats_del(&d->dp, l->ifindex);
	log_info("%s (ifindex %u): %s", l->name, l->ifindex,
		 gone ? "gone" : "no longer managed");
	events_interface(&d->ev, l->name, l->ifindex, gone ? "gone" : "unmanaged", NULL);
}

static int addr(void *ctx, struct link *l, const struct laddr *a, bool add)
{
	struct daemon *d = ctx;
	char buf[INET6_ADDRSTRLEN + 4];
	int err;

	err = dp_addr(&d->dp, l->ifindex, a->family, a->addr, add);
	if (!err && d->ev.mons) {
		inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->addr, buf, INET6_ADDRSTRLEN);
		snprintf(buf + strlen(buf), 5, "/%u", a->prefixlen);
		events_interface(&d->ev, l->name, l->ifindex,
				 add ? "address-added" : "address-removed", buf);
	}
	return err;
}

static void changed(void *ctx, const struct link *l)
{
	struct daemon *d = ctx;

	/* The local route needs lo up: retry when it comes up. */
	if (!d->route_installed && !strcmp(l->name, "lo") && (l->flags & IFF_UP))
		daemon_route(d, false);
}

void ifaces_init(struct daemon *d)
{
	struct links_ops ops = {
		.want = want,
		.manage = manage,
		.update = update,
		.unmanage = unmanage,
		.addr = addr,
		.changed = changed,
		.ctx = d,
	};

	links_init(&d->links, &ops);
}

void ifaces_drop_stale(struct daemon *d)
{
	/* Entries an earlier run left for interfaces no longer managed (or
	 * no longer there). */
	for (size_t i = 0; i < d->eng.n_ifaces;) {
		uint32_t ifindex = d->eng.ifaces[i].ifindex;
		const struct link *l = links_find(&d->links, ifindex);
		int err;

		if (l && l->managed) {
			i++;
			continue;
		}
		if (l) {
			err = tc_detach(ifindex, true);
			if (!err)
				err = tc_detach(ifindex, false);
			if (err && err != -ENODEV)
				log_warn("ifindex %u: cannot detach: %s", ifindex, strerror(-err));
		}
		dp_addrs_flush(&d->dp, ifindex);
		dp_iface_stats_del(&d->dp, ifindex);
		engine_iface_del(&d->eng, ifindex); /* removes entry i */
		log_info("ifindex %u: left over from an earlier run, removed", ifindex);
	}
}

static json_t *link_json(struct daemon *d, const struct link *l)
{
	json_t *addrs = json_array(), *counters = json_object();
	uint64_t counts[ZFWD_R_MAX];
	int in = tc_attached(l->ifindex, true), eg = tc_attached(l->ifindex, false);

	for (size_t i = 0; i < l->n_addrs; i++) {
		char buf[64];

		laddr_format(&l->addrs[i], buf, sizeof(buf));
		json_array_append_new(addrs, json_string(buf));
	}
	dp_iface_stats(&d->dp, l->ifindex, counts);
	for (int r = 0; r < ZFWD_R_MAX; r++)
		json_object_set_new(counters, api_reason_name(r), json_integer((json_int_t)counts[r]));
	return json_pack("{s:s,s:i,s:b,s:o,s:{s:b,s:b},s:o,s:b,s:o}", "name", l->name,
			 "ifindex", (int)l->ifindex, "up", (l->flags & IFF_UP) != 0,
			 "addresses", addrs, "attached", "ingress", in == 1, "egress", eg == 1,
			 "options", iface_opts_json(&l->opts), "overridden",
			 find_override(d, l->name) != NULL, "counters", counters);
}

json_t *ifaces_list(struct daemon *d, const char *name)
{
	json_t *out = json_array();

	for (size_t i = 0; i < d->links.n; i++) {
		const struct link *l = d->links.v[i];

		if (!l->managed || (name && strcmp(l->name, name)))
			continue;
		json_array_append_new(out, link_json(d, l));
	}
	return out;
}

json_t *ifaces_state_json(struct daemon *d)
{
	json_t *o = json_object();

	for (size_t i = 0; i < d->n_overrides; i++)
		json_object_set_new(o, d->overrides[i].name, iface_opts_json(&d->overrides[i].opts));
	return o;
}

int ifaces_state_load(struct daemon *d, const json_t *obj, char *why, size_t n)
{
	const char *key;
	json_t *v;

	if (!obj)
		return 0;
	if (!json_is_object(obj)) {
		snprintf(why, n, "interface_options: must be an object");
		return -EINVAL;
	}
	json_object_foreach((json_t *)obj, key, v) {
		struct override *ov;
		struct override *nv;

		if (!ifname_valid(key)) {
			snprintf(why, n, "interface_options: bad interface name");
			return -EINVAL;
		}
		nv = realloc(d->overrides, (d->n_overrides + 1) * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		d->overrides = nv;
		ov = &d->overrides[d->n_overrides];
		memset(ov, 0, sizeof(*ov));
		snprintf(ov->name, sizeof(ov->name), "%s", key);
		iface_opts_default(&ov->opts);
		if (iface_opts_parse(v, "interface_options", NULL, &ov->opts, why, n))
			return -EINVAL;
		d->n_overrides++;
	}
	return 0;
}

int ifaces_set(struct daemon *d, const char *name, const json_t *opts, bool reset,
	       struct zerr *err)
{
	struct override *ov = find_override(d, name), saved = { 0 };
	struct iface_opts cur;
	bool had = ov != NULL;
	char why[256];
	int ret;

	if (!config_match_iface(&d->cfg, name)) {
		zerr_set(err, ZFWD_ERR_NOT_MANAGED,
			 json_pack("{s:s,s:s}", "name", name, "reason",
				   "the configuration does not manage this interface"));
		return -ENOENT;
	}
	if (had)
		saved = *ov;
	if (reset) {
		if (had)
			*ov = d->overrides[--d->n_overrides];
	} else {
		want(d, name, &cur);
		if (iface_opts_parse(opts, "options", NULL, &cur, why, sizeof(why))) {
			zerr_set(err, VARLINK_ERR_INVALID_PARAMETER,
				 json_pack("{s:s,s:s}", "parameter", "options", "reason", why));
			return -EINVAL;
		}
		if (!had) {
			struct override *nv = realloc(d->overrides,
						      (d->n_overrides + 1) * sizeof(*nv));

			if (!nv) {
				zerr_set(err, ZFWD_ERR_SYSTEM,
					 json_pack("{s:s}", "reason", "out of memory"));
				return -ENOMEM;
			}
			d->overrides = nv;
			ov = &d->overrides[d->n_overrides++];
			snprintf(ov->name, sizeof(ov->name), "%s", name);
		}
		ov->opts = cur;
	}
	ret = daemon_persist(d);
	if (ret) {
		/* Put the table back as it was; nothing was applied yet. */
		if (reset && had) {
			d->overrides[d->n_overrides++] = saved;
		} else if (!reset) {
			ov = find_override(d, name);
			if (had)
				*ov = saved;
			else
				*ov = d->overrides[--d->n_overrides];
		}
		zerr_set(err, ZFWD_ERR_SYSTEM,
			 json_pack("{s:s}", "reason", "cannot write the state file"));
		return ret;
	}
	links_reevaluate(&d->links);
	return 0;
}
