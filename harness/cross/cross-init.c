// SPDX-License-Identifier: GPL-2.0
/*
 * cross-init.c: /init of the initramfs that harness/cross/cross.sh boots the
 * cross-built kernels with under QEMU.  Built static with the arch's
 * compiler; needs nothing but the kernel.
 *
 * It checks that the kernel has BTF (/sys/kernel/btf/vmlinux), finds the
 * BTF id of the kfunc bpf_kfunc_call_test_pass_ctx (net/bpf/test_run.c,
 * registered for BPF_PROG_TYPE_SCHED_CLS) in it and loads a SCHED_CLS
 * program that calls the kfunc with its context: where the JIT calls
 * kfuncs ("kfs.kfunc_jit=1" on the command line, the default), it runs it
 * with BPF_PROG_TEST_RUN on a 64-byte packet; where it does not
 * ("kfs.kfunc_jit=0"), the load must fail with the verifier's message.
 * Then it checks the generated code of bpf_dummy_pe_ops (pe_test()), and
 * prints one "KFS-CROSS: PASS: ..." or "KFS-CROSS: FAIL: ..." line.  If
 * the initramfs has /tp/test_progs, it runs it with the JIT on and then
 * off, with the arguments in /tp/args.jit1 and /tp/args.jit0 (one per
 * line), between "KFS-CROSS: test_progs jit=N: begin" and "...: exit RC"
 * lines.  Then it powers the machine off.  The harness reads the console.
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

#include <sys/wait.h>

#define KFUNC "bpf_kfunc_call_test_pass_ctx"

static char log_buf[1 << 16];

/* Whether this architecture's JIT calls kfuncs (kfs.kfunc_jit=) */
static int kfunc_jit = 1;

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

/*
 * Load PROG (CNT instructions) as a GPL program of TYPE, attached to
 * MEMBER of the BTF type ATTACH_ID where that is not 0, with the verifier
 * log in log_buf: its fd, or -1.
 */
static int prog_load(uint32_t type, uint32_t member, uint32_t attach_id,
		     const struct bpf_insn *prog, unsigned int cnt)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = type;
	attr.expected_attach_type = member;
	attr.attach_btf_id = attach_id;
	attr.insns = (uintptr_t)prog;
	attr.insn_cnt = cnt;
	attr.license = (uintptr_t)"GPL";
	attr.log_level = 1;
	attr.log_buf = (uintptr_t)log_buf;
	attr.log_size = sizeof(log_buf);
	log_buf[0] = 0;
	return sys_bpf(BPF_PROG_LOAD, &attr);
}

