//! Booting a board under qemu: the command line, the live console (echoed with the board's name
//! as prefix), the guest's progress events, and the timeout.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::feed::{self, Feed};
use super::qmp::{Hotplug, Qmp};
use crate::boards::Board;
use crate::boot::clock::Clock;
use crate::guest_image::protocol::{Event, Marker};
use crate::host::exec;
use crate::progress::{secs, step};

/// How a boot should go.
pub struct BootSpec<'a> {
    /// The board.
    pub board: &'a Board,
    /// Kernel image.
    pub kernel: &'a Path,
    /// Initramfs.
    pub initrd: &'a Path,
    /// The boot's marker (as in the initramfs's `/init`).
    pub marker: &'a Marker,
    /// Whole-boot time limit; qemu is killed after it.
    pub timeout: Duration,
    /// Allow KVM when the board asks for it (real clock only).
    pub allow_kvm: bool,
    /// The guest's clock.
    pub clock: Clock,
    /// Where qemu writes what the board's sound hardware plays (boards with `[audio]`); with
    /// `None` it is played to qemu's `none` backend.
    pub recording: Option<&'a Path>,
    /// The signal fed to the board's capture input (boards with `[audio] capture`); with
    /// `None` the input hears qemu's `none` backend (silence).
    pub feed: Option<&'a Feed>,
    /// A QMP socket for qemu and the console lines that send its commands.
    pub hotplug: Option<&'a Hotplug>,
}

/// How qemu runs the guest's CPUs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Engine {
    /// TCG on the instruction clock (see [`Clock::Instruction`]).
    #[default]
    InstructionClock,
    /// Multi-threaded TCG on the host's clock.
    Tcg,
    /// KVM (the host's clock).
    Kvm,
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Engine::InstructionClock => "TCG on the instruction clock",
            Engine::Tcg => "TCG on the host's clock",
            Engine::Kvm => "KVM",
        })
    }
}

/// One job's result.
#[derive(Debug, Clone)]
pub struct JobResult {
    /// Job name.
    pub name: String,
    /// Exit status; None when the job started but never ended.
    pub status: Option<i32>,
    /// Host time from its start marker to its end marker (or to the end of the boot).
    pub duration: Duration,
}

/// What happened during a boot.
#[derive(Debug, Default)]
pub struct BootReport {
    /// Time from qemu's start until `/init` reported.
    pub init_after: Option<Duration>,
    /// Kernel release the guest reported.
    pub release: String,
    /// Modules all loaded.
    pub modules_loaded: bool,
    /// Modules that failed to load.
    pub module_failures: Vec<String>,
    /// Jobs in the order they ran.
    pub jobs: Vec<JobResult>,
    /// `/init` reached its end.
    pub done: bool,
    /// The console showed a kernel panic.
    pub panicked: bool,
    /// The time limit ran out.
    pub timed_out: bool,
    /// Whole boot duration.
    pub duration: Duration,
    /// How the CPUs ran.
    pub engine: Engine,
    /// Number of vCPUs.
    pub cpus: u32,
    /// The console lines that were not guest events, in order (e.g. a job's output).
    pub console: Vec<String>,
    /// The QMP commands the console asked for: (command, host time since qemu started,
    /// `Ok` or why it failed).
    pub qmp: Vec<(String, Duration, Result<(), String>)>,
}

impl BootReport {
    /// Why the boot itself (not a job) failed, if it did.
    pub fn boot_failure(&self) -> Option<String> {
        if self.timed_out {
            Some("timed out".into())
        } else if self.panicked {
            Some("kernel panic".into())
        } else if self.init_after.is_none() {
            Some("no start marker from /init (the kernel did not boot)".into())
        } else if !self.module_failures.is_empty() {
            Some(format!("insmod failed: {}", self.module_failures.join(", ")))
        } else if !self.done {
            Some("the guest stopped before /init finished".into())
        } else {
            None
        }
    }
}

/// True when `/dev/kvm` can be opened for reading and writing.
pub fn kvm_usable() -> bool {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .is_ok()
}

/// qemu's name for the host's architecture.
fn host_qemu_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86" => "i386",
        other => other,
    }
}

