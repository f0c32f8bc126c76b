// SPDX-License-Identifier: GPL-2.0
/*
 * fentry and fexit on a KF_IMPLICIT_ARGS kfunc: the trampoline must save,
 * pass and restore all of its arguments, the aux included, although BTF
 * gives the kfunc one parameter less.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

/* Only calls from this process count. */
__u32 target_tgid;

__u64 entry_a, entry_b, entry_nr_args, entry_aux_id;
__u64 exit_ret, exit_nr_args, exit_aux_id;
int entry_hits, exit_hits;

static bool ours(void)
{
	return bpf_get_current_pid_tgid() >> 32 == target_tgid;
}

/* The id in the aux that is argument 2 of ctx, or 0 if there is none. */
static __u64 aux_id(void *ctx)
{
	__u64 aux = 0;

	if (bpf_get_func_arg(ctx, 2, &aux) || !aux)
		return 0;
	return BPF_CORE_READ((struct bpf_prog_aux *)aux, id);
}

/* Written against the prototype BPF programs call. */
SEC("fentry/bpf_kfunc_call_test_implicit_add")
int BPF_PROG(trace_entry, __u32 a, __u64 b)
{
	if (!ours())
		return 0;
	entry_hits++;
	entry_a = a;
	entry_b = b;
	entry_nr_args = bpf_get_func_arg_cnt(ctx);
	entry_aux_id = aux_id(ctx);
	return 0;
}

SEC("fexit/bpf_kfunc_call_test_implicit_add")
int BPF_PROG(trace_exit, __u32 a, __u64 b)
{
	__u64 ret = 0;

	if (!ours())
		return 0;
	exit_hits++;
	exit_nr_args = bpf_get_func_arg_cnt(ctx);
	if (!bpf_get_func_ret(ctx, &ret))
		exit_ret = ret;
	exit_aux_id = aux_id(ctx);
	return 0;
}

/* Written against the full prototype, that of foo_impl. */
SEC("fentry/bpf_kfunc_call_test_implicit_add")
int BPF_PROG(trace_entry_typed, __u32 a, __u64 b, struct bpf_prog_aux *aux)
{
	if (!ours())
		return 0;
	entry_hits++;
	entry_a = a;
	entry_b = b;
	entry_aux_id = aux->id;
	return 0;
}

SEC("fexit/bpf_kfunc_call_test_implicit_add")
int BPF_PROG(trace_exit_typed, __u32 a, __u64 b, struct bpf_prog_aux *aux,
	     __u64 ret)
{
	if (!ours())
		return 0;
	exit_hits++;
	exit_ret = ret;
	exit_aux_id = aux->id;
	return 0;
}

char _license[] SEC("license") = "GPL";
