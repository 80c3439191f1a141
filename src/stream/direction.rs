//! Stream directions as types: [`Playback`] and [`Capture`], each naming its [`Direction`].

use core::fmt;

pub use crate::types::Direction;

mod private {
    pub trait Sealed {}
}

impl Direction {
    /// Both directions, playback first.
    pub const ALL: [Direction; 2] = [Direction::Playback, Direction::Capture];

    /// `Playback` or `Capture`, as `aplay -l` and tinyalsa print them.
    pub const fn name(self) -> &'static str {
        match self {
            Direction::Playback => "Playback",
            Direction::Capture => "Capture",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The direction of a stream as a type: [`Playback`] or [`Capture`].
pub trait StreamDirection: private::Sealed {
    /// The direction this type stands for.
    const DIRECTION: Direction;
}

/// Playback: the application writes, the hardware reads.
#[derive(Clone, Copy, Debug)]
pub struct Playback;
/// Capture: the hardware writes, the application reads.
#[derive(Clone, Copy, Debug)]
pub struct Capture;

impl private::Sealed for Playback {}
impl private::Sealed for Capture {}
impl StreamDirection for Playback {
    const DIRECTION: Direction = Direction::Playback;
}
impl StreamDirection for Capture {
    const DIRECTION: Direction = Direction::Capture;
}
