// SPDX-License-Identifier: GPL-2.0
/*
 * A KF_IMPLICIT_ARGS kfunc's full prototype, <kfunc>_impl, is in the
 * kernel's BTF, where libbpf finds it, but is not for BPF programs to call:
 * the verifier refuses it, naming the kfunc to call instead (the message is
 * in prog_tests/kfunc_implicit_args.c).
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include "bpf_misc.h"

extern __u32 bpf_kfunc_call_test_prog_id_impl(struct bpf_prog_aux *aux) __ksym;

SEC("tc")
int call_impl_directly(struct __sk_buff *skb)
{
	return bpf_kfunc_call_test_prog_id_impl(NULL);
}

char _license[] SEC("license") = "GPL";
