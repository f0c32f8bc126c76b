// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_dummy_pe_ops: a struct_ops type for testing the prologue and the
 * epilogue that the kernel generates around struct_ops programs, and the
 * calls in them.  Its programs run through BPF_PROG_TEST_RUN only.
 *
 * The prologue adds 1000 to args->a, the epilogue 10000, both by calling
 * the kfunc bpf_kfunc_dummy_pe_add(), or its BPF_CALL_2 counterpart for
 * test_direct_call and where the program cannot call kfuncs (the
 * interpreter; test_kfunc_only has no such fallback); the epilogue also
 * doubles the program's return value.  test_implicit's epilogue adds 10000
 * and the program's id, by the KF_IMPLICIT_ARGS kfunc
 * bpf_kfunc_dummy_pe_add_id() or its counterpart, which the generator
 * passes the aux itself.  test_helper_id's prologue calls a
 * helper by id, which generated code may not do.  The test_bad_* members get
 * generators that are wrong on purpose, to test that the verifier refuses
 * them.
 */
#include <linux/bpf_verifier.h>
#include <linux/btf_ids.h>
#include <linux/filter.h>
#include <linux/kernel.h>
#include <linux/bpf.h>
#include <linux/bpf_dummy_pe_ops.h>
#include <linux/btf.h>

extern struct bpf_struct_ops bpf_bpf_dummy_pe_ops;

/* Each member is a function pointer: its index is its offset / size */
#define DUMMY_PE_MEMBER(m) \
	(offsetof(struct bpf_dummy_pe_ops, m) / sizeof(void *))
#define DUMMY_PE_PROLOGUE_ADD	1000
#define DUMMY_PE_EPILOGUE_ADD	10000

__bpf_kfunc_start_defs();

/**
 * bpf_kfunc_dummy_pe_add() - add to the context of a bpf_dummy_pe_ops program
 * @args: the program's context
 * @n: what to add to @args->a
 */
__bpf_kfunc void bpf_kfunc_dummy_pe_add(struct bpf_dummy_pe_args *args, u64 n)
{
	/* All struct_ops programs may call it, the verifier lets NULL by */
	if (args)
		args->a += n;
}

/**
 * bpf_kfunc_dummy_pe_add_id() - add to the context and the program's id
 * @args: the program's context
 * @n: what to add to @args->a, with the id of the program @aux is of
 * @aux: the calling program's aux, which the verifier passes
 *
 * A KF_IMPLICIT_ARGS kfunc: BPF programs and generated code call it with
 * @args and @n only.
 */
__bpf_kfunc void bpf_kfunc_dummy_pe_add_id(struct bpf_dummy_pe_args *args,
					   u64 n, struct bpf_prog_aux *aux)
{
	if (args)
		args->a += n + aux->id;
}

__bpf_kfunc_end_defs();

/* The same, for generated code to call directly, BPF programs cannot.
 * Each has a body of its own rather than calling the kfunc, so that a
 * benchmark of the two kinds of call measures the calls, not a wrapper.
 */
BPF_CALL_2(bpf_dummy_pe_add, struct bpf_dummy_pe_args *, args, u64, n)
{
	if (args)
		args->a += n;
	return 0;
}

BPF_CALL_3(bpf_dummy_pe_add_id, struct bpf_dummy_pe_args *, args, u64, n,
	   struct bpf_prog_aux *, aux)
{
	if (args)
		args->a += n + aux->id;
	return 0;
}

BTF_KFUNCS_START(bpf_dummy_pe_kfunc_ids)
BTF_ID_FLAGS(func, bpf_kfunc_dummy_pe_add)
BTF_ID_FLAGS(func, bpf_kfunc_dummy_pe_add_id, KF_IMPLICIT_ARGS)
BTF_KFUNCS_END(bpf_dummy_pe_kfunc_ids)

static const struct btf_kfunc_id_set bpf_dummy_pe_kfunc_set = {
	.owner = THIS_MODULE,
	.set   = &bpf_dummy_pe_kfunc_ids,
};

/* The kfunc the generators call, and what the bad ones call instead */
BTF_ID_LIST(dummy_pe_btf_ids)
BTF_ID(func, bpf_kfunc_dummy_pe_add)
BTF_ID(struct, bpf_dummy_pe_args)
BTF_ID(func, bpf_kfunc_call_test1)
BTF_ID(func, bpf_kfunc_dummy_pe_add_id)

