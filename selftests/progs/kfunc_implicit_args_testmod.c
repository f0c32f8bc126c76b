// SPDX-License-Identifier: GPL-2.0
/* A call of bpf_testmod's KF_IMPLICIT_ARGS kfunc, without its aux. */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

extern __u32 bpf_testmod_implicit_prog_id(__u32 mul) __ksym;

SEC("tc")
int call_testmod_prog_id(struct __sk_buff *skb)
{
	return bpf_testmod_implicit_prog_id(3);
}

char _license[] SEC("license") = "GPL";
