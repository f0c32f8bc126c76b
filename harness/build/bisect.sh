#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bisect.sh [FLAVOUR [FIRST]]: build the kernel and bpf_testmod at every
# patch of the series, in order, in a scratch work tree (build/bisect) and
# output directory (build/out/bisect-FLAVOUR), like a bisection would.
# Each step is incremental, so this costs one cold build plus what each
# patch changes.  Fails naming the first patch whose tree does not build.
# FIRST (a patch number, 1 for the first patch) starts at the tree before
# that patch instead of at the base, to check the patches added last.
. "$(dirname "$0")/../lib.sh"

flavor=${1:-gcc}
flavor_check "$flavor"
wt=$KFS_BUILD/bisect
out=$KFS_BUILD/out/bisect-$flavor
base=$(git -C "$KSRC" rev-parse "$(kfs_base bisect)")
mapfile -t commits < <(git -C "$KSRC" rev-list --reverse "$base..HEAD")
first=${2:-1}
if ! [[ "$first" =~ ^[1-9][0-9]*$ ]] || [ "$first" -gt ${#commits[@]} ]; then
	die "bisect: FIRST must be a patch number from 1 to ${#commits[@]}"
fi
if [ "$first" -gt 1 ]; then
	base=${commits[$((first - 2))]}
	commits=("${commits[@]:$((first - 1))}")
fi
[ -f "$(kfs_out "$flavor")/.config" ] || die "bisect: build the $flavor kernel first (its .config is reused)"

[ -d "$wt" ] || kgit -C "$KSRC" worktree add -q --detach "$wt" "$base"
mkdir -p "$out"
cp "$(kfs_out "$flavor")/.config" "$out/.config"
export CCACHE_BASEDIR=$KFS_ROOT CCACHE_NOHASHDIR=1
kmake=(make -C "$wt" O="$out" -j"$(nproc)")
case "$flavor" in
gcc) kmake+=(CC="ccache gcc") ;;
lto) kmake+=(LLVM=-16 CC="ccache clang-16") ;;
esac

n=$((first - 1))
for c in "$base" "${commits[@]}"; do
	git -C "$wt" checkout -q --detach "$c"
	name="$n/$((first - 1 + ${#commits[@]})) $(git -C "$wt" log -1 --format=%s)"
	step() {
		"${kmake[@]}" olddefconfig && "${kmake[@]}" all &&
		"${kmake[@]}" M="$wt/tools/testing/selftests/bpf/bpf_testmod" modules
	}
	logged "bisect-$flavor-$n" step || die "bisect: $name does not build"
	msg "bisect: $name builds"
	n=$((n + 1))
done
git -C "$KSRC" worktree remove --force "$wt"
msg "bisect: patches $first to $((first - 1 + ${#commits[@]})) build on their own ($flavor)"
