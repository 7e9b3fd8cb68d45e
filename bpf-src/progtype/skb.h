/* The uapi contexts the progtype tests read (include/uapi/linux/bpf.h), up to the fields they use. */
#ifndef BPFCONFORM_PROGTYPE_SKB_H
#define BPFCONFORM_PROGTYPE_SKB_H

struct bpf_flow_keys {
	__u16 nhoff;
	__u16 thoff;
	__u16 addr_proto;
	__u8 is_frag;
	__u8 is_first_frag;
	__u8 is_encap;
	__u8 ip_proto;
	__be16 n_proto;
};

struct __sk_buff {
	__u32 len;
	__u32 pkt_type;
	__u32 mark;
	__u32 queue_mapping;
	__u32 protocol;
	__u32 vlan_present;
	__u32 vlan_tci;
	__u32 vlan_proto;
	__u32 priority;
	__u32 ingress_ifindex;
	__u32 ifindex;
	__u32 tc_index;
	__u32 cb[5];
	__u32 hash;
	__u32 tc_classid;
	__u32 data;
	__u32 data_end;
	__u32 napi_id;
	__u32 family;
	__u32 remote_ip4;
	__u32 local_ip4;
	__u32 remote_ip6[4];
	__u32 local_ip6[4];
	__u32 remote_port;
	__u32 local_port;
	__u32 data_meta;
	union {
		struct bpf_flow_keys *flow_keys;
		__u64 : 64;
	} __attribute__((aligned(8)));
};

struct xdp_md {
	__u32 data;
	__u32 data_end;
	__u32 data_meta;
	__u32 ingress_ifindex;
	__u32 rx_queue_index;
	__u32 egress_ifindex;
};

/* BPF_PROG_TEST_RUN's data_in: 64 bytes, an all-zero Ethernet header first (ETH_HLEN 14) */
#define CONFORM_DATA_LEN 64
#define CONFORM_ETH_HLEN 14

/* data_in of the programs that read where their test run starts: 0xaa the frame's first byte
 * (in the Ethernet destination), 0x45 its byte 14 (after ETH_HLEN: an IPv4 header's first
 * byte), zero elsewhere; 64 bytes like the default */
#define CONFORM_MARKED_DATA \
	"aa00000000000000000000000000450000000000000000000000000000000000" \
	"0000000000000000000000000000000000000000000000000000000000000000"
#define CONFORM_MARK_L2 0xaa
#define CONFORM_MARK_L3 0x45

static long (*const bpf_skb_load_bytes)(const void *skb, __u32 offset, void *to,
					__u32 len) = (void *)26;

#endif
