// SPDX-License-Identifier: GPL-2.0
/*
 * The prologue and the epilogue that the kernel generates around struct_ops
 * programs (bpf_dummy_pe_ops, net/bpf/bpf_dummy_pe_ops.c), and their calls:
 * each program's return value and context after BPF_PROG_TEST_RUN, and its
 * instructions as the verifier left them, compared exactly.
 *
 * The prologue adds 1000 to args->a, the epilogue adds 10000 and doubles the
 * return value, both through the kfunc bpf_kfunc_dummy_pe_add(), or, where
 * the program cannot call kfuncs, its BPF_CALL_2 counterpart
 * bpf_dummy_pe_add(), called directly.  They pass with the JIT and with the
 * interpreter (net.core.bpf_jit_enable=0), and with JITs that cannot call
 * kfuncs.
 */
#include <test_progs.h>
#include <load_expect.h>
#include <trace_helpers.h>
#include <sys/syscall.h>
#include <bpf/btf.h>
#include "dummy_pe_ops.skel.h"
#include "dummy_pe_ops_fail.skel.h"
#include "dummy_pe_ops_freplace.skel.h"

/* include/linux/bpf_dummy_pe_ops.h */
struct bpf_dummy_pe_args {
	__u64 a;
};

/* A kfunc call, its address (imm) not compared */
#define KFUNC_CALL \
	BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, 0)

#define PROLOGUE							\
	BPF_MOV64_REG(BPF_REG_6, BPF_REG_1),				\
	BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_6, 0),			\
	BPF_MOV64_IMM(BPF_REG_2, 1000),					\
	KFUNC_CALL,							\
	BPF_MOV64_REG(BPF_REG_1, BPF_REG_6)

#define SAVE_CTX(off) BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_1, off)

#define EPILOGUE(off)							\
	BPF_MOV64_REG(BPF_REG_6, BPF_REG_0),				\
	BPF_LDX_MEM(BPF_DW, BPF_REG_7, BPF_REG_10, off),		\
	BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_7, 0),			\
	BPF_MOV64_IMM(BPF_REG_2, 10000),				\
	KFUNC_CALL,							\
	BPF_MOV64_REG(BPF_REG_0, BPF_REG_6),				\
	BPF_ALU64_IMM(BPF_MUL, BPF_REG_0, 2),				\
	BPF_EXIT_INSN()

/*
 * Loads through BTF pointers (args) become probing loads, shown as plain
 * ones by BPF_OBJ_GET_INFO_BY_FD.
 */
#define LDX_PROBE(dst, src, off) BPF_LDX_MEM(BPF_DW, dst, src, off)

/* progs/dummy_pe_ops.c's DOUBLE_A, all but its exit */
#define DOUBLE_A_BODY							\
	BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_1, 0),			\
	LDX_PROBE(BPF_REG_2, BPF_REG_1, 0),				\
	BPF_ALU64_IMM(BPF_MUL, BPF_REG_2, 2),				\
	BPF_STX_MEM(BPF_DW, BPF_REG_1, BPF_REG_2, 0),			\
	BPF_MOV64_REG(BPF_REG_0, BPF_REG_2)

static const struct bpf_insn prologue_only[] = {
	PROLOGUE,
	DOUBLE_A_BODY,
	BPF_EXIT_INSN(),
};

static const struct bpf_insn epilogue_only[] = {
	SAVE_CTX(-8),
	DOUBLE_A_BODY,
	EPILOGUE(-8),
};

static const struct bpf_insn pro_epilogue[] = {
	PROLOGUE,
	SAVE_CTX(-8),
	DOUBLE_A_BODY,
	EPILOGUE(-8),
};

/* The second exit jumps back to the first one's epilogue */
static const struct bpf_insn two_exits[] = {
	SAVE_CTX(-8),
	BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_1, 0),
	LDX_PROBE(BPF_REG_3, BPF_REG_2, 0),
	BPF_JMP_IMM(BPF_JNE, BPF_REG_3, 0, 9),
	BPF_MOV64_IMM(BPF_REG_0, 1),
	EPILOGUE(-8),
	BPF_MOV64_IMM(BPF_REG_1, 0),
	BPF_MOV64_IMM(BPF_REG_0, 2),
	BPF_JMP_A(-11),
};

/* The jump back goes to the program's first instruction, at 6 */
static const struct bpf_insn goto_start[] = {
	PROLOGUE,
	SAVE_CTX(-8),
	BPF_JMP_IMM(BPF_JEQ, BPF_REG_1, 0, 6),
	BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_1, 0),
	LDX_PROBE(BPF_REG_3, BPF_REG_2, 0),
	BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, 1),
	BPF_STX_MEM(BPF_DW, BPF_REG_2, BPF_REG_3, 0),
	BPF_MOV64_IMM(BPF_REG_1, 0),
	BPF_JMP_A(-7),
	BPF_MOV64_IMM(BPF_REG_0, 3),
	EPILOGUE(-8),
};

/*
 * The subprogram's exit stays an exit.  As the JIT sees it: the call's off
 * is the subprogram's offset, its imm the subprogram's number.
 */
static const struct bpf_insn subprog_call[] = {
	SAVE_CTX(-8),
	BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 9, 1),
	BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, 1),
	EPILOGUE(-8),
	BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_1, 0),
	LDX_PROBE(BPF_REG_0, BPF_REG_2, 0),
	BPF_EXIT_INSN(),
};

