//! The amplifier pin of `alsa_direct::amp` sequenced with a real playback stream: embedded-hal
//! mocks check what is done to the pin and the delay, and each pin change, delay and period
//! is logged with the stream's state as the kernel reports it at that moment
//! (`/proc/asound/cardC/pcmDp/subS/status`).

use std::cell::RefCell;
use std::io::ErrorKind;
use std::ops::ControlFlow;
use std::rc::Rc;

use alsa_direct::amp::{AmplifiedPlayback, Amplifier, Polarity};
use alsa_direct::{Error, Format, MmapStream, Playback, State};
use embedded_hal::delay::DelayNs;
use embedded_hal::digital::{ErrorType, OutputPin};
use embedded_hal_mock::eh1::delay::{CheckedDelay, Transaction as DelayTransaction};
use embedded_hal_mock::eh1::digital::{Mock as PinMock, State as Level, Transaction as PinTransaction};
use embedded_hal_mock::eh1::MockError;

use crate::common;

const RATE: u32 = 48_000;
const PERIOD: u32 = 1024;
const PERIODS: u32 = 4;

/// Something that happened, with the kernel's state of the stream at that moment.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Event {
    /// The pin was set to this level.
    Pin(Level, String),
    /// A delay of this many microseconds.
    Delay(u32, String),
    /// The callback got a period (logged when the state differs from the last period's).
    Period(String),
}

/// The log the probes write, and where the kernel reports the stream's state.
#[derive(Clone)]
struct Probe {
    log: Rc<RefCell<Vec<Event>>>,
    status: String,
}

impl Probe {
    fn new(stream: &MmapStream<i16, Playback>) -> Self {
        let info = stream.info();
        Probe {
            log: Rc::default(),
            status: format!(
                "/proc/asound/card{}/pcm{}p/sub{}/status",
                info.card, info.device, info.subdevice
            ),
        }
    }

    /// `PREPARED`, `RUNNING`, `SETUP`... from the first line of the status file.
    fn kernel_state(&self) -> String {
        let text = std::fs::read_to_string(&self.status).unwrap_or_else(|e| panic!("{}: {e}", self.status));
        let first = text.lines().next().unwrap_or_default();
        first.strip_prefix("state: ").unwrap_or(first).trim().to_owned()
    }

    fn push(&self, event: impl FnOnce(String) -> Event) {
        let state = self.kernel_state();
        self.log.borrow_mut().push(event(state));
    }

    /// Logs a period when the state changed since the last one.
    fn period(&self) {
        let state = self.kernel_state();
        let mut log = self.log.borrow_mut();
        let last = log.iter().rev().find_map(|e| match e {
            Event::Period(s) => Some(s.clone()),
            _ => None,
        });
        if last.as_deref() != Some(state.as_str()) {
            log.push(Event::Period(state));
        }
    }

    fn events(&self) -> Vec<Event> {
        self.log.borrow().clone()
    }
}

/// The pin mock, logging each change first.
struct ProbePin(PinMock, Probe);

impl ErrorType for ProbePin {
    type Error = MockError;
}

impl OutputPin for ProbePin {
    fn set_low(&mut self) -> Result<(), MockError> {
        self.1.push(|s| Event::Pin(Level::Low, s));
        self.0.set_low()
    }
    fn set_high(&mut self) -> Result<(), MockError> {
        self.1.push(|s| Event::Pin(Level::High, s));
        self.0.set_high()
    }
}

/// The delay mock, logging each delay first, and really waiting.
struct ProbeDelay(CheckedDelay, Probe);

impl DelayNs for ProbeDelay {
    fn delay_ns(&mut self, ns: u32) {
        self.1.push(|s| Event::Delay(ns / 1000, s));
        self.0.delay_ns(ns);
        std::thread::sleep(std::time::Duration::from_nanos(u64::from(ns)));
    }
    fn delay_us(&mut self, us: u32) {
        self.1.push(|s| Event::Delay(us, s));
        self.0.delay_us(us);
        std::thread::sleep(std::time::Duration::from_micros(u64::from(us)));
    }
}

/// A prepared playback stream with an amplifier whose pin and delay expect `pin` and `delay`;
/// also returns the mocks (to call `done`) and the probe.
fn amplified(
    polarity: Polarity,
    settle_us: u32,
    pin: &[PinTransaction],
    delay: &[DelayTransaction],
) -> (
    AmplifiedPlayback<i16, ProbePin, ProbeDelay>,
    PinMock,
    CheckedDelay,
    Probe,
) {
    let config = common::config(Format::S16Le, 2, RATE, PERIOD, PERIODS);
    let stream = MmapStream::<i16, Playback>::open(&common::playback_device(), &config)
        .unwrap_or_else(|e| panic!("open: {e}"));
    let probe = Probe::new(&stream);
    assert_eq!(probe.kernel_state(), "PREPARED");
    let (pin, delay) = (PinMock::new(pin), CheckedDelay::new(delay));
    let amp = Amplifier::new(
        ProbePin(pin.clone(), probe.clone()),
        ProbeDelay(delay.clone(), probe.clone()),
        polarity,
        settle_us,
    );
    (AmplifiedPlayback::new(stream, amp), pin, delay, probe)
}

