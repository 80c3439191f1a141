//! Mixer controls on a real kernel: snd-aloop's per-substream controls on every board, and
//! snd-dummy's volumes (with a dB scale), switches and enumerations where the board loads it.

use alsa_direct::iec958::ChannelStatus;
use alsa_direct::mixer::{Access, Channels, ElemId, ElemInfo, ElemType, Interface, Limits, Mixer};
use alsa_direct::{cards, ControlDevice, Direction, Errno, Error, Op};

/// The card whose id is `id`, if present.
pub fn card(id: &str) -> Option<u32> {
    cards().find(|&c| {
        ControlDevice::open(c)
            .and_then(|ctl| ctl.card_info())
            .is_ok_and(|i| i.id == id)
    })
}

/// The first of `names` the mixer has (snd-aloop renamed its "PCM Slave ..." controls).
fn find_any(mixer: &Mixer, names: &[&str]) -> ElemInfo {
    names
        .iter()
        .find_map(|n| mixer.find(n, 0).ok())
        .unwrap_or_else(|| panic!("none of {names:?} found"))
}

fn loopback() -> Mixer {
    Mixer::open(card("Loopback").expect("a card with id Loopback")).unwrap()
}

/// Puts an integer control back as it was, also when the test fails.
struct Restore<'a> {
    mixer: &'a Mixer,
    info: ElemInfo,
    values: alsa_direct::mixer::Values,
}

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.mixer.write(&self.values) {
            eprintln!("could not restore {}: {e}", self.info.id.name);
        }
    }
}

fn restore_later<'a>(mixer: &'a Mixer, info: &ElemInfo) -> Restore<'a> {
    Restore {
        mixer,
        info: info.clone(),
        values: mixer.read(info).unwrap(),
    }
}

#[test]
fn mixer_lists_the_loopback_controls() {
    let mixer = loopback();
    let count = mixer.count().unwrap();
    let ids: Vec<_> = mixer.elements().collect::<Result<_, _>>().unwrap();
    eprintln!("Loopback: {count} controls");
    // 2 devices x 8 substreams x 6 controls: more than one ELEM_LIST batch of 32.
    assert_eq!(ids.len() as u32, count);
    assert!(count > 32, "only {count} controls");
    let mut numids: Vec<u32> = ids.iter().map(|id| id.numid).collect();
    numids.dedup();
    assert_eq!(numids.len(), ids.len(), "an id listed twice");
    let rate_shift: Vec<_> = ids
        .iter()
        .filter(|id| id.name == "PCM Rate Shift 100000")
        .collect();
    assert_eq!(rate_shift.len(), 16, "one per device and substream");
    assert!(rate_shift.iter().all(|id| id.iface == Interface::Pcm));
    assert!(rate_shift.iter().any(|id| id.device == 1 && id.subdevice == 7));
    assert_eq!(ids.iter().filter(|id| id.name == "PCM Notify").count(), 16);
    // Every listed id describes itself.
    for id in ids.iter().take(12) {
        let info = mixer.info(id).unwrap();
        assert_eq!(&info.id, id);
        eprintln!(
            "  {} {:?} {} x{} {:?}",
            info.id.name, info.kind, info.id.device, info.count, info.limits
        );
    }
}