/* The prologue's and the epilogue's, as they follow each other */
static const struct bpf_insn first_call[] = {
	PROLOGUE,
	SAVE_CTX(-8),
	BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 9, 1),
	BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, 1),
	EPILOGUE(-8),
	BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_1, 0),
	LDX_PROBE(BPF_REG_0, BPF_REG_2, 0),
	BPF_EXIT_INSN(),
};

static const struct bpf_insn tail_callee[] = {
	PROLOGUE,
	SAVE_CTX(-8),
	BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_1, 0),
	LDX_PROBE(BPF_REG_3, BPF_REG_2, 0),
	BPF_ALU64_IMM(BPF_MUL, BPF_REG_3, 2),
	BPF_STX_MEM(BPF_DW, BPF_REG_2, BPF_REG_3, 0),
	BPF_MOV64_IMM(BPF_REG_0, 5),
	EPILOGUE(-8),
};

/* The context saved in the last 8 bytes of the 512 */
static const struct bpf_insn stack_504[] = {
	SAVE_CTX(-512),
	BPF_MOV64_IMM(BPF_REG_2, 7),
	BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_2, -504),
	BPF_LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, -504),
	EPILOGUE(-512),
};

/* The JIT is off (net.core.bpf_jit_enable=0) */
static bool interp;
/* The JIT is on and calls kfuncs (bpf_jit_supports_kfunc_call()) */
static bool kfunc_jit;
/* The JIT is on and JITs programs with subprograms (jit_subprogs()) */
static bool subprog_jit;
/* Subprograms may tail call (allow_tail_call_in_subprogs()) */
static bool subprog_tail_call;
/*
 * Generated code calls the BPF_CALL_2 counterparts of kfuncs, directly:
 * where programs cannot call kfuncs, and on every 32-bit kernel
 * (bpf_prog_can_call_kfunc())
 */
static bool direct;
/* The program check_xlated() compares was JITed */
static bool xlated_jited;
/* The JIT blinds every program's constants (net.core.bpf_jit_harden=2) */
static bool blinded;
/* include/linux/filter.h: the register constant blinding uses */
#define BPF_REG_AX	MAX_BPF_REG
static __s32 call_imm(const char *name);

static void print_insn(const char *what, int i, const struct bpf_insn *insn)
{
	printf("%s %3d: code %02x dst r%d src r%d off %d imm %d\n", what, i,
	       insn->code, insn->dst_reg, insn->src_reg, insn->off, insn->imm);
}

static bool same_insn(const struct bpf_insn *want, const struct bpf_insn *got)
{
	bool kfunc = want->code == (BPF_JMP | BPF_CALL) &&
		     want->src_reg == BPF_PSEUDO_KFUNC_CALL;

	if (kfunc && direct)
		return got->code == want->code && !got->dst_reg &&
		       !got->src_reg && !got->off &&
		       got->imm == call_imm("bpf_dummy_pe_add");
	/*
	 * The interpreter calls a subprogram through the entry for its
	 * stack: without the JIT, and where the JIT cannot compile BPF-to-BPF
	 * calls (the 32-bit JITs, MIPS)
	 */
	if (!xlated_jited && want->code == (BPF_JMP | BPF_CALL) &&
	    want->src_reg == BPF_PSEUDO_CALL)
		return got->code == want->code && !got->dst_reg &&
		       got->src_reg == want->src_reg && got->off == want->off;
	return want->code == got->code && want->dst_reg == got->dst_reg &&
	       want->src_reg == got->src_reg && want->off == got->off &&
	       (kfunc ? got->imm != 0 : want->imm == got->imm);
}

/*
 * A program with BPF-to-BPF calls is blinded function by function as it is
 * JITed: its xlated instructions, which the kernel dumps from the program
 * as verified, are not.
 */
static bool has_bpf_call(const struct bpf_insn *insns, __u32 cnt)
{
	__u32 i;

	for (i = 0; i < cnt; i++)
		if (insns[i].code == (BPF_JMP | BPF_CALL) &&
		    insns[i].src_reg == BPF_PSEUDO_CALL)
			return true;
	return false;
}

/*
 * The xlated instructions of @prog_fd are @want, exactly; printed if not.
 * Where the JIT blinded them, only that it did is checked.
 */
static void check_xlated(int prog_fd, const struct bpf_insn *want, __u32 cnt)
{
	struct bpf_prog_info info = {};
	__u32 i, got_cnt, len = sizeof(info);
	struct bpf_insn *got;
	bool same;

	if (!ASSERT_OK(bpf_obj_get_info_by_fd(prog_fd, &info, &len),
		       "bpf_obj_get_info_by_fd"))
		return;
	xlated_jited = info.jited_prog_len;
	got = get_xlated_insns(prog_fd, &got_cnt);
	if (!ASSERT_OK_PTR(got, "get_xlated_insns"))
		return;
	if (blinded && !has_bpf_call(got, got_cnt)) {
		/* Not compared: blinding moved each immediate through AX */
		for (i = 0, same = false; !same && i < got_cnt; i++)
			same = got[i].dst_reg == BPF_REG_AX ||
			       got[i].src_reg == BPF_REG_AX;
		ASSERT_TRUE(same, "constants blinded through AX");
		free(got);
		return;
	}
	same = got_cnt == cnt;
	for (i = 0; same && i < cnt; i++)
		same = same_insn(&want[i], &got[i]);
	if (!ASSERT_TRUE(same, "xlated instructions")) {
		for (i = 0; i < cnt; i++)
			print_insn("want", i, &want[i]);
		for (i = 0; i < got_cnt; i++)
			print_insn("got ", i, &got[i]);
	}
	free(got);
}

