package zfwd

// Protocol is a rule's transport protocol.
type Protocol string

// The protocols a rule can match.
const (
	TCP Protocol = "tcp"
	UDP Protocol = "udp"
)

// Action is what a rule does with the packets it matches.
type Action string

// The actions of a rule.
const (
	// ActionTproxy steers packets into the TPROXY listener on the
	// loopback port Rule.TproxyPort.
	ActionTproxy Action = "tproxy"
	// ActionPass hands packets on to the host stack.
	ActionPass Action = "pass"
	// ActionDeny drops packets.
	ActionDeny Action = "deny"
)

// Ports is an inclusive destination port range, 1-65535.
type Ports struct {
	// Low is the first port.
	Low int `json:"low"`
	// High is the last port; zero (absent) means Low.
	High int `json:"high,omitempty"`
}

// Port is the one-port range p.
func Port(p int) *Ports {
	return &Ports{Low: p}
}

// PortRange is the range low-high.
func PortRange(low, high int) *Ports {
	return &Ports{Low: low, High: high}
}

// Rule is one interception rule. Zero values of the optional fields are
// left out of the message, which gives the daemon's defaults.
type Rule struct {
	// Protocol is TCP or UDP.
	Protocol Protocol `json:"protocol"`
	// Destination is a CIDR prefix, IPv4 or IPv6; a bare address is a
	// host prefix. Host bits set beyond the prefix length are an error.
	Destination string `json:"destination"`
	// Source is a CIDR prefix of the same family; empty means any.
	Source string `json:"source,omitempty"`
	// Ports are the destination ports; nil means 1-65535.
	Ports *Ports `json:"ports,omitempty"`
	// Action is required when adding; when removing, the match alone
	// selects and Action may be empty.
	Action Action `json:"action,omitempty"`
	// TproxyPort is the loopback port of the TPROXY listener: required
	// with ActionTproxy, an error with any other action.
	TproxyPort int `json:"tproxy_port,omitempty"`
	// Interfaces are the interface names the rule applies on; empty
	// means every interface whose role is internal.
	Interfaces []string `json:"interfaces,omitempty"`
	// ServiceID is the OpenZiti service the rule belongs to.
	ServiceID string `json:"service_id,omitempty"`
	// ServiceName is the service's name, for people.
	ServiceName string `json:"service_name,omitempty"`
}

// RuleInfo is a rule as ListRules returns it: normalised (Source and
// Ports always given, prefixes with their length) with its counters.
type RuleInfo struct {
	// Owner holds the rule.
	Owner string `json:"owner"`
	// Rule is the rule itself.
	Rule Rule `json:"rule"`
	// Packets the rule decided since its match was created.
	Packets int64 `json:"packets"`
	// Bytes of those packets.
	Bytes int64 `json:"bytes"`
}

// OwnerCount is how many rules an owner holds.
type OwnerCount struct {
	// Owner is the owner's name.
	Owner string `json:"owner"`
	// Rules is how many rules it holds.
	Rules int `json:"rules"`
}

// Role says which rules apply on an interface.
type Role string

// The roles of an interface.
const (
	// RoleInternal: rules without an interface list apply here.
	RoleInternal Role = "internal"
	// RoleExternal: only rules naming the interface apply here.
	RoleExternal Role = "external"
)

// DefaultAction is what an interface does with packets nothing else
// decides.
type DefaultAction string

// The default actions of an interface.
const (
	DefaultDrop DefaultAction = "drop"
	DefaultPass DefaultAction = "pass"
)

