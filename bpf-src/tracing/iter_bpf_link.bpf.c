/* SEC("iter/bpf_link") loads against vmlinux's FUNC `bpf_iter_bpf_link` (5.19+) and the library's iterator runs it once per BPF link: it meets the iterator link the library made for it (type BPF_LINK_TYPE_ITER, program walk_links). */
#include "conformance.h"

enum {
	CONFORM_LINK_TYPE_ITER = 4,
};

struct bpf_iter_meta {
	void *seq;
} __core_pai;

/* enum fields match their kernel counterparts by the enum's name (CO-RE) */
enum bpf_link_type {
	CONFORM_LINK_TYPE_UNSPEC = 0,
};

struct bpf_prog_aux {
	char name[16];
} __core_pai;

struct bpf_prog {
	struct bpf_prog_aux *aux;
} __core_pai;

struct bpf_link {
	enum bpf_link_type type;
	struct bpf_prog *prog;
} __core_pai;

struct bpf_iter__bpf_link {
	struct bpf_iter_meta *meta;
	struct bpf_link *link;
} __core_pai;

__u32 own_links;
__u32 ends;

CONFORM(walk_links, "role", "fixture");
CONFORM(walk_links, "desc", "iter/bpf_link: counts the iterator links whose program is named walk_links");
SEC("iter/bpf_link")
int walk_links(struct bpf_iter__bpf_link *ctx)
{
	struct bpf_link *link = ctx->link;
	const char *n;

	if (!link) {
		ends++;
		return 0;
	}
	if ((__u32)link->type != CONFORM_LINK_TYPE_ITER)
		return 0;
	n = link->prog->aux->name;
	if (n[0] == 'w' && n[1] == 'a' && n[2] == 'l' && n[3] == 'k' && n[4] == '_' &&
	    n[5] == 'l' && n[6] == 'i' && n[7] == 'n' && n[8] == 'k' && n[9] == 's' && !n[10])
		own_links++;
	return 0;
}

TEST(iter_bpf_link, "tracing.iter", "pass", "required");
CONFORM(iter_bpf_link, "requires", "iter_bpf_link");
CONFORM(iter_bpf_link, "read_iter", "walk_links");
CONFORM(iter_bpf_link, "desc", "the library makes walk_links's iterator (a BPF_LINK_TYPE_ITER link) and reads it: it met that link at least once (a concurrent copy of this object may add its own), and one end call");
CONFORM(iter_bpf_link, "ref", "libbpf section_defs (iter+), find_attach_btf_id (bpf_iter_bpf_link), bpf_program__attach_iter (bpf_link_create: BPF_LINK_TYPE_ITER), bpf_iter_create; kernel kernel/bpf/link_iter.c (5.19)");
SEC("socket")
int iter_bpf_link(void *ctx)
{
	ASSERT_GE(own_links, 1);  /* unpatched (iterator never made or read): 0 */
	ASSERT_EQ(ends, 1);  /* unpatched (not read to its end): 0 */
	PASS();
}