/// The qemu command line for a boot, how it runs the CPUs and how many.
pub fn command(spec: &BootSpec<'_>) -> Result<(Command, Engine, u32)> {
    let (_, q) = spec.board.emulation()?;
    let engine = match spec.clock {
        Clock::Instruction => Engine::InstructionClock,
        Clock::Real
            if spec.allow_kvm
                && q.kvm
                && q.binary == format!("qemu-system-{}", host_qemu_arch())
                && kvm_usable() =>
        {
            Engine::Kvm
        }
        Clock::Real => Engine::Tcg,
    };
    let cpus = match engine {
        Engine::InstructionClock => 1,
        Engine::Tcg | Engine::Kvm => q.smp,
    };
    let mut cmd = Command::new(&q.binary);
    if let Some(machine) = &q.machine {
        cmd.args(["-M", machine]);
    }
    match engine {
        Engine::Kvm => cmd.args(["-accel", "kvm", "-cpu", "host"]),
        // One instruction = 1 ns of guest time, and idle time skipped: the guest's clock and
        // CPU accounting follow the instructions it executes, not the host's load. icount
        // needs the single-threaded TCG (and one CPU, see `Clock::Instruction`).
        Engine::InstructionClock => cmd.args(["-accel", "tcg,thread=single", "-icount", "shift=0,sleep=off"]),
        Engine::Tcg => cmd.args(["-accel", "tcg"]),
    };
    if engine != Engine::Kvm {
        if let Some(cpu) = &q.cpu {
            cmd.args(["-cpu", cpu]);
        }
    }
    cmd.args(["-m", &q.memory, "-smp", &cpus.to_string()])
        .args(["-nographic", "-no-reboot", "-nic", "none"]);
    if let Some(bios) = &q.bios {
        cmd.args(["-bios", bios]);
    }
    let mut append = vec![
        format!("console={}", q.console),
        "quiet".into(),
        "panic=-1".into(),
    ];
    append.extend(q.append.iter().cloned());
    cmd.arg("-kernel")
        .arg(spec.kernel)
        .arg("-initrd")
        .arg(spec.initrd)
        .arg("-append")
        .arg(append.join(" "))
        .args(&q.extra_args);
    if let Some(hotplug) = spec.hotplug {
        cmd.arg("-qmp").arg(format!(
            "unix:{},server=on,wait=off",
            hotplug.socket.display().to_string().replace(',', ",,")
        ));
    }
    if let Some(audio) = &spec.board.audio {
        cmd.arg("-audiodev").arg(audiodev(
            spec.recording,
            spec.board.stream.rate,
            audio.timer_period_us,
        ));
        if audio.capture.is_some() {
            cmd.arg("-audiodev").arg(feed_audiodev(
                spec.feed,
                spec.board.stream.rate,
                audio.timer_period_us,
            ));
            if let Some(feed) = spec.feed {
                // alsa-lib reads $XDG_CONFIG_HOME/alsa/asoundrc: the feed's PCM, for qemu only.
                cmd.env("XDG_CONFIG_HOME", &feed.config_home);
            }
        }
        for device in &audio.devices {
            cmd.args(["-device", device]);
        }
    }
    Ok((cmd, engine, cpus))
}

/// The `-audiodev` value of a board with sound hardware: a WAV file at `recording` written at
/// the board's rate (qemu's default would be 44100 Hz, resampled), or nothing without one;
/// qemu's audio tick every `timer_period_us`.
fn audiodev(recording: Option<&Path>, rate: u32, timer_period_us: u32) -> String {
    match recording {
        // qemu's option syntax doubles a comma inside a value.
        Some(path) => format!(
            "wav,id=snd0,path={},out.frequency={rate},timer-period={timer_period_us}",
            path.display().to_string().replace(',', ",,")
        ),
        None => format!("none,id=snd0,timer-period={timer_period_us}"),
    }
}

/// The `-audiodev` value of the input the host feeds: qemu's `alsa` backend reading the
/// feed's PCM at the board's rate (its output, unused, thrown away), or silence without a feed;
/// qemu's audio tick every `timer_period_us`. The feed's PCM hands over whatever is asked at
/// once, so qemu's input buffer is one tick long: each tick of the guest's clock takes in one
/// tick of frames, which paces the feed (see `crate::boot::feed`).
fn feed_audiodev(feed: Option<&Feed>, rate: u32, timer_period_us: u32) -> String {
    let id = feed::AUDIODEV_ID;
    match feed {
        Some(_) => format!(
            "alsa,id={id},in.dev={},out.dev=null,in.frequency={rate},in.channels=2,in.format=s16,\
             in.buffer-length={timer_period_us},in.try-poll=off,out.try-poll=off,\
             timer-period={timer_period_us}",
            feed::PCM_NAME
        ),
        None => format!("none,id={id},timer-period={timer_period_us}"),
    }
}

/// Console traffic from the reader threads.
enum Output {
    /// A console (stdout) line.
    Line(String),
    /// A line qemu wrote to stderr.
    Stderr(String),
    /// One of the two streams ended.
    Closed,
}

