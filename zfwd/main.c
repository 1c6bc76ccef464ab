// SPDX-License-Identifier: GPL-2.0-only
/* zfwd: start-up, the event loop, shutdown. Fatal errors only happen
 * here, before the loop runs; afterwards every failure is one reply. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "bpffs.h"
#include "daemon.h"
#include "log.h"
#include "route.h"
#include "state.h"
#include "tc.h"
#include "zfwd_api.h"

#ifndef ZFWD_VERSION
#define ZFWD_VERSION "0.0.0"
#endif

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	int lvl = level == LIBBPF_WARN ? ZLOG_WARNING : ZLOG_DEBUG;
	const char *msg;
	char buf[1024];
	size_t n;

	if (lvl > log_level() && ZLOG_DEBUG > log_level())
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	msg = buf;
	n = strlen("libbpf: ");
	if (!strncmp(msg, "libbpf: ", n))
		msg += n;
	/* The kernel's extack notes on probes zfwd expects to fail (no filter
	 * yet, qdisc exists) are not warnings; real failures are returned
	 * and reported by the caller. */
	if (!strncmp(msg, "Kernel error message:", 21))
		lvl = ZLOG_DEBUG;
	log_msg(lvl, "libbpf", "%s", msg);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: zfwd [options]\n"
		"  -c, --config FILE      configuration (default %s; absent: manage nothing)\n"
		"  -s, --socket PATH      API socket (default %s)\n"
		"  -p, --pin-root DIR     BPF pin root (default %s)\n"
		"  -S, --state-dir DIR    state directory (default %s)\n"
		"  -l, --log-level LEVEL  err, warning, notice, info (default), debug\n"
		"      --check-config     validate the configuration and exit\n"
		"      --discard-state    start with no rules when the state file is corrupt\n"
		"                         (a copy is kept aside) or missing while pinned\n"
		"                         maps hold rules (they are removed)\n"
		"      --uninstall        detach from every interface, remove the\n"
		"                         policy route and the pinned maps, and exit\n"
		"  -V, --version\n"
		"  -h, --help\n",
		ZFWD_DEFAULT_CONFIG, ZFWD_DEFAULT_SOCKET, ZFWD_DEFAULT_PIN_ROOT,
		ZFWD_DEFAULT_STATE_DIR);
}

struct opts {
	const char *config, *socket, *pin_root, *state_dir;
	int log_level;
	bool check_config, uninstall, discard_state;
};

