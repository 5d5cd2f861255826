//! `plot_vector_field`: three 2-D quiver plots, the slices through the centre of the
//! box (z = const, y = const, x = const), with the in-plane components as arrows and
//! the out-of-plane component as colour.

use plotters::prelude::*;

use super::{Plot, caption, diverging, g, linspace, plot_error};
use crate::calculus::{Field, show_vector};

/// One slice: which axes lie in its plane (indices into x, y, z) and the fixed one.
struct Slice {
    across: usize,
    up: usize,
    fixed: usize,
}

const SLICES: [Slice; 3] =
    [Slice { across: 0, up: 1, fixed: 2 }, Slice { across: 0, up: 2, fixed: 1 }, Slice { across: 1, up: 2, fixed: 0 }];
const AXES: [&str; 3] = ["x", "y", "z"];
/// Most arrows per slice axis in the image (keeps the SVG near 80 KB); the statistics
/// use the full grid.
const MAX_ARROWS: usize = 15;
const COMPONENTS: [&str; 3] = ["Fx", "Fy", "Fz"];

fn at(values: &[f64; 3], i: usize) -> f64 {
    values.get(i).copied().unwrap_or(f64::NAN)
}

/// Plots `field` over `bounds` = [xmin, xmax, ymin, ymax, zmin, zmax] with `n` points
/// per axis.
pub fn vector_field(field: &Field, bounds: [f64; 6], n: usize) -> Result<Plot, String> {
    let [x0, x1, y0, y1, z0, z1] = bounds;
    let lo = [x0, y0, z0];
    let hi = [x1, y1, z1];
    let centre = [(x0 + x1) / 2.0, (y0 + y1) / 2.0, (z0 + z1) / 2.0];
    let eval = |p: [f64; 3]| -> [f64; 3] { [field[0].eval(p), field[1].eval(p), field[2].eval(p)] };

    // Statistics over the whole n×n×n grid.
    let (gx, gy, gz) = (linspace(x0, x1, n), linspace(y0, y1, n), linspace(z0, z1, n));
    let mut defined = 0usize;
    let mut mag_min = (f64::INFINITY, [0.0; 3]);
    let mut mag_max = (f64::NEG_INFINITY, [0.0; 3]);
    let mut mag_sum = 0.0;
    let mut comp_range = [(f64::INFINITY, f64::NEG_INFINITY); 3];
    for x in &gx {
        for y in &gy {
            for z in &gz {
                let p = [*x, *y, *z];
                let v = eval(p);
                if v.iter().any(|c| !c.is_finite()) {
                    continue;
                }
                defined += 1;
                let m = v.iter().map(|c| c * c).sum::<f64>().sqrt();
                mag_sum += m;
                if m < mag_min.0 {
                    mag_min = (m, p);
                }
                if m > mag_max.0 {
                    mag_max = (m, p);
                }
                for (range, c) in comp_range.iter_mut().zip(v) {
                    *range = (range.0.min(c), range.1.max(c));
                }
            }
        }
    }
    let total = n * n * n;
    if defined == 0 {
        return Err(format!("the field {} is not defined (finite) anywhere on the grid", show_vector(field)));
    }

    let shown = n.min(MAX_ARROWS);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1200, 440)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let root =
            root.titled(&caption(&format!("F = {}", show_vector(field))), ("sans-serif", 18)).map_err(plot_error)?;
        for (panel, slice) in root.split_evenly((1, 3)).iter().zip(&SLICES) {
            let (a, b, c) = (slice.across, slice.up, slice.fixed);
            let title = format!(
                "{} = {}: arrows ({}, {}), colour {}",
                AXES.get(c).unwrap_or(&"?"),
                g(at(&centre, c)),
                COMPONENTS.get(a).unwrap_or(&"?"),
                COMPONENTS.get(b).unwrap_or(&"?"),
                COMPONENTS.get(c).unwrap_or(&"?")
            );
            let mut chart = ChartBuilder::on(panel)
                .caption(title, ("sans-serif", 14))
                .margin(10)
                .x_label_area_size(28)
                .y_label_area_size(40)
                .build_cartesian_2d(padded(at(&lo, a), at(&hi, a), shown), padded(at(&lo, b), at(&hi, b), shown))
                .map_err(plot_error)?;
            chart
                .configure_mesh()
                .disable_mesh()
                .x_desc(*AXES.get(a).unwrap_or(&"?"))
                .y_desc(*AXES.get(b).unwrap_or(&"?"))
                .x_labels(5)
                .y_labels(5)
                .draw()
                .map_err(plot_error)?;
            let (ga, gb) = (linspace(at(&lo, a), at(&hi, a), shown), linspace(at(&lo, b), at(&hi, b), shown));
            let mut samples = Vec::new();
            for u in &ga {
                for w in &gb {
                    let mut p = centre;
                    if let Some(pa) = p.get_mut(a) {
                        *pa = *u;
                    }
                    if let Some(pb) = p.get_mut(b) {
                        *pb = *w;
                    }
                    let v = eval(p);
                    if v.iter().all(|c| c.is_finite()) {
                        samples.push((*u, *w, at(&v, a), at(&v, b), at(&v, c)));
                    }
                }
            }
            chart
                .draw_series(arrows(&samples, [at(&lo, a), at(&hi, a), at(&lo, b), at(&hi, b)], shown))
                .map_err(plot_error)?;
        }
        root.present().map_err(plot_error)?;
    }

    let [(fx0, fx1), (fy0, fy1), (fz0, fz1)] = comp_range;
    let point = |p: [f64; 3]| format!("({}, {}, {})", g(p[0]), g(p[1]), g(p[2]));
    let centre_value = eval(centre);
    let mut summary = format!(
        "Vector field F = {} sampled at {n}×{n}×{n} = {total} grid points over x from {} to {}, y from {} to {}, z from {} to {}.\n\
         |F| ranges from {} (at {}) to {} (at {}); mean |F| = {}.\n\
         Fx ranges over [{}, {}], Fy over [{}, {}], Fz over [{}, {}].\n\
         F at the centre {} = {}.\n",
        show_vector(field),
        g(x0),
        g(x1),
        g(y0),
        g(y1),
        g(z0),
        g(z1),
        g(mag_min.0),
        point(mag_min.1),
        g(mag_max.0),
        point(mag_max.1),
        g(mag_sum / defined as f64),
        g(fx0),
        g(fx1),
        g(fy0),
        g(fy1),
        g(fz0),
        g(fz1),
        point(centre),
        point(centre_value),
    );
    if defined < total {
        summary.push_str(&format!("F is undefined (not finite) at {} of the {total} points.\n", total - defined));
    }
    summary.push_str(&format!(
        "Image (SVG): three slices through the centre of the box (z = {}, y = {}, x = {}), each with {shown}×{shown} arrows{} \
         showing the two in-plane components (the longest arrow spans about one grid spacing), coloured by the out-of-plane component \
         (blue negative, grey zero, red positive).",
        g(centre[2]),
        g(centre[1]),
        g(centre[0]),
        if shown < n { format!(" (the image shows at most {MAX_ARROWS} per axis)") } else { String::new() }
    ));
    Ok(Plot { svg, summary })
}

