/* A big-endian object (-target bpfeb, e_ident[EI_DATA] = ELFDATA2MSB) is refused at open by a little-endian loader, never misread. */
#include "conformance.h"

/*
 * Built with `-target bpfeb` (the harness builds every `*.bpfeb.bpf.c` so).  The body is
 * chosen so that misreading is possible: `r0 = 0; exit` encodes to the same bytes in both
 * byte orders, so a loader that ignores EI_DATA and hands the instructions over unchanged
 * gets a program the kernel accepts and runs.  Only the EI_DATA check refuses the object.
 */
TEST(big_endian_object, "elf.byte_order", "open_error", "required");
CONFORM(big_endian_object, "desc", "a -target bpfeb object is refused when opened (EI_DATA is ELFDATA2MSB)");
CONFORM(big_endian_object, "ref", "libbpf bpf_object__check_endianness (LIBBPF_ERRNO__ENDIAN); ELF gABI e_ident[EI_DATA]");
SEC("socket")
int big_endian_object(void *ctx)
{
	return 0; /* unpatched (EI_DATA ignored): the object opens, loads and runs: FAIL (accepted) */
}