#define DUMMY_PE_KFUNC_CALL(id)						\
	BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, id)

/* args->a += @n, args being the first argument of the program in @ctx:
 * by the kfunc @kfunc_id, or by bpf_dummy_pe_add() if @kfunc_id is 0.
 */
static struct bpf_insn *dummy_pe_add(struct bpf_insn *insn, int ctx, u32 n,
				     u32 kfunc_id)
{
	*insn++ = BPF_LDX_MEM(BPF_DW, BPF_REG_1, ctx, 0);
	*insn++ = BPF_MOV64_IMM(BPF_REG_2, n);
	if (kfunc_id)
		*insn++ = DUMMY_PE_KFUNC_CALL(kfunc_id);
	else
		*insn++ = BPF_EMIT_CALL(bpf_dummy_pe_add);
	return insn;
}

/* args->a += @n + @prog's id, args being the first argument of the program
 * in @ctx: by the KF_IMPLICIT_ARGS kfunc, to which the verifier passes the
 * aux, or where @prog cannot call kfuncs by its BPF_CALL_3 counterpart,
 * passed the aux here: the main program's, which stays where it is.
 */
static struct bpf_insn *dummy_pe_add_id(struct bpf_insn *insn, int ctx,
					u32 n, const struct bpf_prog *prog)
{
	struct bpf_insn ld_aux[2] = {
		BPF_LD_IMM64(BPF_REG_3, (unsigned long)prog->aux),
	};

	*insn++ = BPF_LDX_MEM(BPF_DW, BPF_REG_1, ctx, 0);
	*insn++ = BPF_MOV64_IMM(BPF_REG_2, n);
	if (bpf_prog_can_call_kfunc(prog)) {
		*insn++ = DUMMY_PE_KFUNC_CALL(dummy_pe_btf_ids[3]);
	} else {
		*insn++ = ld_aux[0];
		*insn++ = ld_aux[1];
		*insn++ = BPF_EMIT_CALL(bpf_dummy_pe_add_id);
	}
	return insn;
}

/* The kfunc to call, or 0 for its BPF_CALL_2 counterpart where @prog
 * cannot call kfuncs.
 */
static u32 dummy_pe_kfunc(const struct bpf_prog *prog)
{
	return bpf_prog_can_call_kfunc(prog) ? dummy_pe_btf_ids[0] : 0;
}

/* R6-R9 are scratch here: the verifier has seen the program set them first */
static int dummy_pe_gen_prologue(struct bpf_insn *insn_buf, bool direct_write,
				 const struct bpf_prog *prog)
{
	struct bpf_insn *insn = insn_buf;
	u32 kfunc_id = dummy_pe_kfunc(prog);

	switch (prog->expected_attach_type) {
	case DUMMY_PE_MEMBER(test_prologue):
	case DUMMY_PE_MEMBER(test_pro_epilogue):
		break;
	case DUMMY_PE_MEMBER(test_direct_call):
		kfunc_id = 0;
		break;
	case DUMMY_PE_MEMBER(test_bad_kfunc_id):
		kfunc_id = dummy_pe_btf_ids[1];
		break;
	case DUMMY_PE_MEMBER(test_bad_ld_imm64): {
		/* Refused: a map fd that nothing would resolve */
		struct bpf_insn ld_map[2] = { BPF_LD_MAP_FD(BPF_REG_2, 0) };

		*insn++ = ld_map[0];
		*insn++ = ld_map[1];
		*insn++ = prog->insnsi[0];
		return insn - insn_buf;
	}
	case DUMMY_PE_MEMBER(test_helper_id):
	case DUMMY_PE_MEMBER(test_bad_helper):
		/* Refused: a helper id, although the type offers the
		 * helper, and imm 0, __bpf_call_base itself.
		 */
		*insn++ = BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, 0, 0,
				       prog->expected_attach_type ==
				       DUMMY_PE_MEMBER(test_helper_id) ?
				       BPF_FUNC_get_current_pid_tgid : 0);
		*insn++ = prog->insnsi[0];
		return insn - insn_buf;
	default:
		return 0;
	}

	*insn++ = BPF_MOV64_REG(BPF_REG_6, BPF_REG_1);
	insn = dummy_pe_add(insn, BPF_REG_6, DUMMY_PE_PROLOGUE_ADD, kfunc_id);
	*insn++ = BPF_MOV64_REG(BPF_REG_1, BPF_REG_6);
	*insn++ = prog->insnsi[0];
	return insn - insn_buf;
}