/// Boots, echoes the console live and follows the guest's events until qemu exits or the time
/// runs out.
pub fn boot(spec: &BootSpec<'_>) -> Result<BootReport> {
    let name = &spec.board.name;
    let (mut cmd, engine, cpus) = command(spec)?;
    step!(
        "{name}: booting ({engine}, {cpus} CPU(s); time limit {}): {}",
        secs(spec.timeout),
        exec::display(&cmd)
    );
    let started = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {}", exec::display(&cmd)))?;
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().context("qemu stdout")?;
    let stderr = child.stderr.take().context("qemu stderr")?;
    let out_tx = tx.clone();
    std::thread::spawn(move || forward_lines(stdout, Output::Line, &out_tx));
    std::thread::spawn(move || forward_lines(stderr, Output::Stderr, &tx));

    let mut report = BootReport {
        engine,
        cpus,
        ..BootReport::default()
    };
    let mut deadline = started + spec.timeout;
    let mut job_started: Option<(String, Instant)> = None;
    let mut open_streams = 2;
    let mut first_output = true;
    let mut qmp: Option<Qmp> = None;
    while open_streams > 0 {
        let wait = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(wait) {
            Ok(Output::Line(line)) => {
                if first_output {
                    first_output = false;
                    step!("{name}: first console output after {}", secs(started.elapsed()));
                }
                if line.contains("Kernel panic") {
                    report.panicked = true;
                }
                match spec.marker.parse(&line) {
                    Some(event) => {
                        handle_event(name, event, started, &mut report, &mut job_started);
                        if report.done {
                            // /init powers off next; do not wait for long.
                            deadline = deadline.min(Instant::now() + Duration::from_secs(30));
                        }
                    }
                    None => {
                        println!("{name} | {line}");
                        let commands = spec.hotplug.map(|h| (h, h.commands_for(&line)));
                        for (hotplug, command) in commands
                            .into_iter()
                            .flat_map(|(h, c)| c.iter().map(move |c| (h, c)))
                        {
                            let sent = send_qmp(&mut qmp, &hotplug.socket, command);
                            let what = command["execute"].as_str().unwrap_or("?").to_owned();
                            step!(
                                "{name}: QMP {command}: {}",
                                match &sent {
                                    Ok(()) => "done".to_owned(),
                                    Err(why) => format!("FAILED: {why}"),
                                }
                            );
                            report.qmp.push((what, started.elapsed(), sent));
                        }
                        report.console.push(line);
                    }
                }
            }
            Ok(Output::Stderr(line)) => println!("{name} (qemu) | {line}"),
            Ok(Output::Closed) => open_streams -= 1,
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => {
                if report.done {
                    step!("{name}: guest did not power off; stopping qemu");
                } else {
                    report.timed_out = true;
                    step!("{name}: TIMEOUT after {}; killing qemu", secs(spec.timeout));
                }
                kill(&mut child);
                break;
            }
        }
    }
    let status = child.wait()?;
    if let Some((job, since)) = job_started {
        report.jobs.push(JobResult {
            name: job,
            status: None,
            duration: since.elapsed(),
        });
    }
    report.duration = started.elapsed();
    step!("{name}: qemu exited ({status}) after {}", secs(report.duration));
    Ok(report)
}

/// Sends a QMP command, connecting first when not connected yet.
fn send_qmp(qmp: &mut Option<Qmp>, socket: &Path, command: &serde_json::Value) -> Result<(), String> {
    if qmp.is_none() {
        *qmp = Some(Qmp::connect(socket).map_err(|e| format!("{e:#}"))?);
    }
    let connection = qmp.as_mut().expect("connected above");
    connection
        .execute(command)
        .map(|_| ())
        .map_err(|e| format!("{e:#}"))
}

