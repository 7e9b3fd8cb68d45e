/* A big-endian object (-target bpfeb, e_ident[EI_DATA] = ELFDATA2MSB) is refused by a little-endian loader (at open or at load), never misread. */
#include "conformance.h"

/*
 * Built with `-target bpfeb` (the harness builds every `*.bpfeb.bpf.c` so).  The body is
 * chosen so that misreading is possible: `r0 = 0; exit` encodes to the same bytes in both
 * byte orders, so a loader that ignores EI_DATA and hands the instructions over unchanged
 * gets a program the kernel accepts and runs.  Only the EI_DATA check refuses the object.
 */
/*
 * load_error, not open_error: libbpf <= 1.4 refuses at open (bpf_object__check_endianness),
 * but libbpf >= 1.5 and cilium/ebpf open a non-native object by design (bpftool gen
 * skeleton, bpf2go cross-builds) and refuse it at load.  Either way it never runs.
 */
TEST(big_endian_object, "elf.byte_order", "load_error", "required");
/* The positive control is this source built little-endian (the toolchain builds a
 * *.bpfeb.bpf.c's CONFORM_CONTROL variant with -target bpfel): the same object in the native
 * byte order must load and run, so the refusal is for the byte order alone. */
CONFORM(big_endian_object, "control", "define");
CONFORM(big_endian_object, "desc", "a -target bpfeb object (EI_DATA is ELFDATA2MSB) is refused, at open or at load, and never run");
CONFORM(big_endian_object, "ref", "libbpf bpf_object__check_endianness, bpf_object_load (non-native endianness unsupported); ELF gABI e_ident[EI_DATA]");
SEC("socket")
int big_endian_object(void *ctx)
{
#ifdef CONFORM_CONTROL
	/* built -target bpfel: the native byte order, nothing else differs */
#endif
	return 0; /* unpatched (EI_DATA ignored): the object opens, loads and runs: FAIL (accepted) */
}