#[test]
fn mixer_rate_shift_reads_writes_and_refuses_out_of_range() {
    let mixer = loopback();
    let info = mixer.find("PCM Rate Shift 100000", 0).unwrap();
    assert_eq!(info.kind, ElemType::Integer);
    assert_eq!(info.count, 1);
    assert_eq!(info.integer_range(), Some((80_000, 120_000)));
    assert!(info.access.readable() && info.access.writable());
    let _restore = restore_later(&mixer, &info);
    assert_eq!(mixer.get::<i64>(&info, 0).unwrap(), 100_000, "the default");

    mixer.set(&info, 0, 100_500i64).unwrap();
    assert_eq!(mixer.get::<i64>(&info, 0).unwrap(), 100_500);
    mixer.set(&info, Channels::All, 80_000i64).unwrap();
    assert_eq!(mixer.get::<i64>(&info, 0).unwrap(), 80_000);

    for bad in [79_999, 120_001, -1, i64::MAX] {
        assert_eq!(
            mixer.set(&info, 0, bad),
            Err(Error::ControlValue {
                value: bad,
                min: 80_000,
                max: 120_000
            })
        );
    }
    assert_eq!(
        mixer.set(&info, 1, 100_000i64),
        Err(Error::ControlChannel { channel: 1, count: 1 })
    );
    assert_eq!(
        mixer.set(&info, 0, true),
        Err(Error::ControlType {
            found: ElemType::Integer
        })
    );
    assert_eq!(
        mixer.get::<i64>(&info, 0).unwrap(),
        80_000,
        "refused writes changed nothing"
    );
    // No dB scale on this one.
    assert_eq!(mixer.db_range(&info).unwrap(), None);
}

#[test]
fn mixer_notify_switch_toggles() {
    let mixer = loopback();
    let info = mixer.find("PCM Notify", 0).unwrap();
    assert_eq!(info.kind, ElemType::Boolean);
    let _restore = restore_later(&mixer, &info);
    let was = mixer.get::<bool>(&info, 0).unwrap();
    assert!(!was, "PCM Notify is off by default");
    mixer.set(&info, 0, true).unwrap();
    assert!(mixer.get::<bool>(&info, 0).unwrap());
    mixer.set(&info, Channels::All, false).unwrap();
    assert!(!mixer.get::<bool>(&info, 0).unwrap());
    assert_eq!(
        mixer.get::<i64>(&info, 0),
        Err(Error::ControlType {
            found: ElemType::Boolean
        })
    );
}

#[test]
fn mixer_read_only_controls_refuse_writes() {
    let mixer = loopback();
    let active = find_any(&mixer, &["PCM Slave Active", "PCM Active"]);
    assert_eq!(active.kind, ElemType::Boolean);
    assert!(active.access.readable() && !active.access.writable());
    assert!(!mixer.get::<bool>(&active, 0).unwrap(), "no stream runs");
    let err = mixer.set(&active, 0, true).unwrap_err();
    assert_eq!(
        err,
        Error::Sys {
            op: Op::ElemWrite,
            errno: Errno::PERM
        }
    );
    eprintln!("write to {}: {err}", active.id.name);

    for names in [
        ["PCM Slave Rate", "PCM Rate"],
        ["PCM Slave Channels", "PCM Channels"],
        ["PCM Slave Format", "PCM Format"],
    ] {
        let info = find_any(&mixer, &names);
        assert_eq!(info.kind, ElemType::Integer, "{names:?}");
        assert!(!info.access.writable(), "{names:?}");
        let value = mixer.get::<i64>(&info, 0).unwrap();
        let (min, max) = info.integer_range().unwrap();
        eprintln!("{}: {value} ({min}..={max})", info.id.name);
        assert!((min..=max).contains(&value), "{names:?}: {value}");
        // In range, so the kernel itself refuses it.
        assert_eq!(
            mixer.set(&info, 0, value).unwrap_err(),
            Error::Sys {
                op: Op::ElemWrite,
                errno: Errno::PERM
            }
        );
    }
}

#[test]
fn mixer_unknown_control_is_a_typed_error() {
    let mixer = loopback();
    assert_eq!(mixer.find("No Such Control", 0), Err(Error::NoSuchControl));
    assert_eq!(mixer.find("PCM Notify", 99), Err(Error::NoSuchControl));
    let mut info = mixer.find("PCM Notify", 0).unwrap();
    info.id.numid = 100_000;
    let err = mixer.read(&info).unwrap_err();
    assert_eq!(err.errno(), Some(Errno::NOENT), "{err}");
}

