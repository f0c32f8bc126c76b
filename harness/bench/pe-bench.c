// SPDX-License-Identifier: GPL-2.0
/*
 * pe-bench OBJECT OUTDIR MS ROUNDS: the per-run cost of a kfunc call
 * against a BPF_CALL_N call in generated code.  Run in the VM by
 * harness/bench/bench.sh, not a test.
 *
 * Loads two bpf_dummy_pe_ops programs of OBJECT (the selftests'
 * dummy_pe_ops.bpf.o) that have the same body: pro_epilogue, whose
 * prologue and epilogue call the kfunc bpf_kfunc_dummy_pe_add() (its
 * BPF_CALL_2 counterpart where the program cannot call kfuncs), and
 * direct_call, whose prologue and epilogue call the BPF_CALL_2 function
 * bpf_dummy_pe_add() directly.  Checks that both have the same visible
 * effect, finds the number of runs, REPEAT, that takes pro_epilogue at
 * least MS milliseconds (a round must span many ticks of a coarse clock),
 * runs a round to warm up, then ROUNDS rounds, each a BPF_PROG_TEST_RUN
 * of REPEAT runs of pro_epilogue, of direct_call and of pro_epilogue
 * again, in turn, in the other order every other round.  Prints REPEAT,
 * then a line a program:
 *
 *   repeat REPEAT
 *
 *   prog NAME xlated BYTES jited BYTES ksym ADDR ns MEDIAN MIN MAX
 *
 * ns being the kernel's duration of one run (the mean over REPEAT runs):
 * the median, least and greatest over the rounds; ADDR is the start of
 * the JITed image (0 without the JIT), written to OUTDIR/NAME.jited for
 * objdump, the translated instructions to OUTDIR/NAME.xlated.  Then the ratios of the rounds, pro_epilogue's time over
 * direct_call's in the same round:
 *
 *   ratio MEDIAN MIN MAX
 *
 * and of pro_epilogue's over its own, run a third time each round, an
 * A/A control:
 *
 *   aa MEDIAN MIN MAX
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define NPROGS 2
#define SLOTS 3		/* a round: the programs, then the first again */
static const char *const names[NPROGS] = { "pro_epilogue", "direct_call" };

/* struct bpf_dummy_pe_args, the programs' context */
struct args {
	__u64 a;
};

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One BPF_PROG_TEST_RUN of @repeat runs from a = @a; its ns a run */
static int run(int fd, __u64 a, __u32 repeat, struct args *out,
	       __u32 *retval, __u32 *ns)
{
	struct args in = { .a = a };
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.ctx_in = &in, .ctx_size_in = sizeof(in),
		.ctx_out = out, .ctx_size_out = sizeof(*out),
		.repeat = repeat);
	int err;

	err = bpf_prog_test_run_opts(fd, &o);
	if (err)
		return -errno;
	*retval = o.retval;
	*ns = o.duration;
	return 0;
}

/* Write @len bytes at @buf to @dir/@name.@ext */
static int save(const char *dir, const char *name, const char *ext,
		const void *buf, __u32 len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	if (fwrite(buf, 1, len, f) != len) {
		fclose(f);
		return -EIO;
	}
	return fclose(f) ? -errno : 0;
}

/* Write @fd's translated instructions to @dir/@name.xlated and its JITed
 * image to @dir/@name.jited; their sizes and the image's address
 */
static int dump(int fd, const char *dir, const char *name, __u32 *xlated,
		__u32 *jited, __u64 *ksym)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	void *img = NULL, *insns;
	int err;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*xlated = info.xlated_prog_len;
	*jited = info.jited_prog_len;
	*ksym = 0;
	if (*jited && info.nr_jited_ksyms != 1)
		return -E2BIG;	/* subprograms: not these programs */
	insns = calloc(1, *xlated);
	if (*jited)
		img = calloc(1, *jited);
	if (!insns || (*jited && !img)) {
		err = -ENOMEM;
		goto out;
	}
	memset(&info, 0, sizeof(info));
	info.xlated_prog_len = *xlated;
	info.xlated_prog_insns = (__u64)(unsigned long)insns;
	if (*jited) {
		info.jited_prog_len = *jited;
		info.jited_prog_insns = (__u64)(unsigned long)img;
		info.nr_jited_ksyms = 1;
		info.jited_ksyms = (__u64)(unsigned long)ksym;
	}
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		goto out;
	}
	err = save(dir, name, "xlated", insns, *xlated);
	if (!err && *jited)
		err = save(dir, name, "jited", img, *jited);
out:
	free(insns);
	free(img);
	return err;
}

/* A positive number of at most UINT32_MAX, or 0 */
static __u32 count(const char *s)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || !*s || *end || v > UINT32_MAX)
		return 0;
	return v;
}