/*
 * The stack the JIT reserves for @prog, at least @depth bytes with the
 * saved context: x86-64's "sub rsp, imm32" (48 81 ec), the first in the
 * JITed image.  Other JITs, and the interpreter, are not looked at.
 */
static void check_jited_frame(struct bpf_program *prog, __u32 depth)
{
#if defined(__x86_64__)
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), i;
	__s32 frame = -1;
	__u8 *img;

	if (!ASSERT_OK(bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info,
					      &len), "bpf_obj_get_info_by_fd"))
		return;
	if (!info.jited_prog_len) {
		/* x86-64 JITs every program while the JIT is on */
		ASSERT_TRUE(interp, "JITed unless the JIT is off");
		return;
	}
	img = calloc(1, info.jited_prog_len);
	if (!ASSERT_OK_PTR(img, "calloc"))
		return;
	len = info.jited_prog_len;
	memset(&info, 0, sizeof(info));
	info.jited_prog_len = len;
	info.jited_prog_insns = ptr_to_u64(img);
	len = sizeof(info);
	if (ASSERT_OK(bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info,
					     &len), "jited_prog_insns")) {
		for (i = 0; i + 7 <= info.jited_prog_len; i++) {
			if (img[i] == 0x48 && img[i + 1] == 0x81 &&
			    img[i + 2] == 0xec) {
				memcpy(&frame, img + i + 3, sizeof(frame));
				break;
			}
		}
		ASSERT_EQ(frame, depth, "JITed frame (sub rsp)");
	}
	free(img);
#endif
}

/* Run @prog_fd with args->a = @a; check its return value and args->a after */
static void check_run_fd(int prog_fd, __u64 a, __u32 retval, __u64 a_after)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	struct bpf_dummy_pe_args args = { .a = a }, out = {};
	int err;

	topts.ctx_in = &args;
	topts.ctx_size_in = sizeof(args);
	topts.ctx_out = &out;
	topts.ctx_size_out = sizeof(out);
	err = bpf_prog_test_run_opts(prog_fd, &topts);
	if (!ASSERT_OK(err, "bpf_prog_test_run_opts"))
		return;
	ASSERT_EQ(topts.retval, retval, "retval");
	ASSERT_EQ(topts.ctx_size_out, sizeof(out), "ctx_size_out");
	ASSERT_EQ(out.a, a_after, "args->a after the run");
}

static void check_run(struct bpf_program *prog, __u64 a, __u32 retval,
		      __u64 a_after)
{
	check_run_fd(bpf_program__fd(prog), a, retval, a_after);
}

/* The imm of a resolved helper-style call of kernel function @name */
static __s32 call_imm(const char *name)
{
	long base, fn;

	if (!ASSERT_OK(load_kallsyms(), "load_kallsyms"))
		return 0;
	base = ksym_get_addr("__bpf_call_base");
	fn = ksym_get_addr(name);
	if (!ASSERT_NEQ(base, 0, "__bpf_call_base") ||
	    !ASSERT_NEQ(fn, 0, name))
		return 0;
	return fn - base;
}

/*
 * first_helper_call starts with the program's own helper call, which the
 * prologue copies after itself: that copy is the program's, resolved by
 * do_misc_fixups() like any helper call, not taken for generated code.
 */
static void test_first_helper_call(struct dummy_pe_ops *skel)
{
	int fd = bpf_program__fd(skel->progs.first_helper_call);
	__s32 imm = call_imm("bpf_get_current_pid_tgid");
	__u32 tid = syscall(SYS_gettid), i, cnt, calls = 0;
	struct bpf_insn *insns;

	/* 1001; returns the thread id; 11001, returns it doubled */
	check_run(skel->progs.first_helper_call, 1, tid * 2, 11001);
	insns = get_xlated_insns(fd, &cnt);
	if (!ASSERT_OK_PTR(insns, "get_xlated_insns"))
		return;
	for (i = 0; i < cnt; i++)
		if (insns[i].code == (BPF_JMP | BPF_CALL) &&
		    !insns[i].src_reg && insns[i].imm == imm)
			calls++;
	ASSERT_EQ(calls, 1, "calls of bpf_get_current_pid_tgid, resolved");
	free(insns);
}

/*
 * test_direct_call's prologue and epilogue call bpf_dummy_pe_add(), the
 * BPF_CALL_2 counterpart of the kfunc, with BPF_EMIT_CALL(): the same
 * effect, a plain call in the translated program.
 */
