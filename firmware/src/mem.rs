//! `memcpy`, `memmove`, `memset`, `memcmp`, `bcmp` and `strlen`, which the compiler calls and which a C
//! library would otherwise provide. Byte loops: small, and only struct copies use them (the
//! period loop writes samples straight into the DMA buffer). Each access is volatile, so
//! that the optimizer cannot recognise a loop as the function it implements and call it.

/// Copies `n` bytes from `src` to `dest` (which do not overlap).
///
/// # Safety
/// Both ranges are valid for `n` bytes and do not overlap.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    for i in 0..n {
        // SAFETY: `i < n`, within both ranges (the caller's contract).
        unsafe { dest.add(i).write_volatile(src.add(i).read_volatile()) };
    }
    dest
}

/// Copies `n` bytes from `src` to `dest`, which may overlap.
///
/// # Safety
/// Both ranges are valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dest as usize) <= (src as usize) {
        for i in 0..n {
            // SAFETY: `i < n`; copying forwards never overwrites a byte not yet read when
            // `dest` is at or below `src`.
            unsafe { dest.add(i).write_volatile(src.add(i).read_volatile()) };
        }
    } else {
        for i in (0..n).rev() {
            // SAFETY: `i < n`; copying backwards is safe when `dest` is above `src`.
            unsafe { dest.add(i).write_volatile(src.add(i).read_volatile()) };
        }
    }
    dest
}

/// Sets `n` bytes at `dest` to `c`.
///
/// # Safety
/// The range is valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memset(dest: *mut u8, c: i32, n: usize) -> *mut u8 {
    for i in 0..n {
        // SAFETY: `i < n`, within the range.
        unsafe { dest.add(i).write_volatile(c as u8) };
    }
    dest
}

/// Compares `n` bytes: negative, zero or positive as `a` is below, equal to or above `b`.
///
/// # Safety
/// Both ranges are valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    for i in 0..n {
        // SAFETY: `i < n`, within both ranges.
        let (x, y) = unsafe { (a.add(i).read_volatile(), b.add(i).read_volatile()) };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
    }
    0
}

/// Zero when the `n` bytes are equal.
///
/// # Safety
/// Both ranges are valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: the same contract.
    unsafe { memcmp(a, b, n) }
}

/// The length of the NUL-terminated string at `s` (`CStr::from_ptr` calls this).
///
/// # Safety
/// `s` points to a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strlen(s: *const u8) -> usize {
    let mut n = 0;
    // SAFETY: every byte up to and including the NUL is part of the string.
    while unsafe { s.add(n).read_volatile() } != 0 {
        n += 1;
    }
    n
}
