#!/bin/busybox sh
# SPDX-License-Identifier: MIT
# cypress.ko under Cypress: load it, then check discovery, power, a lease, SA upcalls and
# VCPU-Bal through its sysfs files; one verdict line.
# Environment: busybox sh in the Linux test guest, run by tests/linux/init (rule 4) as root,
# after its own checks; /lib/cypress/cypress.ko beside it (guest-abi/linux/module.mk).
#
# Rules (what a reviewer can check against the code and the console):
# 1. Each check prints one "cylinux-pv: ..." line; the script ends with exactly one
#    "cylinux-pv: result SUCCESS" (exit 0) or "cylinux-pv: result FAILURE (first
#    problem)" (exit 1). It prints no VERDICT line: a partition prints one, and
#    tests/linux/init's verdict is FAILURE when this script's exit status is not 0.
# 2. Kernel command-line words steer it: cypress.sa_limit_us=US (insmod's sa_limit_us),
#    cypress.peer=KERNEL (the boot module a ballooned peer partition runs; without it,
#    or when the partition is not ballooned, the balloon check is skipped and says so),
#    cypress.lease=0 (skip the lease check: the machine has no fast core).
# 3. Waits poll with short sleeps and a bound: Linux in Bochs is slow, and a hung check
#    must end in a FAILURE line, not in the suite's time limit.
# 4. The module is unloaded at the end (rmmod): the exit path restores smp_ops.play_dead,
#    frees the vector and stops the shared area, and the guest must survive it.

H=/sys/hypervisor/cypress
C=/sys/devices/system/cpu
fail=""

say() { echo "cylinux-pv: $*"; }
# Remember the first problem only: one verdict line, one reason.
problem() {
	say "problem: $1"
	[ -n "$fail" ] || fail=$1
}

# The value after KEY in the one-line file $1 ("key value key value ...").
field() {
	local want=$2 k v
	set -- $(cat "$1" 2>/dev/null)
	while [ $# -ge 2 ]; do
		k=$1 v=$2
		shift 2
		[ "$k" = "$want" ] && echo "$v" && return 0
	done
	echo ""
}

# Wait until the command "$@" succeeds, polling every 0.2 s for at most $WAIT_S seconds.
waitfor() {
	local n=0
	while ! "$@"; do
		n=$((n + 1))
		[ "$n" -lt $((WAIT_S * 5)) ] || return 1
		sleep 0.2
	done
}
WAIT_S=60

# The exit status tells tests/linux/init too (its rule 4): 0 only with SUCCESS.
verdict() {
	if [ -z "$fail" ]; then
		echo "cylinux-pv: result SUCCESS"
		exit 0
	fi
	echo "cylinux-pv: result FAILURE ($fail)"
	exit 1
}

sa_limit="" peer="" lease=1
for w in $(cat /proc/cmdline); do
	case $w in
	cypress.sa_limit_us=*) sa_limit=${w#*=} ;;
	cypress.peer=*) peer=${w#*=} ;;
	cypress.lease=*) lease=${w#*=} ;;
	esac
done

# ---- load
if ! insmod /lib/cypress/cypress.ko ${sa_limit:+sa_limit_us=$sa_limit}; then
	problem "insmod cypress.ko failed"
	dmesg | grep 'cypress:' | while read -r l; do say "dmesg: $l"; done
	verdict
fi
abi=$(cat $H/abi)
say "loaded: abi $abi, vector $(cat $H/vector)"

# ---- discovery: the machine description and each CPU's core
ncpu=$(nproc)
nv=0
while read -r line; do
	say "machine: $line"
	case $line in vcpu\ *) nv=$((nv + 1)) ;; esac
done <$H/machine
[ "$nv" -ge "$ncpu" ] || problem "machine lists $nv vcpus, $ncpu online"
grep -q '^cores [0-9]' $H/machine || grep -q '^cores not permitted' $H/machine ||
	problem "machine has no cores line"
for d in $C/cpu[0-9]*; do
	[ -d "$d/cypress" ] || continue
	cpu=${d##*/cpu}
	cls=$(cat "$d/cypress/class" 2>/dev/null)
	say "cpu $cpu: vcpu $(cat "$d/cypress/vcpu") on cpu $(cat "$d/cypress/cpu") class $cls" \
		"capacity $(cat "$d/cypress/capacity") watts $(cat "$d/cypress/watts")"
	case $cls in slow | fast | accel) ;; *) problem "cpu $cpu: class '$cls'" ;; esac
done

# ---- power: read, set within [draw, limit], refuse below the draw, restore
budget=$(field $H/power budget_w)
limit=$(field $H/power limit_w)
draw=$(field $H/power draw_w)
say "power: budget $budget W, limit $limit W, draw $draw W"
if [ -z "$budget" ]; then
	problem "power: no budget_w in $H/power"
elif [ "$limit" -gt 0 ]; then
	if echo "$limit" >$H/power && [ "$(field $H/power budget_w)" = "$limit" ]; then
		say "power: budget set to $limit W"
	else
		problem "power: setting $limit W was refused"
	fi
	if [ "$draw" -gt 1 ] && echo $((draw - 1)) >$H/power 2>/dev/null; then
		problem "power: a budget below the draw was accepted"
	else
		say "power: $((draw - 1)) W below the draw refused"
	fi
	[ "$budget" -gt 0 ] && echo "$budget" >$H/power
