#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# resolve-btfids.sh FLAVOUR: the kfunc checks of resolve_btfids on vmlinux,
# without a rebuild: run the kernel's resolve_btfids on copies of its
# vmlinux whose symbols or BTF were altered as a build could alter them, and
# check that each bad copy fails naming the kfunc and the reason, and that
# the good ones pass.  KFS_RESOLVE_BTFIDS=PATH runs another resolve_btfids
# (one without the checks shows which cases they catch).
. "$(dirname "$0")/../lib.sh"

flavor=${1:-gcc}
flavor_check "$flavor"
kout=$(kfs_out "$flavor")
rb=${KFS_RESOLVE_BTFIDS:-$kout/tools/bpf/resolve_btfids/resolve_btfids}
[ -f "$kout/vmlinux" ] || die "resolve-btfids: no $kout/vmlinux; build the kernel first"
[ -x "$rb" ] || die "resolve-btfids: no $rb"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 n=0

# A kfunc of vmlinux and its set (net/bpf/test_run.c).
k=bpf_kfunc_call_test2
set=test_sk_check_kfunc_ids

# The copies keep .BTF, .BTF_ids and the symbols, without debug info.
objcopy --strip-debug "$kout/vmlinux" "$tmp/vmlinux" ||
	die "resolve-btfids: objcopy of $kout/vmlinux failed"
objcopy -O binary --only-section=.BTF "$tmp/vmlinux" "$tmp/btf" ||
	die "resolve-btfids: cannot extract .BTF"
nm "$tmp/vmlinux" >"$tmp/nm" || die "resolve-btfids: nm $tmp/vmlinux failed"
grep -q " $k\$" "$tmp/nm" || die "resolve-btfids: no symbol $k in vmlinux"

# expect NAME ok|fail PATTERN -- RESOLVE_BTFIDS_ARGS...: run resolve_btfids
# on a fresh copy named NAME; check the outcome and, for a failure, that
# the message has PATTERN.
expect() {
	local name=$1 want=$2 pat=$3 got=ok out

	shift 4
	n=$((n + 1))
	out=$("$rb" "$@" 2>&1) || got=fail
	if [ "$got" = "$want" ] && { [ "$want" = ok ] || grep -q -F -e "$pat" <<<"$out"; }; then
		msg "resolve-btfids($flavor): $name: $want as expected"
		[ "$want" = ok ] || grep 'FAILED kfunc' <<<"$out" | sed "s|$tmp/||g; s/^/    /"
		return
	fi
	echo "resolve-btfids: $name: expected $want${pat:+ with \"$pat\"}, got $got:"
	printf '%s\n' "$out" | tail -n 5
	fails=$((fails + 1))
}

# copy NAME [OBJCOPY_ARGS...]: a copy of the small vmlinux, altered.
copy() {
	local name=$1

	shift
	objcopy "$@" "$tmp/vmlinux" "$tmp/$name" ||
		die "resolve-btfids: objcopy $* failed"
	echo "$tmp/$name"
}

prefix="FAILED kfunc $k (kfunc set $set) in"

expect unchanged ok "" -- "$(copy unchanged)"

# GCC replaced the kfunc by a clone.
expect clone fail "$prefix $tmp/clone has no function symbol of exactly that name, only the compiler-made $k.isra.0" \
	-- "$(copy clone --redefine-sym "$k=$k.isra.0")"

# LLVM LTO promoted it: kallsyms of vmlinux ignores the suffix.
expect llvm-promoted ok "" -- "$(copy llvm-promoted --redefine-sym "$k=$k.llvm.4242")"

# Two functions of that name: kallsyms may return either.
expect two-symbols fail "$prefix $tmp/two-symbols has 2 function symbols of that name" \
	-- "$(copy two-symbols --add-symbol "$k=.text:0x10,function,local")"

# No BTF FUNC of that name (pahole saw only inlined copies).
python3 "$KFS_HARNESS/tests/btf-edit.py" "$tmp/btf" "$tmp/btf-renamed" rename "$k" ||
	die "resolve-btfids: btf-edit rename failed"
expect no-btf fail "$prefix $tmp/no-btf has no BTF_KIND_FUNC of that name" \
	-- --btf "$tmp/btf-renamed" "$(copy no-btf)"

# Two BTF FUNCs of that name: the id may be the other function's.
python3 "$KFS_HARNESS/tests/btf-edit.py" "$tmp/btf" "$tmp/btf-dup" dup "$k" ||
	die "resolve-btfids: btf-edit dup failed"
