# bash completion for netnsctl(8)                          -*- shell-script -*-
# Installed as netnsctl in bash-completion's completions directory, which
# loads it the first time `netnsctl <TAB>` is pressed. Needs bash-completion
# (>= 2.0) for _init_completion and _command_offset.
#
# Completes commands, options, namespace names (configs in the config
# directory and live namespaces in /run/netns), systemd units for join and
# unjoin, and, for exec, users, groups, capabilities and the command to run.

# The commands of netnsctl(8), in the order of `netnsctl --help`; the
# documentation test (tests/unit/test_docs.c) checks this list against the
# binary.
_netnsctl_commands="up down list status check exec ps join unjoin forward verify"

# The config directory in effect: --config-dir on the line, else
# $NETNSCTL_CONFIG_DIR, else /etc/netnsctl.
_netnsctl_config_dir()
{
	local i
	for ((i = 1; i < ${#words[@]} - 1; i++)); do
		case ${words[i]} in
		--config-dir) echo "${words[i + 1]}"; return;;
		--config-dir=*) echo "${words[i]#--config-dir=}"; return;;
		esac
	done
	echo "${NETNSCTL_CONFIG_DIR:-/etc/netnsctl}"
}

_netnsctl_configured()
{
	local dir f
	dir=$(_netnsctl_config_dir)
	for f in "$dir"/*.conf; do
		[[ -f $f ]] || continue
		f=${f##*/}
		printf '%s\n' "${f%.conf}"
	done
}

_netnsctl_live()
{
	local f
	for f in /run/netns/*; do
		[[ -e $f ]] && printf '%s\n' "${f##*/}"
	done
}

# _netnsctl_names [configured|live|all]
_netnsctl_names()
{
	local names
	case $1 in
	configured) names=$(_netnsctl_configured);;
	live) names=$(_netnsctl_live);;
	*) names=$( { _netnsctl_configured; _netnsctl_live; } | sort -u);;
	esac
	COMPREPLY+=($(compgen -W "$names" -- "$cur"))
}

# Service and socket units systemd knows (the only kinds that can join).
_netnsctl_units()
{
	local units
	units=$( { systemctl list-unit-files --no-legend --no-pager --type=service,socket 2>/dev/null |
		awk '{ print $1 }'
		systemctl list-units --all --no-legend --no-pager --plain --type=service,socket 2>/dev/null |
		awk '{ print $1 }'; } | grep -v -e '@\.' -e '^netns@' | sort -u)
	COMPREPLY+=($(compgen -W "$units" -- "$cur"))
}

# Units that `netnsctl join` put into a namespace.
_netnsctl_joined_units()
{
	local f units=""
	for f in "${NETNSCTL_SYSTEMD_DIR:-/etc/systemd/system}"/*.d/netnsctl-netns.conf; do
		[[ -f $f ]] || continue
		f=${f%/netnsctl-netns.conf}
		f=${f##*/}
		units+=" ${f%.d}"
	done
	COMPREPLY+=($(compgen -W "$units" -- "$cur"))
}

_netnsctl_caps()
{
	local caps="none audit_control audit_read audit_write block_suspend bpf checkpoint_restore
		chown dac_override dac_read_search fowner fsetid ipc_lock ipc_owner kill lease
		linux_immutable mac_admin mac_override mknod net_admin net_bind_service net_broadcast
		net_raw perfmon setfcap setgid setpcap setuid sys_admin sys_boot sys_chroot sys_module
		sys_nice sys_pacct sys_ptrace sys_rawio sys_resource sys_time sys_tty_config syslog
		wake_alarm"
	# a comma-separated list: complete the last element
	local prefix=""
	[[ $cur == *,* ]] && prefix=${cur%,*},
	COMPREPLY=($(compgen -P "$prefix" -W "$caps" -- "${cur##*,}"))
	[[ ${#COMPREPLY[@]} -gt 0 ]] && compopt -o nospace
}

# Complete the words after `netnsctl exec`: options, NAME, then the command
# and its arguments (handed to that command's own completion).
_netnsctl_exec()
{
	local i=$1 name="" w
	for ((; i < cword; i++)); do
		w=${words[i]}
		case $w in
		--) ((i++)); break;;
		-u|--user|-g|--group|--caps|-e|--env|--cwd) ((i++)); continue;;
		-*) continue;;
		esac
		if [[ -z $name ]]; then name=$w; else break; fi
	done
	if [[ -n $name && $i -lt $cword ]]; then
		_command_offset "$i"
		return
	fi
	case $prev in
	-u|--user) COMPREPLY=($(compgen -u -- "$cur")); return;;
	-g|--group) COMPREPLY=($(compgen -g -- "$cur")); return;;
	--caps) _netnsctl_caps; return;;
	--cwd) _filedir -d; return;;
	-e|--env) COMPREPLY=($(compgen -e -S = -- "$cur")); compopt -o nospace; return;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "--user --group --caps --no-new-privs --env --clearenv --cwd
			--remount-sys --no-remount-sys --help --" -- "$cur"))
	elif [[ -z $name ]]; then
		_netnsctl_names live
	else
		COMPREPLY=($(compgen -c -- "$cur"))
	fi
}

_netnsctl()
{
	local cur prev words cword split
	_init_completion -s -n = || return

	local i cmd="" cmd_i=0 operands=0
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--config-dir) ((i++));;
		-*) ;;
		*) cmd=${words[i]}; cmd_i=$i; break;;
		esac
	done

	if [[ -z $cmd ]]; then
		case $prev in
		--config-dir) _filedir -d; return;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--config-dir --help --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_netnsctl_commands" -- "$cur"))
		fi
		return
	fi

	if [[ $cmd == exec ]]; then
		_netnsctl_exec $((cmd_i + 1))
		return
	fi

	# --json=pretty and --json=short
	if [[ $prev == --json && $split ]] || [[ $cur == --json=* ]]; then
		cur=${cur#--json=}
		COMPREPLY=($(compgen -W "pretty short" -- "$cur"))
		return
	fi

	for ((i = cmd_i + 1; i < cword; i++)); do
		[[ ${words[i]} == -* ]] || ((operands++))
	done

	local opts="--help"
	case $cmd in
	up) opts+=" --quiet";;
	down) opts+=" --force --quiet";;
	list|status|ps) opts+=" --json --json=pretty";;
	join|unjoin) opts+=" --reload";;
	verify) opts+=" --json --disruptive";;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		[[ ${COMPREPLY[*]} == *= ]] && compopt -o nospace
		return
	fi

	case $cmd in
	up) _netnsctl_names configured;;
	down|forward|verify) _netnsctl_names all;;
	status|ps)
		((operands == 0)) && _netnsctl_names "$([[ $cmd == ps ]] && echo live || echo all)";;
	check)
		_netnsctl_names configured
		_filedir conf;;
	join)
		if ((operands == 0)); then _netnsctl_units; elif ((operands == 1)); then _netnsctl_names configured; fi;;
	unjoin)
		((operands == 0)) && _netnsctl_joined_units;;
	esac
} &&
	complete -F _netnsctl netnsctl

# ex: filetype=sh
