// SPDX-License-Identifier: GPL-2.0
/*
 * cross-init.c: /init of the initramfs that harness/cross.sh boots the
 * cross-built kernels with under QEMU (arm64, i386).  Built static with
 * the arch's compiler; needs nothing but the kernel.
 *
 * It checks that the kernel has BTF (/sys/kernel/btf/vmlinux), finds the
 * BTF id of the kfunc bpf_kfunc_call_test_pass_ctx (net/bpf/test_run.c,
 * registered for BPF_PROG_TYPE_SCHED_CLS) in it, loads a SCHED_CLS program
 * that calls the kfunc with its context, runs it with BPF_PROG_TEST_RUN on
 * a 64-byte packet, then checks the generated code of bpf_dummy_pe_ops
 * (pe_test()), prints one "KFS-CROSS: PASS: ..." or "KFS-CROSS: FAIL:
 * ..." line, and powers the machine off.  The harness looks for the PASS
 * line on the console.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/btf.h>

#define KFUNC "bpf_kfunc_call_test_pass_ctx"

static char log_buf[1 << 16];

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("KFS-CROSS: ");
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
}

static void power_off(int status)
{
	say("%s, stopping the machine", status ? "failed" : "done");
	sync();
	/* QEMU runs with -no-reboot: it exits; a power-off needs ACPI */
	reboot(RB_AUTOBOOT);
	/* Not reached; if it were, the kernel panics when init exits. */
	_exit(status);
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("KFS-CROSS: FAIL: ");
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
	power_off(1);
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* read_file PATH: the whole file in a malloc'ed buffer; its size in *len. */
static char *read_file(const char *path, size_t *len)
{
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || !buf)
		return NULL;
	for (;;) {
		if (n == cap) {
			char *p = realloc(buf, cap * 2);

			if (!p)
				return NULL;
			buf = p;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return NULL;
		if (r == 0)
			break;
		n += r;
	}
	close(fd);
	*len = n;
	return buf;
}

/*
 * The size of the data that follows a struct btf_type of this kind and
 * vlen (include/uapi/linux/btf.h); -1 for a kind this program does not
 * know, which ends the walk.
 */
static long btf_extra(unsigned int kind, unsigned int vlen)
{
	switch (kind) {
	case BTF_KIND_INT:
		return sizeof(uint32_t);
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return (long)vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return (long)vlen * sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO:
		return (long)vlen * sizeof(struct btf_param);
	case BTF_KIND_VAR:
		return sizeof(struct btf_var);
	case BTF_KIND_DATASEC:
		return (long)vlen * sizeof(struct btf_var_secinfo);
	case BTF_KIND_DECL_TAG:
		return sizeof(struct btf_decl_tag);
	case BTF_KIND_ENUM64:
		return (long)vlen * sizeof(struct btf_enum64);
	}
	return -1;
}

/* The BTF id of the type of KIND named NAME in the BTF blob, or 0. */
static uint32_t btf_find(const char *btf, size_t len, const char *name,
			 unsigned int want)
{
	const struct btf_header *hdr = (const void *)btf;
	const char *types, *strs;
	uint32_t id = 1, off = 0;

	if (len < sizeof(*hdr) || hdr->magic != BTF_MAGIC)
		fail("/sys/kernel/btf/vmlinux: no BTF header (magic %#x)",
		     len < sizeof(*hdr) ? 0 : hdr->magic);
	if ((size_t)hdr->hdr_len + hdr->type_off + hdr->type_len > len ||
	    (size_t)hdr->hdr_len + hdr->str_off + hdr->str_len > len)
		fail("/sys/kernel/btf/vmlinux: sections past its end");
	types = btf + hdr->hdr_len + hdr->type_off;
	strs = btf + hdr->hdr_len + hdr->str_off;

	while (off + sizeof(struct btf_type) <= hdr->type_len) {
		const struct btf_type *t = (const void *)(types + off);
		unsigned int kind = BTF_INFO_KIND(t->info);
		long extra = btf_extra(kind, BTF_INFO_VLEN(t->info));

		if (extra < 0)
			fail("BTF type %u has unknown kind %u", id, kind);
		if (kind == want && t->name_off < hdr->str_len &&
		    !strcmp(strs + t->name_off, name))
			return id;
		off += sizeof(*t) + extra;
		id++;
	}
	return 0;
}

