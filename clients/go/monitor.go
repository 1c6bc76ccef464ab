package zfwd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"sync"
	"time"
)

// The types of Monitor's events (Event.Type), which are also what
// MonitorFilter.Types selects.
const (
	// EventIntercept: a connection's first packet was steered to a
	// TPROXY listener.
	EventIntercept = "intercept"
	// EventDrop: a packet was dropped; Event.Reason says why, with a
	// counter name of InterfaceInfo.Counters ("drop_default", ...).
	EventDrop = "drop"
	// EventInterface: a managed interface changed; Event.Change says
	// how.
	EventInterface = "interface"
)

// The changes an EventInterface event reports (Event.Change).
const (
	// ChangeManaged: zfwd manages the interface now (it appeared, or
	// the configuration names it).
	ChangeManaged = "managed"
	// ChangeUnmanaged: zfwd no longer manages the interface.
	ChangeUnmanaged = "unmanaged"
	// ChangeGone: the interface was removed from the system.
	ChangeGone = "gone"
	// ChangeOptions: the interface's options changed (SetInterface,
	// ResetInterface, a reload).
	ChangeOptions = "options"
	// ChangeAddressAdded: the interface gained Event.Address.
	ChangeAddressAdded = "address-added"
	// ChangeAddressRemoved: the interface lost Event.Address.
	ChangeAddressRemoved = "address-removed"
)

// monitoring is the type of Monitor's first reply, which is not an event.
const monitoring = "monitoring"

// MonitorFilter narrows the events of Monitor; each non-empty field must
// match (the zero filter: every event).
type MonitorFilter struct {
	// Interface is the one interface whose events to get.
	Interface string `json:"interface,omitempty"`
	// Types are the event types to get (EventIntercept, EventDrop,
	// EventInterface); empty means all.
	Types []string `json:"types,omitempty"`
	// ServiceID selects the events of rules with this service ID
	// (interface events have no rule, so none pass).
	ServiceID string `json:"service_id,omitempty"`
}

// EventRule is what an event names of the rule that decided its packet.
type EventRule struct {
	// Owner holds the rule (the first owner, when several hold rules
	// with the same match).
	Owner string `json:"owner"`
	// Destination is the rule's destination prefix.
	Destination string `json:"destination"`
	// ServiceID of the rule, when it has one.
	ServiceID string `json:"service_id,omitempty"`
	// ServiceName of the rule, when it has one.
	ServiceName string `json:"service_name,omitempty"`
}

// Event is one event of a Monitor stream. Which fields are set depends on
// Type: packet events (EventIntercept, EventDrop) have Protocol, Source,
// Destination, Reason and, when a rule decided, Rule; interface events
// (EventInterface) have Change and, for address changes, Address.
type Event struct {
	// Type is EventIntercept, EventDrop or EventInterface (a daemon
	// newer than this package may send others).
	Type string `json:"type"`
	// Time of the event, in seconds since the Unix epoch (see
	// Timestamp).
	Time float64 `json:"time,omitempty"`
	// Interface is the name of the interface the event happened on.
	Interface string `json:"interface,omitempty"`
	// Ifindex is the kernel's index of that interface.
	Ifindex int `json:"ifindex,omitempty"`
	// Reason is the packet's verdict reason, a counter name of
	// InterfaceInfo.Counters ("tproxy", "drop_default", ...).
	Reason string `json:"reason,omitempty"`
	// Protocol is the packet's protocol: "tcp", "udp", "icmp", "icmpv6"
	// or "other".
	Protocol string `json:"protocol,omitempty"`
	// Source is the packet's source address, with the port for TCP and
	// UDP ("10.0.0.2:40000", "[fd00::2]:40000").
	Source string `json:"source,omitempty"`
	// Destination is the packet's destination, in Source's format.
	Destination string `json:"destination,omitempty"`
	// Rule is the rule that decided the packet, if one did.
	Rule *EventRule `json:"rule,omitempty"`
	// Change is how an interface changed (ChangeManaged, ...).
	Change string `json:"change,omitempty"`
	// Address is the address added or removed ("addr/len").
	Address string `json:"address,omitempty"`
	// Missed is how many events this stream lost before this one
	// because it was read too slowly (the daemon never waits for a
	// monitor).
	Missed int64 `json:"missed,omitempty"`
}

// Timestamp is Time as a time.Time; the zero time when Time is not set.
func (e *Event) Timestamp() time.Time {
	if e.Time == 0 {
		return time.Time{}
	}
	sec, frac := math.Modf(e.Time)
	return time.Unix(int64(sec), int64(frac*1e9))
}

