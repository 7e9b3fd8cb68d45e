/* String literals in `.rodata.str1.1` handed to a helper that wants a constant string (bpf_snprintf's format): the map must hold the bytes and be read-only and frozen. */
#include "conformance.h"

/* Outside conformance.h's set (id from include/uapi/linux/bpf.h); CAP_PERFMON. */
static long (*const bpf_snprintf)(char *str, __u32 str_size, const char *fmt, __u64 *data,
				  __u32 data_len) = (void *)165;

/* in .data: the number is not a constant to the verifier */
__u32 fmt_number = 42;

TEST(string_format, "data.rodata.str", "pass", "required");
CONFORM(string_format, "desc", "bpf_snprintf with a literal format and a literal %s argument, both in .rodata.str1.1, writes <conform:42>");
CONFORM(string_format, "ref", "libbpf bpf_object__elf_collect (.rodata.str1.1 is SEC_RODATA), bpf_object__populate_internal_map (frozen); kernel ARG_PTR_TO_CONST_STR (bpf_map_is_rdonly), libbpf#274");
CONFORM(string_format, "requires", "bpf_snprintf");
SEC("socket")
int string_format(void *ctx)
{
	char out[24] = {};
	__u64 args[2];
	long n;

	args[0] = (__u64)"conform";
	args[1] = READ_ONCE(fmt_number);
	n = bpf_snprintf(out, sizeof(out), "<%s:%u>", args, sizeof(args));
	ASSERT_EQ(n, 13);         /* unpatched (string bytes not written, an empty format): 1 */
	ASSERT_EQ(out[0], '<');   /* unpatched: 0 */
	ASSERT_EQ(out[1], 'c');   /* unpatched (%s argument empty): ':' */
	ASSERT_EQ(out[7], 'm');   /* unpatched: 0 */
	ASSERT_EQ(out[8], ':');   /* unpatched: 0 */
	ASSERT_EQ(out[9], '4');   /* unpatched: 0 */
	ASSERT_EQ(out[10], '2');  /* unpatched: 0 */
	ASSERT_EQ(out[11], '>');  /* unpatched: 0 */
	ASSERT_EQ(out[12], 0);    /* the terminator */
	PASS();
}
