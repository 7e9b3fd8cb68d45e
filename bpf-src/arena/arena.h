/* What the arena tests share: the ARENA map type, `__arena` (address space 1, section
 * .addr_space.1) for clang 19+ and a hand-written equivalent for older compilers, and the
 * kernel's struct bpf_map member an arena's user address is kept in. */
#ifndef BPFCONFORM_ARENA_H
#define BPFCONFORM_ARENA_H

#define CONFORM_MAP_TYPE_ARENA 33 /* enum bpf_map_type */
#define ARENA_PAGE 4096

#if defined(__BPF_FEATURE_ADDR_SPACE_CAST)
/* clang 19+: globals in address space 1 land in .addr_space.1, every access through a cast */
#define __arena __attribute__((address_space(1)))
#define ARENA_PTR(type, var) ((type *)&(var))
/* an arena address held as a number (stored in a global) made a pointer again */
#define ARENA_FOLLOW(type, addr) ((type *)(type __arena *)(addr))
#else
/* older compilers: the same section, relocations and instructions, the cast written by hand */
#define __arena SEC(".addr_space.1")
static __always_inline void *arena_cast_kern(void *p)
{
	register void *r1 asm("r1") = p;

	asm volatile(".quad 0x00000001000111bf" : "+r"(r1)); /* r1 = addr_space_cast(r1, 0, 1) */
	return r1;
}
#define ARENA_PTR(type, var) ((type *)arena_cast_kern((void *)&(var)))
#define ARENA_FOLLOW(type, addr) ((type *)arena_cast_kern((void *)(addr)))
#endif

/* the kernel's struct bpf_map: map_extra is what BPF_MAP_CREATE got (for an ARENA, the user
 * address it must be mapped at); CO-RE finds the member in vmlinux BTF */
struct bpf_map {
	__u64 map_extra;
	__u32 max_entries;
} __core_pai;

#define CREATED_MAP_EXTRA(map) (((struct bpf_map *)&(map))->map_extra)

#endif
