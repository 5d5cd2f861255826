//! Eigen-decomposition of real square matrices. Symmetric matrices use nalgebra's
//! symmetric eigensolver; general ones get their (possibly complex) eigenvalues from
//! nalgebra's real Schur form and each eigenvector by complex inverse iteration.

use nalgebra::{Complex, DMatrix, DVector, Schur, SymmetricEigen};

use crate::linalg::{check_finite, clean, largest_is_negative};

const MAX_ITERATIONS: usize = 10_000;

type C = Complex<f64>;

/// Eigenvalues (largest real part first; of a conjugate pair, positive imaginary part
/// first) and the eigenvectors as the columns of a matrix given row by row, each of
/// unit length with its largest component real and positive.
#[derive(Debug, Clone, PartialEq)]
pub struct Eigen {
    pub values: Vec<C>,
    pub vectors: Vec<Vec<C>>,
}

pub fn eigen(m: &DMatrix<f64>) -> Result<Eigen, String> {
    check_finite(m)?;
    let n = m.nrows();
    let scale = m.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    if scale == 0.0 {
        let vectors = (0..n).map(|i| (0..n).map(|j| C::new(if i == j { 1.0 } else { 0.0 }, 0.0)).collect()).collect();
        return Ok(Eigen { values: vec![C::new(0.0, 0.0); n], vectors });
    }
    let symmetric = (0..n).all(|i| {
        (0..i).all(|j| {
            (m.get((i, j)).copied().unwrap_or(0.0) - m.get((j, i)).copied().unwrap_or(0.0)).abs() <= 1e-12 * scale
        })
    });
    let (values, columns) = if symmetric { symmetric_eigen(m)? } else { general_eigen(m, scale)? };
    let rows = (0..n)
        .map(|i| {
            columns
                .iter()
                .map(|c| c.get(i).map_or(C::new(0.0, 0.0), |z| C::new(clean(z.re, 1.0), clean(z.im, 1.0))))
                .collect()
        })
        .collect();
    let values = values.iter().map(|z| C::new(clean(z.re, scale), clean(z.im, scale))).collect();
    Ok(Eigen { values, vectors: rows })
}

fn symmetric_eigen(m: &DMatrix<f64>) -> Result<(Vec<C>, Vec<Vec<C>>), String> {
    let e = SymmetricEigen::try_new(m.clone(), f64::EPSILON, MAX_ITERATIONS)
        .ok_or("the eigen-decomposition did not converge")?;
    let mut order: Vec<usize> = (0..e.eigenvalues.len()).collect();
    let value = |i: usize| e.eigenvalues.get(i).copied().unwrap_or(0.0);
    order.sort_by(|a, b| value(*b).total_cmp(&value(*a)));
    let mut values = Vec::new();
    let mut columns = Vec::new();
    for i in order {
        values.push(C::new(value(i), 0.0));
        let mut col: Vec<f64> = e.eigenvectors.column(i).iter().copied().collect();
        if largest_is_negative(col.iter()) {
            col.iter_mut().for_each(|v| *v = -*v);
        }
        columns.push(col.into_iter().map(|v| C::new(v, 0.0)).collect());
    }
    Ok((values, columns))
}

fn general_eigen(m: &DMatrix<f64>, scale: f64) -> Result<(Vec<C>, Vec<Vec<C>>), String> {
    let schur =
        Schur::try_new(m.clone(), f64::EPSILON, MAX_ITERATIONS).ok_or("the eigen-decomposition did not converge")?;
    let mut values: Vec<C> = schur
        .complex_eigenvalues()
        .iter()
        .map(|z| if z.im.abs() <= 1e-12 * scale { C::new(z.re, 0.0) } else { *z })
        .collect();
    values.sort_by(|a, b| b.re.total_cmp(&a.re).then(b.im.total_cmp(&a.im)));
    let a: DMatrix<C> = m.map(|v| C::new(v, 0.0));
    let mut columns: Vec<Vec<C>> = Vec::new();
    for (j, lambda) in values.iter().enumerate() {
        // Earlier eigenvectors of (numerically) the same eigenvalue: a new one must be
        // independent of them, unless the matrix is defective.
        let peers: Vec<DVector<C>> = values
            .iter()
            .take(j)
            .zip(&columns)
            .filter(|(mu, _)| (*mu - lambda).norm() <= 1e-8 * scale)
            .map(|(_, c)| DVector::from_vec(c.clone()))
            .collect();
        let mut v = inverse_iteration(&a, *lambda, &peers, scale)?;
        if !peers.is_empty() && residual(&a, *lambda, &v) > 1e-6 * scale {
            v = inverse_iteration(&a, *lambda, &[], scale)?;
        }
        columns.push(normalise_phase(v).iter().copied().collect());
    }
    Ok((values, columns))
}