static void test_direct_call(struct dummy_pe_ops *skel)
{
	__s32 imm = call_imm("bpf_dummy_pe_add");
	struct bpf_insn want[] = {
		PROLOGUE,
		SAVE_CTX(-8),
		DOUBLE_A_BODY,
		EPILOGUE(-8),
	};
	__u32 i;

	for (i = 0; i < ARRAY_SIZE(want); i++) {
		if (want[i].code == (BPF_JMP | BPF_CALL)) {
			want[i].src_reg = 0;
			want[i].imm = imm;
		}
	}
	check_run(skel->progs.direct_call, 1, 4004, 12002);
	check_xlated(bpf_program__fd(skel->progs.direct_call), want,
		     ARRAY_SIZE(want));
}

#define CHECK_XLATED(skel, name) \
	check_xlated(bpf_program__fd((skel)->progs.name), name, ARRAY_SIZE(name))

static void test_tail_call(struct dummy_pe_ops *skel)
{
	int callee = bpf_program__fd(skel->progs.tail_callee), key = 0;
	int other = bpf_program__fd(skel->progs.prologue_only);
	int map = bpf_map__fd(skel->maps.jmp_table);

	if (!ASSERT_OK(bpf_map_update_elem(map, &key, &callee, BPF_ANY),
		       "jmp_table update"))
		return;
	/*
	 * A program of another member has other generated code, or none: a
	 * tail call to it would end this one without its epilogue.  The
	 * prog array takes programs of its owner's member only
	 * (bpf_prog_map_compatible() compares expected_attach_type).
	 */
	ASSERT_ERR(bpf_map_update_elem(map, &key, &other, BPF_ANY),
		   "jmp_table update with another member's program");
	/*
	 * tail_caller's prologue: 1001, +1: 1002, tail call; tail_callee's
	 * prologue: 2002, *2: 4004, returns 5; its epilogue: 14004, returns
	 * 10.  tail_caller's epilogue does not run.
	 */
	check_run(skel->progs.tail_caller, 1, 10, 14004);
	CHECK_XLATED(skel, tail_callee);
	/* The callee alone: 1001, 2002, returns 5; 12002, returns 10 */
	check_run(skel->progs.tail_callee, 1, 10, 12002);
}

/*
 * test_kfunc_only's epilogue calls the kfunc whatever runs the program:
 * with a JIT that calls kfuncs it loads and runs, on a 32-bit kernel too;
 * with the interpreter, or a JIT that cannot, its load fails, naming the
 * kfunc.
 */
static void test_kfunc_only(void)
{
	static const char want[] =
		"the epilogue cannot call kernel function bpf_kfunc_dummy_pe_add";
	struct bpf_program *prog;
	struct dummy_pe_ops *skel;
	static char log[16384];
	int err;

	skel = dummy_pe_ops__open();
	if (!ASSERT_OK_PTR(skel, "dummy_pe_ops__open"))
		return;
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, prog == skel->progs.kfunc_only);
	bpf_program__set_log_buf(skel->progs.kfunc_only, log, sizeof(log));
	err = dummy_pe_ops__load(skel);
	if (!kfunc_jit) {
		if (ASSERT_ERR(err, "load without kfunc calls"))
			ASSERT_HAS_SUBSTR(log, want, "verifier log");
	} else if (ASSERT_OK(err, "load with the JIT")) {
		/* 2, returns 2; 10002, returns 4 */
		check_run(skel->progs.kfunc_only, 1, 4, 10002);
	}
	dummy_pe_ops__destroy(skel);
}

/*
 * A tail call from a subprogram returns to the main program: in a program
 * with an epilogue the callee's epilogue would run there, then the
 * program's own.  The load fails; where no subprogram may tail call (the
 * JIT off, or on 6.1 any JIT but x86-64's and arm64's) it fails earlier,
 * as for any program with subprograms and tail calls.
 */
static void test_tail_call_subprog(void)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	static const char want_jit[] =
		"tail_call in subprog 1: a program with an epilogue may tail call";
	static const char want_interp[] =
		"tail_calls are not allowed in non-JITed programs with bpf-to-bpf";
	struct bpf_dummy_pe_args args = { .a = 1 };
	struct bpf_program *prog;
	struct dummy_pe_ops *skel;
	static char log[16384];
	int err, callee, key = 0;

	skel = dummy_pe_ops__open();
	if (!ASSERT_OK_PTR(skel, "dummy_pe_ops__open"))
		return;
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog,
					  prog == skel->progs.tail_call_subprog ||
					  prog == skel->progs.tail_callee);
	bpf_program__set_log_buf(skel->progs.tail_call_subprog, log,
				 sizeof(log));
	err = dummy_pe_ops__load(skel);
	if (ASSERT_ERR(err, "load tail_call_subprog")) {
		ASSERT_HAS_SUBSTR(log,
				  subprog_tail_call ? want_jit : want_interp,
				  "verifier log");
		goto out;
	}
	/* Loaded: show what it does, the callee's epilogue and its own */
	callee = bpf_program__fd(skel->progs.tail_callee);
	bpf_map_update_elem(bpf_map__fd(skel->maps.jmp_table), &key, &callee,
			    BPF_ANY);
	topts.ctx_in = &args;
	topts.ctx_size_in = sizeof(args);
	topts.ctx_out = &args;
	topts.ctx_size_out = sizeof(args);
	prog = skel->progs.tail_call_subprog;
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &topts);
	printf("%s: tail_call_subprog loaded, ran (%d): retval %u, args->a %llu\n",
	       __func__, err, topts.retval, (unsigned long long)args.a);
out:
	dummy_pe_ops__destroy(skel);
}

