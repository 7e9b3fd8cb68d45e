/* The extension object of replace_nested.bpf.c: replaces its global function deep_value. */
#include "conformance.h"

CONFORM(new_deep_value, "role", "fixture");
CONFORM(new_deep_value, "desc", "replaces int deep_value(int x) of replace_nested.bpf.c's program with x * 7");
SEC("freplace/deep_value")
int new_deep_value(int x)
{
	return x * 7;
}
