use super::*;

#[cfg(feature = "flexible-buffer")]
#[test]
fn the_last_way_of_giving_the_period_or_the_buffer_wins() {
    let c = Config::new(Format::S16, 2, 48_000)
        .period_time_us(10_000)
        .buffer_size(4096);
    assert_eq!((c.period_time_us, c.buffer_size), (10_000, 4096));
    let c = c.period_size(256).periods(4);
    assert_eq!(
        (c.period_size, c.period_time_us, c.periods, c.buffer_size),
        (256, 0, 4, 0)
    );
    let c = c.buffer_time_us(50_000);
    assert_eq!((c.buffer_time_us, c.buffer_size), (50_000, 0));
    let c = c.buffer_size(2048);
    assert_eq!((c.buffer_time_us, c.buffer_size), (0, 2048));
}

#[cfg(feature = "flexible-buffer")]
#[test]
fn validation_uses_the_buffer_as_given() {
    let invalid = |e| Err(Error::InvalidConfig(e));
    let c = Config::new(Format::S16, 2, 48_000).period_size(256);
    // A buffer in frames: the thresholds are checked against it, the periods are not used.
    assert_eq!(
        c.buffer_size(1024).periods(1).buffer_size(1024).validate(),
        Ok(())
    );
    assert_eq!(
        c.buffer_size(1024).start_threshold(2048).validate(),
        invalid(ConfigError::ThresholdBeyondBuffer)
    );
    // A period in time needs no period size; a buffer in time is checked by the kernel.
    assert_eq!(c.period_size(0).period_time_us(5_000).validate(), Ok(()));
    assert_eq!(c.period_size(0).validate(), invalid(ConfigError::ZeroPeriodSize));
    assert_eq!(
        c.buffer_time_us(20_000).start_threshold(100_000).validate(),
        Ok(())
    );
    assert_eq!(c.periods(1).validate(), invalid(ConfigError::TooFewPeriods));
}
