/* String literals live in the mergeable section `.rodata.str1.1`, which becomes a read-only map with the strings' bytes. */
#include "conformance.h"

/* A volatile byte read through the literal's address: clang keeps the load and the literal. */
#define STR_BYTE(lit, i) (*(const volatile char *)&(lit)[i])

TEST(string_literals, "data.rodata.str", "pass", "required");
CONFORM(string_literals, "desc", "bytes of two string literals (and their NUL terminators) read back from .rodata.str1.1");
CONFORM(string_literals, "ref", "libbpf bpf_object__elf_collect (.rodata.* incl. .rodata.str1.1 as SEC_RODATA); cilium/ebpf#741");
SEC("socket")
int string_literals(void *ctx)
{
	ASSERT_EQ(STR_BYTE("conformance", 0), 'c');   /* unpatched: 0 */
	ASSERT_EQ(STR_BYTE("conformance", 4), 'o');   /* unpatched: 0 */
	ASSERT_EQ(STR_BYTE("conformance", 10), 'e');  /* unpatched: 0 */
	ASSERT_EQ(STR_BYTE("conformance", 11), 0);    /* the terminator */
	ASSERT_EQ(STR_BYTE("Zebra!", 0), 'Z');        /* unpatched: 0 (second literal, non-zero offset) */
	ASSERT_EQ(STR_BYTE("Zebra!", 5), '!');        /* unpatched: 0 */
	PASS();
}
