#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# guest-tests.sh ALLOW DENY [LIMIT [WHOLE [NOJIT [HARDEN [FUZZ]]]]]: run inside the VM from the
# selftests output directory.  test_progs on the comma-separated ALLOW list
# (empty: every test, as 'make baseline' runs it) minus DENY, first in
# parallel, one worker a CPU (test_progs still runs its serial_test_* tests
# alone), killed if it takes more than WHOLE seconds (default 1500); then
# each test that did not pass there (failed, or no result because the run
# was killed) once more, alone, in a test_progs of its own killed after
# LIMIT seconds (default 300) and then reported as failed: a test that hangs
# cannot stop the run, and is named.  Then the whole test_verifier.  Then,
# with the JIT off (net.core.bpf_jit_enable=0), the test_progs tests of the
# comma-separated NOJIT list (suite test_progs-nojit); with the JIT on and
# every program's constants blinded (net.core.bpf_jit_harden=2), those of
# the HARDEN list (suite test_progs-harden).  Then the modules that
# kfunc-enforce.sh left in the directory (suite modules).  Then, FUZZ
# greater than 0, pe-fuzz's random programs of generated code, seeds 1 to
# FUZZ in each of its modes (suite fuzz: one result per mode).  Each
# suite is introduced by a marker line that results.awk reads; test_progs'
# lines are also written, time-stamped, to the job directory (progs.times).
# Exits non-zero if a suite failed.
allow=$1
deny=$2
# The job directory, shared with the host (guest-init.sh); another for
# the harness self-test (tests/gate.sh).
job=${KFS_GUEST_JOB:-/run/kfsjob}
rc=0

ulimit -l unlimited 2>/dev/null || true

# stamp: copy stdin to stdout, and each line with the time to progs.times.
stamp() {
	local l

	while IFS= read -r l; do
		printf '%s\n' "$l"
		printf '%s %s\n' "$EPOCHREALTIME" "$l" >>"$job/progs.times"
	done
}

# kernel.unprivileged_bpf_disabled stays at Debian's default (2), so
# test_verifier skips its unprivileged (/u) runs: with it at 0, six of them
# fail on the base 6.1.192 itself (their expected messages predate a stable
# backport), and test_verifier has no denylist.
echo "=== kfs suite: test_progs"
limit=${3:-300}
whole=${4:-1500}
sel=(${allow:+-a "$allow"} ${deny:+-d "$deny"})
./test_progs -l "${sel[@]}" >"$job/progs.list" || rc=1
# stdbuf -oL: test_progs' stdout is a pipe here, which stdio fills 4 KiB
# at a time; line by line, progs.times says when each test ended, and the
# last lines before a kill name the test that was running.
timeout -k 10 "$whole" stdbuf -oL ./test_progs -j"$(nproc)" "${sel[@]}" \
	</dev/null |
	stamp | tee "$job/progs.parallel"
[ "${PIPESTATUS[0]}" -lt 124 ] ||
	echo "kfs: the parallel run was killed after ${whole}s"

# Each listed test without a passing or skipped result, alone.
grep -E '^#[0-9]+ +[^ /]+:(OK|SKIP)$' "$job/progs.parallel" |
	sed -E 's/^#[0-9]+ +//; s/:[A-Z]+$//' >"$job/progs.done"
grep -vxF -f "$job/progs.done" "$job/progs.list" >"$job/progs.retry" || true
echo "=== kfs suite: test_progs-serial"
while IFS= read -r t; do
	# A test that a kill cut short (the parallel run's, or one here)
	# leaves its network namespaces, on which it then fails alone
	# ("Cannot create namespace file \"/run/netns/synproxy\": File
	# exists"): each runs in a guest without any.
	ip -all netns delete </dev/null 2>/dev/null || true
	echo "kfs: $t started" | stamp >/dev/null
	timeout -k 10 "$limit" stdbuf -oL ./test_progs -a "$t" ${deny:+-d "$deny"} \
		</dev/null | stamp | grep -v '^Summary: '
	trc=${PIPESTATUS[0]}
	echo "kfs: $t ended $trc" | stamp >/dev/null
	case "$trc" in
	124|137) echo "#0 $t:FAIL"
		 echo "kfs: $t killed after ${limit}s" ;;
	esac
	if [ "$trc" -ne 0 ]; then
		echo "kfs: $t failed alone too"
		rc=1
	fi