/// Updates the report for one guest event and prints it as a progress line.
fn handle_event(
    name: &str,
    event: Event,
    started: Instant,
    report: &mut BootReport,
    job_started: &mut Option<(String, Instant)>,
) {
    match event {
        Event::Init {
            release,
            machine,
            uptime,
        } => {
            report.init_after = Some(started.elapsed());
            step!(
                "{name}: kernel {release} ({machine}) up, /init started after {} (guest uptime {uptime}s)",
                secs(started.elapsed())
            );
            report.release = release;
        }
        Event::ModuleFailed(module) => {
            step!("{name}: insmod {module} FAILED");
            report.module_failures.push(module);
        }
        Event::ModulesLoaded(uptime) => {
            report.modules_loaded = true;
            step!(
                "{name}: sound modules loaded after {} (guest uptime {uptime}s)",
                secs(started.elapsed())
            );
        }
        Event::JobStart(job) => {
            step!("{name}: running {job}");
            *job_started = Some((job, Instant::now()));
        }
        Event::JobEnd(job, status) => {
            let duration = job_started
                .take()
                .map(|(_, since)| since.elapsed())
                .unwrap_or_default();
            step!(
                "{name}: {job} {} (exit status {status}) in {}",
                if status == 0 { "passed" } else { "FAILED" },
                secs(duration)
            );
            report.jobs.push(JobResult {
                name: job,
                status: Some(status),
                duration,
            });
        }
        Event::Done => {
            report.done = true;
            step!("{name}: /init finished; powering off");
        }
    }
}

/// Sends each line of `from` (without `\r`) to `tx`, then `Closed`.
fn forward_lines(from: impl Read, wrap: impl Fn(String) -> Output, tx: &mpsc::Sender<Output>) {
    let mut reader = BufReader::new(from);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let line = String::from_utf8_lossy(&buf);
                let line = line.trim_end_matches(['\n', '\r']).replace('\r', "");
                if tx.send(wrap(line)).is_err() {
                    return;
                }
            }
        }
    }
    let _ = tx.send(Output::Closed);
}

/// Kills qemu (it is waited for by the caller).
fn kill(child: &mut Child) {
    let _ = child.kill();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boards;

    /// The qemu arguments for the repository's qemu-arm64 board on `clock`.
    fn arguments(clock: Clock, allow_kvm: bool) -> (Vec<String>, Engine, u32) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../boards");
        let board = boards::load_all(&dir)
            .unwrap()
            .into_iter()
            .find(|b| b.name == "qemu-arm64")
            .unwrap();
        let marker = Marker::new();
        let (cmd, engine, cpus) = command(&BootSpec {
            board: &board,
            kernel: Path::new("vmlinuz"),
            initrd: Path::new("initrd"),
            marker: &marker,
            timeout: Duration::from_secs(1),
            allow_kvm,
            clock,
            recording: None,
            feed: None,
            hotplug: None,
        })
        .unwrap();
        let args = cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        (args, engine, cpus)
    }

    /// The value after `flag`.
    fn value<'a>(args: &'a [String], flag: &str) -> &'a str {
        let at = args.iter().position(|a| a == flag).unwrap();
        &args[at + 1]
    }

    #[test]
    fn instruction_clock_is_one_cpu_on_icount_and_real_clock_the_boards_cpus() {
        let (args, engine, cpus) = arguments(Clock::Instruction, false);
        assert_eq!((engine, cpus), (Engine::InstructionClock, 1));
        assert_eq!(value(&args, "-accel"), "tcg,thread=single");
        assert_eq!(value(&args, "-icount"), "shift=0,sleep=off");
        assert_eq!(value(&args, "-smp"), "1");

        // A foreign-arch board never gets KVM, even when allowed.
        let (args, engine, cpus) = arguments(Clock::Real, true);
        assert_eq!((engine, cpus), (Engine::Tcg, 2));
        assert_eq!(value(&args, "-accel"), "tcg");
        assert!(!args.iter().any(|a| a == "-icount"));
        assert_eq!(value(&args, "-smp"), "2");
        assert!(!args.iter().any(|a| a == "-audiodev"));
    }

    #[test]
    fn a_recording_is_a_wav_file_at_the_boards_rate() {
        assert_eq!(
            audiodev(Some(Path::new("target/a,b.wav")), 48000, 1000),
            "wav,id=snd0,path=target/a,,b.wav,out.frequency=48000,timer-period=1000"
        );
        assert_eq!(audiodev(None, 48000, 500), "none,id=snd0,timer-period=500");
    }

    #[test]
    fn the_feed_is_alsa_lib_reading_the_signal_or_silence() {
        let feed = Feed {
            config_home: "target/board-audio/x-feed".into(),
            signal: "target/board-audio/x-feed/feed.raw".into(),
        };
        let value = feed_audiodev(Some(&feed), 48000, 1000);
        assert!(
            value.starts_with("alsa,id=feed,in.dev=alsa_direct_feed,"),
            "{value}"
        );
        for part in [
            "in.frequency=48000",
            "in.channels=2",
            "in.format=s16",
            "timer-period=1000",
        ] {
            assert!(value.split(',').any(|p| p == part), "{part}: {value}");
        }
        assert_eq!(feed_audiodev(None, 48000, 1000), "none,id=feed,timer-period=1000");
    }
}
