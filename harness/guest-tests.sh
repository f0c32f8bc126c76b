#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# guest-tests.sh ALLOW DENY: run inside the VM from the selftests output
# directory.  Runs test_progs on the comma-separated ALLOW list minus DENY,
# then the whole test_verifier.  Each suite is introduced by a marker line
# that count-results.awk reads.  Exits non-zero if either suite failed.
allow=$1
deny=$2
rc=0

ulimit -l unlimited
# kernel.unprivileged_bpf_disabled stays at Debian's default (2), so
# test_verifier skips its unprivileged (/u) runs: with it at 0, six of them
# fail on the base 6.1.192 itself (their expected messages predate a stable
# backport), and test_verifier has no denylist.
echo "=== kfs suite: test_progs"
./test_progs -a "$allow" ${deny:+-d "$deny"} || rc=1
echo "=== kfs suite: test_verifier"
./test_verifier || rc=1
echo "=== kfs suite: end"
exit $rc
