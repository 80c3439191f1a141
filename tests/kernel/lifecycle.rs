//! Drain, pause/resume, low-level begin/commit, and open/configure/start/stop/close cycles
//! that must leave no descriptor or mapping behind.

use std::time::{Duration, Instant};

use alsa_direct::{Capture, Format, MmapStream, Playback, State};

use crate::common::{self, Oscillator};

const RATE: u32 = 48_000;
const PERIOD: u32 = 1024;

fn playback() -> MmapStream<i16, Playback> {
    let config = common::config(Format::S16Le, 2, RATE, PERIOD, 4);
    MmapStream::open(&common::playback_device(), &config).unwrap_or_else(|e| panic!("open: {e}"))
}

#[test]
fn drain_returns_once_the_buffered_audio_has_played() {
    let mut stream = playback();
    let frames = 3 * PERIOD as usize;
    let mut osc = Oscillator::new(2, RATE);
    let mut tone = vec![0i16; frames * 2];
    osc.fill(&mut tone);
    assert_eq!(stream.write(&mut tone.into_iter()).unwrap(), frames);
    // Three periods stay below the default start threshold (the whole buffer): the kernel
    // starts the stream on drain.
    assert_eq!(stream.state().unwrap(), State::Prepared);
    let started = Instant::now();
    stream.drain().unwrap();
    let took = started.elapsed();
    let expected = Duration::from_millis(common::frames_ms(frames as u64, RATE));
    assert!(
        took >= expected.mul_f64(0.9),
        "drain returned after {took:?}, audio lasts {expected:?}"
    );
    assert_eq!(stream.state().unwrap(), State::Setup);
    let status = stream.status().unwrap();
    assert!(
        status.hw_ptr >= frames as u64,
        "only {} of {frames} frames played",
        status.hw_ptr
    );
}

#[test]
fn pause_and_resume() {
    let mut stream = playback();
    assert!(stream.setup().can_pause, "snd-aloop supports pause");
    let silence = vec![0i16; 4 * PERIOD as usize * 2];
    stream.write(&mut silence.into_iter()).unwrap();
    assert_eq!(
        stream.state().unwrap(),
        State::Running,
        "a full buffer starts the stream"
    );
    stream.pause(true).unwrap();
    assert_eq!(stream.state().unwrap(), State::Paused);
    let before = stream.status().unwrap().hw_ptr;
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        stream.status().unwrap().hw_ptr,
        before,
        "hw_ptr moved while paused"
    );
    stream.pause(false).unwrap();
    assert_eq!(stream.state().unwrap(), State::Running);
    std::thread::sleep(Duration::from_millis(30));
    assert!(
        stream.status().unwrap().hw_ptr > before,
        "hw_ptr did not move after resume"
    );
}

#[test]
fn begin_commit_and_capture_iterator() {
    let config = common::config(Format::S16Le, 2, RATE, PERIOD, 4);
    let mut play = MmapStream::<i16, Playback>::open(&common::playback_device(), &config).unwrap();
    let mut capture = MmapStream::<i16, Capture>::open(&common::capture_device(), &config).unwrap();
    let area = play.begin(PERIOD as usize);
    assert_eq!(area.len(), PERIOD as usize * 2);
    area.fill(1000);
    play.commit(PERIOD as usize).unwrap();
    assert_eq!(play.appl_ptr(), u64::from(PERIOD));
    assert!(play.commit(1).is_err(), "commit beyond begin is refused");
    let rest = vec![1000i16; 3 * PERIOD as usize * 2];
    play.write(&mut rest.into_iter()).unwrap();
    capture.start().unwrap();
    let mut seen = 0usize;
    let mut nonzero = 0usize;
    let deadline = Instant::now() + Duration::from_secs(5);
    while seen < 2 * PERIOD as usize * 2 && Instant::now() < deadline {
        capture.wait(None).unwrap();
        capture.avail().unwrap();
        for s in capture.iter() {
            seen += 1;
            nonzero += usize::from(s == 1000);
        }
    }
    assert!(seen >= 2 * PERIOD as usize * 2, "captured only {seen} samples");
    assert!(nonzero > 0, "the played constant never arrived");
    assert_eq!(
        capture.appl_ptr() as usize,
        seen / 2,
        "the iterator committed what it yielded"
    );
}

#[test]
fn thousand_open_close_cycles_leave_nothing_behind() {
    let config = common::config(Format::S16Le, 2, RATE, 256, 4);
    let device = common::playback_device();
    let run_cycle = || {
        let mut stream = MmapStream::<i16, Playback>::open(&device, &config).unwrap();
        let silence = [0i16; 512];
        stream.write(&mut silence.into_iter()).unwrap();
        stream.start().unwrap();
        stream.stop().unwrap();
    };
    run_cycle();
    let before = common::fds_and_maps();
    for _ in 0..1000 {
        run_cycle();
    }
    assert_eq!(
        common::fds_and_maps(),
        before,
        "(fds, mappings) grew over 1000 cycles"
    );
}
