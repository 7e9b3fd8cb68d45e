module github.com/bpfconform/bpfconform/runners/cilium-ebpf

go 1.25.0

require github.com/cilium/ebpf v0.16.0

require golang.org/x/sys v0.43.0

require golang.org/x/exp v0.0.0-20230224173230-c95f2b4c22f2 // indirect
