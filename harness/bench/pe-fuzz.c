// SPDX-License-Identifier: GPL-2.0
/*
 * pe-fuzz SEED N [MODE...]: randomized testing of generated prologues and
 * epilogues (make fuzz; a short run in make check).  Run in the VM.
 *
 * For each of N seeds from SEED on, generates a random valid program for a
 * bpf_dummy_pe_ops member, computes with an interpreter of its own what
 * the program must return and leave in args->a for a few inputs, loads it
 * and runs it through BPF_PROG_TEST_RUN, in each MODE (default: jit interp
 * harden): the JIT, the interpreter (net.core.bpf_jit_enable=0), the JIT
 * with every constant blinded (net.core.bpf_jit_harden=2).
 *
 * The programs have ALU64 and ALU32 operations with immediates and
 * registers, stack slots up to the 512-byte limit, forward branches,
 * bounded loops, early exits, a jump back to the first instruction
 * (unconditional, or JMP/JMP32 conditional), static BPF subprograms
 * calling later subprograms of every kind, global functions, bpf_loop
 * callbacks from the main program and from subprograms (with the
 * program's BTF func_info; inlined by the verifier, and not where one
 * call has two callbacks), tail calls from the main program (of a callee,
 * of an empty slot, or of the program itself until MAX_TAIL_CALL_CNT runs
 * out) and from subprograms, rarely over 16k straight-line instructions
 * (a second copy of the epilogue), and calls of the kfuncs
 * bpf_kfunc_dummy_pe_add() and, KF_IMPLICIT_ARGS,
 * bpf_kfunc_dummy_pe_add_id() from the main program, from subprograms,
 * from callbacks and from global functions (on a caller's stack slot).
 *
 * The oracle: the member's prologue adds 1000 to args->a, its epilogue
 * 10000 (test_implicit's: 10000 and the program's id) and doubles the
 * return value; with what the program itself adds, args->a after a run
 * says whether each ran exactly once, and the return value whether the
 * epilogue saw the program's.  A program that breaks a documented rule (a
 * kfunc or a callback without the JIT, a tail call in a program with
 * subprograms without it or from a subprogram of a program with an
 * epilogue, no stack left for the epilogue's slot) may only be refused
 * with that rule's message, and must be where the verifier sees the
 * whole program (a kfunc call) or where a run reaches what breaks the
 * rule (the verifier reached it too; what it did not reach it removes).
 * A loaded program must be JITed where the JIT is on and not where it is
 * off, and its translated instructions may not keep what a rule refuses.
 * Any other refusal, any load of such a program, and any wrong result is
 * a failure, printed with its seed, mode and instructions.  Prints, per
 * mode, the programs generated, loaded and refused by reason, and the
 * failures; exits 1 on a failure.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#define SOFT_INSNS	1024	/* a program, without its filler */
#define FILLER_MIN	16400	/* over 16k: a second copy of the epilogue */
#define FILLER_MAX	(FILLER_MIN + 1500)
#define MAX_INSNS	(SOFT_INSNS + FILLER_MAX)
#define TAIL_KEYS	3	/* 0: the callee, 1: empty, 2: the program */
#define TAIL_SELF	2
#define MAX_TAIL_CALLS	33	/* MAX_TAIL_CALL_CNT */
#define MAX_SUBS	4
#define MAX_FIX		256	/* calls and callback loads */
#define STACK		512
#define PRO_ADD		1000
#define EPI_ADD		10000
#define CALLEE_RET	5
#define NINPUTS		3

/* Members of struct bpf_dummy_pe_ops (include/linux/bpf_dummy_pe_ops.h) */
enum { M_PROLOGUE, M_EPILOGUE, M_PRO_EPILOGUE, M_DIRECT_CALL = 7,
       M_IMPLICIT = 10, NR_MEMBERS = 12 };
static const int members[] = { M_PROLOGUE, M_EPILOGUE, M_PRO_EPILOGUE,
			       M_DIRECT_CALL, M_IMPLICIT };

enum mode { JIT, INTERP, HARDEN, NR_MODES };
static const char *const mode_names[] = { "jit", "interp", "harden" };

/* Refusals the generator predicts; their messages, as the verifier's */
enum refusal { R_NONE, R_KFUNC, R_CALLBACK, R_TAIL_SUB, R_STACK, R_TAIL_EPI,
	       NR_REFUSALS };
static const char *const refusal_msgs[] = {
	NULL,
	"JIT is required for calling kernel function",
	"callbacks are not allowed in non-JITed programs",
	"tail_calls are not allowed in non-JITed programs with bpf-to-bpf calls",
	"epilogue needs 8 more",
	"a program with an epilogue may tail call only from its main program",
};

static __u64 rnd_state;

static __u64 rnd(void)
{
	/* xorshift64*: reproducible from the seed on every libc */
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545F4914F6CDD1DULL;
}

static int rn(int n)
{
	return rnd() % n;
}

struct fixup {
	int insn;
	int sub;
};

/*
 * Kinds of subprogram: static, called with r1 = ctx; a bpf_loop callback
 * changing the caller's slot, or calling a kfunc on the args pointer
 * spilled there; a global function of two scalars.
 */
enum sub_kind { SUB_STATIC, SUB_CB, SUB_CB_KFUNC, SUB_GLOBAL,
		SUB_GLOBAL_KFUNC };

struct prog {
	struct bpf_insn insns[MAX_INSNS];
	int len;
	int member;
	bool kfunc, callback, tail, subprogs, global, tail_sub, cb_kfunc;
	bool sub_tail_ok;	/* static subprograms may tail call */
	bool loop_not_inlined;	/* a bpf_loop call with two callbacks */
	bool nested;		/* static subprograms may call subprograms */
	bool sub_call;		/* and one does */
	bool tail_self;		/* the main program tail calls itself */
	bool cond_start;	/* a conditional jump back to insn 0 */
	bool global_kfunc;	/* a global function calls a kfunc */
	bool sub_loop;		/* a subprogram calls bpf_loop() */
	int filler;		/* straight-line insns, 0 or over 16k */
	int main_stack;		/* the deepest slot of the main program */
	struct fixup fix[MAX_FIX];
	int nfix;
	int sub_start[MAX_SUBS];
	int nsubs;
	enum sub_kind sub_kind[MAX_SUBS];
	bool sub_used[MAX_SUBS];
};

/* Filled once: BTF ids of the kfuncs and the struct_ops type, map fds */
static int kfunc_add_id, kfunc_add_id_id, ops_type_id;
static int tail_map[NR_MEMBERS];
static __u32 callee_id[NR_MEMBERS];

static void emit(struct prog *p, struct bpf_insn insn)
{
	if (p->len < MAX_INSNS)
		p->insns[p->len] = insn;
	p->len++;
}

static void emit_ld64(struct prog *p, int dst, int src, __s32 imm)
{
	emit(p, (struct bpf_insn){ .code = BPF_LD | BPF_DW | BPF_IMM,
				   .dst_reg = dst, .src_reg = src, .imm = imm });
	emit(p, (struct bpf_insn){ 0 });
}

static struct bpf_insn insn(__u8 code, int dst, int src, __s16 off,
			    __s32 imm)
{
	return (struct bpf_insn){ .code = code, .dst_reg = dst,
				  .src_reg = src, .off = off, .imm = imm };
}

static const __u8 alu_ops[] = { BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR,
				BPF_AND, BPF_LSH, BPF_RSH, BPF_NEG, BPF_MOD,
				BPF_XOR, BPF_MOV, BPF_ARSH };
static const __u8 jmp_ops[] = { BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE,
				BPF_JSGT, BPF_JSGE, BPF_JLT, BPF_JLE,
				BPF_JSLT, BPF_JSLE };

static __s32 rimm(void)
{
	static const __s32 small[] = { 0, 1, 2, 3, 7, -1, -2, 31, 32, 63,
				       255, 0x7fffffff, -0x7fffffff - 1 };

	return rn(2) ? small[rn(sizeof(small) / sizeof(small[0]))] :
		       (__s32)rnd();
}

