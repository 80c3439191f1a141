//! The examples as built programs, run in the guest: `cargo board test` puts them in
//! `/tests/<target>/examples/` next to this test binary (on a host, `cargo test` builds them
//! in `target/.../examples/`). Each test checks what the program promises from the outside:
//! the tone arrives on the other end of the loopback, its syslog lines are in
//! `/var/log/messages`, a recording holds the tone, generated files of every format play, and
//! the duplex passthrough carries a tone from one loopback cable to another; every example
//! answers -h/--help, the short flags work and an error names the device node tried.

use std::io::Read;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alsa_direct::{Capture, Format, MmapStream, Packed24Le};

use crate::common::{self, SineAnalyser, TestSample};

const RATE: u32 = 48_000;
/// Large periods (a 170 ms buffer) so the emulated guest keeps up with several streams.
const PERIOD: u32 = 2048;
const PERIODS: u32 = 4;
/// The test tone of these tests.
const FREQ: f64 = 1000.0;
/// Its amplitude (the examples' `--level 0.5`, and `play --generate`'s -6 dBFS).
const LEVEL: f64 = 0.5;

/// The built example `name`.
pub(crate) fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe.parent().expect("the test binary's directory");
    // The guest layout, then cargo's (target/<triple>/release/deps/kernel-<hash>).
    let candidates = [
        dir.join("examples").join(name),
        dir.join("../examples").join(name),
    ];
    candidates.iter().find(|p| p.is_file()).cloned().unwrap_or_else(|| {
        panic!("no example {name} at {candidates:?}: `cargo board test` puts the examples there; on a host, run `cargo build --examples` first")
    })
}

/// The same device on subdevice 1 (`hw:Loopback,0,0` -> `hw:Loopback,0,1`).
fn subdevice_1(device: &str) -> String {
    let base = match device.matches(',').count() {
        2 => &device[..device.rfind(',').unwrap_or(device.len())],
        _ => device,
    };
    format!("{base},1")
}

/// A running example, killed if the test ends before it does.
struct Running {
    name: String,
    child: Child,
}

