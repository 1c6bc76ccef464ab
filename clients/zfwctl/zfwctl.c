// SPDX-License-Identifier: GPL-2.0-only
/* zfwctl: a table of commands over the Varlink socket. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "zfwctl.h"
#include "zfwd_api.h"

struct cmd {
	const char *group, *name;
	int (*fn)(struct ctl *ctl, int argc, char **argv);
	const char *usage;
};

static const struct cmd cmds[] = {
	{ "status", NULL, cmd_status, "status" },
	{ "rule", "add", cmd_rule_add,
	  "rule add --proto tcp|udp --dst CIDR [--src CIDR] [--ports L[-H]]\n"
	  "           (--tproxy PORT | --pass | --deny) [--iface IF]...\n"
	  "           [--service-id ID] [--service-name NAME] [--owner O]" },
	{ "rule", "del", cmd_rule_del,
	  "rule del --proto tcp|udp --dst CIDR [--src CIDR] [--ports L[-H]]\n"
	  "           [--iface IF]... [--service-id ID] [--owner O] [--ignore-missing]" },
	{ "rule", "list", cmd_rule_list, "rule list [--owner O]" },
	{ "rule", "flush", cmd_rule_flush, "rule flush [--owner O]" },
	{ "rule", "sync", cmd_rule_sync,
	  "rule sync [--owner O] FILE|-   (the owner's rules become exactly these)" },
	{ "rule", "validate", cmd_rule_validate, "rule validate [--owner O] FILE|-" },
	{ "iface", "list", cmd_iface_list, "iface list [NAME]" },
	{ "iface", "set", cmd_iface_set,
	  "iface set NAME (--reset | [--role internal|external] [--default drop|pass]\n"
	  "           [--icmp-echo on|off] [--ssh on|off] [--ipv6 on|off] [--egress on|off]\n"
	  "           [--events on|off])" },
	{ "monitor", NULL, cmd_monitor,
	  "monitor [--iface IF] [--type intercept|drop|interface]... [--service-id ID]\n"
	  "           [--count N]   (one line per event; -j: one JSON object per line)" },
	{ "metrics", NULL, cmd_metrics, "metrics [--rules]   (Prometheus text)" },
	{ "call", NULL, cmd_call, "call METHOD [JSON-PARAMETERS|-]" },
	{ "zfw", NULL, cmd_zfw,
	  "zfw ZFW-OPTIONS   (netfoundry/zfw's -I/-D/-F/-L/-V; also as a `zfw` link)" },
};

#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: zfwctl [-s SOCKET] [-j] COMMAND ...\n\ncommands:\n");
	for (size_t i = 0; i < N_CMDS; i++)
		fprintf(f, "  %s\n", cmds[i].usage);
	fprintf(f, "\nThe socket is -s, else $%s, else %s.\n"
		   "Exit codes: 0 ok, 1 daemon error, 2 usage, 3 daemon unreachable.\n",
		ZFWD_SOCKET_ENV, ZFWD_DEFAULT_SOCKET);
}

int ctl_call(struct ctl *ctl, const char *method, json_t *params, json_t **out)
{
	int code;
	json_t *reply = client_oneshot(client_socket_path(ctl->socket), method, params, &code);

	*out = NULL;
	if (!reply)
		return code;
	if (ctl->json) {
		char *s = json_dumps(reply, JSON_INDENT(2));

		if (s)
			printf("%s\n", s);
		free(s);
	}
	if (json_object_get(reply, "error")) {
		if (!ctl->json)
			client_print_error(reply);
		json_decref(reply);
		return EXIT_DAEMON;
	}
	*out = json_incref(json_object_get(reply, "parameters"));
	json_decref(reply);
	if (!*out)
		*out = json_object();
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ctl ctl = { 0 };
	const char *base = strrchr(argv[0], '/');
	int c;

	/* Called through a `zfw` link: the whole command line is zfw's (its
	 * -s is a service id), the socket comes from the environment. */
	base = base ? base + 1 : argv[0];
	if (!strcmp(base, "zfw"))
		return cmd_zfw(&ctl, argc, argv);

	/* '+': stop at the command, whose options are its own. */
	while ((c = getopt_long(argc, argv, "+s:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 's': ctl.socket = optarg; break;
		case 'j': ctl.json = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < N_CMDS; i++) {
		const struct cmd *cm = &cmds[i];

		if (strcmp(cm->group, argv[0]))
			continue;
		/* optind 0, not 1: glibc then forgets the "+" (stop at the
		 * first non-option) that parsed the global options, and the
		 * command's options may follow its arguments. */
		if (!cm->name) {
			optind = 0;
			return cm->fn(&ctl, argc, argv);
		}
		if (argc < 2 || strcmp(cm->name, argv[1]))
			continue;
		optind = 0;
		return cm->fn(&ctl, argc - 1, argv + 1);
	}
	fprintf(stderr, "zfwctl: unknown command '%s%s%s'\n", argv[0], argc > 1 ? " " : "",
		argc > 1 ? argv[1] : "");
	usage(stderr);
	return EXIT_USAGE;
}