/* A random ALU instruction on scalar registers @regs (nregs of them) */
static void gen_alu(struct prog *p, const int *regs, int nregs)
{
	__u8 op = alu_ops[rn(sizeof(alu_ops))];
	int dst = regs[rn(nregs)], src = regs[rn(nregs)];
	__u8 cls = rn(2) ? BPF_ALU64 : BPF_ALU;
	bool x = rn(2);
	__s32 imm = rimm();

	if (op == BPF_NEG) {
		emit(p, insn(cls | op, dst, 0, 0, 0));
		return;
	}
	/* Shifts by immediates in range only: by a register the result
	 * of a too large count differs between the JITs and the
	 * interpreter, as the ISA leaves it undefined.
	 */
	if (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH) {
		emit(p, insn(cls | op | BPF_K, dst, 0, 0,
			     rn(cls == BPF_ALU64 ? 64 : 32)));
		return;
	}
	if ((op == BPF_DIV || op == BPF_MOD) && !x && !imm)
		imm = 3;
	if (x)
		emit(p, insn(cls | op | BPF_X, dst, src, 0, 0));
	else
		emit(p, insn(cls | op | BPF_K, dst, 0, 0, imm));
}

static __u8 rand_jmp(bool *x, int *src, const int *regs, int nregs)
{
	*x = rn(2);
	*src = regs[rn(nregs)];
	return (rn(2) ? BPF_JMP : BPF_JMP32) | jmp_ops[rn(sizeof(jmp_ops))];
}

/* Scalar registers of the main program's body (r6: ctx, r7: args) */
static const int main_regs[] = { 0, 1, 2, 3, 4, 5, 8, 9 };
static const int loop_regs[] = { 0, 1, 2, 3, 4, 5, 8 };	/* r9 counts */

struct gen {
	struct prog *p;
	bool slot_init[STACK / 8 + 1];
	int max_slot;		/* slots 1..max_slot may be used */
	int depth;		/* nesting of if-blocks */
};

/* After a call: R1-R5 are gone, and R0 after a kfunc (void) or a tail
 * call that fell through (not the program's value)
 */
static void reinit_regs(struct prog *p, int first)
{
	int r;

	for (r = first; r <= 5; r++)
		emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_K, r, 0, 0, rimm()));
}

static void reinit_args(struct prog *p)
{
	reinit_regs(p, 1);
}

static void gen_stack(struct gen *g, const int *regs, int nregs)
{
	struct prog *p = g->p;
	int slot = 1 + rn(g->max_slot), r = regs[rn(nregs)];

	if (g->slot_init[slot] && rn(2)) {
		emit(p, insn(BPF_LDX | BPF_MEM | BPF_DW, r, BPF_REG_10,
			     -8 * slot, 0));
	} else {
		emit(p, insn(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10, r,
			     -8 * slot, 0));
		/* stores inside an if-block may not run */
		if (!g->depth)
			g->slot_init[slot] = true;
	}
	if (-8 * slot < -p->main_stack)
		p->main_stack = 8 * slot;
}

static void gen_args(struct prog *p, const int *regs, int nregs)
{
	int r = regs[rn(nregs)];

	if (rn(2))
		emit(p, insn(BPF_LDX | BPF_MEM | BPF_DW, r, BPF_REG_7, 0, 0));
	else
		emit(p, insn(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_7, r, 0, 0));
}

static void call_sub(struct prog *p, int sub)
{
	p->sub_used[sub] = true;
	p->fix[p->nfix].insn = p->len;
	p->fix[p->nfix++].sub = sub;
	emit(p, insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0));
}

/* args->a += imm (+ the program's id): r1 = args, from @args_reg */
static void gen_kfunc(struct prog *p, int args_reg)
{
	emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_X, 1, args_reg, 0, 0));
	emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, rn(1000)));
	emit(p, insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0,
		     rn(2) ? kfunc_add_id : kfunc_add_id_id));
	p->kfunc = true;
}

static void gen_ops(struct gen *g, int n, bool loop);

/* if (cond) skip a block of ops */
static void gen_if(struct gen *g)
{
	struct prog *p = g->p;
	int at, src;
	bool x;
	__u8 code = rand_jmp(&x, &src, main_regs, 8);

	at = p->len;
	emit(p, insn(code | (x ? BPF_X : BPF_K), main_regs[rn(8)],
		     x ? src : 0, 0, x ? 0 : rimm()));
	g->depth++;
	if (rn(3))
		gen_ops(g, 1 + rn(4), false);
	else {
		/* an early exit */
		emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_X, 0, main_regs[rn(8)],
			     0, 0));
		emit(p, insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
	}
	g->depth--;
	if (p->len < MAX_INSNS)
		p->insns[at].off = p->len - at - 1;
}

/* r9 = n; do { ops } while (--r9) */
static void gen_loop(struct gen *g)
{
	struct prog *p = g->p;
	int top;

	emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_K, 9, 0, 0, 1 + rn(4)));
	top = p->len;
	g->depth++;
	gen_ops(g, 1 + rn(4), true);
	g->depth--;
	emit(p, insn(BPF_ALU64 | BPF_ADD | BPF_K, 9, 0, 0, -1));
	emit(p, insn(BPF_JMP | BPF_JNE | BPF_K, 9, 0, top - p->len - 1, 0));
}

/*
 * *(r10 - 8 * slot) = x (or, for a callback calling a kfunc, the args
 * pointer); bpf_loop(n, callback, r10 - 8 * slot, 0); then a scalar in
 * the slot again, for the loads that follow.
 */
static void gen_bpf_loop(struct gen *g, int sub)
{
	static const int cond_regs[] = { 0, 3, 4, 5, 8, 9 };
	struct prog *p = g->p;
	int slot = 1 + rn(g->max_slot), alt = -1, i;
	bool kf = p->sub_kind[sub] == SUB_CB_KFUNC;

	for (i = 0; i < p->nsubs; i++)
		if (i != sub && p->sub_kind[i] == p->sub_kind[sub])
			alt = i;

	emit(p, insn(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10,
		     kf ? 7 : main_regs[rn(8)], -8 * slot, 0));
	if (!g->depth)
		g->slot_init[slot] = true;
	if (8 * slot > p->main_stack)
		p->main_stack = 8 * slot;
	emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, 1 + rn(5)));
	p->fix[p->nfix].insn = p->len;
	p->fix[p->nfix++].sub = sub;
	p->sub_used[sub] = true;
	emit_ld64(p, 2, BPF_PSEUDO_FUNC, 0);
	if (alt >= 0 && rn(2)) {
		/* Two callbacks for one call: bpf_loop is not inlined, its
		 * C code calls the callback
		 */
		emit(p, insn(BPF_JMP | BPF_JSET | BPF_K, cond_regs[rn(6)], 0,
			     2, 1 << rn(8)));
		p->fix[p->nfix].insn = p->len;
		p->fix[p->nfix++].sub = alt;
		p->sub_used[alt] = true;
		emit_ld64(p, 2, BPF_PSEUDO_FUNC, 0);
		p->loop_not_inlined = true;
	}
	emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_X, 3, BPF_REG_10, 0, 0));
	emit(p, insn(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -8 * slot));
	emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, 0));
	emit(p, insn(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_loop));
	p->callback = true;
	reinit_args(p);
	if (kf)
		emit(p, insn(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10, 8,
			     -8 * slot, 0));
}

/*
 * A global function that calls a kfunc on a pointer to one of the
 * caller's stack slots: *(r10 - 8 * slot) = x; sub(r10 - 8 * slot, y)
 */
static void gen_global_kfunc_call(struct gen *g, int sub)
{
	struct prog *p = g->p;
	int slot = 1 + rn(g->max_slot);

	emit(p, insn(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10,
		     main_regs[rn(8)], -8 * slot, 0));
	if (!g->depth)
		g->slot_init[slot] = true;
	if (8 * slot > p->main_stack)
		p->main_stack = 8 * slot;
	emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_X, 2, main_regs[rn(8)], 0, 0));
	emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_X, 1, BPF_REG_10, 0, 0));
	emit(p, insn(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, -8 * slot));
	call_sub(p, sub);
	reinit_args(p);
}

