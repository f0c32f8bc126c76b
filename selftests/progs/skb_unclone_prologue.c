// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define TC_ACT_OK		0
#define SKB_UNCLONE_MARK	0x5eed

__u64 writes, pulls;

/* A direct packet write gives the program the skb unclone prologue.  Only
 * the test's marked skbs are written: byte 0 is the first byte of lo's
 * destination MAC address, which is 0.
 */
SEC("tc")
int tc_write(struct __sk_buff *skb)
{
	void *data_end = (void *)(long)skb->data_end;
	__u8 *data = (void *)(long)skb->data;

	if (skb->mark != SKB_UNCLONE_MARK || data + 1 > data_end)
		return TC_ACT_OK;
	data[0] = 0;
	writes++;
	return TC_ACT_OK;
}

/* The prologue's call, counted where it lands: bpf_skb_pull_data(skb, 0) */
SEC("fentry/bpf_skb_pull_data")
int BPF_PROG(pull_data, __u64 skb, __u64 len)
{
	if (len == 0 &&
	    BPF_CORE_READ((struct sk_buff *)skb, mark) == SKB_UNCLONE_MARK)
		pulls++;
	return 0;
}

char _license[] SEC("license") = "GPL";
