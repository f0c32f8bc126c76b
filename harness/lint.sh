#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# lint.sh: every patch of the series must be checkpatch --strict clean
# (no errors, warnings or checks), judged by the work tree's checkpatch.pl.
. "$(dirname "$0")/lib.sh"

cp=$KSRC/scripts/checkpatch.pl
[ -x "$cp" ] || die "lint: no $cp; run 'make tree' first"
mapfile -t patches < <(sed -e 's/[[:space:]]*#.*//' -e '/^[[:space:]]*$/d' "$KFS_ROOT/series")
bad=0
for p in "${patches[@]}"; do
	if ! out=$(cd "$KSRC" && "$cp" --strict --quiet --show-types \
			"$KFS_ROOT/patches/$p" 2>&1); then
		printf '%s\n' "$out"
		echo "lint: $p is not checkpatch --strict clean"
		bad=$((bad + 1))
	fi
done
[ "$bad" -eq 0 ] || die "lint: $bad of ${#patches[@]} patches have checkpatch findings"
msg "lint: ${#patches[@]} patches checkpatch --strict clean"