// InterfaceOptions are an interface's settings. In replies every field is
// set; in SetInterface only the non-zero ones are sent and replace the
// current settings, so the booleans are pointers (see Bool).
type InterfaceOptions struct {
	// Role: rules without an interface list apply on internal
	// interfaces only.
	Role Role `json:"role,omitempty"`
	// DefaultAction is for packets nothing else decides.
	DefaultAction DefaultAction `json:"default_action,omitempty"`
	// IcmpEcho admits ICMP/ICMPv6 echo requests (off unless enabled).
	IcmpEcho *bool `json:"icmp_echo,omitempty"`
	// SSH admits tcp/22 to the interface's own addresses (on unless
	// disabled).
	SSH *bool `json:"ssh,omitempty"`
	// IPv6 allows IPv6 at all (on unless disabled).
	IPv6 *bool `json:"ipv6,omitempty"`
	// Egress tracks flows leaving through the interface, to admit their
	// replies (on unless disabled).
	Egress *bool `json:"egress,omitempty"`
	// Events emits per-packet events even while nobody monitors.
	Events *bool `json:"events,omitempty"`
}

// Bool is a pointer to b, for InterfaceOptions.
func Bool(b bool) *bool {
	return &b
}

// Attached says where zfwd's programs are attached on an interface.
type Attached struct {
	// Ingress is the tc ingress hook (the decision).
	Ingress bool `json:"ingress"`
	// Egress is the tc egress hook (flow tracking).
	Egress bool `json:"egress"`
}

// InterfaceInfo is a managed interface.
type InterfaceInfo struct {
	// Name is the interface's name.
	Name string `json:"name"`
	// Ifindex is the kernel's index of the interface.
	Ifindex int `json:"ifindex"`
	// Up is whether the interface is up.
	Up bool `json:"up"`
	// Addresses are every address the kernel reports, "addr/len".
	Addresses []string `json:"addresses"`
	// Attached says where zfwd's programs are attached.
	Attached Attached `json:"attached"`
	// Options are the interface's settings now.
	Options InterfaceOptions `json:"options"`
	// Overridden is whether SetInterface changed the options (such a
	// change persists until reset).
	Overridden bool `json:"overridden"`
	// Counters are packets per verdict reason (tproxy, pass_rule,
	// drop_default, ...).
	Counters map[string]int64 `json:"counters"`
}

// Limits are the daemon's capacity limits.
type Limits struct {
	// Rules is the most rules held, over all owners.
	Rules int `json:"rules"`
	// Prefixes is the most destination prefixes per address family.
	Prefixes int `json:"prefixes"`
	// Leaves is the most (destination, source) pairs per family.
	Leaves int `json:"leaves"`
	// RulesPerMatch is the most rules applying to one (destination,
	// source) pair and protocol.
	RulesPerMatch int `json:"rules_per_match"`
	// InterfaceNames is the most distinct interface names rules use.
	InterfaceNames int `json:"interface_names"`
	// MaxMessage is the largest message the daemon accepts, in bytes.
	MaxMessage int `json:"max_message"`
}

// Usage is what the daemon holds, to compare with Limits.
type Usage struct {
	// Rules held.
	Rules int `json:"rules"`
	// Matches are distinct rule matches (rules of several owners with
	// the same match share one).
	Matches int `json:"matches"`
	// PrefixesV4 are IPv4 destination prefixes.
	PrefixesV4 int `json:"prefixes_v4"`
	// PrefixesV6 are IPv6 destination prefixes.
	PrefixesV6 int `json:"prefixes_v6"`
	// LeavesV4 are IPv4 (destination, source) leaves.
	LeavesV4 int `json:"leaves_v4"`
	// LeavesV6 are IPv6 (destination, source) leaves.
	LeavesV6 int `json:"leaves_v6"`
}