impl Running {
    fn spawn(name: &str, args: &[&str]) -> Running {
        let child = Command::new(example(name))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        Running {
            name: name.to_owned(),
            child,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits up to `timeout` for the exit; returns stdout and stderr, and asserts success.
    fn finish(mut self, timeout: Duration) -> (String, String) {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            assert!(
                started.elapsed() < timeout,
                "{} still running after {timeout:?}",
                self.name
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut out = String::new();
        let mut err = String::new();
        if let Some(mut s) = self.child.stdout.take() {
            s.read_to_string(&mut out).expect("stdout");
        }
        if let Some(mut s) = self.child.stderr.take() {
            s.read_to_string(&mut err).expect("stderr");
        }
        println!("{}: {status}\n{out}{err}", self.name);
        assert!(status.success(), "{} failed: {status}\n{out}{err}", self.name);
        (out, err)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Waits up to five seconds for a line of `/var/log/messages` containing all of `parts`.
fn syslog_line(parts: &[&str]) -> String {
    let started = Instant::now();
    loop {
        let log = std::fs::read_to_string("/var/log/messages").unwrap_or_default();
        if let Some(line) = log.lines().find(|l| parts.iter().all(|p| l.contains(p))) {
            return line.to_owned();
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "no syslog line with {parts:?} in /var/log/messages:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A capture stream on the loopback's capture end (or `device`) in `format`.
fn capture<S: TestSample>(device: &str, format: Format) -> MmapStream<S, Capture> {
    let config = common::config(format, 2, RATE, PERIOD, PERIODS);
    MmapStream::open(device, &config).unwrap_or_else(|e| panic!("capture open {device}: {e}"))
}

/// Captures until `seconds` of the tone, from 0.1 s after it arrives, are analysed on both
/// channels, or gives up after `give_up` seconds of capture.
fn hear<S: TestSample>(stream: &mut MmapStream<S, Capture>, seconds: f64, give_up: f64) -> Vec<SineAnalyser> {
    let mut analysers: Vec<SineAnalyser> = (0..2).map(|_| SineAnalyser::new(FREQ, RATE)).collect();
    let skip = (0.1 * f64::from(RATE)) as u64;
    let wanted = (seconds * f64::from(RATE)) as u64;
    let limit = (give_up * f64::from(RATE)) as u64;
    let mut onset: Option<u64> = None;
    let mut frame_no = 0u64;
    stream
        .run(|period, info| {
            for frame in period.chunks_exact(info.channels) {
                frame_no += 1;
                if onset.is_none() && frame[0].to_unit().abs() > LEVEL / 2.0 {
                    onset = Some(frame_no);
                }
                let Some(start) = onset else { continue };
                let since = frame_no - start;
                if since >= skip && since < skip + wanted {
                    for (a, s) in analysers.iter_mut().zip(frame) {
                        a.push(s.to_unit());
                    }
                }
            }
            let done = onset.is_some_and(|o| frame_no - o >= skip + wanted);
            if done || frame_no > limit {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap_or_else(|e| panic!("capture run: {e}"));
    assert!(onset.is_some(), "no tone arrived within {give_up} s");
    analysers
}

/// Asserts the analysed tone: `seconds` of it on every channel, frequency within 1 Hz, level
/// within 1 % of `amplitude`, no discontinuity beyond `residual`.
fn assert_tone(analysers: &[SineAnalyser], seconds: f64, amplitude: f64, residual: f64, what: &str) {
    for (c, a) in analysers.iter().enumerate() {
        assert!(
            a.samples() as f64 >= seconds * f64::from(RATE) * 0.999,
            "{what}, channel {c}: only {} samples of tone",
            a.samples()
        );
        let f = a.frequency();
        assert!(
            (f - FREQ).abs() < 1.0,
            "{what}, channel {c}: {f:.3} Hz, expected {FREQ} Hz"
        );
        let rms = a.rms();
        let expected = amplitude / 2f64.sqrt();
        assert!(
            (rms - expected).abs() < expected * 0.01,
            "{what}, channel {c}: RMS {rms:.5}, expected {expected:.5}"
        );
        assert!(
            a.worst_residual() < residual,
            "{what}, channel {c}: discontinuity, sine identity broken by {:.5}",
            a.worst_residual()
        );
    }
}

/// `tone` arguments for the test tone on `device` for `seconds`.
fn tone_args(device: &str, seconds: &str) -> Vec<String> {
    let period = PERIOD.to_string();
    let periods = PERIODS.to_string();
    let freq = FREQ.to_string();
    let level = LEVEL.to_string();
    [
        "--device",
        device,
        "--seconds",
        seconds,
        "--freq",
        &freq,
        "--level",
        &level,
    ]
    .into_iter()
    .chain(["--period", &period, "--periods", &periods])
    .map(str::to_owned)
    .collect()
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

#[test]
fn example_tone_is_heard_and_logs_to_syslog() {
    tone_is_heard_and_logs_to_syslog("tone", Running::spawn);
}

/// Plays `program` (`tone` or `fw-tone`, started by `spawn`) for 3 s, hears it at the other
/// end of the loopback, and checks that it logged its start (device, parameters, tone) and
/// its stop (frames played) to syslog at info, and nothing to stderr.
fn tone_is_heard_and_logs_to_syslog(program: &str, spawn: fn(&str, &[&str]) -> Running) {
    let playback = common::playback_device();
    let mut stream = capture::<i16>(&common::capture_device(), Format::S16Le);
    let tone = spawn(program, &strs(&tone_args(&playback, "3")));
    let pid = tone.pid();
    let analysers = hear(&mut stream, 1.5, 6.0);
    drop(stream);
    let (_, stderr) = tone.finish(Duration::from_secs(10));
    assert!(
        stderr.is_empty(),
        "{program} logs to syslog, not stderr: {stderr}"
    );
    assert_tone(&analysers, 1.5, LEVEL, 1e-3, program);

    let tag = format!("{program}[{pid}]: ");
    let start = syslog_line(&[&tag, "start: device", &playback]);
    println!("{start}");
    assert!(start.contains("user.info"), "start is logged at info: {start}");
    assert!(
        start.contains(&format!("rate {RATE} period {PERIOD} periods {PERIODS}"))
            && start.contains(&format!("tone {FREQ} Hz level {LEVEL}")),
        "{start}"
    );
    let stop = syslog_line(&[&tag, "stop (done): "]);
    println!("{stop}");
    let played: u64 = stop
        .split("stop (done): ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no frame count in {stop}"));
    assert!(
        played >= 3 * u64::from(RATE),
        "{played} frames played for 3 s: {stop}"
    );
}

#[test]
fn example_tone_drains_and_exits_cleanly_on_sigterm() {
    tone_drains_and_exits_cleanly_on_sigterm("tone", Running::spawn);
}

/// Starts `program` (`tone` or `fw-tone`, by `spawn`) for 60 s, sends it SIGTERM half a
/// second after it logged its start, and checks that it exits within 5 s logging its stop.
fn tone_drains_and_exits_cleanly_on_sigterm(program: &str, spawn: fn(&str, &[&str]) -> Running) {
    let playback = common::playback_device();
    let tone = spawn(program, &strs(&tone_args(&playback, "60")));
    let tag = format!("{program}[{}]: ", tone.pid());
    syslog_line(&[&tag, "start: "]);
    std::thread::sleep(Duration::from_millis(500));
    let pid = i32::try_from(tone.pid()).expect("a pid");
    // SAFETY: kill only sends a signal, to our own child.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let stopped = Instant::now();
    tone.finish(Duration::from_secs(5));
    println!("exited {:?} after SIGTERM", stopped.elapsed());
    let stop = syslog_line(&[&tag, "stop (signal): "]);
    println!("{stop}");
}

#[test]
fn example_record_writes_the_tone_to_a_wav_file_that_play_plays() {
    let path = std::env::temp_dir().join("alsa-direct-record.wav");
    let path_str = path.to_str().expect("a UTF-8 temp path");
    let tone = Running::spawn("tone", &strs(&tone_args(&common::playback_device(), "4")));
    // Record once the tone is playing, so that it fills most of the recording.
    syslog_line(&[&format!("tone[{}]: ", tone.pid()), "start: "]);
    let record = Running::spawn(
        "record",
        &[
            "--device",
            &common::capture_device(),
            "--seconds",
            "2.5",
            "--period",
            &PERIOD.to_string(),
            path_str,
        ],
    );
    let (out, _) = record.finish(Duration::from_secs(10));
    assert!(out.contains("120000 frames (2.500 s)"), "{out}");
    assert!(out.contains("peak -6.0 dBFS"), "{out}");
    tone.finish(Duration::from_secs(10));

    let file = std::fs::read(&path).expect("the recording");
    let u16_at = |at: usize| u16::from_le_bytes([file[at], file[at + 1]]);
    let u32_at = |at: usize| u32::from_le_bytes(file[at..at + 4].try_into().unwrap());
    assert_eq!(&file[0..4], b"RIFF");
    assert_eq!(u32_at(4) as usize, file.len() - 8);
    assert_eq!(&file[8..16], b"WAVEfmt ");
    assert_eq!(
        (u32_at(16), u16_at(20), u16_at(22)),
        (16, 1, 2),
        "16-byte fmt, PCM, stereo"
    );
    assert_eq!(
        (u32_at(24), u16_at(32), u16_at(34)),
        (RATE, 4, 16),
        "48 kHz, 4-byte frames, 16 bits"
    );
    assert_eq!(&file[36..40], b"data");
    assert_eq!(u32_at(40) as usize, file.len() - 44);
    assert_eq!(file.len() - 44, 120_000 * 4);

    let mut analysers: Vec<SineAnalyser> = (0..2).map(|_| SineAnalyser::new(FREQ, RATE)).collect();
    let frames: Vec<[i16; 2]> = file[44..]
        .chunks_exact(4)
        .map(|f| [i16::from_le_bytes([f[0], f[1]]), i16::from_le_bytes([f[2], f[3]])])
        .collect();
    let onset = frames
        .iter()
        .position(|f| f[0].to_unit().abs() > LEVEL / 2.0)
        .expect("the tone in the recording");
    let from = onset + RATE as usize / 10;
    assert!(
        frames.len() - from >= RATE as usize,
        "the tone came late: at frame {onset}"
    );
    for frame in &frames[from..from + RATE as usize] {
        for (a, s) in analysers.iter_mut().zip(frame) {
            a.push(s.to_unit());
        }
    }
    assert_tone(&analysers, 1.0, LEVEL, 1e-3, "recording");

    // `play` plays what `record` wrote.
    let mut stream = capture::<i16>(&common::capture_device(), Format::S16Le);
    let play = Running::spawn("play", &["--period", &PERIOD.to_string(), path_str]);
    let analysers = hear(&mut stream, 1.0, 6.0);
    drop(stream);
    let (out, _) = play.finish(Duration::from_secs(10));
    assert!(out.contains("120000 frames (2.500 s) played"), "{out}");
    assert_tone(&analysers, 1.0, LEVEL, 1e-3, "the recording played back");
    let _ = std::fs::remove_file(&path);
}

/// Generates a file in `format` with `play --generate`, plays it and hears it in
/// `capture_format`. The capture end is opened first, which holds the loopback cable to
/// `capture_format`: `play` must convert any other format (and `U8`, which the loopback never
/// takes).
fn play_generated<S: TestSample>(format: &str, capture_format: Format, amplitude: f64, residual: f64) {
    let path = std::env::temp_dir().join(format!("alsa-direct-play-{format}.wav"));
    let mut stream = capture::<S>(&common::capture_device(), capture_format);
    let play = Running::spawn(
        "play",
        &[
            "--generate",
            format,
            "--seconds",
            "2.5",
            "--period",
            &PERIOD.to_string(),
            path.to_str().expect("a UTF-8 temp path"),
        ],
    );
    let analysers = hear(&mut stream, 1.0, 6.0);
    drop(stream);
    let (out, _) = play.finish(Duration::from_secs(10));
    assert!(out.contains("120000 frames (2.500 s) played"), "{out}");
    let converts = format != capture_format.name();
    assert_eq!(
        out.contains(&format!("does not take {format}; converting to {capture_format}")),
        converts,
        "{out}"
    );
    assert_tone(&analysers, 1.0, amplitude, residual, format);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn example_play_s16() {
    play_generated::<i16>("S16_LE", Format::S16Le, LEVEL, 1e-3);
}

#[test]
fn example_play_s32() {
    play_generated::<i32>("S32_LE", Format::S32Le, LEVEL, 1e-3);
}

#[test]
fn example_play_float() {
    play_generated::<f32>("FLOAT_LE", Format::FloatLe, LEVEL, 1e-3);
}

#[test]
fn example_play_s24_3() {
    play_generated::<Packed24Le>("S24_3LE", Format::S24_3Le, LEVEL, 1e-3);
}

#[test]
fn example_play_s24_3_converted_for_a_cable_held_to_s32() {
    play_generated::<i32>("S24_3LE", Format::S32Le, LEVEL, 1e-3);
}

#[test]
fn example_play_u8_converted() {
    // 8 bits: 127 steps for half of full scale is 127/128 of it, and steps of 1/128.
    play_generated::<i32>("U8", Format::S32Le, LEVEL * 127.0 / 128.0, 4.0 / 128.0);
}

#[test]
fn example_duplex_carries_a_tone_between_cables() {
    let playback = common::playback_device();
    let period = PERIOD.to_string();
    // Heard at the end: tone -> hw:Loopback,0,1 => hw:Loopback,1,1 -> duplex -> hw:Loopback,0,0
    // => hw:Loopback,1,0.
    let mut stream = capture::<i16>(&common::capture_device(), Format::S16Le);
    let duplex = Running::spawn(
        "duplex",
        &[
            "--capture",
            &subdevice_1(&common::capture_device()),
            "--playback",
            &playback,
            "--period",
            &period,
            "--seconds",
            "5",
        ],
    );
    std::thread::sleep(Duration::from_millis(500));
    let tone = Running::spawn("tone", &strs(&tone_args(&subdevice_1(&playback), "3")));
    let analysers = hear(&mut stream, 1.5, 8.0);
    drop(stream);
    tone.finish(Duration::from_secs(10));
    let (out, _) = duplex.finish(Duration::from_secs(10));
    assert!(out.contains("started linked"), "{out}");
    assert!(out.contains("peak -6.0 dBFS"), "{out}");
    assert_tone(&analysers, 1.5, LEVEL, 1e-3, "duplex");
}

#[test]
fn example_help_and_short_flags() {
    // -h and --help print the usage on stdout and succeed, for every example.
    for name in [
        "tone",
        "record",
        "play",
        "duplex",
        "info",
        "list",
        "mixer",
        "hdmi_iec958",
    ] {
        for help in ["-h", "--help"] {
            let (out, _) = Running::spawn(name, &[help]).finish(Duration::from_secs(5));
            assert!(out.contains(&format!("usage: {name}")), "{name} {help}: {out}");
        }
    }
    // arecord's and aplay's short flags: -D device, -d seconds, -p period, -n periods, -f
    // format, -c channels, -r rate.
    let path = std::env::temp_dir().join("alsa-direct-short-flags.wav");
    let path_str = path.to_str().expect("a UTF-8 temp path");
    let period = PERIOD.to_string();
    let record = Running::spawn(
        "record",
        &[
            "-D",
            &common::capture_device(),
            "-f",
            "S32_LE",
            "-c",
            "1",
            "-r",
            "44100",
            "-d",
            "0.5",
            "-p",
            &period,
            "-n",
            "3",
            path_str,
        ],
    );
    let (out, _) = record.finish(Duration::from_secs(10));
    assert!(
        out.contains("S32_LE 1 ch 44100 Hz (period 2048 x 3)") && out.contains("22050 frames (0.500 s)"),
        "{out}"
    );
    let _ = std::fs::remove_file(&path);
    // An error names the node tried.
    let missing = Command::new(example("tone"))
        .args(["-D", "hw:0,7", "-d", "1"])
        .output()
        .expect("tone");
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(!missing.status.success());
    let log = std::fs::read_to_string("/var/log/messages").unwrap_or_default();
    assert!(
        format!("{err}{log}").contains("hw:0,7 (/dev/snd/pcmC0D7p): open(pcm) failed: ENOENT"),
        "{err}"
    );
}

/// `poll_loop`: playback and capture in one `poll` loop of the program's own (`poll_events`,
/// `handle_poll`, `try_period`); on the loopback its capture hears its own tone.
#[test]
fn example_poll_loop_plays_and_captures_in_one_loop() {
    let playback = common::playback_device();
    let capture = common::capture_device();
    let run = Running::spawn(
        "poll_loop",
        &["-P", &playback, "-C", &capture, "-d", "2", "-p", "256"],
    );
    let (stdout, stderr) = run.finish(Duration::from_secs(20));
    assert!(stderr.is_empty(), "{stderr}");
    // poll_loop: played N frames, captured M frames (peak -12.0 dBFS) in P polls, 0 + 0 xruns
    let words: Vec<&str> = stdout.split_whitespace().collect();
    let number = |after: &str| -> f64 {
        let at = words
            .iter()
            .position(|w| *w == after)
            .unwrap_or_else(|| panic!("{stdout}"));
        words[at + 1]
            .trim_start_matches('(')
            .parse()
            .unwrap_or_else(|_| panic!("{stdout}"))
    };
    assert!(number("played") >= 96_000.0, "{stdout}");
    assert!(number("captured") >= 80_000.0, "{stdout}");
    let peak = number("(peak");
    assert!(
        (peak - -12.0).abs() < 0.5,
        "the capture heard the tone at {peak} dBFS: {stdout}"
    );
    assert!(stdout.trim_end().ends_with("0 + 0 xruns"), "{stdout}");
}

// The firmware build (`firmware/`, `fw-tone`: no std, no libc) and realtime scheduling
// (`--realtime`, `alsa_direct::realtime`) in it and in the std tone.

/// Spawns `name` in a mount namespace of its own from which `/proc` and `/sys` are
/// unmounted (`/dev` stays: the device nodes and syslog's socket), and checks from outside,
/// through the child's `mountinfo`, that they are gone.
fn spawn_with_nothing_mounted(name: &str, args: &[&str]) -> Running {
    use std::os::unix::process::CommandExt;
    let mut command = Command::new(example(name));
    command.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    // SAFETY: the closure runs in the child between fork and exec; it makes only system calls
    // (unshare, mount, umount2), which are async-signal-safe, and allocates nothing.
    unsafe {
        command.pre_exec(|| {
            if libc::unshare(libc::CLONE_NEWNS) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // Keep the unmounts inside the new namespace (initramfs mounts are private already
            // unless something made them shared, so a refusal here is not fatal).
            libc::mount(
                c"none".as_ptr(),
                c"/".as_ptr(),
                std::ptr::null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            );
            for dir in [c"/proc", c"/sys"] {
                if libc::umount2(dir.as_ptr(), libc::MNT_DETACH) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    let child = command.spawn().unwrap_or_else(|e| panic!("starting {name}: {e}"));
    let running = Running {
        name: name.to_owned(),
        child,
    };
    let mountinfo =
        std::fs::read_to_string(format!("/proc/{}/mountinfo", running.pid())).expect("the child's mountinfo");
    for line in mountinfo.lines() {
        let mount_point = line.split(' ').nth(4).unwrap_or("");
        assert!(
            mount_point != "/proc" && mount_point != "/sys",
            "{mount_point} is still mounted for {name}:\n{mountinfo}"
        );
    }
    running
}

/// Waits up to `timeout` for the exit of `running`; returns its status, stdout and stderr.
fn exit_of(mut running: Running, timeout: Duration) -> (std::process::ExitStatus, String, String) {
    let started = Instant::now();
    let status = loop {
        if let Some(status) = running.child.try_wait().expect("try_wait") {
            break status;
        }
        assert!(
            started.elapsed() < timeout,
            "{} still running after {timeout:?}",
            running.name
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let (mut out, mut err) = (String::new(), String::new());
    if let Some(mut s) = running.child.stdout.take() {
        s.read_to_string(&mut out).expect("stdout");
    }
    if let Some(mut s) = running.child.stderr.take() {
        s.read_to_string(&mut err).expect("stderr");
    }
    println!("{}: {status}\n{out}{err}", running.name);
    (status, out, err)
}

#[test]
fn firmware_tone_is_heard_and_logs_to_syslog_with_nothing_mounted() {
    tone_is_heard_and_logs_to_syslog("fw-tone", spawn_with_nothing_mounted);
}

#[test]
fn firmware_tone_drains_and_exits_cleanly_on_sigterm() {
    tone_drains_and_exits_cleanly_on_sigterm("fw-tone", spawn_with_nothing_mounted);
}

#[test]
fn firmware_tone_reports_a_bad_command_line() {
    let (status, out, err) = exit_of(
        Running::spawn("fw-tone", &["--level", "1.5"]),
        Duration::from_secs(5),
    );
    assert_eq!(status.code(), Some(2), "{out}{err}");
    assert!(
        err.contains("fw-tone: --level 1.5: not a valid value\nusage: fw-tone "),
        "{err}"
    );
}

/// The realtime test priority: not a default anywhere, so seeing it proves the option worked.
const PRIORITY: i32 = 37;

/// `name` with `--realtime --priority 37` runs its period loop under SCHED_FIFO at 37 with
/// its memory locked, seen from outside while it plays.
fn realtime_takes_effect(name: &str) {
    let playback = common::playback_device();
    let mut args = tone_args(&playback, "2");
    args.extend([
        "--realtime".to_owned(),
        "--priority".to_owned(),
        PRIORITY.to_string(),
    ]);
    let tone = Running::spawn(name, &strs(&args));
    let pid = tone.pid();
    let tag = format!("{name}[{pid}]: ");
    let line = syslog_line(&[&tag, "realtime: SCHED_FIFO priority 37, memory locked"]);
    println!("{line}");
    syslog_line(&[&tag, "start: "]);
    let raw_pid = i32::try_from(pid).expect("a pid");
    // SAFETY: plain queries of another process's scheduling; `param` is a valid out-pointer.
    let (policy, priority) = unsafe {
        let mut param: libc::sched_param = std::mem::zeroed();
        let policy = libc::sched_getscheduler(raw_pid);
        assert_eq!(libc::sched_getparam(raw_pid, &mut param), 0, "sched_getparam");
        (policy, param.sched_priority)
    };
    assert_eq!(
        (policy, priority),
        (libc::SCHED_FIFO, PRIORITY),
        "{name}: policy and priority"
    );
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the child's status");
    let locked_kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmLck:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmLck in {status}"));
    println!("{name}: SCHED_FIFO {priority}, VmLck {locked_kb} kB");
    assert!(locked_kb > 0, "{name}: no memory locked:\n{status}");
    tone.finish(Duration::from_secs(10));
    syslog_line(&[&tag, "stop (done): "]);
}

#[test]
fn realtime_tone_runs_under_sched_fifo_with_memory_locked() {
    realtime_takes_effect("tone");
}

#[test]
fn realtime_firmware_tone_runs_under_sched_fifo_with_memory_locked() {
    realtime_takes_effect("fw-tone");
}

/// `name` run as `nobody` (no CAP_SYS_NICE, an RLIMIT_RTPRIO of 0): `--realtime` stops with
/// a clear error, `--realtime-try` warns and plays with normal scheduling.
fn realtime_without_the_privilege(name: &str) {
    use std::os::unix::process::CommandExt;
    // Let `nobody` open the loopback's nodes (the guest has no udev to give them a group), for
    // this test only: `robustness::permission_denied_for_an_unprivileged_user` needs them closed.
    let _opened = OpenNodes::open("/dev/snd");
    let playback = common::playback_device();
    let spawn_as_nobody = |choice: &str| {
        let mut args = tone_args(&playback, "1");
        args.extend([choice.to_owned(), "--priority".to_owned(), PRIORITY.to_string()]);
        let child = Command::new(example(name))
            .args(&args)
            .uid(65534)
            .gid(65534)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name} as nobody: {e}"));
        Running {
            name: name.to_owned(),
            child,
        }
    };
    // What the program logged, to syslog or (if `nobody` may not use /dev/log) to stderr.
    let logged = |pid: u32, err: &str| {
        let tag = format!("{name}[{pid}]: ");
        let log = std::fs::read_to_string("/var/log/messages").unwrap_or_default();
        let mut lines: Vec<String> = log
            .lines()
            .filter(|l| l.contains(&tag))
            .map(str::to_owned)
            .collect();
        lines.extend(err.lines().map(str::to_owned));
        lines.join("\n")
    };

    let strict = spawn_as_nobody("--realtime");
    let pid = strict.pid();
    let (status, _, err) = exit_of(strict, Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(200));
    let said = logged(pid, &err);
    assert_eq!(status.code(), Some(1), "{name} --realtime as nobody: {said}");
    assert!(
        said.contains("realtime refused: sched_setscheduler(SCHED_FIFO) failed: EPERM"),
        "{name}: {said}"
    );
    assert!(
        !said.contains("start: "),
        "{name} played without its realtime: {said}"
    );

    let lenient = spawn_as_nobody("--realtime-try");
    let pid = lenient.pid();
    let (status, _, err) = exit_of(lenient, Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(200));
    let said = logged(pid, &err);
    assert!(
        status.success(),
        "{name} --realtime-try as nobody: {status}: {said}"
    );
    assert!(
        said.contains("realtime refused (sched_setscheduler(SCHED_FIFO) failed: EPERM")
            && said.contains("playing with normal scheduling"),
        "{name}: {said}"
    );
    assert!(said.contains("stop (done): "), "{name}: {said}");
    println!("{name} as nobody:\n{said}");
}

/// Device nodes made readable and writable by everyone, given their modes back when dropped.
struct OpenNodes(Vec<(PathBuf, std::fs::Permissions)>);

impl OpenNodes {
    fn open(dir: &str) -> OpenNodes {
        use std::os::unix::fs::PermissionsExt;
        let mut saved = Vec::new();
        for node in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{dir}: {e}")) {
            let path = node.expect("a directory entry").path();
            let before = std::fs::metadata(&path).expect("the node's mode").permissions();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).expect("chmod");
            saved.push((path, before));
        }
        OpenNodes(saved)
    }
}

impl Drop for OpenNodes {
    fn drop(&mut self) {
        for (path, before) in self.0.drain(..) {
            let _ = std::fs::set_permissions(&path, before);
        }
    }
}

#[test]
fn realtime_tone_without_the_privilege_is_an_error_or_a_warning() {
    realtime_without_the_privilege("tone");
}

#[test]
fn realtime_firmware_tone_without_the_privilege_is_an_error_or_a_warning() {
    realtime_without_the_privilege("fw-tone");
}

/// `mixer` (issue 22): the list shows each control as the id that finds it again (snd-aloop's
/// controls share names and differ by device and subdevice), and a control beyond the first of
/// its name is set through such an id; a bad id is refused with the forms that work.
#[test]
fn example_mixer_lists_and_sets_controls_by_their_full_id() {
    use alsa_direct::mixer::Mixer;
    let card = alsa_direct::cards()
        .find(|&c| {
            alsa_direct::ControlDevice::open(c)
                .and_then(|ctl| ctl.card_info())
                .is_ok_and(|i| i.id == "Loopback")
        })
        .expect("the loopback card");
    let card_arg = card.to_string();
    let run = |args: &[&str]| {
        let out = Command::new(example("mixer"))
            .args(["-c", &card_arg])
            .args(args)
            .output()
            .expect("mixer");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, list, err) = run(&[]);
    assert!(ok, "{err}");
    let id = "PCM Rate Shift 100000,device=1,subdevice=7";
    assert!(list.contains(id), "{list}");
    assert!(list.contains("PCM Notify,subdevice=3"), "{list}");

    let mixer = Mixer::open(card).unwrap();
    let target = mixer.lookup(id).unwrap();
    let first = mixer.lookup("PCM Rate Shift 100000").unwrap();
    assert_ne!(target.id, first.id);
    let was = (mixer.read(&target).unwrap(), mixer.get::<i64>(&first, 0).unwrap());
    let (ok, shown, err) = run(&[id, "100500"]);
    let restore = mixer.write(&was.0);
    assert!(ok, "{err}");
    assert!(
        shown.contains("device=1,subdevice=7") && shown.contains("100500"),
        "{shown}"
    );
    restore.unwrap();
    assert_eq!(
        mixer.get::<i64>(&first, 0).unwrap(),
        was.1,
        "the first of the name is left alone"
    );

    let (ok, _, err) = run(&["PCM Rate Shift 100000,index=x"]);
    assert!(!ok);
    assert!(err.contains("bad control id"), "{err}");
}

/// `hdmi_iec958` on a card without IEC958 subframes (the loopback) stops with the format
/// error, naming the device, rather than playing something else.
#[test]
fn example_hdmi_iec958_refuses_a_card_without_iec958() {
    let out = Command::new(example("hdmi_iec958"))
        .args(["-D", &common::playback_device(), "-d", "0.2"])
        .output()
        .expect("hdmi_iec958");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("IEC958_SUBFRAME"), "{err}");
}

/// The adopt test's C helper (`guest-tools/adopt/adopt_alsa.c`), when `cargo board test`
/// built it against the guest's alsa-lib and said where (`ALSA_DIRECT_ADOPT_ALSA`); `None`
/// (the test says it skipped) elsewhere.
fn adopt_alsa() -> Option<PathBuf> {
    let Some(path) = std::env::var_os("ALSA_DIRECT_ADOPT_ALSA") else {
        println!("skipped: no ALSA_DIRECT_ADOPT_ALSA (cargo board test sets it on emulated boards)");
        return None;
    };
    let path = PathBuf::from(path);
    assert!(
        path.is_file(),
        "ALSA_DIRECT_ADOPT_ALSA names {path:?}, which is not there"
    );
    Some(path)
}

/// Runs the C helper: alsa-lib opens and sets up `device`, then execs the `adopt` example on
/// its descriptor with the values it read back (the channel count plus `channel_delta`) and
/// `extra` arguments.
fn spawn_adopt_alsa(helper: &Path, device: &str, channel_delta: &str, extra: &[&str]) -> Running {
    let adopt = example("adopt");
    let adopt = adopt.to_str().expect("a UTF-8 path");
    let freq = FREQ.to_string();
    let level = LEVEL.to_string();
    let child = Command::new(helper)
        .args([device, channel_delta, adopt, "--freq", &freq, "--level", &level])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {helper:?}: {e}"));
    Running {
        name: "adopt-alsa".into(),
        child,
    }
}

/// alsa-lib (`snd_pcm_open`, `snd_pcm_hw_params` with `_near` values) sets the loopback's
/// playback end up; the `adopt` example takes the descriptor and plays 2 s of the test tone,
/// on each transport; the tone is heard at the capture end, every frame played, no xrun.
#[test]
fn example_adopt_plays_on_a_descriptor_alsa_lib_set_up() {
    let Some(helper) = adopt_alsa() else { return };
    let playback = common::playback_device();
    for (extra, transport) in [(&[][..], ""), (&["--sync-ptr"][..], "SYNC_PTR")] {
        let what = format!("adopt on alsa-lib's descriptor {extra:?}");
        let mut stream = capture::<i16>(&common::capture_device(), Format::S16Le);
        let args: Vec<&str> = ["--seconds", "2"].iter().chain(extra).copied().collect();
        let adopt = spawn_adopt_alsa(&helper, &playback, "0", &args);
        let analysers = hear(&mut stream, 1.0, 5.0);
        drop(stream);
        let (_, stderr) = adopt.finish(Duration::from_secs(10));
        assert!(stderr.contains("set up by alsa-lib"), "{what}: {stderr}");
        let adopted = stderr
            .lines()
            .find(|l| l.starts_with("adopt: adopted "))
            .unwrap_or_else(|| panic!("{what}: no setup line: {stderr}"));
        assert!(adopted.ends_with(transport), "{what}: {adopted}");
        // The crate's own count: every frame of 2 s played, and no xrun.
        let (frames, xruns) = stderr
            .lines()
            .find_map(|l| l.strip_prefix("adopt: ")?.strip_suffix(" xruns"))
            .and_then(|l| l.split_once(" frames played, "))
            .unwrap_or_else(|| panic!("{what}: no frame count: {stderr}"));
        let frames: u64 = frames.parse().expect("a frame count");
        assert!(frames >= 2 * u64::from(RATE), "{what}: {frames} frames for 2 s");
        assert_eq!(xruns, "0", "{what}: {stderr}");
        assert_tone(&analysers, 1.0, LEVEL, 1e-2, &what);
    }
}

/// The C helper passes one channel more than alsa-lib set: the example refuses the descriptor
/// with `Error::AdoptedMismatch` and exits 1.
#[test]
fn example_adopt_refuses_a_wrong_channel_count_from_alsa_lib() {
    let Some(helper) = adopt_alsa() else { return };
    let adopt = spawn_adopt_alsa(&helper, &common::playback_device(), "1", &["--seconds", "1"]);
    let started = Instant::now();
    let mut running = adopt;
    let status = loop {
        if let Some(status) = running.child.try_wait().expect("try_wait") {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "adopt still running");
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    if let Some(mut s) = running.child.stderr.take() {
        s.read_to_string(&mut err).expect("stderr");
    }
    println!("adopt-alsa with 3 channels: {status}\n{err}");
    assert_eq!(status.code(), Some(1), "{err}");
    // Error::AdoptedMismatch's words (CHANNEL_INFO's step is two channels' frame, not three).
    assert!(
        err.contains("set up by alsa-lib")
            && err.contains("the adopted stream's")
            && err.contains("as given"),
        "{err}"
    );
}
