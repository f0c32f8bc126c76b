// SPDX-License-Identifier: GPL-2.0
/*
 * SCHED_CLS programs that call the kfuncs of kfs_kfunc.ko, the module
 * DKMS builds in the guest; libbpf finds them in the module's BTF.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

extern __u64 kfs_dkms_add(__u32 a, __u64 b) __ksym;
/* KF_IMPLICIT_ARGS: the verifier passes the struct bpf_prog_aux * */
extern __u64 kfs_dkms_prog_id(__u32 mul) __ksym;

/* 5 + 6 + 1000 */
SEC("tc")
int mod_add(struct __sk_buff *skb)
{
	return kfs_dkms_add(5, 6);
}

/* 7 * 1000 + this program's id */
SEC("tc")
int mod_prog_id(struct __sk_buff *skb)
{
	return kfs_dkms_prog_id(7);
}

char _license[] SEC("license") = "GPL";
