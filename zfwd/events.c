// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "daemon.h"
#include "events.h"
#include "log.h"
#include "zfwd_api.h"
#include "zfwd_maps.h"

/* A monitor whose unread replies exceed this misses events. */
#define MONITOR_BACKLOG (256u << 10)
/* Records read per wakeup: under a flood of events the loop still turns
 * to the API and netlink in between (the ring stays readable, libev's
 * epoll is level-triggered). What the ring cannot hold meanwhile is lost
 * in the kernel, and counted. */
#define RING_BUDGET 1024

static double wall_of(uint64_t mono_ns)
{
	struct timespec rt, mt;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mt);
	return rt.tv_sec + rt.tv_nsec / 1e9 -
	       ((mt.tv_sec * 1e9 + mt.tv_nsec) - (double)mono_ns) / 1e9;
}

static void endpoint(uint8_t family, const __be32 *addr, __be16 port, bool ports,
		     char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, a, sizeof(a));
	if (!ports)
		snprintf(buf, n, "%s", a);
	else if (family == 4)
		snprintf(buf, n, "%s:%u", a, ntohs(port));
	else
		snprintf(buf, n, "[%s]:%u", a, ntohs(port));
}

static const char *proto_str(uint8_t p)
{
	switch (p) {
	case 6: return "tcp";
	case 17: return "udp";
	case 1: return "icmp";
	case 58: return "icmpv6";
	}
	return "other";
}

/* Whether @m's filter takes the event. */
static bool wants(const struct monitor *m, unsigned type, const char *ifname,
		  const struct cmatch *cm)
{
	if (!(m->types & type))
		return false;
	if (m->ifname[0] && strcmp(m->ifname, ifname))
		return false;
	if (!m->service_id)
		return true;
	for (const struct entry *en = cm ? cm->holders : NULL; en; en = en->cm_next)
		if (en->r.service_id && !strcmp(en->r.service_id, m->service_id))
			return true;
	return false;
}

/* Marks the monitors that take the event and have room for it; those
 * without room miss it. Returns how many take it. */
static unsigned select_monitors(struct events *ev, unsigned type, const char *ifname,
				const struct cmatch *cm)
{
	unsigned n = 0;

	for (struct monitor *m = ev->mons; m; m = m->next) {
		m->take = wants(m, type, ifname, cm);
		if (m->take && control_backlog(m->c) > MONITOR_BACKLOG) {
			m->take = false;
			m->missed++;
			ev->missed++;
		}
		n += m->take;
	}
	return n;
}

/* Sends @params (borrowed) to the monitors select_monitors chose. */
static void deliver(struct events *ev, json_t *params)
{
	for (struct monitor *m = ev->mons; m; m = m->next) {
		json_t *msg;

		if (!m->take)
			continue;
		if (m->missed) {
			/* Told, once it has room again. */
			msg = json_deep_copy(params);
			if (!msg)
				continue;
			json_object_set_new(msg, "missed", json_integer((json_int_t)m->missed));
			m->missed = 0;
		} else {
			msg = json_incref(params); /* read-only from here */
		}
		control_reply(m->c, vl_reply(msg, true));
		ev->delivered++;
	}
}

static void handle(struct events *ev, const void *data, size_t size)
{
	const struct zfwd_event *e = data;
	const struct cmatch *cm;
	char ifname[IF_NAMESIZE] = "?", src[64], dst[64];
	const struct link *l;
	bool ports;
	json_t *p;
	unsigned type;

	if (size < sizeof(*e) || !ev->mons)
		return;
	type = e->kind == ZFWD_EV_INTERCEPT ? API_EV_INTERCEPT : API_EV_DROP;
	l = links_find(&ev->d->links, e->ifindex);
	if (l)
		snprintf(ifname, sizeof(ifname), "%s", l->name);
	cm = ruleset_by_slot(&ev->d->eng.rs, e->slot);
	/* Under a flood, monitors that fell behind cost a counter only. */
	if (!select_monitors(ev, type, ifname, cm))
		return;
	ports = e->proto == 6 || e->proto == 17;
	endpoint(e->family, e->saddr, e->sport, ports, src, sizeof(src));
	endpoint(e->family, e->daddr, e->dport, ports, dst, sizeof(dst));
	p = json_pack("{s:s,s:f,s:s,s:i,s:s,s:s,s:s,s:s}", "type",
		      type == API_EV_INTERCEPT ? "intercept" : "drop", "time", wall_of(e->ts_ns),
		      "interface", ifname, "ifindex", (int)e->ifindex, "reason",
		      api_reason_name(e->reason), "protocol", proto_str(e->proto), "source", src,
		      "destination", dst);
	if (!p)
		return;
	if (cm) {
		const struct entry *en = cm->holders;
		char d[64];

		prefix_format(&cm->m.dst, d, sizeof(d));
		json_object_set_new(p, "rule",
				    json_pack("{s:s,s:s,s:s*,s:s*}", "owner", en ? en->owner : "?",
					      "destination", d, "service_id",
					      en ? en->r.service_id : NULL, "service_name",
					      en ? en->r.service_name : NULL));
	}
	deliver(ev, p);
	json_decref(p);
}

