// SPDX-License-Identifier: GPL-2.0
/*
 * A BPF program as an author on Debian 12 writes one: it declares no kfunc
 * and calls those that kfuncs.h, bpftool's C dump of bpf_testmod's BTF on
 * top of vmlinux's, declares (harness/deb/vmlinux-h.sh).
 */
#include "kfuncs.h"
#include <bpf/bpf_helpers.h>

/* what each program found, read back through .bss */
u64 res[5];

SEC("tc")
int calls(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;

	if (!sk)
		return 1;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return 2;
	/* a kfunc of vmlinux, a KF_IMPLICIT_ARGS one, two of bpf_testmod */
	res[0] = bpf_kfunc_call_test2((struct sock *)sk, 1, 2);
	res[1] = bpf_kfunc_call_test_implicit_add(3, 4);
	res[2] = bpf_testmod_implicit_prog_id(10);
	bpf_testmod_test_mod_kfunc(42);
	return 0;
}

/* Run without bpf_testmod: its kfuncs are not there, vmlinux's are. */
SEC("tc")
int exists(struct __sk_buff *skb)
{
	res[3] = &bpf_kfunc_call_test_implicit_add != 0;
	res[4] = &bpf_testmod_implicit_prog_id != 0;
	if (&bpf_testmod_implicit_prog_id)
		res[2] = bpf_testmod_implicit_prog_id(10);
	if (&bpf_kfunc_call_test_implicit_add)
		res[1] = bpf_kfunc_call_test_implicit_add(5, 6);
	return 0;
}

char _license[] SEC("license") = "GPL";