/* Load PROG (CNT instructions) as a SCHED_CLS program: its fd, or -1 */
static int load_sched_cls(const struct bpf_insn *prog, unsigned int cnt)
{
	return prog_load(BPF_PROG_TYPE_SCHED_CLS, 0, 0, prog, cnt);
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

	fd = load_sched_cls(prog, cnt);
	if (fd < 0) {
		int err = errno;

		printf("----- verifier log -----\n%s\n-----\n", log_buf);
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

/*
 * Where the JIT cannot call kfuncs: the program calling WHAT must fail to
 * load, with the verifier's WANT in its log.
 */
static void load_refused(const struct bpf_insn *prog, unsigned int cnt,
			 const char *what, const char *want)
{
	int fd = load_sched_cls(prog, cnt);

	if (fd >= 0)
		fail("a SCHED_CLS program calling %s loaded; expected \"%s\"",
		     what, want);
	if (!strstr(log_buf, want)) {
		printf("----- verifier log -----\n%s\n-----\n", log_buf);
		fail("a SCHED_CLS program calling %s: no \"%s\" in the log",
		     what, want);
	}
	say("a SCHED_CLS program calling %s is refused: %s", what, want);
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
#define PE_PROLOGUE 0		/* test_prologue */
#define PE_EPILOGUE 1		/* test_epilogue */
#define PE_KFUNC_ONLY 9		/* test_kfunc_only */

/* Load @prog as bpf_dummy_pe_ops' @member: its fd, or -1 */
static int try_load_pe(uint32_t ops_id, int member,
		       const struct bpf_insn *prog, unsigned int cnt)
{
	return prog_load(BPF_PROG_TYPE_STRUCT_OPS, member, ops_id, prog, cnt);
}

/* Load @prog as bpf_dummy_pe_ops' @member; fail with the log, naming @name */
static int load_pe(uint32_t ops_id, int member, const struct bpf_insn *prog,
		   unsigned int cnt, const char *name)
{
	int fd = try_load_pe(ops_id, member, prog, cnt);

	if (fd < 0) {
		printf("----- verifier log -----\n%s\n-----\n", log_buf);
		fail("BPF_PROG_LOAD of %s: %s", name, strerror(errno));
	}
	return fd;
}

/* The same, where the load must fail with @want in the log */
static void load_pe_refused(uint32_t ops_id, int member,
			    const struct bpf_insn *prog, unsigned int cnt,
			    const char *name, const char *want)
{
	int fd = try_load_pe(ops_id, member, prog, cnt);

	if (fd >= 0)
		fail("%s loaded; expected \"%s\"", name, want);
	if (!strstr(log_buf, want)) {
		printf("----- verifier log -----\n%s\n-----\n", log_buf);
		fail("%s: no \"%s\" in the log", name, want);
	}
	say("%s is refused: %s", name, want);
}

/*
 * The symbol of /proc/kallsyms at or below @addr: its name in @name (128
 * bytes) and @addr's offset from it; -1 if there is none.
 */
static long kallsyms_find(unsigned long addr, char *name)
{
	unsigned long a, best = 0;
	char line[256], sym[128];
	FILE *f;

	name[0] = 0;
	f = fopen("/proc/kallsyms", "r");
	if (!f)
		fail("/proc/kallsyms: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx %*s %127s", &a, sym) != 2)
			continue;
		if (a <= addr && a >= best && a) {
			best = a;
			strcpy(name, sym);
		}
	}
	fclose(f);
	return name[0] ? (long)(addr - best) : -1;
}

/* The address of @sym in /proc/kallsyms, or 0 */
static unsigned long kallsyms_addr(const char *sym)
{
	char line[256], s[128];
	unsigned long a;
	FILE *f;

	f = fopen("/proc/kallsyms", "r");
	if (!f)
		fail("/proc/kallsyms: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx %*s %127s", &a, s) == 2 &&
		    !strcmp(s, sym)) {
			fclose(f);
			return a;
		}
	}
	fclose(f);
	return 0;
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
 * A direct call of the translated program, imm @imm: it must call
 * bpf_dummy_pe_add, at __bpf_call_base + imm as the interpreter and the
 * JITs compute it.
 */
static void direct_check(const char *name, int32_t imm)
{
	unsigned long base = kallsyms_addr("__bpf_call_base");
	char sym[128];
	long off;

	if (!base)
		fail("no __bpf_call_base in /proc/kallsyms");
	off = kallsyms_find(base + (long)imm, sym);
	printf("KFS-CROSS: %s: direct call of %s+%#lx (__bpf_call_base %#lx + %d)\n",
	       name, sym, off, base, imm);
	if (strcmp(sym, "bpf_dummy_pe_add") || off)
		fail("%s: the direct call is of %s+%#lx, not bpf_dummy_pe_add",
		     name, sym, off);
}

/* BPF_OBJ_GET_INFO_BY_FD of program @fd into @info, which says what to fill */
static void prog_info(int fd, struct bpf_prog_info *info, const char *what)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = fd;
	attr.info.info_len = sizeof(*info);
	attr.info.info = (uintptr_t)info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr))
		fail("BPF_OBJ_GET_INFO_BY_FD (%s): %s", what, strerror(errno));
}

/*
 * BPF_PROG_TEST_RUN of the bpf_dummy_pe_ops program @fd on args->a = @a:
 * its return value, args->a after the run in @out.
 */
static uint32_t pe_test_run(int fd, const char *name, uint64_t a,
			    uint64_t *out)
{
	union bpf_attr attr;

	*out = 0;
	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = fd;
	attr.test.ctx_in = (uintptr_t)&a;
	attr.test.ctx_size_in = sizeof(a);
	attr.test.ctx_out = (uintptr_t)out;
	attr.test.ctx_size_out = sizeof(*out);
	if (sys_bpf(BPF_PROG_TEST_RUN, &attr))
		fail("BPF_PROG_TEST_RUN of %s: %s", name, strerror(errno));
	return attr.test.retval;
}

