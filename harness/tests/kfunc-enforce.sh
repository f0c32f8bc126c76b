#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# kfunc-enforce.sh FLAVOUR: the build must refuse a module with a kfunc
# that a BPF program cannot call.  Builds small modules, and bpf_testmod
# without __bpf_kfunc on its static kfunc, against the kernel in
# build/out/FLAVOUR, and re-runs resolve_btfids on built modules with
# symbols or a vmlinux altered as a build could alter them.  Each bad case
# must fail naming the kfunc and the reason; the good ones must build.
# KFS_RESOLVE_BTFIDS=PATH builds and checks with another resolve_btfids (one
# without the checks shows which cases they catch; it must take the
# --rewrite-btf option that scripts/Makefile.modfinal passes).
. "$(dirname "$0")/../lib.sh"

flavor=${1:-gcc}
flavor_check "$flavor"
kout=$(kfs_out "$flavor")
rb=${KFS_RESOLVE_BTFIDS:-$kout/tools/bpf/resolve_btfids/resolve_btfids}
[ -f "$kout/vmlinux" ] || die "kfunc-enforce: no $kout/vmlinux; build the kernel first"
[ -x "$rb" ] || die "kfunc-enforce: no $rb"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
kmake=(make -C "$kout" -j"$(nproc)" RESOLVE_BTFIDS="$rb")
[ "$flavor" = lto ] && kmake+=(LLVM=-16)
fails=0 n=0

# bad TEXT...: count a wrong case and say why.
bad() {
	echo "kfunc-enforce: $*"
	fails=$((fails + 1))
}

# module NAME SET_LIST DEFINITIONS: a module whose kfunc set lists the
# functions of SET_LIST (space-separated; FUNC:FLAGS adds BTF_ID_FLAGS
# flags), with DEFINITIONS as its C code.
module() {
	local f

	mkdir -p "$tmp/$1"
	echo "obj-m := $1.o" >"$tmp/$1/Makefile"
	{
		cat <<EOC
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>

__bpf_kfunc_start_defs();
$3
__bpf_kfunc_end_defs();

BTF_KFUNCS_START($1_ids)
EOC
		for f in $2; do
			case $f in
			*:*) echo "BTF_ID_FLAGS(func, ${f%%:*}, ${f#*:})" ;;
			*) echo "BTF_ID_FLAGS(func, $f)" ;;
			esac
		done
		cat <<EOC
BTF_KFUNCS_END($1_ids)

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
	} >"$tmp/$1/$1.c"
}

# second_file NAME DEFINITION: add NAME_other.c with DEFINITION to module
# NAME, linked with it into NAME_mod.ko.
second_file() {
	printf '// SPDX-License-Identifier: GPL-2.0\n#include <linux/compiler.h>\n\n%s\n' \
		"$2" >"$tmp/$1/$1_other.c"
	printf 'obj-m := %s_mod.o\n%s_mod-y := %s.o %s_other.o\n' "$1" "$1" "$1" "$1" \
		>"$tmp/$1/Makefile"
}

# check NAME WANT LOG GOT PATTERN: compare an outcome with the expected one.
check() {
	local name=$1 want=$2 log=$3 got=$4 pat=$5

	n=$((n + 1))
	if [ "$got" != "$want" ]; then
		bad "$name: expected $want, got $got:"
		grep -E 'FAILED|error' "$log" | head -n 5
		tail -n 5 "$log"
		return 1
	fi
	if [ -n "$pat" ] && ! grep -q -F -e "$pat" "$log"; then
		bad "$name: output lacks: $pat"
		grep -E 'FAILED|WARN' "$log" | head -n 5
		return 1
	fi
	msg "kfunc-enforce($flavor): $name: $want as expected"
	[ "$want" = ok ] || grep -h 'FAILED kfunc' "$log" | sed "s|$tmp/||g; s/^/    /"
}

