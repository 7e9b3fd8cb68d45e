/* Legacy `SEC("maps")` definitions (struct bpf_map_def): type, key_size, value_size, max_entries and map_flags are read from the section bytes. */
#include "conformance.h"

/* libbpf < 1.0's struct bpf_map_def (tools/lib/bpf/libbpf_legacy.h); no libbpf header here */
struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps") legacy_hash = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 3,
	.map_flags = BPF_F_NO_PREALLOC,
};

struct bpf_map_def SEC("maps") legacy_array = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 5,
};

TEST(legacy_map_def, "legacy.map_def", "pass", "optional");
CONFORM(legacy_map_def, "desc", "two bpf_map_def maps in SEC(maps): a 3-entry hash of u64 and a 5-entry array of u32 behave as defined");
CONFORM(legacy_map_def, "ref", "libbpf < 1.0 bpf_object__init_user_maps; cilium/ebpf loadMaps; aya parse_legacy_map; libbpf#272 (dropped in 1.0)");
SEC("socket")
int legacy_map_def(void *ctx)
{
	__u32 k;
	__u64 v = 0x1122334455667788ULL, *got;
	__u32 *slot;

	/* hash: sparse keys, exactly 3 entries (unpatched, i.e. the maps section ignored: the object does not load) */
	/* (int): kernels before 6.4 call htab_map_update_elem (int) directly from the program, and
	 * r0 keeps only its low half (upper half zero), so -E2BIG reads 0xfffffff9 in 64 bits (kernel commit "bpf:
	 * return long from bpf_map_ops funcs", iovisor/bcc#4571): only the low 32 bits are the
	 * kernel's answer, and the loader's part (max_entries read right) shows in them */
	k = 100;
	ASSERT_EQ((int)bpf_map_update_elem(&legacy_hash, &k, &v, BPF_NOEXIST), 0); /* read as an array: -E2BIG */
	k = 101;
	ASSERT_EQ((int)bpf_map_update_elem(&legacy_hash, &k, &v, BPF_NOEXIST), 0);
	k = 102;
	ASSERT_EQ((int)bpf_map_update_elem(&legacy_hash, &k, &v, BPF_NOEXIST), 0);
	k = 103;
	ASSERT_EQ((int)bpf_map_update_elem(&legacy_hash, &k, &v, BPF_NOEXIST), -E2BIG); /* max_entries misread: 0 */
	k = 101;
	got = bpf_map_lookup_elem(&legacy_hash, &k);
	ASSERT_NOT_NULL(got);
	ASSERT_EQ(*got, 0x1122334455667788ULL); /* value_size misread as 4: the verifier refuses the 8-byte read */
	/* array: indexes 0..4 exist, 5 does not */
	k = 4;
	slot = bpf_map_lookup_elem(&legacy_array, &k);
	ASSERT_NOT_NULL(slot);                  /* max_entries misread (< 5): NULL */
	ASSERT_EQ(*slot, 0);
	k = 5;
	ASSERT_NULL(bpf_map_lookup_elem(&legacy_array, &k)); /* max_entries misread (> 5): a slot */
	PASS();
}
