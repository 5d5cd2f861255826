//! `plot_function`: a line chart of f(x), or a filled-contour heat map of f(x, y).

use plotters::prelude::*;

use super::{Plot, caption, g, linspace, plot_error, sequential};
use crate::expr::{Expr, Var};

/// Heat-map grids tried (cells per axis), finest first: the finest whose image needs at
/// most [`MAX_RECTS`] rectangles is used, so that the SVG stays near 80 KB whatever f is.
const CELL_CHOICES: [usize; 6] = [50, 40, 32, 25, 20, 16];
const MAX_RECTS: usize = 900;
/// Colour bands of the heat map.
const BANDS: usize = 16;

/// Plots `f` over `xlim` (and `ylim` when it uses y) with `grid` samples per axis.
pub fn function(f: &Expr, xlim: [f64; 2], ylim: [f64; 2], grid: usize) -> Result<Plot, String> {
    if f.has_var(Var::Z) {
        return Err("Plot only supports functions in x (2D) or x and y (3D).".into());
    }
    if f.has_var(Var::Y) { surface(f, xlim, ylim, grid) } else { line(f, xlim, grid) }
}

fn line(f: &Expr, [x0, x1]: [f64; 2], n: usize) -> Result<Plot, String> {
    let xs = linspace(x0, x1, n);
    let ys: Vec<f64> = xs.iter().map(|x| f.eval([*x, 0.0, 0.0])).collect();
    let finite: Vec<(f64, f64)> = xs.iter().zip(&ys).filter(|(_, y)| y.is_finite()).map(|(x, y)| (*x, *y)).collect();
    let Some(&(first_x, first_y)) = finite.first() else {
        return Err(format!("f(x) = {f} has no finite value for x from {} to {}", g(x0), g(x1)));
    };
    let (mut lo, mut hi) = ((first_x, first_y), (first_x, first_y));
    for &(x, y) in &finite {
        if y < lo.1 {
            lo = (x, y);
        }
        if y > hi.1 {
            hi = (x, y);
        }
    }
    let (y_min, y_max) = display_range(&finite);

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 480)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(caption(&format!("f(x) = {f}")), ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(56)
            .build_cartesian_2d(x0..x1, y_min..y_max)
            .map_err(plot_error)?;
        chart.configure_mesh().x_desc("x").y_desc("f(x)").x_labels(9).y_labels(7).draw().map_err(plot_error)?;
        // One path per run of drawable samples (breaks where f is undefined or off-scale).
        let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        let mut previous: Option<(f64, f64)> = None;
        for (x, y) in xs.iter().zip(&ys) {
            let drawable = y.is_finite() && *y >= y_min && *y <= y_max;
            let jump = previous.is_some_and(|(px, py)| is_pole(f, px, *x, py, *y));
            if (!drawable || jump) && runs.last().is_some_and(|r| !r.is_empty()) {
                runs.push(Vec::new());
            }
            if drawable && let Some(run) = runs.last_mut() {
                run.push((*x, *y));
            }
            previous = Some((*x, *y));
        }
        chart
            .draw_series(runs.into_iter().filter(|r| r.len() > 1).map(|r| PathElement::new(r, BLUE.stroke_width(2))))
            .map_err(plot_error)?;
        root.present().map_err(plot_error)?;
    }

    let mut summary = format!(
        "Line plot (SVG) of f(x) = {f} for x from {} to {} with {n} samples.\n\
         f is defined (finite) at {} of {n} samples; min f = {} at x = {}, max f = {} at x = {}.\n",
        g(x0),
        g(x1),
        finite.len(),
        g(lo.1),
        g(lo.0),
        g(hi.1),
        g(hi.0)
    );
    if y_min > lo.1 || y_max < hi.1 {
        summary.push_str(&format!(
            "The vertical axis shows {} to {} (extreme values are off-scale).\n",
            g(y_min),
            g(y_max)
        ));
    }
    let roots: Vec<f64> =
        sign_changes(f, &xs, &ys).into_iter().map(|r| if r.abs() <= 1e-12 * (x1 - x0) { 0.0 } else { r }).collect();
    if !roots.is_empty() {
        let shown: Vec<String> = roots.iter().take(10).map(|r| g(*r)).collect();
        let more = if roots.len() > 10 { format!(" (and {} more)", roots.len() - 10) } else { String::new() };
        summary.push_str(&format!("f changes sign near x = {}{more}.\n", shown.join(", ")));
    }
    let table: Vec<String> =
        linspace(x0, x1, 11).iter().map(|x| format!("f({}) = {}", g(*x), g(f.eval([*x, 0.0, 0.0])))).collect();
    summary.push_str(&format!("Values: {}.", table.join("; ")));
    Ok(Plot { svg, summary })
}

