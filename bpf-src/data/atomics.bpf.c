/* Atomic operations (add, fetch-add, xchg, cmpxchg, or/and) work on `.data` and `.bss` variables: the maps are writable. */
#include "conformance.h"

__u64 atomic_data = 0x1000;
__u64 atomic_bss_cx;
__u64 atomic_bss64;

TEST(data_atomics, "data.writable", "pass", "required");
CONFORM(data_atomics, "desc", "__sync builtins on a .data u64 and two .bss u64 give the expected old and new values");
CONFORM(data_atomics, "ref", "libbpf bpf_object__init_internal_map (.data/.bss writable); kernel check_atomic on map values");
CONFORM(data_atomics, "requires", "atomic_fetch");
SEC("socket")
int data_atomics(void *ctx)
{
	__u64 old;

	/* unpatched (.data/.bss created BPF_F_RDONLY_PROG): every atomic is refused, load error */
	__sync_fetch_and_add(&atomic_data, 0x234);
	ASSERT_EQ(READ_ONCE(atomic_data), 0x1234);              /* unpatched (.data not written): 0x234 */
	old = __sync_fetch_and_add(&atomic_data, 0x1234abcd0000ULL);
	ASSERT_EQ(old, 0x1234);
	ASSERT_EQ(READ_ONCE(atomic_data), 0x1234abcd1234ULL);
	old = __sync_lock_test_and_set(&atomic_data, 0x1000);    /* xchg: put the initial value back */
	ASSERT_EQ(old, 0x1234abcd1234ULL);

	ASSERT_EQ(__sync_val_compare_and_swap(&atomic_bss_cx, 0, 0x1234abcd), 0);  /* unpatched (.bss 0xa5 fill): 0xa5a5a5a5a5a5a5a5 */
	ASSERT_EQ(__sync_val_compare_and_swap(&atomic_bss_cx, 0, 0x5555), 0x1234abcd);  /* no swap */
	__sync_fetch_and_or(&atomic_bss64, 0xf0f0);
	__sync_fetch_and_and(&atomic_bss64, 0x0ff0);
	ASSERT_EQ(READ_ONCE(atomic_bss64), 0x00f0);
	WRITE_ONCE(atomic_bss_cx, 0);
	WRITE_ONCE(atomic_bss64, 0);
	PASS();
}
