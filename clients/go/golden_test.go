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
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// The golden examples of proto/examples (tests/unit/test_golden.c checks
// the daemon's side of the same files): each case makes its call through
// the Client against a fake daemon that records the request and answers
// with the golden reply. The request must equal the golden request, and
// the reply must decode, with no field the Go types lack, into the
// expected values or typed error.

const examplesDir = "../../proto/examples"

func readExample(t *testing.T, name, kind string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(examplesDir, name+"."+kind+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pipeServer is a fake daemon on the other end of a net.Pipe: it answers
// each request with the next of replies (NUL added) and records the
// requests (NUL removed).
type pipeServer struct {
	requests chan []byte
	done     chan struct{}
}

// pipeDialer is a dial hook that connects once, to conn; later dials
// fail, as dialling a daemon that went away would.
func pipeDialer(conn net.Conn) func(context.Context) (net.Conn, error) {
	var once sync.Once
	return func(context.Context) (net.Conn, error) {
		var c net.Conn
		once.Do(func() { c = conn })
		if c == nil {
			return nil, errors.New("the pipe was dialled already")
		}
		return c, nil
	}
}

// newPipeClient is a Client (strict) whose first dial, for its first call
// or a Monitor, reaches a pipeServer answering with replies.
func newPipeClient(t *testing.T, replies ...[]byte) (*Client, *pipeServer) {
	t.Helper()
	cconn, sconn := net.Pipe()
	s := &pipeServer{requests: make(chan []byte, len(replies)+1), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer sconn.Close()
		r := bufio.NewReader(sconn)
		for _, reply := range replies {
			req, err := r.ReadBytes(0)
			if err != nil {
				return
			}
			s.requests <- req[:len(req)-1]
			if _, err := sconn.Write(append(append([]byte{}, reply...), 0)); err != nil {
				return
			}
		}
	}()
	c := &Client{path: "pipe", max: MaxMessage, strict: true, dial: pipeDialer(cconn)}
	t.Cleanup(func() {
		c.Close()
		cconn.Close() // a Monitor's, if one took it
		<-s.done
	})
	return c, s
}

func sameJSON(t *testing.T, what string, want, got []byte) {
	t.Helper()
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: golden file: %v", what, err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: client sent invalid JSON %q: %v", what, got, err)
	}
	if !reflect.DeepEqual(w, g) {
		t.Errorf("%s: client sent\n%s\nthe golden request is\n%s", what, got, want)
	}
}

// Values shared by several examples.
var (
	ruleWeb = Rule{Protocol: TCP, Destination: "100.64.0.0/24", Ports: PortRange(80, 443),
		Action: ActionTproxy, TproxyPort: 41001, ServiceID: "3Kd9aPq2", ServiceName: "web"}
	ruleDNS = Rule{Protocol: UDP, Destination: "100.64.0.53", Ports: Port(53),
		Action: ActionTproxy, TproxyPort: 41002, Interfaces: []string{"eth0"},
		ServiceID: "7Zx1bLm4", ServiceName: "dns"}
	ruleDeny6 = Rule{Protocol: TCP, Destination: "fd00:64::/64", Source: "fd00:10::/64",
		Action: ActionDeny}
	matchDeny6   = Rule{Protocol: TCP, Destination: "fd00:64::/64", Source: "fd00:10::/64"}
	matchMissing = Rule{Protocol: UDP, Destination: "100.64.9.0/24"}
)

func eth0(opts InterfaceOptions, overridden bool) InterfaceInfo {
	return InterfaceInfo{
		Name: "eth0", Ifindex: 2, Up: true,
		Addresses:  []string{"192.0.2.10/24", "2001:db8::10/64"},
		Attached:   Attached{Ingress: true, Egress: true},
		Options:    opts,
		Overridden: overridden,
		Counters: map[string]int64{
			"pass_non_ip": 0, "pass_nd": 12, "pass_rule": 0, "pass_default": 0,
			"tproxy": 18234, "drop_rule": 0, "drop_default": 377, "drop_no_listener": 0,
			"drop_assign": 0, "drop_malformed": 0, "pass_unmanaged": 0,
			"pass_reply": 40211, "pass_established": 1022, "pass_icmp": 0,
			"pass_dhcp": 0, "pass_ssh": 88, "drop_ipv6": 0, "drop_icmp": 0,
			"egress": 59731,
		},
	}
}

func defaultOpts() InterfaceOptions {
	return InterfaceOptions{Role: RoleInternal, DefaultAction: DefaultDrop,
		IcmpEcho: Bool(false), SSH: Bool(true), IPv6: Bool(true), Egress: Bool(true),
		Events: Bool(false)}
}