static int dummy_pe_gen_epilogue(struct bpf_insn *insn_buf,
				 const struct bpf_prog *prog, s16 ctx_stack_off)
{
	struct bpf_insn *insn = insn_buf;
	u32 kfunc_id = dummy_pe_kfunc(prog);
	int i;

	switch (prog->expected_attach_type) {
	case DUMMY_PE_MEMBER(test_epilogue):
	case DUMMY_PE_MEMBER(test_pro_epilogue):
	case DUMMY_PE_MEMBER(test_implicit):
		break;
	case DUMMY_PE_MEMBER(test_kfunc_only):
		kfunc_id = dummy_pe_btf_ids[0];
		break;
	case DUMMY_PE_MEMBER(test_direct_call):
		kfunc_id = 0;
		break;
	case DUMMY_PE_MEMBER(test_bad_kfunc_denied):
		kfunc_id = dummy_pe_btf_ids[2];
		break;
	case DUMMY_PE_MEMBER(test_bad_too_long):
		/* One more than the verifier takes, within its buffer */
		for (i = 0; i < 15; i++)
			*insn++ = BPF_MOV64_IMM(BPF_REG_0, i);
		*insn++ = BPF_EXIT_INSN();
		return insn - insn_buf;
	default:
		return 0;
	}

	*insn++ = BPF_MOV64_REG(BPF_REG_6, BPF_REG_0);
	*insn++ = BPF_LDX_MEM(BPF_DW, BPF_REG_7, BPF_REG_FP, ctx_stack_off);
	if (prog->expected_attach_type == DUMMY_PE_MEMBER(test_implicit))
		insn = dummy_pe_add_id(insn, BPF_REG_7, DUMMY_PE_EPILOGUE_ADD,
				       prog);
	else
		insn = dummy_pe_add(insn, BPF_REG_7, DUMMY_PE_EPILOGUE_ADD,
				    kfunc_id);
	*insn++ = BPF_MOV64_REG(BPF_REG_0, BPF_REG_6);
	*insn++ = BPF_ALU64_IMM(BPF_MUL, BPF_REG_0, 2);
	*insn++ = BPF_EXIT_INSN();
	return insn - insn_buf;
}

static const struct bpf_func_proto *
dummy_pe_get_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	switch (func_id) {
	case BPF_FUNC_tail_call:
		return &bpf_tail_call_proto;
	case BPF_FUNC_get_current_pid_tgid:
		return &bpf_get_current_pid_tgid_proto;
	default:
		return bpf_base_func_proto(func_id);
	}
}

static bool dummy_pe_is_valid_access(int off, int size,
				     enum bpf_access_type type,
				     const struct bpf_prog *prog,
				     struct bpf_insn_access_aux *info)
{
	return bpf_tracing_btf_ctx_access(off, size, type, prog, info);
}

/* Programs may read and write their bpf_dummy_pe_args, nothing else */
static int dummy_pe_btf_struct_access(struct bpf_verifier_log *log,
				      const struct btf *btf,
				      const struct btf_type *t, int off,
				      int size, enum bpf_access_type atype,
				      u32 *next_btf_id,
				      enum bpf_type_flag *flag)
{
	int err;

	if (t != btf_type_by_id(btf, dummy_pe_btf_ids[1])) {
		bpf_log(log, "only access to bpf_dummy_pe_args is supported\n");
		return -EACCES;
	}

	err = btf_struct_access(log, btf, t, off, size, atype, next_btf_id,
				flag);
	if (err < 0)
		return err;

	return atype == BPF_READ ? err : NOT_INIT;
}

static const struct bpf_verifier_ops bpf_dummy_pe_verifier_ops = {
	.get_func_proto = dummy_pe_get_func_proto,
	.is_valid_access = dummy_pe_is_valid_access,
	.btf_struct_access = dummy_pe_btf_struct_access,
	.gen_prologue = dummy_pe_gen_prologue,
	.gen_epilogue = dummy_pe_gen_epilogue,
};

