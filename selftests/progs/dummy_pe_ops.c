// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_dummy_pe_ops programs, in BPF assembly so that prog_tests/dummy_pe_ops.c
 * can compare the verifier's output with exact instructions.  The kernel's
 * prologue (test_prologue, test_pro_epilogue) adds 1000 to args->a before
 * the program; its epilogue (test_epilogue, test_pro_epilogue) adds 10000
 * after it and doubles the return value.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpf_misc.h"

char _license[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} jmp_table SEC(".maps");

/* args->a *= 2; return args->a; */
#define DOUBLE_A				\
	"r1 = *(u64 *)(r1 + 0);"		\
	"r2 = *(u64 *)(r1 + 0);"		\
	"r2 *= 2;"				\
	"*(u64 *)(r1 + 0) = r2;"		\
	"r0 = r2;"				\
	"exit;"

SEC("struct_ops/test_prologue")
__naked int prologue_only(void)
{
	asm volatile (DOUBLE_A ::: __clobber_all);
}

SEC("struct_ops/test_epilogue")
__naked int epilogue_only(void)
{
	asm volatile (DOUBLE_A ::: __clobber_all);
}

SEC("struct_ops/test_pro_epilogue")
__naked int pro_epilogue(void)
{
	asm volatile (DOUBLE_A ::: __clobber_all);
}

/* return args->a ? 2 : 1, the second exit with R1 overwritten */
SEC("struct_ops/test_epilogue")
__naked int two_exits(void)
{
	asm volatile (
	"r2 = *(u64 *)(r1 + 0);"
	"r3 = *(u64 *)(r2 + 0);"
	"if r3 != 0 goto l0_%=;"
	"r0 = 1;"
	"exit;"
"l0_%=:"
	"r1 = 0;"
	"r0 = 2;"
	"exit;"
	::: __clobber_all);
}

/*
 * args->a += 1, then back to the first instruction with R1 = 0, which
 * leaves: a prologue run again would read through the NULL, a context
 * saved again would be the NULL the epilogue reads through.
 */
SEC("struct_ops/test_pro_epilogue")
__naked int goto_start(void)
{
	asm volatile (
"l0_%=:"
	"if r1 == 0 goto l1_%=;"
	"r2 = *(u64 *)(r1 + 0);"
	"r3 = *(u64 *)(r2 + 0);"
	"r3 += 1;"
	"*(u64 *)(r2 + 0) = r3;"
	"r1 = 0;"
	"goto l0_%=;"
"l1_%=:"
	"r0 = 3;"
	"exit;"
	::: __clobber_all);
}

/* Returns args->a: its exit is a subprogram's, without the epilogue */
static __naked __noinline int get_a(void)
{
	asm volatile (
	"r2 = *(u64 *)(r1 + 0);"
	"r0 = *(u64 *)(r2 + 0);"
	"exit;"
	::: __clobber_all);
}

/* A program that starts with a call, after a prologue */
SEC("struct_ops/test_pro_epilogue")
__naked int first_call(void)
{
	asm volatile (
	"call %[get_a];"
	"r0 += 1;"
	"exit;"
	:: __imm(get_a) : __clobber_all);
}

/* Its first instruction is its own helper call, which the prologue copies */
SEC("struct_ops/test_pro_epilogue")
__naked int first_helper_call(void)
{
	asm volatile (
	"call %[bpf_get_current_pid_tgid];"
	"exit;"
	:: __imm(bpf_get_current_pid_tgid) : __clobber_all);
}

SEC("struct_ops/test_direct_call")
__naked int direct_call(void)
{
	asm volatile (DOUBLE_A ::: __clobber_all);
}

/* Its epilogue calls the kfunc even where that cannot run */
SEC("struct_ops/test_kfunc_only")
__naked int kfunc_only(void)
{
	asm volatile (DOUBLE_A ::: __clobber_all);
}

SEC("struct_ops/test_epilogue")
__naked int subprog_call(void)
{
	asm volatile (
	"call %[get_a];"
	"r0 += 1;"
	"exit;"
	:: __imm(get_a) : __clobber_all);
}

/* args->a += 1, then a tail call to tail_callee; 7 if that fails */
SEC("struct_ops/test_pro_epilogue")
__naked int tail_caller(void)
{
	asm volatile (
	"r6 = r1;"
	"r2 = *(u64 *)(r1 + 0);"
	"r3 = *(u64 *)(r2 + 0);"
	"r3 += 1;"
	"*(u64 *)(r2 + 0) = r3;"
	"r1 = r6;"
	"r2 = %[jmp_table] ll;"
	"r3 = 0;"
	"call %[bpf_tail_call];"
	"r0 = 7;"
	"exit;"
	:: __imm_addr(jmp_table), __imm(bpf_tail_call) : __clobber_all);
}

/* args->a *= 2; return 5; */
SEC("struct_ops/test_pro_epilogue")
__naked int tail_callee(void)
{
	asm volatile (
	"r2 = *(u64 *)(r1 + 0);"
	"r3 = *(u64 *)(r2 + 0);"
	"r3 *= 2;"
	"*(u64 *)(r2 + 0) = r3;"
	"r0 = 5;"
	"exit;"
	::: __clobber_all);
}