/// The snd-dummy card, or `None` with the reason printed (it is loaded on qemu-x86_64 only).
fn dummy() -> Option<Mixer> {
    match card("Dummy") {
        Some(index) => Some(Mixer::open(index).unwrap()),
        None => {
            eprintln!(
                "skipped: no card with id Dummy (this board does not load snd-dummy; qemu-x86_64 does)"
            );
            None
        }
    }
}

#[test]
fn mixer_dummy_volume_has_its_db_scale() {
    let Some(mixer) = dummy() else { return };
    let info = mixer.find("Master Volume", 0).unwrap();
    assert_eq!(info.kind, ElemType::Integer);
    assert_eq!(info.count, 2);
    assert_eq!(info.id.iface, Interface::Mixer);
    assert!(info.access.tlv_readable());
    let (min, max) = info.integer_range().unwrap();
    // snd-dummy: mixer_volume_level_min/max module parameters, -50 and 100 by default.
    assert_eq!((min, max), (-50, 100));
    let tlv = mixer.tlv(&info).unwrap().expect("TLV data");
    assert_eq!(
        tlv.words(),
        // SNDRV_CTL_TLVT_DB_SCALE (1), 8 bytes: the minimum and the step in centi-dB.
        [1, 8, -4500i32 as u32, 30]
    );
    // DECLARE_TLV_DB_SCALE(db_scale_dummy, -4500, 30, 0) over the control's range.
    let db = mixer.db_range(&info).unwrap().expect("a dB range");
    assert_eq!(db.min, -4500);
    assert_eq!(db.max, -4500 + 30 * (max - min) as i32);
    assert!(!db.mute);
    eprintln!("Master Volume {min}..={max}: {db}");

    let _restore = restore_later(&mixer, &info);
    mixer.set(&info, 0, -50i64).unwrap();
    mixer.set(&info, 1, 77i64).unwrap();
    assert_eq!(
        mixer.get::<i64>(&info, 0).unwrap(),
        -50,
        "negative values survive"
    );
    assert_eq!(mixer.get::<i64>(&info, 1).unwrap(), 77);
    mixer.set(&info, Channels::All, 12i64).unwrap();
    let values = mixer.read(&info).unwrap();
    assert_eq!((values.integer(0), values.integer(1)), (Ok(12), Ok(12)));
    assert_eq!(
        mixer.set(&info, 0, 101i64),
        Err(Error::ControlValue {
            value: 101,
            min: -50,
            max: 100
        })
    );
    assert_eq!(
        mixer.get::<i64>(&info, 2),
        Err(Error::ControlChannel { channel: 2, count: 2 })
    );
}

#[test]
fn mixer_dummy_switches_and_enumerations() {
    let Some(mixer) = dummy() else { return };
    let infos: Vec<ElemInfo> = mixer
        .elements()
        .map(|id| mixer.info(&id.unwrap()).unwrap())
        .collect();
    let switch = infos
        .iter()
        .find(|i| i.kind == ElemType::Boolean && i.access.writable() && i.count == 2)
        .expect("a stereo switch (Master Capture Switch)");
    eprintln!("switch: {}", switch.id.name);
    let _restore = restore_later(&mixer, switch);
    mixer.set(switch, 0, true).unwrap();
    mixer.set(switch, 1, false).unwrap();
    assert!(mixer.get::<bool>(switch, 0).unwrap());
    assert!(!mixer.get::<bool>(switch, 1).unwrap());
    mixer.set(switch, Channels::All, false).unwrap();
    assert!(!mixer.get::<bool>(switch, 0).unwrap());

    let Some(enumerated) = infos
        .iter()
        .find(|i| i.kind == ElemType::Enumerated && i.access.writable())
    else {
        eprintln!("skipped the enumerated part: snd-dummy of this kernel has no writable enumerated control");
        return;
    };
    let items = enumerated.enum_items().unwrap();
    assert!(items >= 2, "{items} items");
    let names: Vec<_> = (0..items)
        .map(|i| mixer.enum_item_name(enumerated, i).unwrap())
        .collect();
    eprintln!("enumerated: {} {names:?}", enumerated.id.name);
    assert!(names.iter().all(|n| !n.is_empty()));
    let _restore_enum = restore_later(&mixer, enumerated);
    let last = items - 1;
    mixer.set(enumerated, Channels::All, last).unwrap();
    assert_eq!(mixer.get::<u32>(enumerated, 0).unwrap(), last);
    assert_eq!(mixer.enum_item_index(enumerated, &names[0]).unwrap(), 0);
    mixer.set(enumerated, 0, 0u32).unwrap();
    assert_eq!(mixer.get::<u32>(enumerated, 0).unwrap(), 0);
    assert_eq!(
        mixer.set(enumerated, 0, items),
        Err(Error::ControlValue {
            value: items.into(),
            min: 0,
            max: i64::from(last)
        })
    );
    assert_eq!(
        mixer.enum_item_index(enumerated, "no such item"),
        Err(Error::NoSuchControl)
    );
}