// Monitor is a stream of live events from the daemon (Client.Monitor), on
// a connection of its own. Next returns the events one at a time; Close
// ends the stream. Next calls are served one at a time; Close may be
// called from any goroutine, also while a Next waits.
type Monitor struct {
	method string
	conn   net.Conn
	r      *bufio.Reader
	max    int
	strict bool

	// readMu makes Next calls one at a time; it guards r and err.
	readMu sync.Mutex
	// err ended the stream; every later Next returns it.
	err error

	// state guards closed.
	state  sync.Mutex
	closed bool

	// connOnce closes conn once: Close and the stream's end both may.
	connOnce sync.Once
}

// Monitor starts a stream of live events that pass f: interceptions and
// drops of packets on the managed interfaces, and changes of the
// interfaces. It opens a connection of its own to c.Path() (a stream
// occupies its connection until it ends), makes the call with "more" and
// returns once the daemon has accepted it. An error reply is returned as
// its typed error (*InvalidParameterError for a filter the daemon
// refuses, ...). ctx bounds the start only, not the stream: call Close to
// end it. The Monitor does not depend on c afterwards (closing c does not
// close it); its replies are read with c's settings.
//
// Packets emit events while someone monitors (or always, on interfaces
// with the events option). A Monitor read too slowly never slows the
// daemon: it misses events instead, and the next event it gets says how
// many (Event.Missed).
func (c *Client) Monitor(ctx context.Context, f MonitorFilter) (*Monitor, error) {
	name := method("Monitor")
	req, err := encodeCall(name, f, true)
	if err != nil {
		return nil, err
	}
	if c.isClosed() {
		return nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("zfwd: %s: %w", name, err)
	}
	conn, err := c.dialConn(ctx)
	if err != nil {
		return nil, err
	}
	m := &Monitor{method: name, conn: conn, r: bufio.NewReader(conn), max: c.max,
		strict: c.strict}
	msg, err := exchangeOn(ctx, conn, m.r, m.max, req)
	if err == nil {
		// From now on Next waits as long as it takes. This fails only
		// on a connection already broken (or, for net.Pipe, closed by
		// the peer), which the next read reports.
		conn.SetDeadline(time.Time{})
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("zfwd: %s: %w", name, err)
	}
	var first struct {
		Type string `json:"type"`
	}
	if err := decodeMessage(name, msg, &first, m.strict, true); err != nil {
		conn.Close()
		return nil, err
	}
	if first.Type != monitoring {
		conn.Close()
		return nil, &ProtocolError{Method: name,
			Err: fmt.Errorf("the first reply has type %q, not %q", first.Type, monitoring)}
	}
	return m, nil
}

// Next waits for the next event and returns it. The stream ends, and
// every later Next returns the same error, with:
//   - io.EOF (as is, not wrapped): the daemon closed the connection
//     between messages (it stopped or restarted);
//   - the typed error of an error reply, which ends a stream (see
//     Error);
//   - a *ProtocolError: a message that is not an event of a stream (not
//     JSON, or without "continues": true);
//   - another transport error, wrapped (ErrMessageTooLarge for an event
//     longer than MaxMessage, io.ErrUnexpectedEOF for a connection that
//     ended inside one, ...).
//
// After Close, Next returns ErrClosed, and a Next waiting when Close is
// called returns ErrClosed at once.
func (m *Monitor) Next() (*Event, error) {
	m.readMu.Lock()
	defer m.readMu.Unlock()
	if m.isClosed() {
		return nil, ErrClosed
	}
	if m.err != nil {
		return nil, m.err
	}
	msg, err := readMessage(m.r, m.max)
	if err != nil {
		if m.isClosed() {
			return nil, ErrClosed
		}
		if err != io.EOF {
			err = fmt.Errorf("zfwd: %s: %w", m.method, err)
		}
		return nil, m.end(err)
	}
	var e Event
	if err := decodeMessage(m.method, msg, &e, m.strict, true); err != nil {
		return nil, m.end(err)
	}
	if e.Type == "" {
		return nil, m.end(&ProtocolError{Method: m.method, Err: errors.New("an event without a type")})
	}
	return &e, nil
}

// end makes err the stream's end and closes its connection; m.readMu is
// held.
func (m *Monitor) end(err error) error {
	m.err = err
	m.closeConn()
	return err
}

// Close ends the stream and closes its connection (the daemon forgets
// the monitor). A Next waiting returns ErrClosed. Closing twice, or after
// the stream ended, is not an error.
func (m *Monitor) Close() error {
	m.state.Lock()
	already := m.closed
	m.closed = true
	m.state.Unlock()
	if already {
		return nil
	}
	return m.closeConn()
}

func (m *Monitor) isClosed() bool {
	m.state.Lock()
	defer m.state.Unlock()
	return m.closed
}

// closeConn closes the connection once; later calls return nil.
func (m *Monitor) closeConn() error {
	var err error
	m.connOnce.Do(func() {
		err = m.conn.Close()
	})
	return err
}
