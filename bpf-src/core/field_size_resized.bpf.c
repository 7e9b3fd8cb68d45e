/* BPF_CORE_FIELD_BYTE_SIZE: resized integer and array fields report the target sizes. */
#include "core_types.h"

#define SZ(f) sizeof(((IMG(cr_sizes) *)0)->f)

CORE_TEST(field_size_resized, "core.field_byte_size", "required",
	  "libbpf bpf_core_calc_field_relo (BPF_CORE_FIELD_BYTE_SIZE)",
	  "char/short/int/long long/char[8] fields resized in the target read their target sizes");
SEC("socket")
int field_size_resized(void *ctx)
{
	struct cr_sizes *p = 0;

	/* unpatched: the local sizes 1, 2, 4, 8, 8; control: 4, 1, 8, 2, 3 */
	ASSERT_EQ(bpf_core_field_size(p->c), SZ(c));     /* 8 */
	ASSERT_EQ(bpf_core_field_size(p->s), SZ(s));     /* 4 */
	ASSERT_EQ(bpf_core_field_size(p->i), SZ(i));     /* 2 */
	ASSERT_EQ(bpf_core_field_size(p->ll), SZ(ll));   /* 1 */
	ASSERT_EQ(bpf_core_field_size(p->arr), SZ(arr)); /* 12 */
	PASS();
}
