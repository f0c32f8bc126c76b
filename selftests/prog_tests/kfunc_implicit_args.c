// SPDX-License-Identifier: GPL-2.0
/*
 * KF_IMPLICIT_ARGS: BPF programs call such a kfunc without its last
 * parameter, a struct bpf_prog_aux *, and the verifier loads the program's
 * aux into that argument's register, with one ld_imm64 before each call.
 *
 * The test kfuncs return values made from the id of the program that the aux
 * they get belongs to, which the tests compare with the id of the program
 * they ran: a wrong aux, or the aux in the wrong register, shows there.
 */
#include <test_progs.h>
#include <load_expect.h>
#include <network_helpers.h>
#include <trace_helpers.h>
#include <bpf/btf.h>
#include "kfunc_implicit_args.skel.h"
#include "kfunc_implicit_args_fail.skel.h"
#include "kfunc_implicit_args_testmod.skel.h"
#include "kfunc_implicit_args_trace.skel.h"

#define PROG_ID		"bpf_kfunc_call_test_prog_id"
#define IMPLICIT_ADD	"bpf_kfunc_call_test_implicit_add"
#define TESTMOD_PROG_ID	"bpf_testmod_implicit_prog_id"

#define KFUNC_CALL(btf_id) \
	BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, btf_id)

/* What a program passes in a register that the verifier must overwrite. */
#define GARBAGE		12345

#define IMPL_MSG \
	"kernel function " PROG_ID "_impl cannot be called directly: call " PROG_ID

/* include/linux/filter.h: the register constant blinding uses */
#define BPF_REG_AX	MAX_BPF_REG

static char log_buf[64 * 1024];

/* The JIT blinds every program's constants (net.core.bpf_jit_harden=2) */
static bool blinded;

/*
 * Blinding rewrites the ld_imm64 of the aux, like every immediate, into
 * instructions through AX: where it is on, check that it did so instead of
 * the layout, which return values then show right.  True where it is on.
 * A program with BPF-to-BPF calls is blinded function by function as it is
 * JITed, and the kernel dumps it as verified: its layout is checked.
 */
static bool xlated_blinded(const struct bpf_insn *insns, __u32 cnt)
{
	__u32 i;

	if (!blinded)
		return false;
	for (i = 0; i < cnt; i++)
		if (insns[i].code == (BPF_JMP | BPF_CALL) &&
		    insns[i].src_reg == BPF_PSEUDO_CALL)
			return false;
	for (i = 0; i < cnt; i++)
		if (insns[i].dst_reg == BPF_REG_AX ||
		    insns[i].src_reg == BPF_REG_AX)
			return true;
	ASSERT_TRUE(false, "constants blinded through AX");
	return true;
}

static bool is_kfunc_call(const struct bpf_insn *insn)
{
	return insn->code == (BPF_JMP | BPF_CALL) &&
	       insn->src_reg == BPF_PSEUDO_KFUNC_CALL;
}

static __u32 get_prog_id(int prog_fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (!ASSERT_OK(bpf_obj_get_info_by_fd(prog_fd, &info, &len),
		       "bpf_obj_get_info_by_fd"))
		return 0;
	ASSERT_NEQ(info.id, 0, "prog id");
	return info.id;
}

/* Run @prog_fd on pkt_v4; return its 32-bit return value in @retval. */
static int run_prog(int prog_fd, __u32 *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	int err;

	topts.data_in = &pkt_v4;
	topts.data_size_in = sizeof(pkt_v4);
	topts.repeat = 1;
	err = bpf_prog_test_run_opts(prog_fd, &topts);
	*retval = topts.retval;
	return err;
}

/*
 * Is @insn the start of an ld_imm64 of a plain 64-bit value (src_reg 0) into
 * register @reg?  Set *@imm to the value.
 */
