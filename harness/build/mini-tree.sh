# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# mini_tree STEP SRC MINI TEST...: a copy, in MINI, of the prog_tests/ and
# progs/ of the selftests in SRC that holds only the test_progs tests TEST
# (test names; a test may be defined in the file of its name or of its
# prefix, dummy_pe_ops_fail in dummy_pe_ops.c), every program they open
# (skeleton, light skeleton or object), the programs' headers and
# btf_data.c, which the test_progs link rule reads.  Sets mini_make to the
# make variables that build test_progs from the copy instead of the
# whole directory (some 600 BPF objects, and on older bases tests of the
# base's own that do not build).  Sourced by build-selftests.sh and
# cross-selftests.sh, after lib.sh.
mini_tree() {
	local step=$1 src=$2 mini=$3 t f p
	local -a progs=() lskels=()

	shift 3
	rm -rf "$mini"
	mkdir -p "$mini/prog_tests" "$mini/progs"
	for t in "$@"; do
		t=${t%%/*}
		f=$t
		while [ ! -f "$src/prog_tests/$f.c" ] && [ "$f" != "${f%_*}" ]; do
			f=${f%_*}
		done
		grep -Eqs "^void (serial_)?test_$t\(" "$src/prog_tests/$f.c" ||
			die "$step: test $t is not in $src/prog_tests/"
		[ ! -f "$mini/prog_tests/$f.c" ] || continue
		cp "$src/prog_tests/$f.c" "$mini/prog_tests/"
		mapfile -t -O "${#progs[@]}" progs < <(grep -Eho '[a-z0-9_]+\.(l?skel\.h|bpf\.o)' \
						      "$src/prog_tests/$f.c")
	done
	# Light skeletons (.lskel.h) as the Makefile's LSKELS_EXTRA.
	for p in "${progs[@]}"; do
		case "$p" in *.lskel.h) lskels+=("${p%.lskel.h}.c") ;; esac
		p=${p%.skel.h}
		p=${p%.lskel.h}
		p=${p%.bpf.o}
		[ -f "$src/progs/$p.c" ] || die "$step: no progs/$p.c"
		cp "$src/progs/$p.c" "$mini/progs/"
	done
	cp "$src/progs/"*.h "$src/progs/btf_data.c" "$mini/progs/"
	f=$(realpath --relative-to="$src" "$mini")
	# shellcheck disable=SC2034 # read by the caller
	mini_make=(TRUNNER_TESTS_DIR="$f/prog_tests"
		   TRUNNER_BPF_PROGS_DIR="$f/progs"
		   LSKELS= LINKED_SKELS=
		   LSKELS_EXTRA="$(printf '%s\n' "${lskels[@]}" | sort -u | paste -sd' ' -)")
}
