//! The `scientific-computing` tool (MCP-Bench's Scientific Computing server): named
//! tensors kept for one run, linear algebra on them (nalgebra), symbolic vector
//! calculus in x, y, z (our own small expression module) and SVG plots (plotters).

mod calculus;
mod eigen;
mod expr;
mod linalg;
mod plot;
mod svd;
mod tensor;

use std::cell::RefCell;
use std::collections::BTreeMap;

use cemcp::mcp::content::{ContentBlock, Media};
use exports::mcpbench::scientific_computing::scientific_computing::{
    Complex, CurlResult, DivergenceResult, Eigen, Guest, Matrix, Qr, Svd, Tensor as WitTensor, Vector,
};
use tensor::Tensor;

wit_bindgen::generate!({
    path: ["../../../wit/mcp", "../../../wit/mcpbench/scientific-computing"],
    world: "mcpbench:scientific-computing/scientific-computing-tool",
    generate_all,
});

/// The WIT this tool exports, doc comments included, carried in the component (custom
/// section `cemcp:wit`) so that cemcp can show the docs to agents.
#[used]
#[unsafe(link_section = "cemcp:wit")]
static WIT: [u8; include_bytes!("../../../../wit/mcpbench/scientific-computing/scientific-computing.wit").len()] =
    *include_bytes!("../../../../wit/mcpbench/scientific-computing/scientific-computing.wit");

thread_local! {
    /// The named tensors. The host gives each run a fresh instance, so they last one run.
    static STORE: RefCell<BTreeMap<String, Tensor>> = const { RefCell::new(BTreeMap::new()) };
}

fn stored_names() -> String {
    STORE.with_borrow(|s| if s.is_empty() { "none".into() } else { s.keys().cloned().collect::<Vec<_>>().join(", ") })
}

/// The tensor stored as `name`.
fn get(name: &str) -> Result<Tensor, String> {
    STORE
        .with_borrow(|s| s.get(name).cloned())
        .ok_or_else(|| format!("Tensor '{name}' not found in the store (stored: {}).", stored_names()))
}

/// The two tensors of a two-operand function.
fn get_two(a: &str, b: &str) -> Result<(Tensor, Tensor), String> {
    let (ta, tb) = STORE.with_borrow(|s| (s.get(a).cloned(), s.get(b).cloned()));
    match (ta, tb) {
        (Some(ta), Some(tb)) => Ok((ta, tb)),
        (ta, _) => {
            let missing = if ta.is_none() { a } else { b };
            Err(format!(
                "One or both tensor names not found in the store: '{missing}' is missing (stored: {}).",
                stored_names()
            ))
        }
    }
}

fn wit_tensor(t: &Tensor) -> WitTensor {
    WitTensor { shape: t.shape.iter().map(|d| u32::try_from(*d).unwrap_or(u32::MAX)).collect(), rows: t.rows() }
}

fn cleaned(v: &[f64]) -> Vector {
    let scale = v.iter().fold(0.0f64, |a, x| a.max(x.abs()));
    v.iter().map(|x| linalg::clean(*x, scale)).collect()
}

fn plot_blocks(plot: plot::Plot) -> Vec<ContentBlock> {
    vec![
        ContentBlock::Image(Media { data: plot.svg.into_bytes(), mime_type: "image/svg+xml".into() }),
        ContentBlock::Text(plot.summary),
    ]
}

struct ScientificComputing;

impl Guest for ScientificComputing {
    fn create_tensor(shape: Vec<i64>, values: Vec<f64>, name: String) -> Result<WitTensor, String> {
        let t = Tensor::new(&shape, values)?;
        let out = wit_tensor(&t);
        STORE.with_borrow_mut(|s| s.insert(name, t));
        Ok(out)
    }

    fn view_tensor(name: String) -> Result<WitTensor, String> {
        get(&name).map(|t| wit_tensor(&t))
    }

    fn delete_tensor(name: String) -> Result<String, String> {
        match STORE.with_borrow_mut(|s| s.remove(&name)) {
            Some(_) => Ok(format!("Deleted tensor '{name}' (stored now: {}).", stored_names())),
            None => Err(format!(
                "One or both tensor names not found in the store: '{name}' is missing (stored: {}).",
                stored_names()
            )),
        }
    }

    fn add_matrices(name_a: String, name_b: String) -> Result<WitTensor, String> {
        let (a, b) = get_two(&name_a, &name_b)?;
        a.broadcast(&b, |x, y| x + y).map(|t| wit_tensor(&t))
    }

