// SPDX-License-Identifier: GPL-2.0
/*
 * Addresses of kernel functions that a program may not take; __weak, or
 * clang folds a test of the address to true and no ld_imm64 is left.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* a function of vmlinux's BTF that no kfunc set lists */
extern int bpf_fentry_test1(int a) __weak __ksym;
/* a kfunc, but of BPF_PROG_TEST_RUN's program types, not socket filters */
extern int bpf_kfunc_call_test2(struct sock *sk, u32 a, u32 b) __weak __ksym;

int found;

SEC("tc")
int addr_not_kfunc(struct __sk_buff *skb)
{
	found = &bpf_fentry_test1 != 0;
	return 0;
}

SEC("socket")
int addr_other_type(struct __sk_buff *skb)
{
	found = &bpf_kfunc_call_test2 != 0;
	return 0;
}

char _license[] SEC("license") = "GPL";