static bool is_ld_aux(const struct bpf_insn *insn, int reg, __u64 *imm)
{
	/* dst_reg and src_reg are bit-fields, which typeof() refuses */
	if (!ASSERT_EQ(insn[0].code, BPF_LD | BPF_IMM | BPF_DW, "ld_imm64 code") ||
	    !ASSERT_EQ((int)insn[0].dst_reg, reg, "ld_imm64 dst_reg") ||
	    !ASSERT_EQ((int)insn[0].src_reg, 0, "ld_imm64 src_reg") ||
	    !ASSERT_EQ(insn[0].off, 0, "ld_imm64 off") ||
	    !ASSERT_EQ(insn[1].code, 0, "ld_imm64 second half code") ||
	    !ASSERT_EQ((int)insn[1].dst_reg, 0, "ld_imm64 second half dst_reg") ||
	    !ASSERT_EQ((int)insn[1].src_reg, 0, "ld_imm64 second half src_reg") ||
	    !ASSERT_EQ(insn[1].off, 0, "ld_imm64 second half off"))
		return false;
	*imm = (__u64)(__u32)insn[1].imm << 32 | (__u32)insn[0].imm;
	return ASSERT_NEQ(*imm, 0, "ld_imm64 value");
}

/*
 * Check that each kfunc call of @prog_fd, of which there are @nr_calls, comes
 * right after an ld_imm64 into @reg, and that all load the same aux.
 */
static void check_xlated_calls(int prog_fd, int nr_calls, int reg)
{
	struct bpf_insn *insns;
	__u64 imm, aux = 0;
	__u32 i, cnt;
	int calls = 0;

	insns = get_xlated_insns(prog_fd, &cnt);
	if (!ASSERT_OK_PTR(insns, "get_xlated_insns"))
		return;
	if (xlated_blinded(insns, cnt)) {
		free(insns);
		return;
	}
	for (i = 0; i < cnt; i++) {
		if (!is_kfunc_call(&insns[i]))
			continue;
		calls++;
		if (!ASSERT_GE(i, 2, "room for the ld_imm64") ||
		    !is_ld_aux(&insns[i - 2], reg, &imm))
			break;
		if (!aux)
			aux = imm;
		if (!ASSERT_EQ(imm, aux, "the same aux at every call site"))
			break;
	}
	ASSERT_EQ(calls, nr_calls, "kfunc calls");
	free(insns);
}

/*
 * Check the instructions of @prog_fd against @orig, those loaded: before each
 * kfunc call, and nowhere else, one ld_imm64 was inserted, into the register
 * that @regs gives for that call, in call order; all calls load the same
 * aux.  The rest is unchanged but for the calls' imm, which the verifier
 * turns into the kfunc's address.
 */
static void check_xlated_layout(int prog_fd, const struct bpf_insn *orig,
				__u32 orig_cnt, const int *regs, int nr_calls)
{
	__u32 i, j = 0, cnt = 0;
	struct bpf_insn *insns;
	__u64 imm, aux = 0;
	bool ok = false;
	int calls = 0;

	insns = get_xlated_insns(prog_fd, &cnt);
	if (!ASSERT_OK_PTR(insns, "get_xlated_insns"))
		return;
	if (xlated_blinded(insns, cnt)) {
		free(insns);
		return;
	}
	if (!ASSERT_EQ(cnt, orig_cnt + 2 * nr_calls, "xlated insn count"))
		goto out;

	for (i = 0; i < orig_cnt; i++, j++) {
		if (is_kfunc_call(&orig[i])) {
			if (!ASSERT_LT(calls, nr_calls, "call sites") ||
			    !is_ld_aux(&insns[j], regs[calls], &imm))
				goto out;
			if (!aux)
				aux = imm;
			if (!ASSERT_EQ(imm, aux, "the same aux at every call site"))
				goto out;
			calls++;
			j += 2;
		}
		if (!ASSERT_EQ(insns[j].code, orig[i].code, "insn code") ||
		    !ASSERT_EQ((int)insns[j].dst_reg, (int)orig[i].dst_reg,
			       "insn dst_reg") ||
		    !ASSERT_EQ((int)insns[j].src_reg, (int)orig[i].src_reg,
			       "insn src_reg") ||
		    !ASSERT_EQ(insns[j].off, orig[i].off, "insn off"))
			goto out;
		/* a kfunc call's imm becomes the kfunc's address */
		if (!is_kfunc_call(&orig[i]) &&
		    !ASSERT_EQ(insns[j].imm, orig[i].imm, "insn imm"))
			goto out;
	}
	ok = ASSERT_EQ(calls, nr_calls, "call sites") &&
	     ASSERT_EQ(j, cnt, "all insns checked");
out:
	if (!ok || env.verbosity > VERBOSE_NONE) {
		for (i = 0; i < cnt; i++)
			fprintf(stdout, "xlated %2u: code 0x%02x dst r%d src r%d off %d imm %d\n",
				i, insns[i].code, insns[i].dst_reg,
				insns[i].src_reg, insns[i].off, insns[i].imm);
	}
	free(insns);
}

