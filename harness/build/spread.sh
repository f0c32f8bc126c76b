#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# spread.sh [VERSION...]: the series on every linux-source-6.1 that apt
# offers (apt-cache madison; or the VERSIONs given, or SPREAD="..."), as a
# distro kernel builder takes it.  For each version: download the package
# (apt-get download, kept in build/spread/debs), make its tree a commit
# base-VERSION of build/spread/spread.git, git am the series onto it in
# its work tree build/spread/VERSION/linux, check that every kfunc is
# annotated (kfunc-audit.py), build the GCC kernel with ccache
# (KFS_BUILD=build/spread/VERSION) and, from that version's selftests,
# bpf_testmod.ko, test_verifier and a test_progs of the series' own tests
# alone (KFS_SELFTESTS_ONLY: older bases hold tests of their own that do
# not build, such as 6.1.170's test_global_func10.c), and run them in the VM
# (the first block of harness/gate/selftests.list, test_verifier whole, the
# JIT-off and blinded lists, 300 fuzz seeds) without the regression gate,
# whose baseline is 6.1.192's; a test that fails on a base for a reason
# of the base is listed, with the evidence, in spread-known.  A step that
# fails ends that version's row, naming the step; the next version goes
# on.  Writes the table to build/spread/report.md after each version and
# prints it at the end; exits non-zero if a version failed.  Not part of
# make check: about half an hour a version, cold.
# KFS_SPREAD_APPLY=1 stops each version after git am and the audit.
. "$(dirname "$0")/../lib.sh"

