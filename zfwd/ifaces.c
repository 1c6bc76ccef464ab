// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "tc.h"

static int manage(struct daemon *d, unsigned ifindex, const char *name,
		  const struct cfg_iface *ci)
{
	struct zfwd_iface_val base = {
		.role = ci->role,
		.default_action = ci->default_action,
	};
	int err;

	/* Counters and settings first: the program finds them on its
	 * first packet. */
	err = dp_iface_stats_init(&d->dp, ifindex);
	if (!err)
		err = engine_iface_set(&d->eng, ifindex, name, &base);
	if (err) {
		log_err("%s: cannot write its map entries: %s", name, strerror(-err));
		return err;
	}
	err = tc_attach(ifindex, true, dp_prog_fd(&d->dp));
	if (err) {
		log_err("%s: cannot attach the ingress program: %s", name, strerror(-err));
		return err;
	}
	log_info("%s (ifindex %u): attached, role %s, default %s", name, ifindex,
		 ci->role == ZFWD_ROLE_INTERNAL ? "internal" : "external",
		 ci->default_action == ZFWD_ACT_PASS ? "pass" : "drop");
	return 0;
}

static void unmanage(struct daemon *d, uint32_t ifindex)
{
	char name[IF_NAMESIZE] = "?";
	int err;

	if_indextoname(ifindex, name);
	err = tc_detach(ifindex, true);
	if (err && err != -ENODEV)
		log_warn("%s (ifindex %u): cannot detach: %s", name, ifindex, strerror(-err));
	engine_iface_del(&d->eng, ifindex);
	dp_iface_stats_del(&d->dp, ifindex);
	log_info("%s (ifindex %u): no longer managed", name, ifindex);
}

int ifaces_sync(struct daemon *d)
{
	struct if_nameindex *all = if_nameindex(), *it;
	uint32_t *keep;
	size_t n_keep = 0, n_all = 0;
	int ret = 0;

	if (!all)
		return -errno;
	for (it = all; it->if_index; it++)
		n_all++;
	keep = calloc(n_all + 1, sizeof(*keep));
	if (!keep) {
		if_freenameindex(all);
		return -ENOMEM;
	}
	for (it = all; it->if_index; it++) {
		const struct cfg_iface *ci = config_match_iface(&d->cfg, it->if_name);

		if (!ci)
			continue;
		if (manage(d, it->if_index, it->if_name, ci))
			ret = -EIO;
		else
			keep[n_keep++] = it->if_index;
	}
	if_freenameindex(all);

	/* Entries no interface in the config accounts for any more. */
	for (size_t i = 0; i < d->eng.n_ifaces;) {
		uint32_t ifindex = d->eng.ifaces[i].ifindex;
		bool kept = false;

		for (size_t j = 0; j < n_keep; j++)
			kept |= keep[j] == ifindex;
		if (kept) {
			i++;
			continue;
		}
		unmanage(d, ifindex); /* removes entry i */
	}
	free(keep);
	return ret;
}

json_t *ifaces_status(struct daemon *d)
{
	json_t *out = json_array();

	for (size_t i = 0; i < d->eng.n_ifaces; i++) {
		const struct eiface *ifc = &d->eng.ifaces[i];
		uint64_t counts[ZFWD_R_MAX];
		json_t *c = json_object();
		int attached = tc_attached(ifc->ifindex, true);

		dp_iface_stats(&d->dp, ifc->ifindex, counts);
		for (int r = 0; r < ZFWD_R_MAX; r++)
			json_object_set_new(c, api_reason_name(r), json_integer((json_int_t)counts[r]));
		json_array_append_new(
			out, json_pack("{s:s,s:i,s:s,s:s,s:b,s:o}", "name", ifc->name, "ifindex",
				       (int)ifc->ifindex, "role",
				       ifc->base.role == ZFWD_ROLE_INTERNAL ? "internal" : "external",
				       "default_action",
				       ifc->base.default_action == ZFWD_ACT_PASS ? "pass" : "drop",
				       "attached", attached == 1, "counters", c));
	}
	return out;
}
