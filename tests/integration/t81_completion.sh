#!/usr/bin/env bash
# t81: bash completion (completion/netnsctl.bash) offers the commands of the
# binary under test, its options, the namespace names that are configured
# in the config directory in effect and that are live in /run/netns, the
# units `netnsctl join` put into namespaces, and for exec users,
# capabilities and the command to run (handed to that command's own
# completion).
#
#   $CFG/$P{web,db}.conf          configured, not up
#   /run/netns/$P{live}           made by `ip netns add`, not configured
#   /run/netns/$HOST              the test's host namespace (live too)
#   $T/sd/t81-app.service.d/      written by `netnsctl join t81-app $P web`
#
# The completion runs in a bash with bash-completion loaded, as an
# interactive shell would have it; `comp LINE` completes at the end of LINE.
source "$(dirname "$0")/lib.sh"
setup_world
T=$(mktemp -d /tmp/nct-t81.XXXXXX)
trap 'teardown_world; rm -rf "$T"' EXIT

BC=/usr/share/bash-completion/bash_completion
if [ ! -r "$BC" ]; then
	not_ok "bash-completion is installed ($BC; apt-get install bash-completion)"
	done_testing
	exit 1
fi

conf web <<<'[Link]
Kind=veth'
conf db <<<''
run ip netns add "${P}live"
mkdir -m 0755 "$T/sd"
export NETNSCTL_SYSTEMD_DIR="$T/sd"
nctl join t81-app "${P}web" >/dev/null

# comp LINE: the sorted, space-separated completions for LINE, as readline
# would ask for them (it splits words at '=' too).
comp() {
	NETNSCTL_CONFIG_DIR="${COMP_CFG:-}" bash --norc --noprofile -c '
		source "$1"; source "$2"
		compopt() { :; }   # only valid while readline completes
		line=$3
		read -ra words <<<"$line"
		[[ $line == *" " ]] && words+=("")
		COMP_WORDS=()
		for w in "${words[@]}"; do
			if [[ $w == --*=* ]]; then COMP_WORDS+=("${w%%=*}" "=" "${w#*=}"); else COMP_WORDS+=("$w"); fi
		done
		COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
		COMP_LINE=$line COMP_POINT=${#line}
		_netnsctl netnsctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort -u | grep . | tr "\n" " " | sed "s/ $//"
	' t81 "$BC" "$ROOT/completion/netnsctl.bash" "$1" 2>&1
}

# ---- commands and global options ------------------------------------------------
want=$("$NETNSCTL" --help | awk '/^Commands:/ { f = 1; next } /^$/ { f = 0 } f { print $1 }' | sort | tr '\n' ' ')
is "$(comp "netnsctl ")" "${want% }" "'netnsctl <TAB>' offers exactly the commands of --help"
is "$(comp "netnsctl st")" "status" "'netnsctl st<TAB>' completes status"
is "$(comp "netnsctl --")" "--config-dir --help --version" "global options"
is "$(comp "netnsctl --config-dir $CFG l")" "list" "a command after --config-dir DIR"

# ---- namespace names ----------------------------------------------------------------
is "$(comp "netnsctl --config-dir $CFG up $P")" "${P}db ${P}web" "up: the configured names (from --config-dir)"
is "$(COMP_CFG=$CFG comp "netnsctl up $P")" "${P}db ${P}web" "up: the configured names (from \$NETNSCTL_CONFIG_DIR)"
is "$(comp "netnsctl --config-dir=$CFG up $P")" "${P}db ${P}web" "up: the configured names (from --config-dir=DIR)"
is "$(comp "netnsctl --config-dir $CFG up ${P}w")" "${P}web" "up: a prefix narrows it"
is "$(comp "netnsctl --config-dir $CFG status $P")" "${P}H ${P}db ${P}live ${P}web" \
	"status: configured and live names"
is "$(comp "netnsctl --config-dir $CFG status ${P}web ")" "" "status: one name only"
is "$(comp "netnsctl --config-dir $CFG down $P")" "${P}H ${P}db ${P}live ${P}web" "down: configured and live names"
is "$(comp "netnsctl --config-dir $CFG ps $P")" "${P}H ${P}live" "ps: live names"
is "$(comp "netnsctl --config-dir $CFG exec $P")" "${P}H ${P}live" "exec: live names"
like "$(comp "netnsctl --config-dir $CFG check $P")" "${P}db ${P}web" "check: configured names"
is "$(comp "netnsctl --config-dir /nonexistent up $P")" "" "a missing config directory gives nothing, quietly"

# ---- options ------------------------------------------------------------------------
is "$(comp "netnsctl up --")" "--help --quiet" "up: options"
is "$(comp "netnsctl down --")" "--force --help --quiet" "down: options"
is "$(comp "netnsctl list --")" "--help --json --json=pretty" "list: options"
is "$(comp "netnsctl list --json=")" "pretty short" "--json=<TAB>: pretty short"
is "$(comp "netnsctl status --json=p")" "pretty" "--json=p<TAB>: pretty"
is "$(comp "netnsctl join --")" "--help --reload" "join: options"
is "$(comp "netnsctl verify --")" "--disruptive --help --json" "verify: options"

# ---- exec -----------------------------------------------------------------------------
opts=$("$NETNSCTL" exec --help | grep -oE -- '--[a-z-]+' | sort -u | tr '\n' ' ')
is "$(comp "netnsctl exec ${P}live --")" "-- ${opts% }" "exec: every option of 'exec --help'"
like "$(comp "netnsctl exec ${P}live --user ro")" "(^| )root( |$)" "exec --user: user names"
like "$(comp "netnsctl exec ${P}live -g ro")" "(^| )root( |$)" "exec -g: group names"
is "$(comp "netnsctl exec ${P}live --caps net_b")" "net_bind_service net_broadcast" "exec --caps: capability names"
is "$(comp "netnsctl exec ${P}live --caps net_raw,net_b")" "net_raw,net_bind_service net_raw,net_broadcast" \
	"exec --caps: the next element of a list"
like "$(comp "netnsctl exec ${P}live ech")" "(^| )echo( |$)" "exec NAME: the command to run"
like "$(comp "netnsctl exec ${P}live --user root -- ech")" "(^| )echo( |$)" "exec NAME OPTIONS --: the command to run"
like "$(comp "netnsctl exec ${P}live ls --al")" "--all" "exec NAME CMD: CMD's own completion (ls --all)"

# ---- join / unjoin ----------------------------------------------------------------------
is "$(comp "netnsctl --config-dir $CFG join t81-app.service $P")" "${P}db ${P}web" "join UNIT: configured names"
is "$(comp "netnsctl --config-dir $CFG join t81-app.service ${P}web ")" "" "join UNIT NAME: nothing more"
is "$(comp "netnsctl unjoin ")" "t81-app.service" "unjoin: the units 'netnsctl join' put into a namespace"
done_testing
