//! The control device: card ids, PCM device and subdevice listing.

use alsa_direct::{cards, ControlDevice, DeviceName, Direction};

#[test]
fn loopback_card_is_listed_with_its_devices() {
    let loopback = cards()
        .find(|&c| {
            ControlDevice::open(c)
                .and_then(|ctl| ctl.card_info())
                .is_ok_and(|i| i.id == "Loopback")
        })
        .expect("a card with id Loopback");
    assert_eq!(
        DeviceName::parse("hw:Loopback,0").unwrap().card_index().unwrap(),
        loopback
    );
    let control = ControlDevice::open(loopback).unwrap();
    let devices: Vec<u32> = control.pcm_devices().collect::<Result<_, _>>().unwrap();
    assert_eq!(devices, [0, 1], "snd-aloop has devices 0 and 1");
    for direction in Direction::ALL {
        let info = control
            .pcm_info(0, 0, direction)
            .unwrap()
            .expect("both directions");
        assert_eq!(info.direction, direction);
        assert_eq!(info.subdevices_count, 8, "snd-aloop's default pcm_substreams");
        let last = control.pcm_info(0, 7, direction).unwrap().expect("subdevice 7");
        assert_eq!(last.subdevice, 7);
    }
}

#[test]
fn explicit_subdevice_is_opened() {
    let config = crate::common::config(alsa_direct::Format::S16Le, 2, 48_000, 1024, 4);
    let stream =
        alsa_direct::MmapStream::<i16, alsa_direct::Playback>::open("hw:Loopback,0,3", &config).unwrap();
    assert_eq!(stream.info().subdevice, 3);
}

/// Frames between where a capture and a playback stand shortly after they start: together
/// when linked, the capture `delay_ms` later when not.
fn pointer_gap(link: bool, delay_ms: u64) -> u64 {
    use alsa_direct::{Capture, Format, MmapStream, Playback};
    // 680 ms of buffer: nothing refills it, and it must not run dry during the test.
    let config = crate::common::config(Format::S16Le, 2, 48_000, 8192, 4);
    let mut play = MmapStream::<i16, Playback>::open(&crate::common::playback_device(), &config).unwrap();
    let mut capture = MmapStream::<i16, Capture>::open(&crate::common::capture_device(), &config).unwrap();
    if link {
        play.link(&capture).unwrap();
    }
    let silence = vec![0i16; 4 * 8192 * 2];
    // Filling the buffer starts the playback (and, linked, the capture with it).
    play.write(&mut silence.into_iter()).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(delay_ms));
    if !link {
        capture.start().unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(20));
    let (p, c) = (play.status().unwrap(), capture.status().unwrap());
    assert_eq!(c.state, alsa_direct::State::Running);
    p.hw_ptr.abs_diff(c.hw_ptr)
}

#[test]
fn linked_streams_start_together() {
    let linked = pointer_gap(true, 200);
    let unlinked = pointer_gap(false, 200);
    eprintln!("hw_ptr gap: linked {linked} frames, unlinked (capture 200 ms late) {unlinked} frames");
    assert!(linked <= 1024, "linked streams {linked} frames apart");
    assert!(
        unlinked >= 4 * 1024,
        "the unlinked control run is only {unlinked} frames apart"
    );
}
