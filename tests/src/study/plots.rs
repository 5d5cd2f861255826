//! The study's charts, drawn by `plotters` into SVG text (no fonts are read: the SVG
//! names a font family and the viewer draws the text).
//!
//! - tokens against servers connected, one chart per task group (single-, two- and
//!   three-server tasks): a thin line per task for each agent, a thick one for the
//!   group's mean at each step of the catalogue (own servers, + Time MCP, + 1…10
//!   distraction servers); log scale;
//! - host time per task, both agents side by side; log scale.

use std::collections::BTreeMap;

use anyhow::anyhow;
use plotters::prelude::*;

use super::measure::TaskResult;

const COUPLED: RGBColor = RGBColor(200, 40, 40);
const DECOUPLED: RGBColor = RGBColor(30, 90, 200);

fn failed<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow!("drawing a chart: {e}")
}

/// Draws a chart's legend (the labels its series were given) at `position`, boxed.
fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> anyhow::Result<()> {
    chart
        .configure_series_labels()
        .position(position)
        .border_style(BLACK)
        .background_style(WHITE.mix(0.9))
        .draw()
        .map_err(failed)
}

/// A log axis covering `values` with some room.
fn log_range(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = values.filter(|v| *v > 0.0).fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi { 1.0..10.0 } else { (lo / 2.0).max(1e-3)..hi * 2.0 }
}

/// Points of a line: (x, y).
type Line = Vec<(f64, f64)>;

/// The mean of `lines` at each x.
fn mean<'a>(lines: impl Iterator<Item = &'a Line>) -> Line {
    let mut at: BTreeMap<u64, (f64, f64)> = BTreeMap::new();
    for (x, y) in lines.flatten() {
        let entry = at.entry(*x as u64).or_default();
        entry.0 += y;
        entry.1 += 1.0;
    }
    at.into_iter().map(|(x, (sum, n))| (x as f64, sum / n)).collect()
}

/// The label of catalogue step `x`: "own", "+Time", then "+1" … "+10".
fn step_label(x: f64) -> String {
    match x.round() as i64 {
        _ if (x - x.round()).abs() > 1e-6 => String::new(),
        0 => "own".into(),
        1 => "+Time".into(),
        n if n > 1 => format!("+{}", n - 1),
        _ => String::new(),
    }
}

/// Tokens (input + output) at each step of the catalogue for `tasks` (one group), as
/// SVG.
///
/// # Errors
///
/// When plotters fails to draw.
pub fn tokens_by_servers(title: &str, tasks: &[&TaskResult]) -> anyhow::Result<String> {
    let mut svg = String::new();
    // Per task: the coupled agent's tokens at each step, and code mode's (flat).
    let lines: Vec<(Line, Line)> = tasks
        .iter()
        .map(|t| {
            let decoupled = t.decoupled.count.total() as f64;
            let xs = (0..t.coupled.len()).map(|i| i as f64);
            (
                xs.clone().zip(t.coupled.iter().map(|s| s.count.total() as f64)).collect(),
                xs.map(|x| (x, decoupled)).collect(),
            )
        })
        .collect();
    let (coupled_mean, decoupled_mean) = (mean(lines.iter().map(|l| &l.0)), mean(lines.iter().map(|l| &l.1)));
    let y = log_range(lines.iter().flat_map(|(c, d)| c.iter().chain(d).map(|p| p.1)));
    let y = y.start..y.end * 4.0; // room for the legend
    let x_max = lines.iter().flat_map(|(c, _)| c.iter().map(|p| p.0)).fold(1.0, f64::max);
    {
        let root = SVGBackend::with_string(&mut svg, (900, 560)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(90)
            .build_cartesian_2d(-0.5..x_max + 0.5, y.log_scale())
            .map_err(failed)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc("servers connected: the task's own, + the resident Time MCP, + 1 to 10 distraction servers")
            .y_desc("tokens through the model (input + output), log scale")
            .x_labels(usize::try_from(x_max as u64).unwrap_or(10) + 1)
            .x_label_formatter(&|x| step_label(*x))
            .y_label_formatter(&|y| super::report::thousands(y.round() as u64))
            .draw()
            .map_err(failed)?;
        for (coupled, decoupled) in &lines {
            chart.draw_series(LineSeries::new(coupled.clone(), COUPLED.mix(0.3).stroke_width(1))).map_err(failed)?;
            chart
                .draw_series(LineSeries::new(decoupled.clone(), DECOUPLED.mix(0.3).stroke_width(1)))
                .map_err(failed)?;
        }
        chart
            .draw_series(LineSeries::new(coupled_mean, COUPLED.stroke_width(3)))
            .map_err(failed)?
            .label(format!("context-coupled (tool by tool): mean of {} tasks; thin: each task", tasks.len()))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], COUPLED.stroke_width(3)));
        chart
            .draw_series(LineSeries::new(decoupled_mean, DECOUPLED.stroke_width(3)))
            .map_err(failed)?
            .label("code mode (context-decoupled): mean; thin: each task")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], DECOUPLED.stroke_width(3)));
        legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

/// Host time per task for both agents, as SVG: one row per task, top to bottom.
///
/// # Errors
///
/// When plotters fails to draw.
pub fn host_time(tasks: &[TaskResult]) -> anyhow::Result<String> {
    let mut svg = String::new();
    let n = tasks.len();
    let x = log_range(tasks.iter().flat_map(|t| [t.host.coupled_ms, t.host.code_ms]));
    let x = x.start..x.end * 2.0;
    let ids: Vec<String> = tasks.iter().rev().map(|t| t.id.clone()).collect();
    {
        // Two empty rows above the tasks hold the legend.
        let height = u32::try_from(170 + 24 * n).unwrap_or(900);
        let root = SVGBackend::with_string(&mut svg, (900, height)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Host time per task (client-measured round trips, cemcp serve over stdio)", ("sans-serif", 18))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(290)
            .build_cartesian_2d(x.clone().log_scale(), -0.5..n as f64 + 1.5)
            .map_err(failed)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc("milliseconds (log scale)")
            .y_labels(n + 2)
            .y_label_formatter(&|y| {
                let row = y.round();
                if (y - row).abs() > 1e-6 || row < 0.0 {
                    return String::new();
                }
                ids.get(row as usize).cloned().unwrap_or_default()
            })
            .x_label_formatter(&|v| format!("{v}"))
            .draw()
            .map_err(failed)?;
        let floor = x.start;
        let bar = |row: usize, value: f64, upper: bool| {
            let y = (n - 1 - row) as f64;
            let (y0, y1) = if upper { (y, y + 0.38) } else { (y - 0.38, y) };
            Rectangle::new([(floor, y0), (value.max(floor), y1)], if upper { COUPLED } else { DECOUPLED }.filled())
        };
        chart
            .draw_series(tasks.iter().enumerate().map(|(i, t)| bar(i, t.host.coupled_ms, true)))
            .map_err(failed)?
            .label("context-coupled: each traced call through tools mode, summed")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], COUPLED.filled()));
        chart
            .draw_series(tasks.iter().enumerate().map(|(i, t)| bar(i, t.host.code_ms, false)))
            .map_err(failed)?
            .label("code mode: one run_script of the task's script")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], DECOUPLED.filled()));
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        root.present().map_err(failed)?;
    }
    Ok(svg)
}
