/* A large `.bss` (12 KiB, several pages) is one map zero-filled to the section size: its last bytes read 0. */
#include "conformance.h"

#define BSS_LARGE_SIZE (12 * 1024 + 40)

__u8 bss_head;
__u8 bss_big[BSS_LARGE_SIZE];
__u64 bss_tail;

TEST(bss_large, "data.bss", "pass", "required");
CONFORM(bss_large, "desc", "a 12 KiB .bss array and the variable after it read zero up to the very last byte; distinct stores to the first, the array's last byte and the last variable read back unchanged");
CONFORM(bss_large, "ref", "libbpf bpf_object__init_internal_map (.bss value_size = sh_size)");
SEC("socket")
int bss_large(void *ctx)
{
	ASSERT_EQ(READ_ONCE(bss_head), 0);                     /* unpatched (0xa5 fill): 0xa5 */
	ASSERT_EQ(READ_ONCE(bss_big[0]), 0);                   /* unpatched (0xa5 fill): 0xa5 */
	ASSERT_EQ(READ_ONCE(bss_big[4096]), 0);                /* unpatched (0xa5 fill): 0xa5 */
	ASSERT_EQ(READ_ONCE(bss_big[BSS_LARGE_SIZE - 1]), 0);  /* unpatched (0xa5 fill): 0xa5; short map: verifier rejects */
	ASSERT_EQ(READ_ONCE(bss_tail), 0);                     /* unpatched (0xa5 fill): 0xa5a5a5a5a5a5a5a5 */
	/* Each at its own offset: a loader putting every .bss variable at offset 0 reads the last store. */
	WRITE_ONCE(bss_head, 0x5a);
	WRITE_ONCE(bss_big[BSS_LARGE_SIZE - 1], 0x6b);
	WRITE_ONCE(bss_tail, 0x7c7c7c7c7c7c7c7cULL);
	ASSERT_EQ(READ_ONCE(bss_head), 0x5a);                  /* offsets dropped: 0x7c */
	ASSERT_EQ(READ_ONCE(bss_big[BSS_LARGE_SIZE - 1]), 0x6b);
	ASSERT_EQ(READ_ONCE(bss_tail), 0x7c7c7c7c7c7c7c7cULL);
	WRITE_ONCE(bss_head, 0);
	WRITE_ONCE(bss_big[BSS_LARGE_SIZE - 1], 0);
	WRITE_ONCE(bss_tail, 0);
	PASS();
}
