/* A BPF_MAP_TYPE_STACK without __type(key) is created keyless (key_size 0) with its declared value size and max_entries: it takes that many values, last in first out. */
#include "conformance.h"
#include "map_type.h"

static long (*const bpf_map_push_elem)(void *map, const void *value, __u64 flags) = (void *)87;
static long (*const bpf_map_pop_elem)(void *map, void *value) = (void *)88;
static long (*const bpf_map_peek_elem)(void *map, void *value) = (void *)89;

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 3);
	__type(value, __u64);
} lifo SEC(".maps");

TEST(map_stack, "maps.max_entries", "pass", "required");
CONFORM(map_stack, "desc", "a STACK declared without a key and with max_entries 3 is created with key_size 0, value_size 8 and max_entries 3 (read from the kernel's struct bpf_map): a fourth push is refused with -E2BIG, BPF_EXIST drops the oldest, values pop last in first out");
CONFORM(map_stack, "ref", "libbpf parse_btf_map_def (no key: key_size 0), bpf_object__create_map (no BTF for STACK); kernel queue_stack_map_alloc_check, queue_stack_map_push_elem (-E2BIG)");
CONFORM(map_stack, "requires", "btf_vmlinux");
SEC("socket")
int map_stack(void *ctx)
{
	__u64 v, got = 0;
	int i, full;

	for (i = 0; i < 4; i++)  /* a previous failed run may have left values */
		if (bpf_map_pop_elem(&lifo, &got))
			break;
	ASSERT_EQ(CREATED_MAP_TYPE(lifo), BPF_MAP_TYPE_STACK);  /* unpatched (type ignored): no map, ARRAY refuses key_size 0 */
	ASSERT_EQ(CREATED_KEY_SIZE(lifo), 0);
	ASSERT_EQ(CREATED_VALUE_SIZE(lifo), 8);
	ASSERT_EQ(CREATED_MAX_ENTRIES(lifo), 3);  /* unpatched (max_entries ignored): 4096 */
	for (i = 1; i <= 3; i++) {
		v = 0x1100 + i;
		ASSERT_EQ(bpf_map_push_elem(&lifo, &v, BPF_ANY), 0);  /* unpatched (max_entries 4096): 0 as well; the fourth push below tells */
	}
	v = 0x1104;
	full = bpf_map_push_elem(&lifo, &v, BPF_ANY);
	ASSERT_EQ(full, -E2BIG);  /* unpatched (max_entries 4096): 0 */
	ASSERT_EQ(bpf_map_push_elem(&lifo, &v, BPF_EXIST), 0);  /* full: the oldest, 0x1101, dropped */
	ASSERT_EQ(bpf_map_peek_elem(&lifo, &got), 0);
	ASSERT_EQ(got, 0x1104);
	for (i = 4; i >= 2; i--) {
		ASSERT_EQ(bpf_map_pop_elem(&lifo, &got), 0);  /* unpatched (max_entries 4096): 0 as well; the peek above fails first */
		ASSERT_EQ(got, 0x1100 + i);  /* last in, first out; unpatched (max_entries 4096): the order differs, the peek above fails first */
	}
	ASSERT_EQ((int)bpf_map_pop_elem(&lifo, &got), -ENOENT);  /* empty (5.10 gives the error in the low 32 bits only); unpatched (max_entries 4096): 0, the undropped element is still there */
	PASS();
}
