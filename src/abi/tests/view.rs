//! The safe views of `abi`'s unions: each accessor is the member it names, and the members
//! share one storage, as C's union members do (the event's one view, `elem`, is read in the
//! guests' mixer tests).

use core::ffi::{c_long, c_uint};
use core::mem::size_of;

use crate::abi::*;

#[test]
fn element_value_views_share_their_storage() {
    let mut value = SndCtlElemValue::zeroed();
    value.value.integer_mut()[1] = -2;
    let long = size_of::<c_long>();
    assert_eq!(value.value.integer()[1], -2);
    assert_eq!(value.value.bytes()[long..2 * long], (-2 as c_long).to_ne_bytes());

    value.value.integer64_mut()[3] = -3_000_000_000;
    assert_eq!(value.value.integer64()[3], -3_000_000_000);
    assert_eq!(value.value.bytes()[24..32], (-3_000_000_000i64).to_ne_bytes());

    value.value.enumerated_mut()[5] = 0x0102_0304;
    assert_eq!(value.value.enumerated()[5], 0x0102_0304);
    assert_eq!(value.value.bytes()[20..24], (0x0102_0304 as c_uint).to_ne_bytes());
    // What the other views wrote is still there.
    assert_eq!(value.value.integer()[1], -2);
}

#[test]
fn element_info_views_share_their_storage() {
    let mut info = SndCtlElemInfo::zeroed();
    info.value.set_enumerated_item(9);
    assert_eq!(info.value.enumerated().item, 9);
    assert_eq!(info.value.enumerated().items, 0);
    // `item` is the second word: the 64-bit view's `min` holds it in one half.
    let min = info.value.integer64().min.to_ne_bytes();
    assert_eq!(min[4..8], 9u32.to_ne_bytes());
}

#[test]
fn sync_ptr_control_is_what_was_set() {
    let mut record = SyncPtr64::zeroed();
    record.c.set_control(MmapControl64 {
        appl_ptr: 7,
        avail_min: 256,
        ..MmapControl64::default()
    });
    assert_eq!(
        (record.c.control().appl_ptr, record.c.control().avail_min),
        (7, 256)
    );
    assert_eq!(record.s.status().hw_ptr, 0);
}

#[cfg(target_pointer_width = "32")]
#[test]
fn sync_ptr_time32_control_is_what_was_set() {
    let mut record = SyncPtr32::zeroed();
    record.c.set_control(MmapControl32 {
        appl_ptr: 7,
        avail_min: 256,
    });
    assert_eq!(
        (record.c.control().appl_ptr, record.c.control().avail_min),
        (7, 256)
    );
    assert_eq!(record.s.status().hw_ptr, 0);
}
