// SPDX-License-Identifier: GPL-2.0
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

extern int bpf_testmod_kfunc_static(int a, int unused, int b) __ksym;

int result = -1;

SEC("tc")
int call_static_kfunc(struct __sk_buff *skb)
{
	result = bpf_testmod_kfunc_static(4, 0x5eed, 2);
	return 0;
}

/* Calls of bpf_testmod_kfunc_static() seen by its fexit, in process @pid. */
int pid;
int bpf_calls, bpf_unused, bpf_ret;	/* from call_static_kfunc: a == 4 */
int c_calls, c_b, c_ret;		/* from the module's C code: a == 3 */
int other_calls;

SEC("fexit/bpf_testmod_kfunc_static")
int BPF_PROG(fexit_static_kfunc, int a, int unused, int b, int ret)
{
	if (bpf_get_current_pid_tgid() >> 32 != pid)
		return 0;
	if (a == 4) {
		bpf_calls++;
		bpf_unused = unused;
		bpf_ret = ret;
	} else if (a == 3) {
		c_calls++;
		c_b = b;
		c_ret = ret;
	} else {
		other_calls++;
	}
	return 0;
}

char _license[] SEC("license") = "GPL";
