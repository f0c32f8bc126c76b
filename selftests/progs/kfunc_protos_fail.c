// SPDX-License-Identifier: GPL-2.0
/*
 * What a program may not do with the address of a kfunc: read through it,
 * hand it to a helper as memory, or call a kfunc of another program type
 * that it found.  The kfuncs are __weak, or clang folds a test of the
 * address to true and no ld_imm64 is left.
 */
#undef BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

int found;

SEC("tc")
int addr_read(struct __sk_buff *skb)
{
	/* memory of size 0; volatile, or clang drops the read */
	found = *(volatile char *)&bpf_kfunc_call_test2;
	return 0;
}

SEC("tc")
int addr_to_helper(struct __sk_buff *skb)
{
	/* 8 bytes of memory of size 0 */
	return bpf_skb_store_bytes(skb, 0, &bpf_kfunc_call_test2, 8, 0);
}

SEC("xdp")
int call_other_type(struct xdp_md *ctx)
{
	/* a kfunc of BPF_PROG_TEST_RUN's types, which XDP is not */
	if (&bpf_kfunc_call_test2)
		found = bpf_kfunc_call_test2(NULL, 1, 2);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