/// The vertical range: all finite values, unless a few extreme ones (poles) would
/// squash the rest, in which case the 2nd to 98th percentile, widened.
fn display_range(points: &[(f64, f64)]) -> (f64, f64) {
    let mut ys: Vec<f64> = points.iter().map(|p| p.1).collect();
    ys.sort_by(f64::total_cmp);
    let at = |q: f64| ys.get(((ys.len() - 1) as f64 * q).round() as usize).copied().unwrap_or(0.0);
    let (mut lo, mut hi) = (at(0.0), at(1.0));
    let (p2, p98) = (at(0.02), at(0.98));
    if ys.len() >= 20 && (hi - lo) > 20.0 * (p98 - p2).max(f64::MIN_POSITIVE) && p98 > p2 {
        let pad = (p98 - p2) * 0.5;
        (lo, hi) = (p2 - pad, p98 + pad);
    }
    if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
        (lo, hi) = (lo - 1.0, hi + 1.0);
    }
    let pad = (hi - lo) * 0.05;
    (lo - pad, hi + pad)
}

/// Whether f jumps across a pole between two samples of opposite sign: at the
/// midpoint, or where a straight line would cross zero, it is not smaller than at
/// the ends (at a true zero crossing it is).
fn is_pole(f: &Expr, xa: f64, xb: f64, ya: f64, yb: f64) -> bool {
    if !(ya.is_finite() && yb.is_finite() && ya * yb < 0.0) {
        return false;
    }
    let at = |x: f64| f.eval([x, 0.0, 0.0]).abs();
    let (mid, secant) = (at((xa + xb) / 2.0), at(xa + (xb - xa) * ya / (ya - yb)));
    !(mid.is_finite() && secant.is_finite()) || mid > ya.abs().max(yb.abs()) || secant >= ya.abs().min(yb.abs())
}

/// Where f crosses zero between samples (linear interpolation), poles excluded.
fn sign_changes(f: &Expr, xs: &[f64], ys: &[f64]) -> Vec<f64> {
    let mut roots = Vec::new();
    for i in 1..xs.len() {
        let (Some(&xa), Some(&xb), Some(&ya), Some(&yb)) = (xs.get(i - 1), xs.get(i), ys.get(i - 1), ys.get(i)) else {
            continue;
        };
        if !(ya.is_finite() && yb.is_finite()) {
            continue;
        }
        if ya == 0.0 {
            roots.push(xa);
        } else if ya * yb < 0.0 && !is_pole(f, xa, xb, ya, yb) {
            roots.push(xa + (xb - xa) * ya / (ya - yb));
        }
    }
    if let (Some(&x), Some(&y)) = (xs.last(), ys.last())
        && y == 0.0
    {
        roots.push(x);
    }
    roots
}

