//! `probe`: what this crate sees of a machine's sound cards, for pasting into an issue (the
//! `alsa-info.sh` of alsa-direct). Run by `cargo board probe BOARD [--host USER@ADDR]`.
//!
//! ```text
//! probe [--text | --json] [--card N] [--quick]
//! ```
//!
//! For the kernel and each card: every PCM's info flags (`SNDRV_PCM_INFO_*`), the formats and
//! hw params ranges the driver offers (`HW_REFINE`), the transport a stream gets and whether
//! the kernel refused the status and control mappings (and why), a short sweep for the smallest
//! period that streams without an xrun, the system calls per period (counted with ptrace), and
//! the mixer's controls with their dB ranges. It plays silence (playback) or reads (capture)
//! for a few seconds in all and reads the mixer without writing it.
//!
//! The text report comes first, then the same report as one line of JSON between the lines
//! [`JSON_BEGIN`] and [`JSON_END`] (`--text` or `--json` prints only one of them). With
//! `--quick`, no sweep and no system call count. Exit status 0 unless the probe itself
//! failed (a busy or missing card is reported, not failed).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::ControlFlow;
use std::time::Instant;

use alsa_direct::mixer::{ElemType, Limits, Mixer};
use alsa_direct::{
    cards, Capabilities, Capture, Config, ControlDevice, Direction, Error, Format, Iec958Subframe, Matching,
    MmapStream, Param, PcmDevice, Playback, Sample, StreamDirection,
};
use alsa_direct_guest_tools::tracer::{self, Window};
use serde::Serialize;

/// Runs `$body` with the type alias `$s` set to the sample type of `$format`.
macro_rules! dispatch {
    ($format:expr, $s:ident => $body:expr) => {
        match $format {
            Format::S32Le | Format::S24Le => {
                type $s = i32;
                $body
            }
            Format::U8 => {
                type $s = u8;
                $body
            }
            Format::Iec958SubframeLe => {
                type $s = Iec958Subframe;
                $body
            }
            _ => {
                type $s = i16;
                $body
            }
        }
    };
}

/// The line before the JSON report.
const JSON_BEGIN: &str = "--- alsa-direct probe json ---";
/// The line after the JSON report.
const JSON_END: &str = "--- end of alsa-direct probe json ---";

/// Usage, for `--help` and bad arguments.
const USAGE: &str = "usage: probe [--text | --json] [--card N] [--quick]
prints what alsa-direct sees of the sound cards: info flags, formats and ranges, transport,
the smallest stable period, system calls per period, mixer controls with dB ranges";

/// The period sizes the sweep tries, smallest first (within what the device offers).
const SWEEP_PERIODS: [u32; 7] = [32, 64, 128, 256, 512, 1024, 2048];

/// Audio each sweep step streams, in milliseconds (at least 8 periods).
const SWEEP_MS: u64 = 250;

/// Periods the system call count covers (after 4 to settle).
const TRACED_PERIODS: u64 = 32;

/// The whole report.
#[derive(Serialize)]
struct Report {
    /// `alsa-direct probe` and the crate's version.
    tool: String,
    /// The kernel.
    kernel: Kernel,
    /// The probe's own build: target architecture and pointer width.
    process: String,
    /// The user the probe ran as.
    user: User,
    /// The cards.
    cards: Vec<CardReport>,
    /// How long the probe took, in milliseconds.
    took_ms: u128,
}

/// The kernel (`uname`).
#[derive(Serialize)]
struct Kernel {
    /// `uname -r`.
    release: String,
    /// `uname -v`.
    version: String,
    /// `uname -m`.
    machine: String,
}

/// Who ran the probe.
#[derive(Serialize)]
struct User {
    /// Effective user id.
    uid: u32,
    /// In the `audio` group (or root).
    audio_group: bool,
}

/// One card.
#[derive(Serialize)]
struct CardReport {
    /// Card number.
    index: u32,
    /// Id, as in `hw:ID,0`.
    id: String,
    /// Driver name.
    driver: String,
    /// Long name.
    long_name: String,
    /// Its PCM streams.
    pcms: Vec<PcmReport>,
    /// Its mixer controls.
    mixer: Vec<Control>,
    /// Why the card or its mixer could not be read, if so.
    error: Option<String>,
}

