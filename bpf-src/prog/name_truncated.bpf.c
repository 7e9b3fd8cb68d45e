/* A program's name reaches the kernel (BPF_PROG_LOAD prog_name), cut to BPF_OBJ_NAME_LEN - 1 = 15 characters: the kernel refuses a longer one. An iterator over the loaded programs finds this object's program under its first 15 characters. */
#include "conformance.h"

struct bpf_iter_meta {
	void *seq;
} __core_pai;

struct bpf_prog_aux {
	char name[16];
} __core_pai;

struct bpf_prog {
	struct bpf_prog_aux *aux;
} __core_pai;

struct bpf_iter__bpf_prog {
	struct bpf_iter_meta *meta;
	struct bpf_prog *prog;
} __core_pai;

__u32 named_seen;
__u32 ends;

/* the kernel name of prog_name_cut_to_fifteen (24 characters): "prog_name_cut_t" */
CONFORM(find_name, "role", "fixture");
CONFORM(find_name, "desc", "iter/bpf_prog: counts the programs named prog_name_cut_t");
SEC("iter/bpf_prog")
int find_name(struct bpf_iter__bpf_prog *ctx)
{
	struct bpf_prog *prog = ctx->prog;
	const char *n;

	if (!prog) {
		ends++;
		return 0;
	}
	n = prog->aux->name;
	if (n[0] == 'p' && n[1] == 'r' && n[2] == 'o' && n[3] == 'g' && n[4] == '_' &&
	    n[5] == 'n' && n[6] == 'a' && n[7] == 'm' && n[8] == 'e' && n[9] == '_' &&
	    n[10] == 'c' && n[11] == 'u' && n[12] == 't' && n[13] == '_' && n[14] == 't' && !n[15])
		named_seen++;
	return 0;
}

TEST(prog_name_cut_to_fifteen, "prog.name", "pass", "required");
CONFORM(prog_name_cut_to_fifteen, "read_iter", "find_name");
CONFORM(prog_name_cut_to_fifteen, "desc", "this program (a 24-character name) is loaded under its first 15 characters, prog_name_cut_t: an iterator over the loaded programs meets it at least once (a concurrent copy of this object adds its own)");
CONFORM(prog_name_cut_to_fifteen, "ref", "libbpf bpf_object_load_prog (prog_name: libbpf_strlcpy into BPF_OBJ_NAME_LEN), kernel bpf_obj_name_cpy (EINVAL for a name without a NUL within 16 bytes or with other characters than [A-Za-z0-9_.])");
SEC("socket")
int prog_name_cut_to_fifteen(void *ctx)
{
	ASSERT_GE(named_seen, 1);  /* unpatched (loaded without a name): 0 */
	ASSERT_EQ(ends, 1);  /* unpatched (iterator not read): 0 */
	PASS();
}
