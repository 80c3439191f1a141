//! Board descriptions: one TOML file per board under `boards/`, named `<board>.toml`.
//!
//! See `boards/README.md` for the format. Emulated boards carry `[debian]` (the kernel and
//! userland to fetch) and `[qemu]` (how to boot it); real boards only document defaults.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

/// Whether a board is booted under qemu by the runner or is real hardware users copy binaries to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Booted by `cargo board test` / `cargo board run` under qemu.
    Emulated,
    /// Real hardware: the file only documents the target and default devices.
    Real,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Kind::Emulated => "emulated",
            Kind::Real => "real",
        })
    }
}

/// Default ALSA devices the tests and examples use on this board.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Devices {
    /// Playback device, e.g. `hw:Loopback,0,0`.
    pub playback: String,
    /// Capture device, e.g. `hw:Loopback,1,0`.
    pub capture: String,
}

/// Default stream configuration for the board.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stream {
    /// Sample format name as ALSA spells it, e.g. `S16_LE`.
    pub format: String,
    /// Frames per second.
    pub rate: u32,
    /// Channels per frame.
    #[serde(default = "default_channels")]
    pub channels: u32,
    /// Frames per period.
    pub period_frames: u32,
    /// Periods per buffer.
    pub periods: u32,
}

/// Default `[stream] channels`.
fn default_channels() -> u32 {
    2
}

/// Where the guest's kernel and userland come from (emulated boards).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Debian {
    /// Debian suite to take the packages from, e.g. `bookworm`.
    pub suite: String,
    /// dpkg architecture, e.g. `arm64`.
    pub arch: String,
    /// Kernel meta package, resolved to the versioned image package with `apt-cache depends`.
    pub kernel_package: String,
    /// Prefix of the kernel file under `boot/` that qemu boots (`vmlinuz` or `vmlinux`).
    #[serde(default = "default_kernel_image")]
    pub kernel_image: String,
    /// Package providing a static busybox.
    #[serde(default = "default_busybox")]
    pub busybox_package: String,
    /// Modules to `insmod`, in order: `"name"` or `"name param=value ..."`. Dependencies missing
    /// from the list are added before their users from the kernel's `modules.dep`.
    pub modules: Vec<String>,
}

/// Default `[debian] kernel_image`.
fn default_kernel_image() -> String {
    "vmlinuz".into()
}

/// Default `[debian] busybox_package`.
fn default_busybox() -> String {
    "busybox-static".into()
}

/// How qemu boots the board.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Qemu {
    /// System emulator, e.g. `qemu-system-aarch64`.
    pub binary: String,
    /// `-M` value; qemu's default machine when absent.
    pub machine: Option<String>,
    /// `-cpu` value (replaced by `host` when KVM is used).
    pub cpu: Option<String>,
    /// `-m` value.
    #[serde(default = "default_memory")]
    pub memory: String,
    /// `-smp` value.
    #[serde(default = "default_smp")]
    pub smp: u32,
    /// Kernel console device, e.g. `ttyAMA0`.
    pub console: String,
    /// `-bios` value, e.g. `default` (OpenSBI on riscv64).
    pub bios: Option<String>,
    /// May use KVM (with `--kvm` on `cargo board test`, `run`, `bench` or `ci`) when `/dev/kvm`
    /// is usable and the guest has the host's architecture.
    #[serde(default)]
    pub kvm: bool,
    /// Extra kernel command line words.
    #[serde(default)]
    pub append: Vec<String>,
    /// Extra qemu arguments.
    #[serde(default)]
    pub extra_args: Vec<String>,
}

/// Default `[qemu] memory`.
fn default_memory() -> String {
    "512M".into()
}

/// Default `[qemu] smp`.
fn default_smp() -> u32 {
    2
}

