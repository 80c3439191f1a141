//! The clock a guest runs on: qemu's instruction clock or the host's.

/// The clock a guest runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// qemu's instruction clock (`-icount shift=0,sleep=off`, single-threaded TCG, one CPU):
    /// guest time advances 1 ns per executed instruction and skips idle time. A host that is
    /// busy, or is itself a virtual machine that gets descheduled, only slows the guest down:
    /// it cannot lose time, so timings, xruns and CPU times do not depend on the host's load.
    /// One CPU because with several, taking turns in one host thread, a CPU's timer can go
    /// unserved for seconds (RCU stall warnings at boot, xruns). The default.
    Instruction,
    /// The host's clock, with the board's `[qemu] smp` CPUs (TCG with one host thread per
    /// vCPU, or KVM with `--kvm`): CPUs run in parallel, but a guest descheduled by its host for
    /// longer than a buffer loses audio without an xrun (`--real-clock`).
    Real,
}