/// One PCM stream (device and direction).
#[derive(Serialize)]
struct PcmReport {
    /// `hw:CARD,DEVICE`.
    name: String,
    /// `playback` or `capture`.
    direction: &'static str,
    /// The device's id and name.
    id: String,
    /// Subdevices, and how many are free.
    subdevices: (u32, u32),
    /// Why it could not be opened (busy: who holds it).
    error: Option<String>,
    /// The `SNDRV_PCM_INFO_*` bits.
    info_bits: String,
    /// Their names.
    info_flags: Vec<&'static str>,
    /// Formats offered with mmap interleaved access.
    formats: Vec<&'static str>,
    /// hw params ranges, by name.
    ranges: BTreeMap<&'static str, (u32, u32)>,
    /// The status and control transport.
    transport: Option<Transport>,
    /// The period sweep.
    sweep: Option<Sweep>,
    /// System calls per period.
    syscalls: Option<Syscalls>,
}

/// The transport and the kernel's answer to the mappings.
#[derive(Serialize)]
struct Transport {
    /// The transport a stream chose.
    chosen: String,
    /// The status page mapping: `mapped` or why it was refused.
    status_mapping: String,
    /// The control page mapping: `mapped` or why it was refused.
    control_mapping: String,
}

/// The period sweep.
#[derive(Serialize)]
struct Sweep {
    /// The stream's format, channels, rate and periods per buffer.
    config: String,
    /// Each step: period frames and its outcome.
    steps: Vec<(u32, String)>,
    /// The smallest period that streamed without an xrun.
    smallest_stable: Option<u32>,
}

/// The system calls of a running stream.
#[derive(Serialize)]
struct Syscalls {
    /// Period frames.
    period: u32,
    /// Periods counted.
    periods: u64,
    /// System calls per period.
    per_period: f64,
    /// The calls by name, in the counted periods.
    calls: BTreeMap<String, u64>,
}

/// One mixer control.
#[derive(Serialize)]
struct Control {
    /// Numeric id.
    numid: u32,
    /// Name and index (`Master Playback Volume`, `,1` after it when the index is not 0).
    name: String,
    /// Value type.
    kind: String,
    /// Values (channels).
    count: u32,
    /// Range or items.
    range: String,
    /// dB range, when the control has one.
    db: Option<String>,
    /// Current values.
    values: String,
    /// `rw`, `r-` or `-w`, with `inactive` or `volatile` after.
    access: String,
}

/// Parsed arguments.
struct Args {
    /// Print the text report.
    text: bool,
    /// Print the JSON report.
    json: bool,
    /// Only this card.
    card: Option<u32>,
    /// No sweep, no system call count.
    quick: bool,
}

fn main() {
    let mut args = Args {
        text: true,
        json: true,
        card: None,
        quick: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--text" => args.json = false,
            "--json" => args.text = false,
            "--quick" => args.quick = true,
            "--card" => match it.next().and_then(|v| v.parse().ok()) {
                Some(n) => args.card = Some(n),
                None => usage_error("--card takes a card number"),
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            other => usage_error(&format!("unknown argument {other}")),
        }
    }
    let started = Instant::now();
    let mut report = Report {
        tool: format!("alsa-direct probe {}", env!("CARGO_PKG_VERSION")),
        kernel: kernel(),
        process: format!("{} ({}-bit)", std::env::consts::ARCH, usize::BITS),
        user: user(),
        cards: Vec::new(),
        took_ms: 0,
    };
    for index in cards().filter(|i| args.card.is_none_or(|c| c == *i)) {
        report.cards.push(card(index, &report.kernel, args.quick));
    }
    report.took_ms = started.elapsed().as_millis();
    if args.text {
        print!("{}", text(&report));
    }
    if args.json {
        println!("{JSON_BEGIN}");
        match serde_json::to_string(&report) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("probe: JSON: {e}");
                std::process::exit(1);
            }
        }
        println!("{JSON_END}");
    }
}

/// Prints `why` and the usage, and exits with status 2.
fn usage_error(why: &str) -> ! {
    eprintln!("probe: {why}\n{USAGE}");
    std::process::exit(2);
}

/// `uname`.
fn kernel() -> Kernel {
    // SAFETY: all-zero is a valid utsname, and uname fills it.
    let mut uts: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `uts` is a valid, writable utsname.
    let ok = unsafe { libc::uname(&mut uts) } == 0;
    let field = |chars: &[libc::c_char]| -> String {
        let bytes: Vec<u8> = chars
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c.to_ne_bytes()[0])
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    if !ok {
        return Kernel {
            release: "?".into(),
            version: "?".into(),
            machine: "?".into(),
        };
    }
    Kernel {
        release: field(&uts.release),
        version: field(&uts.version),
        machine: field(&uts.machine),
    }
}

