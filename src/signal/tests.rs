//! Unit tests of `signal`.

use super::*;

#[test]
fn a_signal_raises_the_flag_where_rt_sigaction_is_built() {
    static STOP: StopFlag = StopFlag::new();
    if !crate::sys::signal::BUILT {
        // Elsewhere (powerpc64le) the refusal is the test.
        let error = stop_on_signals(&STOP).unwrap_err();
        assert_eq!(error, crate::Error::sys(crate::Op::Signal, crate::Errno::NOSYS));
        return;
    }
    stop_on_signals(&STOP).unwrap();
    assert!(!STOP.is_raised());
    // SAFETY: raising SIGTERM in this process, whose handler was just installed.
    let rc = unsafe { libc::raise(SIGTERM) };
    assert_eq!(rc, 0);
    assert!(STOP.is_raised());
}