/// Emulated sound hardware whose output qemu records to a WAV file on the host: a real
/// driver in the guest, and an ear outside the board.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Audio {
    /// qemu `-device` values of the sound hardware, in order; the one that plays names
    /// `audiodev=snd0` (the runner's `-audiodev wav,id=snd0,...`), e.g.
    /// `["intel-hda", "hda-output,audiodev=snd0"]`.
    pub devices: Vec<String>,
    /// qemu's audio tick in microseconds (`timer-period=`; qemu's default is 10 ms, longer
    /// than the buffer of a 64-frame period).
    #[serde(default = "default_timer_period_us")]
    pub timer_period_us: u32,
    /// Device node the guest waits for after loading the modules (a card may register a
    /// moment after its module loads), e.g. `/dev/snd/pcmC0D0p`.
    pub wait_for: Option<String>,
    /// Sample formats the card offers for playback, as ALSA spells them; the heard tests play
    /// each (and check that the others are refused).
    #[serde(default = "default_audio_formats")]
    pub formats: Vec<String>,
    /// The smallest buffer, in frames, the heard tests give the card: the scenarios at small
    /// periods use more periods to reach it (on qemu's HDA and AC97 the first stream after boot
    /// underruns at once with a buffer of 1024 frames or less, alsa-lib's too). Non-zero also
    /// adds the edge pair: the crate beside `aplay -M` at 256 x 4.
    #[serde(default)]
    pub min_buffer_frames: u32,
    /// Frames the emulator holds between the DMA pointer and its output and drops when a stream
    /// stops: a recording may miss this many at each stop (HDA: about 1800, up to its codec's
    /// 2048-frame ring). The cycles scenario's bound per restart, and its cycles at least three
    /// times this long.
    #[serde(default)]
    pub buffered_frames: u32,
    /// The guest's capture device whose input the host feeds (`crate::boot::feed`), e.g.
    /// `hw:0,2`: one of `devices` names `audiodev=feed`, and the capture scenarios run on it.
    pub capture: Option<String>,
}

impl Audio {
    /// The target fill of the timer-scheduled tests and tones (`ALSA_DIRECT_TIMER_TARGET`):
    /// twice what the emulator fetches ahead of what it plays (`buffered_frames`; its
    /// hardware pointer leads the sound by that much), in whole periods of 256, at least two
    /// periods.
    pub fn timer_target(&self) -> u32 {
        (2 * self.buffered_frames).div_ceil(256).max(2) * 256
    }
}

/// Default `[audio] timer_period_us`: 1 ms.
fn default_timer_period_us() -> u32 {
    1000
}

/// Default `[audio] formats`.
fn default_audio_formats() -> Vec<String> {
    vec!["S16_LE".into()]
}

/// An emulated board that stands in for a real one: it boots with an SSH server and is
/// tested and probed over SSH as a real board is (see `crate::remote::standin`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Standin {
    /// The qemu `-device` of the guest's network card (its driver must be among the
    /// board's `[debian] modules`), e.g. `virtio-net-pci`.
    #[serde(default = "default_net_device")]
    pub net_device: String,
}

/// Default `[standin] net_device`.
fn default_net_device() -> String {
    "virtio-net-pci".into()
}

/// What `cargo board ci` tests of an emulated board (`[ci]`; a board without it is not in CI).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ci {
    /// The Debian suites whose kernels CI boots the board on: its own (`[debian] suite`) tests
    /// the board as it is, another one the board of [`with_suite`] (`BOARD-SUITE`).
    pub suites: Vec<String>,
}

/// One run of the test binaries on a board: a target to build for and the environment to run with.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Run {
    /// Short name shown in progress lines and the summary (letters, digits, `-`, `_`, `.`).
    pub name: String,
    /// Target triple to build for; the board's target when absent.
    pub target: Option<String>,
    /// Extra environment for the binary in the guest.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Extra arguments for the test binary.
    #[serde(default)]
    pub args: Vec<String>,
    /// Print the guest's `/var/log/messages` after this run.
    #[serde(default)]
    pub dump_syslog: bool,
}