/// The user and whether the `audio` group is among theirs.
fn user() -> User {
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    let audio_gid = std::fs::read_to_string("/etc/group")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            let mut f = l.split(':');
            (f.next() == Some("audio")).then(|| f.nth(1).and_then(|g| g.parse::<u32>().ok()))?
        });
    let mut groups = vec![0 as libc::gid_t; 256];
    // SAFETY: `groups` has room for 256 ids, and getgroups writes at most that many.
    let n = unsafe { libc::getgroups(256, groups.as_mut_ptr()) };
    groups.truncate(n.max(0) as usize);
    // SAFETY: getegid has no preconditions.
    groups.push(unsafe { libc::getegid() });
    User {
        uid,
        audio_group: uid == 0 || audio_gid.is_some_and(|g| groups.contains(&g)),
    }
}

/// One card: its PCMs and its mixer.
fn card(index: u32, kernel: &Kernel, quick: bool) -> CardReport {
    let mut report = CardReport {
        index,
        id: String::new(),
        driver: String::new(),
        long_name: String::new(),
        pcms: Vec::new(),
        mixer: Vec::new(),
        error: None,
    };
    let control = match ControlDevice::open(index) {
        Ok(c) => c,
        Err(e) => {
            report.error = Some(format!("{e}{}", permission_hint(&e)));
            return report;
        }
    };
    if let Ok(info) = control.card_info() {
        report.id = info.id.to_string();
        report.driver = info.driver.to_string();
        report.long_name = info.long_name.to_string();
    }
    for device in control.pcm_devices().flatten() {
        for direction in [Direction::Playback, Direction::Capture] {
            if let Ok(Some(info)) = control.pcm_info(device, 0, direction) {
                report
                    .pcms
                    .push(pcm(index, device, direction, &info, kernel, quick));
            }
        }
    }
    drop(control);
    match Mixer::open(index) {
        Ok(mixer) => match controls(&mixer) {
            Ok(list) => report.mixer = list,
            Err(e) => report.error = Some(format!("mixer: {e}")),
        },
        Err(e) => report.error = Some(format!("mixer: {e}")),
    }
    report
}

/// What to do about an error opening a device node.
fn permission_hint(e: &Error) -> &'static str {
    let text = e.to_string();
    if text.contains("EACCES") || text.contains("EPERM") || text.contains("ermission") {
        " (add the user to the `audio` group: sudo usermod -aG audio $USER, then log in again)"
    } else {
        ""
    }
}

/// One PCM stream.
fn pcm(
    card: u32,
    device: u32,
    direction: Direction,
    info: &alsa_direct::PcmInfo,
    kernel: &Kernel,
    quick: bool,
) -> PcmReport {
    let name = format!("hw:{card},{device}");
    let mut report = PcmReport {
        name: name.clone(),
        direction: match direction {
            Direction::Playback => "playback",
            Direction::Capture => "capture",
        },
        id: format!("{} ({})", info.id, info.name),
        subdevices: (info.subdevices_count, info.subdevices_avail),
        error: None,
        info_bits: String::new(),
        info_flags: Vec::new(),
        formats: Vec::new(),
        ranges: BTreeMap::new(),
        transport: None,
        sweep: None,
        syscalls: None,
    };
    let node = format!(
        "/dev/snd/pcmC{card}D{device}{}",
        if direction == Direction::Playback {
            'p'
        } else {
            'c'
        }
    );
    let opened = alsa_direct::DeviceName::parse(&name).and_then(|n| {
        PcmDevice::open_mode(&n, direction, alsa_direct::OpenMode::FailIfBusy).map_err(Into::into)
    });
    let mut pcm = match opened {
        Ok(pcm) => pcm,
        Err(e) => {
            report.error = Some(open_error(&e, &node));
            return report;
        }
    };
    let caps = match pcm.capabilities() {
        Ok(caps) => caps,
        Err(e) => {
            report.error = Some(format!("HW_REFINE: {e}"));
            return report;
        }
    };
    report.info_bits = format!("{:#010x}", caps.info_bits());
    report.info_flags = caps.info_flags().collect();
    report.formats = caps.formats().map(Format::name).collect();
    for param in Param::ALL {
        if let Some(r) = caps.range(param) {
            report.ranges.insert(param.name(), (r.min, r.max));
        }
    }
    let mappings = mappings(&pcm, &caps, kernel);
    drop(pcm);
    let Some(plan) = Plan::of(&caps) else {
        report.error = Some("no format this probe streams (S16, S32, S24, U8, IEC958)".into());
        return report;
    };
    match plan.transport(&name, direction) {
        Ok(chosen) => {
            report.transport = Some(Transport {
                chosen,
                status_mapping: mappings.0,
                control_mapping: mappings.1,
            })
        }
        Err(e) => {
            report.error = Some(format!("stream setup: {e}"));
            return report;
        }
    }
    if !quick {
        report.sweep = Some(plan.sweep(&name, direction, &caps));
        let period = report
            .sweep
            .as_ref()
            .and_then(|s| s.smallest_stable)
            .unwrap_or(plan.fallback_period(&caps));
        let stalled = report
            .sweep
            .as_ref()
            .and_then(|s| s.steps.last())
            .is_some_and(|(_, outcome)| outcome.starts_with(STALLED));
        if !stalled {
            report.syscalls = Some(plan.syscalls(&name, direction, period));
        }
    }
    report
}

