//! With the `std` feature the descriptors are the standard library's: `fd()` gives a
//! `std::os::fd::BorrowedFd` and `from_fd` takes a `std::os::fd::OwnedFd` (rustix's `std`
//! feature), so a stream fits a std event loop without conversion. Built only with `--features
//! std`.

use std::os::fd::{BorrowedFd, OwnedFd};

use alsa_direct::{Capture, ControlDevice, Direction, Error, MmapStream, Op, PcmDevice, Playback};

/// Where a std descriptor is expected.
fn takes_std_fd(_: BorrowedFd<'_>) {}

/// Compiles only when every `fd()` is std's `BorrowedFd`; never called (no device here).
#[allow(dead_code)]
fn fds_are_std(
    playback: &MmapStream<i16, Playback>,
    capture: &MmapStream<i32, Capture>,
    pcm: &PcmDevice,
    control: &ControlDevice,
) {
    takes_std_fd(playback.fd());
    takes_std_fd(capture.fd());
    takes_std_fd(pcm.fd());
    takes_std_fd(control.fd());
}

#[test]
fn from_fd_takes_a_std_owned_fd() {
    // Not a PCM: the protocol query fails, but the std descriptor was taken as it is.
    let file = std::fs::File::open("/dev/null").expect("/dev/null");
    let fd: OwnedFd = file.into();
    match PcmDevice::from_fd(fd, Direction::Playback) {
        Err(Error::Sys { op, .. }) => assert_eq!(op, Op::PcmVersion),
        other => panic!("/dev/null taken as a PCM: {:?}", other.map(|_| ())),
    }
}