/* A tail call from a subprogram, which returns to the main program */
static __naked __noinline int sub_tail_call(void)
{
	asm volatile (
	"r2 = %[jmp_table] ll;"
	"r3 = 0;"
	"call %[bpf_tail_call];"
	"r0 = 3;"
	"exit;"
	:: __imm_addr(jmp_table), __imm(bpf_tail_call) : __clobber_all);
}

/*
 * Refused: tail_callee's epilogue would run when sub_tail_call returns,
 * then this program's own.  Not loaded with the others ("?"): its own
 * subtest loads it, or fails to.
 */
SEC("?struct_ops/test_pro_epilogue")
__naked int tail_call_subprog(void)
{
	asm volatile (
	"call %[sub_tail_call];"
	"exit;"
	:: __imm(sub_tail_call) : __clobber_all);
}

/* A global subprogram, which an extension program may replace */
__noinline int pe_global_sub(int x)
{
	return x + 1;
}

/* Returns pe_global_sub(41): 42, or what replaces it */
SEC("struct_ops/test_prologue")
__naked int global_sub_prologue(void)
{
	asm volatile (
	"r1 = 41;"
	"call %[pe_global_sub];"
	"exit;"
	:: __imm(pe_global_sub) : __clobber_all);
}

SEC("struct_ops/test_epilogue")
__naked int global_sub_epilogue(void)
{
	asm volatile (
	"r1 = 41;"
	"call %[pe_global_sub];"
	"exit;"
	:: __imm(pe_global_sub) : __clobber_all);
}

/* 504 bytes of stack: the saved context takes the last 8 of 512 */
SEC("struct_ops/test_epilogue")
__naked int stack_504(void)
{
	asm volatile (
	"r2 = 7;"
	"*(u64 *)(r10 - 504) = r2;"
	"r0 = *(u64 *)(r10 - 504);"
	"exit;"
	::: __clobber_all);
}

/* test_implicit's epilogue adds 10000 and the program's id */
SEC("struct_ops/test_implicit")
__naked int implicit(void)
{
	asm volatile (DOUBLE_A ::: __clobber_all);
}

static int count_cb(__u32 i, __u64 *n)
{
	(*n)++;
	return 0;
}

/*
 * Returns 3, counted by a bpf_loop callback: a subprogram, its exit too.
 * Its own subtest loads it: 6.1 runs callbacks only JITed.
 */
SEC("?struct_ops/test_epilogue")
int loop_callback(unsigned long long *ctx)
{
	__u64 n = 0;

	bpf_loop(3, count_cb, &n, 0);
	return n;
}

/* Each program in a struct_ops map of its own, for its member */
SEC(".struct_ops")
struct bpf_dummy_pe_ops pe_ops = {
	.test_prologue = (void *)prologue_only,
	.test_epilogue = (void *)epilogue_only,
	.test_pro_epilogue = (void *)pro_epilogue,
};

SEC(".struct_ops")
struct bpf_dummy_pe_ops two_exits_ops = {
	.test_epilogue = (void *)two_exits,
};

SEC(".struct_ops")
struct bpf_dummy_pe_ops goto_start_ops = {
	.test_pro_epilogue = (void *)goto_start,
};

SEC(".struct_ops")
struct bpf_dummy_pe_ops subprog_ops = {
	.test_epilogue = (void *)subprog_call,
};

SEC(".struct_ops")
struct bpf_dummy_pe_ops first_call_ops = {
	.test_pro_epilogue = (void *)first_call,
	.test_direct_call = (void *)direct_call,
	.test_kfunc_only = (void *)kfunc_only,
};

/* A prog array takes programs of one member (expected_attach_type) only */
SEC(".struct_ops")
struct bpf_dummy_pe_ops tail_caller_ops = {
	.test_pro_epilogue = (void *)tail_caller,
};

SEC(".struct_ops")
struct bpf_dummy_pe_ops tail_callee_ops = {
	.test_pro_epilogue = (void *)tail_callee,
};

SEC(".struct_ops")
struct bpf_dummy_pe_ops first_helper_call_ops = {
	.test_pro_epilogue = (void *)first_helper_call,
};

SEC(".struct_ops")
struct bpf_dummy_pe_ops tail_call_subprog_ops = {
	.test_pro_epilogue = (void *)tail_call_subprog,
};

SEC(".struct_ops")
struct bpf_dummy_pe_ops global_sub_ops = {
	.test_prologue = (void *)global_sub_prologue,
	.test_epilogue = (void *)global_sub_epilogue,
};

SEC(".struct_ops")
struct bpf_dummy_pe_ops stack_ops = {
	.test_epilogue = (void *)stack_504,
};

SEC(".struct_ops")
struct bpf_dummy_pe_ops implicit_ops = {
	.test_implicit = (void *)implicit,
};

SEC(".struct_ops")
struct bpf_dummy_pe_ops loop_ops = {
	.test_epilogue = (void *)loop_callback,
};
