/* A program in `SEC("?socket")` is not loaded by default: this one would be refused by the verifier, yet the object loads. */
#include "conformance.h"

__u32 autoload_marker = 0x1234abcd;

/*
 * Deliberately invalid: it reads through a scalar.  Never loaded, never run: role=fixture
 * keeps it a part of the object but no item of the harness, which would otherwise ask
 * every adapter to run a program nobody loaded.
 */
CONFORM(not_autoloaded, "role", "fixture");
CONFORM(not_autoloaded, "desc", "invalid SEC(?socket) program that must stay unloaded");
SEC("?socket")
int not_autoloaded(void *ctx)
{
	return *(volatile __u32 *)(unsigned long)READ_ONCE(autoload_marker);
}

TEST(autoload_skip, "prog.autoload", "pass", "optional");
CONFORM(autoload_skip, "desc", "an object whose SEC(?socket) program is invalid loads, and its other program runs");
CONFORM(autoload_skip, "ref", "libbpf sec_def_matches / bpf_object__add_programs (leading ? clears autoload)");
SEC("socket")
int autoload_skip(void *ctx)
{
	ASSERT_EQ(READ_ONCE(autoload_marker), 0x1234abcd);  /* unpatched (? program loaded too): load error */
	PASS();
}
