//! Adopting a stream set up elsewhere (`MmapStream::adopt`), and reading a stream's status
//! from another thread (`StatusReader`).
//!
//! "Elsewhere" is a descriptor whose `HW_PARAMS` another party set: here a stream of this
//! crate opened and set up, its descriptor duplicated and the stream dropped, so that the
//! duplicate holds a configured device no `MmapStream` owns (what alsa-lib hands over after
//! `snd_pcm_hw_params`; the kernel cannot tell the two apart).

use std::ops::ControlFlow;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use alsa_direct::{Direction, Error, Format, MmapStream, Negotiated, Param, PcmDevice, Playback, State};

use crate::common;

/// A playback device configured (S16_LE, stereo, 48 kHz, 4 periods of 256 frames) by a
/// stream that is gone, and what it was configured with.
fn set_up_elsewhere() -> (PcmDevice, Negotiated) {
    let config = common::config(Format::S16Le, 2, 48_000, 256, 4);
    let stream = MmapStream::<i16, Playback>::open(&common::playback_device(), &config).unwrap();
    let known = stream.setup().negotiated;
    // SAFETY: `fcntl(F_DUPFD_CLOEXEC)` on a descriptor the stream owns and keeps open here.
    let dup = unsafe { libc::fcntl(stream.fd().as_raw_fd(), libc::F_DUPFD_CLOEXEC, 0) };
    assert!(dup >= 0, "dup: {}", std::io::Error::last_os_error());
    drop(stream);
    // SAFETY: `dup` is a fresh descriptor owned by nothing else.
    let fd = unsafe { OwnedFd::from_raw_fd(dup) };
    (PcmDevice::from_fd(fd, Direction::Playback).unwrap(), known)
}