/* net.core.bpf_jit_enable = @on: prog->jit_requested follows it */
static void set_jit(int on)
{
	const char *path = "/proc/sys/net/core/bpf_jit_enable";
	char v = 0, want = on ? '1' : '0';
	int fd;

	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, &want, 1) != 1)
		say("cannot write %c to %s: %s", want, path, strerror(errno));
	if (fd >= 0)
		close(fd);
	fd = open(path, O_RDONLY);
	if (fd < 0 || read(fd, &v, 1) != 1 || v != want)
		fail("%s is not %c (%s)", path, want,
		     fd < 0 ? strerror(errno) : "read");
	close(fd);
}

/* kfunc calls need the JIT */
static void enable_jit(void)
{
	set_jit(1);
}

/*
 * Load PROG (CNT instructions) as a SCHED_CLS program, fail with the
 * verifier log if it does not load, run it once on a 64-byte packet and
 * fail unless it returns 0.
 */
static void load_and_run(const struct bpf_insn *prog, unsigned int cnt,
			 const char *what)
{
	unsigned char pkt[64];
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SCHED_CLS;
	attr.insns = (uintptr_t)prog;
	attr.insn_cnt = cnt;
	attr.license = (uintptr_t)"GPL";
	attr.log_level = 1;
	attr.log_buf = (uintptr_t)log_buf;
	attr.log_size = sizeof(log_buf);
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd < 0) {
		int err = errno;

		printf("----- verifier log -----\n%s\n-----\n", log_buf);
		if (strstr(log_buf, "JIT does not support calling kernel function"))
			fail("JIT does not support calling kernel function");
		fail("BPF_PROG_LOAD of a SCHED_CLS program calling %s: %s",
		     what, strerror(err));
	}
	say("loaded a SCHED_CLS program calling %s", what);

	memset(pkt, 0, sizeof(pkt));
	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = fd;
	attr.test.data_in = (uintptr_t)pkt;
	attr.test.data_size_in = sizeof(pkt);
	attr.test.repeat = 1;
	if (sys_bpf(BPF_PROG_TEST_RUN, &attr))
		fail("BPF_PROG_TEST_RUN: %s", strerror(errno));
	if (attr.test.retval != 0)
		fail("BPF_PROG_TEST_RUN: retval %u, expected 0",
		     attr.test.retval);
	close(fd);
}

/* A BPF_CALL of the kfunc with BTF id ID (src_reg BPF_PSEUDO_KFUNC_CALL). */
static struct bpf_insn kfunc_call(uint32_t id)
{
	struct bpf_insn insn;

	memset(&insn, 0, sizeof(insn));
	insn.code = BPF_JMP | BPF_CALL;
	insn.src_reg = BPF_PSEUDO_KFUNC_CALL;
	insn.imm = id;
	return insn;
}

/* The BTF of the running kernel, checked and read. */
static char *vmlinux_btf(size_t *len)
{
	struct stat st;
	char *btf;

	if (stat("/sys/kernel/btf/vmlinux", &st))
		fail("/sys/kernel/btf/vmlinux: %s", strerror(errno));
	say("/sys/kernel/btf/vmlinux: %lld bytes", (long long)st.st_size);
	btf = read_file("/sys/kernel/btf/vmlinux", len);
	if (!btf)
		fail("read /sys/kernel/btf/vmlinux: %s", strerror(errno));
	return btf;
}

/* The struct_ops test type of the series, bpf_dummy_pe_ops */
#define PE_OPS "bpf_dummy_pe_ops"
#define PE_EPILOGUE 1		/* test_epilogue */
#define PE_KFUNC_ONLY 9		/* test_kfunc_only */

/* Load @prog as bpf_dummy_pe_ops' @member; fail with the log, naming @name */
static int load_pe(uint32_t ops_id, int member, const struct bpf_insn *prog,
		   unsigned int cnt, const char *name)
{
	int fd;

	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_STRUCT_OPS;
	attr.expected_attach_type = member;
	attr.attach_btf_id = ops_id;
	attr.insns = (uintptr_t)prog;
	attr.insn_cnt = cnt;
	attr.license = (uintptr_t)"GPL";
	attr.log_level = 1;
	attr.log_buf = (uintptr_t)log_buf;
	attr.log_size = sizeof(log_buf);
	log_buf[0] = 0;
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd < 0) {
		printf("----- verifier log -----\n%s\n-----\n", log_buf);
		fail("BPF_PROG_LOAD of %s: %s", name, strerror(errno));
	}
	return fd;
}

