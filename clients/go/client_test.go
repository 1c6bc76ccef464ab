package zfwd

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"path/filepath"
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
