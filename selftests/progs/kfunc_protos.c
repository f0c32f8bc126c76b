// SPDX-License-Identifier: GPL-2.0
/*
 * Calls kfuncs that only vmlinux.h declares, as bpftool dumps it from the
 * kernel's BTF: a kfunc of vmlinux and a KF_IMPLICIT_ARGS one, by its
 * short prototype.  No extern here but that of a kfunc the kernel lacks,
 * which test_exists() tests for.
 */
#undef BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

int test2_ret;
u64 implicit_ret;

SEC("tc")
int call_kfuncs(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;

	if (!sk)
		return 1;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return 2;
	test2_ret = bpf_kfunc_call_test2((struct sock *)sk, 1, 2);
	implicit_ret = bpf_kfunc_call_test_implicit_add(3, 4);
	return 0;
}

/*
 * A kfunc of a kernel that this one is not, as its vmlinux.h would declare
 * it: libbpf leaves it unresolved, and its address is 0.
 */
extern u64 bpf_kfunc_call_test_absent(u32 a) __weak __ksym;

int present = -1;
int absent = -1;

SEC("tc")
int test_exists(struct __sk_buff *skb)
{
	present = &bpf_kfunc_call_test_implicit_add != 0;
	absent = &bpf_kfunc_call_test_absent != 0;
	if (&bpf_kfunc_call_test_absent)
		return bpf_kfunc_call_test_absent(1);
	/* the verifier knows a kfunc's address is not 0: no else here */
	if (&bpf_kfunc_call_test_implicit_add)
		implicit_ret = bpf_kfunc_call_test_implicit_add(5, 6);
	else
		implicit_ret = bpf_kfunc_call_test_absent(2);
	return 0;
}

char _license[] SEC("license") = "GPL";
