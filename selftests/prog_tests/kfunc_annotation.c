// SPDX-License-Identifier: GPL-2.0
/*
 * __bpf_kfunc: a static kfunc with an unused argument, which C code also
 * calls, keeps its symbol and its full BTF prototype and can be called from
 * BPF; an fexit program attached to it sees both the BPF and the C call; every
 * kfunc set that the running kernel and bpf_testmod register is marked as one
 * and resolves to BTF FUNCs of the names it lists, each tagged "bpf_kfunc"
 * once, and no other function is tagged so.
 */
#include <test_progs.h>
#include <network_helpers.h>
#include <trace_helpers.h>
#include <bpf/btf.h>
#include <sys/utsname.h>
#include <libelf.h>
#include <gelf.h>
#include "kfunc_annotation.skel.h"

#ifndef BTF_SET8_KFUNCS
#define BTF_SET8_KFUNCS (1 << 0)
#endif

static void test_static_kfunc(void)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	struct kfunc_annotation *skel = NULL;
	struct btf *vmlinux_btf, *btf = NULL;
	const struct btf_type *t;
	int id, err;

	topts.data_in = &pkt_v4;
	topts.data_size_in = sizeof(pkt_v4);
	topts.repeat = 1;

	if (!ASSERT_TRUE(env.has_testmod, "bpf_testmod.ko loaded"))
		return;

	/* The symbol survived under its own name: not inlined, not cloned. */
	ASSERT_OK(load_kallsyms(), "load_kallsyms");
	ASSERT_NEQ(ksym_get_addr("bpf_testmod_kfunc_static"), 0,
		   "kallsyms bpf_testmod_kfunc_static");

	/* Its BTF keeps the unused argument. */
	vmlinux_btf = btf__load_vmlinux_btf();
	if (!ASSERT_OK_PTR(vmlinux_btf, "vmlinux BTF"))
		return;
	btf = btf__load_module_btf("bpf_testmod", vmlinux_btf);
	if (!ASSERT_OK_PTR(btf, "bpf_testmod BTF"))
		goto out;
	id = btf__find_by_name_kind(btf, "bpf_testmod_kfunc_static",
				    BTF_KIND_FUNC);
	if (!ASSERT_GT(id, 0, "BTF FUNC bpf_testmod_kfunc_static"))
		goto out;
	t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	ASSERT_EQ(btf_vlen(t), 3, "BTF arguments");

	/* And a BPF program calls it with all three. */
	skel = kfunc_annotation__open_and_load();
	if (!ASSERT_OK_PTR(skel, "kfunc_annotation__open_and_load"))
		goto out;
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.call_static_kfunc),
				     &topts);
	ASSERT_OK(err, "bpf_prog_test_run_opts");
	ASSERT_EQ(topts.retval, 0, "retval");
	ASSERT_EQ(skel->data->result, 42, "kfunc result");
out:
	kfunc_annotation__destroy(skel);
	btf__free(btf);
	btf__free(vmlinux_btf);
}

/*
 * An fexit program on the kfunc sees the call from BPF, with the unused
 * argument, and the call that bpf_testmod_test_read() makes in C: that one
 * is seen only if the compiler kept the call out of line.
 */
static void test_fexit_static_kfunc(void)
{
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	struct kfunc_annotation *skel;
	int err;

	topts.data_in = &pkt_v4;
	topts.data_size_in = sizeof(pkt_v4);
	topts.repeat = 1;

	if (!ASSERT_TRUE(env.has_testmod, "bpf_testmod.ko loaded"))
		return;
	skel = kfunc_annotation__open_and_load();
	if (!ASSERT_OK_PTR(skel, "kfunc_annotation__open_and_load"))
		return;
	skel->bss->pid = getpid();
	skel->links.fexit_static_kfunc =
		bpf_program__attach(skel->progs.fexit_static_kfunc);
	if (!ASSERT_OK_PTR(skel->links.fexit_static_kfunc, "attach fexit"))
		goto out;

	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.call_static_kfunc),
				     &topts);
	ASSERT_OK(err, "bpf_prog_test_run_opts");
	ASSERT_EQ(skel->data->result, 42, "kfunc result");
	ASSERT_OK(trigger_module_test_read(1), "trigger_module_test_read");

	ASSERT_EQ(skel->bss->bpf_calls, 1, "fexit saw the BPF call");
	ASSERT_EQ(skel->bss->bpf_unused, 0x5eed, "unused argument of the BPF call");
	ASSERT_EQ(skel->bss->bpf_ret, 42, "return value of the BPF call");
	ASSERT_EQ(skel->bss->c_calls, 1, "fexit saw the C call");
	ASSERT_EQ(skel->bss->c_b, 7, "third argument of the C call");
	ASSERT_EQ(skel->bss->c_ret, 37, "return value of the C call");
	ASSERT_EQ(skel->bss->other_calls, 0, "no other calls");
out:
	kfunc_annotation__destroy(skel);
}

