//! Proves that `src/abi.rs` is the kernel ABI as a C compiler for this target sees it.
//!
//! `abi/layout.c` prints, from `<sound/asound.h>`, the size and alignment of every record
//! `abi.rs` mirrors, the offset and size of every field (padding included), where each
//! `snd_interval` bitfield lands, and every constant and ioctl opcode with a C counterpart. This
//! test builds it with the target's gcc (`-static`), runs it (through `qemu-<arch>-static` on a
//! foreign architecture; when this test itself runs under qemu-user, the host kernel executes
//! gcc and qemu), computes the same keys in Rust with `size_of`/`align_of`/`offset_of!` and
//! fails on any differing value or any key present on one side only.
//!
//! On 32-bit targets the C program is built twice: with `_TIME_BITS=64` the header's unprefixed
//! `snd_pcm_mmap_status`/`_control`/`_sync_ptr` must be the `*64` mirrors, without it the `*32`
//! ones. The `__`-prefixed layouts are checked in both builds.

use std::borrow::ToOwned;
use std::string::String;
use std::vec::Vec;
use std::{format, println};

use crate::abi::*;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::io;
use std::mem::{align_of, offset_of, size_of, MaybeUninit};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Keys and values, as `abi/layout.c` prints them (`<key> <value>` lines).
type Facts = BTreeMap<String, u64>;

/// A C program that prints the layout facts of `<sound/asound.h>`.
const SOURCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/abi/layout.c");

/// Fewer keys than this means both sides stopped describing much of the ABI (there are 502 on
/// 64-bit targets, and 549 and 547 in the 64-bit-time and 32-bit-time builds of 32-bit ones).
const MIN_KEYS: usize = 500;

/// How to build and run a C program for the target this test is compiled for.
struct Toolchain {
    gcc: &'static str,
    /// The Debian package that provides `gcc`.
    gcc_package: &'static str,
    /// The qemu-user emulator for a foreign architecture, `None` to run natively.
    runner: Option<&'static str>,
}

#[cfg(target_arch = "x86_64")]
const TOOLCHAIN: Toolchain = Toolchain {
    gcc: "x86_64-linux-gnu-gcc",
    gcc_package: "gcc",
    runner: None,
};
#[cfg(target_arch = "x86")]
const TOOLCHAIN: Toolchain = Toolchain {
    gcc: "i686-linux-gnu-gcc",
    gcc_package: "gcc-i686-linux-gnu",
    runner: None,
};
#[cfg(target_arch = "aarch64")]
const TOOLCHAIN: Toolchain = Toolchain {
    gcc: "aarch64-linux-gnu-gcc",
    gcc_package: "gcc-aarch64-linux-gnu",
    runner: Some("qemu-aarch64-static"),
};
#[cfg(target_arch = "arm")]
const TOOLCHAIN: Toolchain = Toolchain {
    gcc: "arm-linux-gnueabihf-gcc",
    gcc_package: "gcc-arm-linux-gnueabihf",
    runner: Some("qemu-arm-static"),
};
#[cfg(target_arch = "riscv64")]
const TOOLCHAIN: Toolchain = Toolchain {
    gcc: "riscv64-linux-gnu-gcc",
    gcc_package: "gcc-riscv64-linux-gnu",
    runner: Some("qemu-riscv64-static"),
};
#[cfg(all(target_arch = "powerpc64", target_endian = "little"))]
const TOOLCHAIN: Toolchain = Toolchain {
    gcc: "powerpc64le-linux-gnu-gcc",
    gcc_package: "gcc-powerpc64le-linux-gnu",
    runner: Some("qemu-ppc64le-static"),
};

/// The `time_t` a C program is built with, which decides what the header's unprefixed
/// status/control/`SYNC_PTR` names mean.
#[derive(Clone, Copy, Debug)]
enum Time {
    /// 64-bit: native on 64-bit targets, `_TIME_BITS=64` on 32-bit ones.
    Bits64,
    /// 32-bit: the old layout of 32-bit targets.
    #[cfg(target_pointer_width = "32")]
    Bits32,
}