static int parse_args(int argc, char **argv, struct opts *o)
{
	enum { OPT_CHECK = 256, OPT_UNINSTALL, OPT_DISCARD };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "pin-root", required_argument, NULL, 'p' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "uninstall", no_argument, NULL, OPT_UNINSTALL },
		{ "discard-state", no_argument, NULL, OPT_DISCARD },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->config = ZFWD_DEFAULT_CONFIG;
	o->log_level = ZLOG_INFO;
	while ((c = getopt_long(argc, argv, "c:s:p:S:l:Vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 's': o->socket = optarg; break;
		case 'p': o->pin_root = optarg; break;
		case 'S': o->state_dir = optarg; break;
		case 'l':
			o->log_level = log_parse_level(optarg);
			if (o->log_level < 0) {
				fprintf(stderr, "zfwd: unknown log level '%s'\n", optarg);
				return 2;
			}
			break;
		case OPT_CHECK: o->check_config = true; break;
		case OPT_UNINSTALL: o->uninstall = true; break;
		case OPT_DISCARD: o->discard_state = true; break;
		case 'V': printf("zfwd %s\n", ZFWD_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "zfwd: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	return -1;
}

static int override(char **dst, const char *src)
{
	if (!src)
		return 0;
	free(*dst);
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

int daemon_persist(struct daemon *d)
{
	json_t *extra = json_pack("{s:o}", "interface_options", ifaces_state_json(d));
	int ret;

	if (!extra)
		return -ENOMEM;
	if (d->eng.rs.in_txn)
		ret = journal_commit(&d->jr, &d->eng, extra);
	else
		ret = journal_snapshot(&d->jr, &d->eng, extra);
	json_decref(extra);
	return ret;
}

static int persist(struct engine *e, void *ctx)
{
	return daemon_persist(ctx);
}

static int rule_stats(void *ctx, uint32_t slot, uint64_t *packets, uint64_t *bytes)
{
	struct daemon *d = ctx;

	return dp_rule_stats(&d->dp, slot, packets, bytes);
}

static void status(void *ctx, json_t *r)
{
	struct daemon *d = ctx;

	json_object_set_new(r, "pin_root", json_string(d->cfg.pin_root));
	/* The socket served: the service manager's, when it gave one. */
	json_object_set_new(r, "socket", json_string(d->ctl.path ? d->ctl.path : d->cfg.socket));
	json_object_set_new(r, "state_dir", json_string(d->cfg.state_dir));
	json_object_set_new(r, "maps_adopted", json_boolean(d->dp.adopted));
	json_object_set_new(r, "interfaces", ifaces_list(d, NULL));
	json_object_set_new(r, "netlink",
			    json_pack("{s:I,s:I,s:I,s:I}", "messages", (json_int_t)d->nlw.messages,
				      "overruns", (json_int_t)d->nlw.overruns, "dumps",
				      (json_int_t)d->nlw.dumps, "failed_dumps",
				      (json_int_t)d->nlw.failed_dumps));
}

static int monitor(void *ctx, void *conn, const struct api_monitor *m, struct zerr *err)
{
	struct daemon *d = ctx;

	return events_subscribe(&d->ev, conn, m, err);
}

static void stats(void *ctx, struct api_stats *s)
{
	struct daemon *d = ctx;
	uint64_t g[ZFWD_G_MAX] = { 0 };

	dp_gstats(&d->dp, g);
	s->connections = d->ctl.n_clients;
	s->accepted = d->ctl.accepted;
	s->refused = d->ctl.refused;
	s->idle_closed = d->ctl.idle_closed;
	s->monitors = d->ev.n_mons;
	s->events_read = d->ev.read;
	s->events_delivered = d->ev.delivered;
	s->events_missed = d->ev.missed;
	s->events_lost = g[ZFWD_G_EVENTS_LOST];
	s->netlink_overruns = d->nlw.overruns;
}

static char *render_metrics(void *ctx)
{
	struct daemon *d = ctx;

	return api_metrics(&d->api, false);
}

static json_t *list_ifaces(void *ctx, const char *name)
{
	return ifaces_list(ctx, name);
}

static int set_iface(void *ctx, const char *name, const json_t *opts, bool reset,
		     struct zerr *err)
{
	return ifaces_set(ctx, name, opts, reset, err);
}

static void apply_settings(struct daemon *d)
{
	int err = dp_settings(&d->dp, d->cfg.ct.tcp_established, d->cfg.ct.tcp_transitory,
			      d->cfg.ct.udp, d->cfg.ct.icmp);

	if (err)
		log_err("cannot write flow timeouts: %s", strerror(-err));
}

static void on_call(void *ctx, struct client *c, struct vl_call *call)
{
	struct daemon *d = ctx;
	struct api_peer peer = {
		.uid = c->cred.uid,
		.gid = c->cred.gid,
		.pid = c->cred.pid,
		.can_write = c->can_write,
		.denial_logged = &c->denial_logged,
		.conn = c,
	};
	json_t *reply;

	if (c->sub) {
		/* Its Monitor stream never ends: a reply would be lost
		 * among the events. */
		if (!call->oneway)
			control_reply(c, vl_error(VARLINK_ERR_INVALID_PARAMETER,
						  json_pack("{s:s,s:s}", "parameter", "more",
							    "reason",
							    "this connection streams Monitor "
							    "events; call on another")));
		return;
	}
	reply = api_call(&d->api, call, &peer);
	if (reply)
		control_reply(c, reply);
}

static void on_client_close(void *ctx, struct client *c)
{
	struct daemon *d = ctx;

	if (c->sub)
		events_unsubscribe(&d->ev, c);
}

/* STATUS= for systemctl status: what zfwd holds now. */
static void notify_status(struct daemon *d, bool force)
{
	char buf[sizeof(d->last_status)];

	snprintf(buf, sizeof(buf), "%u rules, %zu interfaces managed, %zu clients",
		 d->eng.rs.n_entries, d->eng.n_ifaces, d->ctl.n_clients);
	if (!force && !strcmp(buf, d->last_status))
		return;
	snprintf(d->last_status, sizeof(d->last_status), "%s", buf);
	sdnotify_send(&d->sdn, "STATUS=%s", buf);
}

static void on_heartbeat(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;

	if (d->sdn.watchdog_usec)
		sdnotify_send(&d->sdn, "WATCHDOG=1");
	notify_status(d, false);
}

static void on_stop(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;

	log_notice("signal %d: stopping (programs and maps stay in force)", w->signum);
	sdnotify_send(&d->sdn, "STOPPING=1\nSTATUS=stopping; programs and maps stay in force");
	ev_break(loop, EVBREAK_ALL);
}

static void on_reload(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;
	struct config nc;
	bool defaulted;
	char why[256];

	sdnotify_reloading(&d->sdn);
	if (config_load(d->config_path, &nc, &defaulted, why, sizeof(why))) {
		log_err("reload: %s: %s; keeping the running configuration",
			d->config_path, why);
		sdnotify_send(&d->sdn, "READY=1\nSTATUS=reload failed: %s", why);
		return;
	}
	/* Interfaces and flow timeouts change at run time; paths and
	 * limits need a restart. */
	for (size_t i = 0; i < d->cfg.n_ifaces; i++)
		free(d->cfg.ifaces[i].name);
	free(d->cfg.ifaces);
	d->cfg.ifaces = nc.ifaces;
	d->cfg.n_ifaces = nc.n_ifaces;
	nc.ifaces = NULL;
	nc.n_ifaces = 0;
	d->cfg.ct.tcp_established = nc.ct.tcp_established;
	d->cfg.ct.tcp_transitory = nc.ct.tcp_transitory;
	d->cfg.ct.udp = nc.ct.udp;
	d->cfg.ct.icmp = nc.ct.icmp;
	config_free(&nc);
	log_notice("reload: %zu interface entries", d->cfg.n_ifaces);
	apply_settings(d);
	links_reevaluate(&d->links);
	sdnotify_send(&d->sdn, "READY=1");
	notify_status(d, true);
}

/* The socket systemd handed over (LISTEN_FDS), if it is ours: fd 3. */
static int listen_fd(void)
{
	const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
	int fd = -1;

	if (fds && pid && strtol(pid, NULL, 10) == getpid() && strtol(fds, NULL, 10) >= 1)
		fd = 3; /* SD_LISTEN_FDS_START */
	/* Not for anything zfwd might start. */
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDNAMES");
	return fd;
}

static struct route_cfg route_cfg_of(const struct config *c)
{
	struct route_cfg rc = {
		.mark = c->mark,
		.mask = c->mark_mask,
		.table = c->route_table,
		.priority = c->rule_priority,
	};

	return rc;
}

void daemon_route(struct daemon *d, bool quiet)
{
	struct route_cfg rc = route_cfg_of(&d->cfg);
	int err = route_install(&rc, quiet);

	if (err) {
		log_warn("TPROXY policy route not installed (%s): intercepting non-local "
			 "addresses waits for it; retried when lo comes up", strerror(-err));
		return;
	}
	if (!d->route_installed)
		log_info("policy route: fwmark %#x/%#x -> table %u (local default dev lo)",
			 rc.mark, rc.mask, rc.table);
	d->route_installed = true;
}

static int uninstall(struct daemon *d)
{
	struct route_cfg rc = route_cfg_of(&d->cfg);
	int ret = 0, err;

	err = dp_open(&d->dp, &(struct dp_opts){ .pin_root = d->cfg.pin_root,
						 .lim = d->cfg.lim,
						 .mark = d->cfg.mark,
						 .mark_mask = d->cfg.mark_mask });
	if (!err) {
		struct kbackend kb = dp_backend(&d->dp);

		if (!engine_init(&d->eng, &d->cfg.lim, &kb) &&
		    !dp_read_state(&d->dp, &d->eng)) {
			for (size_t i = 0; i < d->eng.n_ifaces; i++) {
				err = tc_detach(d->eng.ifaces[i].ifindex, true);
				if (!err || err == -ENODEV)
					err = tc_detach(d->eng.ifaces[i].ifindex, false);
				if (err && err != -ENODEV) {
					log_err("ifindex %u: cannot detach: %s",
						d->eng.ifaces[i].ifindex, strerror(-err));
					ret = 1;
				}
			}
		}
		engine_free(&d->eng);
		dp_close(&d->dp);
	}
	err = route_remove(&rc);
	if (err) {
		log_err("cannot remove the policy route: %s", strerror(-err));
		ret = 1;
	}
	err = dp_unpin_all(d->cfg.pin_root);
	if (err) {
		log_err("cannot remove pins under %s: %s", d->cfg.pin_root, strerror(-err));
		ret = 1;
	}
	log_notice("uninstalled (the state file under %s is kept)", d->cfg.state_dir);
	return ret;
}

/* A damaged state is evidence: copy it aside (never over an older copy)
 * before anything could replace it. */
static void keep_one(const struct daemon *d, const char *file, long stamp, char *copy, size_t n)
{
	char src[PATH_MAX], buf[65536];
	FILE *in, *out;
	size_t r;

	snprintf(src, sizeof(src), "%s/%s", d->cfg.state_dir, file);
	snprintf(copy, n, "%s/%s.corrupt-%ld", d->cfg.state_dir, file, stamp);
	in = fopen(src, "re");
	if (!in) {
		if (errno == ENOENT)
			snprintf(copy, n, "(no %s)", file);
		return;
	}
	out = fopen(copy, "wx");
	if (!out) {
		log_err("cannot keep a copy of %s as %s: %s", src, copy, strerror(errno));
		fclose(in);
		return;
	}
	while ((r = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, r, out);
	fclose(in);
	if (fclose(out))
		log_err("cannot write %s: %s", copy, strerror(errno));
}

static void keep_aside(const struct daemon *d, char *copy, size_t n)
{
	char second[PATH_MAX];
	long stamp = (long)time(NULL);

	keep_one(d, STATE_FILE, stamp, copy, n);
	keep_one(d, JOURNAL_FILE, stamp, second, sizeof(second));
	if (second[0] != '(' && strlen(copy) + strlen(second) + 6 < n) {
		strcat(copy, " and ");
		strcat(copy, second);
	}
}

static int load_rules(struct daemon *d, bool discard_state)
{
	char why[512], copy[PATH_MAX];
	struct zerr zerr = { 0 };
	json_t *root = NULL;
	bool found;
	int err;

	if (d->dp.adopted) {
		err = dp_read_state(&d->dp, &d->eng);
		if (err) {
			log_err("cannot read the pinned maps: %s", strerror(-err));
			return err;
		}
	}
	err = journal_read(&d->jr, &root, &found, why, sizeof(why));
	if (!err && found)
		err = state_from_json(&d->eng, root, why, sizeof(why));
	if (!err && found)
		err = ifaces_state_load(d, json_object_get(root, "interface_options"), why,
					sizeof(why));
	json_decref(root);
	if (err) {
		keep_aside(d, copy, sizeof(copy));
		log_err("the state in %s is corrupt: %s", d->cfg.state_dir, why);
		log_err("a copy is kept as %s", copy);
		if (!discard_state) {
			log_err("not starting: the pinned maps keep enforcing the last good rules; "
				"restore the file, or start with --discard-state to start empty");
			return err;
		}
		log_warn("--discard-state: starting with no rules");
		ruleset_free(&d->eng.rs);
		err = ruleset_init(&d->eng.rs, d->cfg.lim.rules);
		if (err)
			return err;
		for (size_t i = 0; i < d->n_overrides; i++)
			memset(&d->overrides[i], 0, sizeof(d->overrides[i]));
		d->n_overrides = 0;
		found = false;
	} else if (!found && (d->eng.sh.n_dst[0] || d->eng.sh.n_dst[1]) && !discard_state) {
		log_err("the pinned maps under %s hold rules, but %s/%s does not exist",
			d->cfg.pin_root, d->cfg.state_dir, STATE_FILE);
		log_err("restore the state file, or start with --discard-state");
		return -ENOENT;
	}
	log_info("%u rules from %s", d->eng.rs.n_entries,
		 found ? "the state file" : "nowhere (no state file)");
	err = engine_reconcile(&d->eng, &zerr);
	if (err) {
		log_err("cannot bring the maps in line with the state: %s",
			zerr.params ? json_string_value(json_object_get(zerr.params, "reason"))
				    : strerror(-err));
		zerr_clear(&zerr);
		return err;
	}
	d->eng.persist = persist;
	d->eng.persist_ctx = d;
	/* Start from a fresh snapshot: the journal folded in, and after
	 * --discard-state the files say so too (the copies are aside). */
	return daemon_persist(d);
}

static int run(struct daemon *d, const struct opts *o)
{
	struct kbackend kb;
	int err, fd;

	err = bpffs_ensure(d->cfg.pin_root);
	if (err)
		return err;
	if (mkdir(d->cfg.state_dir, 0700) && errno != EEXIST) {
		err = -errno;
		log_err("cannot create %s: %s", d->cfg.state_dir, strerror(errno));
		return err;
	}
	err = dp_open(&d->dp, &(struct dp_opts){ .pin_root = d->cfg.pin_root,
						 .lim = d->cfg.lim,
						 .mark = d->cfg.mark,
						 .mark_mask = d->cfg.mark_mask,
						 .ct_size = d->cfg.ct.size });
	if (err)
		return err;
	apply_settings(d);
	err = events_init(&d->ev, d, d->dp.events_fd);
	if (err) {
		log_err("cannot read the event ring buffer: %s", strerror(-err));
		return err;
	}
	kb = dp_backend(&d->dp);
	err = engine_init(&d->eng, &d->cfg.lim, &kb);
	if (!err)
		err = journal_init(&d->jr, d->cfg.state_dir);
	if (err)
		return err;
	err = load_rules(d, o->discard_state);
	if (err)
		return err;
	daemon_route(d, true);
	/* Links and addresses: dumped now, followed from here on. */
	err = nlwatch_start(&d->nlw, d->loop, &d->links, d->cfg.netlink_rcvbuf);
	if (err) {
		log_err("cannot follow links over netlink: %s", strerror(-err));
		return err;
	}
	ifaces_drop_stale(d);
	if (d->links.failures)
		log_warn("some interfaces could not be managed (see above)");

	d->api.eng = &d->eng;
	d->api.max_message = d->cfg.max_message;
	d->api.ops = (struct api_ops){ .status = status, .rule_stats = rule_stats,
				       .list_ifaces = list_ifaces, .set_iface = set_iface,
				       .monitor = monitor, .stats = stats, .ctx = d };
	d->ctl.on_close = on_client_close;
	fd = listen_fd();
	if (fd >= 0) {
		err = control_adopt(&d->ctl, fd);
		if (err) {
			log_err("the socket passed by the service manager is unusable: %s",
				strerror(-err));
			return err;
		}
		d->socket_activated = true;
	} else {
		err = control_listen(&d->ctl, d->cfg.socket);
		if (err) {
			log_err("cannot listen on %s: %s", d->cfg.socket, strerror(-err));
			return err;
		}
	}
	if (d->cfg.metrics_listen) {
		err = httpd_start(&d->httpd, d->loop, d->cfg.metrics_listen, render_metrics, d);
		if (err) {
			log_err("metrics_listen %s: %s", d->cfg.metrics_listen, strerror(-err));
			return err;
		}
		log_info("metrics served at http://%s/metrics", d->cfg.metrics_listen);
	}
	ev_signal_init(&d->sig_term, on_stop, SIGTERM);
	ev_signal_init(&d->sig_int, on_stop, SIGINT);
	ev_signal_init(&d->sig_hup, on_reload, SIGHUP);
	d->sig_hup.data = d;
	d->sig_term.data = d;
	d->sig_int.data = d;
	ev_signal_start(d->loop, &d->sig_term);
	ev_signal_start(d->loop, &d->sig_int);
	ev_signal_start(d->loop, &d->sig_hup);

	log_notice("zfwd %s ready: %u rules, %zu of %zu interfaces managed, socket %s%s",
		   ZFWD_VERSION, d->eng.rs.n_entries, d->eng.n_ifaces, d->links.n, d->ctl.path,
		   d->socket_activated ? " (from the service manager)" : "");
	sdnotify_send(&d->sdn, "READY=1\nMAINPID=%d", (int)getpid());
	notify_status(d, true);
	if (sdnotify_enabled(&d->sdn)) {
		/* Half the watchdog interval, as systemd asks; otherwise a
		 * status refresh now and then. */
		double every = d->sdn.watchdog_usec ? d->sdn.watchdog_usec / 2e6 : 10.0;

		ev_timer_init(&d->heartbeat, on_heartbeat, every, every);
		d->heartbeat.data = d;
		ev_timer_start(d->loop, &d->heartbeat);
	}
	ev_run(d->loop, 0);
	return 0;
}

int main(int argc, char **argv)
{
	struct daemon d;
	struct opts o;
	char why[512];
	int ret;

	ret = parse_args(argc, argv, &o);
	if (ret >= 0)
		return ret;
	log_init(o.log_level);
	libbpf_set_print(libbpf_log);
	signal(SIGPIPE, SIG_IGN);

	memset(&d, 0, sizeof(d));
	d.config_path = (char *)o.config;
	if (config_load(o.config, &d.cfg, &d.config_defaulted, why, sizeof(why))) {
		log_err("%s: %s", o.config, why);
		return 1;
	}
	if (override(&d.cfg.socket, o.socket) || override(&d.cfg.pin_root, o.pin_root) ||
	    override(&d.cfg.state_dir, o.state_dir)) {
		log_err("out of memory");
		return 1;
	}
	if (o.check_config) {
		printf("%s: ok (%zu interface entries)%s\n", o.config, d.cfg.n_ifaces,
		       d.config_defaulted ? " [file absent: embedded default]" : "");
		config_free(&d.cfg);
		return 0;
	}
	if (d.config_defaulted)
		log_notice("%s not found: embedded default, managing no interface", o.config);
	if (o.uninstall) {
		ret = uninstall(&d);
		config_free(&d.cfg);
		return ret;
	}

	d.loop = ev_default_loop(EVFLAG_AUTO | EVFLAG_NOENV);
	if (!d.loop) {
		log_err("cannot create the event loop");
		return 1;
	}
	if (sdnotify_init(&d.sdn)) {
		log_err("NOTIFY_SOCKET or WATCHDOG_USEC is malformed");
		config_free(&d.cfg);
		return 1;
	}
	control_init(&d.ctl, d.loop, d.cfg.max_clients, d.cfg.max_message, on_call, &d);
	{
		struct group *g = getgrnam(d.cfg.api_group);

		if (!g)
			log_notice("group %s does not exist: only root may change rules",
				   d.cfg.api_group);
		control_set_access(&d.ctl, g ? g->gr_gid : (gid_t)-1, d.cfg.idle_timeout);
	}
	ifaces_init(&d);
	ret = run(&d, &o);
	httpd_stop(&d.httpd);
	control_close(&d.ctl);
	events_free(&d.ev);
	nlwatch_stop(&d.nlw);
	links_free(&d.links);
	journal_free(&d.jr);
	sdnotify_close(&d.sdn);
	api_free(&d.api);
	free(d.overrides);
	engine_free(&d.eng);
	dp_close(&d.dp);
	config_free(&d.cfg);
	return ret ? 1 : 0;
}
