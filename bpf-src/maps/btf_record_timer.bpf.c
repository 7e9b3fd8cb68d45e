/* A map value's `struct bpf_timer` is found by the kernel only through the value's BTF type, which the loader passes to BPF_MAP_CREATE: the timer's offset is read back from the kernel's map (struct btf_record since 6.2, struct bpf_map from 5.15 to 6.1). */
#include "conformance.h"

/* the kernel's records of special value fields, only what is read (CO-RE) */
struct btf_record {
	int timer_off;
} __core_pai;

struct bpf_map {
	struct btf_record *record;
} __core_pai;

/* 5.15 to 6.1 (before kernel commit aa3496accc41, "bpf: Refactor kptr_off_tab into btf_record") */
struct bpf_map___timer_off {
	int timer_off;
} __core_pai;

/* include/uapi/linux/bpf.h: the kernel matches the field by this struct name */
struct bpf_timer {
	__u64 __opaque[2];
} __attribute__((aligned(8)));

struct timed {
	__u64 deadline;
	__u64 period;
	struct bpf_timer timer;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct timed);
} timed_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct timed);
} timed_hash SEC(".maps");

/* the offset of the value's bpf_timer in the kernel's record of it (6.2+), -1 without one; before
 * 6.2 struct bpf_map holds the offset (-EINVAL for none). The two layouts are read in two
 * statements, each naming the map (as map_type.h does): the verifier takes loads at constant
 * offsets from a map pointer, not pointer arithmetic. */
static __always_inline int timer_off_in(struct btf_record *rec)
{
	return rec ? rec->timer_off : -1;
}

TEST(map_btf_timer_array, "maps.btf.ids", "pass", "required");
CONFORM(map_btf_timer_array, "requires", "btf_vmlinux,bpf_timer");
CONFORM(map_btf_timer_array, "desc", "an ARRAY whose value is { __u64 deadline, period; struct bpf_timer timer; } is created with the value's BTF: the kernel records the timer at offset 16");
CONFORM(map_btf_timer_array, "ref", "libbpf bpf_object__create_map (btf_fd, btf_value_type_id); kernel map_check_btf, btf_parse_fields (BPF_TIMER by the struct name bpf_timer)");
SEC("socket")
int map_btf_timer_array(void *ctx)
{
	if (bpf_core_field_exists(((struct bpf_map *)&timed_array)->record)) {
		/* unpatched (created without BTF): no record, -1 */
		ASSERT_EQ(timer_off_in(((struct bpf_map *)&timed_array)->record), 16);
	} else {
		/* unpatched (created without BTF): -EINVAL */
		ASSERT_EQ(((struct bpf_map___timer_off *)&timed_array)->timer_off, 16);
	}
	PASS();
}

TEST(map_btf_timer_hash, "maps.btf.ids", "pass", "required");
CONFORM(map_btf_timer_hash, "requires", "btf_vmlinux,bpf_timer");
CONFORM(map_btf_timer_hash, "desc", "a HASH whose value is { __u64 deadline, period; struct bpf_timer timer; } is created with the value's BTF: the kernel records the timer at offset 16");
CONFORM(map_btf_timer_hash, "ref", "libbpf bpf_object__create_map (btf_fd, btf_value_type_id); kernel map_check_btf, btf_parse_fields, htab_map_alloc");
SEC("socket")
int map_btf_timer_hash(void *ctx)
{
	if (bpf_core_field_exists(((struct bpf_map *)&timed_hash)->record)) {
		/* unpatched (created without BTF): no record, -1 */
		ASSERT_EQ(timer_off_in(((struct bpf_map *)&timed_hash)->record), 16);
	} else {
		/* unpatched (created without BTF): -EINVAL */
		ASSERT_EQ(((struct bpf_map___timer_off *)&timed_hash)->timer_off, 16);
	}
	PASS();
}
