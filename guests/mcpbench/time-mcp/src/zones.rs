//! Time-zone arithmetic with the original server's conventions (Python `zoneinfo`): a local
//! time that a zone skips takes the offset from before the change, an ambiguous one its
//! first occurrence, and datetimes print as Python's `isoformat(timespec="seconds")`.

use chrono::{DateTime, Datelike, LocalResult, NaiveDateTime, Offset, TimeDelta, TimeZone, Timelike};
use chrono_tz::{OffsetComponents, Tz};

/// The prefix of every error, as the original server words it.
const PREFIX: &str = "Error processing mcp-server-time query: ";

/// A moment in one zone, ready to print.
#[derive(Debug, PartialEq)]
pub struct Moment {
    /// The zone as the caller named it.
    pub timezone: String,
    /// "YYYY-MM-DDTHH:MM:SS±HH:MM".
    pub datetime: String,
    pub is_dst: bool,
}

/// A converted time of day.
#[derive(Debug, PartialEq)]
pub struct Conversion {
    pub source: Moment,
    pub target: Moment,
    /// E.g. "+9.0h", "-5.0h", "+5.75h".
    pub time_difference: String,
}

/// The zone named `name`, or the original's error.
fn zone(name: &str) -> Result<Tz, String> {
    name.parse::<Tz>().map_err(|_| format!("{PREFIX}Invalid timezone: 'No time zone found with key {name}'"))
}

/// The instant `unix_seconds` (seconds since 1970, UTC).
fn instant(unix_seconds: i64) -> Result<NaiveDateTime, String> {
    DateTime::from_timestamp(unix_seconds, 0)
        .map(|dt| dt.naive_utc())
        .ok_or_else(|| format!("{PREFIX}the clock reads an impossible time ({unix_seconds} s)"))
}

/// A UTC offset as Python prints it: "+09:00", "-05:00", "+05:53:28".
fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.unsigned_abs();
    let (h, m, s) = (abs / 3600, abs / 60 % 60, abs % 60);
    if s == 0 { format!("{sign}{h:02}:{m:02}") } else { format!("{sign}{h:02}:{m:02}:{s:02}") }
}

/// Local wall time plus offset, as Python's `isoformat(timespec="seconds")`.
fn iso(local: &NaiveDateTime, offset_seconds: i32) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}",
        local.year(),
        local.month(),
        local.day(),
        local.hour(),
        local.minute(),
        local.second(),
        offset_text(offset_seconds)
    )
}

/// The moment `utc` in `tz`.
fn moment(name: &str, tz: Tz, utc: &NaiveDateTime) -> (Moment, i32) {
    let local = tz.from_utc_datetime(utc);
    let offset = local.offset();
    let seconds = offset.fix().local_minus_utc();
    let is_dst = !offset.dst_offset().is_zero();
    (Moment { timezone: name.to_owned(), datetime: iso(&local.naive_local(), seconds), is_dst }, seconds)
}

/// The current time (`now`, seconds since 1970) in the zone `name`.
pub fn current(name: &str, now: i64) -> Result<Moment, String> {
    if name.is_empty() {
        return Err(format!("{PREFIX}Missing required argument: timezone"));
    }
    let tz = zone(name)?;
    Ok(moment(name, tz, &instant(now)?).0)
}

/// "HH:MM" (24-hour; as Python's `strptime("%H:%M")`, one-digit fields are accepted too).
fn parse_time(text: &str) -> Option<(u32, u32)> {
    let field = |s: &str, max: u32| {
        let ok = (1..=2).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
        s.parse::<u32>().ok().filter(|v| ok && *v <= max)
    };
    let (h, m) = text.split_once(':')?;
    Some((field(h, 23)?, field(m, 59)?))
}

/// Converts the time of day `time` on today's date in `source` (today as of `now`) to
/// `target`.
pub fn convert(source: &str, time: &str, target: &str, now: i64) -> Result<Conversion, String> {
    let source_tz = zone(source)?;
    let target_tz = zone(target)?;
    let bad_time = || format!("{PREFIX}Invalid time format. Expected HH:MM [24-hour format]");
    let (hour, minute) = parse_time(time).ok_or_else(bad_time)?;
    let today = source_tz.from_utc_datetime(&instant(now)?).date_naive();
    let local = today.and_hms_opt(hour, minute, 0).ok_or_else(bad_time)?;
    // The source offset as Python's zoneinfo gives it for fold=0.
    let source_offset = match source_tz.from_local_datetime(&local) {
        LocalResult::Single(dt) | LocalResult::Ambiguous(dt, _) => *dt.offset(),
        // Skipped by a change: the offset from before it.
        LocalResult::None => source_tz.offset_from_utc_datetime(&(local - TimeDelta::days(1))),
    };
    let source_seconds = source_offset.fix().local_minus_utc();
    let utc = local - TimeDelta::seconds(i64::from(source_seconds));
    let source_moment = Moment {
        timezone: source.to_owned(),
        datetime: iso(&local, source_seconds),
        is_dst: !source_offset.dst_offset().is_zero(),
    };
    let (target_moment, target_seconds) = moment(target, target_tz, &utc);
    let hours = f64::from(target_seconds - source_seconds) / 3600.0;
    Ok(Conversion { source: source_moment, target: target_moment, time_difference: difference(hours) })
}

/// Hours as the original prints them: "+9.0h" when whole, else up to two decimals ("+5.75h",
/// "-3.5h").
fn difference(hours: f64) -> String {
    if hours.fract() == 0.0 {
        format!("{hours:+.1}h")
    } else {
        let text = format!("{hours:+.2}");
        format!("{}h", text.trim_end_matches('0').trim_end_matches('.'))
    }
}