/*
 * Load @ext's @prog to replace @func of @tgt; @want: the verifier's refusal,
 * NULL if it must load.  On success, @tgt then returns @retval and leaves
 * @a_after in args->a, from 1.
 */
static void check_freplace(struct bpf_program *tgt, const char *func,
			   bool main_prog, const char *want, __u32 retval,
			   __u64 a_after)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	struct dummy_pe_ops_freplace *ext;
	struct bpf_dummy_pe_args args = { .a = 1 };
	struct bpf_program *prog;
	struct bpf_link *link;
	static char log[16384];
	int err;

	ext = dummy_pe_ops_freplace__open();
	if (!ASSERT_OK_PTR(ext, "dummy_pe_ops_freplace__open"))
		return;
	prog = main_prog ? ext->progs.new_main : ext->progs.new_sub;
	bpf_program__set_autoload(prog, true);
	bpf_program__set_log_buf(prog, log, sizeof(log));
	log[0] = 0;
	if (!ASSERT_OK(bpf_program__set_attach_target(prog,
						      bpf_program__fd(tgt),
						      func),
		       "set_attach_target"))
		goto out;
	err = dummy_pe_ops_freplace__load(ext);
	if (want) {
		if (ASSERT_ERR(err, "load the extension"))
			ASSERT_HAS_SUBSTR(log, want, "verifier log");
		goto out;
	}
	if (!ASSERT_OK(err, "load the extension"))
		goto out;
	link = bpf_program__attach_freplace(prog, bpf_program__fd(tgt), func);
	if (!ASSERT_OK_PTR(link, "attach_freplace"))
		goto out;
	topts.ctx_in = &args;
	topts.ctx_size_in = sizeof(args);
	topts.ctx_out = &args;
	topts.ctx_size_out = sizeof(args);
	if (ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(tgt), &topts),
		      "run the program extended")) {
		ASSERT_EQ(topts.retval, retval, "retval");
		ASSERT_EQ(args.a, a_after, "args->a after the run");
	}
	bpf_link__destroy(link);
out:
	dummy_pe_ops_freplace__destroy(ext);
}

/*
 * An extension program must not bypass generated code.  It gets the
 * prologue of its target's program type, but a struct_ops program's comes
 * from its struct_ops type: the main program of one with a prologue cannot
 * be replaced.  No function of a program with an epilogue can be: a tail
 * call from the extension would return to the main program.  A subprogram
 * of a program with a prologue only can be: the control that the
 * extension loads and runs, the prologue still run.
 */
static void test_freplace(struct dummy_pe_ops *skel)
{
	static const char main_msg[] =
		"Cannot replace the main program of a program with a generated prologue";
	static const char epi_msg[] =
		"Cannot replace a function of a program with a generated epilogue";

	if (interp) {
		test__skip();	/* extension programs need the JIT */
		return;
	}
	/* 41 + 1: 42, 1001; with the epilogue: doubled, 84, 10001 */
	check_run(skel->progs.global_sub_prologue, 1, 42, 1001);
	check_run(skel->progs.global_sub_epilogue, 1, 84, 10001);
	check_freplace(skel->progs.global_sub_prologue, "global_sub_prologue",
		       true, main_msg, 0, 0);
	check_freplace(skel->progs.global_sub_epilogue, "global_sub_epilogue",
		       true, epi_msg, 0, 0);
	check_freplace(skel->progs.global_sub_epilogue, "pe_global_sub",
		       false, epi_msg, 0, 0);
	/* 41 + 2: 43, and the prologue's 1001 */
	check_freplace(skel->progs.global_sub_prologue, "pe_global_sub",
		       false, NULL, 43, 1001);
}

/*
 * The epilogue's call of test_implicit's @fd: where it can call kfuncs, the
 * kfunc, an ld_imm64 of the aux into R3 inserted before it by the verifier;
 * elsewhere the direct call of bpf_dummy_pe_add_id(), after the generator's ld_imm64.
 * Not where blinding rewrote the ld_imm64.
 */
static void check_implicit_call(int fd)
{
	__s32 imm = call_imm("bpf_dummy_pe_add_id");
	struct bpf_insn *insns, *call = NULL;
	__u32 i, cnt;

	insns = get_xlated_insns(fd, &cnt);
	if (!ASSERT_OK_PTR(insns, "get_xlated_insns"))
		return;
	for (i = 2; !blinded && !call && i < cnt; i++)
		if (insns[i].code == (BPF_JMP | BPF_CALL))
			call = &insns[i];
	if (call) {
		if (direct)
			ASSERT_TRUE(!call->src_reg && call->imm == imm,
				    "a direct call of bpf_dummy_pe_add_id");
		else
			ASSERT_EQ((int)call->src_reg, BPF_PSEUDO_KFUNC_CALL,
				  "a call of the kfunc");
		ASSERT_EQ(call[-2].code, BPF_LD | BPF_IMM | BPF_DW,
			  "an ld_imm64 before the call");
		ASSERT_EQ((int)call[-2].dst_reg, BPF_REG_3, "of R3, the aux");
	} else if (!blinded) {
		ASSERT_TRUE(false, "the epilogue's call");
	}
	free(insns);
}

