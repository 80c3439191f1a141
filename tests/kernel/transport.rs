//! The transport each arch uses, and the forced `SYNC_PTR` override.

use alsa_direct::{Format, MmapStream, Playback, TransportChoice, TransportKind};

use crate::common;

fn open_with(choice: TransportChoice) -> TransportKind {
    let config = common::config(Format::S16Le, 2, 48_000, 256, 4).transport(choice);
    MmapStream::<i16, Playback>::open(&common::playback_device(), &config)
        .unwrap_or_else(|e| panic!("open: {e}"))
        .transport()
}

#[test]
fn auto_transport_matches_the_arch() {
    let kind = open_with(TransportChoice::Auto);
    eprintln!("auto transport on {}: {kind:?}", std::env::consts::ARCH);
    // The kernel maps status/control pages only on x86, PowerPC and Alpha, and not for a
    // 32-bit process on a 64-bit kernel: the library's own answer for this kernel and arch.
    let expected = if alsa_direct::status_pages_mappable() {
        TransportKind::Mapped
    } else {
        TransportKind::SyncPtr
    };
    assert_eq!(kind, expected);
}

#[test]
fn forced_sync_ptr_on_every_arch() {
    assert_eq!(open_with(TransportChoice::ForceSyncPtr), TransportKind::SyncPtr);
}
