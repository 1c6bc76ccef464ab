#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Regenerates the seed corpora in corpus/. fuzz_request inputs start with
# three header bytes (chunk size, fault, largest message; see
# fuzz_request.c), then the stream: JSON calls, each followed by a NUL.
set -eu
cd "$(dirname "$0")"
rm -rf corpus/request corpus/config
mkdir -p corpus/request corpus/config

I=io.openziti.zfwd
S=org.varlink.service

# hdr CHUNK FAULT MAX: the header bytes, as octal escapes.
hdr() {
	printf "\\$(printf %03o "$1")\\$(printf %03o "$2")\\$(printf %03o "$3")"
}

# msg JSON...: each argument as one message.
msg() {
	for m in "$@"; do
		printf '%s\0' "$m"
	done
}

# req NAME CHUNK FAULT MAX JSON...
req() {
	local name=$1 chunk=$2 fault=$3 max=$4

	shift 4
	{ hdr "$chunk" "$fault" "$max"; msg "$@"; } > "corpus/request/$name"
}

req get_info 0 0 0 \
	"{\"method\":\"$S.GetInfo\"}"
req monitor_metrics 0 0 0 \
	"{\"method\":\"$I.Monitor\",\"more\":true,\"parameters\":{\"interface\":\"eth0\",\"types\":[\"drop\",\"intercept\"],\"service_id\":\"web\"}}" \
	"{\"method\":\"$I.Monitor\",\"parameters\":{}}" \
	"{\"method\":\"$I.AddRules\",\"parameters\":{\"rules\":[{\"protocol\":\"tcp\",\"destination\":\"10.1.0.0/16\",\"action\":\"pass\",\"service_id\":\"web\"}]}}" \
	"{\"method\":\"$I.GetMetrics\",\"parameters\":{\"rules\":true}}"
req interface_description 0 0 0 \
	"{\"method\":\"$S.GetInterfaceDescription\",\"parameters\":{\"interface\":\"$I\"}}" \
	"{\"method\":\"$S.GetInterfaceDescription\",\"parameters\":{\"interface\":\"$S\"}}" \
	"{\"method\":\"$S.GetInterfaceDescription\",\"parameters\":{\"interface\":\"com.example.nope\"}}"
req add_v4_tproxy 0 0 0 \
	"{\"method\":\"$I.AddRules\",\"parameters\":{\"owner\":\"ziti-router\",\"rules\":[{\"protocol\":\"tcp\",\"destination\":\"100.64.0.0/10\",\"ports\":{\"low\":443},\"action\":\"tproxy\",\"tproxy_port\":33001,\"service_id\":\"3x7b2\",\"service_name\":\"web\"},{\"protocol\":\"udp\",\"destination\":\"100.64.1.1\",\"source\":\"192.168.0.0/16\",\"ports\":{\"low\":53,\"high\":53},\"action\":\"tproxy\",\"tproxy_port\":33002,\"service_id\":\"dns1\"}]}}" \
	"{\"method\":\"$I.ListRules\",\"parameters\":{\"owner\":\"ziti-router\"}}" \
	"{\"method\":\"$I.GetStatus\"}"
req add_v6_pass_deny 0 0 0 \
	"{\"method\":\"$I.AddRules\",\"parameters\":{\"rules\":[{\"protocol\":\"tcp\",\"destination\":\"2001:db8::/32\",\"source\":\"2001:db8:1::/48\",\"ports\":{\"low\":1,\"high\":1024},\"action\":\"deny\",\"interfaces\":[\"eth0\",\"eth1\"]},{\"protocol\":\"udp\",\"destination\":\"::/0\",\"action\":\"pass\",\"interfaces\":[\"ziti0\",\"wg0\",\"eth0\"]},{\"protocol\":\"tcp\",\"destination\":\"fd00::1/128\",\"ports\":{\"low\":22},\"action\":\"pass\",\"interfaces\":null,\"source\":null}]}}" \
	"{\"method\":\"$I.ListRules\"}"
req overlap 0 0 0 \
	"{\"method\":\"$I.AddRules\",\"parameters\":{\"rules\":[{\"protocol\":\"tcp\",\"destination\":\"10.0.0.0/8\",\"action\":\"deny\"},{\"protocol\":\"tcp\",\"destination\":\"10.1.0.0/16\",\"ports\":{\"low\":80,\"high\":90},\"action\":\"tproxy\",\"tproxy_port\":8080},{\"protocol\":\"tcp\",\"destination\":\"10.1.2.3/32\",\"source\":\"172.16.0.0/12\",\"action\":\"pass\"},{\"protocol\":\"tcp\",\"destination\":\"0.0.0.0/0\",\"source\":\"172.16.5.0/24\",\"action\":\"deny\",\"interfaces\":[\"eth1\"]}]}}" \
	"{\"method\":\"$I.RemoveRules\",\"parameters\":{\"rules\":[{\"protocol\":\"tcp\",\"destination\":\"10.1.0.0/16\",\"ports\":{\"low\":80,\"high\":90}}]}}" \
	"{\"method\":\"$I.GetStatus\"}"
