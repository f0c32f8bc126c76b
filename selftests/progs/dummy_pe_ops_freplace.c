// SPDX-License-Identifier: GPL-2.0
/*
 * Extension programs for the bpf_dummy_pe_ops programs of dummy_pe_ops.c:
 * replacing a function of a program with generated code must not bypass
 * that code.  The test sets each one's target and loads it alone.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpf_misc.h"

char _license[] SEC("license") = "GPL";

/* For the main program global_sub_prologue or global_sub_epilogue */
SEC("?freplace")
__naked int new_main(void)
{
	asm volatile ("r0 = 5; exit;" ::: __clobber_all);
}

/* For pe_global_sub */
SEC("?freplace")
int new_sub(int x)
{
	return x + 2;
}
