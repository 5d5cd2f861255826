//! Singular value decomposition by one-sided Jacobi rotations (Hestenes' method).
//!
//! Hand-written because nalgebra 0.34's SVD returns wrong factors for some
//! rank-deficient matrices (randomised tests found 2×2, 5×8 and 9×8 cases whose factors
//! did not multiply back to the matrix). One-sided Jacobi is simple, robust and accurate,
//! also for tiny singular values.

use nalgebra::{DMatrix, DVector};

const MAX_SWEEPS: usize = 80;

/// u, the singular values, v_t.
pub type Parts = (DMatrix<f64>, Vec<f64>, DMatrix<f64>);
const TOLERANCE: f64 = 1e-15;

/// Reduced SVD `m = u · diag(s) · v_t` with k = min(rows, cols): u is rows×k with
/// orthonormal columns, v_t is k×cols with orthonormal rows, s is non-negative and
/// sorted largest first.
pub fn jacobi_svd(m: &DMatrix<f64>) -> Result<Parts, String> {
    if m.nrows() < m.ncols() {
        // A = U S Vᵀ  ⇔  Aᵀ = V S Uᵀ
        let (u, s, v_t) = tall(&m.transpose())?;
        return Ok((v_t.transpose(), s, u.transpose()));
    }
    tall(m)
}

/// The SVD of a matrix with at least as many rows as columns.
fn tall(m: &DMatrix<f64>) -> Result<Parts, String> {
    let (rows, n) = m.shape();
    let mut a = m.clone();
    let mut v = DMatrix::<f64>::identity(n, n);
    let mut converged = n < 2;
    let negligible = (f64::EPSILON * m.norm()).powi(2);
    for _ in 0..MAX_SWEEPS {
        let mut rotated = false;
        for p in 0..n {
            for q in p + 1..n {
                let (alpha, beta, gamma) = {
                    let (cp, cq) = (a.column(p), a.column(q));
                    (cp.norm_squared(), cq.norm_squared(), cp.dot(&cq))
                };
                // Orthogonal enough, or a column that is zero to rounding (whose direction
                // does not matter and would not settle).
                if gamma == 0.0 || gamma.abs() <= TOLERANCE * (alpha * beta).sqrt() || alpha.min(beta) <= negligible {
                    continue;
                }
                rotated = true;
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt());
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = c * t;
                rotate(&mut a, p, q, c, s);
                rotate(&mut v, p, q, c, s);
            }
        }
        if !rotated {
            converged = true;
            break;
        }
    }
    if !converged || a.iter().any(|x| !x.is_finite()) {
        return Err("the SVD did not converge".into());
    }
    // Singular values are the column norms; sort them, largest first.
    let norms: Vec<f64> = a.column_iter().map(|c| c.norm()).collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|x, y| norms.get(*y).unwrap_or(&0.0).total_cmp(norms.get(*x).unwrap_or(&0.0)));
    let largest = order.first().and_then(|i| norms.get(*i)).copied().unwrap_or(0.0);
    let mut u_cols: Vec<DVector<f64>> = Vec::with_capacity(n);
    let mut s = Vec::with_capacity(n);
    let mut v_t = DMatrix::zeros(n, n);
    for (k, j) in order.iter().enumerate() {
        let sigma = norms.get(*j).copied().unwrap_or(0.0);
        s.push(sigma);
        v_t.set_row(k, &v.column(*j).transpose());
        // A column of (numerically) zero norm gives no direction: completed below.
        if sigma > largest * f64::EPSILON * rows as f64 && sigma > 0.0 {
            u_cols.push(a.column(*j) / sigma);
        } else {
            u_cols.push(DVector::zeros(rows));
        }
    }
    complete_orthonormal(&mut u_cols, &s, largest, rows);
    Ok((DMatrix::from_columns(&u_cols), s, v_t))
}

/// Columns `p`, `q` of `m` rotated: (c·p − s·q, s·p + c·q).
fn rotate(m: &mut DMatrix<f64>, p: usize, q: usize, c: f64, s: f64) {
    for i in 0..m.nrows() {
        let (x, y) = (m[(i, p)], m[(i, q)]);
        m[(i, p)] = c * x - s * y;
        m[(i, q)] = s * x + c * y;
    }
}

/// Replaces the columns of negligible singular value with unit vectors orthogonal to
/// all the others (Gram-Schmidt over the standard basis), so that u has orthonormal
/// columns.
fn complete_orthonormal(cols: &mut [DVector<f64>], s: &[f64], largest: f64, rows: usize) {
    let mut candidate = 0;
    for k in 0..cols.len() {
        let negligible = s.get(k).is_none_or(|sigma| !(*sigma > largest * f64::EPSILON * rows as f64 && *sigma > 0.0));
        if !negligible {
            continue;
        }
        while candidate < rows {
            let mut e = DVector::zeros(rows);
            if let Some(x) = e.get_mut(candidate) {
                *x = 1.0;
            }
            candidate += 1;
            for _ in 0..2 {
                for (i, other) in cols.iter().enumerate() {
                    if i != k {
                        let d = other.dot(&e);
                        e -= other * d;
                    }
                }
            }
            let norm = e.norm();
            if norm > 1e-8 {
                if let Some(slot) = cols.get_mut(k) {
                    *slot = e / norm;
                }
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(m: &DMatrix<f64>) {
        let (u, s, vt) = jacobi_svd(m).unwrap_or((m.clone(), vec![], m.clone()));
        let rec = &u * DMatrix::from_diagonal(&DVector::from_vec(s.clone())) * &vt;
        assert!((rec - m).norm() <= 1e-12 * m.norm().max(1.0), "reconstruction of {m}");
        let k = s.len();
        assert!((u.transpose() * &u - DMatrix::identity(k, k)).norm() < 1e-12, "u orthonormal for {m}");
        assert!((&vt * vt.transpose() - DMatrix::identity(k, k)).norm() < 1e-12, "v orthonormal for {m}");
        assert!(s.windows(2).all(|w| w[0] >= w[1]));
    }

    #[test]
    fn decomposes() {
        check(&DMatrix::from_row_slice(2, 2, &[-3.0, -3.0, -2.0, -2.0]));
        check(&DMatrix::from_row_slice(3, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]));
        check(&DMatrix::from_row_slice(2, 3, &[1.0, 0.0, 1.0, 0.0, 1.0, 0.0]));
        check(&DMatrix::zeros(3, 2));
        check(&DMatrix::from_row_slice(1, 1, &[-4.0]));
    }
}
