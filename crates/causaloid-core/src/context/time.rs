//! Time scales and the UTC calendar arithmetic behind them: which period of a
//! scale a timestamp (seconds since 1970-01-01 UTC) falls in.

use super::error::ContextError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Timestamps beyond this many seconds (about year 5138) are taken as a unit
/// mistake: milliseconds or nanoseconds since the epoch are far larger.
pub const MAX_ABS_SECONDS: i64 = 100_000_000_000;

/// The index a time contextoid belongs to: a calendar granularity from second
/// to year (whole seconds since 1970-01-01 UTC), or one of the non-calendar
/// time kinds: `Nanosecond` (nanoseconds since 1970-01-01 UTC), `Step`
/// (discrete steps) and `Symbolic` (the ranks of symbolic time labels).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeScale {
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
    Nanosecond,
    Step,
    Symbolic,
}

impl TimeScale {
    pub const ALL: [TimeScale; 11] = [
        TimeScale::Second,
        TimeScale::Minute,
        TimeScale::Hour,
        TimeScale::Day,
        TimeScale::Week,
        TimeScale::Month,
        TimeScale::Quarter,
        TimeScale::Year,
        TimeScale::Nanosecond,
        TimeScale::Step,
        TimeScale::Symbolic,
    ];

    /// Whether the scale is a calendar granularity (seconds since 1970 UTC,
    /// with periods, labels and coarser aggregation).
    pub fn is_calendar(self) -> bool {
        !matches!(
            self,
            TimeScale::Nanosecond | TimeScale::Step | TimeScale::Symbolic
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            TimeScale::Second => "second",
            TimeScale::Minute => "minute",
            TimeScale::Hour => "hour",
            TimeScale::Day => "day",
            TimeScale::Week => "week",
            TimeScale::Month => "month",
            TimeScale::Quarter => "quarter",
            TimeScale::Year => "year",
            TimeScale::Nanosecond => "nanosecond",
            TimeScale::Step => "step",
            TimeScale::Symbolic => "symbolic",
        }
    }

    pub fn parse(name: &str) -> Result<TimeScale, ContextError> {
        TimeScale::ALL
            .into_iter()
            .find(|s| s.name() == name)
            .ok_or_else(|| ContextError::UnknownScale {
                name: name.to_owned(),
            })
    }

    /// The start of the period of this scale that contains `t` (weeks start on
    /// Monday, as in ISO 8601); a non-calendar scale has no periods (`t`).
    pub fn floor(self, t: i64) -> i64 {
        let day = t.div_euclid(86_400);
        match self {
            TimeScale::Second | TimeScale::Nanosecond | TimeScale::Step | TimeScale::Symbolic => t,
            TimeScale::Minute => t - t.rem_euclid(60),
            TimeScale::Hour => t - t.rem_euclid(3_600),
            TimeScale::Day => day * 86_400,
            // 1970-01-01 was a Thursday: day 4 (0-based from Monday 1969-12-29 = -3).
            TimeScale::Week => (day - (day + 3).rem_euclid(7)) * 86_400,
            TimeScale::Month | TimeScale::Quarter | TimeScale::Year => {
                let (y, m, _) = civil_from_days(day);
                let m = match self {
                    TimeScale::Month => m,
                    TimeScale::Quarter => (m - 1) / 3 * 3 + 1,
                    _ => 1,
                };
                days_from_civil(y, m, 1) * 86_400
            }
        }
    }
}

impl fmt::Display for TimeScale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

// Calendar conversions after Howard Hinnant's public-domain algorithms
// (proleptic Gregorian calendar, days relative to 1970-01-01).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A readable label of the period of `scale` starting at `t`, used as the id of
/// aggregated nodes: `month:2021-03`, `week:2021-03-15` (its Monday), `year:2021`.
pub fn period_label(scale: TimeScale, t: i64) -> String {
    let day = t.div_euclid(86_400);
    let (y, m, d) = civil_from_days(day);
    let secs = t.rem_euclid(86_400);
    let (hh, mm, ss) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let label = match scale {
        TimeScale::Year => format!("{y:04}"),
        TimeScale::Quarter => format!("{y:04}-Q{}", (m - 1) / 3 + 1),
        TimeScale::Month => format!("{y:04}-{m:02}"),
        TimeScale::Week | TimeScale::Day => format!("{y:04}-{m:02}-{d:02}"),
        TimeScale::Hour => format!("{y:04}-{m:02}-{d:02}T{hh:02}"),
        TimeScale::Minute => format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}"),
        TimeScale::Second => format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}"),
        TimeScale::Nanosecond | TimeScale::Step | TimeScale::Symbolic => t.to_string(),
    };
    format!("{}:{label}", scale.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_round_trips_and_floors() {
        for day in [-800_000, -1, 0, 1, 18_628, 59, 2_932_896] {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
        // 2021-03-17 13:45:10 UTC
        let t = days_from_civil(2021, 3, 17) * 86_400 + 13 * 3600 + 45 * 60 + 10;
        assert_eq!(
            TimeScale::Month.floor(t),
            days_from_civil(2021, 3, 1) * 86_400
        );
        assert_eq!(
            TimeScale::Quarter.floor(t),
            days_from_civil(2021, 1, 1) * 86_400
        );
        assert_eq!(
            TimeScale::Year.floor(t),
            days_from_civil(2021, 1, 1) * 86_400
        );
        // 2021-03-15 was a Monday
        assert_eq!(
            TimeScale::Week.floor(t),
            days_from_civil(2021, 3, 15) * 86_400
        );
        assert_eq!(TimeScale::Hour.floor(t), t - 45 * 60 - 10);
        assert_eq!(period_label(TimeScale::Month, t), "month:2021-03");
    }
}
