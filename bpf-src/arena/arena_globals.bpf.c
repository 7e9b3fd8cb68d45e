/* An ARENA map and the `__arena` globals of section .addr_space.1: the loader creates and maps the arena before loading programs, copies the section's initial image into it and points each global's ld_imm64 at its place there (libbpf init_arena_map_data). */
#include "conformance.h"
#include "arena.h"

struct {
	__uint(type, CONFORM_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 2); /* pages */
} arena SEC(".maps");

int __arena arena_init = 0x5eed1234;
int __arena arena_zero;

TEST(arena_globals, "arena.image", "pass", "required");
CONFORM(arena_globals, "requires", "map_arena");
CONFORM(arena_globals, "desc", "an initialised __arena global reads its initial value, a zero-initialised one reads 0, and a store into the arena is read back");
CONFORM(arena_globals, "ref", "libbpf init_arena_map_data, bpf_object__create_maps (mmap of the arena before any program loads, the .addr_space.1 image copied in), bpf_object__relocate_data (RELO_DATA against .addr_space.1: BPF_PSEUDO_MAP_VALUE of the arena map); kernel Documentation/bpf/map_arena.rst (6.9+)");
SEC("socket")
int arena_globals(void *ctx)
{
	int *init = ARENA_PTR(int, arena_init), *zero = ARENA_PTR(int, arena_zero);

	ASSERT_EQ(*init, 0x5eed1234); /* unpatched (.addr_space.1 image not copied into the arena): 0 */
	ASSERT_EQ(*zero, 0);
	WRITE_ONCE(*zero, 7);
	ASSERT_EQ(READ_ONCE(*zero), 7); /* arena memory is writable */
	WRITE_ONCE(*zero, 0);
	PASS();
}
