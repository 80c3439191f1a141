//! The texts a user sees: each error names the device and says what to do.

use std::format;
use std::string::ToString;

use crate::types::Direction;
use crate::{Config, DeviceContext, DeviceError, DeviceName, Errno, Error, Format, MmapStream, Op, Playback};

use super::Tried;

/// The `DeviceError` that `MmapStream::open(name)` makes of `error` once the name parsed.
fn on(name: &str, error: Error) -> DeviceError {
    let mut context = DeviceContext::given(name);
    DeviceName::parse(name)
        .unwrap()
        .note(&mut context, Direction::Playback);
    DeviceError::new(error, context)
}

#[test]
fn an_unknown_card_id_names_the_name_and_the_id() {
    let e = on("hw:vc4hdmi0,0", Error::UnknownCard);
    assert_eq!(
        e.to_string(),
        "hw:vc4hdmi0,0 (card id vc4hdmi0): no card has this id: list the cards with `cat /proc/asound/cards` (the id is the word in brackets)"
    );
    assert_eq!(e.device().name(), Some("hw:vc4hdmi0,0"));
    assert_eq!(e.device().card_id(), Some("vc4hdmi0"));
    assert_eq!(e.device().card(), None);
}

#[test]
fn a_failed_open_names_the_node() {
    let mut context = DeviceContext::given("hw:Loopback,1,0");
    DeviceName::parse("hw:Loopback,1,0")
        .unwrap()
        .note(&mut context, Direction::Playback);
    context.set_node(Some(2), 1, Some(0), Direction::Playback);
    let e = DeviceError::new(Error::sys(Op::OpenPcm, Errno::NOENT), context);
    let text = e.to_string();
    assert!(
        text.starts_with("hw:Loopback,1,0 (card id Loopback = card 2, /dev/snd/pcmC2D1p): open(pcm) failed: ENOENT (2); no such device node"),
        "{text}"
    );
}

#[test]
fn debug_reads_like_display() {
    // What `fn main() -> Result<(), Error>` prints: before, `Sys { op: OpenPcm, errno: Errno(2) }`.
    let e = Error::sys(Op::OpenPcm, Errno::NOENT);
    assert_eq!(format!("{e:?}"), e.to_string());
    assert!(format!("{e:?}").contains("ENOENT (2); no such device node"));
    let e = on("hw:0,0", e);
    assert_eq!(format!("{e:?}"), e.to_string());
}

#[test]
fn a_refused_hw_params_says_why_and_names_the_parameters() {
    let mut context = DeviceContext::default();
    DeviceName::parse("hw:0,0")
        .unwrap()
        .note(&mut context, Direction::Playback);
    context.set_tried(Tried {
        format: Format::S16Le,
        channels: 2,
        rate: 44_100,
        period_size: 1024,
        buffer_size: 4096,
    });
    let e = DeviceError::new(Error::sys(Op::HwParams, Errno::INVAL), context);
    let text = e.to_string();
    assert!(text.starts_with("hw:0,0 (/dev/snd/pcmC0D0p): SNDRV_PCM_IOCTL_HW_PARAMS failed: EINVAL (22); the driver refused in HW_PARAMS what it had accepted in HW_REFINE"), "{text}");
    assert!(text.contains("i.MX fsl-sai with 44.1 kHz-family rates"), "{text}");
    assert!(
        text.ends_with("(tried S16_LE, 2 channels, 44100 Hz, period 1024 frames, buffer 4096 frames)"),
        "{text}"
    );
}

#[test]
fn a_node_path_points_to_open_path() {
    let config = Config::new(Format::S16, 2, 48_000);
    let e = MmapStream::<i16, Playback>::open("/dev/snd/pcmC0D0p", &config).unwrap_err();
    assert_eq!(e, Error::NodePath);
    assert_eq!(
        e.to_string(),
        "/dev/snd/pcmC0D0p: this is a device node path, not an ALSA name: open it with PcmDevice::open_path and set it up with MmapStream::with_device, or name it hw:CARD,DEVICE (pcmC0D0p is hw:0,0)"
    );
}

#[test]
fn a_sample_type_mismatch_names_the_type_to_use() {
    let config = Config::new(Format::S32, 2, 48_000);
    let e = MmapStream::<i16, Playback>::open("hw:0,0", &config).unwrap_err();
    assert_eq!(e, Error::FormatMismatch { format: Format::S32 });
    let text = e.to_string();
    assert!(text.starts_with("hw:0,0 (/dev/snd/pcmC0D0p): the stream's sample type does not hold S32_LE: use i32 samples (MmapStream::<i32, _>)"), "{text}");
    let e = Error::FormatMismatch {
        format: Format::S24_3Le,
    };
    assert!(e.to_string().contains("use Packed24Le samples"));
}

#[test]
fn a_bad_config_names_the_device_before_any_system_call() {
    let config = Config::new(Format::S16, 0, 48_000);
    let e = MmapStream::<i16, Playback>::open("hw:Loopback,0", &config).unwrap_err();
    assert_eq!(
        e.to_string(),
        "hw:Loopback,0 (card id Loopback): invalid configuration: zero channels: ask for at least 1"
    );
    let e = MmapStream::<i16, Playback>::open("hw:0,x", &config).unwrap_err();
    assert!(e.to_string().starts_with("hw:0,x: bad device name"));
}

#[test]
fn a_long_name_is_cut_and_marked() {
    let long = "hw:averyveryverylongcardidthatgoesonandon,0";
    let context = DeviceContext::given(long);
    let name = context.name().unwrap();
    assert_eq!(name.len(), DeviceContext::NAME_LEN);
    assert!(name.ends_with("...") && long.starts_with(&name[..DeviceContext::NAME_LEN - 3]));
    // A cut never splits a character.
    let context = DeviceContext::given(&"é".repeat(30));
    assert!(context.name().unwrap().ends_with("..."));
}

#[test]
fn an_error_without_a_device_prints_alone() {
    let e = DeviceError::from(Error::Xrun);
    assert!(e.device().is_empty());
    assert_eq!(e.to_string(), Error::Xrun.to_string());
    assert_eq!(Error::from(e), Error::Xrun);
}

#[test]
fn errnos_by_name() {
    assert_eq!(Errno::PERM.name(), Some("EPERM"));
    assert_eq!(Errno::BUSY.name(), Some("EBUSY"));
    assert_eq!(Errno(110).name(), Some("ETIMEDOUT"));
    assert_eq!(Errno(0).name(), None);
    assert_eq!(Errno(3).name(), None);
    assert_eq!(Errno(-16).name(), None);
    // Usable in constants.
    const PIPE: Option<&str> = Errno::PIPE.name();
    assert_eq!(PIPE, Some("EPIPE"));
}