/*
 * test_implicit's epilogue adds 10000 and the program's id: by the
 * KF_IMPLICIT_ARGS kfunc, whose call the verifier gives the aux, or where
 * the program cannot call kfuncs (bpf_prog_can_call_kfunc()) by the kfunc's
 * counterpart, which the generator gives the aux.
 */
static void test_implicit(struct dummy_pe_ops *skel)
{
	int fd = bpf_program__fd(skel->progs.implicit);
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (!ASSERT_OK(bpf_obj_get_info_by_fd(fd, &info, &len),
		       "bpf_obj_get_info_by_fd"))
		return;
	/* 2, returns 2; 10002 + the id, returns 4 */
	check_run(skel->progs.implicit, 1, 4, 10002 + info.id);
	check_implicit_call(fd);
}

/*
 * loop_callback's bpf_loop callback is a subprogram: its exits are its own,
 * the epilogue runs once.  Where no JIT runs subprograms (the JIT off, or
 * 6.1's arm32, x86-32 and MIPS JITs), 6.1 refuses callbacks.
 */
static void test_loop_callback(void)
{
	static const char want[] =
		"callbacks are not allowed in non-JITed programs";
	struct bpf_program *prog;
	struct dummy_pe_ops *skel;
	static char log[16384];
	int err;

	skel = dummy_pe_ops__open();
	if (!ASSERT_OK_PTR(skel, "dummy_pe_ops__open"))
		return;
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog,
					  prog == skel->progs.loop_callback);
	bpf_program__set_log_buf(skel->progs.loop_callback, log, sizeof(log));
	err = dummy_pe_ops__load(skel);
	if (!subprog_jit) {
		if (ASSERT_ERR(err, "load without a JIT of subprograms"))
			ASSERT_HAS_SUBSTR(log, want, "verifier log");
	} else if (ASSERT_OK(err, "load with the JIT")) {
		/* returns 3; the epilogue once: 10001, returns 6 */
		check_run(skel->progs.loop_callback, 1, 6, 10001);
	}
	dummy_pe_ops__destroy(skel);
}

#define LONG_K 20000

/*
 * A program too long for one copy of the epilogue: its first exit gets
 * one; its second, over 16k instructions further on, where a jump back
 * might not reach once later passes insert code, another; its third,
 * right after that, a jump back to the second copy.  It returns 1,
 * LONG_K + 1 or LONG_K + 2 as args->a is 0, 1 or more.
 */
static void test_long(void)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts);
	static char log[65536];
	struct bpf_insn *insns;
	__u32 i, n = 0, cnt;
	struct btf *btf;
	int id, fd;

	btf = btf__load_vmlinux_btf();
	if (!ASSERT_OK_PTR(btf, "btf__load_vmlinux_btf"))
		return;
	id = btf__find_by_name_kind(btf, "bpf_dummy_pe_ops", BTF_KIND_STRUCT);
	btf__free(btf);
	if (!ASSERT_GT(id, 0, "bpf_dummy_pe_ops in vmlinux BTF"))
		return;
	insns = calloc(LONG_K + 16, sizeof(*insns));
	if (!ASSERT_OK_PTR(insns, "calloc"))
		return;
	insns[n++] = BPF_MOV64_IMM(BPF_REG_0, 1);
	insns[n++] = BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_1, 0);
	insns[n++] = BPF_LDX_MEM(BPF_DW, BPF_REG_3, BPF_REG_2, 0);
	insns[n++] = BPF_JMP_IMM(BPF_JNE, BPF_REG_3, 0, 1);
	insns[n++] = BPF_EXIT_INSN();
	for (i = 0; i < LONG_K; i++)
		insns[n++] = BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, 1);
	insns[n++] = BPF_JMP_IMM(BPF_JNE, BPF_REG_3, 1, 1);
	insns[n++] = BPF_EXIT_INSN();
	insns[n++] = BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, 1);
	insns[n++] = BPF_EXIT_INSN();

	opts.expected_attach_type = 1;	/* test_epilogue's index */
	opts.attach_btf_id = id;
	opts.log_buf = log;
	opts.log_size = sizeof(log);
	fd = bpf_prog_load(BPF_PROG_TYPE_STRUCT_OPS, "pe_long", "GPL", insns,
			   n, &opts);
	free(insns);
	if (!ASSERT_GE(fd, 0, "load the long program")) {
		n = strlen(log);
		printf("%s: verifier log tail: %s\n", __func__,
		       log + (n > 2048 ? n - 2048 : 0));
		return;
	}
	insns = get_xlated_insns(fd, &cnt);
	if (ASSERT_OK_PTR(insns, "get_xlated_insns")) {
		for (i = 0, n = 0; i < cnt; i++)
			n += insns[i].code == (BPF_JMP | BPF_CALL);
		ASSERT_EQ(n, 2, "epilogue copies, by their calls");
		ASSERT_EQ(insns[cnt - 1].code, BPF_JMP | BPF_JA,
			  "the third exit: a jump");
		/* Blinding makes the jump over "r0 += 1" three insns */
		ASSERT_LT(insns[cnt - 1].off, 0, "back");
		ASSERT_GT(insns[cnt - 1].off, -32, "to the second copy");
		free(insns);
	}
	/* Each path runs the epilogue once: 10000 added, the return doubled */
	check_run_fd(fd, 0, 2, 10000);
	check_run_fd(fd, 1, 2 * (LONG_K + 1), 10001);
	check_run_fd(fd, 2, 2 * (LONG_K + 2), 10002);
	close(fd);
}