static int load_raw_flags(const struct bpf_insn *insns, __u32 cnt,
			  __u32 prog_flags)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts);

	opts.prog_flags = prog_flags;
	opts.log_buf = log_buf;
	opts.log_size = sizeof(log_buf);
	opts.log_level = 1;
	log_buf[0] = '\0';
	return bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "implicit_args", "GPL",
			     insns, cnt, &opts);
}

static int load_raw(const struct bpf_insn *insns, __u32 cnt)
{
	return load_raw_flags(insns, cnt, 0);
}

/* The id of the BTF_KIND_FUNC @name of vmlinux, or a negative error. */
static int kfunc_btf_id(const char *name)
{
	struct btf *btf;
	int id;

	btf = btf__load_vmlinux_btf();
	if (!ASSERT_OK_PTR(btf, "btf__load_vmlinux_btf"))
		return -1;
	id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	ASSERT_GT(id, 0, name);
	btf__free(btf);
	return id;
}

/*
 * resolve_btfids left the kfunc @name of @btf with @nargs parameters, the
 * ones BPF programs pass, and added @name_impl with those and a last
 * struct bpf_prog_aux *; the symbol is @name's only.
 */
static void check_btf_rewrite(const struct btf *btf, const char *name,
			      int nargs)
{
	const struct btf_type *func, *impl, *proto, *impl_proto, *t;
	const struct btf_param *args, *impl_args;
	char impl_name[128];
	int id, impl_id, i;

	snprintf(impl_name, sizeof(impl_name), "%s_impl", name);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	impl_id = btf__find_by_name_kind(btf, impl_name, BTF_KIND_FUNC);
	if (!ASSERT_GT(id, 0, name) || !ASSERT_GT(impl_id, 0, impl_name))
		return;
	func = btf__type_by_id(btf, id);
	impl = btf__type_by_id(btf, impl_id);
	proto = btf__type_by_id(btf, func->type);
	impl_proto = btf__type_by_id(btf, impl->type);
	if (!ASSERT_TRUE(btf_is_func_proto(proto), "kfunc FUNC_PROTO") ||
	    !ASSERT_TRUE(btf_is_func_proto(impl_proto), "_impl FUNC_PROTO"))
		return;
	if (!ASSERT_EQ(btf_vlen(proto), nargs, "kfunc parameters") ||
	    !ASSERT_EQ(btf_vlen(impl_proto), nargs + 1, "_impl parameters"))
		return;
	ASSERT_EQ(impl_proto->type, proto->type, "return types");
	args = btf_params(proto);
	impl_args = btf_params(impl_proto);
	for (i = 0; i < nargs; i++)
		ASSERT_EQ(impl_args[i].type, args[i].type, "parameter types");

	t = btf__type_by_id(btf, impl_args[nargs].type);
	while (btf_is_mod(t) || btf_is_typedef(t))
		t = btf__type_by_id(btf, t->type);
	if (!ASSERT_TRUE(btf_is_ptr(t), "last _impl parameter is a pointer"))
		return;
	t = btf__type_by_id(btf, t->type);
	while (btf_is_mod(t))
		t = btf__type_by_id(btf, t->type);
	if (ASSERT_TRUE(btf_is_struct(t), "pointer to a struct"))
		ASSERT_STREQ(btf__name_by_offset(btf, t->name_off),
			     "bpf_prog_aux", "pointer to struct bpf_prog_aux");

	ASSERT_NEQ(ksym_get_addr(name), 0, "kallsyms has the kfunc");
	ASSERT_EQ(ksym_get_addr(impl_name), 0, "kallsyms has no _impl");
}

