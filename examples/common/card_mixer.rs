//! The card's mixer set up the way firmware would before it plays or records: every switch of
//! the direction turned on and every volume of the direction set to one level. A fresh codec
//! comes up muted (an HDA codec's `Master Playback Switch` is off), so a tone played without
//! this is silence at the output.
//!
//! `--unmute` turns the switches on; `--volume DB` also sets the volumes (to the value nearest
//! DB decibels where the control declares a dB scale, else to its maximum). The environment
//! variable `ALSA_DIRECT_VOLUME=DB` (set by the real-driver boards) does the same as `--volume
//! DB` when neither option is given.

use alsa_direct::mixer::{Channels, ElemType, Mixer};
use alsa_direct::DeviceName;

/// What to do to the mixer.
#[derive(Clone, Copy, Debug, Default)]
pub struct MixerSetup {
    /// Turn the direction's switches on.
    pub unmute: bool,
    /// Set the direction's volumes to this many dB (implies `unmute`).
    pub volume_db: Option<f32>,
}

impl MixerSetup {
    /// From `ALSA_DIRECT_VOLUME`, if set; else nothing to do.
    pub fn from_env() -> Self {
        let volume_db = std::env::var("ALSA_DIRECT_VOLUME")
            .ok()
            .and_then(|v| v.parse().ok());
        MixerSetup {
            unmute: volume_db.is_some(),
            volume_db,
        }
    }

    /// Takes `--unmute` or `--volume DB` (then true; `value` reads the DB), else returns
    /// false.
    pub fn flag(&mut self, flag: &str, value: impl FnOnce() -> Result<f32, String>) -> Result<bool, String> {
        match flag {
            "--unmute" => self.unmute = true,
            "--volume" => {
                self.unmute = true;
                self.volume_db = Some(value()?);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Applies the setup to the card of `device` for `direction` (`"Playback"` or
    /// `"Capture"`, as control names spell it); returns what was done, `None` when nothing was
    /// asked for.
    pub fn apply(&self, device: &str, direction: &str) -> alsa_direct::Result<Option<String>> {
        if !self.unmute && self.volume_db.is_none() {
            return Ok(None);
        }
        let card = DeviceName::parse(device)?.card_index()?;
        let mixer = Mixer::open(card)?;
        let (mut switches, mut volumes) = (0, 0);
        for id in mixer.elements() {
            let info = mixer.info(&id?)?;
            let name = info.id.name.as_str();
            if !info.access.writable() || !name.contains(direction) {
                continue;
            }
            match info.kind {
                ElemType::Boolean if name.ends_with("Switch") => {
                    mixer.set(&info, Channels::All, true)?;
                    switches += 1;
                }
                ElemType::Integer if name.ends_with("Volume") => {
                    let (Some(db), Some((min, max))) = (self.volume_db, info.integer_range()) else {
                        continue;
                    };
                    let value = match mixer.db_range(&info).ok().flatten() {
                        // (A linear scale from silence has no dB end to place the value by.)
                        Some(range) if range.max > range.min && range.min > -999_999 => {
                            // dB scales are linear in the value between their ends.
                            let (low, high) = (range.min as f32 / 100.0, range.max as f32 / 100.0);
                            let at = (db.clamp(low, high) - low) / (high - low);
                            min + (at * (max - min) as f32).round() as i64
                        }
                        _ => max,
                    };
                    mixer.set(&info, Channels::All, value)?;
                    volumes += 1;
                }
                _ => {}
            }
        }
        let mut done = format!("card {card}: {switches} {direction} switch(es) on");
        if let Some(db) = self.volume_db {
            done.push_str(&format!(", {volumes} volume(s) at {db} dB"));
        }
        Ok(Some(done))
    }
}
