// SPDX-License-Identifier: GPL-2.0
/*
 * kfunc prototypes in vmlinux.h: bpftool's "btf dump ... format c" declares
 * each function that a "bpf_kfunc" decl tag marks, as BPF programs call it,
 * and a program that declares no kfunc itself calls them, or tests for
 * them by address, which it may compare and not read through.
 */
#include <test_progs.h>
#include <network_helpers.h>
#include <bpf/btf.h>
#include "kfunc_protos.skel.h"
#include "kfunc_protos_fail.skel.h"

#define GUARD		"#ifndef BPF_NO_KFUNC_PROTOTYPES"
#define BLOCK		"/* BPF kfuncs */"
#define IMPLICIT_PROTO \
	"extern u64 bpf_kfunc_call_test_implicit_add(u32 a, u64 b) __weak __ksym;"

struct buf {
	char s[1024];
	size_t len;
};

static void buf_printf(void *ctx, const char *fmt, va_list args)
{
	struct buf *b = ctx;
	int n;

	n = vsnprintf(b->s + b->len, sizeof(b->s) - b->len, fmt, args);
	if (n > 0)
		b->len = b->len + n < sizeof(b->s) ? b->len + n : sizeof(b->s) - 1;
}

/* The lines of @cmd's output, NULL-terminated, in @lines; their count. */
static int read_lines(const char *cmd, char ***lines)
{
	size_t cap = 0, len;
	char *line = NULL;
	int n = 0, max = 0;
	char **v = NULL, **nv;
	FILE *f;

	f = popen(cmd, "r");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		len = strlen(line);
		if (len && line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (n + 1 >= max) {
			max = max ? 2 * max : 4096;
			nv = realloc(v, max * sizeof(*v));
			if (!nv) {
				pclose(f);
				goto fail;
			}
			v = nv;
		}
		v[n++] = strdup(line);
		v[n] = NULL;
	}
	if (pclose(f) || !v)
		goto fail;
	free(line);
	*lines = v;
	return n;
fail:
	free(line);
	while (v && n)
		free(v[--n]);
	free(v);
	return -EINVAL;
}

/* The index of the first line @want at or after @from, or -1 */
static int find_line(char **lines, int n, int from, const char *want)
{
	int i;

	for (i = from; i < n; i++)
		if (!strcmp(lines[i], want))
			return i;
	return -1;
}

static int count_line(char **lines, int n, const char *want)
{
	int i, hits = 0;

	for (i = 0; i < n; i++)
		hits += !strcmp(lines[i], want);
	return hits;
}

/*
 * Dump @btf_path (on @base_path) with bpftool: every function that a
 * "bpf_kfunc" tag of @btf marks has one prototype, the one libbpf's
 * btf_dump writes for its BTF, and there is none for anything else; all
 * of them in one block, after its comment and inside its guard.
 */
static void check_dump(const char *btf_path, const char *base_path,
		       struct btf *btf, const char *must_have)
{
	LIBBPF_OPTS(btf_dump_emit_type_decl_opts, opts);
	int i, n, nr_tags = 0, nr_externs = 0, guard, block, end;
	const struct btf_type *t, *func;
	struct btf_dump *d = NULL;
	char cmd[PATH_MAX * 2];
	char **lines = NULL;
	struct buf b;

	snprintf(cmd, sizeof(cmd), "./bpftool btf dump file %s %s%s format c",
		 btf_path, base_path ? "-B " : "", base_path ?: "");
	n = read_lines(cmd, &lines);
	if (!ASSERT_GT(n, 0, cmd))
		return;
	d = btf_dump__new(btf, buf_printf, &b, NULL);
	if (!ASSERT_OK_PTR(d, "btf_dump__new"))
		goto out;

