# bash completion for zfwctl(8), and for zfw, its zfw compatibility link.
# Installed as share/bash-completion/completions/zfwctl (and zfw, a link).
# Self-contained: works with or without the bash-completion package.
#
# Interface names, owners and methods come from the daemon when it answers
# (zfwctl -j ...), otherwise from the local system and a built-in list.
# tests/packaging checks that every command and long option of
# clients/zfwctl is known here.

# shellcheck shell=bash

_zfwctl_commands="status metrics monitor rule iface call zfw"
_zfwctl_rule_subcommands="add del list flush sync validate"
_zfwctl_iface_subcommands="list set"
_zfwctl_methods="GetStatus AddRules SyncRules Validate RemoveRules ListRules
FlushRules ListInterfaces SetInterface GetMetrics Monitor
org.varlink.service.GetInfo org.varlink.service.GetInterfaceDescription"

# Long options per command (those taking a value end with "=" here; the
# "=" is dropped before completing).
_zfwctl_opts_global="--socket= --json --help"
_zfwctl_opts_rule_add="--proto= --dst= --src= --ports= --tproxy= --pass --deny
--iface= --service-id= --service-name= --owner="
_zfwctl_opts_rule_del="--proto= --dst= --src= --ports= --iface= --service-id=
--owner= --ignore-missing"
_zfwctl_opts_rule_list="--owner="
_zfwctl_opts_rule_flush="--owner="
_zfwctl_opts_rule_sync="--owner="
_zfwctl_opts_rule_validate="--owner="
_zfwctl_opts_iface_set="--role= --default= --icmp-echo= --ssh= --ipv6= --egress=
--events= --reset"
_zfwctl_opts_monitor="--iface= --type= --service-id= --count="
_zfwctl_opts_metrics="--rules"
_zfwctl_opts_zfw="--insert --delete --flush --list --version --dcidr-block=
--dprefix-len= --ocidr-block= --oprefix-len= --low-port= --high-port=
--protocol= --tproxy-port= --service-id= --interface="
_zfwctl_shortopts_zfw="-I -D -F -L -V -c -m -o -n -l -h -p -t -s -N"

# Runs zfwctl (the one being completed) with the socket given on the
# command line; quiet, and bounded in time so a hung daemon never hangs
# the shell.
_zfwctl_run() {
	local to=()
	command -v timeout >/dev/null 2>&1 && to=(timeout 2)
	if [ -n "$_zfwctl_socket" ]; then
		"${to[@]}" "$_zfwctl_bin" -s "$_zfwctl_socket" "$@" 2>/dev/null
	else
		"${to[@]}" "$_zfwctl_bin" "$@" 2>/dev/null
	fi
}

# Interface names: the daemon's managed ones, else the system's.
_zfwctl_ifaces() {
	local names
	names=$(_zfwctl_run -j iface list |
		sed -n 's/^ *"name": "\([^"]*\)".*/\1/p')
	if [ -z "$names" ] && [ -d /sys/class/net ]; then
		names=$(command ls /sys/class/net 2>/dev/null)
	fi
	printf '%s\n' "$names"
}

_zfwctl_owners() {
	{
		_zfwctl_run -j status | sed -n 's/^ *"owner": "\([^"]*\)".*/\1/p'
		printf '%s\n' local
	} | sort -u
}

# Method names: the daemon's IDL when it answers, else the built-in list.
_zfwctl_method_names() {
	local idl
	idl=$(_zfwctl_run call org.varlink.service.GetInterfaceDescription \
		'{"interface": "io.openziti.zfwd"}' |
		sed -n 's/.*"description": "\(.*\)".*/\1/p' | sed 's/\\n/\n/g' |
		sed -n 's/^method \([A-Za-z0-9_]*\).*/\1/p')
	if [ -n "$idl" ]; then
		# shellcheck disable=SC2086 # one word per name
		printf '%s\n' $idl org.varlink.service.GetInfo \
			org.varlink.service.GetInterfaceDescription
	else
		# shellcheck disable=SC2086
		printf '%s\n' $_zfwctl_methods
	fi
}