static void gen_ops(struct gen *g, int n, bool loop)
{
	const int *regs = loop ? loop_regs : main_regs;
	int nregs = loop ? 7 : 8, i, k;
	struct prog *p = g->p;

	for (i = 0; i < n && p->len - p->filler < SOFT_INSNS - 64; i++) {
		k = rn(loop ? 3 : 10);
		switch (k) {
		case 0:
			gen_alu(p, regs, nregs);
			break;
		case 1:
			gen_stack(g, regs, nregs);
			break;
		case 2:
			gen_args(p, regs, nregs);
			break;
		case 3:
		case 4:
			if (g->depth < 3)
				gen_if(g);
			break;
		case 5:
			if (!g->depth)
				gen_loop(g);
			break;
		case 6:
			if (p->nsubs && rn(2)) {
				int s = rn(p->nsubs);

				if (p->sub_kind[s] == SUB_CB ||
				    p->sub_kind[s] == SUB_CB_KFUNC) {
					gen_bpf_loop(g, s);
				} else if (p->sub_kind[s] ==
					   SUB_GLOBAL_KFUNC) {
					gen_global_kfunc_call(g, s);
				} else if (p->sub_kind[s] == SUB_GLOBAL) {
					/* two scalars */
					emit(p, insn(BPF_ALU64 | BPF_MOV |
						     BPF_X, 1, main_regs[rn(8)],
						     0, 0));
					emit(p, insn(BPF_ALU64 | BPF_MOV |
						     BPF_X, 2, main_regs[rn(8)],
						     0, 0));
					call_sub(p, s);
					reinit_args(p);
				} else {
					emit(p, insn(BPF_ALU64 | BPF_MOV |
						     BPF_X, 1, 6, 0, 0));
					call_sub(p, s);
					reinit_args(p);
				}
			}
			break;
		case 7:
			if (!rn(3)) {
				gen_kfunc(p, 7);
				reinit_args(p);
				emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0,
					     0, rimm()));
			}
			break;
		default:
			gen_alu(p, regs, nregs);
			break;
		}
	}
}

/*
 * From static subprogram @s (r7: ctx, r6: args, r0 its value, r2-r5
 * scalars), a call of a later subprogram @t, of any kind: r0 += what it
 * returns.  A callback through bpf_loop() on a slot of @s's stack.
 */
static void gen_sub_call(struct prog *p, int t)
{
	static const int regs[] = { 0, 2, 3, 4, 5 };
	enum sub_kind kind = p->sub_kind[t];
	int slot = 1 + rn(8);

	p->sub_call = true;
	emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_X, 8, 0, 0, 0));
	switch (kind) {
	case SUB_CB:
	case SUB_CB_KFUNC:
		emit(p, insn(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10,
			     kind == SUB_CB_KFUNC ? 6 : regs[rn(5)], -8 * slot,
			     0));
		emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, 1 + rn(5)));
		p->fix[p->nfix].insn = p->len;
		p->fix[p->nfix++].sub = t;
		p->sub_used[t] = true;
		emit_ld64(p, 2, BPF_PSEUDO_FUNC, 0);
		emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_X, 3, BPF_REG_10, 0, 0));
		emit(p, insn(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -8 * slot));
		emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, 0));
		emit(p, insn(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_loop));
		p->callback = true;
		p->sub_loop = true;
		break;
	case SUB_GLOBAL:
		emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_X, 1, regs[rn(5)], 0,
			     0));
		emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_X, 2, regs[rn(5)], 0,
			     0));
		call_sub(p, t);
		break;
	case SUB_GLOBAL_KFUNC:
		emit(p, insn(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10,
			     regs[rn(5)], -8 * slot, 0));
		emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_X, 2, regs[rn(5)], 0,
			     0));
		emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_X, 1, BPF_REG_10, 0, 0));
		emit(p, insn(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, -8 * slot));
		call_sub(p, t);
		break;
	default:
		emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_X, 1, 7, 0, 0));
		call_sub(p, t);
		break;
	}
	emit(p, insn(BPF_ALU64 | BPF_ADD | BPF_X, 0, 8, 0, 0));
	reinit_regs(p, 2);
}

/*
 * A static subprogram: r1 = ctx, r2 and r3 scalars; returns a scalar; may
 * call the kfuncs, tail call and, p->nested, call later subprograms.  A
 * global function: r1 and r2 scalars, nothing else (the verifier checks it
 * on its own, from its BTF); SUB_GLOBAL_KFUNC: r1 a pointer to a stack
 * slot of its caller (or NULL), on which it calls a kfunc.  A callback:
 * r1 = the index, r2 = a pointer to the caller's slot, which it changes
 * or, SUB_CB_KFUNC, from which it loads the args pointer for a kfunc call;
 * returns 0.
 */