/// Drops the events already queued (a test before this one may have changed controls).
fn drain_events(mixer: &Mixer) {
    while let Some(event) = mixer.wait_event(Some(0)).unwrap() {
        eprintln!("  (queued before: {} '{}')", event.mask, event.id.name);
    }
}

#[test]
fn mixer_event_for_a_change_made_through_another_handle() {
    let watcher = loopback();
    let writer = loopback();
    let info = writer.find("PCM Rate Shift 100000", 0).unwrap();
    let _restore = restore_later(&writer, &info);
    let was = writer.get::<i64>(&info, 0).unwrap();

    // Not subscribed: nothing to wait for.
    assert_eq!(watcher.wait_event(Some(20)).unwrap(), None);
    watcher.subscribe(true).unwrap();
    drain_events(&watcher);

    let changed = if was == 100_123 { 100_124 } else { 100_123 };
    writer.set(&info, 0, changed).unwrap();
    let event = watcher
        .wait_event(Some(2000))
        .unwrap()
        .expect("an event within 2 s of the write");
    eprintln!(
        "event: {} '{}' numid {}",
        event.mask, event.id.name, event.id.numid
    );
    assert!(event.mask.value(), "{}", event.mask);
    assert!(!event.mask.removed());
    assert_eq!(event.id.numid, info.id.numid);
    assert_eq!(event.id.name, info.id.name);
    assert_eq!(event.id.iface, Interface::Pcm);
    assert_eq!(watcher.get::<i64>(&info, 0).unwrap(), changed);

    // Writing the same value changes nothing, so no event.
    writer.set(&info, 0, changed).unwrap();
    assert_eq!(watcher.wait_event(Some(100)).unwrap(), None);

    // The writer's own handle, once subscribed, sees its own change too.
    writer.subscribe(true).unwrap();
    drain_events(&writer);
    writer.set(&info, 0, was).unwrap();
    let own = writer
        .wait_event(Some(2000))
        .unwrap()
        .expect("the writer's own event");
    assert_eq!(own.id.numid, info.id.numid);
    let seen = watcher
        .wait_event(Some(2000))
        .unwrap()
        .expect("the watcher's event");
    assert_eq!(seen.id.numid, info.id.numid);

    // Unsubscribed: no more events.
    watcher.subscribe(false).unwrap();
    writer.set(&info, 0, changed).unwrap();
    assert_eq!(watcher.wait_event(Some(100)).unwrap(), None);
}