static int read_file(const char *path, void **buf, size_t *size)
{
	FILE *f = fopen(path, "r");
	size_t n, cap = 1 << 20;
	char *p = NULL;

	if (!f)
		return -errno;
	*size = 0;
	for (;;) {
		p = realloc(p, cap);
		if (!p)
			break;
		n = fread(p + *size, 1, cap - *size, f);
		*size += n;
		if (*size < cap)
			break;
		cap *= 2;
	}
	fclose(f);
	*buf = p;
	return p ? 0 : -ENOMEM;
}

/*
 * Count the "bpf_kfunc" decl tags of each type of @btf into @tags (type_cnt
 * entries); return how many are in @btf's own part (not its base's).
 */
static int count_kfunc_tags(const struct btf *btf, int *tags)
{
	const struct btf *base = btf__base_btf(btf);
	__u32 i, start = base ? btf__type_cnt(base) : 1;
	const struct btf_type *t;
	int own = 0;

	for (i = 1; i < btf__type_cnt(btf); i++) {
		t = btf__type_by_id(btf, i);
		if (!btf_is_decl_tag(t) || btf_decl_tag(t)->component_idx != -1 ||
		    strcmp(btf__name_by_offset(btf, t->name_off), "bpf_kfunc"))
			continue;
		tags[t->type]++;
		own += i >= start;
	}
	return own;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

/*
 * Check every kfunc set (BTF_SET8) of the ELF file @path, whose .BTF must be
 * the one the running kernel exposes at @sysfs_btf: each listed BTF id is a
 * FUNC, and the names of those FUNCs are the names the set lists.
 */
static void check_kfunc_sets(const char *path, const char *sysfs_btf,
			     struct btf *btf)
{
	Elf_Data *btf_data = NULL, *ids = NULL, *syms = NULL;
	int ids_shndx = -1, fd, nsets = 0, nkfuncs = 0, ntags, ntagged = 0;
	int *tags = NULL;
	size_t shstrndx, strndx = 0, sysfs_size = 0;
	size_t i, j, nsyms = 0;
	void *sysfs_buf = NULL;
	GElf_Addr ids_addr = 0;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	GElf_Sym sym;
	Elf *elf;

	fd = open(path, O_RDONLY);
	if (!ASSERT_GE(fd, 0, path))
		return;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!ASSERT_OK_PTR(elf, "elf_begin") ||
	    !ASSERT_OK(elf_getshdrstrndx(elf, &shstrndx), "shstrndx"))
		goto out;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;

		gelf_getshdr(scn, &sh);
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (sh.sh_type == SHT_SYMTAB) {
			syms = elf_getdata(scn, NULL);
			strndx = sh.sh_link;
			nsyms = sh.sh_size / sh.sh_entsize;
		} else if (name && !strcmp(name, ".BTF")) {
			btf_data = elf_getdata(scn, NULL);
		} else if (name && !strcmp(name, ".BTF_ids")) {
			ids = elf_getdata(scn, NULL);
			ids_shndx = elf_ndxscn(scn);
			ids_addr = sh.sh_addr;
		}
	}
	if (!ASSERT_OK_PTR(syms, "symtab") || !ASSERT_OK_PTR(ids, ".BTF_ids") ||
	    !ASSERT_OK_PTR(btf_data, ".BTF"))
		goto out;

	/* The file must be what runs: its BTF is the kernel's, byte for byte. */
	if (!ASSERT_OK(read_file(sysfs_btf, &sysfs_buf, &sysfs_size), sysfs_btf))
		goto out;
	if (!ASSERT_EQ(btf_data->d_size, sysfs_size, "BTF size matches the running kernel") ||
	    !ASSERT_OK(memcmp(btf_data->d_buf, sysfs_buf, sysfs_size),
		       "BTF matches the running kernel"))
		goto out;

	tags = calloc(btf__type_cnt(btf), sizeof(*tags));
	if (!ASSERT_OK_PTR(tags, "calloc"))
		goto out;
	ntags = count_kfunc_tags(btf, tags);

	for (i = 0; i < nsyms; i++) {
		const char *name, *set;
		GElf_Addr start, end;
		char **want, **got;
		__u32 *pairs, cnt;
		int nwant = 0;

		gelf_getsym(syms, i, &sym);
		name = elf_strptr(elf, strndx, sym.st_name);
		if (sym.st_shndx != ids_shndx || !name ||
		    strncmp(name, "__BTF_ID__set8__", 16))
			continue;
		set = name + 16;
		pairs = ids->d_buf + (sym.st_value - ids_addr);
		cnt = pairs[0];
		/* every BTF_SET8 of the tree is a kfunc set, marked as such */
		if (!ASSERT_TRUE(pairs[1] & BTF_SET8_KFUNCS, set))
			printf("%s: set %s lacks BTF_SET8_KFUNCS\n", path, set);
		start = sym.st_value + 8;
		end = start + cnt * 8;

		/* The names the set lists: its __BTF_ID__func__<name>__<n>. */
		want = calloc(cnt + 1, sizeof(*want));
		got = calloc(cnt + 1, sizeof(*got));
		if (!ASSERT_OK_PTR(want, "calloc") || !ASSERT_OK_PTR(got, "calloc")) {
			free(want);
			free(got);
			goto out;
		}
		for (j = 0; j < nsyms; j++) {
			GElf_Sym s;
			const char *n;
			char *e;

			gelf_getsym(syms, j, &s);
			n = elf_strptr(elf, strndx, s.st_name);
			if (s.st_shndx != ids_shndx || s.st_value < start ||
			    s.st_value >= end || !n ||
			    strncmp(n, "__BTF_ID__func__", 16) || nwant == cnt)
				continue;
			want[nwant] = strdup(n + 16);
			e = strrchr(want[nwant], '_');
			if (e && e > want[nwant] + 1 && e[-1] == '_')
				e[-1] = '\0';
			nwant++;
		}
		ASSERT_EQ(nwant, cnt, set);

		/* The BTF ids it holds: each must be a FUNC. */
		for (j = 0; j < cnt; j++) {
			const struct btf_type *t = btf__type_by_id(btf, pairs[2 + 2 * j]);

			if (!ASSERT_TRUE(t && btf_is_func(t), "kfunc id is a BTF FUNC")) {
				printf("%s: set %s: id %u is not a FUNC\n",
				       path, set, pairs[2 + 2 * j]);
				got[j] = strdup("");
				continue;
			}
			got[j] = strdup(btf__name_by_offset(btf, t->name_off));
			/* one tag on each kfunc; -1 once counted, for ntagged */
			if (tags[pairs[2 + 2 * j]] == -1)
				continue;
			if (!ASSERT_EQ(tags[pairs[2 + 2 * j]], 1,
				       "one bpf_kfunc decl tag"))
				printf("%s: set %s: kfunc %s has %d bpf_kfunc tags\n",
				       path, set, got[j], tags[pairs[2 + 2 * j]]);
			tags[pairs[2 + 2 * j]] = -1;
			ntagged++;
		}
		qsort(want, nwant, sizeof(*want), cmp_str);
		qsort(got, cnt, sizeof(*got), cmp_str);
		for (j = 0; j < cnt && j < (size_t)nwant; j++) {
			if (!ASSERT_STREQ(got[j], want[j], set))
				break;
		}
		for (j = 0; j < cnt; j++) {
			free(want[j]);
			free(got[j]);
		}
		free(want);
		free(got);
		nsets++;
		nkfuncs += cnt;
	}
	printf("%s: %d kfuncs in %d kfunc sets, all BTF FUNCs; %d bpf_kfunc decl tags\n",
	       path, nkfuncs, nsets, ntags);
	ASSERT_GT(nkfuncs, 0, "kfuncs found");
	/* and no tag on anything else, such as a KF_IMPLICIT_ARGS foo_impl */
	ASSERT_EQ(ntags, ntagged, "bpf_kfunc decl tags only on kfuncs");