static void test_btf(void)
{
	struct btf *vmlinux_btf, *btf;

	if (!ASSERT_OK(load_kallsyms(), "load_kallsyms"))
		return;
	vmlinux_btf = btf__load_vmlinux_btf();
	if (!ASSERT_OK_PTR(vmlinux_btf, "btf__load_vmlinux_btf"))
		return;
	check_btf_rewrite(vmlinux_btf, PROG_ID, 0);
	check_btf_rewrite(vmlinux_btf, IMPLICIT_ADD, 2);

	if (ASSERT_TRUE(env.has_testmod, "bpf_testmod.ko loaded")) {
		btf = btf__load_module_btf("bpf_testmod", vmlinux_btf);
		if (ASSERT_OK_PTR(btf, "bpf_testmod BTF"))
			check_btf_rewrite(btf, TESTMOD_PROG_ID, 1);
		btf__free(btf);
	}
	btf__free(vmlinux_btf);
}

/*
 * The programs of kfunc_implicit_args.bpf.c, call_prog_id_subprogs only
 * when @subprogs: a 32-bit kernel refuses that one (test_subprogs()).
 */
static struct kfunc_implicit_args *open_load(bool subprogs)
{
	struct kfunc_implicit_args *skel;

	skel = kfunc_implicit_args__open();
	if (!ASSERT_OK_PTR(skel, "kfunc_implicit_args__open"))
		return NULL;
	bpf_program__set_autoload(skel->progs.call_prog_id_subprogs, subprogs);
	if (!ASSERT_OK(kfunc_implicit_args__load(skel),
		       "kfunc_implicit_args__load")) {
		kfunc_implicit_args__destroy(skel);
		return NULL;
	}
	return skel;
}

static void test_prog_id(void)
{
	struct kfunc_implicit_args *skel;
	__u32 retval;
	int fd;

	skel = open_load(false);
	if (!skel)
		return;
	fd = bpf_program__fd(skel->progs.call_prog_id);
	if (ASSERT_OK(run_prog(fd, &retval), "run call_prog_id"))
		ASSERT_EQ(retval, get_prog_id(fd), "retval == prog id");
	check_xlated_calls(fd, 1, BPF_REG_1);
	kfunc_implicit_args__destroy(skel);
}

/* Call sites in the program and in its subprograms all get its aux. */
static void test_subprogs(void)
{
	struct kfunc_implicit_args *skel;
	__u32 retval, id;
	int fd;

	if (sizeof(long) == 4) {
		/*
		 * 6.1's 32-bit JITs translate no bpf-to-bpf calls, and a
		 * program that the JIT leaves to the interpreter cannot call
		 * kfuncs: the verifier refuses it, saying why.
		 */
		skel = kfunc_implicit_args__open();
		if (!ASSERT_OK_PTR(skel, "kfunc_implicit_args__open"))
			return;
		log_buf[0] = '\0';
		bpf_program__set_log_buf(skel->progs.call_prog_id_subprogs,
					 log_buf, sizeof(log_buf));
		if (ASSERT_ERR(kfunc_implicit_args__load(skel),
			       "32-bit: call_prog_id_subprogs refused"))
			ASSERT_HAS_SUBSTR(log_buf,
					  "calling kernel functions are not allowed in non-JITed programs",
					  "verifier log");
		kfunc_implicit_args__destroy(skel);
		return;
	}
	skel = open_load(true);
	if (!skel)
		return;
	fd = bpf_program__fd(skel->progs.call_prog_id_subprogs);
	id = get_prog_id(fd);
	if (ASSERT_OK(run_prog(fd, &retval), "run call_prog_id_subprogs")) {
		ASSERT_EQ(retval, id, "retval == prog id");
		ASSERT_EQ(skel->bss->main_id1, id, "first call in the program");
		ASSERT_EQ(skel->bss->main_id2, id, "second call in the program");
		ASSERT_EQ(skel->bss->static_sub_id, id, "static subprogram");
		ASSERT_EQ(skel->bss->global_sub_id, id, "global subprogram");
	}
	check_xlated_calls(fd, 4, BPF_REG_1);
	kfunc_implicit_args__destroy(skel);
}