# build NAME ok|fail [PATTERN]: build module NAME (a directory in $tmp).
build() {
	local name=$1 log=$tmp/$1.log got=ok ko

	ko=$(sed -n 's/^obj-m *[:+]\{0,1\}= *\([^ ]*\)\.o$/\1/p' "$tmp/$name/Makefile")
	[ -n "$ko" ] || die "kfunc-enforce: $name: no obj-m in its Makefile"
	"${kmake[@]}" M="$tmp/$name" modules >"$log" 2>&1 || got=fail
	[ "$got" = fail ] || [ -f "$tmp/$name/$ko.ko" ] || got=fail
	check "$name" "$2" "$log" "$got" "${3:-}" || return 0
	[ "$got" = ok ] || [ ! -e "$tmp/$name/$ko.ko" ] || bad "$name: a failed module was left behind"
}

# rerun NAME KO ok|fail PATTERN -- ARGS...: run resolve_btfids again on a
# copy of a built module.
rerun() {
	local name=$1 ko=$2 want=$3 pat=$4 log=$tmp/$1.log got=ok

	shift 5
	cp "$ko" "$tmp/$name.ko"
	"$rb" "$@" "$tmp/$name.ko" >"$log" 2>&1 || got=fail
	check "$name" "$want" "$log" "$got" "$pat" || true
}

F="FAILED kfunc"

# Annotated kfuncs, global and static: builds.
module kfs_good "kfs_good_global kfs_good_static" '
__bpf_kfunc int kfs_good_global(int a, int b)
{
	return a + b;
}

static __bpf_kfunc int kfs_good_static(int a, int unused)
{
	return a;
}'
build kfs_good ok

# A static kfunc without the annotation: dropped as unused.
module kfs_static "kfs_static_fn" '
static __maybe_unused int kfs_static_fn(int a, int unused)
{
	return a;
}'
build kfs_static fail "$F kfs_static_fn (kfunc set kfs_static_ids) in $tmp/kfs_static/kfs_static.ko has no function symbol and no BTF_KIND_FUNC of that name"

