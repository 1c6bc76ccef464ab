#!/bin/bash
# The main job on its built-in scenario: build zfwd, start it in a router
# namespace managing one veth, add an intercept with zfwctl, and show a
# client's TCP connection to an address that exists nowhere landing in a
# TPROXY listener with its original destination. Everything it creates
# (namespaces, pins, temp files) is removed on exit, failure included.
# Never touches the machine's own interfaces, routes or rules.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (namespaces, BPF)" >&2; exit 1; }
./scripts/deps.sh
echo "== building"
./scripts/build.sh build -DZFWD_TESTS=ON >/dev/null
B=$PWD/build

ID=$$
C=zfwd-demo-$ID-client
R=zfwd-demo-$ID-router
IF=zdemo${ID}r
DIR=$(mktemp -d /tmp/zfwd-demo.XXXXXX)
PIN=/sys/fs/bpf/zfwd-demo-$ID
export ZFWD_SOCKET=$DIR/zfwd.sock
ZFWD_PID= ECHO_PID=

cleanup() {
	set +e
	[ -n "$ECHO_PID" ] && kill "$ECHO_PID" 2>/dev/null
	if [ -n "$ZFWD_PID" ]; then kill "$ZFWD_PID"; wait "$ZFWD_PID"; fi 2>/dev/null
	if [ -d "$PIN" ]; then
		nsenter --net=/run/netns/"$R" "$B/zfwd/zfwd" -c "$DIR/zfwd.conf" -p "$PIN" \
			--uninstall >/dev/null 2>&1
		rm -rf "$PIN"
	fi
	ip netns del "$C" 2>/dev/null
	ip netns del "$R" 2>/dev/null
	rm -rf "$DIR"
	echo "== cleaned up"
}
trap cleanup EXIT

echo "== topology: client ($C) --veth-- router ($R, runs zfwd)"
ip netns add "$C"
ip netns add "$R"
ip link add "$IF" netns "$R" type veth peer name eth0 netns "$C"
ip -n "$R" addr add 10.77.0.1/24 dev "$IF"
ip -n "$C" addr add 10.77.0.2/24 dev eth0
ip -n "$R" link set lo up
ip -n "$C" link set lo up
ip -n "$R" link set "$IF" up
ip -n "$C" link set eth0 up
ip -n "$C" route add default via 10.77.0.1

cat >"$DIR/zfwd.conf" <<CONF
{"interfaces": [{"name": "$IF", "role": "internal", "default_action": "drop"}]}
CONF
echo "== starting zfwd in the router namespace (config: $(cat "$DIR/zfwd.conf"))"
nsenter --net=/run/netns/"$R" "$B/zfwd/zfwd" -c "$DIR/zfwd.conf" -s "$ZFWD_SOCKET" \
	-p "$PIN" -S "$DIR/state" 2>"$DIR/zfwd.log" &
ZFWD_PID=$!
for _ in $(seq 100); do "$B/clients/zfwctl/zfwctl" status >/dev/null 2>&1 && break; sleep 0.05; done

echo "== a TPROXY listener on 127.0.0.1:15000 in the router (IP_TRANSPARENT, as routers open it)"
nsenter --net=/run/netns/"$R" "$B/tests/netns/tproxy_echo" -p 15000 -t >"$DIR/echo.log" 2>&1 &
ECHO_PID=$!
sleep 0.3

echo "== before the intercept, the client cannot reach 203.0.113.10:443 (default drop)"
if ip netns exec "$C" nc -z -w 1 203.0.113.10 443; then
	echo "   unexpected: connected"; exit 1
else
	echo "   connection timed out, as it should"
fi

echo "== zfwctl rule add --proto tcp --dst 203.0.113.10 --ports 443 --tproxy 15000 --service-id demo-web"
"$B/clients/zfwctl/zfwctl" rule add --proto tcp --dst 203.0.113.10 --ports 443 --tproxy 15000 \
	--service-id demo-web --service-name "demo web"

echo "== the client connects to 203.0.113.10:443 (an address that exists nowhere)"
reply=$(ip netns exec "$C" nc -w 2 203.0.113.10 443 </dev/null)
echo "   the listener answered: $reply"
grep -q "local=203.0.113.10:443" <<<"$reply" || { echo "demo: interception failed" >&2; cat "$DIR/zfwd.log" >&2; exit 1; }
echo "   -> it accepted the connection with the original destination as its local address"

echo "== zfwctl status"
"$B/clients/zfwctl/zfwctl" status
echo
echo "== zfwctl rule list"
"$B/clients/zfwctl/zfwctl" rule list
echo
echo "== demo ok"
