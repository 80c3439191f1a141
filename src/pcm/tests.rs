//! Unit tests of `pcm`.

use super::*;
use std::string::ToString;

#[test]
fn the_protocol_message_names_the_version_checked() {
    let message = Error::ProtocolTooOld {
        version: abi::protocol_version(2, 0, 11),
    }
    .to_string();
    let min = std::format!(
        "needs {}.{}.{} or newer",
        MIN_PROTOCOL >> 16,
        (MIN_PROTOCOL >> 8) & 0xff,
        MIN_PROTOCOL & 0xff
    );
    assert!(message.contains("protocol 2.0.11;"), "{message}");
    assert!(message.contains(&min), "{message}");
}