#[test]
fn mixer_percent_on_the_loopback_and_no_db_scale() {
    let mixer = loopback();
    let info = mixer.find("PCM Rate Shift 100000", 0).unwrap();
    let _restore = restore_later(&mixer, &info);
    // 80000..=120000: 50% is 100000, 25% 90000.
    assert_eq!(mixer.write_percent(&info, None, 50).unwrap(), 100_000);
    assert_eq!(mixer.get::<i64>(&info, 0).unwrap(), 100_000);
    assert_eq!(mixer.read_percent(&info, 0).unwrap(), 50);
    assert_eq!(mixer.write_percent(&info, Some(0), 25).unwrap(), 90_000);
    assert_eq!(mixer.read_percent(&info, 0).unwrap(), 25);
    assert_eq!(mixer.write_percent(&info, None, 101), Err(Error::BadPercent(101)));
    assert_eq!(mixer.read_db(&info, 0), Err(Error::NoDbScale));
    assert_eq!(
        mixer.write_db(&info, None, -600, alsa_direct::mixer::DbRounding::Down),
        Err(Error::NoDbScale)
    );
    let switch = mixer.find("PCM Notify", 0).unwrap();
    assert_eq!(
        mixer.write_percent(&switch, None, 50),
        Err(Error::ControlType {
            found: ElemType::Boolean
        })
    );
}

#[test]
fn mixer_dummy_volume_by_db_and_percent() {
    use alsa_direct::mixer::DbRounding;
    let Some(mixer) = dummy() else { return };
    let info = mixer.find("Master Volume", 0).unwrap();
    let _restore = restore_later(&mixer, &info);
    // -50..=100 on -45 dB + 0.3 dB per step: value 0 is -30 dB.
    assert_eq!(mixer.write_db(&info, None, -3000, DbRounding::Down).unwrap(), 0);
    assert_eq!(mixer.get::<i64>(&info, 1).unwrap(), 0);
    assert_eq!(mixer.read_db(&info, 0).unwrap(), -3000);
    // -30.1 dB: down to -30.3 (value -1), up to -30.0 (value 0).
    assert_eq!(
        mixer.write_db(&info, Some(0), -3010, DbRounding::Down).unwrap(),
        -1
    );
    assert_eq!(mixer.write_db(&info, Some(1), -3010, DbRounding::Up).unwrap(), 0);
    assert_eq!(mixer.read_db(&info, 0).unwrap(), -3030);
    assert_eq!(mixer.read_db(&info, 1).unwrap(), -3000);
    // Louder than the top (+6 dB): the top, 0 dB (-45 dB + 150 steps of 0.3 dB).
    assert_eq!(mixer.write_db(&info, None, 600, DbRounding::Down).unwrap(), 100);
    assert_eq!(mixer.read_db(&info, 0).unwrap(), 0);
    assert_eq!(mixer.write_percent(&info, None, 0).unwrap(), -50);
    assert_eq!(mixer.read_db(&info, 1).unwrap(), -4500);
    assert_eq!(mixer.write_percent(&info, Some(1), 50).unwrap(), 25);
    assert_eq!(mixer.read_percent(&info, 1).unwrap(), 50);
    assert_eq!(mixer.read_percent(&info, 0).unwrap(), 0);
}

#[test]
fn mixer_loopback_has_no_channel_map_controls() {
    // snd-aloop registers no `Playback/Capture Channel Map` (HDA and USB audio do): the
    // lookup answers None rather than an error, for every device and direction.
    let mixer = loopback();
    for device in [0, 1] {
        for direction in Direction::ALL {
            assert_eq!(mixer.chmap_control(device, 0, direction).unwrap(), None);
        }
    }
}

