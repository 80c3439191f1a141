//! Unit tests of `transport`.

use super::*;

fn snapshot(hw_ptr: u64, tstamp_nsec: i64) -> RawStatus {
    RawStatus {
        state: abi::SNDRV_PCM_STATE_RUNNING,
        hw_ptr,
        tstamp_nsec,
        ..RawStatus::default()
    }
}

/// A read that straddles a kernel update (the pointer of one, the timestamp of the
/// next) is not returned: the reads go on until two agree.
#[test]
fn a_torn_status_read_is_read_again() {
    let torn = snapshot(256, 1_000);
    let settled = snapshot(256, 2_000);
    let mut reads = [torn, settled, settled].into_iter();
    assert_eq!(stable_status(|| reads.next().unwrap()), settled);
    assert_eq!(reads.next(), None);
}

/// A page that keeps changing costs a bounded number of reads.
#[test]
fn a_status_that_never_settles_is_read_a_bounded_number_of_times() {
    let mut n = 0;
    let last = stable_status(|| {
        n += 1;
        snapshot(n, 0)
    });
    assert_eq!((n, last.hw_ptr), (u64::from(STATUS_REREADS) + 1, n));
}
