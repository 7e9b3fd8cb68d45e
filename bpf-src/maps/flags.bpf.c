/* `map_flags` reach the kernel: a BPF_F_NO_PREALLOC hash works, and an LPM trie (which requires BPF_F_NO_PREALLOC) is created and matches longest prefixes. */
#include "conformance.h"

struct conform_lpm_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct conform_lpm_key);
	__type(value, __u32);
} lpm SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, __u32);
} noprealloc_hash SEC(".maps");

TEST(flags_no_prealloc, "maps.flags", "pass", "required");
CONFORM(flags_no_prealloc, "desc", "an LPM trie and a hash declared BPF_F_NO_PREALLOC are created and work");
CONFORM(flags_no_prealloc, "ref", "libbpf parse_btf_map_def (map_flags); kernel trie_alloc (-EINVAL without BPF_F_NO_PREALLOC)");
SEC("socket")
int flags_no_prealloc(void *ctx)
{
	struct conform_lpm_key k8 = { 8, { 10, 0, 0, 0 } }, k16 = { 16, { 10, 1, 0, 0 } };
	struct conform_lpm_key q = { 32, { 10, 1, 2, 3 } };
	__u32 v8 = 0x0a000008, v16 = 0x0a010010, hk = 0x1234abcd, *got;

	/* unpatched (map_flags 0): the LPM trie cannot be created, load error */
	ASSERT_EQ(bpf_map_update_elem(&lpm, &k8, &v8, BPF_ANY), 0);
	ASSERT_EQ(bpf_map_update_elem(&lpm, &k16, &v16, BPF_ANY), 0);
	got = bpf_map_lookup_elem(&lpm, &q);
	ASSERT_NOT_NULL(got);
	ASSERT_EQ(*got, 0x0a010010);            /* 10.1.2.3 matches 10.1/16 */
	q.addr[1] = 2;
	got = bpf_map_lookup_elem(&lpm, &q);
	ASSERT_NOT_NULL(got);
	ASSERT_EQ(*got, 0x0a000008);            /* 10.2.2.3 matches 10/8 only */
	q.addr[0] = 11;
	ASSERT_NULL(bpf_map_lookup_elem(&lpm, &q));
	bpf_map_delete_elem(&lpm, &k8);
	bpf_map_delete_elem(&lpm, &k16);

	ASSERT_EQ(bpf_map_update_elem(&noprealloc_hash, &hk, &v8, BPF_NOEXIST), 0);  /* unpatched (map_flags 0): never reached, the LPM trie is refused (load error) */
	got = bpf_map_lookup_elem(&noprealloc_hash, &hk);
	ASSERT_NOT_NULL(got);  /* unpatched (map_flags 0): never reached, the LPM trie is refused (load error) */
	ASSERT_EQ(*got, 0x0a000008);  /* unpatched (map_flags 0): never reached, the LPM trie is refused (load error) */
	ASSERT_EQ(bpf_map_delete_elem(&noprealloc_hash, &hk), 0);  /* unpatched (map_flags 0): never reached, the LPM trie is refused (load error) */
	PASS();
}
