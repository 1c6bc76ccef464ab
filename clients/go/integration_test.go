package zfwd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Tests against a real zfwd, run only when $ZFWD_SOCKET names its socket
// (tests/netns/go_client.sh starts one in a network namespace). Each test
// uses owners of its own and removes its rules, so they can run in any
// order on a daemon that holds other rules. The daemon's limits.rules
// should be small (a few hundred) for the capacity test to reach it.

func daemonClient(t *testing.T) *Client {
	t.Helper()
	if os.Getenv(SocketEnv) == "" {
		t.Skipf("$%s is not set: no zfwd to test against", SocketEnv)
	}
	c, err := Dial("")
	if err != nil {
		t.Fatal(err)
	}
	// Replies must decode with no field the Go types lack.
	c.strict = true
	t.Cleanup(func() { c.Close() })
	return c
}

// ownerFor is an owner name unique to the test (and suffix).
func ownerFor(t *testing.T, suffix string) string {
	name := strings.NewReplacer("/", ".", " ", "_").Replace("go." + t.Name() + suffix)
	if len(name) > 64 {
		name = name[len(name)-64:]
	}
	return name
}

func flushAfter(t *testing.T, c *Client, owners ...string) {
	t.Cleanup(func() {
		for _, o := range owners {
			if _, err := c.FlushRules(context.Background(), o); err != nil {
				t.Errorf("flush %s: %v", o, err)
			}
		}
	})
}

// hostRule is a pass rule for 10.77.i/8.i%256 port 443 (distinct
// destinations for distinct i < 65536), of service svc-(i%10).
func hostRule(i int) Rule {
	return Rule{Protocol: TCP, Destination: fmt.Sprintf("10.77.%d.%d", i/256, i%256),
		Ports: Port(443), Action: ActionPass, ServiceID: fmt.Sprintf("svc-%d", i%10)}
}

func TestDaemonServiceInterface(t *testing.T) {
	c := daemonClient(t)
	ctx := testCtx(t)
	info, err := c.GetInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Version == "" || len(info.Interfaces) != 2 || info.Interfaces[0] != ServiceInterface ||
		info.Interfaces[1] != Interface {
		t.Errorf("GetInfo %+v", info)
	}
	idl, err := c.GetInterfaceDescription(ctx, Interface)
	if err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile("../../proto/io.openziti.zfwd.varlink")
	if err != nil {
		t.Fatal(err)
	}
	if idl != string(file) {
		t.Errorf("GetInterfaceDescription differs from proto/io.openziti.zfwd.varlink")
	}
	_, err = c.GetInterfaceDescription(ctx, "com.example.nothing")
	var nf *InterfaceNotFoundError
	if !errors.As(err, &nf) || nf.Interface != "com.example.nothing" {
		t.Errorf("unknown interface: %v", err)
	}
	err = c.Call(ctx, Interface+".Frobnicate", nil, nil)
	var mnf *MethodNotFoundError
	if !errors.As(err, &mnf) || mnf.Method != Interface+".Frobnicate" {
		t.Errorf("unknown method: %v", err)
	}
}

