package zfwd

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeDaemon serves a Unix socket: each request (decoded) goes to handle,
// whose answer is sent with a NUL unless it is nil (no reply). It counts
// the connections accepted.
type fakeDaemon struct {
	path  string
	conns atomic.Int32
	// hangUp, when the handler sends a reply to this method, closes the
	// connection after it and then signals closed.
	hangUp string
	closed chan struct{}
}

func startFakeDaemon(t *testing.T, handle func(req map[string]any) []byte) *fakeDaemon {
	t.Helper()
	return startHangingUpDaemon(t, handle, "")
}

func startHangingUpDaemon(t *testing.T, handle func(req map[string]any) []byte, hangUp string) *fakeDaemon {
	t.Helper()
	d := &fakeDaemon{path: filepath.Join(t.TempDir(), "zfwd.sock"), hangUp: hangUp,
		closed: make(chan struct{}, 1)}
	l, err := net.Listen("unix", d.path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var open []net.Conn
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range open {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			d.conns.Add(1)
			mu.Lock()
			open = append(open, conn)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				r := bufio.NewReader(conn)
				for {
					msg, err := r.ReadBytes(0)
					if err != nil {
						return
					}
					var req map[string]any
					if err := json.Unmarshal(msg[:len(msg)-1], &req); err != nil {
						return
					}
					reply := handle(req)
					if reply == nil {
						continue
					}
					if _, err := conn.Write(append(reply, 0)); err != nil {
						return
					}
					if d.hangUp != "" && req["method"] == d.hangUp {
						conn.Close()
						d.closed <- struct{}{}
						return
					}
				}
			}()
		}
	}()
	return d
}

// echo answers {"parameters": <the call's parameters>}.
func echo(req map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"parameters": req["parameters"]})
	return b
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestSocketPath(t *testing.T) {
	t.Setenv(SocketEnv, "")
	if got := SocketPath(""); got != DefaultSocket {
		t.Errorf("SocketPath(\"\") = %q, want %q", got, DefaultSocket)
	}
	t.Setenv(SocketEnv, "/tmp/x.sock")
	if got := SocketPath(""); got != "/tmp/x.sock" {
		t.Errorf("with $%s: %q", SocketEnv, got)
	}
	if got := SocketPath("/a.sock"); got != "/a.sock" {
		t.Errorf("an explicit path: %q", got)
	}
}

func TestDialUsesTheEnvironment(t *testing.T) {
	d := startFakeDaemon(t, echo)
	t.Setenv(SocketEnv, d.path)
	c, err := Dial("")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Path() != d.path {
		t.Errorf("Path %q, want %q", c.Path(), d.path)
	}
	var got map[string]string
	if err := c.Call(testCtx(t), "x.Y", map[string]string{"a": "b"}, &got); err != nil {
		t.Fatal(err)
	}
	if got["a"] != "b" {
		t.Errorf("echo %v", got)
	}
}

