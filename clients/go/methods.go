package zfwd

import "context"

// method is the qualified name of one of zfwd's methods.
func method(name string) string {
	return Interface + "." + name
}

// GetInfo describes the service (org.varlink.service.GetInfo).
func (c *Client) GetInfo(ctx context.Context) (*ServiceInfo, error) {
	var r ServiceInfo
	if err := c.Call(ctx, ServiceInterface+".GetInfo", nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// GetInterfaceDescription returns the IDL of a Varlink interface the
// daemon serves (Interface or ServiceInterface). An unknown name is an
// *InterfaceNotFoundError.
func (c *Client) GetInterfaceDescription(ctx context.Context, iface string) (string, error) {
	var r struct {
		Description string `json:"description"`
	}
	params := struct {
		Interface string `json:"interface"`
	}{iface}
	if err := c.Call(ctx, ServiceInterface+".GetInterfaceDescription", params, &r); err != nil {
		return "", err
	}
	return r.Description, nil
}

// GetStatus returns what the daemon runs with and holds.
func (c *Client) GetStatus(ctx context.Context) (*Status, error) {
	var r Status
	if err := c.Call(ctx, method("GetStatus"), nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// GetMetrics returns the daemon's counters and gauges in the Prometheus
// text exposition format (0.0.4), the text its metrics endpoint serves;
// with perRule, a packet and a byte counter per rule as well
// (zfwd_rule_packets_total, zfwd_rule_bytes_total), which can be many.
func (c *Client) GetMetrics(ctx context.Context, perRule bool) (string, error) {
	p := struct {
		Rules bool `json:"rules,omitempty"`
	}{perRule}
	var r struct {
		Text string `json:"text"`
	}
	if err := c.Call(ctx, method("GetMetrics"), p, &r); err != nil {
		return "", err
	}
	return r.Text, nil
}

// rulesParams are the parameters of AddRules, SyncRules and Validate.
type rulesParams struct {
	Owner   string `json:"owner,omitempty"`
	Rules   []Rule `json:"rules"`
	Replace bool   `json:"replace,omitempty"`
}

func newRulesParams(owner string, rules []Rule) rulesParams {
	if rules == nil {
		rules = []Rule{}
	}
	return rulesParams{Owner: owner, Rules: rules}
}

// addOptions are AddRules' optional parameters.
type addOptions struct {
	replace bool
}

// AddOption changes how AddRules treats rules the owner holds.
type AddOption func(*addOptions)

// Replace makes AddRules replace a rule of the same owner with the same
// match and another action or tproxy_port, in the same transaction (no
// gap), instead of failing with a *ConflictError. Other owners' rules are
// never replaced.
func Replace() AddOption {
	return func(o *addOptions) { o.replace = true }
}

// AddRules adds rules for owner ("" means DefaultOwner). Adding a rule the
// owner already holds is not an error (it counts in Existing). The rules
// are validated whole first; on any error (*InvalidRuleError,
// *ConflictError, *CapacityExceededError, ...) nothing is applied.
func (c *Client) AddRules(ctx context.Context, owner string, rules []Rule, opts ...AddOption) (*AddResult, error) {
	var o addOptions
	for _, f := range opts {
		f(&o)
	}
	p := newRulesParams(owner, rules)
	p.Replace = o.replace
	var r AddResult
	if err := c.Call(ctx, method("AddRules"), p, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// SyncRules makes owner's rules ("" means DefaultOwner) exactly rules, by
// difference: a rule held before and after (same match, service ID,
// action, tproxy port and service name) is kept, never removed and
// re-added, so its traffic sees no gap. On any error nothing changes.
func (c *Client) SyncRules(ctx context.Context, owner string, rules []Rule) (*SyncResult, error) {
	var r SyncResult
	if err := c.Call(ctx, method("SyncRules"), newRulesParams(owner, rules), &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Validate makes AddRules' checks (fields, conflicts, every limit) without
// applying anything, and returns the errors AddRules would, or what it
// would change.
func (c *Client) Validate(ctx context.Context, owner string, rules []Rule) (*ValidateResult, error) {
	var r ValidateResult
	if err := c.Call(ctx, method("Validate"), newRulesParams(owner, rules), &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// removeOptions are RemoveRules' and RemoveService's optional parameters.
type removeOptions struct {
	ignoreMissing bool
}

// RemoveOption changes how RemoveRules and RemoveService treat what is
// not there.
type RemoveOption func(*removeOptions)

// IgnoreMissing makes removing what the owner does not hold count in
// RemoveResult.Missing instead of failing with a *RuleNotFoundError.
func IgnoreMissing() RemoveOption {
	return func(o *removeOptions) { o.ignoreMissing = true }
}

func removeOpts(opts []RemoveOption) removeOptions {
	var o removeOptions
	for _, f := range opts {
		f(&o)
	}
	return o
}

// RemoveRules removes owner's rules ("" means DefaultOwner) with these
// matches. Only the match fields select (protocol, destination, source,
// ports, interfaces) plus ServiceID when a rule gives one; Action and
// TproxyPort may be left empty. A rule the owner does not hold is a
// *RuleNotFoundError (and nothing is removed) unless IgnoreMissing.
func (c *Client) RemoveRules(ctx context.Context, owner string, rules []Rule, opts ...RemoveOption) (*RemoveResult, error) {
	if rules == nil {
		rules = []Rule{}
	}
	o := removeOpts(opts)
	p := struct {
		Owner         string `json:"owner,omitempty"`
		Rules         []Rule `json:"rules"`
		IgnoreMissing bool   `json:"ignore_missing,omitempty"`
	}{owner, rules, o.ignoreMissing}
	var r RemoveResult
	if err := c.Call(ctx, method("RemoveRules"), p, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// RemoveService removes every rule of owner ("" means DefaultOwner) with
// this service ID. When the owner holds none, that is a
// *RuleNotFoundError (Index -1) unless IgnoreMissing.
func (c *Client) RemoveService(ctx context.Context, owner, serviceID string, opts ...RemoveOption) (*RemoveResult, error) {
	o := removeOpts(opts)
	p := struct {
		Owner         string `json:"owner,omitempty"`
		ServiceID     string `json:"service_id"`
		IgnoreMissing bool   `json:"ignore_missing,omitempty"`
	}{owner, serviceID, o.ignoreMissing}
	var r RemoveResult
	if err := c.Call(ctx, method("RemoveRules"), p, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// ListRules returns the rules that pass filter (the zero filter: all), in
// the order they were added.
func (c *Client) ListRules(ctx context.Context, filter ListFilter) ([]RuleInfo, error) {
	var r struct {
		Rules []RuleInfo `json:"rules"`
	}
	if err := c.Call(ctx, method("ListRules"), filter, &r); err != nil {
		return nil, err
	}
	return r.Rules, nil
}

// FlushRules removes every rule of owner, or of all owners when owner is
// "".
func (c *Client) FlushRules(ctx context.Context, owner string) (*FlushResult, error) {
	p := struct {
		Owner string `json:"owner,omitempty"`
	}{owner}
	var r FlushResult
	if err := c.Call(ctx, method("FlushRules"), p, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// interfacesReply is the reply of ListInterfaces and SetInterface.
type interfacesReply struct {
	Interfaces []InterfaceInfo `json:"interfaces"`
}

// ListInterfaces returns the managed interfaces, or those named name
// when it is not "".
func (c *Client) ListInterfaces(ctx context.Context, name string) ([]InterfaceInfo, error) {
	p := struct {
		Name string `json:"name,omitempty"`
	}{name}
	var r interfacesReply
	if err := c.Call(ctx, method("ListInterfaces"), p, &r); err != nil {
		return nil, err
	}
	return r.Interfaces, nil
}

// SetInterface changes the options of the interfaces named name (ones the
// configuration manages, else *InterfaceNotManagedError) at run time: the
// options set in opts replace the current ones, the others stay. The
// change persists across restarts and reloads until ResetInterface. It
// returns the interfaces of that name now present.
func (c *Client) SetInterface(ctx context.Context, name string, opts InterfaceOptions) ([]InterfaceInfo, error) {
	p := struct {
		Name    string           `json:"name"`
		Options InterfaceOptions `json:"options"`
	}{name, opts}
	var r interfacesReply
	if err := c.Call(ctx, method("SetInterface"), p, &r); err != nil {
		return nil, err
	}
	return r.Interfaces, nil
}

// ResetInterface returns the interfaces named name to the configuration's
// options, undoing SetInterface.
func (c *Client) ResetInterface(ctx context.Context, name string) ([]InterfaceInfo, error) {
	p := struct {
		Name  string `json:"name"`
		Reset bool   `json:"reset"`
	}{name, true}
	var r interfacesReply
	if err := c.Call(ctx, method("SetInterface"), p, &r); err != nil {
		return nil, err
	}
	return r.Interfaces, nil
}
