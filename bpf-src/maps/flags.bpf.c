/* `map_flags` reach the kernel: an LPM trie, which the kernel creates only with BPF_F_NO_PREALLOC, is created and matches longest prefixes. */
#include "conformance.h"

/* No BPF_F_NO_PREALLOC hash here: a hash created preallocated behaves the same to a program,
 * so its checks could not tell a loader that drops map_flags (see the catalogue's maps.flags). */

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

TEST(flags_no_prealloc, "maps.flags", "pass", "required");
CONFORM(flags_no_prealloc, "desc", "an LPM trie declared BPF_F_NO_PREALLOC is created and matches longest prefixes");
CONFORM(flags_no_prealloc, "ref", "libbpf parse_btf_map_def (map_flags); kernel trie_alloc (-EINVAL without BPF_F_NO_PREALLOC)");
SEC("socket")
int flags_no_prealloc(void *ctx)
{
	struct conform_lpm_key k8 = { 8, { 10, 0, 0, 0 } }, k16 = { 16, { 10, 1, 0, 0 } };
	struct conform_lpm_key q = { 32, { 10, 1, 2, 3 } };
	__u32 v8 = 0x0a000008, v16 = 0x0a010010, *got;

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
	PASS();
}
