package zfwd

import (
	"encoding/json"
	"fmt"
)

// Names of the Varlink errors zfwd sends.
const (
	ErrorInvalidRule          = Interface + ".InvalidRule"
	ErrorConflict             = Interface + ".Conflict"
	ErrorCapacityExceeded     = Interface + ".CapacityExceeded"
	ErrorRuleNotFound         = Interface + ".RuleNotFound"
	ErrorSystem               = Interface + ".SystemError"
	ErrorInterfaceNotManaged  = Interface + ".InterfaceNotManaged"
	ErrorInterfaceNotFound    = ServiceInterface + ".InterfaceNotFound"
	ErrorMethodNotFound       = ServiceInterface + ".MethodNotFound"
	ErrorMethodNotImplemented = ServiceInterface + ".MethodNotImplemented"
	ErrorInvalidParameter     = ServiceInterface + ".InvalidParameter"
	ErrorPermissionDenied     = ServiceInterface + ".PermissionDenied"
	ErrorExpectedMore         = ServiceInterface + ".ExpectedMore"
)

// Error is implemented by every error the daemon names in a reply: the
// typed errors of this package and the *VarlinkError fallback. Use
// errors.As with a *Error target to get the name of any of them.
type Error interface {
	error
	// ErrorName is the fully qualified Varlink error name.
	ErrorName() string
}

// InvalidRuleError: a rule of the call is invalid; nothing was applied.
type InvalidRuleError struct {
	// Index of the rule in the call's list.
	Index int `json:"index"`
	// Field names the offending key ("destination", "ports.high", or
	// "rule" for the rule as a whole).
	Field string `json:"field"`
	// Reason says what is wrong.
	Reason string `json:"reason"`
}

// Error formats the error for people.
func (e *InvalidRuleError) Error() string {
	return fmt.Sprintf("zfwd: invalid rule %d, field %s: %s", e.Index, e.Field, e.Reason)
}

// ErrorName returns ErrorInvalidRule.
func (e *InvalidRuleError) ErrorName() string { return ErrorInvalidRule }

// ConflictError: the same match is held with another action or
// tproxy_port; nothing was applied.
type ConflictError struct {
	// Index of the rule in the call's list.
	Index int `json:"index"`
	// Owner holds the conflicting rule.
	Owner string `json:"owner"`
	// Reason says what conflicts.
	Reason string `json:"reason"`
}

// Error formats the error for people.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("zfwd: rule %d conflicts with a rule of owner %q: %s", e.Index,
		e.Owner, e.Reason)
}

// ErrorName returns ErrorConflict.
func (e *ConflictError) ErrorName() string { return ErrorConflict }

// CapacityExceededError: the call would exceed a limit; nothing was
// applied.
type CapacityExceededError struct {
	// Limit names the limit (rules, prefixes, leaves, rules_per_match,
	// interface_names).
	Limit string `json:"limit"`
	// Max is the limit's value.
	Max int `json:"max"`
	// Reason says what would exceed it.
	Reason string `json:"reason"`
}

// Error formats the error for people.
func (e *CapacityExceededError) Error() string {
	return fmt.Sprintf("zfwd: capacity exceeded, limit %s (%d): %s", e.Limit, e.Max, e.Reason)
}

// ErrorName returns ErrorCapacityExceeded.
func (e *CapacityExceededError) ErrorName() string { return ErrorCapacityExceeded }

// RuleNotFoundError: a rule to remove is not held; nothing was removed.
type RuleNotFoundError struct {
	// Index of the rule in the call's list; -1 when removing by service.
	Index int `json:"index"`
	// Owner whose rules were searched.
	Owner string `json:"owner"`
	// Reason says what is missing.
	Reason string `json:"reason"`
}

// Error formats the error for people.
func (e *RuleNotFoundError) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("zfwd: not found for owner %q: %s", e.Owner, e.Reason)
	}
	return fmt.Sprintf("zfwd: rule %d not found for owner %q: %s", e.Index, e.Owner, e.Reason)
}

// ErrorName returns ErrorRuleNotFound.
func (e *RuleNotFoundError) ErrorName() string { return ErrorRuleNotFound }

// SystemError: the kernel or the disk refused a change; nothing was
// applied.
type SystemError struct {
	// Reason says what failed.
	Reason string `json:"reason"`
}

// Error formats the error for people.
func (e *SystemError) Error() string {
	return "zfwd: system error: " + e.Reason
}

// ErrorName returns ErrorSystem.
func (e *SystemError) ErrorName() string { return ErrorSystem }

// InterfaceNotManagedError: SetInterface named an interface the
// configuration does not manage.
type InterfaceNotManagedError struct {
	// Name of the interface.
	Name string `json:"name"`
	// Reason says why.
	Reason string `json:"reason"`
}

// Error formats the error for people.
func (e *InterfaceNotManagedError) Error() string {
	return fmt.Sprintf("zfwd: interface %s is not managed: %s", e.Name, e.Reason)
}