fn surface(f: &Expr, [x0, x1]: [f64; 2], [y0, y1]: [f64; 2], grid: usize) -> Result<Plot, String> {
    let mut chosen = None;
    for candidate in CELL_CHOICES.iter().map(|c| (*c).min(grid.max(2))) {
        let sampled = sample(f, [x0, x1], [y0, y1], candidate)?;
        let fits = sampled.runs.len() <= MAX_RECTS;
        chosen = Some(sampled);
        if fits {
            break;
        }
    }
    let Some(Sampled { cells, xs, ys, finite, lo, hi, mean, span, runs }) = chosen else {
        return Err("nothing to plot".into());
    };
    let (dx, dy) = ((x1 - x0) / (cells - 1) as f64, (y1 - y0) / (cells - 1) as f64);

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 560)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let (main, legend) = root.split_horizontally(620);
        let mut chart = ChartBuilder::on(&main)
            .caption(caption(&format!("f(x, y) = {f}")), ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(48)
            .build_cartesian_2d((x0 - dx / 2.0)..(x1 + dx / 2.0), (y0 - dy / 2.0)..(y1 + dy / 2.0))
            .map_err(plot_error)?;
        chart.configure_mesh().disable_mesh().x_desc("x").y_desc("y").draw().map_err(plot_error)?;
        // One rectangle per run of equal colour band along a row (keeps the SVG small).
        let rects = runs.iter().map(|&(row, first, last, b)| {
            let y = ys.get(row).copied().unwrap_or(y0);
            let (xa, xb) = (xs.get(first).copied().unwrap_or(x0), xs.get(last).copied().unwrap_or(x1));
            let colour = sequential((b as f64 + 0.5) / BANDS as f64);
            Rectangle::new([(xa - dx / 2.0, y - dy / 2.0), (xb + dx / 2.0, y + dy / 2.0)], colour.filled())
        });
        chart.draw_series(rects).map_err(plot_error)?;
        let mut bar = ChartBuilder::on(&legend)
            .margin_top(40)
            .margin_bottom(44)
            .margin_right(8)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..1.0, lo.2..(lo.2 + span))
            .map_err(plot_error)?;
        bar.configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .y_labels(5)
            .y_label_style(("sans-serif", 12))
            .draw()
            .map_err(plot_error)?;
        bar.draw_series((0..BANDS).map(|b| {
            let (a, c) = (lo.2 + span * b as f64 / BANDS as f64, lo.2 + span * (b + 1) as f64 / BANDS as f64);
            Rectangle::new([(0.0, a), (1.0, c)], sequential((b as f64 + 0.5) / BANDS as f64).filled())
        }))
        .map_err(plot_error)?;
        root.present().map_err(plot_error)?;
    }

    let mut summary = format!(
        "Heat map (SVG, a filled-contour view of the surface in {BANDS} colour bands from dark purple = low to yellow = high) \
         of f(x, y) = {f} for x from {} to {} and y from {} to {}, sampled on a {cells}×{cells} grid{}.\n\
         f is defined at {} of {} points; min f = {} at (x, y) = ({}, {}), max f = {} at ({}, {}), mean {}.\n",
        g(x0),
        g(x1),
        g(y0),
        g(y1),
        if cells < grid { format!(" (grid {grid} reduced to {cells} for the image)") } else { String::new() },
        finite.len(),
        cells * cells,
        g(lo.2),
        g(lo.0),
        g(lo.1),
        g(hi.2),
        g(hi.0),
        g(hi.1),
        g(mean)
    );
    let tx = linspace(x0, x1, 5);
    let header: Vec<String> = tx.iter().map(|x| g(*x)).collect();
    summary.push_str(&format!("Values (rows: y; columns: x = {}):\n", header.join(", ")));
    for y in linspace(y1, y0, 5) {
        let row: Vec<String> = tx.iter().map(|x| g(f.eval([*x, y, 0.0]))).collect();
        summary.push_str(&format!("y = {}: {}\n", g(y), row.join(", ")));
    }
    Ok(Plot { svg, summary: summary.trim_end().to_owned() })
}

/// f sampled on a `cells`×`cells` grid, with its statistics and colour-band runs.
struct Sampled {
    cells: usize,
    xs: Vec<f64>,
    ys: Vec<f64>,
    /// The finite samples (x, y, f).
    finite: Vec<(f64, f64, f64)>,
    lo: (f64, f64, f64),
    hi: (f64, f64, f64),
    mean: f64,
    span: f64,
    /// Runs of one colour band along a row: (row, first column, last column, band).
    runs: Vec<(usize, usize, usize, usize)>,
}

fn sample(f: &Expr, [x0, x1]: [f64; 2], [y0, y1]: [f64; 2], cells: usize) -> Result<Sampled, String> {
    let xs = linspace(x0, x1, cells);
    let ys = linspace(y0, y1, cells);
    let values: Vec<Vec<f64>> = ys.iter().map(|y| xs.iter().map(|x| f.eval([*x, *y, 0.0])).collect()).collect();
    let finite: Vec<(f64, f64, f64)> = ys
        .iter()
        .zip(&values)
        .flat_map(|(y, row)| xs.iter().zip(row).filter(|(_, v)| v.is_finite()).map(move |(x, v)| (*x, *y, *v)))
        .collect();
    let Some(&first) = finite.first() else {
        return Err(format!("f(x, y) = {f} has no finite value on the plotted rectangle"));
    };
    let (mut lo, mut hi) = (first, first);
    for &p in &finite {
        if p.2 < lo.2 {
            lo = p;
        }
        if p.2 > hi.2 {
            hi = p;
        }
    }
    let mean = finite.iter().map(|p| p.2).sum::<f64>() / finite.len() as f64;
    let mean = if mean.abs() <= 1e-12 * lo.2.abs().max(hi.2.abs()) { 0.0 } else { mean };
    let span = if hi.2 > lo.2 { hi.2 - lo.2 } else { 1.0 };
    let band = |v: f64| (((v - lo.2) / span * BANDS as f64).floor() as usize).min(BANDS - 1);
    let mut runs = Vec::new();
    for (r, row) in values.iter().enumerate() {
        let band_at = |i: usize| row.get(i).filter(|v| v.is_finite()).map(|v| band(*v));
        let mut i = 0;
        while i < row.len() {
            let Some(b) = band_at(i) else {
                i += 1;
                continue;
            };
            let mut j = i + 1;
            while band_at(j) == Some(b) {
                j += 1;
            }
            runs.push((r, i, j - 1, b));
            i = j;
        }
    }
    Ok(Sampled { cells, xs, ys, finite, lo, hi, mean, span, runs })
}