static void gen_sub(struct prog *p, int s)
{
	static const int regs[] = { 0, 2, 3, 4, 5 };
	enum sub_kind kind = p->sub_kind[s];
	int i, n = 1 + rn(6), slot;

	p->sub_start[s] = p->len;
	if (kind == SUB_GLOBAL_KFUNC) {
		/* r0 = y ^ imm, and if (p) p->a += imm (+ the id) */
		emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0));
		emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_X, 7, 2, 0, 0));
		emit(p, insn(BPF_JMP | BPF_JEQ | BPF_K, 6, 0, 3, 0));
		gen_kfunc(p, 6);
		emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_X, 0, 7, 0, 0));
		emit(p, insn(BPF_ALU64 | BPF_XOR | BPF_K, 0, 0, 0, rimm()));
		emit(p, insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
		p->global_kfunc = true;
		return;
	}
	if (kind == SUB_CB) {
		emit(p, insn(BPF_LDX | BPF_MEM | BPF_DW, 3, 2, 0, 0));
		emit(p, insn(BPF_ALU64 | BPF_ADD | BPF_X, 3, 1, 0, 0));
		emit(p, insn(BPF_ALU64 | BPF_XOR | BPF_K, 3, 0, 0, rimm()));
		emit(p, insn(BPF_STX | BPF_MEM | BPF_DW, 2, 3, 0, 0));
		emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0));
		emit(p, insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
		return;
	}
	if (kind == SUB_CB_KFUNC) {
		/* args->a += imm (+ the program's id) per iteration */
		emit(p, insn(BPF_LDX | BPF_MEM | BPF_DW, 6, 2, 0, 0));
		gen_kfunc(p, 6);
		emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0));
		emit(p, insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
		p->cb_kfunc = true;
		return;
	}
	if (kind == SUB_GLOBAL) {
		emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_X, 0, 1, 0, 0));
		emit(p, insn(BPF_ALU64 | BPF_XOR | BPF_K, 0, 0, 0, rimm()));
		emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, rimm()));
	} else {
		emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_X, 7, 1, 0, 0));
		emit(p, insn(BPF_LDX | BPF_MEM | BPF_DW, 6, 1, 0, 0));
		emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_X, 0, 2, 0, 0));
	}
	emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, rimm()));
	emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_K, 5, 0, 0, rimm()));
	for (i = 0; i < n; i++) {
		int k = rn(4);

		if (kind == SUB_STATIC && p->sub_tail_ok && !rn(3))
			k = 4;
		if (kind == SUB_STATIC && p->nested && s + 1 < p->nsubs &&
		    (!i || rn(2)))
			k = 5;
		switch (k) {
		case 0:
			slot = 1 + rn(8);
			emit(p, insn(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10,
				     regs[rn(5)], -8 * slot, 0));
			emit(p, insn(BPF_LDX | BPF_MEM | BPF_DW, regs[rn(5)],
				     BPF_REG_10, -8 * slot, 0));
			break;
		case 1:
			if (kind == SUB_GLOBAL) {
				gen_alu(p, regs, 5);
				break;
			}
			/* the aux of a kfunc called here is the program's */
			emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_X, 8, 0, 0, 0));
			gen_kfunc(p, 6);
			emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_X, 0, 8, 0, 0));
			reinit_regs(p, 2);
			break;
		case 4:
			/* a tail call; r0 survives in r8 if it falls through */
			emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_X, 8, 0, 0, 0));
			emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_X, 1, 7, 0, 0));
			emit_ld64(p, 2, BPF_PSEUDO_MAP_FD, tail_map[p->member]);
			emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0,
				     rn(2)));
			emit(p, insn(BPF_JMP | BPF_CALL, 0, 0, 0,
				     BPF_FUNC_tail_call));
			emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_X, 0, 8, 0, 0));
			reinit_regs(p, 2);
			p->tail_sub = true;
			break;
		case 5:
			gen_sub_call(p, s + 1 + rn(p->nsubs - s - 1));
			break;
		default:
			gen_alu(p, regs, 5);
			break;
		}
	}
	emit(p, insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

/* if (cond) { r0 = x; exit; } */
static void gen_early_exit(struct prog *p)
{
	int src;
	bool x;
	__u8 code = rand_jmp(&x, &src, main_regs, 8);

	emit(p, insn(code | (x ? BPF_X : BPF_K), main_regs[rn(8)],
		     x ? src : 0, 2, x ? 0 : rimm()));
	emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_X, 0, main_regs[rn(8)], 0, 0));
	emit(p, insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

/*
 * Over 16k straight-line instructions, so that exits before and after
 * them need copies of the epilogue of their own: register operations
 * only, which constant blinding leaves as they are (it would triple
 * operations with immediates, and jumps across them would not reach)
 */
static void gen_filler(struct prog *p)
{
	static const __u8 ops[] = { BPF_ADD, BPF_SUB, BPF_MUL, BPF_OR,
				    BPF_AND, BPF_XOR, BPF_MOV };
	int i, n = FILLER_MIN + rn(FILLER_MAX - FILLER_MIN);

	for (i = 0; i < n; i++)
		emit(p, insn((rn(2) ? BPF_ALU64 : BPF_ALU) |
			     ops[rn(sizeof(ops))] | BPF_X, main_regs[rn(8)],
			     main_regs[rn(8)], 0, 0));
	p->filler = n;
}

static void generate(struct prog *p)
{
	struct gen g = { .p = p };
	int i, goto_start = 0, back = -1, tail_at, key;

	memset(p, 0, sizeof(*p));
	p->member = members[rn(sizeof(members) / sizeof(members[0]))];
	/* Mostly a few slots; sometimes all 504 bytes, rarely all 512 */
	g.max_slot = rn(8) ? 1 + rn(8) : (rn(4) ? 63 : 64);
	if (g.max_slot == 64) {
		/* the deepest slot, used from the start */
		g.slot_init[64] = true;
		p->main_stack = STACK;
	}
	p->nsubs = rn(3) ? 0 : 1 + rn(MAX_SUBS);
	/* 6.1 refuses a tail call below 256 bytes of callers' stack */
	p->sub_tail_ok = p->nsubs && rn(2);
	for (i = 0; i < p->nsubs; i++) {
		static const enum sub_kind kinds[] = {
			SUB_STATIC, SUB_STATIC, SUB_CB, SUB_CB_KFUNC,
			SUB_GLOBAL, SUB_GLOBAL_KFUNC,
		};

		p->sub_kind[i] = kinds[rn(sizeof(kinds) / sizeof(kinds[0]))];
		/* a call chain: main, rounded up, and 64 bytes of a
		 * subprogram stay within 512 with the epilogue's slot,
		 * within 256 where the subprogram may tail call
		 */
		if (g.max_slot > 48)
			g.max_slot = 48;
		if (p->sub_tail_ok && g.max_slot > 16)
			g.max_slot = 16;
	}
	/* Calls between subprograms: main, 72 bytes rounded up to 96, and
	 * up to four subprograms of 64 bytes and bpf_loop's 24, each 96,
	 * stay within 512; no tail calls (256 bytes before them)
	 */
	p->nested = p->nsubs > 1 && !p->sub_tail_ok;
	if (p->nested && g.max_slot > 8)
		g.max_slot = 8;
	if (g.max_slot < 64) {
		g.slot_init[64] = false;
		p->main_stack = 0;
	}

	/* A jump back to insn 0 leaves R1 = 0 there: then to the end */
	if (!rn(4)) {
		goto_start = 1;
		emit(p, insn(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 0, 0));
	}
	emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0));
	emit(p, insn(BPF_LDX | BPF_MEM | BPF_DW, 7, 6, 0, 0));
	emit(p, insn(BPF_LDX | BPF_MEM | BPF_DW, 8, 7, 0, 0));
	emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, rimm()));
	emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_K, 9, 0, 0, rimm()));
	reinit_args(p);
	if (g.max_slot == 64)
		emit(p, insn(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10, 8,
			     -STACK, 0));
	if (!rn(128)) {
		/* early exits, the filler, maybe another */
		for (i = rn(3); i >= 0; i--)
			gen_early_exit(p);
		gen_filler(p);
		if (rn(2))
			gen_early_exit(p);
	}
	gen_ops(&g, 3 + rn(12), false);
	if (goto_start && rn(2)) {
		/* once: R1 = 0 and back to the start */
		if (rn(2)) {
			emit(p, insn(BPF_JMP | BPF_JEQ | BPF_K, 8, 0, 2,
				     rimm()));
			emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, 0));
			back = p->len;
			emit(p, insn(BPF_JMP | BPF_JA, 0, 0, -back - 1, 0));
		} else {
			/* a conditional jump, JMP or JMP32 */
			int src;
			bool x;
			__u8 code = rand_jmp(&x, &src, main_regs, 8);

			emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, 0));
			back = p->len;
			emit(p, insn(code | (x ? BPF_X : BPF_K),
				     main_regs[rn(8)], x ? src : 0,
				     -back - 1, x ? 0 : rimm()));
			p->cond_start = true;
		}
	}
	if (!rn(4)) {
		/* tail call: the callee, an empty slot (falls through) or
		 * the program itself, again from its start, until the
		 * tail call count runs out
		 */
		tail_at = p->len;
		key = rn(TAIL_KEYS);
		emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0));
		emit_ld64(p, 2, BPF_PSEUDO_MAP_FD, tail_map[p->member]);
		emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, key));
		emit(p, insn(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_tail_call));
		reinit_args(p);
		emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, rimm()));
		p->tail = true;
		p->tail_self = key == TAIL_SELF;
		(void)tail_at;
	}
	gen_ops(&g, rn(4), false);
	emit(p, insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
	if (goto_start) {
		/* insn 0's target: the verifier also takes it with R1 = ctx */
		if (p->len < MAX_INSNS)
			p->insns[0].off = p->len - 1;
		emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 7));
		emit(p, insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
	}
	/* Only the subprograms called: the others would be dead code */
	for (i = 0; i < p->nsubs; i++) {
		if (!p->sub_used[i])
			continue;
		gen_sub(p, i);
		p->subprogs = true;
		p->global |= p->sub_kind[i] == SUB_GLOBAL ||
			     p->sub_kind[i] == SUB_GLOBAL_KFUNC;
	}
	if (p->nfix > MAX_FIX - 8)
		p->len = MAX_INSNS + 1;	/* reported as a generator overflow */
	for (i = 0; i < p->nfix; i++) {
		struct bpf_insn *in = &p->insns[p->fix[i].insn];

		in->imm = p->sub_start[p->fix[i].sub] - p->fix[i].insn - 1;
	}
}

/* --- the oracle: an interpreter of what generate() emits --- */

static int prologue_add(int m)
{
	return m == M_PROLOGUE || m == M_PRO_EPILOGUE || m == M_DIRECT_CALL ?
	       PRO_ADD : 0;
}

static bool has_epilogue(int m)
{
	return m != M_PROLOGUE;
}


enum kind { SCALAR, CTX, ARGS, STACKP, MAPP, FUNCP, UNINIT };

struct val {
	__u64 v;
	enum kind k;
	int frame;
};

struct frame {
	struct val r[11];
	__u64 stack[STACK / 8 + 1];
	int ret_pc;
	int tcc;	/* tail calls so far: a call passes it by value */
};

struct outcome {
	__u64 r0;
	__u64 a;
	bool tail_called;
	int self_calls;		/* tail calls of the program itself */
	/* What a run reached, and so the verifier too (see refusable()) */
	bool tail_reached;	/* a tail call */
	bool sub_tail_reached;	/* a tail call from a subprogram */
	bool loop_reached;	/* a bpf_loop call */
	int deepest;		/* the main program's deepest stack byte */
	bool bad;		/* the oracle met what it does not model */
	char why[128];
};

