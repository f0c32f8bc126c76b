// SPDX-License-Identifier: GPL-2.0
/*
 * Calls kfuncs that only vmlinux.h declares, as bpftool dumps it from the
 * kernel's BTF: a kfunc of vmlinux and a KF_IMPLICIT_ARGS one, by its
 * short prototype.  No extern here but those of a kfunc the kernel lacks,
 * of a module's kfunc and of a function that is no kfunc, which the
 * programs test for by their addresses.
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

/* A function of vmlinux that no kfunc set lists: its address too */
extern int bpf_fentry_test1(int a) __weak __ksym;

int any_present = -1;
int other_present = -1;

SEC("tc")
int test_any_func(struct __sk_buff *skb)
{
	any_present = &bpf_fentry_test1 != 0;
	return 0;
}

/* A kfunc of BPF_PROG_TEST_RUN's types: XDP may test for it */
SEC("xdp")
int test_other_type(struct xdp_md *ctx)
{
	other_present = &bpf_kfunc_call_test2 != 0;
	return XDP_PASS;
}

/* bpf_testmod's kfunc, which vmlinux.h does not declare */
extern void bpf_testmod_test_mod_kfunc(int i) __weak __ksym;

int mod_present = -1;
int mod_called;

SEC("tc")
int test_exists_module(struct __sk_buff *skb)
{
	mod_present = &bpf_testmod_test_mod_kfunc != 0;
	if (&bpf_testmod_test_mod_kfunc) {
		bpf_testmod_test_mod_kfunc(42);
		mod_called = 1;
	}
	return 0;
}

char _license[] SEC("license") = "GPL";