req add_remove 0 0 0 \
	"{\"method\":\"$I.AddRules\",\"parameters\":{\"owner\":\"a\",\"rules\":[{\"protocol\":\"udp\",\"destination\":\"198.51.100.0/24\",\"action\":\"pass\",\"service_id\":\"s1\"},{\"protocol\":\"udp\",\"destination\":\"198.51.100.0/24\",\"action\":\"pass\",\"service_id\":\"s2\"}]}}" \
	"{\"method\":\"$I.RemoveRules\",\"parameters\":{\"owner\":\"a\",\"rules\":[{\"protocol\":\"udp\",\"destination\":\"198.51.100.0/24\",\"service_id\":\"s1\"}]}}" \
	"{\"method\":\"$I.RemoveRules\",\"parameters\":{\"owner\":\"a\",\"rules\":[{\"protocol\":\"udp\",\"destination\":\"203.0.113.0/24\"}]}}" \
	"{\"method\":\"$I.RemoveRules\",\"parameters\":{\"owner\":\"a\",\"ignore_missing\":true,\"rules\":[{\"protocol\":\"udp\",\"destination\":\"203.0.113.0/24\"},{\"protocol\":\"udp\",\"destination\":\"198.51.100.0/24\"}]}}" \
	"{\"method\":\"$I.ListRules\"}"
req flush_owners 0 0 0 \
	"{\"method\":\"$I.AddRules\",\"parameters\":{\"owner\":\"a\",\"rules\":[{\"protocol\":\"tcp\",\"destination\":\"192.0.2.0/24\",\"action\":\"deny\"}]}}" \
	"{\"method\":\"$I.AddRules\",\"parameters\":{\"owner\":\"b\",\"rules\":[{\"protocol\":\"tcp\",\"destination\":\"192.0.2.0/24\",\"action\":\"deny\"},{\"protocol\":\"tcp\",\"destination\":\"192.0.2.128/25\",\"action\":\"pass\"}]}}" \
	"{\"method\":\"$I.GetStatus\"}" \
	"{\"method\":\"$I.FlushRules\",\"parameters\":{\"owner\":\"a\"}}" \
	"{\"method\":\"$I.FlushRules\",\"parameters\":{}}" \
	"{\"method\":\"$I.ListRules\",\"parameters\":{\"owner\":null}}"
req conflict 0 0 0 \
	"{\"method\":\"$I.AddRules\",\"parameters\":{\"owner\":\"a\",\"rules\":[{\"protocol\":\"tcp\",\"destination\":\"192.0.2.1\",\"ports\":{\"low\":80},\"action\":\"tproxy\",\"tproxy_port\":1000}]}}" \
	"{\"method\":\"$I.AddRules\",\"parameters\":{\"owner\":\"b\",\"rules\":[{\"protocol\":\"tcp\",\"destination\":\"192.0.2.1\",\"ports\":{\"low\":80},\"action\":\"tproxy\",\"tproxy_port\":1001}]}}" \
	"{\"method\":\"$I.AddRules\",\"parameters\":{\"owner\":\"a\",\"rules\":[{\"protocol\":\"tcp\",\"destination\":\"192.0.2.1\",\"ports\":{\"low\":80},\"action\":\"tproxy\",\"tproxy_port\":1000}]}}"
req oneway 0 0 0 \
	"{\"method\":\"$I.AddRules\",\"oneway\":true,\"parameters\":{\"rules\":[{\"protocol\":\"udp\",\"destination\":\"10.9.0.0/16\",\"action\":\"deny\"}]}}" \
	"{\"method\":\"$I.FlushRules\",\"oneway\":true,\"more\":false}" \
	"{\"method\":\"$I.ListRules\",\"oneway\":false}"
req invalid_rules 0 0 0 \
	"{\"method\":\"$I.AddRules\",\"parameters\":{\"rules\":[{\"protocol\":\"tcp\",\"destination\":\"10.0.0.1/8\",\"action\":\"deny\"}]}}" \
	"{\"method\":\"$I.AddRules\",\"parameters\":{\"rules\":[{\"protocol\":\"sctp\",\"destination\":\"10.0.0.0/8\",\"action\":\"deny\"}]}}" \
	"{\"method\":\"$I.AddRules\",\"parameters\":{\"rules\":[{\"protocol\":\"tcp\",\"destination\":\"10.0.0.0/8\",\"ports\":{\"low\":9,\"high\":8},\"action\":\"tproxy\"}]}}" \
	"{\"method\":\"$I.AddRules\",\"parameters\":{\"rules\":[{\"protocol\":\"tcp\",\"destination\":\"10.0.0.0/8\",\"action\":\"pass\",\"tproxy_port\":5}]}}" \
	"{\"method\":\"$I.AddRules\",\"parameters\":{\"rules\":[{\"protocol\":\"tcp\",\"destination\":\"::/0\",\"source\":\"10.0.0.0/8\",\"action\":\"pass\",\"interfaces\":[\"this-name-is-too-long\"]}]}}" \
	"{\"method\":\"$I.AddRules\",\"parameters\":{\"owner\":\"bad owner!\",\"rules\":[]}}"
