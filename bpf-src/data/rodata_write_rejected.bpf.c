/* A program store into `.rodata` must be refused: the map is BPF_F_RDONLY_PROG (negative test). */
#include "conformance.h"

#ifdef CONFORM_CONTROL
volatile __u32 ro_target = 0x1234abcd;  /* positive control: the variable in .data, writable */
#else
const volatile __u32 ro_target = 0x1234abcd;
#endif

TEST(rodata_write, "data.rodata.readonly", "load_error", "required");
CONFORM(rodata_write, "control", "define");
CONFORM(rodata_write, "desc", "a store into a const volatile .rodata variable is refused by the verifier: write into map forbidden");
CONFORM(rodata_write, "ref", "libbpf bpf_object__init_internal_map (BPF_F_RDONLY_PROG for .rodata); kernel check_map_access_type");
SEC("socket")
int rodata_write(void *ctx)
{
	/* Cast the const away: clang emits a plain store into the .rodata map. */
	*(volatile __u32 *)&ro_target = 0xdead;  /* unpatched (map writable): loads and runs */
	ASSERT_EQ(ro_target, 0xdead);
	PASS();
}