else
	say "power: no limit in the manifest, nothing to set"
fi

# ---- SA: keep every vCPU busy (one unpinned loop each, so the task an upcall finds
# may move), move vCPU 1 to vCPU 0's core and back (VCPU_MOVE): each move brings an
# upcall first and a core notice after.
busy=""
if [ "$ncpu" -ge 2 ]; then
	i=0
	while [ "$i" -lt "$ncpu" ]; do
		sh -c 'while :; do :; done' &
		busy="$busy $!"
		i=$((i + 1))
	done
	m0=$(cat $C/cpu1/cypress/moves)
	# Guest time in Bochs runs ~100x slower than the wall: wait for each move, no longer.
	moved1() { [ "$(cat $C/cpu1/cypress/moves)" -ge $((m0 + 1)) ]; }
	moved2() { [ "$(cat $C/cpu1/cypress/moves)" -ge $((m0 + 2)) ]; }
	if ! echo 0 >$C/cpu1/cypress/move; then
		problem "sa: VCPU_MOVE of vcpu 1 to core index 0 refused"
	elif ! waitfor moved1; then
		problem "sa: vcpu 1 did not move (moves $m0 -> $(cat $C/cpu1/cypress/moves))"
	elif ! echo 1 >$C/cpu1/cypress/move; then
		problem "sa: VCPU_MOVE of vcpu 1 back to core index 1 refused"
	elif ! waitfor moved2; then
		problem "sa: vcpu 1 did not move back (moves $m0 -> $(cat $C/cpu1/cypress/moves))"
	fi
	say "sa: cpu 1 $(cat $C/cpu1/cypress/counters)"
fi
# A lease (below) moves vCPU 0 twice more: the upcall check comes after it.

# ---- lease: vCPU 0 asks for a fast core for 300 ms, sees it in sysfs, then it expires.
if [ "$lease" = 1 ]; then
	L=$C/cpu0/cypress/lease
	if echo "request 300" >$L; then
		state=$(cat $L)
		say "lease: granted: $state"
		case $state in held\ cpu\ *) ;; *) problem "lease: granted but sysfs says '$state'" ;; esac
		ended() { grep -q '^none' $L; }
		if waitfor ended; then
			say "lease: expired: $(cat $L); events: $(cat $H/events)"
			[ "$(field $H/events lease_ended)" -ge 1 ] || problem "lease: no CY_EV_LEASE_ENDED seen"
		else
			problem "lease: still held after ${WAIT_S}s: $(cat $L)"
		fi
	else
		problem "lease: request refused: $(cat $L)"
	fi
else
	say "lease: skipped (cypress.lease=0)"
fi

acked() { [ "$(field $H/sa acks)" -ge 1 ]; }
waitfor acked
say "sa: $(cat $H/sa)"
[ -z "$busy" ] || kill $busy
if [ "$(field $H/sa registered)" != 1 ]; then
	problem "sa: SA_REGISTER failed"
elif [ "$(field $H/sa upcalls)" -lt 1 ]; then
	problem "sa: no upcall came"
elif [ "$(field $H/sa acks)" -lt 1 ]; then
	problem "sa: no upcall was acknowledged before the hard limit"
fi

# ---- VCPU-Bal: a ballooned peer arrives (the target drops, Linux offlines CPUs and
# acks), then it is destroyed (the target rises, Linux onlines them and acks).
target=$(field $H/balloon target)
if [ -z "$peer" ] || [ "${target:-0}" = 0 ]; then
	say "balloon: skipped (peer '${peer}', target ${target:-none})"
else
	n0=$(nproc)
	say "balloon: target $target, $n0 online"
	printf '[partition peer]\ncores = 1\nmemory = 16M\nkernel = %s\nvcpus = 4\nweight = 2\nballoon = yes\ncmdline = "peer peer_ms=600000"\n' \
		"$peer" >$H/part_create
	id=$(cat $H/part_last)
	say "balloon: peer partition created: $id"
	if [ "$id" -lt 0 ]; then
		problem "balloon: PART_CREATE of the peer: $id"
	else
		shrunk() {
			[ "$(nproc)" -lt "$n0" ] &&
				[ "$(field $H/balloon acked_seq)" = "$(field $H/balloon seq)" ]
		}
		if waitfor shrunk; then
			say "balloon: peer came: target $(field $H/balloon target), $(nproc) online," \
				"seq $(field $H/balloon seq) acked"
		else
			problem "balloon: no shrink followed: $(head -n 1 $H/balloon)"
		fi
		echo "$id" >$H/part_destroy || problem "balloon: PART_DESTROY($id) refused"
		grown() {
			[ "$(nproc)" -eq "$n0" ] &&
				[ "$(field $H/balloon acked_seq)" = "$(field $H/balloon seq)" ]
		}
		if waitfor grown; then
			say "balloon: peer left: target $(field $H/balloon target), $(nproc) online," \
				"seq $(field $H/balloon seq) acked"
		else
			problem "balloon: no growth followed: $(head -n 1 $H/balloon)"
		fi
	fi
	while read -r line; do say "balloon: $line"; done <$H/balloon
fi

# ---- unload (rule 4)
dmesg | grep 'cypress:' | while read -r l; do say "dmesg: $l"; done
if rmmod cypress; then
	say "unloaded"
else
	problem "rmmod cypress failed"
fi
verdict
