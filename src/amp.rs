//! Amplifier enable / mute pin sequencing (feature `embedded-hal`).
//!
//! I2S amplifiers and DACs pop when their output stage switches on or off while the audio is
//! not silent or their clocks start or stop under them. Boards wire a GPIO to the part's
//! enable or mute input for this: the MAX98357A's `SD_MODE` (low: shutdown), the PCM5102A's
//! `XSMT` (low: soft mute), the TPA2016's `EN`, an external mute transistor...
//!
//! [`Amplifier`] drives such a pin through embedded-hal 1.0's [`OutputPin`], with the pin's
//! polarity and the time the part needs to settle after it is switched on (its datasheet's
//! turn-on or unmute time), waited with a [`DelayNs`]. [`AmplifiedPlayback`] sequences it
//! with a playback stream:
//!
//! 1. the pin is asserted and the settle time waited **before** the stream starts (the stream
//!    is still prepared, its DMA not running);
//! 2. the stream starts (when [`AmplifiedPlayback::run`] or [`AmplifiedPlayback::write`] has
//!    queued the start threshold, or at [`AmplifiedPlayback::start`]);
//! 3. the pin is released **after** [`AmplifiedPlayback::drain`] has played out what was
//!    queued, or after [`AmplifiedPlayback::stop`].
//!
//! A pin that cannot be set is [`Error::AmplifierPin`]; when asserting it fails, the stream is
//! not started.
//!
//! On embedded Linux the pin is typically a GPIO character device line
//! (`linux-embedded-hal`'s `CdevPin`) and the delay `linux-embedded-hal`'s `Delay`; any
//! embedded-hal 1.0 implementation works, the crate stays `no_std` and allocation-free.
//!
//! ```no_run
//! use core::ops::ControlFlow;
//! use alsa_direct::amp::{AmplifiedPlayback, Amplifier, Polarity};
//! use alsa_direct::{Config, Format, MmapStream, Playback};
//! # struct SdModePin;
//! # impl embedded_hal::digital::ErrorType for SdModePin {
//! #     type Error = core::convert::Infallible;
//! # }
//! # impl embedded_hal::digital::OutputPin for SdModePin {
//! #     fn set_low(&mut self) -> Result<(), Self::Error> { Ok(()) }
//! #     fn set_high(&mut self) -> Result<(), Self::Error> { Ok(()) }
//! # }
//! # struct Delay;
//! # impl embedded_hal::delay::DelayNs for Delay { fn delay_ns(&mut self, _ns: u32) {} }
//! # let (sd_mode_pin, delay) = (SdModePin, Delay);
//!
//! let config = Config::new(Format::S16Le, 2, 48_000).period_size(256).periods(4);
//! let stream = MmapStream::<i16, Playback>::open("hw:0,0", &config)?;
//! // A MAX98357A: SD_MODE high turns the amplifier on; give it 10 ms before the clocks start.
//! let amp = Amplifier::new(sd_mode_pin, delay, Polarity::ActiveHigh, 10_000);
//! let mut playback = AmplifiedPlayback::new(stream, amp);
//! playback.run(|period, info| {
//!     period.fill(0); // the audio
//!     if info.position >= 48_000 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
//! })?; // pin asserted, 10 ms, then the stream started and ran
//! playback.drain()?; // played out, then the pin released
//! # Ok::<(), alsa_direct::Error>(())
//! ```

use core::ops::ControlFlow;

use embedded_hal::delay::DelayNs;
use embedded_hal::digital::{OutputPin, PinState};

use crate::error::{Error, Result};
use crate::sample::Sample;
use crate::stream::{MmapStream, PeriodInfo, Playback};

/// Which pin level switches the amplifier on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Polarity {
    /// High is on (MAX98357A `SD_MODE`, PCM5102A `XSMT`).
    #[default]
    ActiveHigh,
    /// Low is on (a `MUTE` or shutdown input, or an inverting transistor stage).
    ActiveLow,
}

