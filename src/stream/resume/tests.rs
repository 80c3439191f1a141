use super::*;
use crate::error::Op;
use crate::stream::State;

/// A model of the kernel's suspend handling for one substream: RESUME answers `EAGAIN`
/// while the device is still waking, `ENOSYS` when the driver lacks
/// `SNDRV_PCM_INFO_RESUME`, and restores the state from before the suspend; PREPARE
/// moves to `Prepared`.
struct Kernel {
    state: State,
    suspended_from: State,
    can_resume: bool,
    waking_answers: u32,
    resumes: u32,
    prepares: u32,
    waits: u32,
}

impl Kernel {
    fn suspended(from: State, can_resume: bool, waking_answers: u32) -> Self {
        Kernel {
            state: State::Suspended,
            suspended_from: from,
            can_resume,
            waking_answers,
            resumes: 0,
            prepares: 0,
            waits: 0,
        }
    }

    fn resume(&mut self) -> Result<()> {
        self.resumes += 1;
        let fail = |errno| {
            Err(Error::Sys {
                op: Op::Resume,
                errno,
            })
        };
        if self.state != State::Suspended {
            return fail(Errno::BADFD);
        }
        if !self.can_resume {
            return fail(Errno(38)); // ENOSYS
        }
        if self.waking_answers > 0 {
            self.waking_answers -= 1;
            return fail(Errno::AGAIN);
        }
        self.state = self.suspended_from;
        Ok(())
    }

    fn prepare(&mut self) -> Result<()> {
        self.prepares += 1;
        self.state = State::Prepared;
        Ok(())
    }

    /// Runs the real sequence against this model.
    fn run(mut self) -> (Result<Resumed>, Self) {
        let kernel = core::cell::RefCell::new(&mut self);
        let result = resume_or_prepare(
            || kernel.borrow_mut().resume(),
            || kernel.borrow_mut().prepare(),
            || kernel.borrow_mut().waits += 1,
        );
        (result, self)
    }
}

#[test]
fn a_driver_that_resumes_goes_on_running() {
    let (result, k) = Kernel::suspended(State::Running, true, 0).run();
    assert_eq!(result, Ok(Resumed::Resumed));
    assert_eq!(
        (k.state, k.resumes, k.prepares, k.waits),
        (State::Running, 1, 0, 0)
    );
}

#[test]
fn eagain_while_waking_is_retried() {
    let (result, k) = Kernel::suspended(State::Running, true, 5).run();
    assert_eq!(result, Ok(Resumed::Resumed));
    assert_eq!(
        (k.state, k.resumes, k.prepares, k.waits),
        (State::Running, 6, 0, 5)
    );
}

#[test]
fn a_driver_without_resume_is_prepared() {
    let (result, k) = Kernel::suspended(State::Running, false, 0).run();
    assert_eq!(result, Ok(Resumed::Prepared));
    assert_eq!((k.state, k.resumes, k.prepares), (State::Prepared, 1, 1));
}

#[test]
fn a_device_that_never_wakes_is_prepared_after_the_last_attempt() {
    let (result, k) = Kernel::suspended(State::Running, true, u32::MAX).run();
    assert_eq!(result, Ok(Resumed::Prepared));
    assert_eq!(
        (k.state, k.resumes, k.waits),
        (State::Prepared, RESUME_ATTEMPTS, RESUME_ATTEMPTS)
    );
}

#[test]
fn a_paused_stream_resumes_paused() {
    let (result, k) = Kernel::suspended(State::Paused, true, 1).run();
    assert_eq!(result, Ok(Resumed::Resumed));
    assert_eq!(k.state, State::Paused);
}

#[test]
fn a_failing_prepare_is_reported() {
    let mut prepares = 0;
    let result = resume_or_prepare(
        || {
            Err(Error::Sys {
                op: Op::Resume,
                errno: Errno(38),
            })
        },
        || {
            prepares += 1;
            Err(Error::Sys {
                op: Op::Prepare,
                errno: Errno::NODEV,
            })
        },
        || {},
    );
    assert_eq!(
        result,
        Err(Error::Sys {
            op: Op::Prepare,
            errno: Errno::NODEV
        })
    );
    assert_eq!(prepares, 1);
}
