//! The `time-mcp` tool (MCP-Bench's Time MCP, offline): the current time in an IANA zone
//! and conversion of a time of day between zones, with the zone database compiled in
//! (`chrono-tz`) and the wall clock read through WASI.

mod zones;

use std::time::{SystemTime, UNIX_EPOCH};

use exports::mcpbench::time_mcp::time_mcp::{Guest, TimeConversion, TimeResult};

wit_bindgen::generate!({ path: "../../../wit/mcpbench/time-mcp", world: "time-mcp-tool" });

/// The WIT this tool exports, doc comments included, carried in the component (custom
/// section `cemcp:wit`) so that cemcp can show the docs to agents.
#[used]
#[unsafe(link_section = "cemcp:wit")]
static WIT: [u8; include_bytes!("../../../../wit/mcpbench/time-mcp/time-mcp.wit").len()] =
    *include_bytes!("../../../../wit/mcpbench/time-mcp/time-mcp.wit");

/// Now, in whole seconds since 1970 (what the original prints drops the fraction).
fn now() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => {
            let before = before.duration();
            let whole = i64::try_from(before.as_secs()).unwrap_or(i64::MAX);
            // Floor: 0.5 s before 1970 is second -1.
            if before.subsec_nanos() > 0 { -whole - 1 } else { -whole }
        }
    }
}

fn result(moment: zones::Moment) -> TimeResult {
    TimeResult { timezone: moment.timezone, datetime: moment.datetime, is_dst: moment.is_dst }
}

struct TimeMcp;

impl Guest for TimeMcp {
    fn get_current_time(timezone: String) -> Result<TimeResult, String> {
        zones::current(&timezone, now()).map(result)
    }

    fn convert_time(source_timezone: String, time: String, target_timezone: String) -> Result<TimeConversion, String> {
        let conversion = zones::convert(&source_timezone, &time, &target_timezone, now())?;
        Ok(TimeConversion {
            source: result(conversion.source),
            target: result(conversion.target),
            time_difference: conversion.time_difference,
        })
    }
}

export!(TimeMcp);
