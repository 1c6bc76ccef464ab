#!/bin/bash
# The Go client (clients/go) against the real daemon: gofmt and go vet,
# then go test, whose golden tests need no daemon and whose integration
# tests run against a zfwd started here (ZFWD_SOCKET names its socket).
# Small limits, so the capacity test can reach limits.rules. Standard
# library only: no module is downloaded (GOPROXY=off), and the build cache
# lives in the test's directory, removed at exit.
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$(dirname "$0")/../.." && pwd)
GO=${GO:-$(command -v go || true)}
if [ -z "$GO" ]; then
	t_log "SKIP: no Go toolchain (go) in PATH"
	exit 77
fi
GOFMT=$("$GO" env GOROOT)/bin/gofmt

export GOFLAGS=-mod=mod GOPROXY=off GOWORK=off CGO_ENABLED=0
export GOCACHE=$T_DIR/go-cache GOPATH=$T_DIR/go-path GOTMPDIR=$T_DIR
mkdir -p "$GOCACHE" "$GOPATH"

t_topology
t_config "{\"interfaces\":[{\"name\":\"$T_RC0\",\"default_action\":\"drop\"}],
	\"limits\":{\"rules\":300,\"prefixes\":1024,\"leaves\":1024}}"
t_start_daemon

cd "$SRC/clients/go" || exit 1
unformatted=$("$GOFMT" -l .)
t_expect_eq "gofmt -l lists no file" "" "$unformatted"
t_expect "go vet" "$GO" vet ./...

start=$(date +%s)
"$GO" test -count=1 -v ./... >"$T_DIR/go-test.out" 2>&1
rc=$?
t_log "go test took $(($(date +%s) - start))s"
if [ "$rc" -ne 0 ]; then
	grep -v '^=== ' "$T_DIR/go-test.out" >&2
fi
t_expect_eq "go test passes (ZFWD_SOCKET=$ZFWD_SOCKET)" 0 "$rc"
t_log "$(grep -c '^--- PASS' "$T_DIR/go-test.out") Go tests passed"
# With a daemon there, its tests must have run, not skipped.
skipped=$(grep -E '^\s*--- SKIP: TestDaemon' "$T_DIR/go-test.out")
t_expect_eq "no integration test skipped" "" "$skipped"
t_expect "the integration tests ran" grep -q '^--- PASS: TestDaemonConcurrentCalls' "$T_DIR/go-test.out"
grep 'IDL inconsistency' "$T_DIR/go-test.out" >&2

t_expect "the daemon is the same process" kill -0 "$T_DAEMON_PID"
t_expect_eq "the Go tests left no rule behind" 0 \
	"$("$ZFWCTL" -j status | jq '.parameters.rules')"
t_done
