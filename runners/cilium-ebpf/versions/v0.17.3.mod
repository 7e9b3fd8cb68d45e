module github.com/bpfconform/bpfconform/runners/cilium-ebpf

go 1.25.0

require github.com/cilium/ebpf v0.17.3

require golang.org/x/sys v0.43.0