static __u64 alu(__u8 code, __u64 d, __u64 s)
{
	bool is64 = BPF_CLASS(code) == BPF_ALU64;
	__u32 d32 = d, s32 = s;
	__u64 r;

	switch (BPF_OP(code)) {
	case BPF_ADD: r = d + s; break;
	case BPF_SUB: r = d - s; break;
	case BPF_MUL: r = is64 ? d * s : (__u64)(__u32)(d32 * s32); break;
	case BPF_DIV:
		if (is64)
			r = s ? d / s : 0;
		else
			r = s32 ? d32 / s32 : 0;
		break;
	case BPF_MOD:
		if (is64)
			r = s ? d % s : d;
		else
			r = s32 ? d32 % s32 : d32;
		break;
	case BPF_OR: r = d | s; break;
	case BPF_AND: r = d & s; break;
	case BPF_XOR: r = d ^ s; break;
	case BPF_MOV: r = s; break;
	case BPF_NEG: r = is64 ? -d : (__u32)-d32; break;
	case BPF_LSH: r = is64 ? d << s : (__u32)(d32 << s); break;
	case BPF_RSH: r = is64 ? d >> s : d32 >> s; break;
	case BPF_ARSH:
		r = is64 ? (__u64)((__s64)d >> s) : (__u32)((__s32)d32 >> s);
		break;
	default: r = 0; break;
	}
	return is64 ? r : (__u32)r;
}

static bool cond(__u8 code, __u64 d, __u64 s)
{
	bool is32 = BPF_CLASS(code) == BPF_JMP32;
	__s64 sd = is32 ? (__s32)d : (__s64)d, ss = is32 ? (__s32)s : (__s64)s;

	if (is32) {
		d = (__u32)d;
		s = (__u32)s;
	}
	switch (BPF_OP(code)) {
	case BPF_JEQ: return d == s;
	case BPF_JNE: return d != s;
	case BPF_JGT: return d > s;
	case BPF_JGE: return d >= s;
	case BPF_JLT: return d < s;
	case BPF_JLE: return d <= s;
	case BPF_JSET: return d & s;
	case BPF_JSGT: return sd > ss;
	case BPF_JSGE: return sd >= ss;
	case BPF_JSLT: return sd < ss;
	case BPF_JSLE: return sd <= ss;
	}
	return false;
}

static struct frame frames[8];

static bool cb_kfunc(const struct prog *p, int start)
{
	int i;

	for (i = 0; i < p->nsubs; i++)
		if (p->sub_used[i] && p->sub_start[i] == start)
			return p->sub_kind[i] == SUB_CB_KFUNC;
	return false;
}

/* Run @p on args->a = @a as the kernel must; @id: the program's id */
static void oracle(const struct prog *p, __u64 a, __u32 id,
		   struct outcome *o)
{
	int pc = 0, fp = 0, steps = 0, i;
	const struct bpf_insn *in;
	struct frame *f;

	memset(o, 0, sizeof(*o));
	memset(frames, 0, sizeof(frames));
	for (i = 0; i < 11; i++)
		frames[0].r[i].k = UNINIT;
	frames[0].r[1].k = CTX;
	frames[0].r[10].k = STACKP;
	o->a = a;
	while (steps++ < 8000000) {
		if (pc < 0 || pc >= p->len) {
			snprintf(o->why, sizeof(o->why), "pc %d out of range",
				 pc);
			o->bad = true;
			return;
		}
		in = &p->insns[pc];
		f = &frames[fp];
		struct val *d = &f->r[in->dst_reg], *s = &f->r[in->src_reg];
		__u8 cls = BPF_CLASS(in->code);

		if (cls == BPF_ALU || cls == BPF_ALU64) {
			__u64 sv = BPF_SRC(in->code) == BPF_X ? s->v :
				   (cls == BPF_ALU64 ? (__u64)(__s64)in->imm :
				    (__u32)in->imm);

			if (BPF_OP(in->code) == BPF_MOV &&
			    BPF_SRC(in->code) == BPF_X && cls == BPF_ALU64) {
				*d = *s;
			} else if (BPF_SRC(in->code) == BPF_X &&
				   s->k == STACKP && BPF_OP(in->code) == BPF_MOV) {
				*d = *s;
			} else if (d->k == STACKP &&
				   BPF_OP(in->code) == BPF_ADD) {
				d->v += sv;
			} else {
				d->v = alu(in->code, d->v, sv);
				d->k = SCALAR;
			}
			pc++;
			continue;
		}
		if (cls == BPF_LDX) {
			if (s->k == STACKP) {
				int fr = s->frame, off = s->v + in->off;

				if (!fr && -off > o->deepest)
					o->deepest = -off;

				d->v = frames[fr].stack[(STACK + off) / 8];
				d->k = SCALAR;
			} else if (s->k == CTX) {
				d->k = ARGS;
				d->v = 0;
			} else if (s->k == ARGS) {
				d->v = o->a;
				d->k = SCALAR;
			} else {
				o->bad = true;
				snprintf(o->why, sizeof(o->why),
					 "load through kind %d at %d", s->k, pc);
				return;
			}
			pc++;
			continue;
		}
		if (cls == BPF_STX) {
			if (d->k == STACKP) {
				int fr = d->frame, off = d->v + in->off;

				if (!fr && -off > o->deepest)
					o->deepest = -off;

				frames[fr].stack[(STACK + off) / 8] = s->v;
			} else if (d->k == ARGS) {
				o->a = s->v;
			} else {
				o->bad = true;
				snprintf(o->why, sizeof(o->why),
					 "store through kind %d at %d", d->k, pc);
				return;
			}
			pc++;
			continue;
		}
		if (in->code == (BPF_LD | BPF_DW | BPF_IMM)) {
			d->k = in->src_reg == BPF_PSEUDO_FUNC ? FUNCP : MAPP;
			d->v = pc + in->imm + 1;
			pc += 2;
			continue;
		}
		if (in->code == (BPF_JMP | BPF_JA)) {
			pc += in->off + 1;
			continue;
		}
		if (in->code == (BPF_JMP | BPF_EXIT)) {
			if (!fp) {
				o->r0 = f->r[0].v;
				return;
			}
			frames[fp - 1].r[0] = f->r[0];
			for (i = 1; i <= 5; i++)
				frames[fp - 1].r[i].k = UNINIT;
			pc = f->ret_pc;
			fp--;
			continue;
		}
		if (in->code == (BPF_JMP | BPF_CALL)) {
			if (in->src_reg == BPF_PSEUDO_CALL) {
				struct frame *n = &frames[fp + 1];

				memset(n, 0, sizeof(*n));
				for (i = 0; i < 11; i++)
					n->r[i].k = UNINIT;
				for (i = 1; i <= 5; i++)
					n->r[i] = f->r[i];
				n->r[10].k = STACKP;
				n->r[10].frame = fp + 1;
				n->ret_pc = pc + 1;
				n->tcc = f->tcc;
				fp++;
				pc += in->imm + 1;
				continue;
			}
			if (in->src_reg == BPF_PSEUDO_KFUNC_CALL) {
				__u64 add = f->r[2].v, *to = &o->a;

				if (in->imm == kfunc_add_id_id)
					add += id;
				if (f->r[1].k == STACKP)
					to = &frames[f->r[1].frame].stack[
						(STACK + (int)f->r[1].v) / 8];
				else if (f->r[1].k != ARGS) {
					o->bad = true;
					snprintf(o->why, sizeof(o->why),
						 "kfunc on kind %d at %d",
						 f->r[1].k, pc);
					return;
				}
				*to += add;
			} else if (in->imm == BPF_FUNC_tail_call) {
				__u64 key = f->r[3].v;
				bool go;

				o->tail_reached = true;
				o->sub_tail_reached |= fp > 0;
				/* the count goes up for an empty slot too */
				go = key < TAIL_KEYS && f->tcc < MAX_TAIL_CALLS;
				if (go)
					f->tcc++;
				if (go && key == TAIL_SELF) {
					if (fp) {
						o->bad = true;
						snprintf(o->why,
							 sizeof(o->why),
							 "self tail call from a subprogram at %d",
							 pc);
						return;
					}
					/* the program again: its prologue,
					 * R1 = ctx, the same frame
					 */
					o->a += prologue_add(p->member);
					o->self_calls++;
					for (i = 0; i < 10; i++)
						f->r[i].k = UNINIT;
					f->r[1].k = CTX;
					pc = 0;
					continue;
				}
				if (go && key == 0 && fp) {
					/* from a subprogram: the callee
					 * returns to its caller (a program
					 * with an epilogue is refused)
					 */
					o->a += prologue_add(p->member);
					frames[fp - 1].r[0].v = CALLEE_RET;
					frames[fp - 1].r[0].k = SCALAR;
					for (i = 1; i <= 5; i++)
						frames[fp - 1].r[i].k = UNINIT;
					pc = f->ret_pc;
					fp--;
					continue;
				}
				if (go && key == 0) {
					o->tail_called = true;
					o->r0 = CALLEE_RET;
					return;
				}
				f->r[0].v = 0;	/* not reached: -ENOENT path */
			} else if (in->imm == BPF_FUNC_loop) {
				o->loop_reached = true;
				__u64 n = f->r[1].v, k;
				int cb = f->r[2].v;
				struct val ctxp = f->r[3];

				for (k = 0; k < n && cb_kfunc(p, cb); k++) {
					const struct bpf_insn *c = &p->insns[cb];

					/* see gen_sub(): ldx; r1 = r6; r2 = imm */
					o->a += c[2].imm;
					if (c[3].imm == kfunc_add_id_id)
						o->a += id;
				}
				for (k = 0; k < n && !cb_kfunc(p, cb); k++) {
					/* the callback, inline: see gen_sub() */
					int fr = ctxp.frame;
					int slot = (STACK + (int)ctxp.v) / 8;
					__u64 x = frames[fr].stack[slot];

					x += k;
					x ^= (__u64)(__s64)p->insns[cb + 2].imm;
					frames[fr].stack[slot] = x;
				}
				f->r[0].v = n;
				f->r[0].k = SCALAR;
				for (i = 1; i <= 5; i++)
					f->r[i].k = UNINIT;
				pc++;
				continue;
			}
			f->r[0].k = SCALAR;
			if (in->src_reg == BPF_PSEUDO_KFUNC_CALL)
				f->r[0].v = 0;
			for (i = 1; i <= 5; i++)
				f->r[i].k = UNINIT;
			pc++;
			continue;
		}
		if (cls == BPF_JMP || cls == BPF_JMP32) {
			__u64 sv = BPF_SRC(in->code) == BPF_X ? s->v :
				   (__u64)(__s64)in->imm;
			bool t;

			if (d->k == CTX)	/* insn 0: r1 == 0 */
				t = false;
			else
				t = cond(in->code, d->v, sv);
			pc += t ? in->off + 1 : 1;
			continue;
		}
		o->bad = true;
		snprintf(o->why, sizeof(o->why), "insn %02x at %d", in->code,
			 pc);
		return;
	}
	o->bad = true;
	snprintf(o->why, sizeof(o->why), "more than 8 million steps");
}