const serviceIDL = "# The Varlink service interface every service provides.\n" +
	"interface org.varlink.service\n\n" +
	"# Information about the service and the interfaces it implements.\n" +
	"method GetInfo() -> (\n  vendor: string,\n  product: string,\n  version: string,\n" +
	"  url: string,\n  interfaces: []string\n)\n\n" +
	"# The description of an interface the service implements.\n" +
	"method GetInterfaceDescription(interface: string) -> (description: string)\n\n" +
	"error InterfaceNotFound (interface: string)\n" +
	"error MethodNotFound (method: string)\n" +
	"error MethodNotImplemented (method: string)\n" +
	"error InvalidParameter (parameter: string)\n" +
	"error PermissionDenied ()\n" +
	"error ExpectedMore ()\n"

type goldenCase struct {
	// call makes the example's call and returns the decoded result.
	call func(ctx context.Context, c *Client) (any, error)
	// want is the result (when the example succeeds) or the typed error.
	want any
}

func capacityRules() []Rule {
	rules := make([]Rule, 17)
	for i := range rules {
		rules[i] = Rule{Protocol: TCP, Destination: "100.64.2.1", Ports: Port(8000 + i),
			Action: ActionPass}
	}
	return rules
}

var goldenCases = map[string]goldenCase{
	"GetInfo": {
		call: func(ctx context.Context, c *Client) (any, error) { return c.GetInfo(ctx) },
		want: &ServiceInfo{Vendor: "zfwd", Product: "zfwd", Version: "0.1.0",
			URL: "https://github.com/openziti", Interfaces: []string{ServiceInterface, Interface}},
	},
	"GetInterfaceDescription": {
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.GetInterfaceDescription(ctx, ServiceInterface)
		},
		want: serviceIDL,
	},
	"Frobnicate.method-not-found": {
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.Call(ctx, Interface+".Frobnicate", nil, nil)
		},
		want: &MethodNotFoundError{Method: "io.openziti.zfwd.Frobnicate"},
	},
	"GetStatus": {
		call: func(ctx context.Context, c *Client) (any, error) { return c.GetStatus(ctx) },
		want: &Status{
			Version: "0.1.0", PinRoot: "/sys/fs/bpf/zfwd", Socket: "/run/zfwd/zfwd.sock",
			StateDir: "/var/lib/zfwd", MapsAdopted: false, Rules: 3,
			Owners:     []OwnerCount{{Owner: "ziti", Rules: 3}},
			Interfaces: []InterfaceInfo{eth0(defaultOpts(), false)},
			Limits: Limits{Rules: 131072, Prefixes: 131072, Leaves: 262144, RulesPerMatch: 16,
				InterfaceNames: 64, MaxMessage: 8388608},
			Usage: Usage{Rules: 3, Matches: 3, PrefixesV4: 2, PrefixesV6: 1, LeavesV4: 0,
				LeavesV6: 1},
			KernelOps: 8,
			Netlink:   map[string]int64{"messages": 0, "overruns": 0, "dumps": 1, "failed_dumps": 0},
			API: map[string]int64{"requests": 2, "errors": 0, "denied": 0, "connections": 3,
				"accepted": 41, "refused": 0, "idle_closed": 0},
			Events: map[string]int64{"monitors": 1, "read": 920, "delivered": 918, "missed": 2,
				"lost": 0},
		},
	},
	"AddRules": {
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.AddRules(ctx, "ziti", []Rule{ruleWeb, ruleDNS, ruleDeny6})
		},
		want: &AddResult{Added: 3, Existing: 0, Replaced: 0, KernelOps: 8},
	},
	"AddRules.replace": {
		call: func(ctx context.Context, c *Client) (any, error) {
			r := ruleWeb
			r.TproxyPort = 41011
			return c.AddRules(ctx, "ziti", []Rule{r}, Replace())
		},
		want: &AddResult{Added: 1, Existing: 0, Replaced: 1, KernelOps: 3},
	},
	"AddRules.conflict": {
		call: func(ctx context.Context, c *Client) (any, error) {
			r := ruleDeny6
			r.Action = ActionPass
			return c.AddRules(ctx, "local", []Rule{r})
		},
		want: &ConflictError{Index: 0, Owner: "ziti",
			Reason: `the same match is already held by owner "ziti" with another action or tproxy_port`},
	},
	"AddRules.invalid-rule": {
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.AddRules(ctx, "ziti", []Rule{
				{Protocol: TCP, Destination: "100.64.1.0/24", Action: ActionPass},
				{Protocol: TCP, Destination: "100.64.1.1/24", Action: ActionPass},
			})
		},
		want: &InvalidRuleError{Index: 1, Field: "destination",
			Reason: "host bits set beyond the prefix length"},
	},
	"AddRules.capacity": {
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.AddRules(ctx, "ziti", capacityRules())
		},
		want: &CapacityExceededError{Limit: "rules_per_match", Max: 16,
			Reason: "more than 16 tcp rules apply to destination 100.64.2.1/32 from source 0.0.0.0/0"},
	},
	"SyncRules": {
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.SyncRules(ctx, "ziti", []Rule{ruleWeb, ruleDNS,
				{Protocol: UDP, Destination: "100.64.0.0/24", Ports: PortRange(5000, 5100),
					Action: ActionDeny}})
		},
		want: &SyncResult{Added: 1, Removed: 1, Kept: 2, KernelOps: 6},
	},
	"Validate": {
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Validate(ctx, "ziti", []Rule{ruleWeb,
				{Protocol: TCP, Destination: "100.64.0.10", Ports: Port(22), Action: ActionPass}})
		},
		want: &ValidateResult{Added: 1, Existing: 1, KernelOps: 2},
	},
	"RemoveRules": {
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.RemoveRules(ctx, "ziti", []Rule{matchDeny6})
		},
		want: &RemoveResult{Removed: 1, Missing: 0, KernelOps: 3},
	},
	"RemoveRules.service": {
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.RemoveService(ctx, "ziti", "7Zx1bLm4")
		},
		want: &RemoveResult{Removed: 1, Missing: 0, KernelOps: 3},
	},
	"RemoveRules.ignore-missing": {
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.RemoveRules(ctx, "ziti", []Rule{matchDeny6, matchMissing}, IgnoreMissing())
		},
		want: &RemoveResult{Removed: 1, Missing: 1, KernelOps: 3},
	},
	"RemoveRules.not-found": {
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.RemoveRules(ctx, "ziti", []Rule{matchMissing})
		},
		want: &RuleNotFoundError{Index: 0, Owner: "ziti",
			Reason: "no rule of this owner has this match"},
	},
	"ListRules": {
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.ListRules(ctx, ListFilter{Owner: "ziti"})
		},
		want: []RuleInfo{
			{Owner: "ziti", Rule: Rule{Protocol: TCP, Destination: "100.64.0.0/24",
				Source: "0.0.0.0/0", Ports: PortRange(80, 443), Action: ActionTproxy,
				TproxyPort: 41001, ServiceID: "3Kd9aPq2", ServiceName: "web"}},
			{Owner: "ziti", Rule: Rule{Protocol: UDP, Destination: "100.64.0.53/32",
				Source: "0.0.0.0/0", Ports: PortRange(53, 53), Action: ActionTproxy,
				TproxyPort: 41002, Interfaces: []string{"eth0"}, ServiceID: "7Zx1bLm4",
				ServiceName: "dns"}},
			{Owner: "ziti", Rule: Rule{Protocol: TCP, Destination: "fd00:64::/64",
				Source: "fd00:10::/64", Ports: PortRange(1, 65535), Action: ActionDeny}},
		},
	},
	"ListRules.invalid-parameter": {
		call: func(ctx context.Context, c *Client) (any, error) {
			// A typo in a parameter's name, only possible through Call.
			return nil, c.Call(ctx, Interface+".ListRules", map[string]string{"ownr": "ziti"}, nil)
		},
		want: &InvalidParameterError{Parameter: "ownr"},
	},
	"FlushRules": {
		call: func(ctx context.Context, c *Client) (any, error) { return c.FlushRules(ctx, "ziti") },
		want: &FlushResult{Removed: 3, KernelOps: 8},
	},
	"ListInterfaces": {
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.ListInterfaces(ctx, "eth0")
		},
		want: []InterfaceInfo{eth0(defaultOpts(), false)},
	},
	"SetInterface": {
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.SetInterface(ctx, "eth0", InterfaceOptions{IcmpEcho: Bool(true),
				SSH: Bool(false)})
		},
		want: func() []InterfaceInfo {
			o := defaultOpts()
			o.IcmpEcho, o.SSH = Bool(true), Bool(false)
			return []InterfaceInfo{eth0(o, true)}
		}(),
	},
	"SetInterface.not-managed": {
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.SetInterface(ctx, "wlan0", InterfaceOptions{IcmpEcho: Bool(true)})
		},
		want: &InterfaceNotManagedError{Name: "wlan0",
			Reason: "the configuration does not manage this interface"},
	},
	"Monitor": {
		call: func(ctx context.Context, c *Client) (any, error) {
			m, err := c.Monitor(ctx, MonitorFilter{Interface: "eth0",
				Types: []string{EventIntercept, EventDrop}})
			if err != nil {
				return nil, err
			}
			defer m.Close()
			// Monitor returns only once the first reply had type
			// monitoring and continued. The fake daemon then hangs up:
			// the stream ends, between messages.
			if _, err := m.Next(); err != io.EOF {
				return nil, fmt.Errorf("Next after the first reply: %v, want io.EOF", err)
			}
			return monitoring, nil
		},
		want: "monitoring",
	},
	"Monitor.expected-more": {
		call: func(ctx context.Context, c *Client) (any, error) {
			// A call without "more", only possible through Call.
			return nil, c.Call(ctx, Interface+".Monitor", struct{}{}, nil)
		},
		want: &ExpectedMoreError{},
	},
	"GetMetrics": {
		call: func(ctx context.Context, c *Client) (any, error) { return c.GetMetrics(ctx, true) },
		want: goldenMetrics(),
	},
}