func TestDaemonStatus(t *testing.T) {
	c := daemonClient(t)
	st, err := c.GetStatus(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if st.Socket != os.Getenv(SocketEnv) {
		t.Errorf("socket %q, want %q", st.Socket, os.Getenv(SocketEnv))
	}
	if st.Version == "" || st.PinRoot == "" || st.StateDir == "" {
		t.Errorf("status without paths or version: %+v", st)
	}
	if st.Limits.RulesPerMatch != 16 || st.Limits.Rules == 0 || st.Limits.InterfaceNames == 0 {
		t.Errorf("limits %+v", st.Limits)
	}
	if st.Usage.Rules != st.Rules {
		t.Errorf("usage.rules %d, rules %d", st.Usage.Rules, st.Rules)
	}
	sum := 0
	for _, o := range st.Owners {
		sum += o.Rules
	}
	if sum != st.Rules {
		t.Errorf("owners hold %d rules, rules says %d", sum, st.Rules)
	}
	if len(st.Interfaces) == 0 {
		t.Error("no managed interface in the status")
	}
	for _, ifc := range st.Interfaces {
		if _, ok := ifc.Counters["tproxy"]; !ok || ifc.Options.SSH == nil {
			t.Errorf("interface %+v lacks counters or options", ifc)
		}
	}
	if st.Limits.MaxMessage <= 0 {
		t.Errorf("GetStatus limits.max_message = %d, want the daemon's bound", st.Limits.MaxMessage)
	}
}

func TestDaemonAddListSyncRemove(t *testing.T) {
	c := daemonClient(t)
	ctx := testCtx(t)
	owner := ownerFor(t, "")
	flushAfter(t, c, owner)

	rules := make([]Rule, 100)
	for i := range rules {
		rules[i] = hostRule(i)
	}
	add, err := c.AddRules(ctx, owner, rules)
	if err != nil {
		t.Fatal(err)
	}
	if add.Added != 100 || add.Existing != 0 || add.KernelOps == 0 {
		t.Errorf("AddRules %+v, want 100 added", add)
	}
	add, err = c.AddRules(ctx, owner, rules)
	if err != nil || add.Added != 0 || add.Existing != 100 || add.KernelOps != 0 {
		t.Errorf("AddRules again: %+v %v, want 100 existing, no kernel op", add, err)
	}

	list, err := c.ListRules(ctx, ListFilter{Owner: owner})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 100 {
		t.Fatalf("ListRules: %d rules, want 100", len(list))
	}
	for i, ri := range list {
		want := hostRule(i)
		want.Destination += "/32"
		want.Source = "0.0.0.0/0"
		want.Ports = PortRange(443, 443)
		if ri.Owner != owner || !reflect.DeepEqual(ri.Rule, want) {
			t.Fatalf("rule %d listed as %+v, want %+v", i, ri, want)
		}
	}
	one, err := c.ListRules(ctx, ListFilter{Owner: owner, Destination: "10.77.0.7"})
	if err != nil || len(one) != 1 || one[0].Rule.Destination != "10.77.0.7/32" {
		t.Errorf("ListRules by destination: %+v %v", one, err)
	}
	svc, err := c.ListRules(ctx, ListFilter{Owner: owner, ServiceID: "svc-3"})
	if err != nil || len(svc) != 10 {
		t.Errorf("ListRules by service: %d rules, %v", len(svc), err)
	}

	// The same set with 3 rules changed: only those 3 move.
	next := append([]Rule(nil), rules...)
	for _, i := range []int{10, 50, 90} {
		next[i] = hostRule(1000 + i)
	}
	sync, err := c.SyncRules(ctx, owner, next)
	if err != nil {
		t.Fatal(err)
	}
	if sync.Added != 3 || sync.Removed != 3 || sync.Kept != 97 {
		t.Errorf("SyncRules %+v, want added 3, removed 3, kept 97", sync)
	}
	sync, err = c.SyncRules(ctx, owner, next)
	if err != nil || sync.Added != 0 || sync.Removed != 0 || sync.Kept != 100 || sync.KernelOps != 0 {
		t.Errorf("SyncRules again: %+v %v", sync, err)
	}

	// Validate applies nothing.
	val, err := c.Validate(ctx, owner, []Rule{next[0], hostRule(5000)})
	if err != nil || val.Added != 1 || val.Existing != 1 || val.KernelOps == 0 {
		t.Errorf("Validate %+v %v, want added 1, existing 1", val, err)
	}
	if l, _ := c.ListRules(ctx, ListFilter{Owner: owner, Destination: hostRule(5000).Destination}); len(l) != 0 {
		t.Errorf("Validate applied its rule")
	}

	// Remove by service: svc-0 is rules 0, 10, ... 90 (10, 50 and 90
	// replaced by 1010, 1050 and 1090, of svc-0 too): 10 rules.
	rm, err := c.RemoveService(ctx, owner, "svc-0")
	if err != nil || rm.Removed != 10 || rm.Missing != 0 {
		t.Errorf("RemoveService %+v %v, want 10 removed", rm, err)
	}
	_, err = c.RemoveService(ctx, owner, "svc-0")
	var nf *RuleNotFoundError
	if !errors.As(err, &nf) || nf.Index != -1 || nf.Owner != owner {
		t.Errorf("RemoveService of a service no longer held: %v", err)
	}
	rm, err = c.RemoveService(ctx, owner, "svc-0", IgnoreMissing())
	if err != nil || rm.Removed != 0 || rm.Missing != 1 {
		t.Errorf("RemoveService, IgnoreMissing: %+v %v", rm, err)
	}

	// Remove by match: the action is not needed.
	m := hostRule(1)
	m.Action = ""
	rm, err = c.RemoveRules(ctx, owner, []Rule{m})
	if err != nil || rm.Removed != 1 {
		t.Errorf("RemoveRules %+v %v", rm, err)
	}
	rm, err = c.RemoveRules(ctx, owner, []Rule{m, hostRule(2)}, IgnoreMissing())
	if err != nil || rm.Removed != 1 || rm.Missing != 1 {
		t.Errorf("RemoveRules, IgnoreMissing: %+v %v, want 1 removed, 1 missing", rm, err)
	}

	fl, err := c.FlushRules(ctx, owner)
	if err != nil || fl.Removed != 100-10-2 || fl.KernelOps == 0 {
		t.Errorf("FlushRules %+v %v, want %d removed", fl, err, 100-10-2)
	}
	if l, err := c.ListRules(ctx, ListFilter{Owner: owner}); err != nil || len(l) != 0 {
		t.Errorf("after flush: %d rules, %v", len(l), err)
	}
}

func TestDaemonReplace(t *testing.T) {
	c := daemonClient(t)
	ctx := testCtx(t)
	owner := ownerFor(t, "")
	flushAfter(t, c, owner)
	r := Rule{Protocol: UDP, Destination: "10.78.0.0/16", Action: ActionTproxy, TproxyPort: 41000}
	if _, err := c.AddRules(ctx, owner, []Rule{r}); err != nil {
		t.Fatal(err)
	}
	r.TproxyPort = 41001
	_, err := c.AddRules(ctx, owner, []Rule{r})
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Owner != owner {
		t.Fatalf("a new port without Replace: %v, want a conflict with %s", err, owner)
	}
	res, err := c.AddRules(ctx, owner, []Rule{r}, Replace())
	if err != nil || res.Replaced != 1 || res.Added != 1 {
		t.Fatalf("Replace: %+v %v", res, err)
	}
	l, err := c.ListRules(ctx, ListFilter{Owner: owner})
	if err != nil || len(l) != 1 || l[0].Rule.TproxyPort != 41001 {
		t.Errorf("after Replace: %+v %v", l, err)
	}
}

func TestDaemonTypedErrors(t *testing.T) {
	c := daemonClient(t)
	ctx := testCtx(t)
	a, b := ownerFor(t, ".a"), ownerFor(t, ".b")
	flushAfter(t, c, a, b)

	_, err := c.AddRules(ctx, a, []Rule{
		{Protocol: TCP, Destination: "10.79.0.1", Action: ActionPass},
		{Protocol: UDP, Destination: "10.79.0.2", Action: ActionDeny},
		{Protocol: TCP, Destination: "10.79.0.3", Action: ActionTproxy},
	})
	var ir *InvalidRuleError
	if !errors.As(err, &ir) || ir.Index != 2 || ir.Field != "tproxy_port" || ir.Reason == "" {
		t.Errorf("a tproxy rule without a port: %v", err)
	}
	_, err = c.AddRules(ctx, a, []Rule{{Protocol: TCP, Destination: "10.79.0.0/16",
		Ports: PortRange(90, 80), Action: ActionPass}})
	if !errors.As(err, &ir) || ir.Index != 0 || ir.Field != "ports.high" {
		t.Errorf("ports high below low: %v", err)
	}
	_, err = c.AddRules(ctx, a, []Rule{{Protocol: TCP, Destination: "10.79.1.1/16", Action: ActionPass}})
	if !errors.As(err, &ir) || ir.Field != "destination" {
		t.Errorf("host bits: %v", err)
	}
	if l, _ := c.ListRules(ctx, ListFilter{Owner: a}); len(l) != 0 {
		t.Errorf("a failed call applied %d rules", len(l))
	}

	if _, err := c.AddRules(ctx, a, []Rule{{Protocol: TCP, Destination: "10.79.0.0/24",
		Action: ActionDeny}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.AddRules(ctx, b, []Rule{
		{Protocol: TCP, Destination: "10.79.9.0/24", Action: ActionPass},
		{Protocol: TCP, Destination: "10.79.0.0/24", Action: ActionPass},
	})
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Index != 1 || ce.Owner != a || ce.Reason == "" {
		t.Errorf("the same match with another action: %v", err)
	}

	_, err = c.RemoveRules(ctx, a, []Rule{{Protocol: TCP, Destination: "10.79.0.0/24"},
		{Protocol: UDP, Destination: "10.79.0.0/24"}})
	var nf *RuleNotFoundError
	if !errors.As(err, &nf) || nf.Index != 1 || nf.Owner != a {
		t.Errorf("removing a rule not held: %v", err)
	}
	if l, _ := c.ListRules(ctx, ListFilter{Owner: a}); len(l) != 1 {
		t.Errorf("a failed RemoveRules removed rules: %d left", len(l))
	}

	_, err = c.AddRules(ctx, "bad owner!", nil)
	var ip *InvalidParameterError
	if !errors.As(err, &ip) || ip.Parameter != "owner" {
		t.Errorf("an invalid owner: %v", err)
	}
	_, err = c.SetInterface(ctx, "nope0", InterfaceOptions{IcmpEcho: Bool(true)})
	var nm *InterfaceNotManagedError
	if !errors.As(err, &nm) || nm.Name != "nope0" {
		t.Errorf("SetInterface of an unmanaged interface: %v", err)
	}
}

func TestDaemonCapacity(t *testing.T) {
	c := daemonClient(t)
	ctx := testCtx(t)
	owner := ownerFor(t, "")
	flushAfter(t, c, owner)

	// 17 rules on one (destination, source): rules_per_match is 16.
	rules := make([]Rule, 17)
	for i := range rules {
		rules[i] = Rule{Protocol: TCP, Destination: "10.80.0.1", Ports: Port(8000 + i),
			Action: ActionPass}
	}
	_, err := c.AddRules(ctx, owner, rules)
	var ce *CapacityExceededError
	if !errors.As(err, &ce) || ce.Limit != "rules_per_match" || ce.Max != 16 {
		t.Errorf("17 rules on one match: %v", err)
	}

	st, err := c.GetStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	free := st.Limits.Rules - st.Usage.Rules
	if free > 5000 || st.Limits.Prefixes <= st.Limits.Rules {
		t.Skipf("limits.rules %d (prefixes %d): too many to reach here", st.Limits.Rules,
			st.Limits.Prefixes)
	}
	rules = make([]Rule, free+1)
	for i := range rules {
		rules[i] = hostRule(i)
	}
	_, err = c.AddRules(ctx, owner, rules)
	if !errors.As(err, &ce) || ce.Limit != "rules" || ce.Max != st.Limits.Rules {
		t.Errorf("%d rules with %d free: %v, want CapacityExceeded of rules", len(rules), free, err)
	}
	_, err = c.Validate(ctx, owner, rules)
	if !errors.As(err, &ce) || ce.Limit != "rules" {
		t.Errorf("Validate of as many: %v", err)
	}
	after, err := c.GetStatus(ctx)
	if err != nil || after.Usage != st.Usage {
		t.Errorf("a call over capacity changed the usage: %+v -> %+v", st.Usage, after.Usage)
	}
	// Exactly up to the limit is fine.
	add, err := c.AddRules(ctx, owner, rules[:free])
	if err != nil || add.Added != free {
		t.Errorf("%d rules with %d free: %+v %v", free, free, add, err)
	}
}

func TestDaemonInterfaces(t *testing.T) {
	c := daemonClient(t)
	ctx := testCtx(t)
	all, err := c.ListInterfaces(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		t.Fatal("no managed interface")
	}
	name := all[0].Name
	one, err := c.ListInterfaces(ctx, name)
	if err != nil || len(one) != 1 || one[0].Name != name || one[0].Ifindex == 0 ||
		!one[0].Attached.Ingress {
		t.Fatalf("ListInterfaces(%s): %+v %v", name, one, err)
	}
	before := *one[0].Options.IcmpEcho
	t.Cleanup(func() { c.ResetInterface(context.Background(), name) })
	set, err := c.SetInterface(ctx, name, InterfaceOptions{IcmpEcho: Bool(!before)})
	if err != nil || len(set) != 1 || !set[0].Overridden || *set[0].Options.IcmpEcho == before {
		t.Fatalf("SetInterface: %+v %v", set, err)
	}
	if *set[0].Options.SSH != *one[0].Options.SSH || set[0].Options.Role != one[0].Options.Role {
		t.Errorf("SetInterface changed options it was not given: %+v", set[0].Options)
	}
	reset, err := c.ResetInterface(ctx, name)
	if err != nil || len(reset) != 1 || reset[0].Overridden || *reset[0].Options.IcmpEcho != before {
		t.Errorf("ResetInterface: %+v %v", reset, err)
	}
}

// Several goroutines on one Client: every call gets its own answer.
func TestDaemonConcurrentCalls(t *testing.T) {
	c := daemonClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const workers, perWorker = 8, 20
	owners := make([]string, workers)
	for w := range owners {
		owners[w] = ownerFor(t, fmt.Sprintf(".%d", w))
	}
	flushAfter(t, c, owners...)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rules := make([]Rule, perWorker)
			for i := range rules {
				rules[i] = hostRule(20000 + w*perWorker + i)
			}
			for round := 0; round < 3; round++ {
				add, err := c.AddRules(ctx, owners[w], rules)
				if err != nil {
					errs <- fmt.Errorf("worker %d: %w", w, err)
					return
				}
				if add.Added+add.Existing != perWorker {
					errs <- fmt.Errorf("worker %d: AddRules %+v", w, add)
					return
				}
				l, err := c.ListRules(ctx, ListFilter{Owner: owners[w]})
				if err != nil || len(l) != perWorker {
					errs <- fmt.Errorf("worker %d: ListRules %d rules, %v", w, len(l), err)
					return
				}
				for _, ri := range l {
					if ri.Owner != owners[w] {
						errs <- fmt.Errorf("worker %d got a rule of %s", w, ri.Owner)
						return
					}
				}
				if _, err := c.GetStatus(ctx); err != nil {
					errs <- err
					return
				}
				fl, err := c.FlushRules(ctx, owners[w])
				if err != nil || fl.Removed != perWorker {
					errs <- fmt.Errorf("worker %d: FlushRules %+v %v", w, fl, err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// An ended context fails the call before it is sent; the Client goes on.
func TestDaemonContext(t *testing.T) {
	c := daemonClient(t)
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	if _, err := c.GetStatus(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("expired context: %v", err)
	}
	if _, err := c.GetStatus(testCtx(t)); err != nil {
		t.Errorf("after an expired context: %v", err)
	}
}

func TestDaemonMetrics(t *testing.T) {
	c := daemonClient(t)
	ctx := testCtx(t)
	owner := ownerFor(t, "")
	flushAfter(t, c, owner)
	if _, err := c.AddRules(ctx, owner, []Rule{hostRule(30000)}); err != nil {
		t.Fatal(err)
	}
	text, err := c.GetMetrics(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# TYPE zfwd_build_info gauge\n", "zfwd_build_info{version=",
		"\nzfwd_rules ", fmt.Sprintf("\nzfwd_owner_rules{owner=%q} 1\n", owner),
		"\nzfwd_monitors ", "\nzfwd_api_connections "} {
		if !strings.Contains(text, want) {
			t.Errorf("GetMetrics lacks %q", want)
		}
	}
	if strings.Contains(text, "zfwd_rule_packets_total") {
		t.Error("GetMetrics without per-rule counters has zfwd_rule_packets_total")
	}
	checkExposition(t, text)
	text, err = c.GetMetrics(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{fmt.Sprintf("\nzfwd_rule_packets_total{owner=%q,", owner),
		fmt.Sprintf("\nzfwd_rule_bytes_total{owner=%q,", owner)} {
		if !strings.Contains(text, want) {
			t.Errorf("GetMetrics with per-rule counters lacks %q", want)
		}
	}
	checkExposition(t, text)
}

// checkExposition: each line of text is a comment or "name[{labels}] value"
// with a numeric value, and the text ends with a newline.
func checkExposition(t *testing.T, text string) {
	t.Helper()
	if !strings.HasSuffix(text, "\n") {
		t.Error("the metrics text does not end with a newline")
	}
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if strings.HasPrefix(line, "# HELP ") || strings.HasPrefix(line, "# TYPE ") {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		if sp <= 0 {
			t.Errorf("metrics line %q: no value", line)
			continue
		}
		if _, err := strconv.ParseFloat(line[sp+1:], 64); err != nil {
			t.Errorf("metrics line %q: %v", line, err)
		}
	}
}

// nextWithin is m.Next, given up on (and m closed) after d.
func nextWithin(m *Monitor, d time.Duration) (*Event, error) {
	type result struct {
		e   *Event
		err error
	}
	res := make(chan result, 1)
	go func() {
		e, err := m.Next()
		res <- result{e, err}
	}()
	select {
	case r := <-res:
		return r.e, r.err
	case <-time.After(d):
		m.Close()
		<-res
		return nil, fmt.Errorf("no event within %v", d)
	}
}

// monitors is GetStatus' events.monitors.
func monitors(t *testing.T, c *Client) int64 {
	t.Helper()
	st, err := c.GetStatus(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	n, ok := st.Events["monitors"]
	if !ok {
		t.Fatalf("GetStatus has no events.monitors: %v", st.Events)
	}
	return n
}

// A Monitor stream of interface events: SetInterface and ResetInterface
// each change the options, which the stream reports. (Packet events need
// traffic through the managed interface, which this test cannot make.)
func TestDaemonMonitor(t *testing.T) {
	c := daemonClient(t)
	ctx := testCtx(t)
	before := monitors(t, c)
	ifs, err := c.ListInterfaces(ctx, "")
	if err != nil || len(ifs) == 0 {
		t.Fatalf("ListInterfaces: %+v %v", ifs, err)
	}
	ifc := ifs[0]

	m, err := c.Monitor(ctx, MonitorFilter{Interface: ifc.Name, Types: []string{EventInterface}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if n := monitors(t, c); n != before+1 {
		t.Errorf("events.monitors %d with a Monitor open, want %d", n, before+1)
	}
	st, err := c.GetStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.API["connections"] < 2 || st.API["requests"] == 0 {
		t.Errorf("api counters %v with a Client and a Monitor connected", st.API)
	}

	t.Cleanup(func() { c.ResetInterface(context.Background(), ifc.Name) })
	change := func(what string, do func() error) {
		t.Helper()
		start := time.Now()
		if err := do(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		var e *Event
		for {
			var err error
			if e, err = nextWithin(m, 5*time.Second); err != nil {
				t.Fatalf("after %s: %v", what, err)
			}
			// The kernel may add or remove an address meanwhile (an
			// IPv6 link-local one as the link comes up, say).
			if e.Type != EventInterface ||
				(e.Change != ChangeAddressAdded && e.Change != ChangeAddressRemoved) {
				break
			}
			if e.Address == "" || e.Interface != ifc.Name {
				t.Errorf("an address event %+v", *e)
			}
		}
		want := Event{Type: EventInterface, Time: e.Time, Interface: ifc.Name,
			Ifindex: ifc.Ifindex, Change: ChangeOptions}
		if !reflect.DeepEqual(*e, want) {
			t.Errorf("after %s: event %+v, want %+v", what, *e, want)
		}
		if ts := e.Timestamp(); ts.Before(start.Add(-time.Minute)) ||
			ts.After(time.Now().Add(time.Minute)) {
			t.Errorf("after %s: event time %v, now %v", what, ts, time.Now())
		}
	}
	change("SetInterface", func() error {
		_, err := c.SetInterface(ctx, ifc.Name, InterfaceOptions{IcmpEcho: Bool(!*ifc.Options.IcmpEcho)})
		return err
	})
	change("ResetInterface", func() error {
		_, err := c.ResetInterface(ctx, ifc.Name)
		return err
	})

	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Next(); !errors.Is(err, ErrClosed) {
		t.Errorf("Next after Close: %v", err)
	}
	// The daemon forgets the monitor once it sees the connection close.
	deadline := time.Now().Add(2 * time.Second)
	for {
		n := monitors(t, c)
		if n == before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("events.monitors %d 2s after Close, want %d", n, before)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The filters the daemon refuses, and Monitor called without "more".
func TestDaemonMonitorErrors(t *testing.T) {
	c := daemonClient(t)
	ctx := testCtx(t)
	before := monitors(t, c)
	_, err := c.Monitor(ctx, MonitorFilter{Types: []string{EventDrop, "bogus"}})
	var ip *InvalidParameterError
	if !errors.As(err, &ip) || ip.Parameter != "types" {
		t.Errorf("a bogus event type: %v", err)
	}
	_, err = c.Monitor(ctx, MonitorFilter{Interface: "a/b"})
	if !errors.As(err, &ip) || ip.Parameter != "interface" {
		t.Errorf("an invalid interface name: %v", err)
	}
	err = c.Call(ctx, Interface+".Monitor", struct{}{}, nil)
	var em *ExpectedMoreError
	if !errors.As(err, &em) {
		t.Errorf("Monitor without more: %v", err)
	}
	// None of them left a monitor behind, and the Client goes on.
	if n := monitors(t, c); n != before {
		t.Errorf("events.monitors %d, want %d", n, before)
	}
}
