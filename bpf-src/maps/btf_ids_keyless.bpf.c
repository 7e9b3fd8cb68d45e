/* A map kind without keys still gets the value's BTF: a BLOOM_FILTER definition without a key type is created with btf_value_type_id set and btf_key_type_id 0 (the kernel's bloom_map_check_btf takes only a void key). */
#include "conformance.h"
#include "map_type.h"

#define CONFORM_MAP_TYPE_BLOOM_FILTER 30 /* enum bpf_map_type */

static long (*const bpf_map_push_elem)(void *map, const void *value, __u64 flags) = (void *)87;

struct sample {
	__u32 addr;
	__u16 port;
	__u16 proto;
};

struct {
	__uint(type, CONFORM_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 16);
	__type(value, struct sample);
} seen SEC(".maps");

TEST(map_btf_ids_keyless, "maps.btf.ids", "pass", "required");
CONFORM(map_btf_ids_keyless, "requires", "btf_vmlinux,map_bloom_filter");
CONFORM(map_btf_ids_keyless, "desc", "a BLOOM_FILTER of struct sample values (no key) is created with BTF: struct bpf_map's btf_value_type_id is set (the key's stays 0: the kernel refuses any other), and takes a pushed value (no peek: 7.x verifiers poison the stack value a peek reads)");
CONFORM(map_btf_ids_keyless, "ref", "libbpf bpf_object__create_map (btf_fd, btf_key_type_id 0, btf_value_type_id: BLOOM_FILTER is not among the kinds created without BTF); kernel map_check_btf (no key type: the map's map_check_btf decides), bloom_map_check_btf");
SEC("socket")
int map_btf_ids_keyless(void *ctx)
{
	struct sample s = { 0x0a000001, 443, 6 };

	/* unpatched (created without BTF): 0 */
	ASSERT_NE(CREATED_BTF_VALUE_TYPE_ID(seen), 0);
	/* unpatched: 0 as well (the filter works without BTF) */
	ASSERT_EQ(bpf_map_push_elem(&seen, &s, 0), 0);
	PASS();
}