/* --- the kernel side --- */

static void write_sysctl(const char *name, const char *v)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/core/%s", name);
	f = fopen(path, "w");
	if (!f || fputs(v, f) < 0 || fclose(f)) {
		fprintf(stderr, "pe-fuzz: cannot write %s\n", path);
		exit(2);
	}
}

/*
 * The BTF of a program with subprograms: a FUNC per subprogram, for its
 * func_info, which 6.1 needs for callbacks and global functions.  All
 * return u64; a global function takes two u64, the others three (a
 * static subprogram's first argument is the context: the verifier only
 * marks its BTF unreliable, as a compiler's would be).
 */
static struct btf *prog_btf(const struct prog *p, struct bpf_func_info *fi,
			    int *nfi)
{
	int u64_id, ptr_id, proto0, proto2, proto3, protop, i;
	struct btf *btf = btf__new_empty();
	char name[16];

	if (!btf)
		return NULL;
	u64_id = btf__add_int(btf, "u64", 8, 0);
	proto0 = btf__add_func_proto(btf, u64_id);
	proto2 = btf__add_func_proto(btf, u64_id);
	btf__add_func_param(btf, "a", u64_id);
	btf__add_func_param(btf, "b", u64_id);
	proto3 = btf__add_func_proto(btf, u64_id);
	btf__add_func_param(btf, "a", u64_id);
	btf__add_func_param(btf, "b", u64_id);
	btf__add_func_param(btf, "c", u64_id);
	ptr_id = btf__add_ptr(btf, u64_id);
	protop = btf__add_func_proto(btf, u64_id);
	btf__add_func_param(btf, "p", ptr_id);
	btf__add_func_param(btf, "b", u64_id);
	fi[0].insn_off = 0;
	fi[0].type_id = btf__add_func(btf, "prog", BTF_FUNC_GLOBAL, proto0);
	*nfi = 1;
	for (i = 0; i < p->nsubs; i++) {
		enum sub_kind k = p->sub_kind[i];
		bool global = k == SUB_GLOBAL || k == SUB_GLOBAL_KFUNC;

		if (!p->sub_used[i])
			continue;
		snprintf(name, sizeof(name), "sub%d", i);
		fi[*nfi].insn_off = p->sub_start[i];
		fi[*nfi].type_id = btf__add_func(btf, name,
						 global ? BTF_FUNC_GLOBAL :
							  BTF_FUNC_STATIC,
						 k == SUB_GLOBAL_KFUNC ? protop :
						 global ? proto2 : proto3);
		(*nfi)++;
	}
	if (u64_id < 0 || proto0 < 0 || proto2 < 0 || proto3 < 0 ||
	    ptr_id < 0 || protop < 0 ||
	    btf__load_into_kernel(btf)) {
		btf__free(btf);
		return NULL;
	}
	return btf;
}

/* Load @insns for @member; with @p's BTF where it has subprograms */
static int load(const struct bpf_insn *insns, int len, int member,
		const struct prog *p, char *log, size_t log_size)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts);
	struct bpf_func_info fi[MAX_SUBS + 1];
	struct btf *btf = NULL;
	int fd, nfi;

	opts.expected_attach_type = member;
	opts.attach_btf_id = ops_type_id;
	opts.log_buf = log;
	opts.log_size = log_size;
	log[0] = 0;
	if (p && p->subprogs) {
		btf = prog_btf(p, fi, &nfi);
		if (!btf) {
			fprintf(stderr, "pe-fuzz: cannot load a program's BTF: %s\n",
				strerror(errno));
			exit(2);
		}
		opts.prog_btf_fd = btf__fd(btf);
		opts.func_info = fi;
		opts.func_info_cnt = nfi;
		opts.func_info_rec_size = sizeof(fi[0]);
	}
	fd = bpf_prog_load(BPF_PROG_TYPE_STRUCT_OPS, NULL, "GPL", insns,
			   len, &opts);
	btf__free(btf);
	return fd;
}

/* Per mode: a prog array per member holding a callee that returns 5 */
static void setup_tail_calls(void)
{
	struct bpf_insn callee[] = {
		insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, CALLEE_RET),
		insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	static char log[4096];
	unsigned int i;
	int fd, key = 0;

	for (i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		int m = members[i];

		if (tail_map[m] > 0)
			close(tail_map[m]);
		tail_map[m] = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, NULL, 4,
					     4, TAIL_KEYS, NULL);
		fd = load(callee, 2, m, NULL, log, sizeof(log));
		if (tail_map[m] < 0 || fd < 0 ||
		    bpf_map_update_elem(tail_map[m], &key, &fd, BPF_ANY)) {
			fprintf(stderr, "pe-fuzz: tail call setup failed for member %d: %s\n%s",
				m, strerror(errno), log);
			exit(2);
		}
		{
			struct bpf_prog_info info = {};
			__u32 len = sizeof(info);

			if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
				fprintf(stderr, "pe-fuzz: no info of the callee\n");
				exit(2);
			}
			callee_id[m] = info.id;
		}
		close(fd);	/* the array holds it */
	}
}

static void dump(const struct prog *p)
{
	int i;

	for (i = 0; i < p->len && i < MAX_INSNS; i++)
		printf("  %4d: code %02x dst r%d src r%d off %d imm %d\n", i,
		       p->insns[i].code, p->insns[i].dst_reg,
		       p->insns[i].src_reg, p->insns[i].off, p->insns[i].imm);
}

struct stats {
	long generated, loaded, runs, refused[NR_REFUSALS], failures;
};

