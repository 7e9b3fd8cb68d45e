module github.com/bpfconform/bpfconform/runners/cilium-ebpf

go 1.25.0

require github.com/cilium/ebpf v0.21.0

require golang.org/x/sys v0.43.0
