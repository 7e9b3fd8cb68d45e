/* `__arena` globals shared by two programs of one object: both programs' references point into the one ARENA at the same offsets (libbpf: one arena_map_idx for the object), so a value one program stores the other reads, through a tail call. */
#include "conformance.h"
#include "arena.h"

struct {
	__uint(type, CONFORM_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 2); /* pages */
} arena SEC(".maps");

__u64 __arena sh_decoy = 0xdec0;     /* offset 0 */
__u64 __arena sh_token;              /* written by arena_shared, read by arena_shared_tail */
__u64 __arena sh_init = 0x5a4e5a4e;
__u32 sh_fail_line;                  /* .bss: the caller's line the tail returns on mismatch */

int arena_shared_tail(void *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, int(void *));
} sh_jmp SEC(".maps") = {
	.values = {
		[0] = (void *)&arena_shared_tail,
	},
};

CONFORM(arena_shared_tail, "role", "fixture");
CONFORM(arena_shared_tail, "desc", "tail-call target: 0 when it reads the token arena_shared stored and sh_init's initial value, else the caller's line");
SEC("socket")
int arena_shared_tail(void *ctx)
{
	__u64 *token = ARENA_PTR(__u64, sh_token), *init = ARENA_PTR(__u64, sh_init);

	if (READ_ONCE(*token) != 0x70ce70ce || READ_ONCE(*init) != 0x5a4e5a4e)
		return READ_ONCE(sh_fail_line);
	WRITE_ONCE(*token, 0);
	return 0;
}

TEST(arena_shared, "arena.reloc", "pass", "required");
CONFORM(arena_shared, "requires", "map_arena");
CONFORM(arena_shared, "desc", "a token stored into an __arena global by one program is read by another program of the object (reached by tail call) at the same global, with the initial value of a second global; the decoy at offset 0 stays unchanged");
CONFORM(arena_shared, "ref", "libbpf bpf_object__init_user_btf_maps (one arena_map_idx per object), bpf_program__record_reloc (every program's arena relocation: the arena map, sym_off = st_value), bpf_object__init_prog_arrays");
SEC("socket")
int arena_shared(void *ctx)
{
	__u64 *token = ARENA_PTR(__u64, sh_token), *decoy = ARENA_PTR(__u64, sh_decoy);

	ASSERT_EQ(READ_ONCE(*decoy), 0xdec0);  /* unpatched (symbol offset dropped): 0xdec0 as well, the decoy is at offset 0 */
	WRITE_ONCE(*token, 0x70ce70ce);
	WRITE_ONCE(sh_fail_line, __LINE__ + 1);
	bpf_tail_call(ctx, &sh_jmp, 0); return __LINE__; /* unpatched (symbol offset dropped: both programs read the decoy's place, overwritten by the token): the tail returns this line */
}
