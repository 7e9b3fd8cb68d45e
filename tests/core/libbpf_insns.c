/* Test helper: load an object with libbpf (btf_custom_path optional), print each entry
 * program's final instructions as "prog idx code regs off imm", or "error <errno>". */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>

static int quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	int err;

	if (argc < 2) {
		fprintf(stderr, "usage: %s OBJ [BTF]\n", argv[0]);
		return 2;
	}
	libbpf_set_print(quiet);
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = argc > 2 ? argv[2] : NULL);
	obj = bpf_object__open_file(argv[1], &opts);
	if (!obj) {
		printf("error %d\n", errno);
		return 0;
	}
	err = bpf_object__load(obj);
	if (err) {
		printf("error %d\n", -err);
		bpf_object__close(obj);
		return 0;
	}
	bpf_object__for_each_program(prog, obj) {
		const struct bpf_insn *insn = bpf_program__insns(prog);
		size_t i, n = bpf_program__insn_cnt(prog);

		for (i = 0; i < n; i++)
			printf("%s %zu %u %u %d %d\n", bpf_program__name(prog), i, insn[i].code,
			       insn[i].dst_reg | insn[i].src_reg << 4, insn[i].off, insn[i].imm);
	}
	bpf_object__close(obj);
	return 0;
}
