#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# kfunc-enforce.sh FLAVOUR: the build must refuse a kfunc that is not
# defined with __bpf_kfunc.  Builds three small modules against the kernel
# in build/out/FLAVOUR: one whose kfuncs are annotated (must build), one
# with a global kfunc without the annotation, and one with a static kfunc
# without it (both must fail, naming the function and the reason).
. "$(dirname "$0")/../lib.sh"

flavor=${1:-gcc}
flavor_check "$flavor"
kout=$(kfs_out "$flavor")
[ -f "$kout/vmlinux" ] || die "kfunc-enforce: no $kout/vmlinux; build the kernel first"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
kmake=(make -C "$kout" -j"$(nproc)")
[ "$flavor" = lto ] && kmake+=(LLVM=-16)
fails=0

# module NAME ATTR_GLOBAL ATTR_STATIC: a module with one global and one
# static kfunc, defined with the given annotations.
module() {
	mkdir -p "$tmp/$1"
	echo "obj-m := $1.o" >"$tmp/$1/Makefile"
	cat >"$tmp/$1/$1.c" <<EOC
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>

__bpf_kfunc_start_defs();

$2 int $1_global(int a, int b)
{
	return a + b;
}

static $3 int $1_static(int a, int unused)
{
	return a;
}

__bpf_kfunc_end_defs();

BTF_SET8_START($1_ids)
BTF_ID_FLAGS(func, $1_global)
BTF_ID_FLAGS(func, $1_static)
BTF_SET8_END($1_ids)

static const struct btf_kfunc_id_set $1_set = {
	.owner = THIS_MODULE,
	.set = &$1_ids,
};

static int __init $1_init(void)
{
	return register_btf_kfunc_id_set(BPF_PROG_TYPE_SCHED_CLS, &$1_set);
}
module_init($1_init);
MODULE_LICENSE("GPL");
EOC
}

# expect NAME ok|fail [PATTERN...]: build module NAME; check the outcome and
# that each PATTERN is in the build's output.
expect() {
	local name=$1 want=$2 log=$tmp/$1.log got=ok pat

	shift 2
	"${kmake[@]}" M="$tmp/$name" modules >"$log" 2>&1 || got=fail
	[ "$got" = fail ] || [ -f "$tmp/$name/$name.ko" ] || got=fail
	if [ "$got" != "$want" ]; then
		echo "kfunc-enforce: $name: build should $( [ "$want" = ok ] && echo succeed || echo fail ), it did not:"
		tail -n 15 "$log"
		fails=$((fails + 1))
		return
	fi
	for pat in "$@"; do
		if ! grep -q -F -e "$pat" "$log"; then
			echo "kfunc-enforce: $name: build output lacks: $pat"
			tail -n 15 "$log"
			fails=$((fails + 1))
			return
		fi
	done
	msg "kfunc-enforce($flavor): $name: $want as expected"
}

module kfs_annotated __bpf_kfunc __bpf_kfunc
module kfs_plain "" __bpf_kfunc
module kfs_static __bpf_kfunc "__maybe_unused"

expect kfs_annotated ok
expect kfs_plain fail \
	"FAILED kfunc kfs_plain_global (kfunc set kfs_plain_ids)" \
	"is not defined with __bpf_kfunc"
expect kfs_static fail \
	"FAILED kfunc kfs_static_static (kfunc set kfs_static_ids)" \
	"has no BTF_KIND_FUNC of that name"
[ -e "$tmp/kfs_plain/kfs_plain.ko" ] && { echo "kfunc-enforce: a failed module was left behind"; fails=$((fails + 1)); }

[ "$fails" -eq 0 ] || die "kfunc-enforce($flavor): $fails of 3 cases wrong"
msg "kfunc-enforce($flavor): 3 of 3 cases as expected"