expect two-btf fail "$prefix $tmp/two-btf has 2 BTF_KIND_FUNCs of that name" \
	-- --btf "$tmp/btf-dup" "$(copy two-btf)"

# KF_IMPLICIT_ARGS: link-vmlinux.sh rewrites pahole's BTF, which
# .tmp_vmlinux.btf keeps; the rewrite must be what vmlinux carries.
[ -f "$kout/.tmp_vmlinux.btf" ] ||
	die "resolve-btfids: no $kout/.tmp_vmlinux.btf; build the kernel first"
objcopy --strip-debug "$kout/.tmp_vmlinux.btf" "$tmp/tmpv" ||
	die "resolve-btfids: objcopy of $kout/.tmp_vmlinux.btf failed"
expect implicit ok "" -- --rewrite-btf "$tmp/rewritten" "$tmp/tmpv"
n=$((n + 1))
if ! cmp -s "$tmp/rewritten" "$tmp/btf"; then
	echo "resolve-btfids: implicit: the rewritten BTF is not vmlinux's .BTF"
	fails=$((fails + 1))
elif ! bpftool btf dump file "$tmp/rewritten" format raw >"$tmp/dump" ||
	! why=$(btf_params_check "$tmp/dump" bpf_kfunc_call_test_prog_id "" \
		"'aux'" && btf_params_check "$tmp/dump" \
		bpf_kfunc_call_test_implicit_add "'a' 'b'" "'a' 'b' 'aux'" &&
		btf_params_check "$tmp/dump" "$k" "'sk' 'a' 'b'" -); then
	echo "resolve-btfids: implicit: ${why:-bpftool cannot dump the BTF}"
	fails=$((fails + 1))
else
	msg "resolve-btfids($flavor): implicit: vmlinux's .BTF is the rewrite"
	grep -E "FUNC 'bpf_kfunc_call_test_(prog_id|implicit_add)(_impl)?'" \
		"$tmp/dump" | sed 's/^/    /'
fi