static void test_implicit_add(void)
{
	const __u64 b = (1ULL << 40) + 0x20;
	struct kfunc_implicit_args *skel;
	const __u32 a = 0xfffffff0;
	__u32 retval;
	__u64 sum;
	int fd;

	skel = open_load(false);
	if (!skel)
		return;
	skel->bss->add_a = a;
	skel->bss->add_b = b;
	fd = bpf_program__fd(skel->progs.call_implicit_add);
	sum = a + b + get_prog_id(fd);
	if (ASSERT_OK(run_prog(fd, &retval), "run call_implicit_add")) {
		ASSERT_EQ(skel->bss->add_result, sum, "a + b + prog id");
		ASSERT_EQ(retval, (__u32)sum, "retval");
	}
	check_xlated_calls(fd, 1, BPF_REG_3);
	kfunc_implicit_args__destroy(skel);
}

/*
 * fentry and fexit on bpf_kfunc_call_test_implicit_add while a program calls
 * it: the kfunc still gets the program's aux, and the tracers see its three
 * arguments and its return value where they are.  @typed: the tracers are
 * written against the full prototype (aux, and the return value after it),
 * else against the one BPF programs call and read the rest with helpers.
 */
static void test_trace(bool typed)
{
	const __u64 b = (1ULL << 40) + 0x20;
	struct kfunc_implicit_args_trace *trace;
	struct kfunc_implicit_args *skel;
	const __u32 a = 0xfffffff0;
	__u32 retval, id;
	__u64 sum;
	int fd;

	skel = open_load(false);
	if (!skel)
		return;
	trace = kfunc_implicit_args_trace__open();
	if (!ASSERT_OK_PTR(trace, "kfunc_implicit_args_trace__open"))
		goto out;
	bpf_program__set_autoload(trace->progs.trace_entry, !typed);
	bpf_program__set_autoload(trace->progs.trace_exit, !typed);
	bpf_program__set_autoload(trace->progs.trace_entry_typed, typed);
	bpf_program__set_autoload(trace->progs.trace_exit_typed, typed);
	if (!ASSERT_OK(kfunc_implicit_args_trace__load(trace), "load tracers"))
		goto out;
	trace->bss->target_tgid = getpid();
	if (!ASSERT_OK(kfunc_implicit_args_trace__attach(trace),
		       "attach tracers"))
		goto out;

	skel->bss->add_a = a;
	skel->bss->add_b = b;
	fd = bpf_program__fd(skel->progs.call_implicit_add);
	id = get_prog_id(fd);
	sum = a + b + id;
	if (!ASSERT_OK(run_prog(fd, &retval), "run call_implicit_add"))
		goto out;
	ASSERT_EQ(skel->bss->add_result, sum, "a + b + prog id");
	ASSERT_EQ(retval, (__u32)sum, "retval");

	ASSERT_EQ(trace->bss->entry_hits, 1, "fentry runs");
	ASSERT_EQ(trace->bss->entry_a, a, "fentry a");
	ASSERT_EQ(trace->bss->entry_b, b, "fentry b");
	ASSERT_EQ(trace->bss->entry_aux_id, id, "fentry aux->id");
	ASSERT_EQ(trace->bss->exit_hits, 1, "fexit runs");
	ASSERT_EQ(trace->bss->exit_ret, sum, "fexit return value");
	ASSERT_EQ(trace->bss->exit_aux_id, id, "fexit aux->id");
	if (!typed) {
		ASSERT_EQ(trace->bss->entry_nr_args, 3, "fentry arg count");
		ASSERT_EQ(trace->bss->exit_nr_args, 3, "fexit arg count");
	}
out:
	kfunc_implicit_args_trace__destroy(trace);
	kfunc_implicit_args__destroy(skel);
}