# Options of a command the lists above do not know (a newer zfwctl): read
# from the usage zfwctl --help prints, which never contacts the daemon.
_zfwctl_help_opts() {
	local cmd=$1
	"$_zfwctl_bin" --help 2>/dev/null |
		awk -v c="$cmd" '
			/^  [a-z]/ { on = (index($0, "  " c " ") == 1 || $0 == "  " c) }
			on { print }' |
		grep -o -- '--[a-z][a-z-]*' | sort -u
}

# Sets COMPREPLY to the words of $1 that start with $cur.
_zfwctl_words() {
	mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur")
}

_zfwctl_files() {
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	command -v compopt >/dev/null 2>&1 && compopt -o filenames 2>/dev/null
}

# Value of option $1 (without "=") within command $2, or return 1.
_zfwctl_value() {
	case $1 in
	--proto | --protocol | -p) _zfwctl_words "tcp udp" ;;
	--role) _zfwctl_words "internal external" ;;
	--default) _zfwctl_words "drop pass" ;;
	--type) _zfwctl_words "intercept drop interface" ;;
	--icmp-echo | --ssh | --ipv6 | --egress | --events) _zfwctl_words "on off" ;;
	--iface | --interface | -N) _zfwctl_words "$(_zfwctl_ifaces)" ;;
	--owner) _zfwctl_words "$(_zfwctl_owners)" ;;
	--socket | -s) _zfwctl_files ;;
	--dst | --src | --ports | --tproxy | --service-id | --service-name | --count | \
		--dcidr-block | -c | --dprefix-len | -m | --ocidr-block | -o | \
		--oprefix-len | -n | --low-port | -l | --high-port | -h | \
		--tproxy-port | -t)
		COMPREPLY=() ;;
	*) return 1 ;;
	esac
	return 0
}

_zfwctl_opts_of() {
	local list=$1
	# shellcheck disable=SC2086 # one word per option
	printf '%s\n' ${list//=/}
}

# zfw compatibility mode: zfw's own options.
_zfwctl_zfw() {
	case $prev in
	-s | --service-id) COMPREPLY=(); return ;;
	-c | -m | -o | -n | -l | -h | -p | -t | -N | --dcidr-block | --dprefix-len | \
		--ocidr-block | --oprefix-len | --low-port | --high-port | --protocol | \
		--tproxy-port | --interface)
		_zfwctl_value "$prev"
		return ;;
	esac
	if [[ $cur == --* ]]; then
		_zfwctl_words "$(_zfwctl_opts_of "$_zfwctl_opts_zfw")"
	else
		_zfwctl_words "$_zfwctl_shortopts_zfw $(_zfwctl_opts_of "$_zfwctl_opts_zfw")"
	fi
}

