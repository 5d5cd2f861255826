//! Matrix functions: determinant, inverse, rank, QR, SVD, orthonormal bases and change
//! of basis (nalgebra's LU and QR, our Jacobi SVD), with deterministic sign conventions.

use nalgebra::{DMatrix, DVector};

/// Matrices returned to callers: entries this small relative to the largest are
/// rounding noise and are shown as 0.
const NOISE: f64 = 1e-14;

pub fn check_finite(m: &DMatrix<f64>) -> Result<(), String> {
    if m.iter().all(|v| v.is_finite()) { Ok(()) } else { Err("the matrix contains infinite or NaN values".into()) }
}

/// Rows of `m`, with rounding noise set to 0.
pub fn rows(m: &DMatrix<f64>) -> Vec<Vec<f64>> {
    let scale = m.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    m.row_iter().map(|r| r.iter().map(|v| clean(*v, scale)).collect()).collect()
}

/// `v` with rounding noise (relative to `scale`) set to 0, and -0 as 0.
pub fn clean(v: f64, scale: f64) -> f64 {
    if v.abs() <= NOISE * scale || v == 0.0 { 0.0 } else { v }
}

/// Singular values, largest first.
pub fn singular_values(m: &DMatrix<f64>) -> Result<Vec<f64>, String> {
    Ok(crate::svd::jacobi_svd(m)?.1)
}

/// The numerical rank: singular values above `max(s) * max(m, n) * eps` (numpy's rule).
pub fn rank(m: &DMatrix<f64>) -> Result<usize, String> {
    check_finite(m)?;
    if m.is_empty() {
        return Ok(0);
    }
    let s = singular_values(m)?;
    let largest = s.first().copied().unwrap_or(0.0);
    let tol = largest * m.nrows().max(m.ncols()) as f64 * f64::EPSILON;
    Ok(s.iter().filter(|v| **v > tol).count())
}

/// The determinant: exact for integer matrices (fraction-free elimination), 0 for a
/// numerically singular matrix, else by LU decomposition.
pub fn determinant(m: &DMatrix<f64>) -> Result<f64, String> {
    check_finite(m)?;
    if let Some(exact) = integer_determinant(m) {
        return Ok(exact);
    }
    if rank(m)? < m.nrows() {
        return Ok(0.0);
    }
    Ok(m.clone().lu().determinant())
}

/// Bareiss elimination in i128 when every entry is an integer of moderate size.
fn integer_determinant(m: &DMatrix<f64>) -> Option<f64> {
    let n = m.nrows();
    if n > 12 || m.iter().any(|v| v.fract() != 0.0 || v.abs() > 1e6) {
        return None;
    }
    let mut a: Vec<Vec<i128>> = m.row_iter().map(|r| r.iter().map(|v| *v as i128).collect()).collect();
    let mut sign = 1i128;
    let mut prev = 1i128;
    for k in 0..n {
        let Some(pivot_row) = (k..n).find(|&i| a.get(i).and_then(|r| r.get(k)).is_some_and(|v| *v != 0)) else {
            return Some(0.0);
        };
        if pivot_row != k {
            a.swap(pivot_row, k);
            sign = -sign;
        }
        let pivot_row_values = a.get(k)?.clone();
        let pivot = *pivot_row_values.get(k)?;
        for i in k + 1..n {
            let row = a.get_mut(i)?;
            let aik = *row.get(k)?;
            for j in k + 1..n {
                let akj = *pivot_row_values.get(j)?;
                let aij = row.get_mut(j)?;
                *aij = pivot.checked_mul(*aij)?.checked_sub(aik.checked_mul(akj)?)?.checked_div(prev)?;
            }
        }
        prev = pivot;
    }
    Some((sign * prev) as f64)
}

/// The inverse; "Singular matrix" when the rank is below the size.
pub fn inverse(m: &DMatrix<f64>) -> Result<DMatrix<f64>, String> {
    check_finite(m)?;
    if rank(m)? < m.nrows() {
        return Err("Singular matrix".into());
    }
    m.clone().try_inverse().ok_or_else(|| "Singular matrix".into())
}

/// Reduced QR (Q: m×k with orthonormal columns, R: k×n upper triangular, k = min(m, n)),
/// signs chosen so that R's diagonal is non-negative.
pub fn qr(m: &DMatrix<f64>) -> Result<(DMatrix<f64>, DMatrix<f64>), String> {
    check_finite(m)?;
    let qr = m.clone().qr();
    let (mut q, mut r) = (qr.q(), qr.r());
    for i in 0..r.nrows().min(r.ncols()) {
        if r.get((i, i)).is_some_and(|d| *d < 0.0) {
            r.row_mut(i).neg_mut();
            q.column_mut(i).neg_mut();
        }
    }
    Ok((q, r))
}