/// The error opening a PCM, with who holds it when it is busy.
fn open_error(e: &Error, node: &str) -> String {
    let text = e.to_string();
    if text.contains("EBUSY") || text.contains("busy") {
        let holders = holders(node);
        if holders.is_empty() {
            format!(
                "{text}: busy, and no process this user can see holds {node} (run `sudo fuser -v {node}`)"
            )
        } else {
            format!(
                "{text}: busy, held by {} (stop it, e.g. `systemctl --user stop pipewire pipewire-pulse wireplumber` or `pulseaudio -k`)",
                holders.join(", ")
            )
        }
    } else {
        format!("{text}{}", permission_hint(e))
    }
}

/// The processes with `node` open, as `name (pid N)` (those whose `/proc/PID/fd` this user
/// may read).
fn holders(node: &str) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in procs.flatten() {
        let pid = entry.file_name().to_string_lossy().into_owned();
        if !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        let holds = fds
            .flatten()
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|p| p.as_os_str() == node));
        if holds {
            let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
            found.push(format!("{} (pid {pid})", comm.trim()));
        }
    }
    found
}

/// `SNDRV_PCM_MMAP_OFFSET_STATUS` (the 64-bit-time page).
const OFFSET_STATUS: i64 = 0x8200_0000;
/// `SNDRV_PCM_MMAP_OFFSET_CONTROL` (the 64-bit-time page).
const OFFSET_CONTROL: i64 = 0x8300_0000;
/// The old status and control offsets, for kernels before 5.6 (which have no others).
const OFFSET_STATUS_OLD: i64 = 0x8000_0000;
/// See [`OFFSET_STATUS_OLD`].
const OFFSET_CONTROL_OLD: i64 = 0x8100_0000;

/// Tries to map the status and control pages of `pcm`; what the kernel said about each.
fn mappings(pcm: &PcmDevice, caps: &Capabilities, kernel: &Kernel) -> (String, String) {
    use std::os::fd::AsRawFd;
    let fd = pcm.fd().as_raw_fd();
    let try_map = |offsets: [i64; 2], prot: i32| -> Result<(), i32> {
        let mut last = 0;
        for offset in offsets {
            // SAFETY: a fresh shared mapping of one page of the device, unmapped at once; no
            // memory of this process is touched.
            let at = unsafe { libc::mmap64(std::ptr::null_mut(), 4096, prot, libc::MAP_SHARED, fd, offset) };
            if at != libc::MAP_FAILED {
                // SAFETY: `at` is the page just mapped.
                unsafe { libc::munmap(at, 4096) };
                return Ok(());
            }
            last = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
        }
        Err(last)
    };
    let why = |errno: i32, control: bool| -> String {
        let machine = kernel.machine.as_str();
        let kernel_maps = [
            "x86_64", "i386", "i486", "i586", "i686", "ppc", "ppc64", "ppc64le", "alpha",
        ]
        .contains(&machine);
        let compat = usize::BITS == 32 && (machine.contains("64") || machine == "aarch64");
        let reason = if errno != libc::ENXIO {
            "an unexpected error".to_owned()
        } else if !kernel_maps {
            format!("the kernel maps these pages only on x86, PowerPC and Alpha, not {machine}")
        } else if compat {
            "a 32-bit process on a 64-bit kernel".to_owned()
        } else if control && caps.info_flags().any(|f| f == "SYNC_APPLPTR") {
            "the driver sets SYNC_APPLPTR (it must see every appl_ptr move)".to_owned()
        } else {
            "the kernel refuses it".to_owned()
        };
        format!(
            "refused ({}): {reason}; SYNC_PTR instead",
            std::io::Error::from_raw_os_error(errno)
        )
    };
    let status = match try_map([OFFSET_STATUS, OFFSET_STATUS_OLD], libc::PROT_READ) {
        Ok(()) => "mapped".to_owned(),
        Err(errno) => why(errno, false),
    };
    let control = match try_map(
        [OFFSET_CONTROL, OFFSET_CONTROL_OLD],
        libc::PROT_READ | libc::PROT_WRITE,
    ) {
        Ok(()) => "mapped".to_owned(),
        Err(errno) => why(errno, true),
    };
    (status, control)
}

