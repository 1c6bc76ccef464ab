#!/bin/bash
# Counters, live events and metrics with the real daemon and real traffic:
#   - crafted traffic that is intercepted, passed and dropped moves the
#     interface counters, the rule counters and the metrics the same way;
#   - `zfwctl monitor` shows the interceptions (with their rule), the drops
#     (with their reason) and interface changes; filters by type,
#     interface and service narrow the stream;
#   - packets emit events only while someone monitors, or on an interface
#     with the events option;
#   - GetMetrics and the metrics_listen HTTP endpoint (scraped with curl)
#     parse as the Prometheus text format (the Prometheus project's parser).
. "$(dirname "$0")/lib.sh"

command -v go >/dev/null || { t_log "go is missing (scripts/deps.sh installs it)"; exit 1; }
[ -d /usr/share/gocode/src/github.com/prometheus/common/expfmt ] ||
	{ t_log "golang-github-prometheus-common-dev is missing (scripts/deps.sh installs it)"; exit 1; }
PROMCHECK=$T_DIR/promcheck
(cd "$(dirname "$0")/promcheck" && GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= \
	GOCACHE=$T_DIR/go-cache GOTMPDIR=$T_DIR go build -o "$PROMCHECK" .) ||
	{ t_log "cannot build promcheck"; exit 1; }

t_topology
METRICS=127.0.0.1:9310
t_config "{\"interfaces\":[{\"name\":\"$T_RC0\",\"role\":\"internal\",\"default_action\":\"drop\"}],
  \"metrics_listen\":\"$METRICS\"}"
t_start_daemon
Z=$ZFWCTL
t_tproxy_listener 15000
t_expect "add an intercept with a service" $Z rule add --proto tcp --dst 203.0.113.0/24 \
	--ports 80 --tproxy 15000 --service-id svc-web --service-name web
t_expect "add a deny" $Z rule add --proto tcp --dst 10.20.0.2 --ports 8081 --deny

counter() { $Z -j iface list "$T_RC0" | jq -r ".parameters.interfaces[0].counters.$1"; }
events_read() { $Z -j status | jq -r .parameters.events.read; }
monitors() { $Z -j status | jq -r .parameters.events.monitors; }
wait_monitors() { # N
	for _ in $(seq 100); do [ "$(monitors)" = "$1" ] && return 0; sleep 0.05; done
	return 1
}

# Nobody monitors: the programs emit nothing.
read0=$(events_read)
in_c nc -z -w 1 10.20.0.2 8082 2>/dev/null
in_c nc -w 2 203.0.113.5 80 </dev/null >/dev/null
sleep 0.2
t_expect_eq "without monitors, packets emit no events" "$read0" "$(events_read)"

# Three monitors: everything; interface changes of one interface; one service.
$Z -j monitor >"$T_DIR/all.jsonl" 2>"$T_DIR/all.err" &
T_BG_PIDS+=($!)
$Z monitor --type interface --iface "$T_RC0" >"$T_DIR/iface.txt" 2>"$T_DIR/iface.err" &
T_BG_PIDS+=($!)
$Z -j monitor --service-id svc-web >"$T_DIR/svc.jsonl" 2>/dev/null &
T_BG_PIDS+=($!)
t_expect "three monitors are counted" wait_monitors 3

drop0=$(counter drop_default)
deny0=$(counter drop_rule)
tproxy0=$(counter tproxy)
out=$(in_c nc -w 2 203.0.113.5 80 </dev/null)
t_expect_eq "an intercepted connection reaches the listener" "local=203.0.113.5:80" \
	"$(grep -o 'local=[^ ]*' <<<"$out")"
t_expect_fail "unmatched traffic is dropped" in_c nc -z -w 1 10.20.0.2 8082
t_expect_fail "the deny rule drops" in_c nc -z -w 1 10.20.0.2 8081
ip -n "$T_R" addr add 10.10.9.1/24 dev "$T_RC0"
ip -n "$T_R" addr del 10.10.9.1/24 dev "$T_RC0"
sleep 0.5

drop1=$(counter drop_default)
deny1=$(counter drop_rule)
tproxy1=$(counter tproxy)
[ "$((drop1 - drop0))" -ge 1 ] && t_ok "drop_default counted ($drop0 -> $drop1)" ||
	t_fail "drop_default did not move ($drop0 -> $drop1)"
[ "$((deny1 - deny0))" -ge 1 ] && t_ok "drop_rule counted ($deny0 -> $deny1)" ||
	t_fail "drop_rule did not move ($deny0 -> $deny1)"
[ "$((tproxy1 - tproxy0))" -ge 1 ] && t_ok "tproxy counted ($tproxy0 -> $tproxy1)" ||
	t_fail "tproxy did not move ($tproxy0 -> $tproxy1)"