/// The file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct BoardFile {
    /// See [`Board::description`].
    description: String,
    /// See [`Board::kind`].
    kind: Kind,
    /// See [`Board::target`].
    target: String,
    /// See [`Board::devices`].
    devices: Devices,
    /// See [`Board::stream`].
    stream: Stream,
    /// See [`Board::notes`].
    notes: Option<String>,
    /// See [`Board::debian`].
    debian: Option<Debian>,
    /// See [`Board::qemu`].
    qemu: Option<Qemu>,
    /// See [`Board::audio`].
    audio: Option<Audio>,
    /// See [`Board::standin`].
    standin: Option<Standin>,
    /// See [`Board::ci`].
    ci: Option<Ci>,
    /// See [`Board::runs`] (empty: one default run).
    #[serde(default)]
    runs: Vec<Run>,
}

/// A board loaded and checked from `boards/<name>.toml`.
#[derive(Debug, Clone)]
pub struct Board {
    /// File stem, e.g. `qemu-arm64`.
    pub name: String,
    /// One line of description.
    pub description: String,
    /// Emulated or real.
    pub kind: Kind,
    /// Rust target triple of the board's userland.
    pub target: String,
    /// Default devices.
    pub devices: Devices,
    /// Default stream configuration.
    pub stream: Stream,
    /// Free text for users (how to copy and run binaries on real boards).
    pub notes: Option<String>,
    /// Guest packages (emulated boards).
    pub debian: Option<Debian>,
    /// qemu settings (emulated boards).
    pub qemu: Option<Qemu>,
    /// Emulated sound hardware recorded on the host (real-driver boards); `None` for boards
    /// whose card is the loopback.
    pub audio: Option<Audio>,
    /// Set on an emulated board that stands in for a real one over SSH.
    pub standin: Option<Standin>,
    /// What `cargo board ci` tests of it (emulated boards); `None`: not in CI.
    pub ci: Option<Ci>,
    /// Runs of the test binaries; never empty for emulated boards.
    pub runs: Vec<Run>,
    /// The file it came from.
    pub path: PathBuf,
    /// For a board made by [`with_suite`]: the board file's own name.
    pub base_name: Option<String>,
}

impl Board {
    /// The `cargo board` arguments that name this board: `BOARD` or `BOARD --suite SUITE`.
    pub fn invocation(&self) -> String {
        match (&self.base_name, &self.debian) {
            (Some(base), Some(debian)) => format!("{base} --suite {}", debian.suite),
            _ => self.name.clone(),
        }
    }

    /// Parses one board file; `name` is the file stem.
    pub fn parse(name: &str, text: &str, path: &Path) -> Result<Board> {
        let file: BoardFile = toml::from_str(text).with_context(|| format!("parsing {}", path.display()))?;
        let mut runs = file.runs;
        if runs.is_empty() {
            runs.push(Run {
                name: "default".into(),
                target: None,
                env: BTreeMap::new(),
                args: Vec::new(),
                dump_syslog: false,
            });
        }
        let board = Board {
            name: name.to_owned(),
            description: file.description,
            kind: file.kind,
            target: file.target,
            devices: file.devices,
            stream: file.stream,
            notes: file.notes,
            debian: file.debian,
            qemu: file.qemu,
            audio: file.audio,
            standin: file.standin,
            ci: file.ci,
            runs,
            path: path.to_owned(),
            base_name: None,
        };
        board.check().with_context(|| format!("in {}", path.display()))?;
        Ok(board)
    }

