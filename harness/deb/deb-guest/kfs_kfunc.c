// SPDX-License-Identifier: GPL-2.0
/*
 * kfs_kfunc: an out-of-tree module that defines kfuncs, built in the
 * guest by DKMS against the installed linux-headers package (make deb-boot,
 * harness/deb/deb-guest.sh).  One plain kfunc and one KF_IMPLICIT_ARGS kfunc,
 * for SCHED_CLS programs, defined as the series defines them.
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/module.h>

__bpf_kfunc_start_defs();

/**
 * kfs_dkms_add - add two numbers and 1000
 * @a: first number
 * @b: second number
 *
 * Return: @a + @b + 1000.
 */
__bpf_kfunc u64 kfs_dkms_add(u32 a, u64 b)
{
	return a + b + 1000;
}

/**
 * kfs_dkms_prog_id - a number and the calling program's id
 * @mul: multiplies 1000
 * @aux: the calling program's aux, which the verifier passes
 *
 * A KF_IMPLICIT_ARGS kfunc: BPF programs call it with @mul only.
 *
 * Return: @mul * 1000 + the id of the program that @aux belongs to.
 */
__bpf_kfunc u64 kfs_dkms_prog_id(u32 mul, struct bpf_prog_aux *aux)
{
	return (u64)mul * 1000 + aux->id;
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(kfs_dkms_kfunc_ids)
BTF_ID_FLAGS(func, kfs_dkms_add)
BTF_ID_FLAGS(func, kfs_dkms_prog_id, KF_IMPLICIT_ARGS)
BTF_KFUNCS_END(kfs_dkms_kfunc_ids)

static const struct btf_kfunc_id_set kfs_dkms_kfunc_set = {
	.owner = THIS_MODULE,
	.set   = &kfs_dkms_kfunc_ids,
};

static int __init kfs_kfunc_init(void)
{
	/* Built without BTF, the module still loads: 6.1 only warns
	 * "missing module BTF, cannot register kfuncs" and returns 0.
	 */
	return register_btf_kfunc_id_set(BPF_PROG_TYPE_SCHED_CLS,
					 &kfs_dkms_kfunc_set);
}

static void __exit kfs_kfunc_exit(void)
{
}

module_init(kfs_kfunc_init);
module_exit(kfs_kfunc_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kfunc-series: kfuncs of an out-of-tree (DKMS) module");