/* A kernel of 32 bits, by its machine name (not this program's size) */
static int kernel_32bit(void)
{
	static const char *const m64[] = { "x86_64", "aarch64", "ppc64le",
					   "ppc64", "s390x", "mips64", "riscv64" };
	struct utsname u;
	unsigned int i;

	if (uname(&u))
		fail("uname: %s", strerror(errno));
	for (i = 0; i < sizeof(m64) / sizeof(m64[0]); i++)
		if (!strcmp(u.machine, m64[i]))
			return 0;
	return 1;
}

/*
 * Run the struct_ops program @fd on args->a = 7: its epilogue must add
 * 10000 and double 3.  Count the calls of its translated program: direct
 * (src_reg 0) and kfunc; fail unless it was JITed as @jited says.
 */
static void pe_run(int fd, const char *name, int jited, int *direct,
		   int *kfuncs)
{
	struct bpf_insn xl[64];
	uint64_t a = 7, out = 0;
	struct bpf_prog_info info;
	union bpf_attr attr;
	uint32_t i, n;

	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = fd;
	attr.test.ctx_in = (uintptr_t)&a;
	attr.test.ctx_size_in = sizeof(a);
	attr.test.ctx_out = (uintptr_t)&out;
	attr.test.ctx_size_out = sizeof(out);
	if (sys_bpf(BPF_PROG_TEST_RUN, &attr))
		fail("BPF_PROG_TEST_RUN of %s: %s", name, strerror(errno));
	if (attr.test.retval != 6 || out != a + 10000)
		fail("%s: retval %u, args->a %llu; expected 6, %llu", name,
		     attr.test.retval, (unsigned long long)out,
		     (unsigned long long)(a + 10000));

	memset(&info, 0, sizeof(info));
	memset(xl, 0, sizeof(xl));
	info.xlated_prog_len = sizeof(xl);
	info.xlated_prog_insns = (uintptr_t)xl;
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = fd;
	attr.info.info_len = sizeof(info);
	attr.info.info = (uintptr_t)&info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr))
		fail("BPF_OBJ_GET_INFO_BY_FD: %s", strerror(errno));
	if (!info.jited_prog_len != !jited)
		fail("%s was %sJITed", name, jited ? "not " : "");
	*direct = *kfuncs = 0;
	n = info.xlated_prog_len / sizeof(xl[0]);
	for (i = 0; i < n && i < 64; i++) {
		if (xl[i].code != (BPF_JMP | BPF_CALL))
			continue;
		printf("KFS-CROSS: %s: xlated %u: call src_reg %u imm %d\n",
		       name, i, xl[i].src_reg, xl[i].imm);
		if (xl[i].src_reg == BPF_PSEUDO_KFUNC_CALL)
			(*kfuncs)++;
		else if (!xl[i].src_reg)
			(*direct)++;
	}
	say("%s: retval 6, args->a %llu, JITed %u bytes, %d direct and %d kfunc calls",
	    name, (unsigned long long)out, info.jited_prog_len, *direct,
	    *kfuncs);
}

/*
 * A 32-bit kernel: test_epilogue with a BPF-to-BPF call.  6.1's 32-bit
 * JITs cannot compile those ("NOT YET: opcode 85" from x86-32's), so the
 * program runs on the interpreter, with the JIT on as with it off.  Its
 * epilogue must then make the direct call: a kfunc call would fail the
 * load, the interpreter cannot make one.  That is what the BPF_CALL_2
 * fallback, and bpf_prog_can_call_kfunc() saying no on 32-bit, are for.
 */
static void pe_subprog_32bit(uint32_t ops_id)
{
	static const char *const names[] = {
		"test_epilogue with a subprogram, JIT off",
		"test_epilogue with a subprogram, JIT on",
	};
	struct bpf_insn prog[5];
	int fd, direct, kfuncs, jit;

	memset(prog, 0, sizeof(prog));
	prog[0].code = BPF_JMP | BPF_CALL;		/* call insn 3 */
	prog[0].src_reg = BPF_PSEUDO_CALL;
	prog[0].imm = 2;
	prog[1].code = BPF_ALU64 | BPF_MOV | BPF_K;	/* r0 = 3 */
	prog[1].imm = 3;
	prog[2].code = BPF_JMP | BPF_EXIT;
	prog[3].code = BPF_ALU64 | BPF_MOV | BPF_K;	/* r0 = 0 */
	prog[4].code = BPF_JMP | BPF_EXIT;

	for (jit = 0; jit <= 1; jit++) {
		set_jit(jit);
		fd = load_pe(ops_id, PE_EPILOGUE, prog, 5, names[jit]);
		pe_run(fd, names[jit], 0, &direct, &kfuncs);
		if (direct != 1 || kfuncs)
			fail("%s: %d direct calls, %d kfunc calls; expected the direct call",
			     names[jit], direct, kfuncs);
		close(fd);
	}
}

