// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zfw_compat.h"
#include "zfwd_api.h"

static int bad(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int bad(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int number(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -1;
	v = strtol(s, &end, 10);
	if (*end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* "IP" + "LEN" -> canonical "IP/LEN" of @family (0: any), masked as zfw
 * masked. A zero-length prefix of the other family means "any" (routers
 * pass -o 0.0.0.0 -n 0 for IPv6 services too). */
static int cidr(const char *ip, const char *len_s, int family, const char *what, char *out,
		size_t out_len, int *out_family, char *why, size_t n)
{
	unsigned char a[16] = { 0 };
	char buf[INET6_ADDRSTRLEN];
	int fam, max;
	long len;

	if (inet_pton(AF_INET, ip, a) == 1)
		fam = 4;
	else if (inet_pton(AF_INET6, ip, a) == 1)
		fam = 6;
	else
		return bad(why, n, "%s address '%s' is not an IPv4 or IPv6 address", what, ip);
	max = fam == 4 ? 32 : 128;
	if (number(len_s, 0, max, &len))
		return bad(why, n, "%s prefix length '%s' must be 0-%d", what,
			   len_s ? len_s : "", max);
	if (family && fam != family) {
		if (len != 0)
			return bad(why, n, "%s address family differs from the destination's", what);
		snprintf(out, out_len, "%s", family == 4 ? "0.0.0.0/0" : "::/0");
		*out_family = family;
		return 0;
	}
	for (int i = 0; i < max / 8; i++) {
		int bit = i * 8;

		if (bit >= len)
			a[i] = 0;
		else if (bit + 8 > len)
			a[i] &= (unsigned char)(0xff << (8 - (len - bit)));
	}
	inet_ntop(fam == 4 ? AF_INET : AF_INET6, a, buf, sizeof(buf));
	snprintf(out, out_len, "%s/%ld", buf, len);
	*out_family = fam;
	return 0;
}

int zfw_translate(int argc, char **argv, struct zfw_cmd *cmd, char *why, size_t n)
{
	static const struct option opts[] = {
		{ "insert", no_argument, NULL, 'I' },
		{ "delete", no_argument, NULL, 'D' },
		{ "dcidr-block", required_argument, NULL, 'c' },
		{ "dprefix-len", required_argument, NULL, 'm' },
		{ "ocidr-block", required_argument, NULL, 'o' },
		{ "oprefix-len", required_argument, NULL, 'n' },
		{ "low-port", required_argument, NULL, 'l' },
		{ "high-port", required_argument, NULL, 'h' },
		{ "protocol", required_argument, NULL, 'p' },
		{ "tproxy-port", required_argument, NULL, 't' },
		{ "service-id", required_argument, NULL, 's' },
		{ "interface", required_argument, NULL, 'N' },
		{ "flush", no_argument, NULL, 'F' },
		{ "list", no_argument, NULL, 'L' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	const char *dst = NULL, *dlen = NULL, *src = NULL, *slen = NULL, *lo = NULL, *hi = NULL;
	const char *proto = NULL, *tport = NULL, *sid = NULL;
	char dcidr[INET6_ADDRSTRLEN + 8], scidr[INET6_ADDRSTRLEN + 8];
	json_t *ifaces = json_array(), *rule;
	int c, ops = 0, op = -1, fam = 0, sfam = 0;
	long low, high, port = 0;

	memset(cmd, 0, sizeof(*cmd));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":IDc:m:o:n:l:h:p:t:s:N:FLV", opts, NULL)) != -1) {
		switch (c) {
		case 'I': op = ZFW_INSERT; ops++; break;
		case 'D': op = ZFW_DELETE; ops++; break;
		case 'F': op = ZFW_FLUSH; ops++; break;
		case 'L': op = ZFW_LIST; ops++; break;
		case 'V': op = ZFW_VERSION; ops++; break;
		case 'c': dst = optarg; break;
		case 'm': dlen = optarg; break;
		case 'o': src = optarg; break;
		case 'n': slen = optarg; break;
		case 'l': lo = optarg; break;
		case 'h': hi = optarg; break;
		case 'p': proto = optarg; break;
		case 't': tport = optarg; break;
		case 's': sid = optarg; break;
		case 'N':
			json_array_append_new(ifaces, json_string(optarg));
			break;
		case ':':
			json_decref(ifaces);
			return bad(why, n, "option %s needs a value", argv[optind - 1]);
		default:
			json_decref(ifaces);
			return bad(why, n, "option %s is not supported by the zfw compatibility mode",
				   argv[optind - 1]);
		}
	}
	if (optind < argc) {
		json_decref(ifaces);
		return bad(why, n, "unexpected argument '%s'", argv[optind]);
	}
	if (ops != 1) {
		json_decref(ifaces);
		return bad(why, n, "exactly one of -I, -D, -F, -L, -V is required");
	}
	cmd->op = op;
	if (op == ZFW_VERSION) {
		json_decref(ifaces);
		return 0;
	}
	if (op == ZFW_FLUSH || op == ZFW_LIST) {
		if (dst || dlen || src || slen || lo || hi || proto || tport || sid ||
		    json_array_size(ifaces)) {
			json_decref(ifaces);
			return bad(why, n, "-F and -L take no match options");
		}
		json_decref(ifaces);
		cmd->method = op == ZFW_FLUSH ? ZFWD_METHOD("FlushRules") : ZFWD_METHOD("ListRules");
		cmd->params = json_pack("{s:s}", "owner", ZFW_COMPAT_OWNER);
		return 0;
	}

	/* -I and -D: the match. */
	if (!dst || !dlen || !proto || !lo || !hi) {
		json_decref(ifaces);
		return bad(why, n, "%s needs -c, -m, -p, -l and -h", op == ZFW_INSERT ? "-I" : "-D");
	}
	if (strcmp(proto, "tcp") && strcmp(proto, "udp")) {
		json_decref(ifaces);
		return bad(why, n, "-p must be tcp or udp");
	}
	if (number(lo, 1, 65535, &low) || number(hi, 1, 65535, &high) || high < low) {
		json_decref(ifaces);
		return bad(why, n, "-l and -h must be ports 1-65535 with -l <= -h");
	}
	if (!src != !slen) {
		json_decref(ifaces);
		return bad(why, n, "-o and -n go together");
	}
	if (cidr(dst, dlen, 0, "destination", dcidr, sizeof(dcidr), &fam, why, n) ||
	    (src && cidr(src, slen, fam, "source", scidr, sizeof(scidr), &sfam, why, n))) {
		json_decref(ifaces);
		return -EINVAL;
	}
	rule = json_pack("{s:s,s:s,s:{s:I,s:I}}", "protocol", proto, "destination", dcidr, "ports",
			 "low", (json_int_t)low, "high", (json_int_t)high);
	if (src)
		json_object_set_new(rule, "source", json_string(scidr));
	if (json_array_size(ifaces))
		json_object_set(rule, "interfaces", ifaces);
	json_decref(ifaces);

	if (op == ZFW_DELETE) {
		if (tport || sid) {
			json_decref(rule);
			return bad(why, n, "-D takes the match only (no -t, -s)");
		}
		cmd->method = ZFWD_METHOD("RemoveRules");
		/* Deleting what is not there is done. */
		cmd->params = json_pack("{s:s,s:[o],s:b}", "owner", ZFW_COMPAT_OWNER, "rules", rule,
					"ignore_missing", 1);
		return 0;
	}
	if (number(tport, 0, 65535, &port)) {
		json_decref(rule);
		return bad(why, n, "-I needs -t PORT (0-65535; 0 means pass)");
	}
	if (port) {
		json_object_set_new(rule, "action", json_string("tproxy"));
		json_object_set_new(rule, "tproxy_port", json_integer(port));
	} else {
		json_object_set_new(rule, "action", json_string("pass"));
	}
	if (sid)
		json_object_set_new(rule, "service_id", json_string(sid));
	cmd->method = ZFWD_METHOD("AddRules");
	cmd->params = json_pack("{s:s,s:[o],s:b}", "owner", ZFW_COMPAT_OWNER, "rules", rule,
				"replace", 1);
	return 0;
}

void zfw_cmd_free(struct zfw_cmd *cmd)
{
	json_decref(cmd->params);
	memset(cmd, 0, sizeof(*cmd));
}
