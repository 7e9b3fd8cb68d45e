/* A `.maps` definition whose variable carries BTF decl tags (BTF_KIND_DECL_TAG on the VAR and on a member) is still a map definition, created and relocated. */
#include "conformance.h"

#define __tag(s) __attribute__((btf_decl_tag(s)))

struct tagged_def {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4) __tag("conform:member");
	__type(key, __u32);
	__type(value, __u64);
};

struct tagged_def tagged_map SEC(".maps") __tag("conform:map") __tag("conform:second");

TEST(map_decl_tag, "maps.btf.decl_tag", "pass", "required");
CONFORM(map_decl_tag, "desc", "a hash map whose .maps variable has two decl tags (and a tagged member) takes, finds and deletes a sparse key");
CONFORM(map_decl_tag, "ref", "libbpf bpf_object__init_user_btf_maps, btf__add_decl_tag; kernel Documentation/bpf/btf.rst (BTF_KIND_DECL_TAG)");
SEC("socket")
int map_decl_tag(void *ctx)
{
	__u32 key = 0xdec17a90;
	__u64 v = 0x7a9900ddee11ff22ULL, *got;

	/* unpatched (DECL_TAG unknown: the object's BTF, so its .maps, refused): load error */
	ASSERT_EQ(bpf_map_update_elem(&tagged_map, &key, &v, BPF_NOEXIST), 0);
	got = bpf_map_lookup_elem(&tagged_map, &key);
	ASSERT_NOT_NULL(got);                     /* created as an array: NULL */
	ASSERT_EQ(*got, 0x7a9900ddee11ff22ULL);
	ASSERT_EQ(bpf_map_delete_elem(&tagged_map, &key), 0);
	PASS();
}