/* A kfunc of a module: its BTF was rewritten like vmlinux's. */
static void test_testmod(void)
{
	struct kfunc_implicit_args_testmod *skel;
	__u32 retval;
	int fd;

	if (!ASSERT_TRUE(env.has_testmod, "bpf_testmod.ko loaded"))
		return;
	skel = kfunc_implicit_args_testmod__open_and_load();
	if (!ASSERT_OK_PTR(skel, "kfunc_implicit_args_testmod__open_and_load"))
		return;
	fd = bpf_program__fd(skel->progs.call_testmod_prog_id);
	if (ASSERT_OK(run_prog(fd, &retval), "run call_testmod_prog_id"))
		ASSERT_EQ(retval, 3 * get_prog_id(fd), "retval == 3 * prog id");
	check_xlated_calls(fd, 1, BPF_REG_2);
	kfunc_implicit_args_testmod__destroy(skel);
}

/*
 * Load @insns, check the layout of what the verifier made of them, run them
 * and check that they return @base + @mul * their id.
 */
static void check_raw(const struct bpf_insn *insns, __u32 cnt,
		      const int *regs, int nr_calls, __u32 base, __u32 mul)
{
	__u32 retval;
	int fd;

	fd = load_raw(insns, cnt);
	if (!ASSERT_GE(fd, 0, "load")) {
		fprintf(stderr, "VERIFIER LOG:\n%s\n", log_buf);
		return;
	}
	check_xlated_layout(fd, insns, cnt, regs, nr_calls);
	if (ASSERT_OK(run_prog(fd, &retval), "run"))
		ASSERT_EQ(retval, base + mul * get_prog_id(fd), "retval");
	close(fd);
}

/* The program's own value in the aux's register is overwritten: r1. */
static void test_raw_prog_id(void)
{
	int id = kfunc_btf_id(PROG_ID);
	const int regs[] = { BPF_REG_1 };
	struct bpf_insn insns[] = {
		BPF_MOV64_IMM(BPF_REG_1, GARBAGE),
		KFUNC_CALL(id),
		BPF_EXIT_INSN(),
	};

	if (id > 0)
		check_raw(insns, ARRAY_SIZE(insns), regs, 1, 0, 1);
}

/* r1 and r2 are the program's, r3 the aux: 2 + 40 + id. */
static void test_raw_implicit_add(void)
{
	int id = kfunc_btf_id(IMPLICIT_ADD);
	const int regs[] = { BPF_REG_3 };
	struct bpf_insn insns[] = {
		BPF_MOV64_IMM(BPF_REG_1, 2),
		BPF_MOV64_IMM(BPF_REG_2, 40),
		BPF_MOV64_IMM(BPF_REG_3, GARBAGE),
		KFUNC_CALL(id),
		BPF_EXIT_INSN(),
	};

	if (id > 0)
		check_raw(insns, ARRAY_SIZE(insns), regs, 1, 42, 1);
}

/*
 * A jump whose target is the call must land on the ld_imm64 before it, or
 * the kfunc gets the garbage.  r0 is random, so that both ways to the call
 * stay; the jump is taken unless r0 is 0: 2 + 40 + id either way.
 */
