//! How long each phase of a cold start took: logged at debug level by every function
//! (`RUST_LOG=glchat=debug`), and summarized per function by `make bench`.

use std::time::Instant;

/// Phases in the order a cold start runs them; a phase entered twice adds up.
#[derive(Debug)]
pub struct Laps {
    last: Instant,
    phases: Vec<(&'static str, f64)>,
}

impl Laps {
    /// Starts timing at `since` (the process's start, for the first phase).
    pub fn since(since: Instant) -> Self {
        Self {
            last: since,
            phases: Vec::new(),
        }
    }

    /// Ends the phase `name` now: its time is what passed since the previous lap.
    pub fn lap(&mut self, name: &'static str) {
        let now = Instant::now();
        let ms = (now - self.last).as_secs_f64() * 1e3;
        self.last = now;
        match self.phases.iter_mut().find(|(phase, _)| *phase == name) {
            Some((_, total)) => *total += ms,
            None => self.phases.push((name, ms)),
        }
    }

    pub fn phases(&self) -> &[(&'static str, f64)] {
        &self.phases
    }

    /// One log line: `init phases` with each phase's milliseconds as `<phase>_ms` and
    /// their sum as `total_ms`, rounded to the microsecond.
    pub fn log(&self) {
        let round = |ms: f64| (ms * 1e3).round() / 1e3;
        let mut fields: serde_json::Map<String, serde_json::Value> = self
            .phases
            .iter()
            .map(|(name, ms)| (format!("{name}_ms"), round(*ms).into()))
            .collect();
        let total: f64 = self.phases.iter().map(|(_, ms)| ms).sum();
        fields.insert("total_ms".into(), round(total).into());
        tracing::debug!(target: "glchat::init", phases = %serde_json::Value::Object(fields), "init phases");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phase_entered_twice_adds_up_in_first_order() {
        let mut laps = Laps::since(Instant::now());
        laps.lap("config");
        std::thread::sleep(std::time::Duration::from_millis(2));
        laps.lap("sdk_config");
        laps.lap("config");
        let names: Vec<_> = laps.phases().iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["config", "sdk_config"]);
        assert!(laps.phases()[1].1 >= 2.0, "{:?}", laps.phases());
    }
}
