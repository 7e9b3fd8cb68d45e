/* A BTF `.maps` definition's map is created with the object's BTF: BPF_MAP_CREATE gets btf_fd and the key and value type ids, which the kernel's struct bpf_map keeps (bpftool map dump shows typed values through them). */
#include "conformance.h"
#include "map_type.h"

struct pair {
	__u32 a;
	__u64 b;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct pair);
} typed SEC(".maps");

TEST(map_btf_ids, "maps.btf.ids", "pass", "required");
CONFORM(map_btf_ids, "desc", "a HASH of __u32 keys and struct pair values is created with BTF: struct bpf_map's btf_key_type_id and btf_value_type_id are set, and differ");
CONFORM(map_btf_ids, "ref", "libbpf bpf_object__create_map (btf_fd, btf_key_type_id, btf_value_type_id; without BTF only after a refusal, Retrying without BTF); kernel map_check_btf");
SEC("socket")
int map_btf_ids(void *ctx)
{
	ASSERT_NE(CREATED_BTF_KEY_TYPE_ID(typed), 0);  /* unpatched (created without BTF): 0 */
	ASSERT_NE(CREATED_BTF_VALUE_TYPE_ID(typed), 0);  /* unpatched (created without BTF): 0 */
	ASSERT_NE(CREATED_BTF_KEY_TYPE_ID(typed), CREATED_BTF_VALUE_TYPE_ID(typed));
	/* unpatched (one id given for both): equal */
	PASS();
}
