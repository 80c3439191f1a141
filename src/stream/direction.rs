//! Stream directions as types: [`Playback`] and [`Capture`].

mod private {
    pub trait Sealed {}
}

/// The direction of a stream: [`Playback`] or [`Capture`].
pub trait Direction: private::Sealed {
    /// True for capture.
    const CAPTURE: bool;
}

/// Playback: the application writes, the hardware reads.
#[derive(Clone, Copy, Debug)]
pub struct Playback;
/// Capture: the hardware writes, the application reads.
#[derive(Clone, Copy, Debug)]
pub struct Capture;

impl private::Sealed for Playback {}
impl private::Sealed for Capture {}
impl Direction for Playback {
    const CAPTURE: bool = false;
}
impl Direction for Capture {
    const CAPTURE: bool = true;
}