/*
 * The JITed code of @fd (@len bytes), in hex on the console for the
 * harness to disassemble: "KFS-CROSS: jited NAME: HEX" lines of 32 bytes.
 */
static void jit_dump(int fd, const char *name, uint32_t len)
{
	static unsigned char code[1 << 14];
	struct bpf_prog_info info;
	uint32_t i;

	if (len > sizeof(code))
		fail("%s: %u bytes of JITed code", name, len);
	memset(&info, 0, sizeof(info));
	info.jited_prog_len = len;
	info.jited_prog_insns = (uintptr_t)code;
	prog_info(fd, &info, "jited");
	for (i = 0; i < len; i++) {
		if (i % 32 == 0)
			printf("KFS-CROSS: jited %s: ", name);
		printf("%02x", code[i]);
		if (i % 32 == 31 || i == len - 1)
			printf("\n");
	}
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
	struct bpf_prog_info info;
	uint32_t i, n, retval;
	uint64_t a = 7, out;

	retval = pe_test_run(fd, name, a, &out);
	if (retval != 6 || out != a + 10000)
		fail("%s: retval %u, args->a %llu; expected 6, %llu", name,
		     retval, (unsigned long long)out,
		     (unsigned long long)(a + 10000));

	memset(&info, 0, sizeof(info));
	memset(xl, 0, sizeof(xl));
	info.xlated_prog_len = sizeof(xl);
	info.xlated_prog_insns = (uintptr_t)xl;
	prog_info(fd, &info, "xlated");
	if (!info.jited_prog_len != !jited)
		fail("%s was %sJITed", name, jited ? "not " : "");
	*direct = *kfuncs = 0;
	n = info.xlated_prog_len / sizeof(xl[0]);
	for (i = 0; i < n && i < 64; i++) {
		if (xl[i].code != (BPF_JMP | BPF_CALL))
			continue;
		printf("KFS-CROSS: %s: xlated %u: call src_reg %u imm %d\n",
		       name, i, xl[i].src_reg, xl[i].imm);
		if (xl[i].src_reg == BPF_PSEUDO_KFUNC_CALL) {
			(*kfuncs)++;
		} else if (!xl[i].src_reg) {
			(*direct)++;
			direct_check(name, xl[i].imm);
		}
	}
	if (info.jited_prog_len)
		jit_dump(fd, name, info.jited_prog_len);
	say("%s: retval 6, args->a %llu, JITed %u bytes, %d direct and %d kfunc calls",
	    name, (unsigned long long)out, info.jited_prog_len, *direct,
	    *kfuncs);
}

/*
 * Whether this kernel's JIT takes BPF_PROBE_MEM: 6.1's arm32, x86-32 and
 * MIPS JITs do not (the 32-bit kernels here, and mips64el).
 */
static int jit_has_probe_mem(void)
{
	struct utsname u;

	if (uname(&u))
		fail("uname: %s", strerror(errno));
	return !kernel_32bit() && strncmp(u.machine, "mips", 4);
}

/*
 * The interpreter's BPF_PROBE_MEM loads: a test_prologue program returns
 * args->a, read through the BTF pointer, after the prologue added 1000.
 * 6.1 called bpf_trace.c's BPF_CALL_3 with another prototype for them,
 * which 32-bit ABIs pass differently: on armhf every such load read 0.
 * With the JIT off; with it on too where the JIT takes the load (6.1's
 * arm32, x86-32 and MIPS JITs have no BPF_PROBE_MEM: refused, ENOTSUPP,
 * there and only there).  The word load reads the low half of args->a:
 * at offset 4 on a big-endian machine.
 */
