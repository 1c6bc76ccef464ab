package zfwd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

const (
	// Interface is the Varlink interface zfwd serves.
	Interface = "io.openziti.zfwd"
	// ServiceInterface is the Varlink service interface every Varlink
	// service provides (GetInfo, GetInterfaceDescription).
	ServiceInterface = "org.varlink.service"
	// DefaultSocket is where zfwd listens unless configured otherwise.
	DefaultSocket = "/run/zfwd/zfwd.sock"
	// SocketEnv names the environment variable that overrides
	// DefaultSocket for Dial("").
	SocketEnv = "ZFWD_SOCKET"
	// DefaultOwner is the owner the daemon assumes when a call names none.
	DefaultOwner = "local"
	// MaxMessage is the largest reply a Client reads, NUL excluded. A
	// longer one is a framing error that costs the connection.
	MaxMessage = 64 << 20
)

var (
	// ErrClosed is returned by calls on a Client after Close.
	ErrClosed = errors.New("zfwd: client closed")
	// ErrMessageTooLarge is returned (wrapped) when a reply exceeds
	// MaxMessage.
	ErrMessageTooLarge = errors.New("zfwd: reply exceeds the message limit")
)

// Client is a connection to zfwd. It is safe for concurrent use: calls
// are made one at a time on the connection, in the order they take its
// lock. After a transport or framing error (or a context ending a call)
// the connection is closed, never reused, and the next call dials the
// same socket again. A call that could not even be sent, on a connection
// the daemon closed while it was idle (a restart), is sent once more on a
// new connection: the daemon never acts on a message it did not read
// whole.
type Client struct {
	path string
	max  int
	// strict makes replies with fields the Go types lack an error
	// (the golden tests use it to show the types mirror the IDL).
	strict bool
	// dial opens a new connection to the daemon; nil means a Unix
	// dial of path (tests replace it). connect and Monitor use it.
	dial func(ctx context.Context) (net.Conn, error)

	// mu makes calls one at a time; it guards conn and r.
	mu   sync.Mutex
	conn net.Conn
	r    *bufio.Reader

	// state guards closed and live, the connection Close closes (it
	// does not wait for a call in flight, it ends it).
	state  sync.Mutex
	closed bool
	live   net.Conn
}

// SocketPath is the socket Dial uses for path: path itself when not
// empty, else $ZFWD_SOCKET when set, else DefaultSocket.
func SocketPath(path string) string {
	if path != "" {
		return path
	}
	if env := os.Getenv(SocketEnv); env != "" {
		return env
	}
	return DefaultSocket
}

// Dial connects to zfwd's socket at path ("" means $ZFWD_SOCKET, else
// DefaultSocket).
func Dial(path string) (*Client, error) {
	return DialContext(context.Background(), path)
}

