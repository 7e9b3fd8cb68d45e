package main

import "runtime/debug"

const (
	adapterName    = "cilium-ebpf"
	adapterVersion = "0.1.0"
	libraryModule  = "github.com/cilium/ebpf"
)

// hello describes the adapter and the cilium/ebpf version it was built with.
func hello() helloReply {
	return helloReply{
		Op:             "hello",
		Protocol:       protocolVersion,
		Name:           adapterName,
		AdapterVersion: adapterVersion,
		Library:        "cilium/ebpf",
		LibraryVersion: libraryVersion(),
		Supports:       []string{"pin_root", "btf_custom_path", "data_in", "repeat", "info", "no_data", "ctx_in", "autoload_only", "attach", "read_iter", "extension"},
	}
}

// libraryVersion is the module version of cilium/ebpf linked into this
// binary, from the build information the Go toolchain embeds.
func libraryVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, dep := range info.Deps {
		if dep.Path != libraryModule {
			continue
		}
		if dep.Replace != nil {
			return dep.Replace.Version
		}
		return dep.Version
	}
	return "unknown"
}