out:
	free(tags);
	free(sysfs_buf);
	if (elf)
		elf_end(elf);
	close(fd);
}

static void test_kfunc_sets(void)
{
	struct btf *vmlinux_btf, *btf;
	char paths[3][PATH_MAX];
	const char *vmlinux = NULL;
	struct utsname u;
	int i;

	/* The harness links the image next to test_progs; else the usual places. */
	uname(&u);
	snprintf(paths[0], PATH_MAX, "vmlinux");
	snprintf(paths[1], PATH_MAX, "/boot/vmlinux-%s", u.release);
	snprintf(paths[2], PATH_MAX, "/lib/modules/%s/build/vmlinux", u.release);
	for (i = 0; i < 3 && !vmlinux; i++)
		if (!access(paths[i], R_OK))
			vmlinux = paths[i];
	if (!vmlinux) {
		printf("%s:SKIP: no vmlinux image of the running kernel\n", __func__);
		test__skip();
		return;
	}

	vmlinux_btf = btf__load_vmlinux_btf();
	if (!ASSERT_OK_PTR(vmlinux_btf, "vmlinux BTF"))
		return;
	check_kfunc_sets(vmlinux, "/sys/kernel/btf/vmlinux", vmlinux_btf);

	if (ASSERT_TRUE(env.has_testmod, "bpf_testmod.ko loaded")) {
		btf = btf__load_module_btf("bpf_testmod", vmlinux_btf);
		if (ASSERT_OK_PTR(btf, "bpf_testmod BTF"))
			check_kfunc_sets("bpf_testmod.ko",
					 "/sys/kernel/btf/bpf_testmod", btf);
		btf__free(btf);
	}
	btf__free(vmlinux_btf);
}

void test_kfunc_annotation(void)
{
	if (test__start_subtest("static_kfunc"))
		test_static_kfunc();
	if (test__start_subtest("fexit_static_kfunc"))
		test_fexit_static_kfunc();
	if (test__start_subtest("kfunc_sets"))
		test_kfunc_sets();
}
