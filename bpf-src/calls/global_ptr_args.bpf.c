/* A global function taking the program's context and a pointer to a struct: verified alone against its BTF prototype (ctx as PTR_TO_CTX, the struct pointer sized from BTF) and reached through its own symbol. */
#include "conformance.h"

/* the context's first member (include/uapi/linux/bpf.h): the verifier knows the context by this type name */
struct __sk_buff {
	__u32 len;
};

struct gp_pair {
	__u32 a;
	__u32 b;
	__u64 c;
};

/* the first function of .text with the same prototype: where a call that ignores st_value lands */
__noinline __u64 gp_decoy(struct __sk_buff *skb, struct gp_pair *p)
{
	return 0x0dec0ded;
}

/* verified alone: skb is the context (its BTF name says so), p may be NULL and is 16 bytes */
__noinline __u64 gp_sum(struct __sk_buff *skb, struct gp_pair *p)
{
	if (!p)
		return 1;
	p->c = p->a + p->b;
	return p->c + (skb->len > 0);
}

TEST(call_global_ptr_args, "calls.global", "pass", "required");
CONFORM(call_global_ptr_args, "desc", "a global function taking struct __sk_buff * and a struct pointer reads and writes the caller's stack struct and reads the context");
CONFORM(call_global_ptr_args, "requires", "global_func_ptr_arg");
CONFORM(call_global_ptr_args, "ref", "llvm_reloc.rst R_BPF_64_32 (global callee: its symbol, imm -1); kernel btf_prepare_func_args (PTR_TO_CTX by BTF type name, PTR_TO_MEM_OR_NULL sized from BTF), func_info BTF_FUNC_GLOBAL");
SEC("socket")
int call_global_ptr_args(struct __sk_buff *skb)
{
	struct gp_pair p = { .a = 0x1000, .b = 0x234, .c = 0 };

	ASSERT_EQ(gp_sum(skb, &p), 0x1235);      /* unpatched (st_value ignored): gp_decoy's 0x0dec0ded */
	ASSERT_EQ(p.c, 0x1234);                  /* unpatched: 0, the struct not written */
	ASSERT_EQ(gp_sum(skb, NULL), 1);         /* unpatched: 0x0dec0ded */
	PASS();
}
