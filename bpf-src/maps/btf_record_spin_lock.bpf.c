/* A map value's `struct bpf_spin_lock` is found by the kernel only through the value's BTF type, which the loader passes to BPF_MAP_CREATE: the lock's offset is read back from the kernel's map (struct btf_record since 6.2, struct bpf_map before). */
#include "conformance.h"

/* the kernel's records of special value fields, only what is read (CO-RE) */
struct btf_record {
	int spin_lock_off;
} __core_pai;

struct bpf_map {
	struct btf_record *record;
} __core_pai;

/* before 6.2 (kernel commit aa3496accc41, "bpf: Refactor kptr_off_tab into btf_record") */
struct bpf_map___spin_lock_off {
	int spin_lock_off;
} __core_pai;

/* include/uapi/linux/bpf.h: the kernel matches the field by this struct name */
struct bpf_spin_lock {
	__u32 val;
};

struct locked {
	__u64 count;
	struct bpf_spin_lock lock;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct locked);
} locked_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct locked);
} locked_hash SEC(".maps");

/* the offset of the value's bpf_spin_lock in the kernel's record of it (6.2+), -1 without one; before
 * 6.2 struct bpf_map holds the offset (-EINVAL for none). The two layouts are read in two
 * statements, each naming the map (as map_type.h does): the verifier takes loads at constant
 * offsets from a map pointer, not pointer arithmetic. */
static __always_inline int spin_lock_off_in(struct btf_record *rec)
{
	return rec ? rec->spin_lock_off : -1;
}

TEST(map_btf_spin_lock_array, "maps.btf.ids", "pass", "required");
CONFORM(map_btf_spin_lock_array, "requires", "btf_vmlinux");
CONFORM(map_btf_spin_lock_array, "desc", "an ARRAY whose value is { __u64 count; struct bpf_spin_lock lock; } is created with the value's BTF: the kernel records the lock at offset 8");
CONFORM(map_btf_spin_lock_array, "ref", "libbpf bpf_object__create_map (btf_fd, btf_value_type_id); kernel map_check_btf, btf_parse_fields (BPF_SPIN_LOCK by the struct name bpf_spin_lock)");
SEC("classifier")
int map_btf_spin_lock_array(void *ctx)
{
	if (bpf_core_field_exists(((struct bpf_map *)&locked_array)->record)) {
		/* unpatched (created without BTF): no record, -1 */
		ASSERT_EQ(spin_lock_off_in(((struct bpf_map *)&locked_array)->record), 8);
	} else {
		/* unpatched (created without BTF): -EINVAL */
		ASSERT_EQ(((struct bpf_map___spin_lock_off *)&locked_array)->spin_lock_off, 8);
	}
	PASS();
}

TEST(map_btf_spin_lock_hash, "maps.btf.ids", "pass", "required");
CONFORM(map_btf_spin_lock_hash, "requires", "btf_vmlinux");
CONFORM(map_btf_spin_lock_hash, "desc", "a HASH whose value is { __u64 count; struct bpf_spin_lock lock; } is created with the value's BTF: the kernel records the lock at offset 8");
CONFORM(map_btf_spin_lock_hash, "ref", "libbpf bpf_object__create_map (btf_fd, btf_value_type_id); kernel map_check_btf, btf_parse_fields, htab_map_alloc");
SEC("classifier")
int map_btf_spin_lock_hash(void *ctx)
{
	if (bpf_core_field_exists(((struct bpf_map *)&locked_hash)->record)) {
		/* unpatched (created without BTF): no record, -1 */
		ASSERT_EQ(spin_lock_off_in(((struct bpf_map *)&locked_hash)->record), 8);
	} else {
		/* unpatched (created without BTF): -EINVAL */
		ASSERT_EQ(((struct bpf_map___spin_lock_off *)&locked_hash)->spin_lock_off, 8);
	}
	PASS();
}
