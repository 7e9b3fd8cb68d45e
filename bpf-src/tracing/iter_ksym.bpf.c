/* SEC("iter/ksym") loads against vmlinux's FUNC `bpf_iter_ksym` (6.0+) and the library's iterator runs it once per kernel symbol: it meets bpf_prog_put with its address. */
#include "conformance.h"

struct bpf_iter_meta {
	void *seq;
} __core_pai;

struct kallsym_iter {
	unsigned long value;
	char type;
	char name[512];
} __core_pai;

struct bpf_iter__ksym {
	struct bpf_iter_meta *meta;
	struct kallsym_iter *ksym;
} __core_pai;

__u32 symbols_seen;
__u32 prog_put_seen;
__u64 prog_put_value;

CONFORM(walk_ksyms, "role", "fixture");
CONFORM(walk_ksyms, "desc", "iter/ksym: counts the symbols and records bpf_prog_put's address");
SEC("iter/ksym")
int walk_ksyms(struct bpf_iter__ksym *ctx)
{
	struct kallsym_iter *sym = ctx->ksym;
	const char *n;

	if (!sym)
		return 0;  /* the ksym iterator's stop: it does not come with every kernel */
	symbols_seen++;
	n = sym->name;
	if (n[0] == 'b' && n[1] == 'p' && n[2] == 'f' && n[3] == '_' && n[4] == 'p' &&
	    n[5] == 'r' && n[6] == 'o' && n[7] == 'g' && n[8] == '_' && n[9] == 'p' &&
	    n[10] == 'u' && n[11] == 't' && !n[12]) {
		prog_put_seen++;
		prog_put_value = sym->value;
	}
	return 0;
}

TEST(iter_ksym, "tracing.iter", "pass", "required");
CONFORM(iter_ksym, "requires", "iter_ksym");
CONFORM(iter_ksym, "read_iter", "walk_ksyms");
CONFORM(iter_ksym, "desc", "the library makes walk_ksyms's iterator and reads it to its end: it met bpf_prog_put once with a kernel address, and thousands of symbols");
CONFORM(iter_ksym, "ref", "libbpf section_defs (iter+), find_attach_btf_id (bpf_iter_ksym), bpf_program__attach_iter, bpf_iter_create; kernel kernel/kallsyms.c bpf_iter_ksym (6.0)");
SEC("socket")
int iter_ksym(void *ctx)
{
	ASSERT_EQ(prog_put_seen, 1);  /* unpatched (iterator not read): 0 */
	ASSERT_GE(prog_put_value, 0xffff000000000000ULL);  /* unpatched (iterator not read): 0 */
	ASSERT_GE(symbols_seen, 1000);  /* unpatched (iterator not read): 0 */
	PASS();
}