/// The first card that is neither the loopback nor the dummy card, waiting up to 3 s for one
/// to register (HDA probes after `insmod` returns).
fn real_card() -> Option<u32> {
    for _ in 0..30 {
        let found = cards().find(|&c| {
            ControlDevice::open(c)
                .and_then(|ctl| ctl.card_info())
                .is_ok_and(|i| i.id != "Loopback" && i.id != "Dummy")
        });
        if found.is_some() {
            return found;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    None
}

#[test]
fn mixer_channel_maps_of_a_real_driver() {
    use alsa_direct::chmap::{ChmapKind, Position};
    use alsa_direct::{Config, Format, MmapStream, Playback};
    let Some(card) = real_card() else {
        eprintln!(
            "skipped: no real sound card on this board (an intel-hda or usb-audio qemu device has one)"
        );
        return;
    };
    let mixer = Mixer::open(card).unwrap();
    eprintln!("card {card}: {}", mixer.control().card_info().unwrap().name);
    let control = mixer
        .chmap_control(0, 0, Direction::Playback)
        .unwrap()
        .expect("a Playback Channel Map on PCM device 0");
    eprintln!(
        "{} device {} index {}: x{} {:?}",
        control.id.name, control.id.device, control.id.index, control.count, control.access
    );
    assert_eq!(control.id.iface, Interface::Pcm);
    let maps = mixer.chmaps::<256>(&control).unwrap();
    let maps: Vec<_> = maps.iter().collect::<Result<_, _>>().unwrap();
    for map in &maps {
        eprintln!("  offers {map}");
    }
    assert!(
        maps.iter()
            .any(|m| m.kind == ChmapKind::Fixed && m.positions() == [Position::FL, Position::FR]),
        "stereo FL FR offered"
    );
    // Too small a buffer: the kernel refuses rather than truncating.
    assert!(mixer.chmaps::<4>(&control).is_err());
    assert_eq!(
        mixer.chmap_control(0, 1, Direction::Playback).unwrap(),
        None,
        "one subdevice"
    );

    let idle = mixer.current_chmap(&control).unwrap();
    eprintln!("  current with no stream: [{idle}]");
    assert_eq!(idle.channels(), 0);
    let config = Config::new(Format::S16, 2, 48_000).period_size(1024).periods(4);
    let stream = MmapStream::<i16, Playback>::open(&format!("hw:{card},0"), &config).unwrap();
    let current = mixer.current_chmap(&control).unwrap();
    eprintln!("  current with a stereo stream: {current}");
    assert_eq!(current.positions(), [Position::FL, Position::FR]);
    if !control.access.writable() {
        let err = mixer.set_chmap(&control, &current).unwrap_err();
        eprintln!("  set on a read-only map: {err}");
        assert_eq!(err.errno(), Some(Errno::PERM));
    }
    drop(stream);
}

/// A user control added for a test, removed again when dropped (the kernel keeps user
/// controls after the device is closed).
struct UserControl<'a> {
    mixer: &'a Mixer,
    info: ElemInfo,
}

impl Drop for UserControl<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.mixer.remove_user_control(&self.info.id) {
            eprintln!("could not remove {}: {e}", self.info.id);
        }
    }
}

/// Adds a user control `name`,`index` of `kind` to the card (interface `iface`).
fn add_user<'a>(
    mixer: &'a Mixer,
    iface: Interface,
    name: &str,
    index: u32,
    kind: ElemType,
    count: u32,
    limits: Limits,
) -> UserControl<'a> {
    let mut id = ElemId {
        numid: 0,
        iface,
        device: 0,
        subdevice: 0,
        name: Default::default(),
        index,
    };
    id.name.push_str(name).unwrap();
    let wanted = ElemInfo {
        id,
        kind,
        access: Access(0),
        count,
        limits,
    };
    let info = mixer
        .add_user_control(&wanted)
        .unwrap_or_else(|e| panic!("ELEM_ADD {name},index={index}: {e}"));
    assert_eq!((info.kind, info.count, info.id.index), (kind, count, index));
    assert!(info.access.readable() && info.access.writable());
    eprintln!("  added {}", info.id);
    UserControl { mixer, info }
}

/// The card the user-control tests add to: the loopback where there is one, else card 0.
fn user_card() -> Mixer {
    Mixer::open(card("Loopback").or_else(|| cards().next()).expect("a sound card")).unwrap()
}