static int on_ring(void *ctx, void *data, size_t size)
{
	struct events *ev = ctx;

	ev->read++;
	handle(ev, data, size);
	/* Past the budget, the rest wait for the next turn of the loop. */
	return ++ev->batch >= RING_BUDGET ? -EAGAIN : 0;
}

static void on_readable(struct ev_loop *loop, ev_io *io, int revents)
{
	struct events *ev = io->data;

	ev->batch = 0;
	ring_buffer__consume(ev->rb);
}

int events_init(struct events *ev, struct daemon *d, int ringbuf_fd)
{
	memset(ev, 0, sizeof(*ev));
	ev->d = d;
	ev->rb = ring_buffer__new(ringbuf_fd, on_ring, ev, NULL);
	if (!ev->rb)
		return -errno;
	ev_io_init(&ev->io, on_readable, ring_buffer__epoll_fd(ev->rb), EV_READ);
	ev->io.data = ev;
	ev_io_start(d->loop, &ev->io);
	/* A run that ended with monitors left the count behind. */
	return dp_set_monitors(&d->dp, 0);
}

void events_free(struct events *ev)
{
	while (ev->mons)
		events_unsubscribe(ev, ev->mons->c);
	if (ev->rb) {
		ev_io_stop(ev->d->loop, &ev->io);
		ring_buffer__free(ev->rb);
	}
	memset(ev, 0, sizeof(*ev));
}

static void set_monitors(struct events *ev)
{
	int err = dp_set_monitors(&ev->d->dp, ev->n_mons);

	if (err)
		log_err("cannot tell the programs about monitors: %s", strerror(-err));
}

int events_subscribe(struct events *ev, struct client *c, const struct api_monitor *f,
		     struct zerr *err)
{
	struct monitor *m;

	if (c->sub) {
		zerr_set(err, VARLINK_ERR_INVALID_PARAMETER,
			 json_pack("{s:s,s:s}", "parameter", "more", "reason",
				   "this connection monitors already"));
		return -EBUSY;
	}
	m = calloc(1, sizeof(*m));
	if (!m || (f->service_id && !(m->service_id = strdup(f->service_id)))) {
		free(m);
		zerr_set(err, ZFWD_ERR_SYSTEM, json_pack("{s:s}", "reason", "out of memory"));
		return -ENOMEM;
	}
	snprintf(m->ifname, sizeof(m->ifname), "%s", f->ifname);
	m->types = f->types;
	m->c = c;
	m->next = ev->mons;
	ev->mons = m;
	ev->n_mons++;
	c->sub = m;
	c->streaming = true;
	set_monitors(ev);
	log_debug("uid %u monitors (%u monitors)", c->cred.uid, ev->n_mons);
	return 0;
}

void events_unsubscribe(struct events *ev, struct client *c)
{
	for (struct monitor **pp = &ev->mons; *pp; pp = &(*pp)->next) {
		struct monitor *m = *pp;

		if (m->c != c)
			continue;
		*pp = m->next;
		ev->n_mons--;
		c->sub = NULL;
		free(m->service_id);
		free(m);
		set_monitors(ev);
		return;
	}
}

void events_interface(struct events *ev, const char *ifname, uint32_t ifindex,
		      const char *change, const char *address)
{
	struct timespec rt;
	json_t *p;

	if (!ev->mons || !select_monitors(ev, API_EV_INTERFACE, ifname, NULL))
		return;
	clock_gettime(CLOCK_REALTIME, &rt);
	p = json_pack("{s:s,s:f,s:s,s:i,s:s}", "type", "interface", "time",
		      rt.tv_sec + rt.tv_nsec / 1e9, "interface", ifname, "ifindex", (int)ifindex,
		      "change", change);
	if (!p)
		return;
	if (address)
		json_object_set_new(p, "address", json_string(address));
	deliver(ev, p);
	json_decref(p);
}
