//! Ring arithmetic over the kernel's frame counters, as pure functions.
//!
//! `hw_ptr` (where the hardware is) and `appl_ptr` (where the application is) count frames and
//! wrap at `boundary`, a multiple of `buffer_size` near the top of the counter's range chosen by
//! the kernel. Positions in the DMA buffer are these counters modulo `buffer_size`.
//!
//! All arguments are `u64`, whatever the width of the kernel's counters, so that no sum below
//! can overflow: the kernel keeps `boundary + buffer_size` within a signed `long`.
//!
//! Preconditions shared by every function: `0 < buffer_size <= boundary`,
//! `hw_ptr < boundary`, `appl_ptr < boundary`.

/// Frames the application may write: the free part of a playback buffer.
///
/// Mirrors the kernel's `snd_pcm_playback_avail`. After an underrun this is larger than
/// `buffer_size`.
pub(crate) const fn playback_avail(hw_ptr: u64, appl_ptr: u64, buffer_size: u64, boundary: u64) -> u64 {
    let ahead = hw_ptr + buffer_size;
    let avail = if ahead >= appl_ptr {
        ahead - appl_ptr
    } else {
        ahead + boundary - appl_ptr
    };
    if avail >= boundary {
        avail - boundary
    } else {
        avail
    }
}

/// Frames the application may read: the filled part of a capture buffer.
///
/// Mirrors the kernel's `snd_pcm_capture_avail`. After an overrun this is larger than
/// `buffer_size`.
pub(crate) const fn capture_avail(hw_ptr: u64, appl_ptr: u64, boundary: u64) -> u64 {
    if hw_ptr >= appl_ptr {
        hw_ptr - appl_ptr
    } else {
        hw_ptr + boundary - appl_ptr
    }
}

/// Frames queued for the hardware in a playback buffer (`buffer_size - avail`, never below
/// zero).
pub(crate) const fn playback_queued(hw_ptr: u64, appl_ptr: u64, buffer_size: u64, boundary: u64) -> u64 {
    buffer_size.saturating_sub(playback_avail(hw_ptr, appl_ptr, buffer_size, boundary))
}

/// `ptr + frames`, wrapped at `boundary`. `frames` must not exceed `boundary`.
///
/// This is the commit of `snd_pcm_mmap_commit`: the pointer wraps when the *new* value reaches
/// the boundary.
pub(crate) const fn advance(ptr: u64, frames: u64, boundary: u64) -> u64 {
    let next = ptr + frames;
    if next >= boundary {
        next - boundary
    } else {
        next
    }
}

/// `value % divisor`, as a mask when `divisor` is a power of two (the usual period and buffer
/// sizes): on 32-bit ARM a `u64` remainder is a library call of a hundred-odd instructions, and
/// the period loop takes two or three of them per period.
const fn remainder(value: u64, divisor: u64) -> u64 {
    if divisor.is_power_of_two() {
        value & (divisor - 1)
    } else {
        value % divisor
    }
}

/// Frame offset of a counter inside the DMA buffer.
pub(crate) const fn offset(ptr: u64, buffer_size: u64) -> u64 {
    remainder(ptr, buffer_size)
}

/// Frames that can be accessed in one contiguous piece from `ptr`: at most `avail`, and not
/// past the end of the buffer (the rest wraps to its start).
pub(crate) const fn contiguous(ptr: u64, avail: u64, buffer_size: u64) -> u64 {
    let to_end = buffer_size - offset(ptr, buffer_size);
    if avail < to_end {
        avail
    } else {
        to_end
    }
}

/// Frames from `ptr` to the next multiple of `period_size` (0 when aligned).
pub(crate) const fn to_period_boundary(ptr: u64, period_size: u64) -> u64 {
    let into = remainder(ptr, period_size);
    if into == 0 {
        0
    } else {
        period_size - into
    }
}

#[cfg(test)]
mod tests;
