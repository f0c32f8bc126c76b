#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Turn Debian's linux-source-6.1 into a git tree with one base commit that
# records the exact base version, tagged kfs-base.  Does nothing when the
# tree exists already.
. "$(dirname "$0")/../lib.sh"

tarball=/usr/src/linux-source-6.1.tar.xz
tested=$(cat "$KFS_HARNESS/BASE_VERSION")

[ -r "$tarball" ] || die "base: $tarball not found; run 'make deps' first"
have=$(dpkg-query -W -f='${Version}' linux-source-6.1)
if [ "$have" != "$tested" ]; then
	msg "base: NOTE: installed linux-source-6.1 is $have; the series was last tested on $tested (harness/BASE_VERSION)"
fi

if [ -d "$KSRC/.git" ]; then
	if git -C "$KSRC" rev-parse -q --verify refs/tags/kfs-base >/dev/null; then
		msg "base: $(git -C "$KSRC" log -1 --format=%s kfs-base)"
		exit 0
	fi
	die "base: $KSRC is a git tree without the kfs-base tag; remove it or pass KSRC= for your own tree"
fi

tmp=$KSRC.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
logged base-extract tar -xJf "$tarball" -C "$tmp" --strip-components=1
sublevel=$(sed -n 's/^SUBLEVEL = //p' "$tmp/Makefile")

# A fixed identity and date make the base commit the same on every machine
# for the same package version.
export GIT_AUTHOR_NAME=$KFS_NAME GIT_AUTHOR_EMAIL=$KFS_EMAIL
export GIT_COMMITTER_NAME=$KFS_NAME GIT_COMMITTER_EMAIL=$KFS_EMAIL
date=$(stat -c %Y "$tarball")
export GIT_AUTHOR_DATE="@$date +0000" GIT_COMMITTER_DATE="@$date +0000"
git_base() {
	# Debian's .gitignore ignores everything at the top level (its
	# packaging repository holds only debian/), which would hide every
	# file a patch adds; the base drops that block and is otherwise the
	# package as shipped.
	sed -i '/^# Debian packaging: ignore everything/,/^!\/debian\/$/d' "$tmp/.gitignore"
	sed -i '${/^#$/d}' "$tmp/.gitignore"
	git -C "$tmp" init -q -b kfunc-series
	git -C "$tmp" config core.autocrlf false
	git -C "$tmp" add -A -f .
	git -C "$tmp" commit -q -m "Linux 6.1.$sublevel (Debian linux-source-6.1 $have)" \
		-m "Base of the kfunc series: Debian's linux-source-6.1 package,
version $have, unpacked from $tarball, less the block of
.gitignore that ignores everything at the top level."
	git -C "$tmp" tag kfs-base
}
logged base-git git_base
mv "$tmp" "$KSRC"
msg "base: $(git -C "$KSRC" log -1 --format='%h %s' kfs-base)"