fn residual(a: &DMatrix<C>, lambda: C, v: &DVector<C>) -> f64 {
    (a * v - v * lambda).norm()
}

/// An eigenvector for `lambda`: a few steps of inverse iteration with a slightly
/// perturbed shift (so that the shifted matrix is not exactly singular), kept
/// orthogonal to `peers`.
fn inverse_iteration(a: &DMatrix<C>, lambda: C, peers: &[DVector<C>], scale: f64) -> Result<DVector<C>, String> {
    let n = a.nrows();
    let mut delta = 1e-10 * scale;
    for _ in 0..6 {
        let shift = lambda + C::new(delta, 0.0);
        let shifted = a - DMatrix::<C>::identity(n, n) * shift;
        let lu = shifted.lu();
        let mut v = DVector::from_fn(n, |i, _| C::new(0.5 + ((i * 7919 + 13) % 101) as f64 / 101.0, 0.0));
        orthogonalise(&mut v, peers);
        let mut ok = true;
        for _ in 0..4 {
            let Some(mut w) = lu.solve(&v) else {
                ok = false;
                break;
            };
            orthogonalise(&mut w, peers);
            let norm = w.norm();
            if !norm.is_finite() || norm == 0.0 {
                ok = false;
                break;
            }
            v = w.unscale(norm);
        }
        if ok {
            return Ok(v);
        }
        delta *= 1e3;
    }
    Err("could not compute the eigenvectors (inverse iteration failed)".into())
}

fn orthogonalise(v: &mut DVector<C>, peers: &[DVector<C>]) {
    for _ in 0..2 {
        for p in peers {
            let c = p.dotc(v);
            *v -= p * c;
        }
    }
}

/// Unit length, with the component of largest modulus made real and positive.
fn normalise_phase(v: DVector<C>) -> DVector<C> {
    let mut best = C::new(0.0, 0.0);
    for z in v.iter() {
        if z.norm() > best.norm() * (1.0 + 1e-9) {
            best = *z;
        }
    }
    let norm = v.norm();
    if best.norm() == 0.0 || norm == 0.0 {
        return v;
    }
    let phase = best.conj() / best.norm();
    v.map(|z| z * phase / norm)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(m: &DMatrix<f64>) -> Eigen {
        let e = eigen(m).unwrap_or(Eigen { values: vec![], vectors: vec![] });
        let n = m.nrows();
        let a: DMatrix<C> = m.map(|v| C::new(v, 0.0));
        for (j, lambda) in e.values.iter().enumerate() {
            let v = DVector::from_fn(n, |i, _| e.vectors[i][j]);
            assert!((v.norm() - 1.0).abs() < 1e-9, "unit length");
            assert!(residual(&a, *lambda, &v) < 1e-8, "A v = λ v for λ = {lambda}");
        }
        e
    }

    #[test]
    fn symmetric() {
        let e = check(&DMatrix::from_row_slice(2, 2, &[2.0, 1.0, 1.0, 2.0]));
        assert!((e.values[0].re - 3.0).abs() < 1e-12 && (e.values[1].re - 1.0).abs() < 1e-12);
        assert!(e.vectors[0][0].re > 0.0);
    }

    #[test]
    fn general_real_and_complex() {
        let e = check(&DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 3.0, 4.0]));
        assert!(e.values.iter().all(|z| z.im == 0.0));
        let r = check(&DMatrix::from_row_slice(2, 2, &[0.0, -1.0, 1.0, 0.0]));
        assert_eq!(r.values, vec![C::new(0.0, 1.0), C::new(0.0, -1.0)]);
        check(&DMatrix::from_row_slice(3, 3, &[4.0, 1.0, 2.0, 0.0, 3.0, 1.0, 1.0, 0.0, 2.0]));
        // A repeated eigenvalue with two independent eigenvectors, and a defective one.
        let e = check(&DMatrix::from_row_slice(3, 3, &[2.0, 1.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 2.0]));
        assert_eq!(e.values.len(), 3);
        let rot = check(&DMatrix::from_row_slice(3, 3, &[0.0, -1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0]));
        assert_eq!(rot.values[0], C::new(1.0, 0.0));
    }
}