int main(int argc, char **argv)
{
	__u32 xlated[NPROGS], jited[NPROGS], *ns[NPROGS];
	struct bpf_program *progs[NPROGS] = {}, *p;
	__u32 ms, repeat, rounds, retval, t[SLOTS], r;
	struct args out = {};
	struct bpf_object *obj;
	__u64 ksym[NPROGS];
	double *ratio, *aa;
	int i, j, err;

	if (argc != 5 || !(ms = count(argv[3])) ||
	    !(rounds = count(argv[4]))) {
		fprintf(stderr, "usage: %s OBJECT OUTDIR MS ROUNDS\n",
			argv[0]);
		return 2;
	}

	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "pe-bench: cannot open %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(p, obj) {
		bool want = false;

		for (i = 0; i < NPROGS; i++) {
			if (!strcmp(bpf_program__name(p), names[i])) {
				progs[i] = p;
				want = true;
			}
		}
		bpf_program__set_autoload(p, want);
	}
	for (i = 0; i < NPROGS; i++) {
		if (!progs[i]) {
			fprintf(stderr, "pe-bench: %s has no program %s\n",
				argv[1], names[i]);
			return 1;
		}
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "pe-bench: loading %s: %s\n", argv[1],
			strerror(-err));
		return 1;
	}

	ratio = calloc(rounds, sizeof(*ratio));
	aa = calloc(rounds, sizeof(*aa));
	if (!ratio || !aa) {
		fprintf(stderr, "pe-bench: out of memory\n");
		return 1;
	}
	for (i = 0; i < NPROGS; i++) {
		int fd = bpf_program__fd(progs[i]);

		/* The same visible effect: a = (0 + 1000) * 2 + 10000, and
		 * the program's return value, 2000, doubled.
		 */
		err = run(fd, 0, 1, &out, &retval, &t[i]);
		if (err) {
			fprintf(stderr, "pe-bench: %s: run: %s\n", names[i],
				strerror(-err));
			return 1;
		}
		if (out.a != 12000 || retval != 4000) {
			fprintf(stderr,
				"pe-bench: %s: a %llu (want 12000), retval %u (want 4000)\n",
				names[i], (unsigned long long)out.a, retval);
			return 1;
		}
		err = dump(fd, argv[2], names[i], &xlated[i], &jited[i],
			   &ksym[i]);
		if (err) {
			fprintf(stderr, "pe-bench: %s: image: %s\n", names[i],
				strerror(-err));
			return 1;
		}
		ns[i] = calloc(rounds, sizeof(*ns[i]));
		if (!ns[i]) {
			fprintf(stderr, "pe-bench: out of memory\n");
			return 1;
		}
	}

	/* Double the runs until they last MS: a 0 ns run is below the clock's
	 * resolution, not fast
	 */
	for (repeat = 1000; ; repeat *= 2) {
		err = run(bpf_program__fd(progs[0]), 0, repeat, &out, &retval,
			  &t[0]);
		if (err) {
			fprintf(stderr, "pe-bench: %s: run: %s\n", names[0],
				strerror(-err));
			return 1;
		}
		if ((__u64)t[0] * repeat >= (__u64)ms * 1000000 ||
		    repeat > UINT32_MAX / 2)
			break;
	}
	printf("repeat %u\n", repeat);

	if ((__u64)t[0] * repeat < (__u64)ms * 1000000)
		fprintf(stderr, "pe-bench: warning: %u runs last less than %u ms\n",
			repeat, ms);

	/* Round 0 warms up and is not counted.  pro_epilogue, direct_call,
	 * pro_epilogue again (an A/A control of the same program), in turn,
	 * so that drifts of the machine hit them alike, and in the other
	 * order every other round, so that the place in a round does too.
	 */
	for (r = 0; r <= rounds; r++) {
		for (j = 0; j < SLOTS; j++) {
			i = r % 2 ? SLOTS - 1 - j : j;
			err = run(bpf_program__fd(progs[i % NPROGS]), 0, repeat,
				  &out, &retval, &t[i]);
			if (err) {
				fprintf(stderr, "pe-bench: %s: run: %s\n",
					names[i % NPROGS], strerror(-err));
				return 1;
			}
		}
		if (!r)
			continue;
		if (!t[0] || !t[1] || !t[2]) {
			fprintf(stderr,
				"pe-bench: a run took 0 ns after %u runs: raise MS\n",
				repeat);
			return 1;
		}
		for (i = 0; i < NPROGS; i++)
			ns[i][r - 1] = t[i];
		ratio[r - 1] = (double)t[0] / t[1];
		aa[r - 1] = (double)t[0] / t[2];
	}

	for (i = 0; i < NPROGS; i++) {
		qsort(ns[i], rounds, sizeof(*ns[i]), cmp_u32);
		printf("prog %s xlated %u jited %u ksym 0x%llx ns %u %u %u\n",
		       names[i], xlated[i], jited[i],
		       (unsigned long long)ksym[i], ns[i][rounds / 2],
		       ns[i][0], ns[i][rounds - 1]);
	}
	qsort(ratio, rounds, sizeof(*ratio), cmp_double);
	printf("ratio %.3f %.3f %.3f\n", ratio[rounds / 2], ratio[0],
	       ratio[rounds - 1]);
	qsort(aa, rounds, sizeof(*aa), cmp_double);
	printf("aa %.3f %.3f %.3f\n", aa[rounds / 2], aa[0], aa[rounds - 1]);
	bpf_object__close(obj);
	return 0;
}