impl Polarity {
    /// The pin level for the amplifier on (`true`) or off (`false`).
    pub const fn level(self, on: bool) -> PinState {
        match (self, on) {
            (Polarity::ActiveHigh, true) | (Polarity::ActiveLow, false) => PinState::High,
            (Polarity::ActiveHigh, false) | (Polarity::ActiveLow, true) => PinState::Low,
        }
    }
}

/// An amplifier's enable or mute pin, its polarity and its settle time.
///
/// [`Amplifier::new`] does not touch the pin: have it off at boot (a pull resistor, or the
/// GPIO's initial level), or call [`Amplifier::disable`] first.
#[derive(Debug)]
pub struct Amplifier<P, D> {
    pin: P,
    delay: D,
    polarity: Polarity,
    settle_us: u32,
    enabled: bool,
}

impl<P: OutputPin, D: DelayNs> Amplifier<P, D> {
    /// An amplifier on `pin` with `polarity`, that needs `settle_us` microseconds after being
    /// switched on before audio starts, waited with `delay`.
    pub const fn new(pin: P, delay: D, polarity: Polarity, settle_us: u32) -> Self {
        Amplifier {
            pin,
            delay,
            polarity,
            settle_us,
            enabled: false,
        }
    }

    /// Switches the amplifier on and waits its settle time.
    ///
    /// A pin error is [`Error::AmplifierPin`], and the amplifier counts as off.
    ///
    /// # Errors
    /// [`Error::AmplifierPin`] when the pin cannot be set.
    pub fn enable(&mut self) -> Result<()> {
        self.pin
            .set_state(self.polarity.level(true))
            .map_err(|_| Error::AmplifierPin)?;
        self.enabled = true;
        if self.settle_us > 0 {
            self.delay.delay_us(self.settle_us);
        }
        Ok(())
    }

    /// Switches the amplifier off.
    ///
    /// A pin error is [`Error::AmplifierPin`], and the amplifier still counts as on (a later
    /// `disable` tries again).
    ///
    /// # Errors
    /// [`Error::AmplifierPin`] when the pin cannot be set.
    pub fn disable(&mut self) -> Result<()> {
        self.pin
            .set_state(self.polarity.level(false))
            .map_err(|_| Error::AmplifierPin)?;
        self.enabled = false;
        Ok(())
    }

    /// True between a successful [`Amplifier::enable`] and a successful
    /// [`Amplifier::disable`].
    pub const fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// The pin's polarity.
    pub const fn polarity(&self) -> Polarity {
        self.polarity
    }

    /// The settle time after switching on, in microseconds.
    pub const fn settle_us(&self) -> u32 {
        self.settle_us
    }

    /// Gives the pin and the delay back, without touching the pin.
    pub fn release(self) -> (P, D) {
        (self.pin, self.delay)
    }
}

/// A playback stream whose amplifier is switched on before the stream starts and off after it
/// drained or stopped. See the [module documentation](self).
///
/// Dropping it while the amplifier is on stops the stream, then switches the amplifier off
/// (errors ignored); [`AmplifiedPlayback::into_parts`] takes both apart without either.
#[derive(Debug)]
pub struct AmplifiedPlayback<S: Sample, P: OutputPin, D: DelayNs> {
    stream: MmapStream<S, Playback>,
    amp: Amplifier<P, D>,
}

impl<S: Sample, P: OutputPin, D: DelayNs> AmplifiedPlayback<S, P, D> {
    /// Sequences `amp` with `stream` (a prepared stream, as [`MmapStream::open`] returns it).
    pub const fn new(stream: MmapStream<S, Playback>, amp: Amplifier<P, D>) -> Self {
        AmplifiedPlayback { stream, amp }
    }

    /// The stream, for its setup, status and counters.
    pub fn stream(&self) -> &MmapStream<S, Playback> {
        &self.stream
    }