	for (i = 1; i < (int)btf__type_cnt(btf); i++) {
		t = btf__type_by_id(btf, i);
		if (!btf_is_decl_tag(t) || btf_decl_tag(t)->component_idx != -1 ||
		    strcmp(btf__name_by_offset(btf, t->name_off), "bpf_kfunc"))
			continue;
		func = btf__type_by_id(btf, t->type);
		if (!ASSERT_TRUE(btf_is_func(func), "bpf_kfunc tags a FUNC"))
			continue;
		nr_tags++;
		opts.field_name = btf__name_by_offset(btf, func->name_off);
		b.len = snprintf(b.s, sizeof(b.s), "extern ");
		if (!ASSERT_OK(btf_dump__emit_type_decl(d, func->type, &opts),
			       "emit_type_decl"))
			continue;
		snprintf(b.s + b.len, sizeof(b.s) - b.len, " __weak __ksym;");
		if (!ASSERT_EQ(count_line(lines, n, b.s), 1, opts.field_name))
			printf("%s: no single line '%s'\n", btf_path, b.s);
	}
	guard = find_line(lines, n, 0, GUARD);
	block = find_line(lines, n, 0, BLOCK);
	end = guard < 0 ? -1 : find_line(lines, n, guard, "#endif");
	ASSERT_EQ(block + 1, guard, "the guard right after " BLOCK);
	ASSERT_GT(end, guard, "#endif after the guard");
	for (i = 0; i < n; i++) {
		if (strncmp(lines[i], "extern ", 7))
			continue;
		nr_externs++;
		ASSERT_NULL(strstr(lines[i], "_impl("), "no foo_impl");
		if (!ASSERT_TRUE(i > guard && i < end, "inside the guard"))
			printf("%s: line %d outside %d..%d: %s\n", btf_path, i,
			       guard, end, lines[i]);
	}
	guard = count_line(lines, n, GUARD);
	printf("%s: %d bpf_kfunc tags, %d extern prototypes, guard %d\n",
	       btf_path, nr_tags, nr_externs, guard);
	ASSERT_GT(nr_tags, 0, "kfuncs tagged");
	ASSERT_EQ(nr_externs, nr_tags, "one prototype per tagged kfunc");
	ASSERT_EQ(guard, 1, GUARD);
	if (must_have)
		ASSERT_EQ(count_line(lines, n, must_have), 1, must_have);
out:
	btf_dump__free(d);
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

static void test_header(void)
{
	struct btf *vmlinux_btf, *btf;

	vmlinux_btf = btf__load_vmlinux_btf();
	if (!ASSERT_OK_PTR(vmlinux_btf, "vmlinux BTF"))
		return;
	check_dump("/sys/kernel/btf/vmlinux", NULL, vmlinux_btf,
		   IMPLICIT_PROTO);
	if (ASSERT_TRUE(env.has_testmod, "bpf_testmod.ko loaded")) {
		btf = btf__load_module_btf("bpf_testmod", vmlinux_btf);
		if (ASSERT_OK_PTR(btf, "bpf_testmod BTF"))
			check_dump("/sys/kernel/btf/bpf_testmod",
				   "/sys/kernel/btf/vmlinux", btf,
				   "extern u32 bpf_testmod_implicit_prog_id(u32 mul) __weak __ksym;");
		btf__free(btf);
	}
	btf__free(vmlinux_btf);
}

/*
 * The skeleton without test_exists_module, whose module kfunc needs the
 * libbpf patch: another subtest's failure then says what broke
 */
static struct kfunc_protos *open_and_load_vmlinux(void)
{
	struct kfunc_protos *skel;

	skel = kfunc_protos__open();
	if (!ASSERT_OK_PTR(skel, "kfunc_protos__open"))
		return NULL;
	bpf_program__set_autoload(skel->progs.test_exists_module, false);
	if (!ASSERT_OK(kfunc_protos__load(skel), "kfunc_protos__load")) {
		kfunc_protos__destroy(skel);
		return NULL;
	}
	return skel;
}

static void test_call(void)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts,
		    .data_in = &pkt_v4,
		    .data_size_in = sizeof(pkt_v4),
		    .repeat = 1);
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	struct kfunc_protos *skel;
	int fd;

	skel = open_and_load_vmlinux();
	if (!skel)
		return;
	fd = bpf_program__fd(skel->progs.call_kfuncs);
	if (!ASSERT_OK(bpf_obj_get_info_by_fd(fd, &info, &len), "prog info") ||
	    !ASSERT_OK(bpf_prog_test_run_opts(fd, &topts), "test_run"))
		goto out;
	ASSERT_EQ(topts.retval, 0, "retval");
	ASSERT_EQ(skel->bss->test2_ret, 3, "bpf_kfunc_call_test2(sk, 1, 2)");
	ASSERT_EQ(skel->bss->implicit_ret, 3 + 4 + info.id,
		  "bpf_kfunc_call_test_implicit_add(3, 4)");
out:
	kfunc_protos__destroy(skel);
}

/*
 * A program tests for its kfuncs by their addresses: that of one the
 * kernel has is not 0, and the call it guards runs; that of one it lacks
 * is 0, and the call it guards is dead code, which the verifier removes.
 */