static void probe_mem_check(uint32_t ops_id)
{
	static const uint64_t vals[] = { 7, 1001, 0x12345678, 0x100000003ULL };
	static const int sizes[] = { BPF_DW, BPF_W };
	int jit, si, fd, nvals = sizeof(vals) / sizeof(vals[0]);
	struct bpf_insn prog[3];
	uint64_t a, out;
	uint32_t retval;
	int i;

	for (jit = 0; jit <= 1; jit++) {
		set_jit(jit);
		for (si = 0; si < 2; si++) {
			memset(prog, 0, sizeof(prog));
			prog[0].code = BPF_LDX | BPF_MEM | BPF_DW; /* r1 = args */
			prog[0].dst_reg = 1;
			prog[0].src_reg = 1;
			prog[1].code = BPF_LDX | BPF_MEM | sizes[si]; /* r0 = a */
			prog[1].src_reg = 1;
			if (sizes[si] == BPF_W &&
			    __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
				prog[1].off = 4;
			prog[2].code = BPF_JMP | BPF_EXIT;
			fd = try_load_pe(ops_id, PE_PROLOGUE, prog, 3);
			if (fd < 0 && jit && errno == 524 &&	/* ENOTSUPP */
			    !jit_has_probe_mem()) {
				say("BPF_PROBE_MEM: the JIT does not take the load (ENOTSUPP)");
				break;
			}
			if (fd < 0) {
				printf("----- verifier log -----\n%s\n-----\n",
				       log_buf);
				fail("BPF_PROBE_MEM program: %s", strerror(errno));
			}
			for (i = 0; i < nvals; i++) {
				a = vals[i];
				retval = pe_test_run(fd, "BPF_PROBE_MEM program",
						     a, &out);
				if (retval != (uint32_t)(a + 1000) ||
				    out != a + 1000)
					fail("BPF_PROBE_MEM %s load, JIT %s: a = %#llx read as %#x; expected %#x",
					     si ? "word" : "double word",
					     jit ? "on" : "off",
					     (unsigned long long)a, retval,
					     (uint32_t)(a + 1000));
			}
			close(fd);
			say("BPF_PROBE_MEM %s loads, JIT %s: read what the prologue wrote",
			    si ? "word" : "double word", jit ? "on" : "off");
		}
	}
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
 * cannot: on every 32-bit kernel (bpf_prog_can_call_kfunc()) and where
 * the JIT cannot call kfuncs.  test_kfunc_only's epilogue calls the kfunc
 * anyway: where the JIT calls kfuncs, it loads and makes the kfunc call,
 * on 32-bit kernels too (the x86-32 JIT calls kfuncs from a program
 * without subprograms); elsewhere the verifier refuses it.
 */
static void pe_test(const char *btf, size_t len)
{
	int direct, kfuncs, want_direct = kernel_32bit() || !kfunc_jit;
	const char *bits = kernel_32bit() ? "32-bit" : "64-bit";
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

	probe_mem_check(ops_id);
	if (kernel_32bit())
		pe_subprog_32bit(ops_id);
	fd = load_pe(ops_id, PE_EPILOGUE, prog, 2, "test_epilogue");
	pe_run(fd, "test_epilogue", 1, &direct, &kfuncs);
	if (want_direct ? direct != 1 || kfuncs : kfuncs != 1 || direct)
		fail("test_epilogue's epilogue: %d direct calls, %d kfunc calls; expected the %s on this %s kernel",
		     direct, kfuncs,
		     want_direct ? "direct call" : "kfunc call", bits);
	close(fd);

	if (kfunc_jit) {
		fd = load_pe(ops_id, PE_KFUNC_ONLY, prog, 2,
			     "test_kfunc_only");
		pe_run(fd, "test_kfunc_only", 1, &direct, &kfuncs);
		if (kfuncs != 1 || direct)
			fail("test_kfunc_only's epilogue: %d direct calls, %d kfunc calls; expected the kfunc call",
			     direct, kfuncs);
		close(fd);
	} else {
		load_pe_refused(ops_id, PE_KFUNC_ONLY, prog, 2,
				"test_kfunc_only",
				"JIT does not support calling kernel function");
		load_pe_refused(ops_id, PE_KFUNC_ONLY, prog, 2,
				"test_kfunc_only",
				"the epilogue cannot call kernel function bpf_kfunc_dummy_pe_add");
	}
	say("generated code: the epilogue's call is %s on this %s kernel",
	    want_direct ? "a direct call of bpf_dummy_pe_add" :
			  "the kfunc bpf_kfunc_dummy_pe_add", bits);
}

/* kfs.kfunc_jit=0 on the kernel's command line: the JIT calls no kfuncs */
static void read_cmdline(void)
{
	size_t len;
	char *c = read_file("/proc/cmdline", &len);

	if (!c)
		fail("/proc/cmdline: %s", strerror(errno));
	c[len ? len - 1 : 0] = 0;
	if (strstr(c, "kfs.kfunc_jit=0"))
		kfunc_jit = 0;
	say("command line: %s; the JIT %s kfuncs", c,
	    kfunc_jit ? "calls" : "does not call");
	free(c);
}

/* The mounts test_progs expects */
static void mounts(void)
{
	static const char *const m[][3] = {
		{ "devtmpfs", "/dev", "devtmpfs" },
		{ "tmpfs", "/tmp", "tmpfs" },
		{ "bpffs", "/sys/fs/bpf", "bpf" },
		{ "debugfs", "/sys/kernel/debug", "debugfs" },
		{ "tracefs", "/sys/kernel/tracing", "tracefs" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		mkdir(m[i][1], 0755);
		if (mount(m[i][0], m[i][1], m[i][2], 0, NULL))
			say("mount %s on %s: %s", m[i][2], m[i][1],
			    strerror(errno));
	}
}

/*
 * /tp/test_progs with the JIT set to @jit and the arguments of
 * /tp/args.jitN, one per line.
 */
static void run_test_progs(int jit)
{
	char path[32], *args, *argv[64], *p;
	int argc = 0, status;
	size_t len;
	pid_t pid;

	snprintf(path, sizeof(path), "/tp/args.jit%d", jit);
	args = read_file(path, &len);
	if (!args)
		fail("%s: %s", path, strerror(errno));
	args[len ? len - 1 : 0] = 0;
	argv[argc++] = "./test_progs";
	for (p = strtok(args, "\n"); p && argc < 63; p = strtok(NULL, "\n"))
		argv[argc++] = p;
	argv[argc] = NULL;
	set_jit(jit);
	say("test_progs jit=%d: begin", jit);
	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (!pid) {
		if (chdir("/tp"))
			_exit(126);
		execv("/tp/test_progs", argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		fail("waitpid: %s", strerror(errno));
	say("test_progs jit=%d: exit %d", jit,
	    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	free(args);
}

int main(void)
{
	struct bpf_insn prog[3];
	struct stat st;
	size_t btf_len;
	uint32_t id;
	char *btf;

	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	if (mount("proc", "/proc", "proc", 0, NULL))
		fail("mount /proc: %s", strerror(errno));
	if (mount("sysfs", "/sys", "sysfs", 0, NULL))
		fail("mount /sys: %s", strerror(errno));
	read_cmdline();

	btf = vmlinux_btf(&btf_len);
	id = btf_find(btf, btf_len, KFUNC, BTF_KIND_FUNC);
	if (!id)
		fail("no FUNC %s in the vmlinux BTF", KFUNC);
	say("%s: BTF id %u", KFUNC, id);

	/* r1, the context (struct __sk_buff *), is the kfunc's argument. */
	memset(prog, 0, sizeof(prog));
	prog[0] = kfunc_call(id);
	prog[1].code = BPF_ALU64 | BPF_MOV | BPF_K;	/* r0 = 0 */
	prog[2].code = BPF_JMP | BPF_EXIT;
	if (kfunc_jit) {
		set_jit(1);
		load_and_run(prog, 3, KFUNC);
	} else {
		set_jit(0);
		load_refused(prog, 3, KFUNC,
			     "JIT is required for calling kernel function");
		set_jit(1);
		load_refused(prog, 3, KFUNC,
			     "JIT does not support calling kernel function");
	}
	pe_test(btf, btf_len);
	say("PASS: SCHED_CLS program %s kfunc %s (BTF id %u); generated code as expected",
	    kfunc_jit ? "called" : "refused to call", KFUNC, id);

	if (!stat("/tp/test_progs", &st)) {
		mounts();
		run_test_progs(1);
		run_test_progs(0);
	}
	power_off(0);
	return 0;
}