# bpf_testmod with its static kfunc, which C code calls, not annotated:
# inlined there, or cloned.
cp -r "$KSRC/tools/testing/selftests/bpf/bpf_testmod" "$tmp/testmod"
rm -f "$tmp/testmod"/*.o "$tmp/testmod"/*.ko "$tmp/testmod"/.*.cmd
sed -i 's/^static __bpf_kfunc int bpf_testmod_kfunc_static(/static int bpf_testmod_kfunc_static(/' \
	"$tmp/testmod/bpf_testmod.c"
grep -q '^static int bpf_testmod_kfunc_static(' "$tmp/testmod/bpf_testmod.c" ||
	die "kfunc-enforce: bpf_testmod.c has no annotated bpf_testmod_kfunc_static to strip"
build testmod fail "$F bpf_testmod_kfunc_static (kfunc set bpf_testmod_check_kfunc_ids) in $tmp/testmod/bpf_testmod.ko has no function symbol"

# A module kfunc named like a function of vmlinux, with BTF there: the id
# and kallsyms would resolve to vmlinux's.
module kfs_shadow "bpf_fentry_test1" '
static __bpf_kfunc int bpf_fentry_test1(int a)
{
	return a + 100;
}'
build kfs_shadow fail "$F bpf_fentry_test1 (kfunc set kfs_shadow_ids) in $tmp/kfs_shadow/kfs_shadow.ko is also a BTF_KIND_FUNC of vmlinux"

# ... or like a symbol of vmlinux that has no BTF (assembly): kallsyms.
module kfs_shadowsym "startup_64" '
static __bpf_kfunc int startup_64(int a)
{
	return a + 1;
}'
build kfs_shadowsym fail "$F startup_64 (kfunc set kfs_shadowsym_ids) in $tmp/kfs_shadowsym/kfs_shadowsym.ko is also a symbol of vmlinux"

# Two functions of the kfunc's name in one module (two files).
module kfs_two "kfs_two_fn" '
static __bpf_kfunc int kfs_two_fn(int a)
{
	return a * 2;
}'
second_file kfs_two '
static __used noinline int kfs_two_fn(int a)
{
	return a * 3;
}'
build kfs_two fail "$F kfs_two_fn (kfunc set kfs_two_ids) in $tmp/kfs_two/kfs_two_mod.ko has 2 function symbols of that name"

# A module that lists a function of vmlinux: BPF programs resolve the name
# in vmlinux's BTF, whose kfunc sets do not list it.
module kfs_vml "bpf_fentry_test2" ''
build kfs_vml fail "$F bpf_fentry_test2 (kfunc set kfs_vml_ids) in $tmp/kfs_vml/kfs_vml.ko is a function of vmlinux, not of this module"

# A kfunc named like a variable of the same module: kallsyms may take it.
module kfs_dat "kfs_dat_fn" '
static __bpf_kfunc int kfs_dat_fn(int a)
{
	return a * 2;
}'
second_file kfs_dat 'static __used int kfs_dat_fn = 3;'
build kfs_dat fail "$F kfs_dat_fn (kfunc set kfs_dat_ids) in $tmp/kfs_dat/kfs_dat_mod.ko is also the name of a symbol that is not a function"

# LTO promoted a module kfunc: module symbol lookup compares exactly.
if [ -f "$tmp/kfs_good/kfs_good.ko" ]; then
	objcopy --redefine-sym kfs_good_static=kfs_good_static.llvm.4242 \
		"$tmp/kfs_good/kfs_good.ko" "$tmp/kfs_good-llvm.ko"
	rerun kfs_promoted "$tmp/kfs_good-llvm.ko" fail \
		"$F kfs_good_static (kfunc set kfs_good_ids) in $tmp/kfs_promoted.ko has no function symbol of exactly that name, only kfs_good_static.llvm.4242" \
		-- -b "$kout/vmlinux"
fi

# KF_IMPLICIT_ARGS: the last parameter must be struct bpf_prog_aux *; the
# module gets foo with the short prototype and foo_impl with the full one.
module kfs_implicit "kfs_implicit_fn:KF_IMPLICIT_ARGS kfs_plain_fn" '
__bpf_kfunc u32 kfs_implicit_fn(u32 mul, const struct bpf_prog_aux *aux)
{
	return mul * aux->id;
}

__bpf_kfunc u32 kfs_plain_fn(u32 mul)
{
	return mul;
}'
build kfs_implicit ok
if [ -f "$tmp/kfs_implicit/kfs_implicit.ko" ]; then
	n=$((n + 1))
	bpftool -B "$kout/vmlinux" btf dump file \
		"$tmp/kfs_implicit/kfs_implicit.ko" format raw \
		>"$tmp/kfs_implicit.btf" 2>&1 ||
		bad "kfs_implicit: bpftool cannot dump its BTF"
	if btf_params_check "$tmp/kfs_implicit.btf" kfs_implicit_fn "'mul'" \
		"'mul' 'aux'" && btf_params_check "$tmp/kfs_implicit.btf" \
		kfs_plain_fn "'mul'" -; then
		msg "kfunc-enforce($flavor): kfs_implicit: BTF as expected"
		for f in kfs_implicit_fn kfs_implicit_fn_impl; do
			echo "    FUNC $f($(awk -v f="'$f'" \
				-f "$KFS_HARNESS/tests/btf-params.awk" \
				"$tmp/kfs_implicit.btf" "$tmp/kfs_implicit.btf"))"
		done
	else
		bad "kfs_implicit: its BTF is not as expected"
	fi
fi

module kfs_noargs "kfs_noargs_fn:KF_IMPLICIT_ARGS" '
__bpf_kfunc u32 kfs_noargs_fn(void)
{
	return 1;
}'
build kfs_noargs fail "$F kfs_noargs_fn (kfunc set kfs_noargs_ids) in $tmp/kfs_noargs/kfs_noargs.ko is flagged KF_IMPLICIT_ARGS but takes no arguments: its last parameter must be struct bpf_prog_aux *"

module kfs_notaux "kfs_notaux_fn:KF_IMPLICIT_ARGS" '
__bpf_kfunc u32 kfs_notaux_fn(u32 a, struct sk_buff *skb)
{
	return a;
}'
build kfs_notaux fail "$F kfs_notaux_fn (kfunc set kfs_notaux_ids) in $tmp/kfs_notaux/kfs_notaux.ko is flagged KF_IMPLICIT_ARGS but has a last parameter skb that is not struct bpf_prog_aux *"

module kfs_toomany "kfs_toomany_fn:KF_IMPLICIT_ARGS" '
__bpf_kfunc u32 kfs_toomany_fn(u32 a, u32 b, u32 c, u32 d, u32 e,
			       struct bpf_prog_aux *aux)
{
	return a + b + c + d + e;
}'
build kfs_toomany fail "$F kfs_toomany_fn (kfunc set kfs_toomany_ids) in $tmp/kfs_toomany/kfs_toomany.ko is flagged KF_IMPLICIT_ARGS but takes 6 arguments, more than the 5 a kfunc can"

module kfs_hasimpl "kfs_hasimpl_fn:KF_IMPLICIT_ARGS" '
__bpf_kfunc u32 kfs_hasimpl_fn(struct bpf_prog_aux *aux)
{
	return aux->id;
}

__bpf_kfunc u32 kfs_hasimpl_fn_impl(struct bpf_prog_aux *aux)
{
	return 0;
}
EXPORT_SYMBOL_GPL(kfs_hasimpl_fn_impl);'
build kfs_hasimpl fail "$F kfs_hasimpl_fn (kfunc set kfs_hasimpl_ids) in $tmp/kfs_hasimpl/kfs_hasimpl.ko is flagged KF_IMPLICIT_ARGS but kfs_hasimpl_fn_impl is a function already; rename it"

# Listed with the flag in the kfunc set and without it in a plain set8,
# which could offer foo, now short of its aux, without the verifier's load.
module kfs_mixed "kfs_mixed_fn:KF_IMPLICIT_ARGS" '
__bpf_kfunc u32 kfs_mixed_fn(struct bpf_prog_aux *aux)
{
	return aux->id;
}

BTF_SET8_START(kfs_mixed_plain)
BTF_ID_FLAGS(func, kfs_mixed_fn)
BTF_SET8_END(kfs_mixed_plain)'
build kfs_mixed fail "$F kfs_mixed_fn (kfunc set kfs_mixed_ids) in $tmp/kfs_mixed/kfs_mixed.ko is flagged KF_IMPLICIT_ARGS but is listed without the flag in set kfs_mixed_plain"

# A flagged set whose BTF was not rewritten, as a tree without
# Makefile.modfinal's rewrite builds it (a resolve_btfids that skips
# --rewrite-btf): it builds, and registering the set must fail when the
# module is loaded.  guest-tests.sh loads it from the selftests directory.
module kfs_unrewritten "kfs_unrewritten_fn:KF_IMPLICIT_ARGS" '
__bpf_kfunc u32 kfs_unrewritten_fn(u32 mul, struct bpf_prog_aux *aux)
{
	return mul * aux->id;
}'
cat >"$tmp/rb-norewrite" <<EOS
#!/bin/sh
case " \$* " in *" --rewrite-btf "*) exit 0 ;; esac
exec "$rb" "\$@"
EOS
chmod +x "$tmp/rb-norewrite"
kmake_saved=("${kmake[@]}")
kmake+=(RESOLVE_BTFIDS="$tmp/rb-norewrite")
build kfs_unrewritten ok
kmake=("${kmake_saved[@]}")
ko=$tmp/kfs_unrewritten/kfs_unrewritten.ko
if [ -f "$ko" ]; then
	n=$((n + 1))
	bpftool -B "$kout/vmlinux" btf dump file "$ko" format raw \
		>"$tmp/kfs_unrewritten.btf" 2>&1 ||
		bad "kfs_unrewritten: bpftool cannot dump its BTF"
	if btf_params_check "$tmp/kfs_unrewritten.btf" kfs_unrewritten_fn \
		"'mul' 'aux'" -; then
		mkdir -p "$KFS_BUILD/selftests/$flavor"
		cp "$ko" "$KFS_BUILD/selftests/$flavor/"
		msg "kfunc-enforce($flavor): kfs_unrewritten: BTF not rewritten, as wanted; the VM must refuse to load it"
	else
		bad "kfs_unrewritten: its BTF is not the unrewritten one"
	fi
fi

# A failed rewrite leaves no rewritten BTF behind.
for f in "$tmp"/kfs_*/*.btf "$tmp"/kfs_*/*.btf.tmp; do
	[ -e "$f" ] && bad "a rewritten BTF was left behind: $f"
done

[ "$fails" -eq 0 ] || die "kfunc-enforce($flavor): $fails of $n cases wrong"
msg "kfunc-enforce($flavor): $n of $n cases as expected"
