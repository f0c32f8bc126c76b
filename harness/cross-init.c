// SPDX-License-Identifier: GPL-2.0
/*
 * cross-init.c: /init of the initramfs that harness/cross.sh boots the
 * arm64 cross-built kernel with under qemu-system-aarch64.  Built static
 * with aarch64-linux-gnu-gcc; needs nothing but the kernel.
 *
 * It checks that the kernel has BTF (/sys/kernel/btf/vmlinux), finds the
 * BTF id of the kfunc bpf_kfunc_call_test_pass_ctx (net/bpf/test_run.c,
 * registered for BPF_PROG_TYPE_SCHED_CLS) in it, loads a SCHED_CLS program
 * that calls the kfunc with its context, runs it with BPF_PROG_TEST_RUN on
 * a 64-byte packet, prints one "KFS-CROSS: PASS: ..." or "KFS-CROSS: FAIL:
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
	say("%s, powering off", status ? "failed" : "done");
	sync();
	reboot(RB_POWER_OFF);
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

/* The BTF id of the FUNC named NAME in the BTF blob, or 0. */
static uint32_t btf_find_func(const char *btf, size_t len, const char *name)
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
		if (kind == BTF_KIND_FUNC && t->name_off < hdr->str_len &&
		    !strcmp(strs + t->name_off, name))
			return id;
		off += sizeof(*t) + extra;
		id++;
	}
	return 0;
}

static void enable_jit(void)
{
	const char *path = "/proc/sys/net/core/bpf_jit_enable";
	char v = 0;
	int fd;

	/* kfunc calls need the JIT: prog->jit_requested is this sysctl. */
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, "1", 1) != 1)
		say("cannot write 1 to %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	fd = open(path, O_RDONLY);
	if (fd < 0 || read(fd, &v, 1) != 1 || v != '1')
		fail("%s is not 1 (%s)", path, fd < 0 ? strerror(errno) : "read");
	close(fd);
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
	id = btf_find_func(btf, btf_len, KFUNC);
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
	say("PASS: SCHED_CLS program called kfunc %s (BTF id %u), test run retval 0",
	    KFUNC, id);
	power_off(0);
	return 0;
}