/// Reduced SVD `m = u · diag(s) · v_t`, singular values largest first; each column of
/// u has its largest entry positive (v_t's row flipped with it).
pub fn svd(m: &DMatrix<f64>) -> Result<crate::svd::Parts, String> {
    check_finite(m)?;
    if m.is_empty() {
        return Err("the matrix is empty".into());
    }
    let (mut u, s, mut v_t) = crate::svd::jacobi_svd(m)?;
    for i in 0..s.len() {
        if largest_is_negative(u.column(i).iter()) {
            u.column_mut(i).neg_mut();
            v_t.row_mut(i).neg_mut();
        }
    }
    Ok((u, s, v_t))
}

/// Whether the entry of largest magnitude (the first of equals) is negative.
pub fn largest_is_negative<'a>(values: impl Iterator<Item = &'a f64>) -> bool {
    let mut best = 0.0f64;
    let mut negative = false;
    for v in values {
        if v.abs() > best * (1.0 + 1e-9) {
            best = v.abs();
            negative = *v < 0.0;
        }
    }
    negative
}

/// An orthonormal basis of the column space: Gram-Schmidt (twice, for accuracy) over
/// the columns in order, skipping columns that depend on earlier ones. For a matrix of
/// full column rank this is Q of the QR decomposition (with R's diagonal positive).
pub fn orthonormal_basis(m: &DMatrix<f64>) -> Result<Vec<Vec<f64>>, String> {
    check_finite(m)?;
    let r = rank(m)?;
    let largest = m.column_iter().map(|c| c.norm()).fold(0.0, f64::max);
    let tol = largest * 1e-10;
    let mut basis: Vec<DVector<f64>> = Vec::new();
    for col in m.column_iter() {
        if basis.len() == r {
            break;
        }
        let mut v = col.clone_owned();
        for _ in 0..2 {
            for b in &basis {
                let c = b.dot(&v);
                v -= b * c;
            }
        }
        let norm = v.norm();
        if norm > tol {
            basis.push(v / norm);
        }
    }
    Ok(basis.iter().map(|b| b.iter().map(|x| clean(*x, 1.0)).collect()).collect())
}

/// `B⁻¹ · A · B`, where `basis` gives B row by row (its columns are the new basis
/// vectors).
pub fn change_basis(a: &DMatrix<f64>, basis: &[Vec<f64>]) -> Result<DMatrix<f64>, String> {
    let n = a.nrows();
    if basis.len() != n || basis.iter().any(|r| r.len() != n) {
        return Err(format!(
            "new_basis must be a {n}×{n} matrix (a list of {n} rows of {n} numbers) to match the tensor"
        ));
    }
    let flat: Vec<f64> = basis.iter().flatten().copied().collect();
    let b = DMatrix::from_row_slice(n, n, &flat);
    check_finite(&b)?;
    let b_inv = inverse(&b).map_err(|_| "Singular matrix: the new basis vectors are linearly dependent".to_string())?;
    Ok(b_inv * a * b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(r: usize, c: usize, v: &[f64]) -> DMatrix<f64> {
        DMatrix::from_row_slice(r, c, v)
    }

    #[test]
    fn determinants_and_rank() {
        assert_eq!(determinant(&m(2, 2, &[1.0, 2.0, 3.0, 4.0])), Ok(-2.0));
        assert_eq!(determinant(&m(3, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])), Ok(0.0));
        assert_eq!(determinant(&m(3, 3, &[0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0])), Ok(-1.0));
        let d = determinant(&m(2, 2, &[0.5, 0.25, 0.1, 2.0])).unwrap_or(0.0);
        assert!((d - 0.975).abs() < 1e-12);
        assert_eq!(rank(&m(3, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])), Ok(2));
        assert_eq!(inverse(&m(2, 2, &[1.0, 2.0, 2.0, 4.0])), Err("Singular matrix".to_string()));
    }

    #[test]
    fn decompositions() {
        let a = m(3, 2, &[1.0, 1.0, 1.0, 0.0, 0.0, 1.0]);
        let (q, r) = qr(&a).unwrap_or((a.clone(), a.clone()));
        assert!((&q * &r - &a).norm() < 1e-12);
        assert!(r[(0, 0)] > 0.0 && r[(1, 1)] > 0.0);
        let (u, s, vt) = svd(&a).unwrap_or((a.clone(), vec![], a.clone()));
        let recon = &u * DMatrix::from_diagonal(&DVector::from_vec(s.clone())) * &vt;
        assert!((recon - &a).norm() < 1e-12);
        assert!(s.windows(2).all(|w| w[0] >= w[1]));
        let basis = orthonormal_basis(&m(3, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])).unwrap_or_default();
        assert_eq!(basis.len(), 2);
        let cb = change_basis(&m(2, 2, &[2.0, 0.0, 0.0, 3.0]), &[vec![0.0, 1.0], vec![1.0, 0.0]]).unwrap_or(a.clone());
        assert_eq!(cb, m(2, 2, &[3.0, 0.0, 0.0, 2.0]));
    }
}
