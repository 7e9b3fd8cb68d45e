//! info: what the adapter reads back about a loaded object for the reply. Only the `btf`
//! state: this adapter does not offer the protocol's `info` field (compat::SUPPORTS).

use crate::protocol::Capture;

/// The reply's `btf`: "none" (the object has none), "dropped: <libbpf's warning>" (libbpf
/// ignored it) or "loaded".
pub(crate) fn btf_state(has_btf: bool, capture: &Capture) -> String {
    match (&capture.btf_dropped, has_btf) {
        (_, false) => "none".into(),
        (Some(why), true) => format!("dropped: {why}"),
        (None, true) => "loaded".into(),
    }
}
