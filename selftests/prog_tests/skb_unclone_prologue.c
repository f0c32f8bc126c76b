// SPDX-License-Identifier: GPL-2.0
#include <test_progs.h>
#include <network_helpers.h>
#include "testing_helpers.h"
#include "trace_helpers.h"
#include "skb_unclone_prologue.skel.h"

#define SKB_UNCLONE_MARK	0x5eed
#define NS			"skb_unclone_prologue"

/* The prologue of a tc program that writes packet data calls its
 * pull_data function directly: its translated code holds a call whose
 * target is bpf_skb_pull_data itself.
 */
static void check_xlated(int prog_fd)
{
	long base, pull, target = 0;
	struct bpf_insn *insns;
	__u32 i, cnt;

	insns = get_xlated_insns(prog_fd, &cnt);
	if (!ASSERT_OK_PTR(insns, "get_xlated_insns"))
		return;
	for (i = 0; i < cnt && i < 16; i++) {
		if (insns[i].code != (BPF_JMP | BPF_CALL))
			continue;
		ASSERT_EQ((int)insns[i].src_reg, 0, "prologue call src_reg");
		ASSERT_NEQ(insns[i].imm, 0, "prologue call imm");
		target = insns[i].imm;
		break;
	}
	free(insns);
	if (!ASSERT_LT(i, 16, "prologue call found") ||
	    !ASSERT_OK(load_kallsyms(), "load_kallsyms"))
		return;
	base = ksym_get_addr("__bpf_call_base");
	pull = ksym_get_addr("bpf_skb_pull_data");
	if (!ASSERT_NEQ(base, 0, "__bpf_call_base") ||
	    !ASSERT_NEQ(pull, 0, "bpf_skb_pull_data"))
		return;
	ASSERT_EQ(base + target, pull, "prologue calls bpf_skb_pull_data");
}

/* TCP sends clones of the skbs it keeps for retransmission, so its data
 * reaches lo's egress tc program cloned: the prologue must pull the skb,
 * by a direct call that fentry sees, before the program writes to it.
 */
static void run_tcp(struct skb_unclone_prologue *skel)
{
	int srv = -1, cli = -1, acc = -1, mark = SKB_UNCLONE_MARK;
	char buf[64] = "skb_unclone_prologue", rbuf[64] = {};

	srv = start_server(AF_INET, SOCK_STREAM, "127.0.0.1", 0, 0);
	if (!ASSERT_GE(srv, 0, "start_server"))
		return;
	cli = connect_to_fd(srv, 0);
	if (!ASSERT_GE(cli, 0, "connect_to_fd"))
		goto out;
	acc = accept(srv, NULL, NULL);
	if (!ASSERT_GE(acc, 0, "accept"))
		goto out;
	if (!ASSERT_OK(setsockopt(cli, SOL_SOCKET, SO_MARK, &mark,
				  sizeof(mark)), "SO_MARK"))
		goto out;
	if (!ASSERT_EQ(send(cli, buf, sizeof(buf), 0), sizeof(buf), "send"))
		goto out;
	if (!ASSERT_EQ(recv(acc, rbuf, sizeof(rbuf), MSG_WAITALL),
		       sizeof(rbuf), "recv"))
		goto out;
	ASSERT_OK(memcmp(buf, rbuf, sizeof(buf)), "data intact");
	ASSERT_GE(skel->bss->writes, 1, "writes");
	ASSERT_GE(skel->bss->pulls, 1, "pulls by the prologue");
	ASSERT_LE(skel->bss->pulls, skel->bss->writes, "pulls <= writes");
out:
	if (acc >= 0)
		close(acc);
	if (cli >= 0)
		close(cli);
	close(srv);
}

void serial_test_skb_unclone_prologue(void)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = 1,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1);
	struct skb_unclone_prologue *skel = NULL;
	struct nstoken *nstoken = NULL;

	if (!ASSERT_OK(system("ip netns add " NS), "ip netns add"))
		return;
	nstoken = open_netns(NS);
	if (!ASSERT_OK_PTR(nstoken, "open_netns"))
		goto out;
	if (!ASSERT_OK(system("ip link set dev lo up"), "lo up"))
		goto out;

	skel = skb_unclone_prologue__open_and_load();
	if (!ASSERT_OK_PTR(skel, "skel open_and_load"))
		goto out;
	check_xlated(bpf_program__fd(skel->progs.tc_write));
	if (!ASSERT_OK(skb_unclone_prologue__attach(skel), "attach fentry"))
		goto out;
	if (!ASSERT_OK(bpf_tc_hook_create(&hook), "bpf_tc_hook_create"))
		goto out;
	opts.prog_fd = bpf_program__fd(skel->progs.tc_write);
	if (ASSERT_OK(bpf_tc_attach(&hook, &opts), "bpf_tc_attach"))
		run_tcp(skel);
out:
	skb_unclone_prologue__destroy(skel);
	if (nstoken)
		close_netns(nstoken);
	system("ip netns del " NS);
}
