// SPDX-License-Identifier: GPL-2.0-only
/* zfwctl monitor, zfwctl metrics */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zfwctl.h"
#include "zfwd_api.h"

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* HH:MM:SS.mmm, local time. */
static void clock_of(double t, char *buf, size_t n)
{
	time_t secs = (time_t)t;
	struct tm tm;

	if (!localtime_r(&secs, &tm)) {
		snprintf(buf, n, "?");
		return;
	}
	snprintf(buf, n, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)((t - (double)secs) * 1000) % 1000);
}

/* One line per event. */
static void print_event(const json_t *e)
{
	const char *type = str(e, "type");
	json_t *rule = json_object_get(e, "rule");
	json_t *missed = json_object_get(e, "missed");
	char when[32];

	clock_of(json_number_value(json_object_get(e, "time")), when, sizeof(when));
	printf("%s %-9s %-15s", when, type, str(e, "interface"));
	if (!strcmp(type, "interface")) {
		printf(" %s", str(e, "change"));
		if (json_object_get(e, "address"))
			printf(" %s", str(e, "address"));
	} else {
		printf(" %s %s -> %s %s", str(e, "protocol"), str(e, "source"),
		       str(e, "destination"), str(e, "reason"));
	}
	if (rule) {
		printf(" [rule %s %s", str(rule, "owner"), str(rule, "destination"));
		if (json_object_get(rule, "service_name"))
			printf(" service %s", str(rule, "service_name"));
		else if (json_object_get(rule, "service_id"))
			printf(" service %s", str(rule, "service_id"));
		printf("]");
	}
	if (json_is_integer(missed))
		printf(" (%lld missed before)", (long long)json_integer_value(missed));
	putchar('\n');
}

int cmd_monitor(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "type", required_argument, NULL, 't' },
		{ "service-id", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ 0 },
	};
	json_t *params = json_object(), *types = NULL, *reply;
	const char *path = client_socket_path(ctl->socket);
	long count = -1, seen = 0;
	struct conn c;
	char *end;
	int o;

	while ((o = getopt_long(argc, argv, "i:t:s:n:", longopts, NULL)) != -1) {
		switch (o) {
		case 'i':
			json_object_set_new(params, "interface", json_string(optarg));
			break;
		case 't':
			/* Repeated, or comma-separated; the daemon checks
			 * the names. */
			if (!types)
				types = json_array();
			for (char *tok = strtok(optarg, ","); tok; tok = strtok(NULL, ","))
				json_array_append_new(types, json_string(tok));
			break;
		case 's':
			json_object_set_new(params, "service_id", json_string(optarg));
			break;
		case 'n':
			errno = 0;
			count = strtol(optarg, &end, 10);
			if (errno || *end || count < 1) {
				fprintf(stderr, "zfwctl: --count: a positive number\n");
				goto usage;
			}
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "zfwctl: monitor takes no arguments\n");
		goto usage;
	}
	if (types)
		json_object_set_new(params, "types", types);
	if (client_connect(&c, path)) {
		fprintf(stderr, "zfwctl: cannot reach zfwd at %s: %s\n", path, strerror(errno));
		json_decref(params);
		return EXIT_UNREACHABLE;
	}
	/* Each event as it comes, even into a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (client_send(&c, ZFWD_METHOD("Monitor"), params, true))
		goto lost;
	while ((reply = client_read(&c))) {
		json_t *p = json_object_get(reply, "parameters");

		if (json_object_get(reply, "error")) {
			client_print_error(reply);
			json_decref(reply);
			client_close(&c);
			return EXIT_DAEMON;
		}
		if (!json_is_true(json_object_get(reply, "continues"))) {
			fprintf(stderr, "zfwctl: the daemon ended the stream\n");
			json_decref(reply);
			client_close(&c);
			return EXIT_DAEMON;
		}
		if (!strcmp(str(p, "type"), "monitoring")) {
			if (!ctl->json)
				fprintf(stderr, "zfwctl: monitoring (interrupt to stop)\n");
		} else if (ctl->json) {
			char *s = json_dumps(p, JSON_COMPACT);

			if (s)
				puts(s);
			free(s);
			seen++;
		} else {
			print_event(p);
			seen++;
		}
		json_decref(reply);
		if (count > 0 && seen >= count) {
			client_close(&c);
			return EXIT_OK;
		}
	}
lost:
	fprintf(stderr, "zfwctl: %s: connection lost: %s\n", path, strerror(errno));
	client_close(&c);
	return EXIT_UNREACHABLE;
usage:
	json_decref(params);
	json_decref(types);
	fprintf(stderr, "usage: zfwctl monitor [--iface IF] [--type intercept|drop|interface]... "
			"[--service-id ID] [--count N]\n");
	return EXIT_USAGE;
}

int cmd_metrics(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rules", no_argument, NULL, 'r' },
		{ 0 },
	};
	json_t *params = json_object(), *out;
	int o, ret;

	while ((o = getopt_long(argc, argv, "r", longopts, NULL)) != -1) {
		if (o != 'r') {
			json_decref(params);
			fprintf(stderr, "usage: zfwctl metrics [--rules]\n");
			return EXIT_USAGE;
		}
		json_object_set_new(params, "rules", json_true());
	}
	if (optind != argc) {
		json_decref(params);
		fprintf(stderr, "zfwctl: metrics takes no arguments (but --rules)\n");
		return EXIT_USAGE;
	}
	ret = ctl_call(ctl, ZFWD_METHOD("GetMetrics"), params, &out);
	if (!ret && !ctl->json)
		fputs(str(out, "text"), stdout);
	json_decref(out);
	return ret;
}
