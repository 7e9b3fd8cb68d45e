/* An ARENA with `map_extra`: the loader passes it to BPF_MAP_CREATE (the arena's fixed user address) and maps the arena exactly there (libbpf bpf_object__create_maps: mmap(map_extra, ..., MAP_FIXED)), so the kernel's struct bpf_map holds it and the `__arena` globals' image is in the arena. */
#include "conformance.h"
#include "arena.h"

#define ARENA_USER_ADDR 0x100000000000ULL /* 1 << 44: page-aligned, no 4 GiB boundary inside */
#define ARENA_PAGES 4

struct {
	__uint(type, CONFORM_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, ARENA_PAGES);
	__ulong(map_extra, ARENA_USER_ADDR);
} arena SEC(".maps");

int __arena fixed_init = 0x3a7e3a7e;

TEST(arena_map_extra, "arena.map_extra", "pass", "required");
CONFORM(arena_map_extra, "requires", "map_arena");
CONFORM(arena_map_extra, "desc", "the kernel's struct bpf_map of an ARENA declared with map_extra 1<<44 holds 1<<44, and an initialised __arena global of the arena mapped there reads its value");
CONFORM(arena_map_extra, "ref", "libbpf parse_btf_map_def (map_extra), bpf_object__create_map (bpf_map_create opts.map_extra), bpf_object__create_maps (mmap((void *)map_extra, bpf_map_mmap_sz, ..., MAP_SHARED | MAP_FIXED)); kernel arena_map_alloc (user_vm_start = map_extra), arena_map_direct_value_addr");
SEC("socket")
int arena_map_extra(void *ctx)
{
	int *init = ARENA_PTR(int, fixed_init);

	ASSERT_EQ(CREATED_MAP_EXTRA(arena), ARENA_USER_ADDR); /* unpatched (map_extra not passed to BPF_MAP_CREATE): 0 */
	ASSERT_EQ(*init, 0x3a7e3a7e); /* the arena mapped at map_extra (elsewhere arena_map_mmap refuses: -EBUSY) holds the image */
	PASS();
}