done <"$job/progs.retry"
echo "kfs: per-test runs done"
echo "=== kfs suite: test_verifier"
./test_verifier || rc=1
nojit=${5:-}
if [ -n "$nojit" ]; then
	echo "=== kfs suite: test_progs-nojit"
	jit=/proc/sys/net/core/bpf_jit_enable
	old=$(cat "$jit")
	if echo 0 >"$jit"; then
		./test_progs -a "$nojit" ${deny:+-d "$deny"} </dev/null || rc=1
		echo "$old" >"$jit"
	else
		echo "kfs: cannot switch the JIT off ($jit)"
		rc=1
	fi
fi
harden=${6:-}
if [ -n "$harden" ]; then
	echo "=== kfs suite: test_progs-harden"
	hard=/proc/sys/net/core/bpf_jit_harden
	old=$(cat "$hard")
	if echo 2 >"$hard"; then
		./test_progs -a "$harden" ${deny:+-d "$deny"} </dev/null || rc=1
		echo "$old" >"$hard"
	else
		echo "kfs: cannot blind constants ($hard)"
		rc=1
	fi
fi
# Modules that kfunc-enforce.sh built for the VM.  kfs_unrewritten: a
# KF_IMPLICIT_ARGS kfunc set whose BTF was not rewritten; registering it
# must fail, naming the kfunc.
if [ -f kfs_unrewritten.ko ]; then
	echo "=== kfs suite: modules"
	want="kfunc kfs_unrewritten_fn (BTF id [0-9]*) of kfs_unrewritten: KF_IMPLICIT_ARGS, but BTF has no kfs_unrewritten_fn_impl"
	r=FAIL
	if insmod ./kfs_unrewritten.ko 2>"$job/insmod.err"; then
		echo "kfs: kfs_unrewritten.ko loaded; its set was not refused"
		rmmod kfs_unrewritten
	elif dmesg | grep "$want" >/dev/null; then
		r=OK
	else
		echo "kfs: kfs_unrewritten.ko refused, but not for its kfunc:"
		cat "$job/insmod.err"
		dmesg | tail -n 5
	fi
	echo "#1 kfs_unrewritten_refused:$r"
	[ "$r" = OK ] || rc=1
	echo "kfs: modules done"
fi
fuzz=${7:-0}
if [ "$fuzz" -gt 0 ]; then
	echo "=== kfs suite: fuzz"
	if [ ! -x ./pe-fuzz ]; then
		echo "kfs: no ./pe-fuzz (fuzz.sh --compile builds it)"
		echo "#1 pe-fuzz:FAIL"
		rc=1
	else
		frc=0
		./pe-fuzz 1 "$fuzz" </dev/null >"$job/fuzz.out" 2>&1 || frc=$?
		grep -E '^(mode |pe-fuzz: )' "$job/fuzz.out"
		for m in jit interp harden; do
			r=FAIL
			! grep -Eq "^mode $m: .*, failures 0$" "$job/fuzz.out" ||
				r=OK
			echo "#1 pe-fuzz/$m:$r"
		done
		if [ "$frc" -ne 0 ]; then
			echo "kfs: pe-fuzz exited $frc; the first failures:"
			grep -A 40 -m 3 '^FAIL' "$job/fuzz.out" | head -n 120
			tail -n 5 "$job/fuzz.out"
			rc=1
		fi
	fi
	echo "kfs: fuzz done"
fi
echo "=== kfs suite: end"
exit $rc
