//! Time: a millisecond-precision UTC `Timestamp` with one fixed-width text form
//! (so sort keys order chronologically), and an injectable `Clock`.

use std::fmt;
use std::sync::Mutex;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Duration, OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::issue::Issue;

const WIRE_FORMAT: &[time::format_description::FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// A UTC instant truncated to the millisecond, the precision of ULIDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    pub fn from_offset(t: OffsetDateTime) -> Self {
        let t = t.to_offset(UtcOffset::UTC);
        let ms = t.nanosecond() / 1_000_000 * 1_000_000;
        Self(t.replace_nanosecond(ms).expect("a truncated nanosecond is in range"))
    }

    pub fn from_unix_ms(ms: u64) -> Option<Self> {
        let nanos = i128::from(ms) * 1_000_000;
        OffsetDateTime::from_unix_timestamp_nanos(nanos).ok().map(Self)
    }

    pub fn unix_ms(self) -> u64 {
        u64::try_from(self.0.unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
    }

    pub fn unix_seconds(self) -> i64 {
        self.0.unix_timestamp()
    }

    pub fn offset(self) -> OffsetDateTime {
        self.0
    }

    pub fn plus_days(self, days: u32) -> Self {
        Self(self.0.saturating_add(Duration::days(i64::from(days))))
    }

    pub fn minus_days(self, days: u32) -> Self {
        Self(self.0.saturating_sub(Duration::days(i64::from(days))))
    }

    /// Midnight (UTC) of the day after this time's.
    pub fn next_day(self) -> Self {
        let midnight = self.0.replace_time(time::Time::MIDNIGHT);
        Self(midnight.saturating_add(Duration::days(1)))
    }

    /// The fixed-width wire and sort-key form, e.g. `2026-11-26T04:05:36.120Z`.
    pub fn to_wire(self) -> String {
        self.0
            .format(WIRE_FORMAT)
            .expect("every UTC instant of years 0-9999 formats")
    }

    /// Parses a client's date-time the way pydantic does: RFC 3339 with an offset, or
    /// a naive `YYYY-MM-DDTHH:MM:SS[.ffffff]` (or with a space), taken as UTC.
    /// Sub-millisecond digits are kept by rounding *up*, so "strictly before" stays strict.
    pub fn parse_client(raw: &str) -> Result<ClientInstant, Issue> {
        let raw = raw.trim();
        let parsed = OffsetDateTime::parse(raw, &Rfc3339).or_else(|_| {
            let naive = raw.replacen(' ', "T", 1);
            let with_fraction = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond]");
            let without = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
            PrimitiveDateTime::parse(&naive, with_fraction)
                .or_else(|_| PrimitiveDateTime::parse(&naive, without))
                .map(PrimitiveDateTime::assume_utc)
        });
        parsed
            .map(|t| ClientInstant(t.to_offset(UtcOffset::UTC)))
            .map_err(|_| Issue::DatetimeParsing)
    }
}

/// A client-supplied instant at full precision (pydantic keeps microseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientInstant(OffsetDateTime);

impl ClientInstant {
    /// The smallest whole millisecond not before this instant: everything stored
    /// (at millisecond precision) strictly before the instant is strictly before it.
    pub fn ceil_unix_ms(self) -> u64 {
        let nanos = self.0.unix_timestamp_nanos().max(0);
        u64::try_from((nanos + 999_999) / 1_000_000).unwrap_or(u64::MAX)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_wire())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_wire())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        OffsetDateTime::parse(&raw, &Rfc3339)
            .map(Timestamp::from_offset)
            .map_err(serde::de::Error::custom)
    }
}

/// Where "now" comes from: the system in production, a hand-set clock in tests
/// (share-link expiry is tested by moving time, not by waiting).
pub trait Clock: Send + Sync + fmt::Debug {
    fn now(&self) -> Timestamp;
}

#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_offset(OffsetDateTime::now_utc())
    }
}

/// A clock that stands still until told to move.
#[derive(Debug)]
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    pub fn new(start: Timestamp) -> Self {
        Self(Mutex::new(start))
    }

    pub fn set(&self, t: Timestamp) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = t;
    }

    pub fn advance_ms(&self, ms: u64) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now = Timestamp::from_unix_ms(now.unix_ms() + ms).unwrap_or(*now);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form_is_fixed_width_and_round_trips() {
        let t = Timestamp::from_unix_ms(1_764_129_936_120).unwrap();
        assert_eq!(t.to_wire(), "2025-11-26T04:05:36.120Z");
        let back: Timestamp = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
        assert_eq!(back, t);
        let early = Timestamp::from_unix_ms(5).unwrap().to_wire();
        assert_eq!(early, "1970-01-01T00:00:00.005Z");
    }

    #[test]
    fn client_instants_parse_like_pydantic_and_round_up() {
        let exact = Timestamp::parse_client("2025-11-26T04:05:36.120Z").unwrap();
        assert_eq!(exact.ceil_unix_ms(), 1_764_129_936_120);
        let micro = Timestamp::parse_client("2025-11-26T04:05:36.120001").unwrap();
        assert_eq!(micro.ceil_unix_ms(), 1_764_129_936_121);
        let offset = Timestamp::parse_client("2025-11-26T11:05:36+07:00").unwrap();
        assert_eq!(offset.ceil_unix_ms(), 1_764_129_936_000);
        let spaced = Timestamp::parse_client("2025-11-26 04:05:36").unwrap();
        assert_eq!(spaced.ceil_unix_ms(), 1_764_129_936_000);
        assert_eq!(Timestamp::parse_client("yesterday"), Err(Issue::DatetimeParsing));
        assert_eq!(
            Timestamp::parse_client("2025-13-01T00:00:00"),
            Err(Issue::DatetimeParsing)
        );
    }
}