// ErrorName returns ErrorInterfaceNotManaged.
func (e *InterfaceNotManagedError) ErrorName() string { return ErrorInterfaceNotManaged }

// InterfaceNotFoundError: GetInterfaceDescription named a Varlink
// interface the service does not implement.
type InterfaceNotFoundError struct {
	// Interface is the name asked for.
	Interface string `json:"interface"`
}

// Error formats the error for people.
func (e *InterfaceNotFoundError) Error() string {
	return fmt.Sprintf("zfwd: Varlink interface %s not found", e.Interface)
}

// ErrorName returns ErrorInterfaceNotFound.
func (e *InterfaceNotFoundError) ErrorName() string { return ErrorInterfaceNotFound }

// MethodNotFoundError: the service has no such method.
type MethodNotFoundError struct {
	// Method is the name called.
	Method string `json:"method"`
}

// Error formats the error for people.
func (e *MethodNotFoundError) Error() string {
	return fmt.Sprintf("zfwd: method %s not found", e.Method)
}

// ErrorName returns ErrorMethodNotFound.
func (e *MethodNotFoundError) ErrorName() string { return ErrorMethodNotFound }

// MethodNotImplementedError: the method exists but this daemon does not
// implement it.
type MethodNotImplementedError struct {
	// Method is the name called.
	Method string `json:"method"`
}

// Error formats the error for people.
func (e *MethodNotImplementedError) Error() string {
	return fmt.Sprintf("zfwd: method %s not implemented", e.Method)
}

// ErrorName returns ErrorMethodNotImplemented.
func (e *MethodNotImplementedError) ErrorName() string { return ErrorMethodNotImplemented }

// InvalidParameterError: a parameter of the call is missing, unknown or
// invalid (an owner that is not a valid name, a typo in a parameter's
// name, rules and service_id together, ...).
type InvalidParameterError struct {
	// Parameter names the parameter.
	Parameter string `json:"parameter"`
	// Reason, when zfwd gives one (beyond the standard error), says what
	// is wrong.
	Reason string `json:"reason,omitempty"`
}

// Error formats the error for people.
func (e *InvalidParameterError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("zfwd: invalid parameter %s: %s", e.Parameter, e.Reason)
	}
	return fmt.Sprintf("zfwd: invalid parameter %s", e.Parameter)
}

// ErrorName returns ErrorInvalidParameter.
func (e *InvalidParameterError) ErrorName() string { return ErrorInvalidParameter }

// PermissionDeniedError: the caller may not make this call.
type PermissionDeniedError struct{}

// Error formats the error for people.
func (e *PermissionDeniedError) Error() string { return "zfwd: permission denied" }

// ErrorName returns ErrorPermissionDenied.
func (e *PermissionDeniedError) ErrorName() string { return ErrorPermissionDenied }

// ExpectedMoreError: the method must be called with "more" (streaming).
type ExpectedMoreError struct{}

// Error formats the error for people.
func (e *ExpectedMoreError) Error() string { return "zfwd: the method expects a call with more" }

// ErrorName returns ErrorExpectedMore.
func (e *ExpectedMoreError) ErrorName() string { return ErrorExpectedMore }

// VarlinkError is an error reply whose name this package does not know,
// or whose parameters do not have the shape of the named error.
type VarlinkError struct {
	// Name is the fully qualified error name.
	Name string
	// Parameters are the error's parameters as sent.
	Parameters json.RawMessage
}

// Error formats the error for people.
func (e *VarlinkError) Error() string {
	if len(e.Parameters) == 0 || string(e.Parameters) == "{}" {
		return "zfwd: " + e.Name
	}
	return fmt.Sprintf("zfwd: %s %s", e.Name, e.Parameters)
}

// ErrorName returns Name.
func (e *VarlinkError) ErrorName() string { return e.Name }

// decodeError turns an error reply into its typed error.
func decodeError(name string, params json.RawMessage, strict bool) error {
	var e Error

	switch name {
	case ErrorInvalidRule:
		e = &InvalidRuleError{}
	case ErrorConflict:
		e = &ConflictError{}
	case ErrorCapacityExceeded:
		e = &CapacityExceededError{}
	case ErrorRuleNotFound:
		e = &RuleNotFoundError{}
	case ErrorSystem:
		e = &SystemError{}
	case ErrorInterfaceNotManaged:
		e = &InterfaceNotManagedError{}
	case ErrorInterfaceNotFound:
		e = &InterfaceNotFoundError{}
	case ErrorMethodNotFound:
		e = &MethodNotFoundError{}
	case ErrorMethodNotImplemented:
		e = &MethodNotImplementedError{}
	case ErrorInvalidParameter:
		e = &InvalidParameterError{}
	case ErrorPermissionDenied:
		e = &PermissionDeniedError{}
	case ErrorExpectedMore:
		e = &ExpectedMoreError{}
	default:
		return &VarlinkError{Name: name, Parameters: params}
	}
	if err := unmarshal(params, e, strict); err != nil {
		return &VarlinkError{Name: name, Parameters: params}
	}
	return e
}
