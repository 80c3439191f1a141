//! The control device: card ids, PCM device and subdevice listing.

use alsa_direct::{cards, ControlDevice, DeviceName};

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
    for capture in [false, true] {
        let info = control.pcm_info(0, 0, capture).unwrap().expect("both directions");
        assert_eq!(info.capture, capture);
        assert_eq!(info.subdevices_count, 8, "snd-aloop's default pcm_substreams");
        let last = control.pcm_info(0, 7, capture).unwrap().expect("subdevice 7");
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