    fn subtract_matrices(name_a: String, name_b: String) -> Result<WitTensor, String> {
        let (a, b) = get_two(&name_a, &name_b)?;
        a.broadcast(&b, |x, y| x - y).map(|t| wit_tensor(&t))
    }

    fn multiply_matrices(name_a: String, name_b: String) -> Result<WitTensor, String> {
        let (a, b) = get_two(&name_a, &name_b)?;
        a.matmul(&b).map(|t| wit_tensor(&t))
    }

    fn scale_matrix(name: String, scale_factor: f64, in_place: bool) -> Result<WitTensor, String> {
        let scaled = get(&name)?.scale(scale_factor);
        if scaled.data.iter().any(|v| !v.is_finite()) {
            return Err(format!("scaling '{name}' by {scale_factor} overflows (a value would be infinite)"));
        }
        let out = wit_tensor(&scaled);
        if in_place {
            STORE.with_borrow_mut(|s| s.insert(name, scaled));
        }
        Ok(out)
    }

    fn matrix_inverse(name: String) -> Result<Matrix, String> {
        let m = get(&name)?.square("matrix_inverse")?;
        linalg::inverse(&m).map(|inv| linalg::rows(&inv))
    }

    fn transpose(name: String) -> Result<WitTensor, String> {
        Ok(wit_tensor(&get(&name)?.transpose()))
    }

    fn determinant(name: String) -> Result<f64, String> {
        linalg::determinant(&get(&name)?.square("determinant")?)
    }

    fn rank(name: String) -> Result<i64, String> {
        let t = get(&name)?;
        if t.shape.len() == 1 {
            return Ok(i64::from(t.data.iter().any(|v| *v != 0.0)));
        }
        let r = linalg::rank(&t.matrix("rank")?)?;
        Ok(i64::try_from(r).unwrap_or(i64::MAX))
    }

    fn compute_eigen(name: String) -> Result<Eigen, String> {
        let e = eigen::eigen(&get(&name)?.square("compute_eigen")?)?;
        let c = |z: &nalgebra::Complex<f64>| Complex { re: z.re, im: z.im };
        Ok(Eigen {
            eigenvalues: e.values.iter().map(c).collect(),
            eigenvectors: e.vectors.iter().map(|row| row.iter().map(c).collect()).collect(),
        })
    }

    fn qr_decompose(name: String) -> Result<Qr, String> {
        let (q, r) = linalg::qr(&get(&name)?.matrix("qr_decompose")?)?;
        Ok(Qr { q: linalg::rows(&q), r: linalg::rows(&r) })
    }

    fn svd_decompose(name: String) -> Result<Svd, String> {
        let (u, s, v_t) = linalg::svd(&get(&name)?.matrix("svd_decompose")?)?;
        Ok(Svd { u: linalg::rows(&u), s: cleaned(&s), v_t: linalg::rows(&v_t) })
    }

    fn find_orthonormal_basis(name: String) -> Result<Vec<Vector>, String> {
        linalg::orthonormal_basis(&get(&name)?.matrix("find_orthonormal_basis")?)
    }

    fn change_basis(name: String, new_basis: Vec<Vec<f64>>) -> Result<Matrix, String> {
        let a = get(&name)?.square("change_basis")?;
        linalg::change_basis(&a, &new_basis).map(|m| linalg::rows(&m))
    }

    fn vector_project(name: String, new_vector: Vec<f64>) -> Result<Vector, String> {
        let a = get(&name)?.as_vector("vector_project")?;
        if a.len() != new_vector.len() {
            return Err(format!("the vectors differ in length ({} and {})", a.len(), new_vector.len()));
        }
        let bb: f64 = new_vector.iter().map(|x| x * x).sum();
        if bb == 0.0 || !bb.is_finite() {
            return Err("cannot project onto the zero vector (new_vector must have a non-zero, finite length)".into());
        }
        let ab: f64 = a.iter().zip(&new_vector).map(|(x, y)| x * y).sum();
        Ok(cleaned(&new_vector.iter().map(|y| ab / bb * y).collect::<Vec<_>>()))
    }

    fn vector_dot_product(name_a: String, name_b: String) -> Result<f64, String> {
        let (a, b) = get_two(&name_a, &name_b)?;
        let (a, b) = (a.as_vector("vector_dot_product")?, b.as_vector("vector_dot_product")?);
        if a.len() != b.len() {
            return Err(format!("the vectors differ in length ({} and {})", a.len(), b.len()));
        }
        Ok(a.iter().zip(&b).map(|(x, y)| x * y).sum())
    }