sp=$KFS_BUILD/spread
repo=$sp/spread.git
mkdir -p "$sp/debs"
if [ $# -gt 0 ]; then
	versions=("$@")
elif [ -n "${SPREAD:-}" ]; then
	read -ra versions <<<"$SPREAD"
else
	mapfile -t versions < <(apt-cache madison linux-source-6.1 |
				awk -F'|' '{ gsub(/ /, "", $2); print $2 }' |
				sort -uV)
fi
[ ${#versions[@]} -gt 0 ] ||
	die "spread: apt offers no linux-source-6.1 (run 'apt-get update'?)"
# The series' own tests: selftests.list's first block.
tests=$(awk '/^# The series. own tests/ { on = 1; next }
	     on && /^#/ { exit } on && NF { print $1 }' \
	    "$KFS_HARNESS/gate/selftests.list" | paste -sd, -)
[ -n "$tests" ] || die "spread: harness/gate/selftests.list has no block '# The series' own tests'"
msg "spread: ${#versions[@]} versions: ${versions[*]}; tests $tests"

[ -d "$repo" ] || git init -q --bare "$repo"

# import VERSION: the package's tree as the commit base-VERSION.
import() {
	local v=$1 deb t

	deb=$sp/debs/linux-source-6.1_${v}_all.deb
	if [ ! -f "$deb" ]; then
		(cd "$sp/debs" && apt-get download -q "linux-source-6.1=$v") ||
			return 1
	fi
	git --git-dir="$repo" rev-parse -q --verify "refs/heads/base-$v" \
		>/dev/null && return 0
	t=$sp/import-$v
	rm -rf "$t" && mkdir -p "$t"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO ./usr/src/linux-source-6.1.tar.xz |
		tar -xJ -C "$t" --strip-components=1 || return 1
	# As base.sh: Debian's .gitignore ignores the top level.
	sed -i '/^# Debian packaging: ignore everything/,/^!\/debian\/$/d' \
		"$t/.gitignore"
	sed -i '${/^#$/d}' "$t/.gitignore"
	(
		export GIT_INDEX_FILE=$t.index GIT_DIR=$repo GIT_WORK_TREE=$t
		export GIT_AUTHOR_NAME=$KFS_NAME GIT_AUTHOR_EMAIL=$KFS_EMAIL
		export GIT_COMMITTER_NAME=$KFS_NAME GIT_COMMITTER_EMAIL=$KFS_EMAIL
		git add -A -f . &&
		c=$(git commit-tree "$(git write-tree)" -m "Linux 6.1.$(sed -n 's/^SUBLEVEL = //p' "$t/Makefile") (Debian linux-source-6.1 $v)") &&
		git update-ref "refs/heads/base-$v" "$c"
	) || return 1
	rm -rf "$t" "$t.index"
}

# apply VERSION: the series on base-VERSION in VERSION's work tree,
# build/spread/VERSION/linux (the same layout as build/linux and build/out,
# so that ccache finds what the main tree compiled); prints how many
# patches applied and, on a failure, which and why.
apply() {
	local v=$1 w=$sp/$1/linux p n=0

	if [ ! -d "$w" ]; then
		if ! git --git-dir="$repo" worktree add -q --detach "$w" "base-$v" \
			>"$sp/am.log" 2>&1; then
			echo "0/$total, git worktree add $w: $(tail -n1 "$sp/am.log")"
			return 1
		fi
		git -C "$w" config user.name "$KFS_NAME"
		git -C "$w" config user.email "$KFS_EMAIL"
	fi
	git -C "$w" am --abort >/dev/null 2>&1 || true
	if ! git -C "$w" checkout -q -f -B "spread-$v" "base-$v" >"$sp/am.log" 2>&1; then
		echo "0/$total, git checkout base-$v: $(tail -n1 "$sp/am.log")"
		return 1
	fi
	while IFS= read -r p; do
		if ! git -C "$w" am -q "$KFS_ROOT/patches/$p" >"$sp/am.log" 2>&1; then
			echo "$n/$total, $p: $(grep -m1 -E 'error|failed' "$sp/am.log")"
			git -C "$w" am --abort >/dev/null 2>&1 || true
			return 1
		fi
		n=$((n + 1))
	done < <(list_entries "$KFS_ROOT/series")
	echo "$n/$total"
}

# shellcheck source=harness/build/spread-verdict.sh
. "$KFS_HARNESS/build/spread-verdict.sh"
known=$KFS_HARNESS/build/spread-known
spread_known "$known" "" >/dev/null || die "spread: $known is malformed"

# report: the table of the versions done so far, written after each one
# so that a run stopped midway keeps them.
report() {
	{
		echo "make spread of series v$(cat "$KFS_HARNESS/REROLL") (main $(git -C "$KFS_ROOT" describe --always --dirty)), $(date -u '+%F %H:%M') UTC"
		echo
		echo "| linux-source-6.1 | git am | kfuncs annotated | kernel build | selftests build | passed / failed / skipped | VM | result |"
		echo "|---|---|---|---|---|---|---|---|"
		[ ${#rows[@]} -eq 0 ] || printf '%s\n' "${rows[@]}"
	} >"$sp/report.md"
}

total=$(list_entries "$KFS_ROOT/series" | wc -l)
rows=() bad=0
for v in "${versions[@]}"; do
	t0=$(date +%s)
	row="| $v |"
	fail() {
		row+=" $1 |"
		bad=$((bad + 1))
		rows+=("$row")
		report
		msg "spread $v: FAILED: $1"
	}
	msg "spread $v: import"
	logged "spread-$v-import" import "$v" || { fail "import"; continue; }
	msg "spread $v: git am"
	if ! a=$(apply "$v"); then
		fail "git am: $a"
		continue
	fi
	row+=" $a |"
	au=$(python3 "$KFS_HARNESS/gate/kfunc-audit.py" "$sp/$v/linux" 2>&1 | tail -n 1) ||
		{ fail "kfunc audit: $au"; continue; }
	row+=" $(echo "$au" | sed -n 's/^kfunc-audit: \([0-9]*\/[0-9]*\) kfuncs.*/\1/p') |"
	if [ "${KFS_SPREAD_APPLY:-}" = 1 ]; then
		row+=" - | - | - | - | applies |"
		rows+=("$row")
		report
		continue
	fi
	b=$sp/$v
	export KSRC=$b/linux KFS_BUILD=$b
	tb=$(date +%s)
	"$KFS_HARNESS/build/build-kernel.sh" gcc || { fail "kernel build"; continue; }
	tk=$(date +%s)
	KFS_SELFTESTS_ONLY=$tests "$KFS_HARNESS/build/build-selftests.sh" gcc ||
		{ fail "selftests build"; continue; }
	ts=$(date +%s)
	# The verdict reads this run's files only: run-tests.sh can stop
	# before its VM starts, and an earlier run's would still be there.
	# Its exit status is not the verdict (a known failure fails it).
	rm -rf "$b/vm/tests-gcc"
	KFS_TESTS=$tests KFS_GATE=0 KFS_FUZZ=300 "$KFS_HARNESS/vm/run-tests.sh" gcc || true
	te=$(date +%s)
	read -r p f s <"$b/vm/tests-gcc/counts" || { fail "VM tests: no results"; continue; }
	row+=" $((tk - tb)) s | $((ts - tk)) s | $p / $f / $s | $((te - ts)) s |"
	if ! r=$(spread_verdict "$v" "$b/vm/tests-gcc" "$known"); then
		fail "$r"
		continue
	fi
	row+=" $r |"
	rows+=("$row")
	report
	msg "spread $v: ok in $(($(date +%s) - t0)) s"
done
report
cat "$sp/report.md"
[ "$bad" -eq 0 ]
