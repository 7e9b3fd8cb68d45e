/* SEC("iter/bpf_prog") loads against vmlinux's FUNC `bpf_iter_bpf_prog` and the library's iterator runs it once per loaded program: it meets itself, a TRACING/BPF_TRACE_ITER program under the name the library loaded it with. */
#include "conformance.h"

enum {
	CONFORM_PROG_TYPE_TRACING = 26,
	CONFORM_TRACE_ITER = 28,
};

struct bpf_iter_meta {
	void *seq;
} __core_pai;

struct bpf_prog_aux {
	char name[16];
} __core_pai;

/* enum fields match their kernel counterparts by the enum's name (CO-RE) */
enum bpf_prog_type {
	CONFORM_PROG_TYPE_UNSPEC = 0,
};

enum bpf_attach_type {
	CONFORM_ATTACH_TYPE_UNSPEC = 0,
};

struct bpf_prog {
	enum bpf_prog_type type;
	enum bpf_attach_type expected_attach_type;
	struct bpf_prog_aux *aux;
} __core_pai;

struct bpf_iter__bpf_prog {
	struct bpf_iter_meta *meta;
	struct bpf_prog *prog;
} __core_pai;

__u32 progs_seen;
__u32 self_seen;
__u32 ends;

CONFORM(walk_progs, "role", "fixture");
CONFORM(walk_progs, "desc", "iter/bpf_prog: counts the programs and those that are this iterator program (type, attach type, name walk_progs)");
SEC("iter/bpf_prog")
int walk_progs(struct bpf_iter__bpf_prog *ctx)
{
	struct bpf_prog *prog = ctx->prog;
	const char *n;

	if (!prog) {
		ends++;
		return 0;
	}
	progs_seen++;
	if ((__u32)prog->type != CONFORM_PROG_TYPE_TRACING ||
	    (__u32)prog->expected_attach_type != CONFORM_TRACE_ITER)
		return 0;
	n = prog->aux->name;
	if (n[0] == 'w' && n[1] == 'a' && n[2] == 'l' && n[3] == 'k' && n[4] == '_' &&
	    n[5] == 'p' && n[6] == 'r' && n[7] == 'o' && n[8] == 'g' && n[9] == 's' && !n[10])
		self_seen++;
	return 0;
}

TEST(iter_bpf_prog, "tracing.iter", "pass", "required");
CONFORM(iter_bpf_prog, "read_iter", "walk_progs");
CONFORM(iter_bpf_prog, "desc", "the library makes walk_progs's iterator and reads it to its end: it met itself (TRACING, BPF_TRACE_ITER, name walk_progs) at least once (a concurrent copy of this object may be met too), other programs, and one end call");
CONFORM(iter_bpf_prog, "ref", "libbpf section_defs (iter+), find_attach_btf_id (bpf_iter_bpf_prog), bpf_object_load_prog (prog_name: the program's name, up to 15 characters), bpf_program__attach_iter; kernel kernel/bpf/prog_iter.c");
SEC("socket")
int iter_bpf_prog(void *ctx)
{
	ASSERT_GE(self_seen, 1);  /* unpatched (iterator not read): 0; (loaded without its name): 0 */
	ASSERT_GE(progs_seen, 2);  /* unpatched (iterator not read): 0 */
	ASSERT_EQ(ends, 1);  /* unpatched (not read to its end): 0 */
	PASS();
}
