// SPDX-License-Identifier: GPL-2.0
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

extern int bpf_testmod_kfunc_static(int a, int unused, int b) __ksym;

int result = -1;

SEC("tc")
int call_static_kfunc(struct __sk_buff *skb)
{
	result = bpf_testmod_kfunc_static(4, 0x5eed, 2);
	return 0;
}

char _license[] SEC("license") = "GPL";
