/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bpf_dummy_pe_ops: a struct_ops type with a generated prologue and
 * epilogue, for the selftests (net/bpf/bpf_dummy_pe_ops.c).  Its own header,
 * included only where it is used, rather than bpf.h: a test type's changes
 * then rebuild three files, not the kernel.
 */
#ifndef _LINUX_BPF_DUMMY_PE_OPS_H
#define _LINUX_BPF_DUMMY_PE_OPS_H

#include <linux/errno.h>
#include <linux/types.h>

struct bpf_prog;
union bpf_attr;

/*
 * The context of bpf_dummy_pe_ops, whose prologues and epilogues, generated
 * by the kernel, change @a through kfuncs: a test sees them in the value it
 * gets back from BPF_PROG_TEST_RUN.
 */
struct bpf_dummy_pe_args {
	u64 a;
};

struct bpf_dummy_pe_ops {
	int (*test_prologue)(struct bpf_dummy_pe_args *args);
	int (*test_epilogue)(struct bpf_dummy_pe_args *args);
	int (*test_pro_epilogue)(struct bpf_dummy_pe_args *args);
	int (*test_bad_kfunc_id)(struct bpf_dummy_pe_args *args);
	int (*test_bad_kfunc_denied)(struct bpf_dummy_pe_args *args);
	int (*test_bad_too_long)(struct bpf_dummy_pe_args *args);
	int (*test_helper_id)(struct bpf_dummy_pe_args *args);
	int (*test_direct_call)(struct bpf_dummy_pe_args *args);
	int (*test_bad_helper)(struct bpf_dummy_pe_args *args);
	int (*test_kfunc_only)(struct bpf_dummy_pe_args *args);
	int (*test_implicit)(struct bpf_dummy_pe_args *args);
	int (*test_bad_ld_imm64)(struct bpf_dummy_pe_args *args);
};

#ifdef CONFIG_BPF_DUMMY_PE_OPS
int bpf_dummy_pe_test_run(struct bpf_prog *prog, const union bpf_attr *kattr,
			  union bpf_attr __user *uattr);
#else
static inline int bpf_dummy_pe_test_run(struct bpf_prog *prog,
					const union bpf_attr *kattr,
					union bpf_attr __user *uattr)
{
	return -EOPNOTSUPP;
}
#endif

#endif /* _LINUX_BPF_DUMMY_PE_OPS_H */
