// SPDX-License-Identifier: GPL-2.0
/*
 * kfs-load OBJ NAME=N[+id]...: load the BPF object OBJ with libbpf (Debian
 * 12's libbpf 1.1, built in the guest: gcc kfs-load.c -lbpf), run each
 * program NAME once with BPF_PROG_TEST_RUN on a 64-byte packet and check
 * its return value: N, or N plus the program's id with "+id".  Prints one
 * line a program; exits 1 on a load failure (libbpf prints the verifier's
 * log) or a wrong value.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	unsigned char pkt[64] = { 0 };
	int i, err, bad = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: %s OBJ NAME=N[+id]...\n", argv[0]);
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "kfs-load: open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "kfs-load: load %s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	for (i = 2; i < argc; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt,
			    .data_size_in = sizeof(pkt), .repeat = 1);
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		char name[64], *eq, *plus;
		struct bpf_program *prog;
		unsigned long want;
		int fd;

		snprintf(name, sizeof(name), "%s", argv[i]);
		eq = strchr(name, '=');
		if (!eq) {
			fprintf(stderr, "kfs-load: %s: expected NAME=N[+id]\n", argv[i]);
			return 2;
		}
		*eq++ = 0;
		plus = strchr(eq, '+');
		prog = bpf_object__find_program_by_name(obj, name);
		if (!prog) {
			fprintf(stderr, "kfs-load: no program %s\n", name);
			return 1;
		}
		fd = bpf_program__fd(prog);
		if (bpf_obj_get_info_by_fd(fd, &info, &len) ||
		    bpf_prog_test_run_opts(fd, &opts)) {
			fprintf(stderr, "kfs-load: %s: %s\n", name, strerror(errno));
			return 1;
		}
		want = strtoul(eq, NULL, 0) + (plus ? info.id : 0);
		printf("libbpf %s: %s (prog id %u): retval %u, expected %lu%s\n",
		       libbpf_version_string(), name, info.id, opts.retval, want,
		       opts.retval == want ? "" : "  WRONG");
		bad |= opts.retval != want;
	}
	bpf_object__close(obj);
	return bad;
}