// Status is what the daemon runs with and holds (GetStatus).
type Status struct {
	// Version of zfwd.
	Version string `json:"version"`
	// PinRoot is where the BPF maps are pinned.
	PinRoot string `json:"pin_root"`
	// Socket is the API socket.
	Socket string `json:"socket"`
	// StateDir holds the state file.
	StateDir string `json:"state_dir"`
	// MapsAdopted is whether pinned maps of an earlier run were adopted
	// at start.
	MapsAdopted bool `json:"maps_adopted"`
	// Rules held, over all owners.
	Rules int `json:"rules"`
	// Owners and their rule counts.
	Owners []OwnerCount `json:"owners"`
	// Interfaces managed.
	Interfaces []InterfaceInfo `json:"interfaces"`
	// Limits of the daemon.
	Limits Limits `json:"limits"`
	// Usage against the limits.
	Usage Usage `json:"usage"`
	// KernelOps are kernel map operations applied since start.
	KernelOps int64 `json:"kernel_ops"`
	// Netlink counts netlink messages read, overruns (lost events, each
	// followed by a full dump) and dumps made; nil when not reported.
	Netlink map[string]int64 `json:"netlink,omitempty"`
	// API counts the API's requests, errors, denied (PermissionDenied),
	// connections (open now), accepted, refused (at the connection
	// limit) and idle_closed; nil when not reported.
	API map[string]int64 `json:"api,omitempty"`
	// Events counts monitors (Monitor streams open now), events read
	// from the data plane, delivered to monitors, missed (by slow
	// monitors) and lost (the ring buffer was full); nil when not
	// reported.
	Events map[string]int64 `json:"events,omitempty"`
}

// ServiceInfo describes the service (org.varlink.service.GetInfo).
type ServiceInfo struct {
	// Vendor of the service.
	Vendor string `json:"vendor"`
	// Product name.
	Product string `json:"product"`
	// Version of the product.
	Version string `json:"version"`
	// URL of the project.
	URL string `json:"url"`
	// Interfaces are the Varlink interfaces served.
	Interfaces []string `json:"interfaces"`
}

// AddResult is the outcome of AddRules.
type AddResult struct {
	// Added rules, new to the owner.
	Added int `json:"added"`
	// Existing rules the owner already held (not an error).
	Existing int `json:"existing"`
	// Replaced rules of the owner with the same match and another action
	// or tproxy_port (only with the Replace option).
	Replaced int `json:"replaced"`
	// KernelOps are the kernel map operations the call applied.
	KernelOps int64 `json:"kernel_ops"`
}

// ValidateResult is the outcome of Validate: what AddRules would do.
type ValidateResult struct {
	// Added rules AddRules would add.
	Added int `json:"added"`
	// Existing rules the owner already holds.
	Existing int `json:"existing"`
	// KernelOps are the kernel map operations AddRules would apply.
	KernelOps int64 `json:"kernel_ops"`
}

// SyncResult is the outcome of SyncRules.
type SyncResult struct {
	// Added rules the owner did not hold.
	Added int `json:"added"`
	// Removed rules the owner held and the new set lacks.
	Removed int `json:"removed"`
	// Kept rules, held before and after, never removed and re-added.
	Kept int `json:"kept"`
	// KernelOps are the kernel map operations the call applied.
	KernelOps int64 `json:"kernel_ops"`
}

// RemoveResult is the outcome of RemoveRules and RemoveService.
type RemoveResult struct {
	// Removed rules.
	Removed int `json:"removed"`
	// Missing rules (only with IgnoreMissing; otherwise missing is a
	// *RuleNotFoundError). RemoveService counts a service the owner
	// holds no rule of as one missing.
	Missing int `json:"missing"`
	// KernelOps are the kernel map operations the call applied.
	KernelOps int64 `json:"kernel_ops"`
}

// FlushResult is the outcome of FlushRules.
type FlushResult struct {
	// Removed rules.
	Removed int `json:"removed"`
	// KernelOps are the kernel map operations the call applied.
	KernelOps int64 `json:"kernel_ops"`
}

// ListFilter narrows ListRules; each non-empty field must match.
type ListFilter struct {
	// Owner holds the rule.
	Owner string `json:"owner,omitempty"`
	// ServiceID of the rule.
	ServiceID string `json:"service_id,omitempty"`
	// Destination is the rule's destination prefix, exactly (the
	// daemon compares prefixes, so "10.0.0.1" equals "10.0.0.1/32").
	Destination string `json:"destination,omitempty"`
}
