/* Two ARENA maps in one object are refused (libbpf: "only single ARENA map is supported"): the `__arena` globals of .addr_space.1 and every arena relocation belong to the object's one ARENA (negative test). */
#include "conformance.h"
#include "arena.h"

struct {
	__uint(type, CONFORM_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1); /* pages */
} arena SEC(".maps");

#ifndef CONFORM_CONTROL /* positive control: the object without its second ARENA */
struct {
	__uint(type, CONFORM_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1); /* pages */
} arena_second SEC(".maps");
#endif

int __arena two_init = 0x74776f;

TEST(arena_two, "arena.single", "load_error", "required");
CONFORM(arena_two, "control", "define");
CONFORM(arena_two, "requires", "map_arena");
CONFORM(arena_two, "desc", "an object declaring two ARENA maps (and __arena globals) is refused at open; with one ARENA it loads and the global reads its value");
CONFORM(arena_two, "ref", "libbpf bpf_object__init_user_btf_maps (a second BPF_MAP_TYPE_ARENA: only single ARENA map is supported, -EINVAL)");
SEC("socket")
int arena_two(void *ctx)
{
	ASSERT_EQ(*ARENA_PTR(int, two_init), 0x74776f); /* unpatched (control: image not copied): 0 */
	PASS();
}