#[test]
fn adopts_a_stream_set_up_elsewhere_and_plays() {
    let (pcm, known) = set_up_elsewhere();
    let config = common::config(Format::S16Le, 2, 48_000, 256, 4);
    let mut stream =
        MmapStream::<i16, Playback>::adopt(pcm, &known, &config).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stream.setup().negotiated, known);
    eprintln!("adopted: {}", stream.setup());
    let periods = 3 * known.periods as u64;
    stream
        .run(|period, info| {
            period.fill(1000);
            if info.position / u64::from(known.period_size) + 1 >= periods {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    let status = stream.status().unwrap();
    assert!(status.hw_ptr > 0, "the adopted stream did not run: {status:?}");
    assert_eq!(stream.xruns(), 0);
}

#[test]
fn adoption_refuses_what_the_kernel_contradicts() {
    let config = common::config(Format::S16Le, 2, 48_000, 256, 4);
    let refused = |claim: fn(&mut Negotiated)| {
        let (pcm, mut known) = set_up_elsewhere();
        claim(&mut known);
        let e = MmapStream::<i16, Playback>::adopt(pcm, &known, &config).unwrap_err();
        eprintln!("refused: {e}");
        e.error()
    };
    assert!(matches!(
        refused(|k| k.channels = 1),
        Error::AdoptedMismatch {
            param: Param::FrameBits,
            claimed: 16,
            kernel: 32
        }
    ));
    assert!(matches!(
        refused(|k| {
            k.periods = 8;
            k.buffer_size = 2048;
        }),
        Error::AdoptedMismatch {
            param: Param::BufferSize,
            claimed: 2048,
            ..
        }
    ));
    // The wrong sample type for the claimed format, before any system call.
    let (pcm, mut known) = set_up_elsewhere();
    known.format = Format::S32Le;
    let e = MmapStream::<i16, Playback>::adopt(pcm, &known, &config).unwrap_err();
    assert_eq!(
        e,
        Error::FormatMismatch {
            format: Format::S32Le
        }
    );
    // A claimed S32_LE (the right type for it) on a device set up for S16_LE.
    let (pcm, mut known) = set_up_elsewhere();
    known.format = Format::S32Le;
    let e = MmapStream::<i32, Playback>::adopt(pcm, &known, &config).unwrap_err();
    assert!(matches!(
        e.error(),
        Error::AdoptedMismatch {
            param: Param::FrameBits,
            claimed: 64,
            kernel: 32
        }
    ));
}

#[test]
fn adoption_refuses_a_device_without_hw_params() {
    let name = common::playback_device().parse().unwrap();
    let pcm = PcmDevice::open(&name, Direction::Playback).unwrap();
    let known = Negotiated {
        format: Format::S16Le,
        channels: 2,
        rate: 48_000,
        period_size: 256,
        periods: 4,
        buffer_size: 1024,
    };
    let config = common::config(Format::S16Le, 2, 48_000, 256, 4);
    let e = MmapStream::<i16, Playback>::adopt(pcm, &known, &config).unwrap_err();
    assert_eq!(e, Error::BadState(State::Open));
    assert!(e.to_string().contains("/dev/snd/pcmC"), "{e}");
}

#[test]
fn a_status_reader_follows_the_stream_from_another_thread() {
    let config = common::config(Format::S16Le, 2, 48_000, 256, 4);
    let mut stream = MmapStream::<i16, Playback>::open(&common::playback_device(), &config).unwrap();
    let reader = stream.status_reader().unwrap();
    let before = reader.read().unwrap();
    assert_eq!(before.state, State::Prepared);
    let watcher = std::thread::spawn(move || {
        let mut seen = 0;
        for _ in 0..200 {
            let status = reader.read().unwrap();
            seen = seen.max(status.hw_ptr);
            if status.state == State::Running && seen > 0 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        (seen, reader)
    });
    stream
        .run(|period, info| {
            period.fill(0);
            if info.position >= 48_000 / 2 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    let (seen, reader) = watcher.join().unwrap();
    assert!(seen > 0, "the reader never saw the stream move");
    // The reader may outlive the stream: it reads the device's last state.
    let appl = stream.appl_ptr();
    drop(stream);
    let after = reader.read().unwrap();
    assert_eq!(after.appl_ptr, appl);
}

/// The built example `name`: in the guest beside the test binary's directory, on a host in
/// cargo's `examples/` (as `examples.rs` finds them).
fn example(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe.parent().expect("the test binary's directory");
    [
        dir.join("examples").join(name),
        dir.join("../examples").join(name),
    ]
    .into_iter()
    .find(|p| p.is_file())
    .unwrap_or_else(|| panic!("no example {name}: run `cargo build --examples` first"))
}

/// This process plays the part of alsa-lib or a C program: it configures the device, then
/// `exec`s the `adopt` example with the descriptor inherited, which plays through it until
/// SIGTERM (the library's signal handler) stops it at a period and it drains.
#[test]
fn example_adopt_plays_an_inherited_descriptor_and_stops_on_sigterm() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let (pcm, known) = set_up_elsewhere();
    // An inheritable duplicate (no close-on-exec) for the child.
    // SAFETY: `fcntl(F_DUPFD)` on the descriptor `pcm` owns and keeps open here.
    let inherited = unsafe { libc::fcntl(pcm.fd().as_raw_fd(), libc::F_DUPFD, 10) };
    assert!(inherited >= 0, "dup: {}", std::io::Error::last_os_error());
    let fd = inherited.to_string();
    let (period, periods) = (known.period_size.to_string(), known.periods.to_string());
    let mut child = Command::new(example("adopt"))
        .args([
            "--fd", &fd, "-f", "S16_LE", "-c", "2", "-r", "48000", "-p", &period, "-n", &periods, "-d", "60",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn adopt");
    // SAFETY: closing this process's copies; the child has its own.
    unsafe { libc::close(inherited) };
    drop(pcm);
    std::thread::sleep(Duration::from_millis(1500));
    let pid = i32::try_from(child.id()).expect("a pid");
    // SAFETY: kill only sends a signal, to our own child.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let sent = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(5),
            "adopt did not stop within 5 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .unwrap();
    eprintln!("{stderr}");
    assert!(status.success(), "adopt failed ({status}):\n{stderr}");
    assert!(
        stderr.contains("adopt: adopted S16_LE, 2 channels, 48000 Hz, period 256 frames"),
        "{stderr}"
    );
    assert!(stderr.contains(" frames played, "), "{stderr}");
}