t_expect "zfwctl iface list shows the drops by reason" \
	bash -c "$Z iface list $T_RC0 | grep -q '^$T_RC0:.* drop [0-9]* (.*default $drop1'"
t_expect "... and the interceptions" bash -c "$Z iface list $T_RC0 | grep -q '^$T_RC0:  tproxy $tproxy1 '"
hits=$($Z -j rule list | jq -r '.parameters.rules[] | select(.rule.service_id == "svc-web") | .packets')
[ "${hits:-0}" -ge 1 ] && t_ok "the intercept rule counts its packets ($hits)" ||
	t_fail "the intercept rule's counter is ${hits:-missing}"
t_expect "zfwctl rule list shows the rule's packets" \
	bash -c "$Z rule list | grep 203.0.113.0/24 | grep -qw $hits"

# What the monitors saw.
ev() { jq -c "select($1)" "$T_DIR/all.jsonl" | head -1; }
e=$(ev '.type == "intercept" and .destination == "203.0.113.5:80"')
t_expect_eq "monitor: the interception, with its rule and service" \
	"tproxy tcp 10.10.0.2 $T_RC0 svc-web web 203.0.113.0/24 local" \
	"$(jq -r '"\(.reason) \(.protocol) \(.source | split(":")[0]) \(.interface) \(.rule.service_id) \(.rule.service_name) \(.rule.destination) \(.rule.owner)"' <<<"$e")"
e=$(ev '.type == "drop" and .destination == "10.20.0.2:8082"')
t_expect_eq "monitor: the unmatched drop, with its reason" "drop_default tcp" \
	"$(jq -r '"\(.reason) \(.protocol)"' <<<"$e")"
e=$(ev '.type == "drop" and .destination == "10.20.0.2:8081"')
t_expect_eq "monitor: the deny, with its reason and rule" "drop_rule local" \
	"$(jq -r '"\(.reason) \(.rule.owner)"' <<<"$e")"
e=$(ev '.type == "interface" and .change == "address-added" and .address == "10.10.9.1/24"')
t_expect_eq "monitor: an address added" "10.10.9.1/24 $T_RC0" \
	"$(jq -r '"\(.address) \(.interface)"' <<<"$e")"
e=$(ev '.type == "interface" and .change == "address-removed" and .address == "10.10.9.1/24"')
t_expect_eq "monitor: an address removed" "10.10.9.1/24" "$(jq -r .address <<<"$e")"
t_expect_eq "monitor: every event has a time near now" "true" \
	"$(jq -s "all(.time > $(date +%s) - 60 and .time < $(date +%s) + 5)" "$T_DIR/all.jsonl")"
t_expect_eq "the interface monitor saw only interface events" "2 0" \
	"$(grep -c " interface *$T_RC0 *address-.* 10.10.9.1/24" "$T_DIR/iface.txt") $(grep -vc ' interface ' "$T_DIR/iface.txt")"
t_expect_eq "the service monitor saw only its service's events" "true" \
	"$(jq -s 'length > 0 and all(.rule.service_id == "svc-web")' "$T_DIR/svc.jsonl")"
t_expect "zfwctl monitor announced itself (on stderr)" grep -q monitoring "$T_DIR/iface.err"
t_expect_eq "... but not with -j" "" "$(cat "$T_DIR/all.err")"
t_expect_eq "a bad filter is refused by name" "1" \
	"$($Z monitor --type drops >/dev/null 2>"$T_DIR/bad.err"; echo $?)"
t_expect "... naming the parameter" grep -q "parameter types" "$T_DIR/bad.err"
t_expect "monitor --count stops after N events" \
	bash -c "timeout 10 $Z monitor --count 2 --type drop >$T_DIR/two.txt 2>/dev/null &
		 sleep 0.3; ip netns exec $T_C nc -z -w 1 10.20.0.2 8083; ip netns exec $T_C nc -z -w 1 10.20.0.2 8084;
		 wait \$!"
t_expect_eq "... having printed two lines" "2" "$(wc -l <"$T_DIR/two.txt")"

# The monitors go; the programs stop emitting.
kill "${T_BG_PIDS[@]: -3}" 2>/dev/null
t_expect "the monitors are gone" wait_monitors 0
read1=$(events_read)
in_c nc -z -w 1 10.20.0.2 8082 2>/dev/null
sleep 0.2
t_expect_eq "without monitors again, no events" "$read1" "$(events_read)"
t_expect "the events option on the interface" $Z iface set "$T_RC0" --events on
in_c nc -z -w 1 10.20.0.2 8082 2>/dev/null
sleep 0.2
read2=$(events_read)
[ "$read2" -gt "$read1" ] && t_ok "with events on, drops emit with nobody monitoring ($read1 -> $read2)" ||
	t_fail "events option: read stayed $read2"
