// SPDX-License-Identifier: GPL-2.0
/*
 * SCHED_CLS programs that call kfuncs of vmlinux (net/bpf/test_run.c),
 * run with BPF_PROG_TEST_RUN in the guest by Debian's bpftool 7.1 and a
 * loader on Debian's libbpf 1.1.  The kfuncs are declared as a user of
 * Debian 12 declares them: by hand, on bpftool's vmlinux.h.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

extern int bpf_kfunc_call_test2(struct sock *sk, __u32 a, __u32 b) __ksym;
/* KF_IMPLICIT_ARGS: their last argument, struct bpf_prog_aux *, is the
 * verifier's to pass; BTF shows them without it.
 */
extern __u64 bpf_kfunc_call_test_implicit_add(__u32 a, __u64 b) __ksym;
extern __u32 bpf_kfunc_call_test_prog_id(void) __ksym;

/* a plain kfunc: 1 + 2 */
SEC("tc")
int plain(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;

	if (!sk)
		return 1001;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return 1002;
	return bpf_kfunc_call_test2((struct sock *)sk, 1, 2);
}

/* 3 + 4 + this program's id */
SEC("tc")
int implicit_add(struct __sk_buff *skb)
{
	return bpf_kfunc_call_test_implicit_add(3, 4);
}

/* this program's id */
SEC("tc")
int prog_id(struct __sk_buff *skb)
{
	return bpf_kfunc_call_test_prog_id();
}

char _license[] SEC("license") = "GPL";
