#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Harness self-test: 'make tree' on a series whose second patch does not
# apply must fail naming that patch and leave the tree exactly as it was;
# the same series without it applies, and applying again changes nothing.
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GIT_AUTHOR_NAME=$KFS_NAME GIT_AUTHOR_EMAIL=$KFS_EMAIL
export GIT_COMMITTER_NAME=$KFS_NAME GIT_COMMITTER_EMAIL=$KFS_EMAIL
fail() { echo "apply-fails: $*" >&2; exit 1; }

t=$tmp/tree
git init -q "$t"
printf 'one\ntwo\n' >"$t/a.txt"
git -C "$t" add a.txt && git -C "$t" commit -q -m base
base=$(git -C "$t" rev-parse HEAD)

# Make two patches: a good one, and one against text the tree lacks.
mkdir -p "$tmp/s/patches"
printf 'one\ntwo\nthree\n' >"$t/a.txt"
git -C "$t" commit -q -am "add three"
git -C "$t" format-patch -q -o "$tmp/s/patches" HEAD~1
git -C "$t" reset -q --hard "$base"
printf 'uno\ntwo\n' >"$t/a.txt"
git -C "$t" commit -q -am "renumber"
printf 'eins\ntwo\n' >"$t/a.txt"
git -C "$t" commit -q -am "translate"
git -C "$t" format-patch -q --start-number 2 -o "$tmp/s/patches" HEAD~1
git -C "$t" reset -q --hard "$base"
ls "$tmp/s/patches" >"$tmp/s/series"

out=$(make -s -C "$KFS_ROOT" tree KSRC="$t" KFS_SERIES="$tmp/s/series" 2>&1) &&
	fail "make tree succeeded on a series that does not apply"
grep -q "patch 2/2 0002-translate.patch does not apply" <<<"$out" ||
	fail "the error does not name the patch: $out"
[ "$(git -C "$t" rev-parse HEAD)" = "$base" ] || fail "HEAD moved"
[ -z "$(git -C "$t" status --porcelain)" ] || fail "tree left dirty"
[ ! -d "$(git -C "$t" rev-parse --absolute-git-dir)/rebase-apply" ] ||
	fail "git am left in progress"

sed -i '/translate/d' "$tmp/s/series"
make -s -C "$KFS_ROOT" tree KSRC="$t" KFS_SERIES="$tmp/s/series" >/dev/null ||
	fail "make tree failed on a good series"
[ "$(git -C "$t" log -1 --format=%s)" = "add three" ] || fail "good patch not applied"
head=$(git -C "$t" rev-parse HEAD)
make -s -C "$KFS_ROOT" tree KSRC="$t" KFS_SERIES="$tmp/s/series" >/dev/null ||
	fail "second make tree failed"
[ "$(git -C "$t" rev-parse HEAD)" = "$head" ] || fail "second make tree changed HEAD"
echo "apply-fails: ok (bad patch named, tree untouched; good series applied once)"
