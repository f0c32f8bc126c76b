// SPDX-License-Identifier: GPL-2.0
/*
 * Calls of KF_IMPLICIT_ARGS kfuncs, declared as BPF programs see them:
 * without their last parameter, the struct bpf_prog_aux * that the
 * verifier passes.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

extern __u32 bpf_kfunc_call_test_prog_id(void) __ksym;
extern __u64 bpf_kfunc_call_test_implicit_add(__u32 a, __u64 b) __ksym;

/* What each call site of call_prog_id_subprogs got. */
__u32 main_id1, main_id2, static_sub_id, global_sub_id;

/* Set by user space; the 64-bit result of call_implicit_add. */
__u32 add_a;
__u64 add_b;
__u64 add_result;

SEC("tc")
int call_prog_id(struct __sk_buff *skb)
{
	return bpf_kfunc_call_test_prog_id();
}

static __noinline __u32 static_sub(void)
{
	static_sub_id = bpf_kfunc_call_test_prog_id();
	return static_sub_id;
}

__noinline int global_sub(int x)
{
	global_sub_id = bpf_kfunc_call_test_prog_id();
	return x + 1;
}

/*
 * Four call sites: two in the program, one in a static subprogram and one
 * in a global one, each of which must get the program's aux.
 */
SEC("tc")
int call_prog_id_subprogs(struct __sk_buff *skb)
{
	int ret;

	main_id1 = bpf_kfunc_call_test_prog_id();
	ret = static_sub();
	ret += global_sub(skb->len);
	main_id2 = bpf_kfunc_call_test_prog_id();
	return ret - skb->len - 1;
}

SEC("tc")
int call_implicit_add(struct __sk_buff *skb)
{
	add_result = bpf_kfunc_call_test_implicit_add(add_a, add_b);
	return add_result;
}

char _license[] SEC("license") = "GPL";