/// The axis range `a..b` widened by half a grid spacing, so edge arrows fit.
fn padded(a: f64, b: f64, n: usize) -> std::ops::Range<f64> {
    let pad = (b - a) / (n.max(2) - 1) as f64 / 2.0;
    (a - pad)..(b + pad)
}

/// Arrows centred on the samples `(u, w, du, dw, out)`, scaled so that the longest is
/// one grid spacing; zero vectors are dots.
fn arrows(samples: &[(f64, f64, f64, f64, f64)], [ua, ub, wa, wb]: [f64; 4], n: usize) -> Vec<PathElement<(f64, f64)>> {
    let steps = n.max(2) as f64 - 1.0;
    let (su, sw) = ((ub - ua) / steps, (wb - wa) / steps);
    // Work in grid units so that both axes count alike.
    let longest = samples.iter().map(|s| (s.2 / (ub - ua)).hypot(s.3 / (wb - wa))).fold(0.0, f64::max);
    let out_max = samples.iter().map(|s| s.4.abs()).fold(0.0, f64::max);
    let mut paths = Vec::with_capacity(samples.len());
    for &(u, w, du, dw, out) in samples {
        let colour = diverging(if out_max > 0.0 { out / out_max } else { 0.0 });
        let style = ShapeStyle::from(&colour).stroke_width(1);
        let (gu, gw) = (du / (ub - ua) * steps, dw / (wb - wa) * steps);
        let len = gu.hypot(gw);
        if longest == 0.0 || len == 0.0 || !len.is_finite() {
            let r = 0.04;
            paths.push(PathElement::new(vec![(u - r * su, w), (u + r * su, w)], style));
            continue;
        }
        let scale = 0.9 / (longest * steps);
        let (hu, hw) = (gu * scale / 2.0, gw * scale / 2.0);
        let (tail, tip) = ((u - hu * su, w - hw * sw), (u + hu * su, w + hw * sw));
        // Arrowhead: two strokes back from the tip at ±25°, 35% of the arrow's length.
        let (bu, bw) = (-hu * 2.0 * 0.35, -hw * 2.0 * 0.35);
        let (c, s) = (25f64.to_radians().cos(), 25f64.to_radians().sin());
        let left = (tip.0 + (bu * c - bw * s) * su, tip.1 + (bu * s + bw * c) * sw);
        let right = (tip.0 + (bu * c + bw * s) * su, tip.1 + (-bu * s + bw * c) * sw);
        paths.push(PathElement::new(vec![tail, tip, left, tip, right], style));
    }
    paths
}
