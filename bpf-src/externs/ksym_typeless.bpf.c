/* A typeless .ksyms extern (extern const void x __ksym) holds the kernel symbol's kallsyms address (functions: listed in kallsyms without CONFIG_KALLSYMS_ALL). */
#include "conformance.h"

extern const void bpf_prog_put __ksym;
extern const void bpf_map_put __ksym;

TEST(ksym_typeless, "externs.ksym.typeless", "pass", "required");
CONFORM(ksym_typeless, "desc", "&bpf_prog_put and &bpf_map_put are two distinct kernel addresses (top 32 bits all ones on 64-bit)");
CONFORM(ksym_typeless, "ref", "libbpf bpf_object__read_kallsyms_file, bpf_object__relocate_data (RELO_EXTERN_LD64, typeless: address in the ld_imm64)");
SEC("socket")
int ksym_typeless(void *ctx)
{
	__u64 a = (__u64)&bpf_prog_put;
	__u64 b = (__u64)&bpf_map_put;

	barrier_var(a);
	barrier_var(b);
	ASSERT_EQ(a >> 32, 0xffffffff);  /* unpatched (ld_imm64 left 0): 0 */
	ASSERT_EQ(b >> 32, 0xffffffff);  /* unpatched: 0 */
	ASSERT_NE(a, b);                 /* every extern given the same address */
	PASS();
}
