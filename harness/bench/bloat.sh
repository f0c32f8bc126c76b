#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bloat.sh: what the series adds to the kernel, measured on vmlinux with the
# kernel's scripts/bloat-o-meter: the base against the whole series, and
# patch by patch where a patch changes anything ('make bloat').
#
# The kernel: GCC, the production-like configuration bench.sh uses (the
# ThinLTO kernel's config fragments without lto.config, so no KASAN and no
# lockdep) with the test-only bpf_dummy_pe_ops off (harness/config/
# prod.config), as a distro would build it; then once more with it on,
# as make check's kernels have it.  Built in a scratch work tree
# (build/bloat/linux) and output directory (build/bloat/out): the base,
# then after each patch that changes a file a vmlinux is built from (a
# patch of tools/testing/, Documentation/ and MAINTAINERS only leaves
# vmlinux as it was and is not built), each step incremental with ccache.
# Writes build/bloat/report.md and prints it.  bloat.sh --report writes
# the report again from the vmlinux files a run kept, building nothing.
. "$(dirname "$0")/../lib.sh"

only_report=0
case "${1:-}" in
"") ;;
--report) only_report=1 ;;
*) die "bloat: unknown option $1 (bloat.sh [--report])" ;;
esac

bb=$KFS_BUILD/bloat
wt=$bb/linux
kobj=$bb/out
report=$bb/report.md
cfg=$KFS_HARNESS/config
bloat=$KSRC/scripts/bloat-o-meter
base=$(git -C "$KSRC" rev-parse "$(kfs_base bloat)")
head=$(git -C "$KSRC" rev-parse HEAD)
mapfile -t commits < <(git -C "$KSRC" rev-list --reverse "$base..$head")
[ ${#commits[@]} -gt 0 ] || die "bloat: $KSRC has no patches on its base"
[ -x "$bloat" ] || die "bloat: no $bloat in $KSRC"

# build NAME: vmlinux of the work tree as it is, kept (symbols, no debug
# information) as $bb/NAME.vmlinux.  With --report, only checks it is kept.
build() {
	if [ "$only_report" = 1 ]; then
		[ -f "$bb/$1.vmlinux" ] ||
			die "bloat: no ${bb#"$KFS_ROOT"/}/$1.vmlinux to report on; run bloat.sh without --report"
		return
	fi
	logged "bloat-$1" bash -c '"$@" olddefconfig && "$@" vmlinux' \
		kmake "${kmake[@]}" ||
		die "bloat: $1 ($(git -C "$wt" log -1 --format=%s)) does not build"
	objcopy --strip-debug "$kobj/vmlinux" "$bb/$1.vmlinux"
}

# builds_vmlinux COMMIT: whether COMMIT changes a file that vmlinux is
# built from.
builds_vmlinux() {
	git -C "$KSRC" diff --name-only "$1^" "$1" |
		grep -Evq '^(tools/testing/|Documentation/|MAINTAINERS$)'
}

# checkout COMMIT: the scratch work tree at COMMIT
checkout() {
	[ "$only_report" = 1 ] || git -C "$wt" checkout -q --detach "$1"
}

mkdir -p "$bb"
if [ "$only_report" = 1 ]; then
	[ -f "$bb/prod.config" ] || die "bloat: nothing kept in ${bb#"$KFS_ROOT"/} to report on; run bloat.sh without --report"
else
trap 'git -C "$KSRC" worktree remove --force "$wt" 2>/dev/null || true' EXIT
if [ -d "$wt" ]; then
	git -C "$KSRC" worktree remove --force "$wt" 2>/dev/null || rm -rf "$wt"
	git -C "$KSRC" worktree prune
fi
mkdir -p "$bb" "$kobj"
logged bloat-worktree kgit -C "$KSRC" worktree add -q --detach "$wt" "$head"
export CCACHE_BASEDIR=$KFS_ROOT CCACHE_NOHASHDIR=1
kmake=(make -C "$wt" O="$kobj" -j"$(nproc)" CC="ccache gcc")

# The configuration, made at the series' head, where every option the
# series adds exists; earlier trees take it through olddefconfig.
frags=("$cfg/vm.config" "$wt/tools/testing/selftests/bpf/config"
       "$cfg/selftests.config" "$cfg/prod.config")
logged bloat-config kfs_configure "$kobj" "${frags[@]}"
if grep -Eq '^CONFIG_(KASAN|LOCKDEP|BPF_DUMMY_PE_OPS)=y' "$kobj/.config"; then
	die "bloat: the configuration has KASAN, lockdep or bpf_dummy_pe_ops on: $(grep -E '^CONFIG_(KASAN|LOCKDEP|BPF_DUMMY_PE_OPS)=y' "$kobj/.config" | tr '\n' ' ')"
fi
cp "$kobj/.config" "$bb/prod.config"
fi

t0=$(date +%s)
checkout "$base"
build p00
prev=p00 steps=()
for i in "${!commits[@]}"; do
	c=${commits[$i]}
	n=$(printf 'p%02d' $((i + 1)))
	builds_vmlinux "$c" || continue
	checkout "$c"
	build "$n"
	steps+=("$prev:$n:$((i + 1))")
	prev=$n
done
last=$prev
# The whole series again, with the test-only struct_ops type on.
if [ "$only_report" = 0 ]; then
	sed -i 's/^# CONFIG_BPF_DUMMY_PE_OPS is not set$/CONFIG_BPF_DUMMY_PE_OPS=y/' \
		"$kobj/.config"
	build pe
	grep -q '^CONFIG_BPF_DUMMY_PE_OPS=y' "$kobj/.config" ||
		die "bloat: CONFIG_BPF_DUMMY_PE_OPS=y did not take"
	echo $(($(date +%s) - t0)) >"$bb/seconds"
fi
build pe
secs=$(cat "$bb/seconds" 2>/dev/null || echo "?")

# net A B [-t|-d]: bloat-o-meter's net change from A to B
net() {
	local v

	v=$("$bloat" ${3:+"$3"} "$bb/$1.vmlinux" "$bb/$2.vmlinux" |
	    sed -n 's/^add\/remove: .*(\(-\{0,1\}[0-9]*\))$/\1/p')
	[ -n "$v" ] || die "bloat: no bloat-o-meter total for $1 against $2"
	echo "$v"
}
# summary A B: bloat-o-meter's first line, its counts
summary() {
	"$bloat" "$bb/$1.vmlinux" "$bb/$2.vmlinux" |
		sed -n '1s/ up\/down: .*//p'
}
# top A B K: the K largest changes, symbol (delta), by size of the delta
top() {
	"$bloat" "$bb/$1.vmlinux" "$bb/$2.vmlinux" |
		awk 'NR > 2 && NF == 4 && $4 ~ /^[-+][0-9]+$/ && $1 !~ /^__BTF_ID__/ {
			d = $4 + 0; print (d < 0 ? -d : d), $1 " (" $4 ")" }' |
		sort -rn -k1,1 | awk -v k="$3" 'NR <= k' | cut -d' ' -f2- |
		paste -sd ',' |
		sed 's/,/, /g'
}
# sec NAME SECTION: the section's size in NAME's vmlinux
sec() {
	size -A "$bb/$1.vmlinux" | awk -v s="$2" '$1 == s { print $2 }'
}
row() {
	echo "| $1 | $(sec "$2" .BTF) | $(sec "$2" .BTF_ids) |"
}
# chg A B [-t|-d]: bloat-o-meter's total before and after, and the change
chg() {
	"$bloat" ${3:+"$3"} "$bb/$1.vmlinux" "$bb/$2.vmlinux" |
		sed -n 's/^Total: Before=\([0-9]*\), After=\([0-9]*\), chg \(.*\)$/\1 to \2 (\3)/p'
}

{
	echo "## Kernel text: what the series adds"
	echo
	echo "\`make bloat\` (harness/bench/bloat.sh; $(date -u +%Y-%m-%d), $secs s):"
	echo "base $(git -C "$KSRC" log -1 --format='%h %s' "$base"),"
	echo "series $(git -C "$KSRC" describe --always --tags "$head") (${#commits[@]} patches)."
	echo "GCC $(gcc -dumpversion), \`scripts/bloat-o-meter\` on vmlinux.  The"
	echo "configuration is production-like: the ThinLTO kernel's fragments"
	echo "without lto.config, with GCC (no KASAN, no lockdep), and the"
	echo "test-only \`CONFIG_BPF_DUMMY_PE_OPS\` off ($(grep -c '^CONFIG_.*=[ym]$' "$bb/prod.config") options set)."
	echo
	echo "| bloat-o-meter | symbols | all (bytes) | functions (-t) | data (-d) |"
	echo "|---|---|---|---|---|"
	echo "| base against the series | $(summary p00 "$last") | $(net p00 "$last") | $(net p00 "$last" -t) | $(net p00 "$last" -d) |"
	echo "| bpf_dummy_pe_ops (on against off) | $(summary "$last" pe) | $(net "$last" pe) | $(net "$last" pe -t) | $(net "$last" pe -d) |"
	echo
	echo "Functions in all, base against the series: $(chg p00 "$last" -t);"
	echo "data: $(chg p00 "$last" -d).  BTF (section sizes, \`size -A\`):"
	echo
	echo "| vmlinux | .BTF | .BTF_ids |"
	echo "|---|---|---|"
	row "base" p00
	row "the series" "$last"
	row "the series, CONFIG_BPF_DUMMY_PE_OPS=y" pe
	echo
	echo "Patch by patch, where vmlinux changes (a patch not listed changes"
	echo "no symbol), with the largest changes.  The symbols counted include"
	echo "the BTF_ID() symbols of 6.1, __BTF_ID__*__NNN, whose names carry a"
	echo "line number: a patch that moves a kfunc set's lines renames them,"
	echo "4 bytes removed and 4 added, no change in size (not named below)."
	echo
	echo "| patch | subject | symbols | bytes | largest changes |"
	echo "|---|---|---|---|---|"
	for s in "${steps[@]}"; do
		IFS=: read -r a b pn <<<"$s"
		v=$(net "$a" "$b")
		changed=$(summary "$a" "$b")
		[ "$v" != 0 ] || [ "$changed" != "add/remove: 0/0 grow/shrink: 0/0" ] ||
			continue
		echo "| $pn | $(git -C "$KSRC" log -1 --format=%s "${commits[$((pn - 1))]}") | $changed | $v | $(top "$a" "$b" 4) |"
	done
	echo
	echo "\`scripts/bloat-o-meter\`, base against the series:"
	echo
	"$bloat" "$bb/p00.vmlinux" "$bb/$last.vmlinux" | sed 's/^/    /'
} >"$report.tmp"
mv "$report.tmp" "$report"
cat "$report"
msg "bloat: report in ${report#"$KFS_ROOT"/} ($secs s)"
