#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# lint.sh: the harness's shell scripts (harness/*.sh and those of its job
# folders, harness/*/*.sh: build, vm, gate, cross, deb, bench, tests; and
# .ci/run) must be shellcheck clean; every .rst file the series changes
# under Documentation/ must parse with docutils without a warning or error
# (harness/gate/rst-check.py); every patch of the series must be checkpatch
# --strict clean, as judged by the work tree's checkpatch.pl, save for the
# findings that harness/gate/checkpatch.allow accepts with a reason.  Each
# finding is printed; the run fails naming the checks that found any.
. "$(dirname "$0")/../lib.sh"

cp=$KSRC/scripts/checkpatch.pl
allow=$KFS_HARNESS/gate/checkpatch.allow
[ -x "$cp" ] || die "lint: no $cp; run 'make tree' first"
command -v shellcheck >/dev/null || die "lint: no shellcheck; run 'make deps' first"
mapfile -t patches < <(list_entries "$KFS_ROOT/series")
failed=()
g() { git -C "$KSRC" "$@"; }

# Shell scripts: shellcheck at its default severity (style included),
# following what they source (-x).  -P SCRIPTDIR finds the
# "$(dirname "$0")/../lib.sh" they source from their job folder; -P
# $KFS_ROOT the paths named by source= directives (harness/identity in
# lib.sh, harness/cross/cross-arch.sh in the cross scripts).
mapfile -t scripts < <(cd "$KFS_ROOT" && printf '%s\n' harness/*.sh harness/*/*.sh .ci/run)
rc=0
out=$(cd "$KFS_ROOT" && shellcheck -x -P SCRIPTDIR -P "$KFS_ROOT" -f gcc "${scripts[@]}" 2>&1) || rc=$?
mapfile -t found < <(grep . <<<"$out")
if [ "$rc" -eq 0 ] && [ ${#found[@]} -eq 0 ]; then
	msg "lint: ${#scripts[@]} shell scripts shellcheck clean"
else
	# FILE:LINE:COL: LEVEL: message [SCNNNN]
	[ ${#found[@]} -eq 0 ] || printf 'lint: shellcheck: %s\n' "${found[@]}"
	[ ${#found[@]} -gt 0 ] || echo "lint: shellcheck: exit $rc without findings"
	failed+=("shellcheck: ${#found[@]} findings in ${#scripts[@]} shell scripts")
fi

# Documentation: the .rst files the series adds or changes, as they are in
# the work tree, through docutils with Sphinx's roles and directives
# stubbed (Debian's python3, which has python3-docutils).
base=$(kfs_base lint)
mapfile -t docs < <(g diff --name-only --no-renames --diff-filter=d "$base..HEAD" -- 'Documentation/*.rst')
if [ ${#docs[@]} -eq 0 ]; then
	msg "lint: the series changes no .rst file under Documentation/"
else
	rc=0
	out=$(cd "$KSRC" && PATH=/usr/bin:$PATH "$KFS_HARNESS/gate/rst-check.py" "${docs[@]}" 2>&1) || rc=$?
	mapfile -t found < <(grep . <<<"$out")
	if [ "$rc" -eq 0 ] && [ ${#found[@]} -eq 0 ]; then
		msg "lint: ${#docs[@]} .rst files of the series parse cleanly with docutils: ${docs[*]}"
	else
		# FILE:LINE: LEVEL: message
		[ ${#found[@]} -eq 0 ] || printf 'lint: docutils: %s\n' "${found[@]}"
		[ ${#found[@]} -gt 0 ] || echo "lint: docutils: harness/gate/rst-check.py exit $rc without findings"
		failed+=("docutils: ${#found[@]} findings in ${#docs[@]} .rst files of the series")
	fi
fi

# Patches: checkpatch --strict.

# allowed TYPE TEXT: does an entry of checkpatch.allow accept it?
allowed() {
	local type re

	while IFS=$'\t' read -r type re _; do
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
					# (if: a file that is not new must not end
					# the loop with a failure, under errexit)
					if grep -q -F -x -e "diff --git a/$f b/$f" "$file" &&
					   sed -n "/^diff --git a\/${f//\//\\/} /,/^@@/p" "$file" |
					   grep -q -E '^(new|deleted) file mode|^rename '; then
						echo "$f"
					fi
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
if [ "$bad" -eq 0 ]; then
	msg "lint: ${#patches[@]} patches checkpatch --strict clean ($accepted findings accepted by harness/gate/checkpatch.allow)"
else
	failed+=("checkpatch: $bad of ${#patches[@]} patches have checkpatch --strict findings")
fi

[ ${#failed[@]} -eq 0 ] || die "lint: $(printf '%s; ' "${failed[@]}" | sed 's/; $//')"