/*
 * Load the SCHED_CLS program @insns as @name, with @opts: whether it loads,
 * and in @jited whether the JIT translated it.  Where it does not load, the
 * verifier says why; printed.
 */
static bool probe_load(const char *name, const struct bpf_insn *insns,
		       __u32 cnt, struct bpf_prog_load_opts *opts, bool *jited)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	static char log[4096];
	int fd;

	log[0] = 0;
	opts->log_buf = log;
	opts->log_size = sizeof(log);
	opts->log_level = 1;
	fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, name, "GPL", insns, cnt,
			   opts);
	if (fd < 0) {
		printf("%s: %s refused: %s", __func__, name, log);
		return false;
	}
	*jited = !bpf_obj_get_info_by_fd(fd, &info, &len) &&
		 info.jited_prog_len;
	close(fd);
	return true;
}

/*
 * Whether the JIT calls kfuncs: a SCHED_CLS program that calls
 * bpf_kfunc_call_test_pass_ctx() (net/bpf/test_run.c) loads.
 */
static bool probe_kfunc_jit(void)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts);
	struct bpf_insn insns[] = {
		BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, 0),
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_EXIT_INSN(),
	};
	struct btf *btf;
	bool jited;
	int id;

	btf = btf__load_vmlinux_btf();
	if (!ASSERT_OK_PTR(btf, "btf__load_vmlinux_btf"))
		return false;
	id = btf__find_by_name_kind(btf, "bpf_kfunc_call_test_pass_ctx",
				    BTF_KIND_FUNC);
	btf__free(btf);
	if (!ASSERT_GT(id, 0, "bpf_kfunc_call_test_pass_ctx in vmlinux BTF"))
		return false;
	insns[0].imm = id;
	return probe_load("kfunc_probe", insns, ARRAY_SIZE(insns), &opts,
			  &jited);
}

/*
 * Whether the JIT translates a program with a subprogram: elsewhere the
 * interpreter runs it, or the load fails (CONFIG_BPF_JIT_ALWAYS_ON).
 */
static bool probe_subprog_jit(void)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts);
	const struct bpf_insn insns[] = {
		BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 1),
		BPF_EXIT_INSN(),
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_EXIT_INSN(),
	};
	bool jited = false;

	return probe_load("subprog_probe", insns, ARRAY_SIZE(insns), &opts,
			  &jited) && jited;
}

/*
 * Whether a subprogram may tail call: a SCHED_CLS program whose
 * subprogram does loads.  A tail call in a subprogram needs the
 * functions' BTF: "int f(void)" for both.
 */
static bool probe_subprog_tail_call(void)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts);
	struct bpf_insn insns[] = {
		BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 1),
		BPF_EXIT_INSN(),
		BPF_LD_MAP_FD(BPF_REG_2, 0),
		BPF_MOV64_IMM(BPF_REG_3, 0),
		BPF_EMIT_CALL(BPF_FUNC_tail_call),
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_EXIT_INSN(),
	};
	struct bpf_func_info finfo[2] = { {}, { .insn_off = 2 } };
	struct btf *btf = NULL;
	int map, proto;
	bool ok = false;
	bool jited;

	map = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, NULL, sizeof(int),
			     sizeof(int), 1, NULL);
	if (!ASSERT_GE(map, 0, "prog array for the tail call probe"))
		return false;
	insns[2].imm = map;
	btf = btf__new_empty();
	if (!ASSERT_OK_PTR(btf, "btf__new_empty"))
		goto out;
	proto = btf__add_func_proto(btf, btf__add_int(btf, "int", 4,
						      BTF_INT_SIGNED));
	finfo[0].type_id = btf__add_func(btf, "probe_main", BTF_FUNC_GLOBAL,
					 proto);
	finfo[1].type_id = btf__add_func(btf, "probe_sub", BTF_FUNC_STATIC,
					 proto);
	if (!ASSERT_GT(finfo[1].type_id, 0, "probe BTF") ||
	    !ASSERT_OK(btf__load_into_kernel(btf), "probe BTF load"))
		goto out;
	opts.prog_btf_fd = btf__fd(btf);
	opts.func_info = finfo;
	opts.func_info_cnt = ARRAY_SIZE(finfo);
	opts.func_info_rec_size = sizeof(finfo[0]);
	ok = probe_load("tail_probe", insns, ARRAY_SIZE(insns), &opts, &jited);
out:
	btf__free(btf);
	close(map);
	return ok;
}

/* The first character of the sysctl file @path, @dflt if unreadable */
static char sysctl_char(const char *path, char dflt)
{
	char c = dflt;
	FILE *f;

	f = fopen(path, "r");
	if (f) {
		if (fread(&c, 1, 1, f) != 1)
			c = dflt;
		fclose(f);
	}
	return c;
}