/// Issue 22: controls that share a name and differ by index (HDA's `Master Playback Volume`
/// 0 and 10) are addressed as amixer does, `name,index=N`. On a user control pair made
/// here, and on every card's own such controls where it has them (printed).
#[test]
fn mixer_controls_of_one_name_are_addressed_by_index() {
    let mixer = user_card();
    let limits = |min, max| Limits::Integer { min, max, step: 1 };
    let first = add_user(
        &mixer,
        Interface::Mixer,
        "Direct Test Volume",
        0,
        ElemType::Integer,
        2,
        limits(0, 100),
    );
    let tenth = add_user(
        &mixer,
        Interface::Mixer,
        "Direct Test Volume",
        10,
        ElemType::Integer,
        1,
        limits(-50, 50),
    );
    for text in [
        "Direct Test Volume,index=10",
        "'Direct Test Volume',10",
        "iface=MIXER,name='Direct Test Volume',index=10",
        &format!("numid={}", tenth.info.id.numid),
        &tenth.info.id.to_string(),
    ] {
        let found = mixer.lookup(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(found.id, tenth.info.id, "{text}");
    }
    assert_eq!(mixer.lookup("Direct Test Volume").unwrap().id, first.info.id);
    assert_eq!(mixer.find("Direct Test Volume", 10).unwrap().id, tenth.info.id);
    assert_eq!(
        mixer.lookup("Direct Test Volume,index=3"),
        Err(Error::NoSuchControl)
    );
    assert_eq!(
        mixer.lookup("Direct Test Volume,index=x"),
        Err(Error::BadControlId)
    );
    // Each is written and read on its own.
    mixer.set(&tenth.info, 0, -42i64).unwrap();
    mixer.set(&first.info, Channels::All, 7i64).unwrap();
    assert_eq!(mixer.get::<i64>(&tenth.info, 0).unwrap(), -42);
    assert_eq!(mixer.get::<i64>(&first.info, 1).unwrap(), 7);
    // A second add of the same id is refused by the kernel.
    let again = mixer.add_user_control(&tenth.info).unwrap_err();
    assert_eq!(again.errno(), Some(Errno::BUSY), "{again}");

    // Every card's own controls beyond index 0 (HDA's Master Playback Volume 10).
    let mut own = 0;
    for card in cards() {
        let mixer = Mixer::open(card).unwrap();
        let ids: Vec<_> = mixer.elements().collect::<Result<_, _>>().unwrap();
        for id in ids
            .iter()
            .filter(|id| id.index > 0 && !id.name.starts_with("Direct Test"))
        {
            assert_eq!(&mixer.lookup(&id.to_string()).unwrap().id, id);
            let fields = format!(
                "iface={},name='{}',index={},device={},subdevice={}",
                id.iface, id.name, id.index, id.device, id.subdevice
            );
            assert_eq!(&mixer.lookup(&fields).unwrap().id, id);
            eprintln!("  card {card}: its own {id} found by its index");
            own += 1;
        }
    }
    eprintln!("  {own} controls of the cards' own beyond index 0 found by their index");
}

/// Issue 22: an INTEGER64 user control over all of i64: percent and the value check work
/// without overflow.
#[test]
fn mixer_integer64_over_the_whole_range() {
    let mixer = user_card();
    let wide = Limits::Integer {
        min: i64::MIN,
        max: i64::MAX,
        step: 0,
    };
    let control = add_user(
        &mixer,
        Interface::Mixer,
        "Direct Test Wide",
        0,
        ElemType::Integer64,
        1,
        wide,
    );
    let info = &control.info;
    assert_eq!(info.limits, wide);
    assert_eq!(mixer.write_percent(info, None, 100).unwrap(), i64::MAX);
    assert_eq!(mixer.get::<i64>(info, 0).unwrap(), i64::MAX);
    assert_eq!(mixer.read_percent(info, 0).unwrap(), 100);
    mixer.set(info, 0, i64::MIN).unwrap();
    assert_eq!(mixer.read_percent(info, 0).unwrap(), 0);
    let half = mixer.write_percent(info, None, 50).unwrap();
    assert_eq!(mixer.get::<i64>(info, 0).unwrap(), half);
    assert_eq!(mixer.read_percent(info, 0).unwrap(), 50);
}

/// Issue 24: an IEC958 control (`IEC958 Playback Default`, interface PCM, as vc4-hdmi has
/// one) made with ELEM_ADD, since no emulated card has one: written with the channel status
/// alsa-lib's vc4-hdmi.conf sets, read back, removed.
#[test]
fn mixer_iec958_user_control_written_read_and_removed() {
    let mixer = user_card();
    let control = add_user(
        &mixer,
        Interface::Pcm,
        "IEC958 Playback Default",
        0,
        ElemType::Iec958,
        1,
        Limits::None,
    );
    let info = mixer.lookup("iface=PCM,name='IEC958 Playback Default'").unwrap();
    assert_eq!(info.id, control.info.id);
    assert_eq!(info.kind, ElemType::Iec958);
    let status = ChannelStatus::hdmi_pcm(48_000);
    mixer.write_iec958(&info, &status).unwrap();
    let back = mixer.read_iec958(&info).unwrap();
    assert_eq!(back, status);
    assert_eq!(back.0[..4], [0x04, 0x82, 0x00, 0x02], "AES0-AES3");
    // The whole record: the status first, the rest as it was (zero).
    let values = mixer.read(&info).unwrap();
    let record = values.bytes().unwrap();
    assert_eq!(record.len(), 176);
    assert_eq!(record[..24], status.0);
    assert!(record[24..].iter().all(|b| *b == 0));
    // AES3 for 44.1 kHz through the bytes call: only the first bytes change.
    mixer.write_bytes(&info, &[0x04, 0x82, 0x00, 0x00]).unwrap();
    assert_eq!(mixer.read_iec958(&info).unwrap(), ChannelStatus::hdmi_pcm(44_100));
    assert_eq!(
        mixer.get::<i64>(&info, 0),
        Err(Error::ControlType {
            found: ElemType::Iec958
        })
    );
    let id = info.id.clone();
    drop(control);
    assert_eq!(
        mixer.lookup("iface=PCM,name='IEC958 Playback Default'"),
        Err(Error::NoSuchControl),
        "removed"
    );
    let err = mixer.remove_user_control(&id).unwrap_err();
    assert_eq!(err.errno(), Some(Errno::NOENT), "{err}");
}

/// Issue 24: a BYTES user control: written in part and whole, read back, and more bytes than
/// it holds refused before any write.
#[test]
fn mixer_bytes_user_control() {
    let mixer = user_card();
    let control = add_user(
        &mixer,
        Interface::Mixer,
        "Direct Test Bytes",
        0,
        ElemType::Bytes,
        16,
        Limits::None,
    );
    let info = &control.info;
    let all: Vec<u8> = (0..16).map(|i| i * 17).collect();
    mixer.write_bytes(info, &all).unwrap();
    assert_eq!(mixer.read(info).unwrap().bytes().unwrap(), all);
    mixer.write_bytes(info, &[0xaa, 0xbb]).unwrap();
    let back = mixer.read(info).unwrap();
    assert_eq!(back.bytes().unwrap()[..3], [0xaa, 0xbb, 2 * 17]);
    assert_eq!(
        mixer.write_bytes(info, &[0; 17]),
        Err(Error::ControlChannel {
            channel: 17,
            count: 16
        })
    );
    // A control of the card's own (not a user one) cannot be removed.
    let own = mixer.elements().next().unwrap().unwrap();
    let err = mixer.remove_user_control(&own).unwrap_err();
    assert_eq!(err.errno(), Some(Errno::INVAL), "{err}");
}
