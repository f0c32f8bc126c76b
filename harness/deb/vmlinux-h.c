// SPDX-License-Identifier: GPL-2.0
/*
 * vmlinux-h OBJ PROG: load program PROG of OBJ with the system's libbpf
 * (Debian 12's 1.1), run it once on a test packet with BPF_PROG_TEST_RUN
 * and print its id, return value and res[] (harness/deb/vmlinux-h.sh).
 */
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

int main(int argc, char **argv)
{
	unsigned char pkt[64] = { [12] = 0x08 };	/* ETH_P_IP */
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt,
		    .data_size_in = sizeof(pkt), .repeat = 1);
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), key = 0;
	struct bpf_program *prog, *p;
	unsigned long long res[5];
	struct bpf_object *obj;
	struct bpf_map *bss;
	int fd, i;

	if (argc != 3) {
		fprintf(stderr, "usage: vmlinux-h OBJ PROG\n");
		return 2;
	}
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "vmlinux-h: cannot open %s\n", argv[1]);
		return 1;
	}
	prog = bpf_object__find_program_by_name(obj, argv[2]);
	if (!prog) {
		fprintf(stderr, "vmlinux-h: no program %s\n", argv[2]);
		return 1;
	}
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, p == prog);
	if (bpf_object__load(obj)) {
		fprintf(stderr, "vmlinux-h: %s: load failed\n", argv[2]);
		return 1;
	}
	fd = bpf_program__fd(prog);
	bss = bpf_object__find_map_by_name(obj, ".bss");
	if (bpf_obj_get_info_by_fd(fd, &info, &len) ||
	    bpf_prog_test_run_opts(fd, &opts) || !bss ||
	    bpf_map_lookup_elem(bpf_map__fd(bss), &key, res)) {
		fprintf(stderr, "vmlinux-h: %s: run failed\n", argv[2]);
		return 1;
	}
	printf("%s: id %u retval %u res", argv[2], info.id, opts.retval);
	for (i = 0; i < 5; i++)
		printf(" %llu", res[i]);
	printf("\n");
	bpf_object__close(obj);
	return 0;
}
