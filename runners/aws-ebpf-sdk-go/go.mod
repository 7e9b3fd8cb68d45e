module github.com/bpfconform/bpfconform/runners/aws-ebpf-sdk-go

go 1.26

require (
	github.com/aws/aws-ebpf-sdk-go v1.0.17
	golang.org/x/sys v0.43.0
)

require (
	github.com/vishvananda/netlink v1.3.1 // indirect
	github.com/vishvananda/netns v0.0.5 // indirect
	go.uber.org/multierr v1.11.0 // indirect
	go.uber.org/zap v1.27.1 // indirect
	gopkg.in/natefinch/lumberjack.v2 v2.2.1 // indirect
)