/*
 * The refusals @p may get in mode @m.  Some are made whatever the
 * verifier reaches: a kfunc call without the JIT (add_kfunc_call()).
 * The others only where it reaches the instruction: it prunes branches on
 * known values, and removes the code it never reached (a privileged
 * program) before the later checks.  So those are refusals it may make;
 * unrefused() fails a program that loaded although one of its runs
 * reached what it is refused for.
 */
static void refusable(const struct prog *p, enum mode m, bool *want)
{
	memset(want, 0, sizeof(*want) * NR_REFUSALS);
	if (m == INTERP) {
		want[R_KFUNC] = p->kfunc;
		want[R_CALLBACK] = p->callback;
		/* any tail call, where there are subprograms (callbacks
		 * included): check_map_func_compatibility()
		 */
		want[R_TAIL_SUB] = (p->tail || p->tail_sub) && p->subprogs;
	}
	want[R_TAIL_EPI] = has_epilogue(p->member) && p->tail_sub;
	want[R_STACK] = has_epilogue(p->member) && p->main_stack > STACK - 8;
}

/* Refused: whether for a reason it may be; *why the reason */
static bool refusal_expected(const struct prog *p, enum mode m,
			     const char *log, int *why)
{
	bool want[NR_REFUSALS];
	int r;

	refusable(p, m, want);
	*why = R_NONE;
	for (r = 1; r < NR_REFUSALS; r++) {
		if (want[r] && strstr(log, refusal_msgs[r])) {
			*why = r;
			return true;
		}
	}
	if (want[R_KFUNC])
		*why = -1;	/* must be refused */
	return false;
}

/* Loaded: the reason it must have been refused for, from a run, or NULL */
static const char *unrefused(const struct prog *p, enum mode m,
			     const struct outcome *o)
{
	bool want[NR_REFUSALS];

	refusable(p, m, want);
	if (want[R_CALLBACK] && o->loop_reached)
		return refusal_msgs[R_CALLBACK];
	if (want[R_TAIL_SUB] && o->tail_reached)
		return refusal_msgs[R_TAIL_SUB];
	if (want[R_TAIL_EPI] && o->sub_tail_reached)
		return refusal_msgs[R_TAIL_EPI];
	if (want[R_STACK] && o->deepest > STACK - 8)
		return refusal_msgs[R_STACK];
	return NULL;
}

static void fail(const struct prog *p, __u64 seed, enum mode m,
		 const char *what, const char *log)
{
	printf("FAIL seed %llu mode %s member %d: %s\n",
	       (unsigned long long)seed, mode_names[m], p->member, what);
	if (log && *log)
		printf("verifier log (tail):\n%s\n",
		       log + (strlen(log) > 1500 ? strlen(log) - 1500 : 0));
	dump(p);
}

/*
 * A loaded program as the kernel keeps it: JITed in the modes with the
 * JIT and not without it (6.1 falls back to the interpreter quietly where
 * no kfunc needs the JIT); and what a static rule refuses, where the
 * verifier kept it, whether a run reached it or not: a tail call outside
 * the main program of a program with an epilogue; without the JIT, a
 * callback or a tail call in a program with subprograms.  NULL if fine.
 */
static const char *kept_wrongly(const struct prog *p, enum mode m, int fd,
				const struct bpf_prog_info *info)
{
	static struct bpf_insn xl[4 * MAX_INSNS];
	struct bpf_func_info fi[MAX_SUBS + 1];
	struct bpf_prog_info x = {};
	__u32 len = sizeof(x), n, i, main_end;
	bool tail = false;

	if (m != INTERP && !info->jited_prog_len)
		return "not JITed with the JIT on";
	if (m == INTERP && info->jited_prog_len)
		return "JITed with the JIT off";
	x.xlated_prog_len = sizeof(xl);
	x.xlated_prog_insns = (__u64)(unsigned long)xl;
	x.nr_func_info = info->nr_func_info < MAX_SUBS + 1 ?
			 info->nr_func_info : MAX_SUBS + 1;
	x.func_info_rec_size = sizeof(fi[0]);
	x.func_info = (__u64)(unsigned long)fi;
	if (bpf_obj_get_info_by_fd(fd, &x, &len))
		return "bpf_obj_get_info_by_fd (translated program)";
	n = x.xlated_prog_len / sizeof(xl[0]);
	if (n > sizeof(xl) / sizeof(xl[0]))
		return "translated program too long for pe-fuzz";
	main_end = x.nr_func_info > 1 ? fi[1].insn_off : n;
	for (i = 0; i < n; i++) {
		/* the dump turns BPF_TAIL_CALL back into the helper call */
		if (xl[i].code == (BPF_JMP | BPF_CALL) && !xl[i].src_reg &&
		    xl[i].imm == BPF_FUNC_tail_call) {
			tail = true;
			if (i >= main_end && has_epilogue(p->member))
				return refusal_msgs[R_TAIL_EPI];
		}
		if (m == INTERP && xl[i].code == (BPF_LD | BPF_DW | BPF_IMM) &&
		    xl[i].src_reg == BPF_PSEUDO_FUNC)
			return refusal_msgs[R_CALLBACK];
	}
	if (m == INTERP && tail && x.nr_func_info > 1)
		return refusal_msgs[R_TAIL_SUB];
	return NULL;
}

static void one(__u64 seed, enum mode m, struct stats *st)
{
	static struct prog p;
	/* 6.1 keeps a log's head: room for the messages at its end */
	static char log[4 << 20];
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd, why, i, err, self_key = TAIL_SELF;
	const char *wrong;
	char what[96];
	bool refused_ok;

	rnd_state = seed * 0x9E3779B97F4A7C15ULL + 1;
	generate(&p);
	st->generated++;
	if (p.len > MAX_INSNS) {
		fail(&p, seed, m, "generator overflow", NULL);
		st->failures++;
		return;
	}
	fd = load(p.insns, p.len, p.member, &p, log, sizeof(log));
	err = errno;
	refused_ok = refusal_expected(&p, m, fd < 0 ? log : "", &why);
	if (fd < 0) {
		if (refused_ok) {
			st->refused[why]++;
			return;
		}
		snprintf(what, sizeof(what),
			 "refused (%s), not by a documented rule",
			 strerror(err));
		fail(&p, seed, m, what, log);
		st->failures++;
		return;
	}
	if (why == -1) {
		fail(&p, seed, m, "loaded, but a documented rule refuses it",
		     NULL);
		st->failures++;
		close(fd);
		return;
	}
	st->loaded++;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fail(&p, seed, m, "bpf_obj_get_info_by_fd", NULL);
		st->failures++;
		close(fd);
		return;
	}
	wrong = kept_wrongly(&p, m, fd, &info);
	if (wrong) {
		char what[256];

		snprintf(what, sizeof(what), "loaded: %s", wrong);
		fail(&p, seed, m, what, NULL);
		st->failures++;
		close(fd);
		return;
	}
	if (p.tail_self && bpf_map_update_elem(tail_map[p.member], &self_key,
					       &fd, BPF_ANY)) {
		fail(&p, seed, m, "cannot put the program in its prog array",
		     NULL);
		st->failures++;
		close(fd);
		return;
	}
	for (i = 0; i < NINPUTS; i++) {
		__u64 in = i == 0 ? 0 : i == 1 ? 1 : rnd();
		LIBBPF_OPTS(bpf_test_run_opts, topts);
		__u64 args = in, out = 0, want_a;
		__u32 want_ret;
		struct outcome o;
		char what[256];
		int m2 = p.member;

		oracle(&p, in + prologue_add(m2), info.id, &o);
		if (o.bad) {
			snprintf(what, sizeof(what), "oracle: %s", o.why);
			fail(&p, seed, m, what, NULL);
			st->failures++;
			break;
		}
		if (unrefused(&p, m, &o)) {
			snprintf(what, sizeof(what),
				 "a = %llu: loaded, but its run reached what this refuses: %s",
				 (unsigned long long)in, unrefused(&p, m, &o));
			fail(&p, seed, m, what, NULL);
			st->failures++;
			break;
		}
		want_a = o.a;
		want_ret = o.r0;
		if (o.tail_called) {
			/* the callee's prologue and epilogue, not ours */
			want_a += prologue_add(m2);
			if (has_epilogue(m2)) {
				want_a += EPI_ADD;
				want_ret = 2 * CALLEE_RET;
			}
			if (m2 == M_IMPLICIT)
				want_a += callee_id[m2];
		} else if (has_epilogue(m2)) {
			want_a += EPI_ADD + (m2 == M_IMPLICIT ? info.id : 0);
			want_ret = (__u32)(2 * o.r0);
		}
		topts.ctx_in = &args;
		topts.ctx_size_in = sizeof(args);
		topts.ctx_out = &out;
		topts.ctx_size_out = sizeof(out);
		st->runs++;
		if (bpf_prog_test_run_opts(fd, &topts)) {
			fail(&p, seed, m, "BPF_PROG_TEST_RUN failed", NULL);
			st->failures++;
			break;
		}
		if (topts.retval != want_ret || out != want_a) {
			snprintf(what, sizeof(what),
				 "a = %llu: returned %u, args->a %llu; expected %u, %llu%s",
				 (unsigned long long)in, topts.retval,
				 (unsigned long long)out, want_ret,
				 (unsigned long long)want_a,
				 o.tail_called ? " (tail call)" : "");
			fail(&p, seed, m, what, NULL);
			st->failures++;
			break;
		}
	}
	/* the array holds the program: out, or it stays */
	if (p.tail_self &&
	    bpf_map_delete_elem(tail_map[p.member], &self_key)) {
		fail(&p, seed, m, "cannot take the program out of its prog array",
		     NULL);
		st->failures++;
	}
	close(fd);
}

