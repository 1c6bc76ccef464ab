// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: config_parse on the raw input. A configuration that
 * parses must hold what the parser promises; one that does not must say
 * why in a terminated string.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "zfwd_maps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_config(const struct config *c)
{
	static const char *const names[] = { "eth0", "lo", "ziti0", "veth1234" };

	if (!c->socket || c->socket[0] != '/' || !c->pin_root || c->pin_root[0] != '/' ||
	    !c->state_dir || c->state_dir[0] != '/')
		abort();
	if (!c->mark || (c->mark & c->mark_mask) != c->mark)
		abort();
	if (!c->lim.rules || !c->lim.prefixes || !c->lim.leaves || c->max_message < 4096 ||
	    !c->max_clients)
		abort();
	for (size_t i = 0; i < c->n_ifaces; i++) {
		const struct cfg_iface *ci = &c->ifaces[i];

		if (!ci->name || !ci->name[0] || strlen(ci->name) >= RULE_IFNAMSIZ)
			abort();
		if (ci->opts.role != ZFWD_ROLE_INTERNAL && ci->opts.role != ZFWD_ROLE_EXTERNAL)
			abort();
		if (ci->opts.default_action != ZFWD_ACT_PASS && ci->opts.default_action != ZFWD_ACT_DENY)
			abort();
		/* An entry always matches its own name. */
		if (!config_match_iface(c, ci->name))
			abort();
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		config_match_iface(c, names[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	char why[256];
	int ret;

	why[0] = '\0';
	ret = config_parse((const char *)data, size, &c, why, sizeof(why));
	if (!ret) {
		check_config(&c);
		config_free(&c);
		return 0;
	}
	if (ret == -EINVAL && (!why[0] || !memchr(why, '\0', sizeof(why))))
		abort();
	return 0;
}
