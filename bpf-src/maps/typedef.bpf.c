/* A `.maps` variable whose type is a typedef of the definition struct: the loader resolves the typedef. */
#include "conformance.h"

typedef struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} conform_array_def_t;

conform_array_def_t typedef_map SEC(".maps");

TEST(btf_typedef, "maps.btf.typedef", "pass", "required");
CONFORM(btf_typedef, "desc", "an array map declared through a typedef is created as defined and usable");
CONFORM(btf_typedef, "ref", "libbpf bpf_object__init_user_btf_map (skip_mods_and_typedefs on the variable type)");
SEC("socket")
int btf_typedef(void *ctx)
{
	__u32 key = 3;
	__u64 v = 0x1234abcd5678ef01ULL;
	__u64 *got;

	ASSERT_EQ(bpf_map_update_elem(&typedef_map, &key, &v, BPF_ANY), 0);  /* unpatched (typedef refused): load error */
	got = bpf_map_lookup_elem(&typedef_map, &key);
	ASSERT_NOT_NULL(got);                                                 /* unpatched: load error */
	ASSERT_EQ(*got, 0x1234abcd5678ef01ULL);
	key = 4;
	ASSERT_NULL(bpf_map_lookup_elem(&typedef_map, &key));                 /* max_entries 4 from the typedef'd struct */
	PASS();
}