impl Time {
    fn cflags(self) -> &'static [&'static str] {
        match self {
            #[cfg(target_pointer_width = "32")]
            Time::Bits64 => &["-D_TIME_BITS=64", "-D_FILE_OFFSET_BITS=64"],
            #[cfg(target_pointer_width = "64")]
            Time::Bits64 => &[],
            #[cfg(target_pointer_width = "32")]
            Time::Bits32 => &[],
        }
    }

    fn tag(self) -> &'static str {
        match self {
            Time::Bits64 => "time64",
            #[cfg(target_pointer_width = "32")]
            Time::Bits32 => "time32",
        }
    }
}

#[cfg(target_pointer_width = "64")]
#[test]
fn abi_matches_c() {
    check(Time::Bits64);
}

#[cfg(target_pointer_width = "32")]
#[test]
fn abi_matches_c_time64() {
    check(Time::Bits64);
}

#[cfg(target_pointer_width = "32")]
#[test]
fn abi_matches_c_time32() {
    check(Time::Bits32);
}

/// Compares the Rust and C facts for one build of the C program and panics listing every
/// difference.
fn check(time: Time) {
    let Some(c) = c_facts(time) else {
        // No C compiler for this target here (a `cross test` image without it, a machine
        // without the cross gcc): say so plainly, unless the run requires the check.
        let required = std::env::var_os(REQUIRE_VAR).is_some();
        let message = format!(
            "SKIPPED: the ABI layout check needs `{}` (Debian package `{}`) to build abi/layout.c; \
             install it to compare src/abi.rs with <sound/asound.h> (`cargo board ci` does, and sets {REQUIRE_VAR})",
            TOOLCHAIN.gcc, TOOLCHAIN.gcc_package
        );
        assert!(!required, "{message}");
        println!("{message}");
        return;
    };
    let rust = rust_facts(time);
    let what = format!("{} {}", TOOLCHAIN.gcc, time.cflags().join(" "));
    let what = what.trim_end();
    let problems = differences(&rust, &c);
    assert!(
        problems.is_empty(),
        "src/abi.rs disagrees with <sound/asound.h> as built by `{what}` \
         ({} of {} keys):\n  {}",
        problems.len(),
        rust.len().max(c.len()),
        problems.join("\n  ")
    );
    assert!(
        rust.len() >= MIN_KEYS,
        "only {} keys compared (expected at least {MIN_KEYS})",
        rust.len()
    );
    println!("{what}: all {} keys match", rust.len());
}

/// Every key whose value differs or which only one side has, described for a human.
fn differences(rust: &Facts, c: &Facts) -> Vec<String> {
    let mut problems = Vec::new();
    for (key, &r) in rust {
        match c.get(key) {
            Some(&c) if c == r => {}
            Some(&c) => problems.push(format!("{key}: Rust {r} ({r:#x}), C {c} ({c:#x})")),
            None => problems.push(format!("{key}: only in Rust ({r})")),
        }
    }
    for (key, c) in c.iter().filter(|(key, _)| !rust.contains_key(*key)) {
        problems.push(format!("{key}: only in C ({c})"));
    }
    problems
}

// ---------------------------------------------------------------------------------------------
// The C side.

/// Set in the environment, a missing C compiler fails the layout test instead of skipping it.
const REQUIRE_VAR: &str = "ALSA_DIRECT_REQUIRE_ABI_CHECK";

/// Builds and runs `abi/layout.c` and parses what it prints; `None` when the target's gcc is
/// not installed.
fn c_facts(time: Time) -> Option<Facts> {
    let present = match Command::new(TOOLCHAIN.gcc).arg("--version").output() {
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        // Under qemu-user a failed exec shows as the child exiting with 127.
        Ok(output) if output.status.code() == Some(127) && output.stdout.is_empty() => false,
        _ => true,
    };
    if !present {
        return None;
    }
    let exe = build(time);
    Some(parse(&run(&exe.0)))
}