_zfwctl() {
	local cur prev i cmd sub opts
	local _zfwctl_socket='' _zfwctl_bin
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
	# bash splits --opt=value at "=" (COMP_WORDBREAKS): --opt = value.
	if [ "$cur" = = ]; then
		cur=
	elif [ "$prev" = = ] && [ "$COMP_CWORD" -gt 1 ]; then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	fi

	_zfwctl_bin=${COMP_WORDS[0]}
	# Called as zfw: the command line is zfw's; ask zfwctl next to it.
	if [ "${_zfwctl_bin##*/}" = zfw ]; then
		_zfwctl_bin=${_zfwctl_bin%zfw}zfwctl
		_zfwctl_zfw
		return 0
	fi

	# Global options, up to the command.
	i=1
	while [ "$i" -lt "$COMP_CWORD" ]; do
		case ${COMP_WORDS[i]} in
		-s | --socket)
			if [ "${COMP_WORDS[i + 1]}" = = ]; then
				_zfwctl_socket=${COMP_WORDS[i + 2]}
				i=$((i + 3))
			else
				_zfwctl_socket=${COMP_WORDS[i + 1]}
				i=$((i + 2))
			fi
			continue ;;
		--socket=*) _zfwctl_socket=${COMP_WORDS[i]#--socket=} ;;
		-j | --json | -h | --help) ;;
		-*) ;;
		*) break ;;
		esac
		i=$((i + 1))
	done
	if [ "$i" -ge "$COMP_CWORD" ]; then
		case $prev in
		-s | --socket) _zfwctl_files; return 0 ;;
		esac
		if [[ $cur == -* ]]; then
			_zfwctl_words "-s -j -h $(_zfwctl_opts_of "$_zfwctl_opts_global")"
		else
			_zfwctl_words "$_zfwctl_commands"
		fi
		return 0
	fi

	cmd=${COMP_WORDS[i]}
	sub=
	case $cmd in
	rule | iface)
		if [ $((i + 1)) -ge "$COMP_CWORD" ]; then
			if [ "$cmd" = rule ]; then
				_zfwctl_words "$_zfwctl_rule_subcommands"
			else
				_zfwctl_words "$_zfwctl_iface_subcommands"
			fi
			return 0
		fi
		sub=${COMP_WORDS[i + 1]}
		;;
	zfw)
		_zfwctl_zfw
		return 0 ;;
	call)
		if [ $((i + 1)) -ge "$COMP_CWORD" ]; then
			_zfwctl_words "$(_zfwctl_method_names)"
		elif [ $((i + 2)) -ge "$COMP_CWORD" ]; then
			_zfwctl_words "- {}"
		fi
		return 0 ;;
	esac

	case $cmd${sub:+_$sub} in
	rule_add) opts=$_zfwctl_opts_rule_add ;;
	rule_del) opts=$_zfwctl_opts_rule_del ;;
	rule_list) opts=$_zfwctl_opts_rule_list ;;
	rule_flush) opts=$_zfwctl_opts_rule_flush ;;
	rule_sync) opts=$_zfwctl_opts_rule_sync ;;
	rule_validate) opts=$_zfwctl_opts_rule_validate ;;
	iface_set) opts=$_zfwctl_opts_iface_set ;;
	monitor) opts=$_zfwctl_opts_monitor ;;
	metrics) opts=$_zfwctl_opts_metrics ;;
	iface_list | status) opts= ;;
	*)
		# Commands newer than this file.
		opts=$(_zfwctl_help_opts "$cmd${sub:+ $sub}") ;;
	esac

	# --opt=value
	if [[ $cur == --*=* ]]; then
		local o=${cur%%=*}
		cur=${cur#*=}
		_zfwctl_value "$o" || COMPREPLY=()
		return 0
	fi
	# --opt value (options without a value are not in _zfwctl_value)
	if [[ $prev == --* ]] && _zfwctl_value "$prev"; then
		return 0
	fi
	if [[ $cur == -* ]]; then
		_zfwctl_words "$(_zfwctl_opts_of "$opts")"
		return 0
	fi
	# Positional arguments.
	case $cmd${sub:+_$sub} in
	iface_list | iface_set)
		# One NAME, the first positional word.
		local j=$((i + 2)) seen=0
		while [ "$j" -lt "$COMP_CWORD" ]; do
			case ${COMP_WORDS[j]} in
			--reset) ;;
			--*)
				j=$((j + 1))
				[ "${COMP_WORDS[j]}" = = ] && j=$((j + 1)) ;;
			*) seen=1 ;;
			esac
			j=$((j + 1))
		done
		[ "$seen" -eq 0 ] && _zfwctl_words "$(_zfwctl_ifaces)"
		;;
	rule_sync | rule_validate)
		_zfwctl_files
		[ -z "$cur" ] || [ "$cur" = - ] && COMPREPLY+=(-)
		;;
	esac
	return 0
}

complete -F _zfwctl zfwctl zfw