    /// Checks the combination of sections and the names used in the guest.
    fn check(&self) -> Result<()> {
        if !is_simple_name(&self.name) {
            bail!("board name {:?}: use letters, digits, '-', '_', '.'", self.name);
        }
        match self.kind {
            Kind::Emulated => {
                if self.debian.is_none() || self.qemu.is_none() {
                    bail!("an emulated board needs [debian] and [qemu] sections");
                }
            }
            Kind::Real => {
                if self.debian.is_some()
                    || self.qemu.is_some()
                    || self.audio.is_some()
                    || self.standin.is_some()
                    || self.ci.is_some()
                {
                    bail!("a real board has no [debian], [qemu], [audio], [standin] or [ci] section");
                }
            }
        }
        if let Some(ci) = &self.ci {
            if ci.suites.is_empty() {
                bail!("[ci] suites is empty: name the Debian suites CI boots the board on, or drop [ci]");
            }
            let mut suites = std::collections::BTreeSet::new();
            if let Some(twice) = ci.suites.iter().find(|s| !suites.insert(s.as_str())) {
                bail!("[ci] suites names {twice:?} twice");
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for run in &self.runs {
            if !is_simple_name(&run.name) {
                bail!("run name {:?}: use letters, digits, '-', '_', '.'", run.name);
            }
            if !seen.insert(run.name.as_str()) {
                bail!("two runs named {:?}", run.name);
            }
            for key in run.env.keys() {
                if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    bail!("run {}: environment name {key:?} is not a shell name", run.name);
                }
            }
        }
        Ok(())
    }

    /// The emulation sections of an emulated board.
    pub fn emulation(&self) -> Result<(&Debian, &Qemu)> {
        match (&self.debian, &self.qemu) {
            (Some(d), Some(q)) => Ok((d, q)),
            _ => bail!(
                "board {} is not emulated: copy the binaries to it by hand",
                self.name
            ),
        }
    }

    /// The target triple of a run.
    pub fn run_target<'a>(&'a self, run: &'a Run) -> &'a str {
        run.target.as_deref().unwrap_or(&self.target)
    }

    /// The environment every binary on this board receives (before the run's own variables).
    pub fn guest_env(&self, run: &Run) -> BTreeMap<String, String> {
        let mut env = BTreeMap::new();
        env.insert("ALSA_DIRECT_BOARD".into(), self.name.clone());
        env.insert("ALSA_DIRECT_RUN".into(), run.name.clone());
        env.insert("ALSA_DIRECT_PLAYBACK".into(), self.devices.playback.clone());
        env.insert("ALSA_DIRECT_CAPTURE".into(), self.devices.capture.clone());
        env.insert("ALSA_DIRECT_FORMAT".into(), self.stream.format.clone());
        env.insert("ALSA_DIRECT_RATE".into(), self.stream.rate.to_string());
        env.insert("ALSA_DIRECT_CHANNELS".into(), self.stream.channels.to_string());
        env.insert(
            "ALSA_DIRECT_PERIOD_FRAMES".into(),
            self.stream.period_frames.to_string(),
        );
        env.insert("ALSA_DIRECT_PERIODS".into(), self.stream.periods.to_string());
        if let Some(audio) = &self.audio {
            env.insert(
                "ALSA_DIRECT_TIMER_TARGET".into(),
                audio.timer_target().to_string(),
            );
        }
        env.extend(run.env.iter().map(|(k, v)| (k.clone(), v.clone())));
        env
    }
}

/// True for names safe to use unquoted in paths and markers.
fn is_simple_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Loads every `*.toml` in `dir`, sorted by name.
pub fn load_all(dir: &Path) -> Result<Vec<Board>> {
    let mut boards = Vec::new();
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        boards.push(Board::parse(name, &text, &path)?);
    }
    boards.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(boards)
}

/// `board` with its guest packages (kernel, busybox, aplay) taken from Debian `suite` instead of
/// its own, named `<board>-<suite>`: the same board on another kernel.
pub fn with_suite(board: &Board, suite: &str) -> Result<Board> {
    let mut other = board.clone();
    let debian = other
        .debian
        .as_mut()
        .with_context(|| format!("board {} is not emulated: it has no Debian suite", board.name))?;
    if debian.suite == suite {
        return Ok(other);
    }
    debian.suite = suite.to_owned();
    other.name = format!("{}-{suite}", board.name);
    other.base_name = Some(board.name.clone());
    other.description = format!("{} (Debian {suite} packages)", board.description);
    Ok(other)
}