/// A file removed when dropped, also when the test fails.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn build(time: Time) -> TempFile {
    let exe = std::env::temp_dir().join(format!(
        "abi-layout-{}-{}-{}",
        std::env::consts::ARCH,
        time.tag(),
        std::process::id()
    ));
    let mut gcc = Command::new(TOOLCHAIN.gcc);
    gcc.args(["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-static"])
        .args(time.cflags())
        .arg("-o")
        .arg(&exe)
        .arg(SOURCE);
    let exe = TempFile(exe);
    successful_output(&mut gcc, Some(TOOLCHAIN.gcc_package));
    exe
}

fn run(exe: &Path) -> String {
    let output = match TOOLCHAIN.runner {
        Some(qemu) => successful_output(Command::new(qemu).arg(exe), Some("qemu-user-static")),
        None => successful_output(&mut Command::new(exe), None),
    };
    String::from_utf8(output.stdout).expect("layout program printed non-UTF-8")
}

/// Runs `command` to completion and checks that it succeeded. A missing program is reported
/// with the Debian `package` that provides it.
fn successful_output(command: &mut Command, package: Option<&str>) -> Output {
    let program = command.get_program().to_string_lossy().into_owned();
    let missing = || match package {
        Some(package) => panic!("`{program}` not found: install the Debian package `{package}`"),
        None => panic!("`{program}` not found"),
    };
    let output = match command.output() {
        Err(e) if e.kind() == io::ErrorKind::NotFound => missing(),
        Err(e) => panic!("cannot run `{program}`: {e}"),
        // Under qemu-user the spawned child is a fork, not a vfork, so a failed exec cannot be
        // reported back: it shows up as the child exiting with 127 instead.
        Ok(output) if output.status.code() == Some(127) && output.stdout.is_empty() => missing(),
        Ok(output) => output,
    };
    assert!(
        output.status.success(),
        "`{program}` failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn parse(text: &str) -> Facts {
    let mut facts = Facts::new();
    for line in text.lines() {
        let (key, value) = line
            .split_once(' ')
            .unwrap_or_else(|| panic!("malformed line {line:?}"));
        let value = value
            .parse()
            .unwrap_or_else(|e| panic!("malformed value in {line:?}: {e}"));
        assert!(
            facts.insert(key.to_owned(), value).is_none(),
            "C printed {key} twice"
        );
    }
    facts
}

// ---------------------------------------------------------------------------------------------
// The Rust side: the same keys, computed from `crate::abi`.

fn put(facts: &mut Facts, key: String, value: impl TryInto<u64, Error: Debug>) {
    let value = value.try_into().expect("negative or too large");
    assert!(facts.insert(key.clone(), value).is_none(), "{key} twice");
}

/// `size_of` the pointee, to get a field's size from a pointer to it.
fn pointee_size<T>(_: *const T) -> usize {
    size_of::<T>()
}

/// Records `size:`/`align:` of a type and `offset:`/`size:` of the listed fields, under the
/// type's name or the given one.
macro_rules! record {
    ($facts:expr, $ty:ident { $($field:ident),* $(,)? }) => {
        record!($facts, stringify!($ty) => $ty { $($field),* })
    };
    ($facts:expr, $name:expr => $ty:ty { $($field:ident),* $(,)? }) => {{
        let name: &str = $name;
        put($facts, format!("size:{name}"), size_of::<$ty>());
        put($facts, format!("align:{name}"), align_of::<$ty>());
        $(
            let field = stringify!($field);
            put($facts, format!("offset:{name}.{field}"), offset_of!($ty, $field));
            let record = MaybeUninit::<$ty>::uninit();
            // SAFETY: only the field's address is computed, inside the record; nothing is read.
            let size = pointee_size(unsafe { &raw const (*record.as_ptr()).$field });
            put($facts, format!("size:{name}.{field}"), size);
        )*
    }};
}

/// Records `const:NAME` for each listed item of `crate::abi`.
macro_rules! constants {
    ($facts:expr, $($name:ident),* $(,)?) => {
        $( put($facts, format!("const:{}", stringify!($name)), $name); )*
    };
}

fn rust_facts(time: Time) -> Facts {
    let mut facts = Facts::new();
    let f = &mut facts;
    params_records(f);
    interval_bits(f);
    time64_records(f);
    #[cfg(target_pointer_width = "32")]
    time32_records(f);
    native(f, time);
    scalar_constants(f);
    ioctls(f);
    ctl_elem_records(f);
    facts
}

fn params_records(f: &mut Facts) {
    record!(f, SndMask { bits });
    record!(f, SndInterval { min, max });
    record!(
        f,
        SndPcmHwParams {
            flags,
            masks,
            mres,
            intervals,
            ires,
            rmask,
            cmask,
            info,
            msbits,
            rate_num,
            rate_den,
            fifo_size,
            reserved,
        }
    );
    record!(
        f,
        SndPcmSwParams {
            tstamp_mode,
            period_step,
            sleep_min,
            avail_min,
            xfer_align,
            start_threshold,
            stop_threshold,
            silence_threshold,
            silence_size,
            boundary,
            proto,
            tstamp_type,
            reserved,
        }
    );
    record!(
        f,
        SndPcmInfo {
            device,
            subdevice,
            stream,
            card,
            id,
            name,
            subname,
            dev_class,
            dev_subclass,
            subdevices_count,
            subdevices_avail,
            sync,
            reserved,
        }
    );
    record!(
        f,
        SndPcmChannelInfo {
            channel,
            offset,
            first,
            step
        }
    );
    record!(
        f,
        SndCtlCardInfo {
            card,
            pad,
            id,
            driver,
            name,
            longname,
            reserved_,
            mixername,
            components,
        }
    );
}

/// The `snd_interval` bitfields: each one's mask and the offset of its storage unit, `flags`.
fn interval_bits(f: &mut Facts) {
    let bits = [
        ("openmin", INTERVAL_OPENMIN),
        ("openmax", INTERVAL_OPENMAX),
        ("integer", INTERVAL_INTEGER),
        ("empty", INTERVAL_EMPTY),
    ];
    for (bit, mask) in bits {
        put(f, format!("mask:SndInterval.{bit}"), mask);
        put(
            f,
            format!("offset:SndInterval.{bit}"),
            offset_of!(SndInterval, flags),
        );
    }
}

fn time64_records(f: &mut Facts) {
    // `tv_nsec` by offset only: under `_TIME_BITS=64` C's is glibc's 32-bit `long` + padding.
    record!(f, SndTimespec64 { tv_sec });
    put(
        f,
        "offset:SndTimespec64.tv_nsec".into(),
        offset_of!(SndTimespec64, tv_nsec),
    );
    record!(
        f,
        MmapStatus64 {
            state,
            pad1,
            pad_before_hw_ptr,
            hw_ptr,
            pad_after_hw_ptr,
            tstamp,
            suspended_state,
            pad3,
            audio_tstamp,
        }
    );
    record!(
        f,
        MmapControl64 {
            pad1,
            appl_ptr,
            pad2,
            pad3,
            avail_min,
            pad4
        }
    );
    record!(f, SyncPtr64 { flags, pad1, s, c });
    record!(f, SyncPtrStatus64 { status, reserved });
    record!(f, SyncPtrControl64 { control, reserved });
    constants!(f, SNDRV_PCM_IOCTL_SYNC_PTR64);
}

#[cfg(target_pointer_width = "32")]
fn time32_records(f: &mut Facts) {
    record!(f, SndTimespec32 { tv_sec, tv_nsec });
    record!(
        f,
        MmapStatus32 {
            state,
            pad1,
            hw_ptr,
            tstamp,
            suspended_state,
            audio_tstamp
        }
    );
    record!(f, MmapControl32 { appl_ptr, avail_min });
    record!(f, SyncPtr32 { flags, s, c });
    record!(f, SyncPtrStatus32 { status, reserved });
    record!(f, SyncPtrControl32 { control, reserved });
    constants!(f, SNDRV_PCM_IOCTL_SYNC_PTR32);
}

/// What the header's unprefixed names are in a C build with this `time_t`: the fields common to
/// all their definitions, the `SYNC_PTR` ioctl and the mmap offsets of the status/control pages.
fn native(f: &mut Facts, time: Time) {
    match time {
        Time::Bits64 => {
            record!(f, "native.MmapStatus" => MmapStatus64 {
                state, pad1, hw_ptr, tstamp, suspended_state, audio_tstamp,
            });
            record!(f, "native.MmapControl" => MmapControl64 { appl_ptr, avail_min });
            record!(f, "native.SyncPtr" => SyncPtr64 { flags, s, c });
            put(
                f,
                "const:SNDRV_PCM_IOCTL_SYNC_PTR".into(),
                SNDRV_PCM_IOCTL_SYNC_PTR64,
            );
            constants!(f, SNDRV_PCM_MMAP_OFFSET_STATUS, SNDRV_PCM_MMAP_OFFSET_CONTROL);
            record!(
                f,
                SndPcmStatus64 {
                    state,
                    pad1,
                    trigger_tstamp,
                    tstamp,
                    appl_ptr,
                    hw_ptr,
                    delay,
                    avail,
                    avail_max,
                    overrange,
                    suspended_state,
                    audio_tstamp_data,
                    audio_tstamp,
                    driver_tstamp,
                    audio_tstamp_accuracy,
                    reserved,
                }
            );
            constants!(f, SNDRV_PCM_IOCTL_STATUS_EXT64);
        }
        #[cfg(target_pointer_width = "32")]
        Time::Bits32 => {
            record!(f, "native.MmapStatus" => MmapStatus32 {
                state, pad1, hw_ptr, tstamp, suspended_state, audio_tstamp,
            });
            record!(f, "native.MmapControl" => MmapControl32 { appl_ptr, avail_min });
            record!(f, "native.SyncPtr" => SyncPtr32 { flags, s, c });
            put(
                f,
                "const:SNDRV_PCM_IOCTL_SYNC_PTR".into(),
                SNDRV_PCM_IOCTL_SYNC_PTR32,
            );
            // No mmap offsets: the crate maps the 64-bit-time pages only, and the C program
            // prints the offsets in 64-bit-time builds alone.
        }
    }
}

fn scalar_constants(f: &mut Facts) {
    constants!(
        f,
        SNDRV_PCM_VERSION,
        SNDRV_PCM_STREAM_PLAYBACK,
        SNDRV_PCM_STREAM_CAPTURE,
        SNDRV_PCM_ACCESS_MMAP_INTERLEAVED,
        SNDRV_PCM_SUBFORMAT_STD,
        SNDRV_PCM_FORMAT_S8,
        SNDRV_PCM_FORMAT_U8,
        SNDRV_PCM_FORMAT_S16_LE,
        SNDRV_PCM_FORMAT_S16_BE,
        SNDRV_PCM_FORMAT_S24_LE,
        SNDRV_PCM_FORMAT_S24_BE,
        SNDRV_PCM_FORMAT_S32_LE,
        SNDRV_PCM_FORMAT_S32_BE,
        SNDRV_PCM_FORMAT_FLOAT_LE,
        SNDRV_PCM_FORMAT_FLOAT_BE,
        SNDRV_PCM_FORMAT_IEC958_SUBFRAME_LE,
        SNDRV_PCM_FORMAT_IEC958_SUBFRAME_BE,
        SNDRV_PCM_FORMAT_S24_3LE,
        SNDRV_PCM_FORMAT_S24_3BE,
        SNDRV_PCM_STATE_OPEN,
        SNDRV_PCM_STATE_SETUP,
        SNDRV_PCM_STATE_PREPARED,
        SNDRV_PCM_STATE_RUNNING,
        SNDRV_PCM_STATE_XRUN,
        SNDRV_PCM_STATE_DRAINING,
        SNDRV_PCM_STATE_PAUSED,
        SNDRV_PCM_STATE_SUSPENDED,
        SNDRV_PCM_STATE_DISCONNECTED,
        SNDRV_PCM_INFO_MMAP,
        SNDRV_PCM_INFO_MMAP_VALID,
        SNDRV_PCM_INFO_DOUBLE,
        SNDRV_PCM_INFO_BATCH,
        SNDRV_PCM_INFO_SYNC_APPLPTR,
        SNDRV_PCM_INFO_INTERLEAVED,
        SNDRV_PCM_INFO_NONINTERLEAVED,
        SNDRV_PCM_INFO_COMPLEX,
        SNDRV_PCM_INFO_BLOCK_TRANSFER,
        SNDRV_PCM_INFO_OVERRANGE,
        SNDRV_PCM_INFO_RESUME,
        SNDRV_PCM_INFO_PAUSE,
        SNDRV_PCM_INFO_HALF_DUPLEX,
        SNDRV_PCM_INFO_JOINT_DUPLEX,
        SNDRV_PCM_INFO_SYNC_START,
        SNDRV_PCM_INFO_NO_PERIOD_WAKEUP,
        SNDRV_PCM_HW_PARAMS_NO_PERIOD_WAKEUP,
        SNDRV_PCM_INFO_HAS_LINK_ATIME,
        SNDRV_PCM_INFO_HAS_LINK_ABSOLUTE_ATIME,
        SNDRV_PCM_INFO_HAS_LINK_ESTIMATED_ATIME,
        SNDRV_PCM_INFO_HAS_LINK_SYNCHRONIZED_ATIME,
        SNDRV_PCM_INFO_EXPLICIT_SYNC,
        SNDRV_PCM_INFO_NO_REWINDS,
        SNDRV_PCM_AUDIO_TSTAMP_TYPE_DEFAULT,
        SNDRV_PCM_AUDIO_TSTAMP_TYPE_LINK,
        SNDRV_PCM_AUDIO_TSTAMP_TYPE_LINK_ABSOLUTE,
        SNDRV_PCM_AUDIO_TSTAMP_TYPE_LINK_ESTIMATED,
        SNDRV_PCM_AUDIO_TSTAMP_TYPE_LINK_SYNCHRONIZED,
        SNDRV_PCM_HW_PARAM_ACCESS,
        SNDRV_PCM_HW_PARAM_FORMAT,
        SNDRV_PCM_HW_PARAM_SUBFORMAT,
        SNDRV_PCM_HW_PARAM_FIRST_MASK,
        SNDRV_PCM_HW_PARAM_LAST_MASK,
        SNDRV_PCM_HW_PARAM_SAMPLE_BITS,
        SNDRV_PCM_HW_PARAM_FRAME_BITS,
        SNDRV_PCM_HW_PARAM_CHANNELS,
        SNDRV_PCM_HW_PARAM_RATE,
        SNDRV_PCM_HW_PARAM_PERIOD_TIME,
        SNDRV_PCM_HW_PARAM_PERIOD_SIZE,
        SNDRV_PCM_HW_PARAM_PERIOD_BYTES,
        SNDRV_PCM_HW_PARAM_PERIODS,
        SNDRV_PCM_HW_PARAM_BUFFER_TIME,
        SNDRV_PCM_HW_PARAM_BUFFER_SIZE,
        SNDRV_PCM_HW_PARAM_BUFFER_BYTES,
        SNDRV_PCM_HW_PARAM_TICK_TIME,
        SNDRV_PCM_HW_PARAM_FIRST_INTERVAL,
        SNDRV_PCM_HW_PARAM_LAST_INTERVAL,
        SNDRV_PCM_TSTAMP_ENABLE,
        SNDRV_PCM_TSTAMP_TYPE_GETTIMEOFDAY,
        SNDRV_PCM_TSTAMP_TYPE_MONOTONIC,
        SNDRV_PCM_TSTAMP_TYPE_MONOTONIC_RAW,
        SNDRV_PCM_SYNC_PTR_HWSYNC,
        SNDRV_PCM_SYNC_PTR_APPL,
        SNDRV_PCM_SYNC_PTR_AVAIL_MIN,
    );
}

fn ioctls(f: &mut Facts) {
    constants!(
        f,
        SNDRV_PCM_IOCTL_PVERSION,
        SNDRV_PCM_IOCTL_INFO,
        SNDRV_PCM_IOCTL_USER_PVERSION,
        SNDRV_PCM_IOCTL_HW_REFINE,
        SNDRV_PCM_IOCTL_HW_PARAMS,
        SNDRV_PCM_IOCTL_SW_PARAMS,
        SNDRV_PCM_IOCTL_DELAY,
        SNDRV_PCM_IOCTL_HWSYNC,
        SNDRV_PCM_IOCTL_CHANNEL_INFO,
        SNDRV_PCM_IOCTL_PREPARE,
        SNDRV_PCM_IOCTL_RESET,
        SNDRV_PCM_IOCTL_START,
        SNDRV_PCM_IOCTL_DROP,
        SNDRV_PCM_IOCTL_DRAIN,
        SNDRV_PCM_IOCTL_PAUSE,
        SNDRV_PCM_IOCTL_REWIND,
        SNDRV_PCM_IOCTL_RESUME,
        SNDRV_PCM_IOCTL_FORWARD,
        SNDRV_PCM_IOCTL_LINK,
        SNDRV_PCM_IOCTL_UNLINK,
        SNDRV_CTL_IOCTL_CARD_INFO,
        SNDRV_CTL_IOCTL_PCM_NEXT_DEVICE,
        SNDRV_CTL_IOCTL_PCM_INFO,
        SNDRV_CTL_IOCTL_PCM_PREFER_SUBDEVICE,
    );
}

/// The control-element records, constants and ioctls of the mixer.
fn ctl_elem_records(f: &mut Facts) {
    record!(
        f,
        SndCtlElemId {
            numid,
            iface,
            device,
            subdevice,
            name,
            index
        }
    );
    record!(
        f,
        SndCtlElemList {
            offset,
            space,
            used,
            count,
            pids,
            reserved
        }
    );
    record!(
        f,
        SndCtlElemInfo {
            id,
            type_,
            access,
            count,
            owner,
            value,
            reserved
        }
    );
    record!(
        f,
        SndCtlElemInfoValue {
            integer,
            integer64,
            enumerated,
            reserved
        }
    );
    record!(f, SndCtlElemInfoInteger { min, max, step });
    record!(f, SndCtlElemInfoInteger64 { min, max, step });
    record!(
        f,
        SndCtlElemInfoEnumerated {
            items,
            item,
            name,
            names_ptr,
            names_length
        }
    );
    record!(
        f,
        SndAesIec958 {
            status,
            subcode,
            pad,
            dig_subframe
        }
    );
    // `indirect` by offset only: C's is a one-bit bitfield whose storage unit Rust mirrors.
    record!(f, SndCtlElemValue { id, value, reserved });
    put(
        f,
        "offset:SndCtlElemValue.indirect".into(),
        offset_of!(SndCtlElemValue, indirect),
    );
    record!(
        f,
        SndCtlElemValueUnion {
            integer,
            integer64,
            enumerated,
            bytes,
            iec958
        }
    );
    record!(f, SndCtlTlv { numid, length });
    record!(f, SndCtlEvent { type_, data });
    record!(f, SndCtlEventData { elem, data8 });
    record!(f, SndCtlEventElem { mask, id });
    // The flexible `tlv[]` follows the header.
    put(f, "offset:SndCtlTlv.tlv".into(), size_of::<SndCtlTlv>());
    constants!(
        f,
        SNDRV_CTL_ELEM_ID_NAME_MAXLEN,
        SNDRV_CTL_ELEM_TYPE_BOOLEAN,
        SNDRV_CTL_ELEM_TYPE_INTEGER,
        SNDRV_CTL_ELEM_TYPE_ENUMERATED,
        SNDRV_CTL_ELEM_TYPE_BYTES,
        SNDRV_CTL_ELEM_TYPE_IEC958,
        SNDRV_CTL_ELEM_TYPE_INTEGER64,
        SNDRV_CTL_ELEM_IFACE_CARD,
        SNDRV_CTL_ELEM_IFACE_HWDEP,
        SNDRV_CTL_ELEM_IFACE_MIXER,
        SNDRV_CTL_ELEM_IFACE_PCM,
        SNDRV_CTL_ELEM_IFACE_RAWMIDI,
        SNDRV_CTL_ELEM_IFACE_TIMER,
        SNDRV_CTL_ELEM_IFACE_SEQUENCER,
        SNDRV_CTL_ELEM_ACCESS_READ,
        SNDRV_CTL_ELEM_ACCESS_WRITE,
        SNDRV_CTL_ELEM_ACCESS_VOLATILE,
        SNDRV_CTL_ELEM_ACCESS_TLV_READ,
        SNDRV_CTL_ELEM_ACCESS_INACTIVE,
        SNDRV_CTL_ELEM_ACCESS_LOCK,
        SNDRV_CTL_TLVT_CONTAINER,
        SNDRV_CTL_TLVT_DB_SCALE,
        SNDRV_CTL_TLVT_DB_LINEAR,
        SNDRV_CTL_TLVT_DB_RANGE,
        SNDRV_CTL_TLVT_DB_MINMAX,
        SNDRV_CTL_TLVT_DB_MINMAX_MUTE,
        SNDRV_CTL_TLVD_DB_SCALE_MASK,
        SNDRV_CTL_TLVD_DB_SCALE_MUTE,
        SNDRV_CTL_IOCTL_ELEM_LIST,
        SNDRV_CTL_IOCTL_ELEM_INFO,
        SNDRV_CTL_IOCTL_ELEM_READ,
        SNDRV_CTL_IOCTL_ELEM_WRITE,
        SNDRV_CTL_IOCTL_TLV_READ,
        SNDRV_CTL_IOCTL_ELEM_ADD,
        SNDRV_CTL_IOCTL_ELEM_REMOVE,
        SNDRV_CTL_EVENT_ELEM,
        SNDRV_CTL_EVENT_MASK_VALUE,
        SNDRV_CTL_EVENT_MASK_INFO,
        SNDRV_CTL_EVENT_MASK_ADD,
        SNDRV_CTL_EVENT_MASK_TLV,
        SNDRV_CTL_EVENT_MASK_REMOVE,
        SNDRV_CTL_TLVT_CHMAP_FIXED,
        SNDRV_CTL_TLVT_CHMAP_VAR,
        SNDRV_CTL_TLVT_CHMAP_PAIRED,
        SNDRV_CHMAP_UNKNOWN,
        SNDRV_CHMAP_NA,
        SNDRV_CHMAP_MONO,
        SNDRV_CHMAP_FL,
        SNDRV_CHMAP_FR,
        SNDRV_CHMAP_RL,
        SNDRV_CHMAP_RR,
        SNDRV_CHMAP_FC,
        SNDRV_CHMAP_LFE,
        SNDRV_CHMAP_SL,
        SNDRV_CHMAP_SR,
        SNDRV_CHMAP_RC,
        SNDRV_CHMAP_LAST,
        SNDRV_CHMAP_POSITION_MASK,
        SNDRV_CHMAP_PHASE_INVERSE,
        SNDRV_CHMAP_DRIVER_SPEC,
        SNDRV_CTL_IOCTL_SUBSCRIBE_EVENTS,
    );
    // Negative: compared as the u32 bit pattern, as C prints it.
    put(
        f,
        "const:SNDRV_CTL_TLVD_DB_GAIN_MUTE".into(),
        SNDRV_CTL_TLVD_DB_GAIN_MUTE as u32,
    );
}
