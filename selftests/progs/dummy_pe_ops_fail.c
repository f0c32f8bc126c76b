// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_dummy_pe_ops programs that the verifier must refuse: for what their
 * own code does (no stack left for the epilogue's saved context), or for
 * what the kernel generates around them (the test_bad_* members' prologue
 * and epilogue are wrong on purpose).  Each program's verdict and message
 * are in prog_tests/dummy_pe_ops.c.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpf_misc.h"

char _license[] SEC("license") = "GPL";

SEC("struct_ops/test_epilogue")
__naked int stack_512(void)
{
	asm volatile (
	"r2 = 7;"
	"*(u64 *)(r10 - 512) = r2;"
	"r0 = *(u64 *)(r10 - 512);"
	"exit;"
	::: __clobber_all);
}

SEC("struct_ops/test_bad_kfunc_id")
__naked int bad_kfunc_id(void)
{
	asm volatile ("r0 = 0; exit;" ::: __clobber_all);
}

SEC("struct_ops/test_bad_kfunc_denied")
__naked int bad_kfunc_denied(void)
{
	asm volatile ("r0 = 0; exit;" ::: __clobber_all);
}

SEC("struct_ops/test_bad_too_long")
__naked int bad_too_long(void)
{
	asm volatile ("r0 = 0; exit;" ::: __clobber_all);
}

SEC("struct_ops/test_helper_id")
__naked int helper_id(void)
{
	asm volatile ("r0 = 0; exit;" ::: __clobber_all);
}

SEC("struct_ops/test_bad_helper")
__naked int bad_helper(void)
{
	asm volatile ("r0 = 0; exit;" ::: __clobber_all);
}

SEC("struct_ops/test_bad_ld_imm64")
__naked int bad_ld_imm64(void)
{
	asm volatile ("r0 = 0; exit;" ::: __clobber_all);
}

/* 32 bytes of stack, called from 480: 512 in all, the limit */
static __naked __noinline int stack_32(void)
{
	asm volatile (
	"r2 = 0;"
	"*(u64 *)(r10 - 32) = r2;"
	"r0 = 0;"
	"exit;"
	::: __clobber_all);
}

/* The control: without an epilogue the call chain fits */
SEC("struct_ops/test_prologue")
__naked int chain_512(void)
{
	asm volatile (
	"r2 = 0;"
	"*(u64 *)(r10 - 480) = r2;"
	"call %[stack_32];"
	"exit;"
	:: __imm(stack_32) : __clobber_all);
}

/*
 * With one, the 8 bytes of the saved context make the main program's 488,
 * counted as 512 (each frame is rounded up to 32 bytes): 544 in all.
 */
SEC("struct_ops/test_epilogue")
__naked int chain_544(void)
{
	asm volatile (
	"r2 = 0;"
	"*(u64 *)(r10 - 480) = r2;"
	"call %[stack_32];"
	"exit;"
	:: __imm(stack_32) : __clobber_all);
}

SEC(".struct_ops")
struct bpf_dummy_pe_ops chain_ops = {
	.test_prologue = (void *)chain_512,
	.test_epilogue = (void *)chain_544,
};

SEC(".struct_ops")
struct bpf_dummy_pe_ops stack_ops = {
	.test_epilogue = (void *)stack_512,
};

SEC(".struct_ops")
struct bpf_dummy_pe_ops bad_ops = {
	.test_bad_kfunc_id = (void *)bad_kfunc_id,
	.test_bad_kfunc_denied = (void *)bad_kfunc_denied,
	.test_bad_too_long = (void *)bad_too_long,
	.test_bad_helper = (void *)bad_helper,
	.test_helper_id = (void *)helper_id,
	.test_bad_ld_imm64 = (void *)bad_ld_imm64,
};