/// How the probe streams on a PCM: a format it can stream, channels, rate and periods.
struct Plan {
    /// The format.
    format: Format,
    /// Channels.
    channels: u32,
    /// Rate.
    rate: u32,
    /// Periods per buffer.
    periods: u32,
}

impl Plan {
    /// The first format of S16, S32, S24, U8 and IEC958 subframes the device offers, 2
    /// channels (or its nearest), 48 kHz (or 44.1 kHz, or its nearest), 4 periods (or its
    /// nearest).
    fn of(caps: &Capabilities) -> Option<Plan> {
        let format = [
            Format::S16,
            Format::S32Le,
            Format::S24Le,
            Format::U8,
            Format::Iec958SubframeLe,
        ]
        .into_iter()
        .find(|f| caps.supports_format(*f))?;
        let clamp = |param: Param, want: u32| {
            caps.range(param)
                .map_or(want, |r| want.clamp(r.min, r.max.max(r.min)))
        };
        let rate = match caps.range(Param::Rate) {
            Some(r) if (r.min..=r.max).contains(&48_000) => 48_000,
            Some(r) if (r.min..=r.max).contains(&44_100) => 44_100,
            _ => clamp(Param::Rate, 48_000),
        };
        Some(Plan {
            format,
            channels: clamp(Param::Channels, 2),
            rate,
            periods: clamp(Param::Periods, 4),
        })
    }

    /// The stream configuration at `period` frames.
    fn config(&self, period: u32) -> Config {
        Config::new(self.format, self.channels, self.rate)
            .period_size(period)
            .periods(self.periods)
            .matching(Matching::Nearest)
    }

    /// The period to count system calls at when the sweep found none: the board-like 1024
    /// within the device's range.
    fn fallback_period(&self, caps: &Capabilities) -> u32 {
        caps.range(Param::PeriodSize)
            .map_or(1024, |r| 1024u32.clamp(r.min, r.max.max(r.min)))
    }

    /// Opens a stream of `name` with the plan at a middle period and says its transport.
    fn transport(&self, name: &str, direction: Direction) -> Result<String, Error> {
        let config = self.config(1024);
        let (transport, period) = dispatch!(self.format, S => match direction {
            Direction::Playback => {
                let s = MmapStream::<S, Playback>::open(name, &config)?;
                (s.transport(), s.setup().negotiated.period_size)
            }
            Direction::Capture => {
                let s = MmapStream::<S, Capture>::open(name, &config)?;
                (s.transport(), s.setup().negotiated.period_size)
            }
        });
        Ok(format!(
            "{transport} ({} {}ch {} Hz, period {period})",
            self.format, self.channels, self.rate
        ))
    }

    /// Streams [`SWEEP_MS`] at each period of [`SWEEP_PERIODS`] the device offers, smallest
    /// first, until one streams without an xrun.
    fn sweep(&self, name: &str, direction: Direction, caps: &Capabilities) -> Sweep {
        let range = caps.range(Param::PeriodSize);
        let mut sweep = Sweep {
            config: format!(
                "{} {}ch {} Hz, {} periods",
                self.format, self.channels, self.rate, self.periods
            ),
            steps: Vec::new(),
            smallest_stable: None,
        };
        let offered = SWEEP_PERIODS
            .iter()
            .copied()
            .filter(|p| range.is_none_or(|r| (r.min..=r.max).contains(p)));
        for period in offered {
            let frames = (u64::from(self.rate) * SWEEP_MS / 1000).max(8 * u64::from(period));
            let outcome = limited(STEP_LIMIT_SECS, || {
                dispatch!(self.format, S => match direction {
                    Direction::Playback => stream::<S, Playback>(name, &self.config(period), frames, false),
                    Direction::Capture => stream::<S, Capture>(name, &self.config(period), frames, false),
                })
            });
            let stalled = outcome.as_ref().is_err_and(|e| e.starts_with(STALLED));
            let (line, stable) = match outcome {
                Ok((got, 0)) if got == period => ("no xrun".to_owned(), true),
                Ok((got, 0)) => (format!("got period {got}, no xrun"), false),
                Ok((_, xruns)) => (format!("{xruns} xrun(s)"), false),
                Err(e) => (e, false),
            };
            sweep.steps.push((period, line));
            if stable {
                sweep.smallest_stable = Some(period);
            }
            if stable || stalled {
                break;
            }
        }
        sweep
    }

