//! [`read_record`]: whole records, padded ones included, short reads and a refused read.

use core::mem::{offset_of, size_of};
use std::vec;

use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::{memfd_create, seek, MemfdFlags, Mode, OFlags, SeekFrom};

use super::read_record;
use crate::abi::{self, SndCtlElemId, SndCtlEvent, SndCtlEventElem, SndPcmChannelInfo};
use crate::error::{Errno, Error, Op};

/// An anonymous file holding `bytes`, to be read from its start.
fn file_of(bytes: &[u8]) -> OwnedFd {
    let fd = memfd_create(c"read_record", MemfdFlags::CLOEXEC).expect("memfd_create");
    assert_eq!(rustix::io::write(&fd, bytes).expect("write"), bytes.len());
    seek(&fd, SeekFrom::Start(0)).expect("seek");
    fd
}

/// Writes `value` into `bytes` at `offset`.
fn put(bytes: &mut [u8], offset: usize, value: &[u8]) {
    bytes[offset..offset + value.len()].copy_from_slice(value);
}

#[test]
fn reads_a_padded_record_whole() {
    let size = size_of::<SndPcmChannelInfo>();
    if cfg!(target_pointer_width = "64") {
        // `channel`, 4 bytes of padding, the 8-byte `offset`, `first` and `step`.
        assert_eq!(size, 24, "the record this test reads has padding");
    }
    // The padding holds whatever the writer left there.
    let mut bytes = vec![0xa5u8; size];
    put(
        &mut bytes,
        offset_of!(SndPcmChannelInfo, channel),
        &7u32.to_ne_bytes(),
    );
    put(
        &mut bytes,
        offset_of!(SndPcmChannelInfo, offset),
        &(-123_456 as core::ffi::c_long).to_ne_bytes(),
    );
    put(
        &mut bytes,
        offset_of!(SndPcmChannelInfo, first),
        &16u32.to_ne_bytes(),
    );
    put(
        &mut bytes,
        offset_of!(SndPcmChannelInfo, step),
        &32u32.to_ne_bytes(),
    );
    let fd = file_of(&bytes);

    let info: SndPcmChannelInfo = read_record(fd.as_fd(), Op::ReadEvent)
        .unwrap()
        .expect("a whole record");
    assert_eq!(
        (info.channel, info.offset, info.first, info.step),
        (7, -123_456, 16, 32)
    );
    // Then the end of the file: no record.
    assert!(read_record::<SndPcmChannelInfo>(fd.as_fd(), Op::ReadEvent)
        .unwrap()
        .is_none());
}

#[test]
fn reads_a_control_event() {
    let mut bytes = vec![0u8; size_of::<SndCtlEvent>()];
    let elem = offset_of!(SndCtlEvent, data);
    put(
        &mut bytes,
        offset_of!(SndCtlEvent, type_),
        &abi::SNDRV_CTL_EVENT_ELEM.to_ne_bytes(),
    );
    put(
        &mut bytes,
        elem + offset_of!(SndCtlEventElem, mask),
        &abi::SNDRV_CTL_EVENT_MASK_VALUE.to_ne_bytes(),
    );
    let id = elem + offset_of!(SndCtlEventElem, id);
    put(
        &mut bytes,
        id + offset_of!(SndCtlElemId, numid),
        &9u32.to_ne_bytes(),
    );
    put(
        &mut bytes,
        id + offset_of!(SndCtlElemId, name),
        b"Master Playback Volume",
    );
    let fd = file_of(&bytes);

    let event: SndCtlEvent = read_record(fd.as_fd(), Op::ReadEvent)
        .unwrap()
        .expect("a whole record");
    assert_eq!(event.type_, abi::SNDRV_CTL_EVENT_ELEM);
    let elem = event.data.elem();
    assert_eq!(elem.mask, abi::SNDRV_CTL_EVENT_MASK_VALUE);
    assert_eq!(elem.id.numid, 9);
    assert!(elem.id.name.starts_with(b"Master Playback Volume\0"));
}

#[test]
fn a_short_read_is_no_record() {
    let size = size_of::<SndPcmChannelInfo>();
    for len in [0, 1, size - 1] {
        let fd = file_of(&vec![0x5au8; len]);
        assert!(
            read_record::<SndPcmChannelInfo>(fd.as_fd(), Op::ReadEvent)
                .unwrap()
                .is_none(),
            "{len} bytes"
        );
    }
}

#[test]
fn a_refused_read_names_the_operation() {
    let dir = rustix::fs::open(
        "/",
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .expect("open /");
    assert_eq!(
        read_record::<SndCtlEvent>(dir.as_fd(), Op::ReadEvent).err(),
        Some(Error::Sys {
            op: Op::ReadEvent,
            errno: Errno(rustix::io::Errno::ISDIR.raw_os_error())
        })
    );
}
