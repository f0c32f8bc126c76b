#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# resign.sh "Name <mail>" [DIR]: copy the series to DIR (default
# build/resigned) with the project identity replaced by the submitter's in
# From: and Signed-off-by:, ready for git send-email.  patches/ itself keeps
# the project identity.
. "$(dirname "$0")/../lib.sh"

who=${1:-}
dir=${2:-$KFS_BUILD/resigned}
[[ $who =~ ^[^\<\>]+\ \<[^\<\>@\ ]+@[^\<\>\ ]+\>$ ]] ||
	die "resign: IDENTITY must look like 'Full Name <mail@example.org>', got '$who'"
ls "$KFS_ROOT"/patches/*.patch >/dev/null 2>&1 || die "resign: no patches in patches/"

rm -rf "$dir"
mkdir -p "$dir"
me="$KFS_NAME <$KFS_EMAIL>"
for p in "$KFS_ROOT"/patches/*.patch; do
	awk -v me="$me" -v who="$who" '
		/^From: / && index($0, me) { $0 = "From: " who }
		/^Signed-off-by: / && index($0, me) { $0 = "Signed-off-by: " who }
		{ print }' "$p" >"$dir/${p##*/}"
done
cp "$KFS_ROOT/series" "$dir/series"
signed=("$dir"/*.patch)
msg "resign: ${#signed[@]} files re-signed as $who in $dir"