/**
 * bpf_dummy_pe_test_run() - BPF_PROG_TEST_RUN of a bpf_dummy_pe_ops program
 * @prog: the program
 * @kattr: ctx_in and ctx_out are a struct bpf_dummy_pe_args, repeat is
 *	   honoured (args->a carries over from run to run), the rest must be
 *	   zero
 * @uattr: gets retval, duration (of a run, in ns), ctx_out and ctx_size_out
 *
 * The program is called as a struct_ops trampoline would call it, with a
 * pointer to its arguments, but without one: no image is built for it,
 * and it gets none of what a trampoline adds, neither recursion
 * protection nor run-time stats.  Fine for a test type only.
 *
 * Return: 0, or a negative errno.
 */
int bpf_dummy_pe_test_run(struct bpf_prog *prog, const union bpf_attr *kattr,
			  union bpf_attr __user *uattr)
{
	void __user *ctx_out = u64_to_user_ptr(kattr->test.ctx_out);
	void __user *ctx_in = u64_to_user_ptr(kattr->test.ctx_in);
	u32 i, retval = 0, repeat = kattr->test.repeat ?: 1;
	struct bpf_dummy_pe_args args;
	u64 ctx[1], t0, ns = 0;

	if (prog->aux->attach_btf_id != bpf_bpf_dummy_pe_ops.type_id)
		return -EOPNOTSUPP;
	if (kattr->test.ctx_size_in != sizeof(args) ||
	    kattr->test.data_size_in || kattr->test.data_size_out ||
	    kattr->test.flags || kattr->test.cpu || kattr->test.batch_size)
		return -EINVAL;
	if (kattr->test.ctx_size_out && kattr->test.ctx_size_out < sizeof(args))
		return -ENOSPC;
	if (copy_from_user(&args, ctx_in, sizeof(args)))
		return -EFAULT;
	ctx[0] = (u64)(unsigned long)&args;

	t0 = ktime_get_ns();
	for (i = 0; i < repeat; i++) {
		rcu_read_lock();
		migrate_disable();
		retval = bpf_prog_run(prog, ctx);
		migrate_enable();
		rcu_read_unlock();
		if (i + 1 == repeat)
			break;
		if (signal_pending(current))
			return -EINTR;
		if (need_resched()) {
			ns += ktime_get_ns() - t0;
			cond_resched();
			t0 = ktime_get_ns();
		}
	}
	ns = div_u64(ns + ktime_get_ns() - t0, repeat);

	if (ctx_out && kattr->test.ctx_size_out &&
	    copy_to_user(ctx_out, &args, sizeof(args)))
		return -EFAULT;
	if (put_user(sizeof(args), &uattr->test.ctx_size_out) ||
	    put_user(retval, &uattr->test.retval) ||
	    put_user(min_t(u64, ns, U32_MAX), &uattr->test.duration))
		return -EFAULT;
	return 0;
}

static int bpf_dummy_pe_init(struct btf *btf)
{
	return 0;
}

static int bpf_dummy_pe_init_member(const struct btf_type *t,
				    const struct btf_member *member,
				    void *kdata, const void *udata)
{
	return -EOPNOTSUPP;
}

static int bpf_dummy_pe_reg(void *kdata)
{
	return -EOPNOTSUPP;
}

static void bpf_dummy_pe_unreg(void *kdata)
{
}

struct bpf_struct_ops bpf_bpf_dummy_pe_ops = {
	.verifier_ops = &bpf_dummy_pe_verifier_ops,
	.init = bpf_dummy_pe_init,
	.init_member = bpf_dummy_pe_init_member,
	.reg = bpf_dummy_pe_reg,
	.unreg = bpf_dummy_pe_unreg,
	.name = "bpf_dummy_pe_ops",
};

static int __init bpf_dummy_pe_kfunc_init(void)
{
	return register_btf_kfunc_id_set(BPF_PROG_TYPE_STRUCT_OPS,
					 &bpf_dummy_pe_kfunc_set);
}
late_initcall(bpf_dummy_pe_kfunc_init);