    /// Counts the system calls of [`TRACED_PERIODS`] periods of a stream at `period`, in a
    /// forked child traced with ptrace.
    fn syscalls(&self, name: &str, direction: Direction, period: u32) -> Syscalls {
        let mut report = Syscalls {
            period,
            periods: TRACED_PERIODS,
            per_period: 0.0,
            calls: BTreeMap::new(),
        };
        // SAFETY: the probe has no other threads; the child streams and exits.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            report.calls.insert("(fork failed)".into(), 0);
            return report;
        }
        if pid == 0 {
            tracer::trace_me();
            // SAFETY: alarm has no preconditions; SIGALRM ends a stream that never moves.
            unsafe { libc::alarm(STEP_LIMIT_SECS) };
            let config = self.config(period);
            let frames = (TRACED_PERIODS + 4) * u64::from(period);
            let outcome = dispatch!(self.format, S => match direction {
                Direction::Playback => stream::<S, Playback>(name, &config, frames, true),
                Direction::Capture => stream::<S, Capture>(name, &config, frames, true),
            });
            std::process::exit(if outcome.is_ok() { 0 } else { 1 });
        }
        match tracer::try_follow(pid, Window::BetweenMarkers) {
            Ok(traced) if traced.status == 0 => {
                let total: u64 = traced.counts.values().sum();
                report.per_period = total as f64 / TRACED_PERIODS as f64;
                for (nr, n) in traced.counts {
                    report.calls.insert(tracer::syscall_name(nr), n);
                }
            }
            Ok(traced) if traced.status == 128 + libc::SIGALRM => {
                report.calls.insert(format!("({STALLED} {STEP_LIMIT_SECS} s)"), 0);
            }
            Ok(traced) => {
                report
                    .calls
                    .insert(format!("(the stream failed: status {})", traced.status), 0);
            }
            Err(e) => {
                report.calls.insert(format!("(not traced: {e})"), 0);
            }
        }
        report
    }
}

/// The longest a stream of the sweep or the system call count may take, in seconds.
const STEP_LIMIT_SECS: u32 = 5;

/// How a step that was stopped at its limit is reported (a device whose clock never moved).
const STALLED: &str = "stalled: the device's pointer never moved (a loopback capture with nothing playing into it, an input without a clock?); stopped after";