/// Picks the named boards (all emulated ones when `names` is empty).
pub fn select<'a>(all: &'a [Board], names: &[String]) -> Result<Vec<&'a Board>> {
    if names.is_empty() {
        return Ok(all.iter().filter(|b| b.kind == Kind::Emulated).collect());
    }
    names
        .iter()
        .map(|name| {
            all.iter().find(|b| &b.name == name).with_context(|| {
                let known: Vec<&str> = all.iter().map(|b| b.name.as_str()).collect();
                format!("no board {name:?} (known: {})", known.join(", "))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timer_target_covers_what_the_emulator_fetches_ahead() {
        let audio = |buffered: u32| -> Audio {
            toml::from_str(&format!("devices = []\nbuffered_frames = {buffered}")).unwrap()
        };
        assert_eq!(audio(2048).timer_target(), 4096);
        assert_eq!(audio(512).timer_target(), 1024);
        assert_eq!(audio(0).timer_target(), 512);
    }

    const EMULATED: &str = r#"
        description = "test"
        kind = "emulated"
        target = "aarch64-unknown-linux-gnu"
        [devices]
        playback = "hw:Loopback,0,0"
        capture = "hw:Loopback,1,0"
        [stream]
        format = "S16_LE"
        rate = 48000
        period_frames = 256
        periods = 4
        [debian]
        suite = "bookworm"
        arch = "arm64"
        kernel_package = "linux-image-arm64"
        modules = ["snd-aloop index=0"]
        [qemu]
        binary = "qemu-system-aarch64"
        console = "ttyAMA0"
        [[runs]]
        name = "sync-ptr"
        env = { ALSA_DIRECT_TEST_TRANSPORT = "sync-ptr" }
    "#;

    #[test]
    fn parses_an_emulated_board() {
        let board = Board::parse("b", EMULATED, Path::new("b.toml")).unwrap();
        assert_eq!(board.kind, Kind::Emulated);
        assert_eq!(board.qemu.as_ref().unwrap().memory, "512M");
        let env = board.guest_env(&board.runs[0]);
        assert_eq!(env["ALSA_DIRECT_TEST_TRANSPORT"], "sync-ptr");
        assert_eq!(env["ALSA_DIRECT_PLAYBACK"], "hw:Loopback,0,0");
        assert_eq!(board.run_target(&board.runs[0]), "aarch64-unknown-linux-gnu");
    }

    #[test]
    fn another_suite_renames_the_board() {
        let board = Board::parse("b", EMULATED, Path::new("b.toml")).unwrap();
        let own = board.debian.as_ref().unwrap().suite.clone();
        assert_eq!(with_suite(&board, &own).unwrap().name, "b");
        let trixie = with_suite(&board, "trixie").unwrap();
        assert_eq!(trixie.name, "b-trixie");
        assert_eq!(trixie.debian.as_ref().unwrap().suite, "trixie");
        assert_eq!(trixie.invocation(), "b --suite trixie");
        assert_eq!(board.invocation(), "b");
        let real = EMULATED.replace("\"emulated\"", "\"real\"");
        let real = Board::parse("b", real.split("[debian]").next().unwrap(), Path::new("b.toml")).unwrap();
        assert!(with_suite(&real, "trixie").is_err());
    }

    #[test]
    fn ci_suites_are_checked() {
        let with = |ci: &str| {
            Board::parse(
                "b",
                &EMULATED.replace("[[runs]]", &format!("{ci}\n[[runs]]")),
                Path::new("b.toml"),
            )
        };
        let board = with("[ci]\nsuites = [\"bookworm\", \"trixie\"]").unwrap();
        assert_eq!(board.ci.unwrap().suites, ["bookworm", "trixie"]);
        assert!(with("").unwrap().ci.is_none());
        assert!(with("[ci]\nsuites = []").is_err());
        assert!(with("[ci]\nsuites = [\"trixie\", \"trixie\"]").is_err());
        assert!(with("[ci]\nsuite = [\"trixie\"]").is_err());
    }

    #[test]
    fn real_boards_get_a_default_run_and_refuse_qemu() {
        let real = EMULATED.replace("\"emulated\"", "\"real\"");
        assert!(Board::parse("b", &real, Path::new("b.toml")).is_err());
        let cut = real.split("[debian]").next().unwrap();
        let board = Board::parse("b", cut, Path::new("b.toml")).unwrap();
        assert_eq!(board.runs.len(), 1);
        assert!(board.emulation().is_err());
    }

    #[test]
    fn the_repository_boards_load() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../boards");
        let boards = load_all(&dir).unwrap();
        assert!(boards.iter().any(|b| b.kind == Kind::Emulated));
        assert!(boards.iter().any(|b| b.kind == Kind::Real));
    }
}
