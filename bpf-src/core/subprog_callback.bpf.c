/* CO-RE relocations inside a bpf_loop callback are applied too (aya#601: offsetof 1192 instead of 2544). */
#include "core_types.h"

struct cb_ctx {
	int bad;
};

static int cb(__u32 i, void *data)
{
	struct cb_ctx *c = data;
	struct cr_nested *p = 0;

	/* unpatched: 8 and 0 */
	if (bpf_core_field_offset(p->in.b) != __builtin_offsetof(IMG(cr_nested), in.b))
		c->bad = __LINE__;
	if (bpf_core_field_offset(p->a) != __builtin_offsetof(IMG(cr_nested), a))
		c->bad = __LINE__;
	return 1;
}

CORE_TEST(subprog_callback, "core.subprog.callback", "required",
	  "libbpf bpf_object__relocate_core (callbacks are subprograms); aya#601 / aya PR#602",
	  "field offsets relocated inside a bpf_loop callback are the target ones");
CONFORM(subprog_callback, "requires", "bpf_loop");
SEC("socket")
int subprog_callback(void *ctx)
{
	struct cb_ctx c = { .bad = -1 };

	ASSERT_EQ(bpf_loop(1, cb, &c, 0), 1);  /* unpatched (callback's relocations unapplied): 1, unchanged */
	ASSERT_EQ(c.bad, -1);  /* unpatched (callback's relocations unapplied): 17, cb's last failed check */
	PASS();
}