req bad_calls 0 0 0 \
	"{\"method\":\"$I.Nope\"}" \
	"{\"method\":42}" \
	"{\"parameters\":{}}" \
	"{\"method\":\"$I.ListRules\",\"parameters\":[]}" \
	"{\"method\":\"$I.ListRules\",\"more\":true}" \
	"{\"method\":\"$I.ListRules\",\"upgrade\":\"yes\"}" \
	"{\"method\":\"$I.ListRules\",\"parameters\":{\"colour\":\"blue\"}}" \
	"{\"method\":\"$I.ListRules\",\"method\":\"$I.GetStatus\"}" \
	"[1,2,3]" \
	"{\"method\":\"$S.GetInfo\"}"
req malformed 0 0 0 \
	"{\"method\":\"$S.GetInfo\"}" \
	"{\"method\":\"$I.AddRules\",\"parameters\":{\"rules\":[{"
printf '{"method":"%s.GetInfo"' "$S" >> corpus/request/malformed
req chunked_1 1 0 0 \
	"{\"method\":\"$I.AddRules\",\"parameters\":{\"rules\":[{\"protocol\":\"tcp\",\"destination\":\"203.0.113.0/24\",\"action\":\"deny\"}]}}" \
	"{\"method\":\"$I.ListRules\"}"
req chunked_7 7 0 0 \
	"{\"method\":\"$S.GetInfo\"}" "{\"method\":\"$I.GetStatus\"}" "{\"method\":\"$I.FlushRules\"}"
req fault_kernel 0 3 0 \
	"{\"method\":\"$I.AddRules\",\"parameters\":{\"rules\":[{\"protocol\":\"tcp\",\"destination\":\"10.0.0.0/8\",\"action\":\"deny\",\"interfaces\":[\"eth0\"]},{\"protocol\":\"tcp\",\"destination\":\"10.1.0.0/16\",\"action\":\"pass\"}]}}" \
	"{\"method\":\"$I.AddRules\",\"parameters\":{\"rules\":[{\"protocol\":\"tcp\",\"destination\":\"10.0.0.0/8\",\"action\":\"deny\",\"interfaces\":[\"eth0\"]}]}}" \
	"{\"method\":\"$I.ListRules\"}"
req fault_persist 0 129 0 \
	"{\"method\":\"$I.AddRules\",\"parameters\":{\"rules\":[{\"protocol\":\"udp\",\"destination\":\"2001:db8::/64\",\"action\":\"deny\"}]}}" \
	"{\"method\":\"$I.FlushRules\"}" \
	"{\"method\":\"$I.ListRules\"}"

# A 64-byte limit: the second message is over it, the daemon disconnects.
req too_long 16 0 4 \
	"{\"method\":\"$S.GetInfo\"}" \
	"{\"method\":\"$I.ListRules\",\"parameters\":{\"owner\":\"a-rather-long-owner-name\"}}" \
	"{\"method\":\"$S.GetInfo\"}"

# Seventeen rules on one (destination, source): one more than a leaf holds.
many=""
for p in $(seq 1 17); do
	many="$many{\"protocol\":\"tcp\",\"destination\":\"10.7.0.0/16\",\"ports\":{\"low\":$p},\"action\":\"deny\"},"
done
req capacity 0 0 0 \
	"{\"method\":\"$I.AddRules\",\"parameters\":{\"rules\":[${many%,}]}}" \
	"{\"method\":\"$I.GetStatus\"}"

# Configurations.
cfg() {
	printf '%s' "$2" > "corpus/config/$1"
}
cfg default '{"interfaces": []}'
cfg full '{
  "interfaces": [
    {"name": "eth0", "role": "internal", "default_action": "drop"},
    {"name": "eth1", "role": "external", "default_action": "pass"},
    {"name": "ziti*"},
    {"name": "lo", "default_action": "pass"}
  ],
  "socket": "/run/zfwd/zfwd.sock",
  "pin_root": "/sys/fs/bpf/zfwd",
  "state_dir": "/var/lib/zfwd",
  "tproxy": {"mark": 268435456, "mark_mask": 268435456, "table": 122, "rule_priority": 122},
  "limits": {"rules": 1024, "prefixes": 1024, "leaves": 2048, "max_message": 65536, "max_clients": 16}
}
'
cfg globs '{"interfaces": [{"name": "veth[0-9]*", "role": "external"}, {"name": "[!e]*"}, {"name": "*"}]}'
cfg bad_key '{"interfaces": [], "colour": "blue"}'
cfg bad_mark '{"tproxy": {"mark": 3, "mark_mask": 1}}'
cfg bad_role '{"interfaces": [{"name": "eth0", "role": "dmz"}]}'
cfg bad_limits '{"limits": {"rules": 0, "max_message": 12}}'
cfg bad_path '{"socket": "relative/path"}'
cfg duplicate '{"interfaces": [], "interfaces": []}'
cfg not_object '[]'
cfg truncated '{"interfaces": [{"name": "eth'