# kfunc_tags DUMP: check that every "bpf_kfunc" decl tag of a raw bpftool
# DUMP is on a FUNC of its own, that bpf_kfunc_call_test_implicit_add and
# $k are tagged and no *_impl is; print how many tags there are, or why not.
# (Whether they are the kfunc sets' kfuncs, kfunc_annotation/kfunc_sets
# checks in the VM, against the sets.)
kfunc_tags() {
	local dump=$1 tags ids id f t

	tags=$(grep -c "DECL_TAG 'bpf_kfunc' type_id=[0-9]* component_idx=-1\$" "$dump")
	ids=$(grep -o "DECL_TAG 'bpf_kfunc' type_id=[0-9]*" "$dump" |
		sort -u | wc -l)
	[ "$tags" -eq "$ids" ] ||
		{ echo "$tags tags on $ids functions"; return 1; }
	t=$(awk '$2 == "FUNC" { fn[$1] = 1 }
		$2 == "DECL_TAG" && $3 == "'"'bpf_kfunc'"'" {
			sub(/type_id=/, "", $4); tag["[" $4 "]"] = 1 }
		END { for (i in tag) if (!(i in fn)) { print i; exit } }' "$dump")
	[ -z "$t" ] || { echo "a tag on $t, not a FUNC"; return 1; }
	for f in bpf_kfunc_call_test_implicit_add "$k" \
		bpf_kfunc_call_test_implicit_add_impl; do
		id=$(grep -o "^\[[0-9]*\] FUNC '$f' " "$dump" | grep -o '[0-9]*' | head -n 1)
		[ -n "$id" ] || { echo "no FUNC $f"; return 1; }
		if grep -q "DECL_TAG 'bpf_kfunc' type_id=$id " "$dump"; then
			[ "${f%_impl}" != "$f" ] && { echo "$f is tagged"; return 1; }
		else
			[ "${f%_impl}" = "$f" ] && { echo "$f is not tagged"; return 1; }
		fi
	done
	echo "$tags"
}

# The tags: one on each kfunc that vmlinux's kfunc sets list, as many as
# resolve_btfids counts kfuncs.
n=$((n + 1))
nr_kfuncs=$("$rb" -v --rewrite-btf "$tmp/rewritten-v" "$tmp/tmpv" 2>&1 |
	sed -n 's/^kfuncs of [^:]*: \([0-9]*\), .*/\1/p')
if ! bpftool btf dump file "$tmp/rewritten-v" format raw >"$tmp/dump-v" ||
	! tags=$(kfunc_tags "$tmp/dump-v") || [ "$tags" != "$nr_kfuncs" ]; then
	echo "resolve-btfids: tags: $tags, for ${nr_kfuncs:-no} kfuncs"
	fails=$((fails + 1))
else
	msg "resolve-btfids($flavor): tags: $tags bpf_kfunc decl tags for $nr_kfuncs kfuncs, none on *_impl"
fi

# A pahole that tags kfuncs itself (1.27 and later): none is tagged twice.
objcopy --dump-section .BTF="$tmp/tmpv-btf" "$tmp/tmpv" "$tmp/junk" ||
	die "resolve-btfids: cannot extract .BTF of $tmp/tmpv"
python3 "$KFS_HARNESS/tests/btf-edit.py" "$tmp/tmpv-btf" "$tmp/btf-kt1" \
	kfunc-tag "$k" || die "resolve-btfids: btf-edit kfunc-tag $k failed"
python3 "$KFS_HARNESS/tests/btf-edit.py" "$tmp/btf-kt1" "$tmp/btf-kt2" \
	kfunc-tag bpf_kfunc_call_test_implicit_add ||
	die "resolve-btfids: btf-edit kfunc-tag bpf_kfunc_call_test_implicit_add failed"
expect pahole-tags ok "" \
	-- --rewrite-btf "$tmp/rewritten-kt" --btf "$tmp/btf-kt2" "$tmp/tmpv"
n=$((n + 1))
if ! bpftool btf dump file "$tmp/rewritten-kt" format raw >"$tmp/dump-kt" ||
	! tags=$(kfunc_tags "$tmp/dump-kt") || [ "$tags" != "$nr_kfuncs" ]; then
	echo "resolve-btfids: pahole-tags: $tags, for ${nr_kfuncs:-no} kfuncs"
	fails=$((fails + 1))
else
	msg "resolve-btfids($flavor): pahole-tags: 2 tagged before, $tags after, none twice"
fi

# A flagged kfunc whose last parameter is not struct bpf_prog_aux *.
cp "$tmp/tmpv" "$tmp/implicit-bad"
python3 "$KFS_HARNESS/tests/btf-ids-flag.py" "$tmp/implicit-bad" "$k" "$set" 0x10000 ||
	die "resolve-btfids: btf-ids-flag failed"
expect implicit-bad fail "$prefix $tmp/implicit-bad is flagged KF_IMPLICIT_ARGS but has a last parameter b that is not struct bpf_prog_aux *" \
	-- --rewrite-btf "$tmp/rewritten-bad" "$tmp/implicit-bad"
n=$((n + 1))
if [ -e "$tmp/rewritten-bad" ] || [ -e "$tmp/rewritten-bad.tmp" ]; then
	echo "resolve-btfids: implicit-bad: a rewritten BTF was left behind"
	fails=$((fails + 1))
fi

# A decl tag, as pahole >= 1.26 can emit, on the aux parameter that the
# rewrite drops would dangle: refused.  One on another parameter stays.
ik=bpf_kfunc_call_test_implicit_add
objcopy --dump-section .BTF="$tmp/tmpv-btf" "$tmp/tmpv" "$tmp/junk" ||
	die "resolve-btfids: cannot extract .BTF of $tmp/tmpv"
for i in 2 0; do
	python3 "$KFS_HARNESS/tests/btf-edit.py" "$tmp/tmpv-btf" \
		"$tmp/btf-tag$i" "tag:$i" "$ik" ||
		die "resolve-btfids: btf-edit tag:$i failed"
done
expect implicit-tag-aux fail "FAILED kfunc $ik (kfunc set $set) in $tmp/tmpv is flagged KF_IMPLICIT_ARGS but has a BTF decl tag $ik on its last parameter" \
	-- --rewrite-btf "$tmp/rewritten-tag2" --btf "$tmp/btf-tag2" "$tmp/tmpv"
expect implicit-tag-arg ok "" \
	-- --rewrite-btf "$tmp/rewritten-tag0" --btf "$tmp/btf-tag0" "$tmp/tmpv"

[ "$fails" -eq 0 ] || die "resolve-btfids($flavor): $fails of $n cases wrong"
msg "resolve-btfids($flavor): $n of $n cases as expected"