void test_dummy_pe_ops(void)
{
	struct dummy_pe_ops *skel;

	interp = sysctl_char("/proc/sys/net/core/bpf_jit_enable", '1') == '0';
	blinded = !interp &&
		  sysctl_char("/proc/sys/net/core/bpf_jit_harden", '0') == '2';
	kfunc_jit = !interp && probe_kfunc_jit();
	subprog_jit = !interp && probe_subprog_jit();
	subprog_tail_call = !interp && probe_subprog_tail_call();
#if defined(__x86_64__) || defined(__aarch64__)
	/*
	 * These JITs call kfuncs and JIT subprograms that tail call: a probe
	 * saying otherwise is a regression, not a reason to expect the
	 * interpreter's refusals below.
	 */
	if (!interp) {
		ASSERT_TRUE(kfunc_jit, "the JIT calls kfuncs");
		ASSERT_TRUE(subprog_jit, "the JIT translates subprograms");
		ASSERT_TRUE(subprog_tail_call, "subprograms tail call");
	}
#endif
	/* test_progs is built for the kernel's word size */
	direct = !kfunc_jit || sizeof(long) == 4;
	skel = dummy_pe_ops__open();
	if (!ASSERT_OK_PTR(skel, "dummy_pe_ops__open"))
		return;
	/* Its own subtest loads it, or fails to */
	bpf_program__set_autoload(skel->progs.kfunc_only, false);
	if (!ASSERT_OK(dummy_pe_ops__load(skel), "dummy_pe_ops__load")) {
		dummy_pe_ops__destroy(skel);
		return;
	}

	if (test__start_subtest("prologue")) {
		/* 1001, doubled: 2002, returned as is */
		check_run(skel->progs.prologue_only, 1, 2002, 2002);
		CHECK_XLATED(skel, prologue_only);
	}
	if (test__start_subtest("epilogue")) {
		/* The program uses no stack: 8 bytes for the context */
		check_jited_frame(skel->progs.epilogue_only, 8);
		/* 2, returns 2; the epilogue: 10002, returns 4 */
		check_run(skel->progs.epilogue_only, 1, 4, 10002);
		CHECK_XLATED(skel, epilogue_only);
	}
	if (test__start_subtest("pro_epilogue")) {
		/* 1001, 2002, returns 2002; 12002, returns 4004 */
		check_run(skel->progs.pro_epilogue, 1, 4004, 12002);
		CHECK_XLATED(skel, pro_epilogue);
	}
	if (test__start_subtest("two_exits")) {
		/* a == 0: the first exit, 1; a != 0: the second, 2 */
		check_run(skel->progs.two_exits, 0, 2, 10000);
		check_run(skel->progs.two_exits, 5, 4, 10005);
		CHECK_XLATED(skel, two_exits);
	}
	if (test__start_subtest("goto_start")) {
		/* 1001, +1 once: 1002, returns 3; 11002, returns 6 */
		check_run(skel->progs.goto_start, 1, 6, 11002);
		CHECK_XLATED(skel, goto_start);
	}
	if (test__start_subtest("subprog")) {
		/* get_a() returns 1, +1: 2; the epilogue once: 10001, 4 */
		check_run(skel->progs.subprog_call, 1, 4, 10001);
		CHECK_XLATED(skel, subprog_call);
	}
	if (test__start_subtest("first_call")) {
		/* 1001; get_a() 1001, +1: 1002; 11001, returns 2004 */
		check_run(skel->progs.first_call, 1, 2004, 11001);
		CHECK_XLATED(skel, first_call);
	}
	if (test__start_subtest("first_helper_call"))
		test_first_helper_call(skel);
	if (test__start_subtest("direct_call"))
		test_direct_call(skel);
	if (test__start_subtest("kfunc_only"))
		test_kfunc_only();
	if (test__start_subtest("tail_call"))
		test_tail_call(skel);
	if (test__start_subtest("tail_call_subprog"))
		test_tail_call_subprog();
	if (test__start_subtest("freplace"))
		test_freplace(skel);
	if (test__start_subtest("implicit"))
		test_implicit(skel);
	if (test__start_subtest("loop_callback"))
		test_loop_callback();
	if (test__start_subtest("long"))
		test_long();
	if (test__start_subtest("stack_504")) {
		check_jited_frame(skel->progs.stack_504, 512);
		/* returns 7; 10001, returns 14 */
		check_run(skel->progs.stack_504, 1, 14, 10001);
		CHECK_XLATED(skel, stack_504);
	}

	dummy_pe_ops__destroy(skel);
}

static const struct load_expect dummy_pe_ops_fail[] = {
	{ "stack_512",
	  "main program uses 512 of 512 bytes of stack, epilogue needs 8 more" },
	{ "bad_kfunc_id", "the prologue calls no vmlinux function: btf_id" },
	{ "bad_kfunc_denied",
	  "the epilogue cannot call kernel function bpf_kfunc_call_test1" },
	{ "bad_too_long", "epilogue too long: 16 insns, max 15" },
	{ "helper_id",
	  "the prologue calls imm 14, a helper id or too close to __bpf_call_base" },
	{ "bad_helper",
	  "the prologue calls imm 0, a helper id or too close to __bpf_call_base" },
	{ "bad_ld_imm64",
	  "the prologue has an ld_imm64 with src_reg 1: generated code loads plain 64-bit values only"
	},
	/* the control: without an epilogue the call chain fits */
	{ "chain_512", NULL },
	{ "chain_544", "combined stack size of 2 calls is 544. Too large" },
};

void test_dummy_pe_ops_fail(void)
{
	RUN_LOAD_EXPECTS(dummy_pe_ops_fail, dummy_pe_ops_fail);
}