static int find_btf_ids(void)
{
	struct btf *btf = btf__load_vmlinux_btf();

	if (!btf)
		return -1;
	ops_type_id = btf__find_by_name_kind(btf, "bpf_dummy_pe_ops",
					     BTF_KIND_STRUCT);
	kfunc_add_id = btf__find_by_name_kind(btf, "bpf_kfunc_dummy_pe_add",
					      BTF_KIND_FUNC);
	kfunc_add_id_id = btf__find_by_name_kind(btf,
						 "bpf_kfunc_dummy_pe_add_id",
						 BTF_KIND_FUNC);
	btf__free(btf);
	return ops_type_id > 0 && kfunc_add_id > 0 && kfunc_add_id_id > 0 ?
	       0 : -1;
}

/*
 * pe-fuzz SEED N dry [dump]: generate and run the oracle only, no kernel
 * needed: the generator's and the oracle's own check.
 */
static int dry(__u64 seed, __u64 n, bool show)
{
	static struct prog p;
	long bad = 0, insns = 0, feat[16] = { 0 }, self = 0;
	struct outcome o;
	__u64 i;

	kfunc_add_id = 1;
	kfunc_add_id_id = 2;
	for (i = 0; i < n; i++) {
		rnd_state = (seed + i) * 0x9E3779B97F4A7C15ULL + 1;
		generate(&p);
		insns += p.len;
		feat[0] += p.kfunc;
		feat[1] += p.callback;
		feat[2] += p.tail;
		feat[3] += p.subprogs;
		feat[4] += p.main_stack > STACK - 8;
		feat[5] += p.insns[0].code == (BPF_JMP | BPF_JEQ | BPF_K);
		feat[6] += p.global;
		feat[7] += p.cb_kfunc;
		feat[8] += p.tail_sub;
		feat[9] += p.loop_not_inlined;
		feat[10] += p.sub_call;
		feat[11] += p.sub_loop;
		feat[12] += p.global_kfunc;
		feat[13] += p.tail_self;
		feat[14] += p.cond_start;
		feat[15] += p.filler > 0;
		oracle(&p, 1234, 7, &o);
		self += o.self_calls;
		if (show)
			dump(&p);
		if (o.bad || p.len > MAX_INSNS) {
			printf("seed %llu: %s\n", (unsigned long long)(seed + i),
			       o.bad ? o.why : "too long");
			if (!bad++)
				dump(&p);
		}
	}
	printf("dry: %llu programs, %ld insns on average; kfunc %ld, callback %ld (kfunc from one %ld, not inlined %ld), tail call %ld (from a subprogram %ld), subprograms %ld (global %ld), 512-byte stack %ld, jump to insn 0 %ld; oracle failures %ld\n",
	       (unsigned long long)n, n ? insns / (long)n : 0, feat[0],
	       feat[1], feat[7], feat[9], feat[2], feat[8], feat[3], feat[6], feat[4],
	       feat[5], bad);
	printf("dry: calls between subprograms %ld, bpf_loop from a subprogram %ld, kfunc from a global function %ld, tail call of itself %ld (%ld self calls run), conditional jump to insn 0 %ld, over 16k insns %ld\n",
	       feat[10], feat[11], feat[12], feat[13], self, feat[14],
	       feat[15]);
	return bad ? 1 : 0;
}

/*
 * Programs that found a bug, run in every mode of every run of more than
 * one program, whatever its range: each with the patch that fixed it.
 */
static const __u64 regressions[] = {
	/*
	 * A bpf_loop() callback loaded, dropped and never verified, removed
	 * as dead code while the load still pointed at it: "verifier bug.
	 * No program starts at insn", from the epilogue's stack check
	 * (100004) and from jit_subprogs() (100184).  Patch 3, "bpf: Keep a
	 * callback that the program loads but never calls".
	 */
	100004, 100184,
	/*
	 * A static subprogram that tail calls: 6.1 gave its caller the R0 of
	 * the subprogram's exit, and the caller's test of it was hard-wired,
	 * removing code that runs when the tail call succeeds (member 0
	 * returned 1969323120, args->a 2000; expected 5 and 3590).  Patch
	 * 42, "bpf: Explore the return of a tail call from a subprogram".
	 */
	1161244,
};
#define NR_REGRESSIONS (sizeof(regressions) / sizeof(regressions[0]))

int main(int argc, char **argv)
{
	bool modes[NR_MODES] = { 0 };
	struct stats st[NR_MODES];
	__u64 seed, n, i;
	long failures = 0;
	int m, r;

	if (argc >= 4 && !strcmp(argv[3], "dry"))
		return dry(strtoull(argv[1], NULL, 0),
			   strtoull(argv[2], NULL, 0), argc > 4);
	if (argc < 3) {
		fprintf(stderr, "usage: pe-fuzz SEED N [jit|interp|harden...]\n");
		return 2;
	}
	seed = strtoull(argv[1], NULL, 0);
	n = strtoull(argv[2], NULL, 0);
	for (i = 3; i < (__u64)argc; i++)
		for (m = 0; m < NR_MODES; m++)
			if (!strcmp(argv[i], mode_names[m]))
				modes[m] = true;
	if (argc == 3)
		modes[JIT] = modes[INTERP] = modes[HARDEN] = true;
	if (find_btf_ids()) {
		fprintf(stderr, "pe-fuzz: no bpf_dummy_pe_ops or its kfuncs in vmlinux BTF (CONFIG_BPF_DUMMY_PE_OPS?)\n");
		return 2;
	}
	memset(st, 0, sizeof(st));
	for (m = 0; m < NR_MODES; m++) {
		if (!modes[m])
			continue;
		write_sysctl("bpf_jit_enable", m == INTERP ? "0" : "1");
		write_sysctl("bpf_jit_harden", m == HARDEN ? "2" : "0");
		setup_tail_calls();
		for (i = 0; i < n; i++)
			one(seed + i, m, &st[m]);
		for (i = 0; n > 1 && i < NR_REGRESSIONS; i++)
			one(regressions[i], m, &st[m]);
		printf("mode %s: seeds %llu..%llu and %zu regression seeds: generated %ld, loaded %ld (%ld runs), refused",
		       mode_names[m], (unsigned long long)seed,
		       (unsigned long long)(seed + n - 1),
		       n > 1 ? NR_REGRESSIONS : 0, st[m].generated,
		       st[m].loaded, st[m].runs);
		for (r = 1; r < NR_REFUSALS; r++)
			printf(" %ld (%s)", st[m].refused[r], refusal_msgs[r]);
		printf(", failures %ld\n", st[m].failures);
		failures += st[m].failures;
	}
	write_sysctl("bpf_jit_enable", "1");
	write_sysctl("bpf_jit_harden", "0");
	printf("pe-fuzz: %ld failures\n", failures);
	return failures ? 1 : 0;
}
