/* A typeless .ksyms extern (extern const void x __ksym) holds the kernel symbol's kallsyms address (functions: listed in kallsyms without CONFIG_KALLSYMS_ALL). */
#include "conformance.h"

/* Outside conformance.h's set (id from include/uapi/linux/bpf.h); CAP_PERFMON. */
static long (*const bpf_snprintf)(char *str, __u32 str_size, const char *fmt, __u64 *data,
				  __u32 data_len) = (void *)165;

extern const void bpf_prog_put __ksym;
extern const void bpf_map_put __ksym;

#define NAME_LEN 24

/* Whether the kernel's own symbolizer (%pS: "name+0xoff/0xsize") names `addr` as the start of `want`. */
static __always_inline int is_symbol_start(__u64 addr, const char *want, __u32 want_len)
{
	char got[NAME_LEN + 8] = {};
	__u64 arg = addr;
	const char *suffix = "+0x0/";

	if (bpf_snprintf(got, sizeof(got), "%pS", &arg, sizeof(arg)) < 0)
		return 0;
	for (__u32 i = 0; i < NAME_LEN; i++) {
		if (i == want_len)
			break;
		if (got[i] != want[i])
			return 0;
	}
	for (__u32 i = 0; i < 5; i++) {
		if (want_len + i >= sizeof(got) || got[(want_len + i) & (NAME_LEN + 7)] != suffix[i])
			return 0;
	}
	return 1;
}

TEST(ksym_typeless, "externs.ksym.typeless", "pass", "required");
CONFORM(ksym_typeless, "desc", "&bpf_prog_put and &bpf_map_put are the start addresses of those kernel functions, as the kernel's own %pS symbolizer (bpf_snprintf) names them");
CONFORM(ksym_typeless, "ref", "libbpf bpf_object__read_kallsyms_file, bpf_object__relocate_data (RELO_EXTERN_LD64, typeless: address in the ld_imm64); kernel bpf_bprintf_prepare (%pS)");
CONFORM(ksym_typeless, "requires", "bpf_snprintf");
SEC("socket")
int ksym_typeless(void *ctx)
{
	__u64 a = (__u64)&bpf_prog_put;
	__u64 b = (__u64)&bpf_map_put;

	barrier_var(a);
	barrier_var(b);
	ASSERT_NE(a, 0);  /* unpatched (ld_imm64 left 0): 0 */
	ASSERT_NE(b, 0);
	ASSERT(is_symbol_start(a, "bpf_prog_put", 12));  /* another symbol's address, or an offset */
	ASSERT(is_symbol_start(b, "bpf_map_put", 11));
	PASS();
}