// DialContext is Dial bounded by ctx.
func DialContext(ctx context.Context, path string) (*Client, error) {
	c := &Client{path: SocketPath(path), max: MaxMessage}
	if err := c.connect(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Path is the socket the Client connects to.
func (c *Client) Path() string {
	return c.path
}

// Close closes the connection. A call in flight ends with ErrClosed, as
// do calls after Close. Closing twice is not an error.
func (c *Client) Close() error {
	c.state.Lock()
	defer c.state.Unlock()
	c.closed = true
	if c.live == nil {
		return nil
	}
	err := c.live.Close()
	c.live = nil
	return err
}

func (c *Client) isClosed() bool {
	c.state.Lock()
	defer c.state.Unlock()
	return c.closed
}

// dialConn opens a new connection to the daemon, through c.dial when
// set.
func (c *Client) dialConn(ctx context.Context) (net.Conn, error) {
	var (
		conn net.Conn
		err  error
	)
	if c.dial != nil {
		conn, err = c.dial(ctx)
	} else {
		var d net.Dialer
		conn, err = d.DialContext(ctx, "unix", c.path)
	}
	if err != nil {
		return nil, fmt.Errorf("zfwd: connect to %s: %w", c.path, err)
	}
	return conn, nil
}

func (c *Client) connect(ctx context.Context) error {
	conn, err := c.dialConn(ctx)
	if err != nil {
		return err
	}
	c.state.Lock()
	defer c.state.Unlock()
	if c.closed {
		conn.Close()
		return ErrClosed
	}
	c.live = conn
	c.conn = conn
	c.r = bufio.NewReader(conn)
	return nil
}

// drop closes the connection so that it is never reused.
func (c *Client) drop() {
	if c.conn == nil {
		return
	}
	c.conn.Close()
	c.state.Lock()
	if c.live == c.conn {
		c.live = nil
	}
	c.state.Unlock()
	c.conn = nil
	c.r = nil
}

// call is one message sent to the daemon.
type call struct {
	Method     string `json:"method"`
	Parameters any    `json:"parameters"`
	// More asks for a stream of replies ("continues": true on all but
	// the last); only Monitor sets it.
	More bool `json:"more,omitempty"`
}

// encodeCall is the message (NUL excluded) for method with params; nil
// params are sent as an empty object. more makes it a streaming call.
func encodeCall(method string, params any, more bool) ([]byte, error) {
	if params == nil {
		params = struct{}{}
	}
	b, err := json.Marshal(call{Method: method, Parameters: params, More: more})
	if err != nil {
		return nil, fmt.Errorf("zfwd: %s: encode parameters: %w", method, err)
	}
	return b, nil
}

// replyMsg is one message received from the daemon.
type replyMsg struct {
	Parameters json.RawMessage `json:"parameters"`
	Continues  bool            `json:"continues"`
	Error      string          `json:"error"`
}

// ProtocolError is a reply that is not a Varlink message (not JSON, not an
// object, parameters of the wrong shape). The connection that carried it
// is closed.
type ProtocolError struct {
	// Method is the method called.
	Method string
	// Err is what could not be decoded.
	Err error
}

// Error formats the error for people.
func (e *ProtocolError) Error() string {
	return fmt.Sprintf("zfwd: %s: malformed reply: %v", e.Method, e.Err)
}

// Unwrap returns the decoding error.
func (e *ProtocolError) Unwrap() error { return e.Err }

// decodeReply turns one message into the reply's parameters (decoded into
// reply when not nil) or the error it names. It is the reply of a call
// without "more": one that continues is a *ProtocolError.
func decodeReply(method string, msg []byte, reply any, strict bool) error {
	return decodeMessage(method, msg, reply, strict, false)
}

// decodeMessage is decodeReply for a call with (streaming) or without
// "more". A streaming call's replies must all continue: Monitor's stream
// never ends with a last reply, only with an error or the connection.
func decodeMessage(method string, msg []byte, reply any, strict, streaming bool) error {
	var m replyMsg

	if err := json.Unmarshal(msg, &m); err != nil {
		return &ProtocolError{Method: method, Err: err}
	}
	params := m.Parameters
	if len(params) == 0 || bytes.Equal(params, []byte("null")) {
		params = json.RawMessage("{}")
	}
	if m.Error != "" {
		return decodeError(m.Error, params, strict)
	}
	if m.Continues && !streaming {
		// Never asked for (the call did not set "more"): more replies
		// would follow that no call awaits.
		return &ProtocolError{Method: method, Err: errors.New("a reply that continues")}
	}
	if !m.Continues && streaming {
		return &ProtocolError{Method: method, Err: errors.New("a reply of a stream that does not continue")}
	}
	if reply == nil {
		return nil
	}
	if err := unmarshal(params, reply, strict); err != nil {
		return &ProtocolError{Method: method, Err: err}
	}
	return nil
}

func unmarshal(data []byte, v any, strict bool) error {
	d := json.NewDecoder(bytes.NewReader(data))
	if strict {
		d.DisallowUnknownFields()
	}
	return d.Decode(v)
}

// readMessage reads from r up to the next NUL, which it drops; at most max
// bytes. The connection ending between messages is io.EOF, inside one
// io.ErrUnexpectedEOF.
func readMessage(r *bufio.Reader, max int) ([]byte, error) {
	var msg []byte

	for {
		chunk, err := r.ReadSlice(0)
		if len(msg)+len(chunk) > max+1 {
			return nil, ErrMessageTooLarge
		}
		msg = append(msg, chunk...)
		if err == nil {
			return msg[:len(msg)-1], nil
		}
		if errors.Is(err, io.EOF) && len(msg) > 0 {
			return nil, io.ErrUnexpectedEOF
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
	}
}

// Call calls method (fully qualified, e.g. "io.openziti.zfwd.GetStatus")
// with params (any value encoding to a JSON object, or nil for none) and
// decodes the reply's parameters into reply (a pointer, or nil to discard
// them). An error reply is returned as a typed error (see Error). ctx's
// deadline and cancellation bound the whole call; a call cut short may
// still have been applied by the daemon.
func (c *Client) Call(ctx context.Context, method string, params any, reply any) error {
	req, err := encodeCall(method, params, false)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	msg, err := c.roundTrip(ctx, method, req)
	if err != nil {
		return err
	}
	err = decodeReply(method, msg, reply, c.strict)
	var pe *ProtocolError
	if errors.As(err, &pe) {
		// A reply we cannot read: we no longer trust the stream.
		c.drop()
	}
	return err
}

// aLongTimeAgo is a deadline in the past: it wakes blocked I/O at once.
var aLongTimeAgo = time.Unix(1, 0)

// roundTrip sends one call and reads one reply; c.mu is held.
func (c *Client) roundTrip(ctx context.Context, method string, req []byte) ([]byte, error) {
	if c.isClosed() {
		c.drop()
		return nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("zfwd: %s: %w", method, err)
	}
	reused := c.conn != nil
	if !reused {
		if err := c.connect(ctx); err != nil {
			return nil, err
		}
	}
	msg, err := c.exchange(ctx, req)
	var we *writeError
	if reused && errors.As(err, &we) && ctx.Err() == nil {
		// The daemon closed the connection while it was idle (it
		// restarted, say). A call it never read whole (no NUL) was not
		// made, so making it again on a new connection is safe.
		if err = c.connect(ctx); err != nil {
			return nil, err
		}
		msg, err = c.exchange(ctx, req)
	}
	if err != nil {
		if c.isClosed() {
			return nil, ErrClosed
		}
		return nil, fmt.Errorf("zfwd: %s: %w", method, err)
	}
	return msg, nil
}

// writeError is a failure to send a call.
type writeError struct{ err error }

// Error is the write's error message.
func (e *writeError) Error() string { return e.err.Error() }

// Unwrap returns the write's error.
func (e *writeError) Unwrap() error { return e.err }

// exchange sends req on the current connection and reads the reply,
// bounded by ctx. On any error the connection is closed: part of a call
// or a reply may be in flight, the stream is out of step.
func (c *Client) exchange(ctx context.Context, req []byte) ([]byte, error) {
	msg, err := exchangeOn(ctx, c.conn, c.r, c.max, req)
	if err != nil {
		c.drop()
	}
	return msg, err
}

// exchangeOn sends req (NUL added) on conn and reads one reply from r
// (conn's reader), bounded by ctx: its deadline is conn's while the call
// lasts (and stays set after it), its cancellation wakes blocked I/O. A
// failure to send is a *writeError; a context that ended is its error.
func exchangeOn(ctx context.Context, conn net.Conn, r *bufio.Reader, max int, req []byte) ([]byte, error) {
	deadline, _ := ctx.Deadline() // zero: none
	if err := conn.SetDeadline(deadline); err != nil {
		return nil, &writeError{err}
	}
	if ctx.Done() != nil {
		stop, exited := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(exited)
			select {
			case <-ctx.Done():
				conn.SetDeadline(aLongTimeAgo)
			case <-stop:
			}
		}()
		defer func() {
			close(stop)
			<-exited
		}()
	}
	buf := make([]byte, 0, len(req)+1)
	buf = append(append(buf, req...), 0)
	_, err := conn.Write(buf)
	if err != nil {
		err = &writeError{err}
	} else {
		var msg []byte
		if msg, err = readMessage(r, max); err == nil {
			return msg, nil
		}
	}
	if cerr := ctx.Err(); cerr != nil {
		return nil, cerr
	}
	if !deadline.IsZero() && errors.Is(err, os.ErrDeadlineExceeded) {
		return nil, context.DeadlineExceeded
	}
	return nil, err
}