    fn vector_cross_product(name_a: String, name_b: String) -> Result<Vector, String> {
        let (a, b) = get_two(&name_a, &name_b)?;
        let (a, b) = (a.as_vector("vector_cross_product")?, b.as_vector("vector_cross_product")?);
        let ([a1, a2, a3], [b1, b2, b3]) = (a.as_slice(), b.as_slice()) else {
            return Err(format!(
                "the cross product needs two 3-component vectors, got {} and {} components",
                a.len(),
                b.len()
            ));
        };
        Ok(vec![a2 * b3 - a3 * b2, a3 * b1 - a1 * b3, a1 * b2 - a2 * b1])
    }

    fn gradient(f_str: String) -> Result<String, String> {
        Ok(calculus::show_vector(&calculus::gradient(&calculus::scalar(&f_str)?)))
    }

    fn curl(f_str: String, point: Option<Vec<f64>>) -> Result<CurlResult, String> {
        let c = calculus::curl(&calculus::field(&f_str)?);
        let curl_val = match point.filter(|p| !p.is_empty()) {
            Some(p) => Some(calculus::values_at(&c, &p, "curl component")?),
            None => None,
        };
        Ok(CurlResult { curl_sym: calculus::show_vector(&c), curl_val })
    }

    fn divergence(f_str: String, point: Option<Vec<f64>>) -> Result<DivergenceResult, String> {
        let d = calculus::divergence(&calculus::field(&f_str)?);
        let divergence_val = match point.filter(|p| !p.is_empty()) {
            Some(p) => calculus::values_at(std::slice::from_ref(&d), &p, "divergence")?.first().copied(),
            None => None,
        };
        Ok(DivergenceResult { divergence_sym: d.to_string(), divergence_val })
    }

    fn laplacian(f_str: String, is_vector: bool) -> Result<String, String> {
        if is_vector {
            let field = calculus::field(&f_str)?;
            Ok(calculus::show_vector(&field.each_ref().map(calculus::laplacian)))
        } else {
            Ok(calculus::laplacian(&calculus::scalar(&f_str)?).to_string())
        }
    }

    fn directional_deriv(f_str: String, u: Vec<f64>, unit: bool) -> Result<String, String> {
        calculus::directional(&calculus::scalar(&f_str)?, &u, unit).map(|e| e.to_string())
    }

    fn plot_vector_field(f_str: String, bounds: String, n: i64) -> Result<Vec<ContentBlock>, String> {
        let field = calculus::field(&f_str)?;
        let b = plot::numbers(&bounds, "bounds")?;
        let Ok(bounds) = <[f64; 6]>::try_from(b.as_slice()) else {
            return Err(format!(
                "bounds needs six numbers \"[xmin, xmax, ymin, ymax, zmin, zmax]\", got {} in '{bounds}'",
                b.len()
            ));
        };
        if bounds.chunks(2).any(|p| !matches!(p, [lo, hi] if lo < hi)) {
            return Err(format!("each bounds pair must have min < max: {bounds:?}"));
        }
        let n = usize::try_from(n)
            .ok()
            .filter(|n| (1..=30).contains(n))
            .ok_or_else(|| format!("n must be from 1 to 30, got {n}"))?;
        plot::vector_field(&field, bounds, n).map(plot_blocks)
    }

    fn plot_function(
        expr_str: String,
        xlim: Vec<i64>,
        ylim: Vec<i64>,
        grid: String,
    ) -> Result<Vec<ContentBlock>, String> {
        let f = calculus::scalar(&expr_str)?;
        let range = |v: &[i64], what: &str| -> Result<[f64; 2], String> {
            match v {
                [a, b] if a < b => Ok([*a as f64, *b as f64]),
                _ => Err(format!("{what} must be two integers [min, max] with min < max, got {v:?}")),
            }
        };
        let (xlim, ylim) = (range(&xlim, "xlim")?, range(&ylim, "ylim")?);
        let grid = match plot::numbers(&grid, "grid")?.as_slice() {
            [g] if g.fract() == 0.0 && (2.0..=2000.0).contains(g) => *g as usize,
            _ => {
                return Err(format!(
                    "grid must be one whole number from 2 to 2000 (as text, e.g. \"200\"), got '{grid}'"
                ));
            }
        };
        plot::function(&f, xlim, ylim, grid).map(plot_blocks)
    }
}

export!(ScientificComputing);
