/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Load each program of a BPF object on its own and check what the verifier
 * says: that it loads, or that it is refused with a given message in the
 * verifier log.  RUN_TESTS() does this from __failure and __msg() tags in
 * the object, but test_loader.c is not in every 6.1.y (6.1.170 lacks it):
 * the tests that use this header build on all of them.
 *
 * Include it after test_progs.h, whose ASSERT_*() and test__start_subtest()
 * it uses: test_progs.h has no include guard before 6.1.176, so this header
 * cannot include it again.
 */
#ifndef __LOAD_EXPECT_H
#define __LOAD_EXPECT_H

struct load_expect {
	const char *prog;	/* the program's name */
	const char *msg;	/* in the log of its refusal; NULL: it loads */
};

/*
 * run_load_expects() - one subtest a program of the object @name, whose ELF
 * is @elf (@sz bytes): load it alone and check it against @exp, which must
 * list every program of the object once (@cnt entries), so that none goes
 * untested.  RUN_LOAD_EXPECTS(skel, exp) takes the ELF from skel's skeleton.
 */
static inline void run_load_expects(const char *name, const void *elf,
				    size_t sz, const struct load_expect *exp,
				    int cnt)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = name);
	static char log[128 * 1024];
	struct bpf_program *prog, *p;
	struct bpf_object *obj;
	int i, err, progs = 0;

	obj = bpf_object__open_mem(elf, sz, &opts);
	if (!ASSERT_OK_PTR(obj, name))
		return;
	bpf_object__for_each_program(p, obj) {
		for (i = 0; i < cnt; i++)
			if (!strcmp(exp[i].prog, bpf_program__name(p)))
				break;
		if (!ASSERT_LT(i, cnt, "program without an expectation"))
			fprintf(stderr, "%s: %s\n", name, bpf_program__name(p));
		progs++;
	}
	bpf_object__close(obj);
	ASSERT_EQ(progs, cnt, "programs with an expectation");

	for (i = 0; i < cnt; i++) {
		if (!test__start_subtest(exp[i].prog))
			continue;
		obj = bpf_object__open_mem(elf, sz, &opts);
		if (!ASSERT_OK_PTR(obj, name))
			continue;
		bpf_object__for_each_program(p, obj)
			bpf_program__set_autoload(p, false);
		prog = bpf_object__find_program_by_name(obj, exp[i].prog);
		if (!ASSERT_OK_PTR(prog, exp[i].prog)) {
			bpf_object__close(obj);
			continue;
		}
		bpf_program__set_autoload(prog, true);
		bpf_program__set_log_buf(prog, log, sizeof(log));
		bpf_program__set_log_level(prog, 1);
		log[0] = '\0';
		err = bpf_object__load(obj);
		if (exp[i].msg) {
			/* prints the log where the message is not in it */
			ASSERT_ERR(err, "refused");
			ASSERT_HAS_SUBSTR(log, exp[i].msg, "verifier log");
		} else if (!ASSERT_OK(err, "loads")) {
			fprintf(stderr, "verifier log:\n%s\n", log);
		}
		bpf_object__close(obj);
	}
}

#define RUN_LOAD_EXPECTS(skel, exp) ({				\
	size_t ___sz;							\
	const void *___elf = skel##__elf_bytes(&___sz);		\
									\
	run_load_expects(#skel, ___elf, ___sz, exp, ARRAY_SIZE(exp));	\
})

#endif /* __LOAD_EXPECT_H */