func TestDialWithoutDaemonFails(t *testing.T) {
	_, err := Dial(filepath.Join(t.TempDir(), "none.sock"))
	if err == nil || !strings.Contains(err.Error(), "none.sock") {
		t.Fatalf("error %v, want one naming the socket", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := DialContext(ctx, "/nonexistent.sock"); err == nil {
		t.Fatal("DialContext with a cancelled context succeeded")
	}
}

func TestNilParametersAreAnEmptyObject(t *testing.T) {
	c, s := newPipeClient(t, []byte(`{"parameters":{}}`))
	if err := c.Call(testCtx(t), "a.B", nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := string(<-s.requests); got != `{"method":"a.B","parameters":{}}` {
		t.Errorf("sent %s", got)
	}
}

func TestRepliesWithoutParameters(t *testing.T) {
	c, _ := newPipeClient(t, []byte(`{}`), []byte(`{"error":"org.varlink.service.PermissionDenied"}`))
	var r FlushResult
	if err := c.Call(testCtx(t), "a.B", nil, &r); err != nil || r != (FlushResult{}) {
		t.Fatalf("%v %v", r, err)
	}
	err := c.Call(testCtx(t), "a.B", nil, &r)
	var pd *PermissionDeniedError
	if !errors.As(err, &pd) {
		t.Fatalf("error %T %v, want *PermissionDeniedError", err, err)
	}
}

func TestLargeReplySpansManyReads(t *testing.T) {
	big := strings.Repeat("x", 3<<20)
	d := startFakeDaemon(t, func(req map[string]any) []byte {
		return []byte(`{"parameters":{"description":"` + big + `"}}`)
	})
	c, err := Dial(d.path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 2; i++ {
		got, err := c.GetInterfaceDescription(testCtx(t), Interface)
		if err != nil || got != big {
			t.Fatalf("call %d: %d bytes, %v", i, len(got), err)
		}
	}
}

func TestOversizedReplyCostsTheConnection(t *testing.T) {
	d := startFakeDaemon(t, func(req map[string]any) []byte {
		if req["method"] == "big" {
			return []byte(`{"parameters":{"s":"` + strings.Repeat("y", 100000) + `"}}`)
		}
		return echo(req)
	})
	c, err := Dial(d.path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.max = 65536
	err = c.Call(testCtx(t), "big", nil, nil)
	if !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("error %v, want ErrMessageTooLarge", err)
	}
	// The rest of that reply is never read: the next call dials again.
	if err := c.Call(testCtx(t), "small", nil, nil); err != nil {
		t.Fatal(err)
	}
	if n := d.conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

func TestMalformedReplyCostsTheConnection(t *testing.T) {
	for _, reply := range []string{`not json`, `[1,2]`, `{"parameters":{"added":"three"}}`,
		`{"parameters":{},"continues":true}`} {
		reply := reply
		t.Run(reply, func(t *testing.T) {
			d := startFakeDaemon(t, func(req map[string]any) []byte {
				if req["method"] == "bad" {
					return []byte(reply)
				}
				return echo(req)
			})
			c, err := Dial(d.path)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var r AddResult
			err = c.Call(testCtx(t), "bad", nil, &r)
			var pe *ProtocolError
			if !errors.As(err, &pe) || pe.Method != "bad" {
				t.Fatalf("error %T %v, want *ProtocolError", err, err)
			}
			if err := c.Call(testCtx(t), "good", nil, nil); err != nil {
				t.Fatal(err)
			}
			if n := d.conns.Load(); n != 2 {
				t.Errorf("%d connections, want 2", n)
			}
		})
	}
}

func TestDeadlineCutsTheCallAndTheConnection(t *testing.T) {
	d := startFakeDaemon(t, func(req map[string]any) []byte {
		if req["method"] == "hang" {
			return nil
		}
		return echo(req)
	})
	c, err := Dial(d.path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = c.Call(ctx, "hang", nil, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want context.DeadlineExceeded", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("took %v", el)
	}
	// A late reply to "hang" would be taken for the next call's: the
	// connection must not be reused.
	if err := c.Call(testCtx(t), "next", nil, nil); err != nil {
		t.Fatal(err)
	}
	if n := d.conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

func TestCancelCutsTheCall(t *testing.T) {
	d := startFakeDaemon(t, func(req map[string]any) []byte { return nil })
	c, err := Dial(d.path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	err = c.Call(ctx, "hang", nil, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	// An ended context fails at once, before any I/O.
	if err := c.Call(ctx, "x", nil, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v", err)
	}
}

func TestDaemonGoneIsAnError(t *testing.T) {
	c, _ := newPipeClient(t) // the server closes at once
	err := c.Call(testCtx(t), "a.B", nil, nil)
	if err == nil {
		t.Fatal("no error")
	}
	var ve Error
	if errors.As(err, &ve) {
		t.Errorf("a transport error decoded as a Varlink error %v", ve)
	}
}

func TestCloseEndsTheClient(t *testing.T) {
	d := startFakeDaemon(t, echo)
	c, err := Dial(d.path)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetStatus(testCtx(t)); !errors.Is(err, ErrClosed) {
		t.Fatalf("error %v, want ErrClosed", err)
	}
}

// Many goroutines on one Client: each call gets its own reply.
func TestConcurrentCallsGetTheirOwnReplies(t *testing.T) {
	var inFlight, maxInFlight atomic.Int32
	d := startFakeDaemon(t, func(req map[string]any) []byte {
		n := inFlight.Add(1)
		if n > maxInFlight.Load() {
			maxInFlight.Store(n)
		}
		defer inFlight.Add(-1)
		time.Sleep(100 * time.Microsecond)
		return echo(req)
	})
	c, err := Dial(d.path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 8*50)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				want := fmt.Sprintf("%d-%d", g, i)
				var got map[string]string
				if err := c.Call(context.Background(), "e.Echo", map[string]string{"v": want}, &got); err != nil {
					errs <- err
					return
				}
				if got["v"] != want {
					errs <- fmt.Errorf("sent %s, got %s", want, got["v"])
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := d.conns.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
	if maxInFlight.Load() != 1 {
		t.Errorf("%d calls in flight at once on one connection", maxInFlight.Load())
	}
}

func TestErrorsDecodeToTheirTypes(t *testing.T) {
	cases := []struct {
		name, params string
		want         Error
		msg          string
	}{
		{ErrorInvalidRule, `{"index":2,"field":"tproxy_port","reason":"is required"}`,
			&InvalidRuleError{Index: 2, Field: "tproxy_port", Reason: "is required"},
			"invalid rule 2, field tproxy_port: is required"},
		{ErrorConflict, `{"index":1,"owner":"a","reason":"held"}`,
			&ConflictError{Index: 1, Owner: "a", Reason: "held"}, `rule 1 conflicts with a rule of owner "a": held`},
		{ErrorCapacityExceeded, `{"limit":"rules","max":256,"reason":"full"}`,
			&CapacityExceededError{Limit: "rules", Max: 256, Reason: "full"}, "limit rules (256): full"},
		{ErrorRuleNotFound, `{"index":-1,"owner":"a","reason":"none"}`,
			&RuleNotFoundError{Index: -1, Owner: "a", Reason: "none"}, `not found for owner "a": none`},
		{ErrorRuleNotFound, `{"index":3,"owner":"a","reason":"none"}`,
			&RuleNotFoundError{Index: 3, Owner: "a", Reason: "none"}, `rule 3 not found for owner "a"`},
		{ErrorSystem, `{"reason":"disk full"}`, &SystemError{Reason: "disk full"}, "system error: disk full"},
		{ErrorInterfaceNotManaged, `{"name":"eth9","reason":"no"}`,
			&InterfaceNotManagedError{Name: "eth9", Reason: "no"}, "interface eth9 is not managed: no"},
		{ErrorInterfaceNotFound, `{"interface":"a.b"}`, &InterfaceNotFoundError{Interface: "a.b"},
			"Varlink interface a.b not found"},
		{ErrorMethodNotFound, `{"method":"a.B"}`, &MethodNotFoundError{Method: "a.B"}, "method a.B not found"},
		{ErrorMethodNotImplemented, `{"method":"a.B"}`, &MethodNotImplementedError{Method: "a.B"},
			"method a.B not implemented"},
		{ErrorInvalidParameter, `{"parameter":"owner"}`, &InvalidParameterError{Parameter: "owner"},
			"invalid parameter owner"},
		{ErrorInvalidParameter, `{"parameter":"rules","reason":"give either rules or service_id"}`,
			&InvalidParameterError{Parameter: "rules", Reason: "give either rules or service_id"},
			"invalid parameter rules: give either"},
		{ErrorPermissionDenied, `{}`, &PermissionDeniedError{}, "permission denied"},
		{ErrorExpectedMore, `{}`, &ExpectedMoreError{}, "more"},
		{"com.example.Odd", `{"x":1}`, &VarlinkError{Name: "com.example.Odd",
			Parameters: json.RawMessage(`{"x":1}`)}, `com.example.Odd {"x":1}`},
		// The right name with parameters of the wrong shape.
		{ErrorConflict, `{"index":"one"}`, &VarlinkError{Name: ErrorConflict,
			Parameters: json.RawMessage(`{"index":"one"}`)}, ErrorConflict},
	}
	for _, tc := range cases {
		msg := fmt.Sprintf(`{"error":%q,"parameters":%s}`, tc.name, tc.params)
		err := decodeReply("m", []byte(msg), nil, false)
		var got Error
		if !errors.As(err, &got) {
			t.Errorf("%s: %T is not an Error", tc.name, err)
			continue
		}
		if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", tc.want) {
			t.Errorf("%s: %#v, want %#v", tc.name, got, tc.want)
		}
		if got.ErrorName() != tc.name {
			t.Errorf("%s: ErrorName %q", tc.name, got.ErrorName())
		}
		if !strings.HasPrefix(err.Error(), "zfwd: ") || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: message %q, want it to hold %q", tc.name, err.Error(), tc.msg)
		}
	}
}

// Through a wrapping error, errors.As still finds the typed error.
func TestTypedErrorsSurviveWrapping(t *testing.T) {
	c, _ := newPipeClient(t, []byte(`{"error":"io.openziti.zfwd.InvalidRule","parameters":{"index":0,"field":"destination","reason":"host bits"}}`))
	_, err := c.AddRules(testCtx(t), "", []Rule{{Protocol: TCP, Destination: "10.1.2.3/8", Action: ActionPass}})
	wrapped := fmt.Errorf("installing service: %w", err)
	var ir *InvalidRuleError
	if !errors.As(wrapped, &ir) || ir.Field != "destination" {
		t.Fatalf("errors.As: %v", wrapped)
	}
}

// Optional parameters left at their zero values are not sent.
func TestEncodingLeavesOutWhatIsNotGiven(t *testing.T) {
	c, s := newPipeClient(t, []byte(`{"parameters":{}}`), []byte(`{"parameters":{}}`),
		[]byte(`{"parameters":{}}`), []byte(`{"parameters":{}}`), []byte(`{"parameters":{}}`),
		[]byte(`{"parameters":{}}`))
	ctx := testCtx(t)
	want := []string{
		`{"method":"io.openziti.zfwd.AddRules","parameters":{"rules":[]}}`,
		`{"method":"io.openziti.zfwd.RemoveRules","parameters":{"rules":[]}}`,
		`{"method":"io.openziti.zfwd.FlushRules","parameters":{}}`,
		`{"method":"io.openziti.zfwd.ListRules","parameters":{}}`,
		`{"method":"io.openziti.zfwd.ListInterfaces","parameters":{}}`,
		`{"method":"io.openziti.zfwd.SetInterface","parameters":{"name":"eth0","reset":true}}`,
	}
	c.AddRules(ctx, "", nil)
	c.RemoveRules(ctx, "", nil)
	c.FlushRules(ctx, "")
	c.ListRules(ctx, ListFilter{})
	c.ListInterfaces(ctx, "")
	c.ResetInterface(ctx, "eth0")
	for i, w := range want {
		if got := string(<-s.requests); got != w {
			t.Errorf("call %d sent %s, want %s", i, got, w)
		}
	}
}

// The daemon closing an idle connection (a restart) costs no call: one
// that could not be sent is sent again on a new connection.
func TestIdleConnectionClosedByTheDaemonIsRedialled(t *testing.T) {
	d := startHangingUpDaemon(t, echo, "a")
	c, err := Dial(d.path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Call(testCtx(t), "a", nil, nil); err != nil {
		t.Fatal(err)
	}
	<-d.closed
	if err := c.Call(testCtx(t), "b", nil, nil); err != nil {
		t.Fatalf("call after the daemon closed the connection: %v", err)
	}
	if n := d.conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

// Close ends a call in flight instead of waiting for it.
func TestCloseEndsACallInFlight(t *testing.T) {
	d := startFakeDaemon(t, func(req map[string]any) []byte { return nil })
	c, err := Dial(d.path)
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(50*time.Millisecond, func() { c.Close() })
	err = c.Call(context.Background(), "hang", nil, nil)
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("error %v, want ErrClosed", err)
	}
}

// monitorPipe is a strict Client whose dial reaches the server end of a
// net.Pipe, where serve plays the daemon; serve's goroutine ends before
// the test does.
func monitorPipe(t *testing.T, serve func(conn net.Conn, r *bufio.Reader)) *Client {
	t.Helper()
	cconn, sconn := net.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer sconn.Close()
		serve(sconn, bufio.NewReader(sconn))
	}()
	c := &Client{path: "pipe", max: MaxMessage, strict: true, dial: pipeDialer(cconn)}
	t.Cleanup(func() {
		c.Close()
		cconn.Close()
		<-done
	})
	return c
}

// sendAll writes each message with its NUL.
func sendAll(conn net.Conn, msgs ...string) error {
	for _, m := range msgs {
		if _, err := conn.Write(append([]byte(m), 0)); err != nil {
			return err
		}
	}
	return nil
}

// readRequest reads one message (NUL removed).
func readRequest(r *bufio.Reader) (string, error) {
	b, err := r.ReadBytes(0)
	if err != nil {
		return "", err
	}
	return string(b[:len(b)-1]), nil
}

const firstReply = `{"parameters":{"type":"monitoring"},"continues":true}`

// A stream: the first reply, three events, then an error reply that ends
// it.
func TestMonitorStream(t *testing.T) {
	requests := make(chan string, 1)
	hungUp := make(chan error, 1)
	c := monitorPipe(t, func(conn net.Conn, r *bufio.Reader) {
		req, err := readRequest(r)
		if err != nil {
			return
		}
		requests <- req
		if err := sendAll(conn, firstReply,
			`{"parameters":{"type":"intercept","time":1700000000.25,"interface":"eth0",`+
				`"ifindex":2,"reason":"tproxy","protocol":"tcp","source":"10.10.0.2:40000",`+
				`"destination":"100.64.0.1:443","rule":{"owner":"ziti",`+
				`"destination":"100.64.0.0/24","service_id":"3Kd9aPq2","service_name":"web"}},`+
				`"continues":true}`,
			`{"parameters":{"type":"drop","time":1700000001.5,"interface":"eth0","ifindex":2,`+
				`"reason":"drop_default","protocol":"udp","source":"10.10.0.2:5353",`+
				`"destination":"10.20.0.2:53","missed":4},"continues":true}`,
			`{"parameters":{"type":"interface","time":1700000002,"interface":"eth0",`+
				`"ifindex":2,"change":"address-added","address":"10.10.0.9/24"},"continues":true}`,
			`{"error":"org.varlink.service.InvalidParameter","parameters":{"parameter":"types"}}`,
		); err != nil {
			return
		}
		// The client hangs up after the error.
		_, err = r.ReadByte()
		hungUp <- err
	})
	m, err := c.Monitor(testCtx(t), MonitorFilter{Types: []string{EventIntercept, EventDrop,
		EventInterface}, ServiceID: "3Kd9aPq2"})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	want := `{"method":"io.openziti.zfwd.Monitor","parameters":{"types":["intercept","drop",` +
		`"interface"],"service_id":"3Kd9aPq2"},"more":true}`
	if got := <-requests; got != want {
		t.Errorf("sent %s, want %s", got, want)
	}
	events := []Event{
		{Type: EventIntercept, Time: 1700000000.25, Interface: "eth0", Ifindex: 2,
			Reason: "tproxy", Protocol: "tcp", Source: "10.10.0.2:40000",
			Destination: "100.64.0.1:443", Rule: &EventRule{Owner: "ziti",
				Destination: "100.64.0.0/24", ServiceID: "3Kd9aPq2", ServiceName: "web"}},
		{Type: EventDrop, Time: 1700000001.5, Interface: "eth0", Ifindex: 2,
			Reason: "drop_default", Protocol: "udp", Source: "10.10.0.2:5353",
			Destination: "10.20.0.2:53", Missed: 4},
		{Type: EventInterface, Time: 1700000002, Interface: "eth0", Ifindex: 2,
			Change: ChangeAddressAdded, Address: "10.10.0.9/24"},
	}
	for i, w := range events {
		e, err := m.Next()
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if !reflect.DeepEqual(*e, w) {
			t.Errorf("event %d: %+v, want %+v", i, *e, w)
		}
	}
	if ts := events[0].Timestamp(); !ts.Equal(time.Unix(1700000000, 250000000)) {
		t.Errorf("Timestamp %v", ts)
	}
	if ts := (&Event{}).Timestamp(); !ts.IsZero() {
		t.Errorf("Timestamp without a time: %v", ts)
	}
	// The error reply ends the stream, for every later Next too.
	for i := 0; i < 2; i++ {
		_, err = m.Next()
		var ip *InvalidParameterError
		if !errors.As(err, &ip) || ip.Parameter != "types" {
			t.Fatalf("Next %d after the events: %T %v, want *InvalidParameterError", i, err, err)
		}
	}
	select {
	case err := <-hungUp:
		if err == nil {
			t.Error("the client sent more after the stream ended")
		}
	case <-time.After(5 * time.Second):
		t.Error("the client kept the connection after the stream ended")
	}
	if err := m.Close(); err != nil {
		t.Errorf("Close after the end: %v", err)
	}
}

// Close wakes a Next that waits for an event.
func TestMonitorCloseUnblocksNext(t *testing.T) {
	hungUp := make(chan struct{})
	c := monitorPipe(t, func(conn net.Conn, r *bufio.Reader) {
		if _, err := readRequest(r); err != nil {
			return
		}
		if sendAll(conn, firstReply) != nil {
			return
		}
		r.ReadByte() // until the client closes
		close(hungUp)
	})
	m, err := c.Monitor(testCtx(t), MonitorFilter{})
	if err != nil {
		t.Fatal(err)
	}
	res := make(chan error, 1)
	go func() {
		_, err := m.Next()
		res <- err
	}()
	time.Sleep(50 * time.Millisecond)
	select {
	case err := <-res:
		t.Fatalf("Next returned before any event: %v", err)
	default:
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-res:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("Next in flight: %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not wake Next")
	}
	select {
	case <-hungUp:
	case <-time.After(5 * time.Second):
		t.Fatal("the connection stayed open")
	}
	if _, err := m.Next(); !errors.Is(err, ErrClosed) {
		t.Errorf("Next after Close: %v, want ErrClosed", err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// Each message of the stream must continue; others are protocol errors,
// as is a message the types do not describe.
func TestMonitorRejectsBadEvents(t *testing.T) {
	for _, bad := range []string{
		`{"parameters":{"type":"drop","reason":"drop_default"}}`,
		`{"parameters":{"type":"drop","colour":"red"},"continues":true}`,
		`{"parameters":{"ifindex":2},"continues":true}`,
		`{"parameters":{"type":"drop","ifindex":"two"},"continues":true}`,
		`not json`,
	} {
		bad := bad
		t.Run(bad, func(t *testing.T) {
			c := monitorPipe(t, func(conn net.Conn, r *bufio.Reader) {
				if _, err := readRequest(r); err != nil {
					return
				}
				if sendAll(conn, firstReply, bad) != nil {
					return
				}
				r.ReadByte()
			})
			m, err := c.Monitor(testCtx(t), MonitorFilter{})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			for i := 0; i < 2; i++ {
				e, err := m.Next()
				var pe *ProtocolError
				if !errors.As(err, &pe) || pe.Method != Interface+".Monitor" {
					t.Fatalf("Next %d: %+v %T %v, want *ProtocolError", i, e, err, err)
				}
			}
		})
	}
}

// What the first reply can be instead of the start of a stream.
func TestMonitorFirstReply(t *testing.T) {
	cases := []struct {
		reply string
		check func(error) bool
	}{
		{`{"parameters":{"type":"monitoring"}}`,
			func(err error) bool { var pe *ProtocolError; return errors.As(err, &pe) }},
		{`{"parameters":{"type":"drop"},"continues":true}`,
			func(err error) bool { var pe *ProtocolError; return errors.As(err, &pe) }},
		{`{"parameters":{"type":"monitoring","extra":1},"continues":true}`,
			func(err error) bool { var pe *ProtocolError; return errors.As(err, &pe) }},
		{`{"error":"org.varlink.service.ExpectedMore","parameters":{}}`,
			func(err error) bool { var em *ExpectedMoreError; return errors.As(err, &em) }},
		{`{"error":"org.varlink.service.InvalidParameter","parameters":{"parameter":"types",` +
			`"reason":"a non-empty list of intercept, drop, interface"}}`,
			func(err error) bool {
				var ip *InvalidParameterError
				return errors.As(err, &ip) && ip.Parameter == "types" && ip.Reason != ""
			}},
		{`{"error":"org.varlink.service.PermissionDenied"}`,
			func(err error) bool { var pd *PermissionDeniedError; return errors.As(err, &pd) }},
	}
	for _, tc := range cases {
		tc := tc
		t.Run(tc.reply, func(t *testing.T) {
			hungUp := make(chan struct{})
			c := monitorPipe(t, func(conn net.Conn, r *bufio.Reader) {
				if _, err := readRequest(r); err != nil {
					return
				}
				if sendAll(conn, tc.reply) != nil {
					return
				}
				r.ReadByte()
				close(hungUp)
			})
			m, err := c.Monitor(testCtx(t), MonitorFilter{Types: []string{"bogus"}})
			if m != nil || !tc.check(err) {
				t.Fatalf("Monitor: %v %T %v", m, err, err)
			}
			select {
			case <-hungUp:
			case <-time.After(5 * time.Second):
				t.Fatal("a Monitor that did not start kept its connection")
			}
		})
	}
}

// The daemon closing the connection ends the stream with io.EOF; inside
// a message, with io.ErrUnexpectedEOF.
func TestMonitorEndOfStream(t *testing.T) {
	for _, tail := range []string{"", `{"parameters":{"type":"dr`} {
		tail := tail
		t.Run(fmt.Sprintf("tail %q", tail), func(t *testing.T) {
			c := monitorPipe(t, func(conn net.Conn, r *bufio.Reader) {
				if _, err := readRequest(r); err != nil {
					return
				}
				if sendAll(conn, firstReply) == nil && tail != "" {
					conn.Write([]byte(tail))
				}
			})
			m, err := c.Monitor(testCtx(t), MonitorFilter{})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			_, err = m.Next()
			if tail == "" && err != io.EOF {
				t.Fatalf("Next: %v, want io.EOF", err)
			}
			if tail != "" && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("Next: %v, want io.ErrUnexpectedEOF", err)
			}
			if _, again := m.Next(); again != err {
				t.Errorf("Next again: %v, want %v", again, err)
			}
		})
	}
}

func TestMonitorOversizedEvent(t *testing.T) {
	c := monitorPipe(t, func(conn net.Conn, r *bufio.Reader) {
		if _, err := readRequest(r); err != nil {
			return
		}
		sendAll(conn, firstReply, `{"parameters":{"type":"drop","reason":"`+
			strings.Repeat("z", 5000)+`"},"continues":true}`)
	})
	c.max = 1024
	m, err := c.Monitor(testCtx(t), MonitorFilter{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Next(); !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("Next: %v, want ErrMessageTooLarge", err)
	}
}

// ctx bounds the start; a closed Client starts no Monitor.
func TestMonitorStartIsBounded(t *testing.T) {
	c := monitorPipe(t, func(conn net.Conn, r *bufio.Reader) {
		readRequest(r) // and never answer
		r.ReadByte()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Monitor(ctx, MonitorFilter{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Monitor: %v, want context.DeadlineExceeded", err)
	}
	<-ctx.Done() // the connection's deadline may pass before the context's timer
	if _, err := c.Monitor(ctx, MonitorFilter{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Monitor with an ended context: %v", err)
	}
	c.Close()
	if _, err := c.Monitor(testCtx(t), MonitorFilter{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Monitor on a closed Client: %v, want ErrClosed", err)
	}
}

// A Monitor has a connection of its own: the Client's calls go on beside
// it, on theirs.
func TestMonitorHasItsOwnConnection(t *testing.T) {
	d := startFakeDaemon(t, func(req map[string]any) []byte {
		if req["method"] == Interface+".Monitor" {
			if req["more"] != true {
				return []byte(`{"error":"org.varlink.service.ExpectedMore","parameters":{}}`)
			}
			return []byte(firstReply)
		}
		return echo(req)
	})
	c, err := Dial(d.path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := testCtx(t)
	if err := c.Call(ctx, "a.B", nil, nil); err != nil {
		t.Fatal(err)
	}
	m, err := c.Monitor(ctx, MonitorFilter{Interface: "eth0"})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var got map[string]string
	if err := c.Call(ctx, "a.C", map[string]string{"k": "v"}, &got); err != nil || got["k"] != "v" {
		t.Fatalf("a call beside the Monitor: %v %v", got, err)
	}
	if n := d.conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}
