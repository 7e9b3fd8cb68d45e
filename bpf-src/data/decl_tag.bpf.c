/* Global variables carrying BTF decl tags (BTF_KIND_DECL_TAG on a VAR of `.data` and `.rodata`) are ordinary global data with their initial values. */
#include "conformance.h"

#define __tag(s) __attribute__((btf_decl_tag(s)))

__u64 tagged_data __tag("conform:data") = 0x0123456789abcdefULL;
const volatile __s32 tagged_ro __tag("conform:rodata") __tag("conform:second") = -0x5a5a5a5;
__u32 plain_data = 0x600d600d;

TEST(data_decl_tag, "data.btf.decl_tag", "pass", "required");
CONFORM(data_decl_tag, "desc", "decl-tagged .data and .rodata variables read their initial values, an untagged neighbour too");
CONFORM(data_decl_tag, "ref", "libbpf bpf_object__init_internal_map, bpf_object__sanitize_btf (decl_tag); kernel Documentation/bpf/btf.rst (BTF_KIND_DECL_TAG)");
SEC("socket")
int data_decl_tag(void *ctx)
{
	/* unpatched (DECL_TAG unknown: the object's BTF refused): load error */
	ASSERT_EQ(tagged_data, 0x0123456789abcdefULL);  /* .data not written: 0 */
	ASSERT_EQ(tagged_ro, -0x5a5a5a5);              /* .rodata not written: 0 */
	ASSERT_EQ(plain_data, 0x600d600d);
	PASS();
}
