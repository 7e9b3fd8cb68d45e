package main

import "runtime/debug"

const (
	adapterName    = "aws-ebpf-sdk-go"
	adapterVersion = "0.1.0"
	libraryModule  = "github.com/aws/aws-ebpf-sdk-go"
)

// hello describes the adapter and the SDK version it was built with. Only
// the fields every request has are supported: the SDK has no CO-RE
// (btf_custom_path), and the program types it loads gain nothing from ctx_in
// or no_data (sk_lookup, raw_tp and syscall sections it skips anyway).
func hello() helloReply {
	return helloReply{
		Op:             "hello",
		Protocol:       protocolVersion,
		Name:           adapterName,
		AdapterVersion: adapterVersion,
		Library:        "aws-ebpf-sdk-go",
		LibraryVersion: libraryVersion(),
		Supports:       []string{"pin_root", "data_in", "repeat"},
	}
}

// libraryVersion is the module version of the SDK linked into this binary.
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
