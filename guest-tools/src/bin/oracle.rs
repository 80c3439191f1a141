//! The crate's half of the differential harness (docs/oracle.md): runs the scripts of a file on
//! an [`MmapStream`] and prints one trace line per step, the lines alsa-lib's half
//! (`guest-tools/oracle/oracle.c`) prints for the same script.
//!
//! ```text
//! oracle DEVICE SECOND_DEVICE RATE SCRIPT_FILE TAG
//! ```
//!
//! The script format and the trace line are oracle.c's; `ALSA_DIRECT_TEST_TRANSPORT=sync-ptr`
//! forces the `SYNC_PTR` transport, as in the kernel tests.

use std::io::Write;

use alsa_direct::{Config, Errno, Error, Format, MmapStream, Playback, State, TransportChoice};

/// Channels of every stream (S16_LE stereo, as oracle.c).
const CHANNELS: usize = 2;

/// `EBADFD`: a call in the wrong state.
const EBADFD: i32 = 77;
/// `EPIPE`: an xrun.
const EPIPE: i32 = 32;
/// `ESTRPIPE`: suspended.
const ESTRPIPE: i32 = 86;
/// `EINVAL`
const EINVAL: i32 = 22;
/// `ENODEV`
const ENODEV: i32 = 19;
/// `ETIMEDOUT`
const ETIMEDOUT: i32 = 110;

/// The same sample values oracle.c writes: silence, so that the heard scenarios of a
/// real-driver board, recorded in the same boot, hear nothing of the harness.
fn sample_at(_frame: u64) -> i16 {
    0
}

/// The errno alsa-lib would report for `error` (negative).
fn errno_of(error: &Error) -> i64 {
    let errno = match error {
        Error::Sys { errno: Errno(e), .. } => *e,
        Error::Xrun => EPIPE,
        Error::Suspended => ESTRPIPE,
        Error::Disconnected => ENODEV,
        Error::Timeout => ETIMEDOUT,
        Error::BadState(_) => EBADFD,
        _ => EINVAL,
    };
    -i64::from(errno)
}

/// A step's result as oracle.c prints it: the value or `-errno`.
fn ret<T: Into<i64>>(result: Result<T, Error>) -> i64 {
    match result {
        Ok(v) => v.into(),
        Err(e) => {
            eprintln!("oracle: {e:?}");
            errno_of(&e)
        }
    }
}

/// The `SNDRV_PCM_STATE_*` number of a state.
fn state_number(state: State) -> i64 {
    match state {
        State::Open => 0,
        State::Setup => 1,
        State::Prepared => 2,
        State::Running => 3,
        State::Xrun => 4,
        State::Draining => 5,
        State::Paused => 6,
        State::Suspended => 7,
        State::Disconnected => 8,
        // For states a later crate version may add (`State` may become non-exhaustive).
        #[allow(unreachable_patterns)]
        _ => -2,
    }
}

/// The open step's values: period, periods, avail_min, start and stop thresholds.
#[derive(Clone, Copy, Default)]
struct Open {
    period: u32,
    periods: u32,
    avail_min: u32,
    start: u32,
    stop: u32,
}

/// One run over a script file.
struct Runner {
    tag: String,
    device: String,
    second_device: String,
    rate: u32,
    transport: TransportChoice,
    open: Open,
    stream: Option<MmapStream<i16, Playback>>,
    second: Option<MmapStream<i16, Playback>>,
    written: u64,
}

impl Runner {
    fn config(&self) -> Config {
        let o = self.open;
        Config::new(Format::S16Le, CHANNELS as u32, self.rate)
            .period_size(o.period)
            .periods(o.periods)
            .avail_min(o.avail_min)
            .start_threshold(o.start)
            .stop_threshold(o.stop)
            .transport(self.transport)
    }

    fn close_all(&mut self) {
        if let (Some(s), Some(_)) = (&self.stream, &self.second) {
            let _ = s.unlink();
        }
        self.second = None;
        self.stream = None;
    }