t_expect "events off again" $Z iface set "$T_RC0" --reset

# Metrics: the API and the HTTP endpoint, through the Prometheus parser.
$Z metrics >"$T_DIR/metrics.txt"
t_expect "GetMetrics text parses (Prometheus text format)" \
	bash -c "$PROMCHECK <$T_DIR/metrics.txt >$T_DIR/metrics.samples"
sample() { awk -v s="$1" '$1 == s { print $2 }' "$T_DIR/metrics.samples"; }
c=$($Z -j iface list "$T_RC0" | jq -c '.parameters.interfaces[0].counters')
drops=$(jq '[to_entries[] | select(.key | startswith("drop_")) | .value] | add' <<<"$c")
t_expect_eq "zfwd_packets_total{verdict=drop} sums the drop counters" "$drops" \
	"$(sample "zfwd_packets_total{direction=\"ingress\",ifname=\"$T_RC0\",verdict=\"drop\"}")"
t_expect_eq "zfwd_drops_total{reason=drop_default} is the counter" "$(jq .drop_default <<<"$c")" \
	"$(sample "zfwd_drops_total{ifname=\"$T_RC0\",reason=\"drop_default\"}")"
t_expect_eq "zfwd_packets_total{verdict=tproxy}" "$(jq .tproxy <<<"$c")" \
	"$(sample "zfwd_packets_total{direction=\"ingress\",ifname=\"$T_RC0\",verdict=\"tproxy\"}")"
t_expect_eq "zfwd_rules" "2" "$(sample zfwd_rules)"
t_expect_eq "zfwd_interfaces_attached" "1" "$(sample zfwd_interfaces_attached)"
t_expect_eq "zfwd_build_info" "1" "$(grep -c '^zfwd_build_info{version="[0-9.]*"} 1$' "$T_DIR/metrics.samples")"
n=$(sample 'zfwd_api_requests_total{error="",method="io.openziti.zfwd.AddRules"}')
t_expect_eq "zfwd_api_requests_total counts the AddRules calls" "2" "$n"
n=$(sample 'zfwd_api_requests_total{error="org.varlink.service.InvalidParameter",method="io.openziti.zfwd.Monitor"}')
t_expect_eq "... and the refused Monitor" "1" "$n"
t_expect "zfwd_events_lost_total is there" grep -q '^zfwd_events_lost_total ' "$T_DIR/metrics.samples"
t_expect_eq "per-rule counters only when asked" "0" "$(grep -c zfwd_rule_packets_total "$T_DIR/metrics.samples")"
$Z metrics --rules | "$PROMCHECK" >"$T_DIR/rules.samples"
t_expect_eq "zfwctl metrics --rules: one packet counter per rule" "2" \
	"$(grep -c '^zfwd_rule_packets_total{' "$T_DIR/rules.samples")"
t_expect_eq "... the intercept's counts its hits" "$hits" \
	"$(awk '/^zfwd_rule_packets_total\{.*service_id="svc-web"/ { print $2 }' "$T_DIR/rules.samples")"

hdr=$(in_r curl -s -D - -o "$T_DIR/http.txt" --max-time 3 "http://$METRICS/metrics")
t_expect "metrics_listen: 200 with the exposition content type" \
	grep -qi '^content-type: text/plain; version=0.0.4' <<<"$hdr"
t_expect "metrics_listen: the body parses" bash -c "$PROMCHECK <$T_DIR/http.txt >/dev/null"
t_expect "metrics_listen: the same families as GetMetrics" \
	bash -c "diff <(grep '^# TYPE' $T_DIR/metrics.txt) <(grep '^# TYPE' $T_DIR/http.txt)"
t_expect_eq "metrics_listen: another path is 404" "404" \
	"$(in_r curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://$METRICS/")"
t_expect_eq "metrics_listen: POST is 405" "405" \
	"$(in_r curl -s -o /dev/null -w '%{http_code}' -X POST --max-time 3 "http://$METRICS/metrics")"
t_expect_fail "metrics_listen: not reachable from outside the router (loopback only)" \
	in_c curl -s --max-time 1 "http://10.10.0.1:9310/metrics"
# A bad metrics_listen is refused with a clear error (checked offline).
echo '{"metrics_listen":"0.0.0.0:9310"}' >"$T_DIR/bad.conf"
t_expect_fail "metrics_listen must be loopback" "$ZFWD" -c "$T_DIR/bad.conf" --check-config
t_done
