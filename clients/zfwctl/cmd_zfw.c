// SPDX-License-Identifier: GPL-2.0-only
/* zfwctl as zfw: the compatibility mode routers call as their diverter. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "zfw_compat.h"
#include "zfwctl.h"
#include "zfwd_api.h"

#ifndef ZFWD_VERSION
#define ZFWD_VERSION "0.0.0"
#endif

static int version(struct ctl *ctl)
{
	json_t *out = NULL;
	struct conn c;

	printf("zfw compatibility mode of zfwctl %s\n", ZFWD_VERSION);
	/* The router only checks that this runs: report the daemon, but an
	 * unreachable one is said, not failed (it may start later). */
	if (client_connect(&c, client_socket_path(ctl->socket)) == 0) {
		out = client_call(&c, "org.varlink.service.GetInfo", json_object());
		client_close(&c);
	}
	if (out && json_object_get(out, "parameters"))
		printf("zfwd %s at %s\n",
		       json_string_value(json_object_get(json_object_get(out, "parameters"),
							 "version")),
		       client_socket_path(ctl->socket));
	else
		printf("zfwd not reachable at %s\n", client_socket_path(ctl->socket));
	json_decref(out);
	return EXIT_OK;
}

int cmd_zfw(struct ctl *ctl, int argc, char **argv)
{
	struct zfw_cmd cmd;
	char why[256];
	json_t *out;
	int ret;

	if (zfw_translate(argc, argv, &cmd, why, sizeof(why))) {
		fprintf(stderr, "zfw: %s\n", why);
		return EXIT_USAGE;
	}
	if (cmd.op == ZFW_VERSION) {
		zfw_cmd_free(&cmd);
		return version(ctl);
	}
	ret = ctl_call(ctl, cmd.method, json_incref(cmd.params), &out);
	if (!ret && !ctl->json) {
		switch (cmd.op) {
		case ZFW_LIST:
			ret = rules_table(json_object_get(out, "rules"));
			break;
		case ZFW_FLUSH:
			printf("removed %lld rules\n",
			       (long long)json_integer_value(json_object_get(out, "removed")));
			break;
		case ZFW_DELETE:
			printf("%s\n", json_integer_value(json_object_get(out, "removed"))
					       ? "removed" : "no such rule");
			break;
		default:
			printf("%s\n", json_integer_value(json_object_get(out, "added")) ? "added"
				       : json_integer_value(json_object_get(out, "replaced"))
					       ? "replaced" : "already present");
		}
	}
	json_decref(out);
	zfw_cmd_free(&cmd);
	return ret;
}
