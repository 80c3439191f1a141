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
    // The kernel maps status/control pages only on x86, PowerPC and Alpha. A 32-bit process
    // on a 64-bit kernel is refused the control page and falls back.
    let expected = match std::env::consts::ARCH {
        "x86_64" | "powerpc64" => TransportKind::Mapped,
        "x86" => TransportKind::SyncPtr,
        _ => TransportKind::SyncPtr,
    };
    assert_eq!(kind, expected);
}

#[test]
fn forced_sync_ptr_on_every_arch() {
    assert_eq!(open_with(TransportChoice::ForceSyncPtr), TransportKind::SyncPtr);
}