/// Runs `step` in a forked child that SIGALRM ends after `limit_secs`, and returns what it
/// returned (an error as text): a stream whose device never moves cannot hold up the probe.
fn limited(limit_secs: u32, step: impl FnOnce() -> Result<(u32, u32), Error>) -> Result<(u32, u32), String> {
    use std::io::Read;
    use std::os::fd::FromRawFd;
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` has room for the two descriptors pipe writes.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return Err(format!("pipe: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: the probe has no other threads; the child runs `step` and exits.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        // SAFETY: both descriptors are this process's, from pipe.
        unsafe {
            libc::close(fds[0]);
            libc::close(fds[1]);
        }
        return Err(format!("fork: {}", std::io::Error::last_os_error()));
    }
    if pid == 0 {
        // SAFETY: closing this child's copy of the read end, and arming its alarm.
        unsafe {
            libc::close(fds[0]);
            libc::alarm(limit_secs);
        }
        let line = match step() {
            Ok((period, xruns)) => format!("ok {period} {xruns}"),
            Err(e) => format!("err {e}"),
        };
        // SAFETY: `line` is valid for its length; _exit ends the child without running the
        // parent's destructors.
        unsafe {
            libc::write(fds[1], line.as_ptr().cast(), line.len());
            libc::_exit(0);
        }
    }
    // SAFETY: the write end is this process's copy; the read end is owned by `file` from now.
    let mut file = unsafe {
        libc::close(fds[1]);
        std::fs::File::from_raw_fd(fds[0])
    };
    let mut text = String::new();
    let _ = file.read_to_string(&mut text);
    let mut status = 0;
    // SAFETY: `pid` is this process's child; `status` is writable.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    if libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGALRM {
        return Err(format!("{STALLED} {limit_secs} s"));
    }
    let mut words = text.splitn(3, ' ');
    match (words.next(), words.next(), words.next()) {
        (Some("ok"), Some(period), Some(xruns)) => match (period.parse(), xruns.parse()) {
            (Ok(p), Ok(x)) => Ok((p, x)),
            _ => Err(format!("the step said {text:?}")),
        },
        (Some("err"), Some(first), rest) => Err(format!("{first} {}", rest.unwrap_or_default())
            .trim_end()
            .to_owned()),
        _ => Err(format!("the step ended with status {status} and said {text:?}")),
    }
}

/// Streams `frames` of silence (playback) or reads them (capture); returns the period the
/// device gave and the xruns. With `marked`, the periods after the fourth are between two
/// [`tracer::marker`] calls.
fn stream<S: Sample, D: StreamDirection + Kind>(
    name: &str,
    config: &Config,
    frames: u64,
    marked: bool,
) -> Result<(u32, u32), Error> {
    let mut stream = MmapStream::<S, D>::open(name, config)?;
    let period = stream.setup().negotiated.period_size;
    let mut count = 0u64;
    let mut step = |position: u64, got: usize| {
        count += 1;
        if marked && (count == 5 || position + got as u64 >= frames) {
            tracer::marker();
        }
        if position + got as u64 >= frames {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    D::run(&mut stream, &mut step)?;
    let xruns = stream.xruns();
    let _ = stream.stop();
    Ok((period, xruns))
}

/// Playback and capture streams run alike: one period at a time, told the position.
trait Kind: StreamDirection + Sized {
    /// Runs the stream until `step` breaks.
    fn run<S: Sample>(
        stream: &mut MmapStream<S, Self>,
        step: &mut dyn FnMut(u64, usize) -> ControlFlow<()>,
    ) -> Result<(), Error>;
}

impl Kind for Playback {
    fn run<S: Sample>(
        stream: &mut MmapStream<S, Self>,
        step: &mut dyn FnMut(u64, usize) -> ControlFlow<()>,
    ) -> Result<(), Error> {
        stream.run(|buf, info| {
            buf.fill(S::SILENCE);
            step(info.position, info.frames)
        })
    }
}

impl Kind for Capture {
    fn run<S: Sample>(
        stream: &mut MmapStream<S, Self>,
        step: &mut dyn FnMut(u64, usize) -> ControlFlow<()>,
    ) -> Result<(), Error> {
        stream.run(|_, info| step(info.position, info.frames))
    }
}

/// The card's mixer controls, read (never written).
fn controls(mixer: &Mixer) -> Result<Vec<Control>, Error> {
    let mut list = Vec::new();
    for id in mixer.elements() {
        let id = id?;
        let info = mixer.info(&id)?;
        let mut name = info.id.name.to_string();
        if info.id.index != 0 {
            let _ = write!(name, ",{}", info.id.index);
        }
        let range = match info.limits {
            Limits::Integer { min, max, step } => {
                if step > 1 {
                    format!("{min}..{max} step {step}")
                } else {
                    format!("{min}..{max}")
                }
            }
            Limits::Enumerated { items } => format!("{items} items"),
            Limits::None => String::new(),
        };
        let db = if info.access.tlv_readable() {
            mixer.db_range(&info).ok().flatten().map(|r| r.to_string())
        } else {
            None
        };
        let values = if info.access.readable() {
            match mixer.read(&info) {
                Ok(values) => (0..info.count.min(8))
                    .map(|ch| match info.kind {
                        ElemType::Boolean => values
                            .boolean(ch)
                            .map(|b| if b { "on".into() } else { "off".into() })
                            .unwrap_or_default(),
                        ElemType::Integer | ElemType::Integer64 => {
                            values.integer(ch).map(|v| v.to_string()).unwrap_or_default()
                        }
                        ElemType::Enumerated => values
                            .enumerated(ch)
                            .ok()
                            .and_then(|item| mixer.enum_item_name(&info, item).ok())
                            .map(|n| n.to_string())
                            .unwrap_or_default(),
                        _ => "..".into(),
                    })
                    .collect::<Vec<String>>()
                    .join(" "),
                Err(e) => format!("({e})"),
            }
        } else {
            String::new()
        };
        let mut access = format!(
            "{}{}",
            if info.access.readable() { 'r' } else { '-' },
            if info.access.writable() { 'w' } else { '-' }
        );
        if info.access.inactive() {
            access.push_str(" inactive");
        }
        if info.access.volatile() {
            access.push_str(" volatile");
        }
        list.push(Control {
            numid: info.id.numid,
            name,
            kind: format!("{:?}", info.kind),
            count: info.count,
            range,
            db,
            values,
            access,
        });
    }
    Ok(list)
}

/// The text report.
fn text(report: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", report.tool);
    let k = &report.kernel;
    let _ = writeln!(s, "kernel: {} {} ({})", k.release, k.machine, k.version);
    let _ = writeln!(
        s,
        "process: {}; uid {}{}",
        report.process,
        report.user.uid,
        if report.user.audio_group {
            ", may open the sound devices (audio group or root)"
        } else {
            ", NOT in the audio group: sudo usermod -aG audio $USER, then log in again"
        }
    );
    if report.cards.is_empty() {
        let _ = writeln!(s, "no sound card (/dev/snd/controlC* missing): load the card's driver, or check the device tree overlay (e.g. dtparam=audio=on)");
    }
    for card in &report.cards {
        let _ = writeln!(
            s,
            "\ncard {}: {} [{}] driver {}",
            card.index, card.id, card.long_name, card.driver
        );
        if let Some(e) = &card.error {
            let _ = writeln!(s, "  error: {e}");
        }
        for pcm in &card.pcms {
            let _ = writeln!(
                s,
                "  {} {}: {} subdevices {}/{} free",
                pcm.name, pcm.direction, pcm.id, pcm.subdevices.1, pcm.subdevices.0
            );
            if let Some(e) = &pcm.error {
                let _ = writeln!(s, "    error: {e}");
            }
            if !pcm.info_bits.is_empty() {
                let _ = writeln!(s, "    info: {} {}", pcm.info_bits, pcm.info_flags.join(" "));
                let _ = writeln!(s, "    formats: {}", pcm.formats.join(" "));
                let ranges: Vec<String> = pcm
                    .ranges
                    .iter()
                    .map(|(name, (min, max))| {
                        if min == max {
                            format!("{name} {min}")
                        } else {
                            format!("{name} {min}..{max}")
                        }
                    })
                    .collect();
                let _ = writeln!(s, "    ranges: {}", ranges.join(", "));
            }
            if let Some(t) = &pcm.transport {
                let _ = writeln!(s, "    transport: {}", t.chosen);
                let _ = writeln!(s, "    status mapping: {}", t.status_mapping);
                let _ = writeln!(s, "    control mapping: {}", t.control_mapping);
            }
            if let Some(sweep) = &pcm.sweep {
                let steps: Vec<String> = sweep
                    .steps
                    .iter()
                    .map(|(p, outcome)| format!("{p}: {outcome}"))
                    .collect();
                let _ = writeln!(
                    s,
                    "    smallest stable period: {} ({}; {})",
                    sweep
                        .smallest_stable
                        .map_or("none of those tried".into(), |p| format!("{p} frames")),
                    sweep.config,
                    steps.join("; ")
                );
            }
            if let Some(calls) = &pcm.syscalls {
                let names: Vec<String> = calls.calls.iter().map(|(n, c)| format!("{n} {c}")).collect();
                let _ = writeln!(
                    s,
                    "    system calls per period: {:.2} at period {} ({} periods: {})",
                    calls.per_period,
                    calls.period,
                    calls.periods,
                    names.join(", ")
                );
            }
        }
        if !card.mixer.is_empty() {
            let _ = writeln!(s, "  mixer ({} controls):", card.mixer.len());
        }
        for c in &card.mixer {
            let mut line = format!(
                "    #{} '{}' {} x{} {}",
                c.numid, c.name, c.kind, c.count, c.access
            );
            if !c.range.is_empty() {
                let _ = write!(line, " range {}", c.range);
            }
            if let Some(db) = &c.db {
                let _ = write!(line, " dB {db}");
            }
            if !c.values.is_empty() {
                let _ = write!(line, " = {}", c.values);
            }
            let _ = writeln!(s, "{line}");
        }
    }
    let _ = writeln!(s, "\nprobe took {} ms", report.took_ms);
    s
}
