/* An `__arena` pointer stored in an `__arena` global and followed: the address the loader's relocation gives a global (the arena's user address + the global's offset) is a pointer into the arena the program can keep in the arena and dereference later, reaching that global and not the decoy at offset 0. */
#include "conformance.h"
#include "arena.h"

struct {
	__uint(type, CONFORM_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 2); /* pages */
} arena SEC(".maps");

__u64 __arena ptr_decoy = 0xdec0;     /* offset 0 */
__u64 __arena ptr_slot;               /* holds an arena address */
__u64 __arena ptr_target = 0x7a26e7;

TEST(arena_pointer, "arena.reloc", "pass", "required");
CONFORM(arena_pointer, "requires", "map_arena");
CONFORM(arena_pointer, "desc", "the address of an initialised __arena global, stored into another __arena global and loaded back, is followed to that global's value; a store through it is seen through the global");
CONFORM(arena_pointer, "ref", "libbpf bpf_program__record_reloc (arena data relocation, sym_off = st_value), bpf_object__relocate_data; kernel arena_map_direct_value_addr (user_vm_start + offset), BPF_ADDR_SPACE_CAST");
SEC("socket")
int arena_pointer(void *ctx)
{
	__u64 *slot = ARENA_PTR(__u64, ptr_slot), *target = ARENA_PTR(__u64, ptr_target);
	__u64 *followed;

	WRITE_ONCE(*slot, (__u64)target);
	followed = ARENA_FOLLOW(__u64, READ_ONCE(*slot));
	ASSERT_EQ(*followed, 0x7a26e7); /* unpatched (symbol offset dropped: the slot is the decoy, overwritten with the address): the address, not the value */
	WRITE_ONCE(*followed, 0x7a26e8);
	ASSERT_EQ(READ_ONCE(*target), 0x7a26e8);
	ASSERT_EQ(READ_ONCE(*ARENA_PTR(__u64, ptr_decoy)), 0xdec0);
	WRITE_ONCE(*target, 0x7a26e7);
	WRITE_ONCE(*slot, 0);
	PASS();
}
