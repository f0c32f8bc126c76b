#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# lint.sh: every patch of the series must be checkpatch --strict clean, as
# judged by the work tree's checkpatch.pl, save for the findings that
# harness/checkpatch.allow accepts with a reason.
. "$(dirname "$0")/lib.sh"

cp=$KSRC/scripts/checkpatch.pl
allow=$KFS_HARNESS/checkpatch.allow
[ -x "$cp" ] || die "lint: no $cp; run 'make tree' first"
mapfile -t patches < <(list_entries "$KFS_ROOT/series")

# allowed TYPE TEXT: does an entry of checkpatch.allow accept it?
allowed() {
	local type re why

	while IFS=$'\t' read -r type re why; do
		case "$type" in ''|\#*) continue ;; esac
		[ "$type" = "$1" ] && [[ $2 =~ $re ]] && return 0
	done <"$allow"
	return 1
}

bad=0 accepted=0
for p in "${patches[@]}"; do
	file=$KFS_ROOT/patches/$p
	# Debian's python3, which has python3-ply, for the SPDX check.
	out=$(cd "$KSRC" && PATH=/usr/bin:$PATH "$cp" --strict --terse --show-types --no-summary "$file" 2>&1) || true
	findings=0
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		# PATCH:LINE: LEVEL:TYPE: message
		if [[ ! $line =~ ^[^:]*:([0-9]+):\ [A-Z]+:([A-Z0-9_]+):\ (.*)$ ]]; then
			echo "lint: $p: $line"
			findings=$((findings + 1))
			continue
		fi
		lno=${BASH_REMATCH[1]} type=${BASH_REMATCH[2]} text=${BASH_REMATCH[3]}
		if [ "$type" = FILE_PATH_CHANGES ]; then
			text=$(sed -n 's|^diff --git a/\([^ ]*\) b/.*|\1|p' "$file" |
			       while read -r f; do
					grep -q -F -x -e "diff --git a/$f b/$f" "$file" &&
					sed -n "/^diff --git a\/${f//\//\\/} /,/^@@/p" "$file" |
					grep -q -E '^(new|deleted) file mode|^rename ' && echo "$f"
			       done | paste -sd' ' -)
		else
			text="$(sed -n "${lno}p" "$file")"$'\t'"$text"
		fi
		if allowed "$type" "$text"; then
			accepted=$((accepted + 1))
			continue
		fi
		echo "lint: $p:$lno: $type: ${line#*: }"
		sed -n "${lno}p" "$file" | sed 's/^/    /'
		findings=$((findings + 1))
	done <<<"$out"
	[ "$findings" -eq 0 ] || bad=$((bad + 1))
done
[ "$bad" -eq 0 ] || die "lint: $bad of ${#patches[@]} patches have checkpatch --strict findings"
msg "lint: ${#patches[@]} patches checkpatch --strict clean ($accepted findings accepted by harness/checkpatch.allow)"
