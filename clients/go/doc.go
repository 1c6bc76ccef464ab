// Package zfwd is a client of zfwd's Varlink API (interface
// io.openziti.zfwd, proto/io.openziti.zfwd.varlink in the zfwd source).
//
// zfwd is an eBPF (tc) interception firewall for OpenZiti routers and
// Linux hosts. Its rules steer TCP and UDP traffic arriving on managed
// interfaces into a TPROXY listener (ActionTproxy), on to the host stack
// (ActionPass) or nowhere (ActionDeny). Every call that changes rules is
// validated whole and applied whole or not at all; rules belong to an
// owner ("local" unless given).
//
// A Client holds one connection to the daemon's Unix socket and makes one
// call at a time on it; it is safe for concurrent use. Each method takes a
// context whose deadline and cancellation bound the call:
//
//	c, err := zfwd.Dial("") // $ZFWD_SOCKET, else /run/zfwd/zfwd.sock
//	if err != nil {
//		return err
//	}
//	defer c.Close()
//	res, err := c.AddRules(ctx, "ziti", []zfwd.Rule{{
//		Protocol:    zfwd.TCP,
//		Destination: "100.64.0.0/24",
//		Ports:       zfwd.PortRange(80, 443),
//		Action:      zfwd.ActionTproxy,
//		TproxyPort:  41001,
//	}})
//	var inv *zfwd.InvalidRuleError
//	if errors.As(err, &inv) {
//		log.Printf("rule %d, field %s: %s", inv.Index, inv.Field, inv.Reason)
//	}
//
// Errors the daemon names are returned as typed errors (*InvalidRuleError,
// *ConflictError, *CapacityExceededError, *RuleNotFoundError, ...), each
// implementing Error; a name this package does not know is a
// *VarlinkError. Transport failures (the daemon went away, a context
// ended, a malformed message) are wrapped errors that are none of these;
// after one the connection is closed and the next call dials again.
//
// Monitor streams live events (interceptions, drops, interface changes)
// on a connection of its own, so the Client's calls go on beside it:
//
//	m, err := c.Monitor(ctx, zfwd.MonitorFilter{Types: []string{zfwd.EventDrop}})
//	if err != nil {
//		return err
//	}
//	defer m.Close() // also wakes a Next that waits
//	for {
//		ev, err := m.Next()
//		if err != nil {
//			return err // io.EOF: the daemon went away
//		}
//		log.Printf("%s %s -> %s: %s", ev.Interface, ev.Source, ev.Destination, ev.Reason)
//	}
//
// GetMetrics returns the daemon's counters and gauges in the Prometheus
// text format, for a collector that reads the socket rather than the
// daemon's metrics endpoint.
//
// On the wire every message is one JSON object followed by a NUL byte.
package zfwd
