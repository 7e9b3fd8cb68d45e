/* `__arena` globals in an object that declares no ARENA map are refused with an error naming the missing map (libbpf: "to use global __arena variables the ARENA map should be explicitly declared in SEC(\".maps\")"): there is nowhere to put them (negative test). */
#include "conformance.h"
#include "arena.h"

/* an ordinary map: a .maps section exists, so libbpf reaches its ARENA check (libbpf 1.4-1.6
 * without any .maps section crash on the __arena relocation: libbpf 8e59f80a) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} nomap_other SEC(".maps");

#ifdef CONFORM_CONTROL /* positive control: the same object with its ARENA map */
struct {
	__uint(type, CONFORM_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1); /* pages */
} arena SEC(".maps");
#endif

int __arena nomap_init = 0x4e4f4d41;

TEST(arena_no_map, "arena.map_required", "load_error", "required");
CONFORM(arena_no_map, "control", "define");
CONFORM(arena_no_map, "requires", "map_arena");
CONFORM(arena_no_map, "desc", "an object with an __arena global and no ARENA map is refused (libbpf at open: -ENOENT); with the ARENA map declared it loads and the global reads its value");
CONFORM(arena_no_map, "ref", "libbpf bpf_object__init_user_btf_maps (efile.arena_data && arena_map_idx < 0: -ENOENT), bpf_program__record_reloc (bad arena data relocation, no arena maps defined); kernel verifier: addr_space_cast needs a program with an arena");
SEC("socket")
int arena_no_map(void *ctx)
{
	ASSERT_EQ(*ARENA_PTR(int, nomap_init), 0x4e4f4d41); /* unpatched (control: image not copied): 0 */
	PASS();
}
