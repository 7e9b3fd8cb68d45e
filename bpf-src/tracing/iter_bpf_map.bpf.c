/* SEC("iter/bpf_map") loads as TRACING/BPF_TRACE_ITER with attach_btf_id = vmlinux's FUNC `bpf_iter_bpf_map`, and the library's iterator (link, then an iterator fd read to its end) runs it once per map of the system: it meets the object's own map. */
#include "conformance.h"

/* the iterator context and the kernel's struct bpf_map, only the members read (CO-RE: the
 * verifier types ctx->map from the attach target, so the field offsets must be the kernel's) */
struct bpf_iter_meta {
	void *seq;
	__u64 session_id;
	__u64 seq_num;
} __core_pai;

struct bpf_map {
	__u32 id;
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;
} __core_pai;

struct bpf_iter__bpf_map {
	struct bpf_iter_meta *meta;
	struct bpf_map *map;
} __core_pai;

/* the object's own map the walk must meet: it is told apart by its id (read from its
 * struct bpf_map), so another process's copy of this object is not counted */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u64);
} marker SEC(".maps");

__u32 maps_seen;
__u32 marker_seen;
__u32 marker_max_entries;
__u32 ends;

CONFORM(walk_maps, "role", "fixture");
CONFORM(walk_maps, "desc", "iter/bpf_map: counts the maps, records the marker map, and the end call (map NULL)");
SEC("iter/bpf_map")
int walk_maps(struct bpf_iter__bpf_map *ctx)
{
	struct bpf_map *map = ctx->map;

	if (!map) {
		ends++;
		return 0;
	}
	maps_seen++;
	if (map->id == ((struct bpf_map *)&marker)->id) {
		marker_seen++;
		marker_max_entries = map->max_entries;
	}
	return 0;
}

TEST(iter_bpf_map, "tracing.iter", "pass", "required");
CONFORM(iter_bpf_map, "read_iter", "walk_maps");
CONFORM(iter_bpf_map, "desc", "the library makes walk_maps's iterator and reads it to its end: it met the object's own marker map (its id) once, with max_entries 3, other maps too, and one end call");
CONFORM(iter_bpf_map, "ref", "libbpf section_defs (iter+: TRACING, BPF_TRACE_ITER, SEC_ATTACH_BTF), find_attach_btf_id (BTF_ITER_PREFIX bpf_iter_ + the target, a FUNC), bpf_program__attach_iter (BPF_LINK_CREATE), bpf_iter_create (BPF_ITER_CREATE); kernel kernel/bpf/map_iter.c bpf_map_seq_show");
SEC("socket")
int iter_bpf_map(void *ctx)
{
	ASSERT_EQ(marker_seen, 1);  /* unpatched (iterator never made or read): 0 */
	ASSERT_EQ(marker_max_entries, 3);  /* unpatched (iterator not read): 0 */
	ASSERT_GE(maps_seen, 2);  /* unpatched (iterator not read): 0; marker and .bss at least */
	ASSERT_EQ(ends, 1);  /* unpatched (not read to its end): 0 */
	PASS();
}