/// Runs `seconds` of silence through the wrapper, logging the periods.
fn run(
    playback: &mut AmplifiedPlayback<i16, ProbePin, ProbeDelay>,
    probe: &Probe,
    seconds: f64,
) -> Result<(), Error> {
    let until = playback.stream().position() + (seconds * f64::from(RATE)) as u64;
    playback.run(|period, info| {
        probe.period();
        period.fill(0);
        if info.position + info.frames as u64 >= until {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
}

fn prepared() -> String {
    "PREPARED".into()
}

fn running() -> String {
    "RUNNING".into()
}

fn setup() -> String {
    "SETUP".into()
}

#[test]
fn amp_on_and_settled_before_the_start_off_after_drain() {
    let (mut playback, mut pin, mut delay, probe) = amplified(
        Polarity::ActiveHigh,
        20_000,
        &[PinTransaction::set(Level::High), PinTransaction::set(Level::Low)],
        &[DelayTransaction::delay_us(20_000)],
    );
    run(&mut playback, &probe, 0.5).unwrap_or_else(|e| panic!("run: {e}"));
    assert!(playback.amplifier().is_enabled());
    assert_eq!(playback.stream_mut().state().unwrap(), State::Running);
    playback.drain().unwrap_or_else(|e| panic!("drain: {e}"));
    assert!(!playback.amplifier().is_enabled());
    assert_eq!(
        probe.events(),
        [
            Event::Pin(Level::High, prepared()),
            Event::Delay(20_000, prepared()),
            // The first periods fill the buffer; the stream starts once it is full.
            Event::Period(prepared()),
            Event::Period(running()),
            Event::Pin(Level::Low, setup()),
        ]
    );
    pin.done();
    delay.done();
}

#[test]
fn amp_active_low_off_after_stop() {
    let (mut playback, mut pin, mut delay, probe) = amplified(
        Polarity::ActiveLow,
        5_000,
        &[PinTransaction::set(Level::Low), PinTransaction::set(Level::High)],
        &[DelayTransaction::delay_us(5_000)],
    );
    run(&mut playback, &probe, 0.3).unwrap_or_else(|e| panic!("run: {e}"));
    assert_eq!(playback.stream_mut().state().unwrap(), State::Running);
    playback.stop().unwrap_or_else(|e| panic!("stop: {e}"));
    assert_eq!(
        probe.events(),
        [
            Event::Pin(Level::Low, prepared()),
            Event::Delay(5_000, prepared()),
            Event::Period(prepared()),
            Event::Period(running()),
            Event::Pin(Level::High, setup()),
        ]
    );
    // Again after prepare: on before the start, off after the drain.
    pin.update_expectations(&[PinTransaction::set(Level::Low), PinTransaction::set(Level::High)]);
    delay.update_expectations(&[DelayTransaction::delay_us(5_000)]);
    playback.prepare().unwrap();
    probe.log.borrow_mut().clear();
    run(&mut playback, &probe, 0.3).unwrap_or_else(|e| panic!("run: {e}"));
    playback.drain().unwrap_or_else(|e| panic!("drain: {e}"));
    assert_eq!(
        probe.events(),
        [
            Event::Pin(Level::Low, prepared()),
            Event::Delay(5_000, prepared()),
            Event::Period(prepared()),
            Event::Period(running()),
            Event::Pin(Level::High, setup()),
        ]
    );
    pin.done();
    delay.done();
}

#[test]
fn amp_pin_error_is_returned_and_the_stream_not_started() {
    let (mut playback, mut pin, mut delay, probe) = amplified(
        Polarity::ActiveHigh,
        20_000,
        &[PinTransaction::set(Level::High).with_error(MockError::Io(ErrorKind::Other))],
        &[],
    );
    let result = run(&mut playback, &probe, 0.3);
    assert_eq!(result, Err(Error::AmplifierPin));
    assert!(result.unwrap_err().to_string().contains("check the GPIO"));
    assert!(!playback.amplifier().is_enabled());
    assert_eq!(playback.stream_mut().state().unwrap(), State::Prepared);
    assert_eq!(playback.stream().position(), 0, "no period was queued");
    // No period, no delay; dropping it leaves the pin alone (the amplifier is off).
    assert_eq!(probe.events(), [Event::Pin(Level::High, prepared())]);
    drop(playback);
    pin.done();
    delay.done();
}

#[test]
fn amp_dropped_while_on_stops_then_switches_off() {
    let (mut playback, mut pin, mut delay, probe) = amplified(
        Polarity::ActiveHigh,
        1_000,
        &[PinTransaction::set(Level::High), PinTransaction::set(Level::Low)],
        &[DelayTransaction::delay_us(1_000)],
    );
    run(&mut playback, &probe, 0.3).unwrap_or_else(|e| panic!("run: {e}"));
    drop(playback);
    assert_eq!(
        probe.events().last(),
        Some(&Event::Pin(Level::Low, setup())),
        "stopped (SETUP), then the pin released"
    );
    pin.done();
    delay.done();
}
