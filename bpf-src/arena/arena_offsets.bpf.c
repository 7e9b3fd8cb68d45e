/* Several `__arena` globals, initialised and zeroed, each at its own offset of .addr_space.1: every ld_imm64 of one is BPF_PSEUDO_MAP_VALUE of the arena at that global's symbol offset (libbpf bpf_program__record_reloc: sym_off = st_value), so each reads its own value and not the decoy at offset 0. */
#include "conformance.h"
#include "arena.h"

struct {
	__uint(type, CONFORM_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 2); /* pages */
} arena SEC(".maps");

/* first in .addr_space.1 (offset 0): what a reference whose symbol offset was dropped reads */
__u64 __arena off_decoy = 0xdec0dec0dec0dec0ULL;
__u64 __arena off_zero_a;
__u64 __arena off_init_b = 0x1111222233334444ULL;
__u64 __arena off_init_c = 0xc0ffee; /* 8-byte globals only: clang <19 cannot pad this section */
__u64 __arena off_zero_d;
__u64 __arena off_init_e[4] = {0, 0, 0, 0xe4e4e4e4e4e4e4e4ULL};

TEST(arena_offsets, "arena.reloc", "pass", "required");
CONFORM(arena_offsets, "requires", "map_arena");
CONFORM(arena_offsets, "desc", "five __arena globals after a decoy at offset 0 each read their own initial value (0 for the zeroed ones), stores into one leave the others unchanged, and they sit at distinct addresses of one arena");
CONFORM(arena_offsets, "ref", "libbpf bpf_program__record_reloc (arena data relocation: RELO_DATA, map_idx = arena_map_idx, sym_off = sym->st_value), bpf_object__relocate_data (insn[1].imm = addend + sym_off (+ arena_data_off))");
SEC("socket")
int arena_offsets(void *ctx)
{
	__u64 *a = ARENA_PTR(__u64, off_zero_a), *b = ARENA_PTR(__u64, off_init_b);
	__u64 *c = ARENA_PTR(__u64, off_init_c), *d = ARENA_PTR(__u64, off_zero_d);
	__u64 *e = ARENA_PTR(__u64, off_init_e), *decoy = ARENA_PTR(__u64, off_decoy);

	ASSERT_EQ(*b, 0x1111222233334444ULL); /* unpatched (symbol offset dropped: every global at offset 0): the decoy 0xdec0dec0dec0dec0 */
	ASSERT_EQ(*c, 0xc0ffee);
	ASSERT_EQ(*a, 0);
	ASSERT_EQ(*d, 0);
	ASSERT_EQ(e[3], 0xe4e4e4e4e4e4e4e4ULL);
	ASSERT_EQ(*decoy, 0xdec0dec0dec0dec0ULL);
	ASSERT_NE((__u64)a, (__u64)decoy);
	ASSERT_EQ((__u64)e - (__u64)decoy < ARENA_PAGE, 1); /* one image, one arena */
	WRITE_ONCE(*a, 5);
	WRITE_ONCE(*d, 6);
	ASSERT_EQ(READ_ONCE(*decoy), 0xdec0dec0dec0dec0ULL); /* a store through another global left offset 0 alone */
	ASSERT_EQ(READ_ONCE(*a) + READ_ONCE(*d), 11);
	WRITE_ONCE(*a, 0);
	WRITE_ONCE(*d, 0);
	PASS();
}