    /// The stream, for the calls this wrapper does not sequence (`begin`/`commit`, `pause`,
    /// `status`...). A stream started through it, by `commit` or `start`, starts whether the
    /// amplifier is on or not: call [`AmplifiedPlayback::enable`] first.
    pub fn stream_mut(&mut self) -> &mut MmapStream<S, Playback> {
        &mut self.stream
    }

    /// The amplifier.
    pub fn amplifier(&self) -> &Amplifier<P, D> {
        &self.amp
    }

    /// Switches the amplifier on (and waits its settle time) unless it is on already.
    ///
    /// # Errors
    /// [`Error::AmplifierPin`] when the pin cannot be set.
    pub fn enable(&mut self) -> Result<()> {
        if self.amp.is_enabled() {
            Ok(())
        } else {
            self.amp.enable()
        }
    }

    /// [`MmapStream::run`] with the amplifier switched on first; a pin error returns
    /// [`Error::AmplifierPin`] before any period is queued, so the stream does not start.
    ///
    /// # Errors
    /// [`Error::AmplifierPin`] before any period, then those of [`MmapStream::run`].
    pub fn run<B>(&mut self, callback: impl FnMut(&mut [S], &PeriodInfo) -> ControlFlow<B>) -> Result<B> {
        self.enable()?;
        self.stream.run(callback)
    }

    /// [`MmapStream::write`] with the amplifier switched on first.
    ///
    /// # Errors
    /// [`Error::AmplifierPin`], then those of [`MmapStream::write`].
    pub fn write(&mut self, samples: &mut impl Iterator<Item = S>) -> Result<usize> {
        self.enable()?;
        self.stream.write(samples)
    }

    /// [`MmapStream::start`] with the amplifier switched on first.
    ///
    /// # Errors
    /// [`Error::AmplifierPin`], then those of [`MmapStream::start`].
    pub fn start(&mut self) -> Result<()> {
        self.enable()?;
        self.stream.start()
    }

    /// [`MmapStream::drain`], then the amplifier off (also when draining failed; the drain's
    /// error comes first).
    ///
    /// # Errors
    /// Those of [`MmapStream::drain`]; [`Error::AmplifierPin`] when the pin cannot be switched off
    /// after it.
    pub fn drain(&mut self) -> Result<()> {
        let drained = self.stream.drain();
        let off = self.amp.disable();
        drained.and(off)
    }

    /// [`MmapStream::stop`], then the amplifier off (also when stopping failed; the stop's
    /// error comes first).
    ///
    /// # Errors
    /// Those of [`MmapStream::stop`]; [`Error::AmplifierPin`] when the pin cannot be switched off.
    pub fn stop(&mut self) -> Result<()> {
        let stopped = self.stream.stop();
        let off = self.amp.disable();
        stopped.and(off)
    }

    /// [`MmapStream::prepare`]: ready the stream to run again after a drain or stop.
    ///
    /// # Errors
    /// Those of [`MmapStream::prepare`]; [`Error::AmplifierPin`] when the pin cannot be switched
    /// off.
    pub fn prepare(&mut self) -> Result<()> {
        self.stream.prepare()
    }

    /// The stream and the amplifier, as they are.
    pub fn into_parts(self) -> (MmapStream<S, Playback>, Amplifier<P, D>) {
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: `this` is never dropped nor used again, so each field is moved out exactly
        // once and `Drop::drop` does not run on the moved-from value.
        unsafe { (core::ptr::read(&this.stream), core::ptr::read(&this.amp)) }
    }
}

impl<S: Sample, P: OutputPin, D: DelayNs> Drop for AmplifiedPlayback<S, P, D> {
    fn drop(&mut self) {
        if self.amp.is_enabled() {
            // Errors cannot be reported from drop; closing the stream stops it anyway.
            let _ = self.stream.stop();
            let _ = self.amp.disable();
        }
    }
}