static void test_exists(void)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts,
		    .data_in = &pkt_v4,
		    .data_size_in = sizeof(pkt_v4),
		    .repeat = 1);
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	struct kfunc_protos *skel;
	int fd;

	skel = open_and_load_vmlinux();
	if (!skel)
		return;
	fd = bpf_program__fd(skel->progs.test_exists);
	if (!ASSERT_OK(bpf_obj_get_info_by_fd(fd, &info, &len), "prog info") ||
	    !ASSERT_OK(bpf_prog_test_run_opts(fd, &topts), "test_run"))
		goto out;
	ASSERT_EQ(topts.retval, 0, "retval");
	ASSERT_EQ(skel->data->present, 1, "a kfunc the kernel has");
	ASSERT_EQ(skel->data->absent, 0, "a kfunc it lacks");
	ASSERT_EQ(skel->bss->implicit_ret, 5 + 6 + info.id,
		  "bpf_kfunc_call_test_implicit_add(5, 6), guarded");
out:
	kfunc_protos__destroy(skel);
}

/*
 * The address of any function in the kernel's BTF, as upstream: one that
 * is no kfunc, and a kfunc of other program types (XDP may not call
 * bpf_kfunc_call_test2())
 */
static void test_addresses(void)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts,
		    .data_in = &pkt_v4,
		    .data_size_in = sizeof(pkt_v4),
		    .repeat = 1);
	struct kfunc_protos *skel;
	int fd;

	skel = open_and_load_vmlinux();
	if (!skel)
		return;
	fd = bpf_program__fd(skel->progs.test_any_func);
	if (ASSERT_OK(bpf_prog_test_run_opts(fd, &topts), "test_run tc"))
		ASSERT_EQ(skel->data->any_present, 1, "bpf_fentry_test1");
	fd = bpf_program__fd(skel->progs.test_other_type);
	if (ASSERT_OK(bpf_prog_test_run_opts(fd, &topts), "test_run xdp"))
		ASSERT_EQ(skel->data->other_present, 1, "from XDP");
	kfunc_protos__destroy(skel);
}

/*
 * That of a module's kfunc, whose BTF libbpf names by fd: not 0, and the
 * call it guards runs
 */
static void test_exists_module(void)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts,
		    .data_in = &pkt_v4,
		    .data_size_in = sizeof(pkt_v4),
		    .repeat = 1);
	struct kfunc_protos *skel;
	int fd;

	if (!ASSERT_TRUE(env.has_testmod, "bpf_testmod.ko loaded"))
		return;
	skel = kfunc_protos__open_and_load();
	if (!ASSERT_OK_PTR(skel, "kfunc_protos__open_and_load"))
		return;
	fd = bpf_program__fd(skel->progs.test_exists_module);
	if (ASSERT_OK(bpf_prog_test_run_opts(fd, &topts), "test_run")) {
		ASSERT_EQ(skel->data->mod_present, 1,
			  "bpf_testmod_test_mod_kfunc");
		ASSERT_EQ(skel->bss->mod_called, 1, "the guarded call ran");
	}
	kfunc_protos__destroy(skel);
}

/* What @prog_name does with a kfunc's address is refused with @want. */
static void test_refused(const char *prog_name, const char *want)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	struct kfunc_protos_fail *skel;
	struct bpf_program *prog, *p;
	static char log[16384];

	opts.kernel_log_buf = log;
	opts.kernel_log_size = sizeof(log);
	opts.kernel_log_level = 1;
	log[0] = '\0';
	skel = kfunc_protos_fail__open_opts(&opts);
	if (!ASSERT_OK_PTR(skel, "kfunc_protos_fail__open_opts"))
		return;
	prog = bpf_object__find_program_by_name(skel->obj, prog_name);
	if (!ASSERT_OK_PTR(prog, prog_name))
		goto out;
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, p == prog);
	if (!ASSERT_ERR(kfunc_protos_fail__load(skel), "load refused"))
		goto out;
	if (!ASSERT_OK_PTR(strstr(log, want), "verifier message"))
		printf("%s: want '%s'; log:\n%s\n", prog_name, want, log);
out:
	kfunc_protos_fail__destroy(skel);
}

void test_kfunc_protos(void)
{
	if (test__start_subtest("header"))
		test_header();
	if (test__start_subtest("call"))
		test_call();
	if (test__start_subtest("exists"))
		test_exists();
	if (test__start_subtest("addresses"))
		test_addresses();
	if (test__start_subtest("exists_module"))
		test_exists_module();
	if (test__start_subtest("read"))
		test_refused("addr_read",
			     "invalid access to memory, mem_size=0 off=0 size=1");
	if (test__start_subtest("to_helper"))
		test_refused("addr_to_helper",
			     "invalid access to memory, mem_size=0 off=0 size=8");
	if (test__start_subtest("call_other_type"))
		test_refused("call_other_type",
			     "calling kernel function bpf_kfunc_call_test2 is not allowed");
}