static void test_raw_jump_to_call(void)
{
	int id = kfunc_btf_id(IMPLICIT_ADD);
	struct bpf_insn insns[] = {
		BPF_EMIT_CALL(BPF_FUNC_get_prandom_u32),
		BPF_MOV64_IMM(BPF_REG_1, 2),
		BPF_MOV64_IMM(BPF_REG_2, 40),
		BPF_MOV64_IMM(BPF_REG_3, GARBAGE),
		BPF_JMP_IMM(BPF_JNE, BPF_REG_0, 0, 1),
		BPF_MOV64_IMM(BPF_REG_4, 0),
		KFUNC_CALL(id),
		BPF_EXIT_INSN(),
	};
	struct bpf_insn *xlated;
	__u32 retval, i, cnt = 0;
	int fd;

	if (id <= 0)
		return;
	fd = load_raw(insns, ARRAY_SIZE(insns));
	if (!ASSERT_GE(fd, 0, "load")) {
		fprintf(stderr, "VERIFIER LOG:\n%s\n", log_buf);
		return;
	}
	check_xlated_calls(fd, 1, BPF_REG_3);
	/* Blinded, the jump compares with AX: its target is not looked at */
	xlated = blinded ? NULL : get_xlated_insns(fd, &cnt);
	ASSERT_TRUE(blinded || xlated, "get_xlated_insns");
	for (i = 0; xlated && i < cnt; i++) {
		if (xlated[i].code != (BPF_JMP | BPF_JNE | BPF_K))
			continue;
		if (ASSERT_LT(i + 1 + xlated[i].off, cnt, "jump target"))
			ASSERT_EQ(xlated[i + 1 + xlated[i].off].code,
				  BPF_LD | BPF_IMM | BPF_DW,
				  "the jump lands on the ld_imm64");
		break;
	}
	if (xlated)
		ASSERT_LT(i, cnt, "the jump is in the program");
	free(xlated);
	if (ASSERT_OK(run_prog(fd, &retval), "run"))
		ASSERT_EQ(retval, 42 + get_prog_id(fd), "retval");
	close(fd);
}

/* Two call sites of two kfuncs, one ld_imm64 each: id + 2 + 40 + id. */
static void test_raw_two_sites(void)
{
	int prog_id = kfunc_btf_id(PROG_ID);
	int add_id = kfunc_btf_id(IMPLICIT_ADD);
	const int regs[] = { BPF_REG_1, BPF_REG_3 };
	struct bpf_insn insns[] = {
		BPF_MOV64_IMM(BPF_REG_1, GARBAGE),
		KFUNC_CALL(prog_id),
		BPF_MOV64_REG(BPF_REG_6, BPF_REG_0),
		BPF_MOV64_IMM(BPF_REG_1, 2),
		BPF_MOV64_IMM(BPF_REG_2, 40),
		BPF_MOV64_IMM(BPF_REG_3, GARBAGE),
		KFUNC_CALL(add_id),
		BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_6),
		BPF_EXIT_INSN(),
	};

	if (prog_id > 0 && add_id > 0)
		check_raw(insns, ARRAY_SIZE(insns), regs, 2, 42, 2);
}

/*
 * b, a u64, defined by a 32-bit move: the verifier must still mark that
 * move for zero-extension, as for any kfunc, or BPF_F_TEST_RND_HI32 fills
 * the upper half of r2 with random bits and the sum's upper half shows
 * them: (2 + 40 + id) >> 32 is 0.
 */
static void test_zext_arg(void)
{
	int id = kfunc_btf_id(IMPLICIT_ADD);
	struct bpf_insn insns[] = {
		BPF_MOV32_IMM(BPF_REG_1, 2),
		BPF_MOV32_IMM(BPF_REG_2, 40),
		BPF_MOV64_IMM(BPF_REG_3, GARBAGE),
		KFUNC_CALL(id),
		BPF_ALU64_IMM(BPF_RSH, BPF_REG_0, 32),
		BPF_EXIT_INSN(),
	};
	__u32 retval;
	int fd;

	if (id <= 0)
		return;
	fd = load_raw_flags(insns, ARRAY_SIZE(insns), BPF_F_TEST_RND_HI32);
	if (!ASSERT_GE(fd, 0, "load with BPF_F_TEST_RND_HI32")) {
		fprintf(stderr, "VERIFIER LOG:\n%s\n", log_buf);
		return;
	}
	/* random upper bits are all zero once in 2^32 loads */
	if (ASSERT_OK(run_prog(fd, &retval), "run"))
		ASSERT_EQ(retval, 0, "upper half of 2 + 40 + id");
	close(fd);
}