/*
 * Generated code: test_epilogue's epilogue adds 10000 to args->a and
 * doubles the return value, by a kfunc call where the program can call
 * kfuncs and by a direct call of its BPF_CALL_2 counterpart where it
 * cannot: on every 32-bit kernel (bpf_prog_can_call_kfunc()).
 * test_kfunc_only's epilogue calls the kfunc anyway: with the JIT on, it
 * loads and makes the kfunc call, on 32-bit kernels too (the x86-32 JIT
 * calls kfuncs from a program without subprograms).
 */
static void pe_test(const char *btf, size_t len)
{
	int direct, kfuncs, want_direct = kernel_32bit();
	struct bpf_insn prog[2];
	uint32_t ops_id;
	int fd;

	ops_id = btf_find(btf, len, PE_OPS, BTF_KIND_STRUCT);
	if (!ops_id)
		fail("no STRUCT %s in the vmlinux BTF (CONFIG_BPF_DUMMY_PE_OPS?)",
		     PE_OPS);
	memset(prog, 0, sizeof(prog));
	prog[0].code = BPF_ALU64 | BPF_MOV | BPF_K;	/* r0 = 3 */
	prog[0].imm = 3;
	prog[1].code = BPF_JMP | BPF_EXIT;

	if (want_direct)
		pe_subprog_32bit(ops_id);
	fd = load_pe(ops_id, PE_EPILOGUE, prog, 2, "test_epilogue");
	pe_run(fd, "test_epilogue", 1, &direct, &kfuncs);
	if (want_direct ? direct != 1 || kfuncs : kfuncs != 1 || direct)
		fail("test_epilogue's epilogue: %d direct calls, %d kfunc calls; expected the %s on a %d-bit kernel",
		     direct, kfuncs,
		     want_direct ? "direct call" : "kfunc call",
		     want_direct ? 32 : 64);
	close(fd);

	fd = load_pe(ops_id, PE_KFUNC_ONLY, prog, 2, "test_kfunc_only");
	pe_run(fd, "test_kfunc_only", 1, &direct, &kfuncs);
	if (kfuncs != 1 || direct)
		fail("test_kfunc_only's epilogue: %d direct calls, %d kfunc calls; expected the kfunc call",
		     direct, kfuncs);
	close(fd);
	say("generated code: the epilogue's call is %s on this %d-bit kernel",
	    want_direct ? "a direct call of bpf_dummy_pe_add" :
			  "the kfunc bpf_kfunc_dummy_pe_add",
	    want_direct ? 32 : 64);
}

int main(void)
{
	struct bpf_insn prog[3];
	size_t btf_len;
	uint32_t id;
	char *btf;

	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	if (mount("proc", "/proc", "proc", 0, NULL))
		fail("mount /proc: %s", strerror(errno));
	if (mount("sysfs", "/sys", "sysfs", 0, NULL))
		fail("mount /sys: %s", strerror(errno));

	btf = vmlinux_btf(&btf_len);
	id = btf_find(btf, btf_len, KFUNC, BTF_KIND_FUNC);
	if (!id)
		fail("no FUNC %s in the vmlinux BTF", KFUNC);
	say("%s: BTF id %u", KFUNC, id);

	enable_jit();

	/* r1, the context (struct __sk_buff *), is the kfunc's argument. */
	memset(prog, 0, sizeof(prog));
	prog[0] = kfunc_call(id);
	prog[1].code = BPF_ALU64 | BPF_MOV | BPF_K;	/* r0 = 0 */
	prog[2].code = BPF_JMP | BPF_EXIT;
	load_and_run(prog, 3, KFUNC);
	pe_test(btf, btf_len);
	say("PASS: SCHED_CLS program called kfunc %s (BTF id %u), test run retval 0; generated code as expected",
	    KFUNC, id);
	power_off(0);
	return 0;
}