// goldenMetrics is the text of GetMetrics.reply.json (too long to repeat
// here), decoded by hand rather than through the client.
func goldenMetrics() string {
	b, err := os.ReadFile(filepath.Join(examplesDir, "GetMetrics.reply.json"))
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	var r struct {
		Parameters struct {
			Text string `json:"text"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal(b, &r); err != nil || r.Parameters.Text == "" {
		return fmt.Sprintf("(undecodable: %v)", err)
	}
	return r.Parameters.Text
}

func TestGoldenExamples(t *testing.T) {
	for name, gc := range goldenCases {
		name, gc := name, gc
		t.Run(name, func(t *testing.T) {
			c, s := newPipeClient(t, readExample(t, name, "reply"))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			got, err := gc.call(ctx, c)
			select {
			case req := <-s.requests:
				sameJSON(t, name, readExample(t, name, "request"), req)
			default:
				t.Fatalf("no request reached the server (error %v)", err)
			}
			if wantErr, ok := gc.want.(error); ok {
				if err == nil {
					t.Fatalf("no error, want %#v", wantErr)
				}
				target := reflect.New(reflect.TypeOf(wantErr))
				if !errors.As(err, target.Interface()) {
					t.Fatalf("error %T %v, want %T", err, err, wantErr)
				}
				if !reflect.DeepEqual(target.Elem().Interface(), wantErr) {
					t.Errorf("error %#v, want %#v", target.Elem().Interface(), wantErr)
				}
				checkErrorName(t, name, err)
				return
			}
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if !reflect.DeepEqual(got, gc.want) {
				g, _ := json.MarshalIndent(got, "", "  ")
				w, _ := json.MarshalIndent(gc.want, "", "  ")
				t.Errorf("decoded\n%s\nwant\n%s", g, w)
			}
		})
	}
}

// checkErrorName: the typed error's ErrorName is the golden reply's error.
func checkErrorName(t *testing.T, name string, err error) {
	t.Helper()
	var reply struct {
		Error string `json:"error"`
	}
	if jerr := json.Unmarshal(readExample(t, name, "reply"), &reply); jerr != nil {
		t.Fatal(jerr)
	}
	var ve Error
	if !errors.As(err, &ve) {
		t.Fatalf("%T is not a zfwd.Error", err)
	}
	if ve.ErrorName() != reply.Error {
		t.Errorf("ErrorName %q, the golden reply says %q", ve.ErrorName(), reply.Error)
	}
	if _, generic := ve.(*VarlinkError); generic {
		t.Errorf("%s decoded as the generic *VarlinkError", reply.Error)
	}
}

// Every example file has a case and every case its two files.
func TestGoldenExamplesAllCovered(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(examplesDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, f := range files {
		base := filepath.Base(f)
		switch {
		case strings.HasSuffix(base, ".request.json"):
			seen[strings.TrimSuffix(base, ".request.json")]++
		case strings.HasSuffix(base, ".reply.json"):
			seen[strings.TrimSuffix(base, ".reply.json")]++
		default:
			t.Errorf("%s: neither a request nor a reply", base)
		}
	}
	var names []string
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if seen[n] != 2 {
			t.Errorf("%s: a request without a reply or the reverse", n)
		}
		if _, ok := goldenCases[n]; !ok {
			t.Errorf("%s: no case in golden_test.go", n)
		}
	}
	for n := range goldenCases {
		if seen[n] == 0 {
			t.Errorf("case %s has no example files", n)
		}
	}
}

// The golden files are what the README says: pretty-printed JSON objects
// without the NUL.
func TestGoldenFilesArePrettyJSON(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(examplesDir, "*.json"))
	if len(files) == 0 {
		t.Fatal("no examples found")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.IndexByte(b, 0) >= 0 {
			t.Errorf("%s holds a NUL", f)
		}
		var v map[string]any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		if !bytes.HasPrefix(b, []byte("{\n  \"")) {
			t.Errorf("%s: not indented with two spaces", f)
		}
	}
}
