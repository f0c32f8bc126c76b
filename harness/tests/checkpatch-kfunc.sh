#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Harness self-test: the series' checkpatch.pl warns (BPF_KFUNC) about a
# patch that lists a function in a kfunc set whose definition, in the patch
# or in the tree, lacks __bpf_kfunc, and stays quiet when it has it.
. "$(dirname "$0")/../lib.sh"

cp=$KSRC/scripts/checkpatch.pl
grep -q BPF_KFUNC "$cp" || die "checkpatch-kfunc: $cp has no BPF_KFUNC check; is the series applied?"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

# newfile NAME ANNOTATION [DOC]: a patch adding kernel/bpf/NAME.c with a
# kfunc, with a kernel-doc comment that names NAME() if DOC is given.
newfile() {
	local doc=

	[ -z "${3:-}" ] || doc="/**
 * $1() - $3
 * @a: a number
 */
"
	mkdir -p "$tmp/$1/kernel/bpf"
	cat >"$tmp/$1/kernel/bpf/$1.c" <<EOC
// SPDX-License-Identifier: GPL-2.0
#include <linux/btf.h>
#include <linux/btf_ids.h>

$doc$2int $1(int a)
{
	return a;
}

BTF_KFUNCS_START($1_ids)
BTF_ID_FLAGS(func, $1)
BTF_KFUNCS_END($1_ids)
EOC
	(cd "$tmp/$1" && git diff --no-index /dev/null "kernel/bpf/$1.c") >"$tmp/$1.patch" || true
}

# intree FUNC: a patch adding FUNC, defined in net/bpf/test_run.c, to the
# kfunc set there.
intree() {
	local at

	at=$(grep -n 'BTF_KFUNCS_END(test_sk_check_kfunc_ids)' "$KSRC/net/bpf/test_run.c" | cut -d: -f1)
	[ -n "$at" ] || die "checkpatch-kfunc: no BTF_KFUNCS_END(test_sk_check_kfunc_ids) in net/bpf/test_run.c"
	cat >"$tmp/$1.patch" <<EOC
diff --git a/net/bpf/test_run.c b/net/bpf/test_run.c
--- a/net/bpf/test_run.c
+++ b/net/bpf/test_run.c
@@ -$at,1 +$at,2 @@
+BTF_ID_FLAGS(func, $1)
 BTF_KFUNCS_END(test_sk_check_kfunc_ids)
EOC
}

# expect PATCH warn|quiet
expect() {
	local out

	out=$(cd "$KSRC" && PATH=/usr/bin:$PATH "$cp" --strict --terse --show-types --no-summary --no-signoff "$tmp/$1.patch" 2>&1) || true
	if [ "$2" = warn ] && ! grep -q "BPF_KFUNC: kfunc $3 is defined without __bpf_kfunc" <<<"$out"; then
		echo "checkpatch-kfunc: $1: no BPF_KFUNC warning for $3:"
		echo "$out"
		fails=$((fails + 1))
	elif [ "$2" = quiet ] && grep -q BPF_KFUNC <<<"$out"; then
		echo "checkpatch-kfunc: $1: unexpected warning:"
		echo "$out"
		fails=$((fails + 1))
	fi
}

newfile kfs_good "__bpf_kfunc "
newfile kfs_bad ""
newfile kfs_doc "__bpf_kfunc " "return @a (the comment's () is no definition)"
newfile kfs_docbad "" "return @a"
intree bpf_kfunc_call_test2
intree bpf_fentry_test1
expect kfs_good quiet
expect kfs_bad warn kfs_bad
expect kfs_doc quiet
expect kfs_docbad warn kfs_docbad
expect bpf_kfunc_call_test2 quiet
expect bpf_fentry_test1 warn bpf_fentry_test1
[ "$fails" -eq 0 ] || die "checkpatch-kfunc: $fails of 6 cases wrong"
msg "checkpatch-kfunc: 6 of 6 cases as expected"