    fn step(&mut self, op: &str, arg: u64) -> i64 {
        if op == "open" {
            self.written = 0;
            return match MmapStream::<i16, Playback>::open(&self.device, &self.config()) {
                Ok(s) => {
                    self.stream = Some(s);
                    0
                }
                Err(e) => ret::<i64>(Err(e.into())),
            };
        }
        if op == "sleep" {
            std::thread::sleep(std::time::Duration::from_millis(arg));
            return 0;
        }
        let Some(stream) = self.stream.as_mut() else {
            return -i64::from(EBADFD);
        };
        match op {
            "prepare" => ret(stream.prepare().map(|()| 0)),
            "start" => ret(stream.start().map(|()| 0)),
            "drop" => ret(stream.stop().map(|()| 0)),
            "drain" => ret(stream.drain().map(|()| 0)),
            "reset" => ret(stream.reset().map(|()| 0)),
            "resume" => ret(stream.resume().map(|()| 0)),
            "recover" => {
                let fault = match stream.state() {
                    Ok(State::Suspended) => Error::Suspended,
                    _ => Error::Xrun,
                };
                ret(stream.recover(fault).map(|()| 0))
            }
            "status" => ret(stream.status().map(|_| 0)),
            "avail" => ret(stream.avail().map(|a| a as i64)),
            "delay" => ret(stream.delay()),
            "wait" => ret(stream.wait(Some(arg as u32)).map(i64::from)),
            "pause" => ret(stream.pause(arg != 0).map(|()| 0)),
            "mmap" => {
                // alsa-lib's snd_pcm_avail_update: the pointers, and EPIPE in an xrun.
                match stream.state() {
                    Ok(State::Xrun) => return -i64::from(EPIPE),
                    Ok(_) => {}
                    Err(e) => return errno_of(&e),
                }
                let written = self.written;
                let area = stream.begin(arg as usize);
                let frames = area.len() / CHANNELS;
                for (f, frame) in area.chunks_exact_mut(CHANNELS).enumerate() {
                    frame.fill(sample_at(written + f as u64));
                }
                match stream.commit(frames) {
                    Ok(()) => {
                        self.written += frames as u64;
                        frames as i64
                    }
                    Err(e) => errno_of(&e),
                }
            }
            "write" => {
                let written = self.written;
                let mut samples =
                    (0..arg * CHANNELS as u64).map(|i| sample_at(written + i / CHANNELS as u64));
                match stream.write(&mut samples) {
                    Ok(frames) => {
                        self.written += frames as u64;
                        frames as i64
                    }
                    Err(e) => errno_of(&e),
                }
            }
            "link" => {
                if self.second_device == "-" {
                    return -i64::from(ENODEV);
                }
                let config = self.config();
                match MmapStream::<i16, Playback>::open(&self.second_device, &config) {
                    Ok(second) => {
                        let stream = self.stream.as_ref().expect("checked above");
                        match stream.link(&second) {
                            Ok(()) => {
                                self.second = Some(second);
                                0
                            }
                            Err(e) => errno_of(&e),
                        }
                    }
                    Err(e) => errno_of(&e.into()),
                }
            }
            "unlink" => match self.second.take() {
                None => -i64::from(EINVAL),
                Some(_) => ret(stream.unlink().map(|()| 0)),
            },
            _ => -i64::from(EINVAL),
        }
    }

    /// The trace line after a step.
    fn trace(&mut self, script: &str, step: usize, op: &str, ret: i64) {
        let (mut state, mut avail, mut appl, mut hw, mut delay, mut delay_err) =
            (-1i64, 0i64, 0u64, 0u64, 0i64, 0i64);
        if let Some(stream) = self.stream.as_mut() {
            if let Ok(status) = stream.status() {
                state = state_number(status.state);
                avail = status.avail as i64;
                appl = status.appl_ptr;
                hw = status.hw_ptr;
            }
            match stream.delay() {
                Ok(d) => delay = d,
                Err(e) => delay_err = -errno_of(&e),
            }
        }
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "ORACLE {{\"impl\":\"crate\",\"tag\":\"{}\",\"script\":\"{script}\",\"step\":{step},\"op\":\"{op}\",\"ret\":{ret},\
             \"state\":{state},\"avail\":{avail},\"appl\":{appl},\"hw\":{hw},\"delay\":{delay},\"delay_err\":{delay_err}}}",
            self.tag
        );
        let _ = out.flush();
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [device, second_device, rate, file, tag] = args.as_slice() else {
        eprintln!("usage: oracle DEVICE SECOND_DEVICE RATE SCRIPT_FILE TAG");
        std::process::exit(2);
    };
    let Ok(rate) = rate.parse() else {
        eprintln!("oracle: RATE {rate:?} is not a number");
        std::process::exit(2);
    };
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("oracle: {file}: {e}");
            std::process::exit(2);
        }
    };
    let transport = match std::env::var("ALSA_DIRECT_TEST_TRANSPORT").as_deref() {
        Ok("sync-ptr") => TransportChoice::ForceSyncPtr,
        _ => TransportChoice::Auto,
    };
    let mut runner = Runner {
        tag: tag.clone(),
        device: device.clone(),
        second_device: second_device.clone(),
        rate,
        transport,
        open: Open::default(),
        stream: None,
        second: None,
        written: 0,
    };
    let mut script = String::new();
    let mut step = 0;
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(&op) = words.first() else { continue };
        if op == "script" {
            runner.close_all();
            script = words.get(1).unwrap_or(&"").to_string();
            step = 0;
            continue;
        }
        let numbers: Vec<u64> = words[1..].iter().map(|w| w.parse().unwrap_or(0)).collect();
        let arg = numbers.first().copied().unwrap_or(0);
        if op == "open" {
            runner.close_all();
            let n = |i: usize| numbers.get(i).copied().unwrap_or(0) as u32;
            runner.open = Open {
                period: n(0),
                periods: n(1),
                avail_min: n(2),
                start: n(3),
                stop: n(4),
            };
        }
        let value = runner.step(op, arg);
        runner.trace(&script, step, line.trim(), value);
        step += 1;
    }
    runner.close_all();
    println!("ORACLE-DONE crate {tag}");
}