/* Load @insns, which the verifier must refuse saying @msg. */
static void check_raw_fails(const struct bpf_insn *insns, __u32 cnt,
			    const char *msg)
{
	int fd;

	fd = load_raw(insns, cnt);
	if (!ASSERT_LT(fd, 0, "load fails")) {
		close(fd);
		return;
	}
	ASSERT_HAS_SUBSTR(log_buf, msg, "verifier log");
}

/* foo_impl is in BTF, but not for BPF programs to call. */
static void test_impl_direct(void)
{
	int id = kfunc_btf_id(PROG_ID "_impl");
	struct bpf_insn insns[] = {
		BPF_MOV64_IMM(BPF_REG_1, 0),
		KFUNC_CALL(id),
		BPF_EXIT_INSN(),
	};

	if (id > 0)
		check_raw_fails(insns, ARRAY_SIZE(insns), IMPL_MSG);
}

/* The arguments are checked against foo's prototype: b is missing. */
static void test_too_few_args(void)
{
	int id = kfunc_btf_id(IMPLICIT_ADD);
	struct bpf_insn insns[] = {
		BPF_MOV64_IMM(BPF_REG_1, 2),
		KFUNC_CALL(id),
		BPF_EXIT_INSN(),
	};

	if (id > 0)
		check_raw_fails(insns, ARRAY_SIZE(insns), "R2 is not a scalar");
}

/* A pointer where foo takes a u32. */
static void test_wrong_arg_type(void)
{
	int id = kfunc_btf_id(IMPLICIT_ADD);
	struct bpf_insn insns[] = {
		BPF_MOV64_REG(BPF_REG_1, BPF_REG_10),
		BPF_MOV64_IMM(BPF_REG_2, 40),
		KFUNC_CALL(id),
		BPF_EXIT_INSN(),
	};

	if (id > 0)
		check_raw_fails(insns, ARRAY_SIZE(insns), "R1 is not a scalar");
}

/* impl_direct, the way libbpf loads a C program */
static const struct load_expect implicit_args_fail[] = {
	{ "call_impl_directly",
	  "kernel function bpf_kfunc_call_test_prog_id_impl cannot be called directly: call bpf_kfunc_call_test_prog_id"
	},
};

void test_kfunc_implicit_args(void)
{
	char harden = 0;
	FILE *f;

	f = fopen("/proc/sys/net/core/bpf_jit_harden", "r");
	if (f) {
		if (fread(&harden, 1, 1, f) != 1)
			harden = 0;
		fclose(f);
	}
	blinded = harden == '2';
	if (test__start_subtest("btf"))
		test_btf();
	if (test__start_subtest("prog_id"))
		test_prog_id();
	if (test__start_subtest("subprogs"))
		test_subprogs();
	if (test__start_subtest("implicit_add"))
		test_implicit_add();
	if (test__start_subtest("testmod"))
		test_testmod();
	if (test__start_subtest("trace"))
		test_trace(false);
	if (test__start_subtest("trace_typed"))
		test_trace(true);
	if (test__start_subtest("raw_prog_id"))
		test_raw_prog_id();
	if (test__start_subtest("raw_implicit_add"))
		test_raw_implicit_add();
	if (test__start_subtest("raw_two_sites"))
		test_raw_two_sites();
	if (test__start_subtest("raw_jump_to_call"))
		test_raw_jump_to_call();
	if (test__start_subtest("zext_arg"))
		test_zext_arg();
	if (test__start_subtest("impl_direct"))
		test_impl_direct();
	if (test__start_subtest("too_few_args"))
		test_too_few_args();
	if (test__start_subtest("wrong_arg_type"))
		test_wrong_arg_type();
	/* impl_direct, the way libbpf loads a C program: call_impl_directly */
	RUN_LOAD_EXPECTS(kfunc_implicit_args_fail, implicit_args_fail);
}
