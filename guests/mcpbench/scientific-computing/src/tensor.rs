//! N-dimensional arrays of f64 (row-major), with numpy-style broadcasting for
//! element-wise arithmetic, matrix products and transposition.

use nalgebra::DMatrix;

/// Most elements one tensor may hold.
pub const MAX_ELEMENTS: usize = 1 << 22;

/// An array: its shape (outermost axis first) and its values in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    pub shape: Vec<usize>,
    pub data: Vec<f64>,
}

/// The number of elements of `shape`, if it is not absurdly large.
fn count(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |acc, d| acc.checked_mul(*d)).filter(|n| *n <= MAX_ELEMENTS)
}

fn show_shape(shape: &[usize]) -> String {
    let parts: Vec<String> = shape.iter().map(ToString::to_string).collect();
    format!("({})", parts.join(", "))
}

impl Tensor {
    /// A tensor from a shape and flat values, which must agree in size.
    pub fn new(shape: &[i64], values: Vec<f64>) -> Result<Tensor, String> {
        if shape.is_empty() {
            return Err("shape must have at least one dimension".into());
        }
        let mut dims = Vec::with_capacity(shape.len());
        for d in shape {
            dims.push(usize::try_from(*d).map_err(|_| format!("shape dimensions must be non-negative, got {d}"))?);
        }
        let n = count(&dims)
            .ok_or_else(|| format!("shape {} is too large (at most {MAX_ELEMENTS} elements)", show_shape(&dims)))?;
        if n != values.len() {
            return Err(format!(
                "Shape does not match number of values: shape {} holds {n} values, {} were given.",
                show_shape(&dims),
                values.len()
            ));
        }
        if values.iter().any(|v| !v.is_finite()) {
            return Err("values must be finite numbers".into());
        }
        Ok(Tensor { shape: dims, data: values })
    }

    pub fn from_matrix(m: &DMatrix<f64>) -> Tensor {
        let mut data = Vec::with_capacity(m.len());
        for r in m.row_iter() {
            data.extend(r.iter().copied());
        }
        Tensor { shape: vec![m.nrows(), m.ncols()], data }
    }

    pub fn shape_text(&self) -> String {
        show_shape(&self.shape)
    }

    /// The values cut into rows of the last axis (one row for a vector or a scalar).
    pub fn rows(&self) -> Vec<Vec<f64>> {
        let last = self.shape.last().copied().unwrap_or(1);
        if last == 0 {
            let n = self.shape.iter().rev().skip(1).product::<usize>();
            return vec![Vec::new(); n];
        }
        self.data.chunks(last).map(<[f64]>::to_vec).collect()
    }

    /// The tensor as a matrix, if it is 2-D.
    pub fn matrix(&self, what: &str) -> Result<DMatrix<f64>, String> {
        match self.shape.as_slice() {
            [0, _] | [_, 0] => {
                Err(format!("{what} needs a non-empty matrix, but the tensor has shape {}", self.shape_text()))
            }
            [r, c] => Ok(DMatrix::from_row_slice(*r, *c, &self.data)),
            _ => Err(format!("{what} needs a 2-D matrix, but the tensor has shape {}", self.shape_text())),
        }
    }

    /// The tensor as a square matrix.
    pub fn square(&self, what: &str) -> Result<DMatrix<f64>, String> {
        let m = self.matrix(what)?;
        if m.nrows() != m.ncols() {
            return Err(format!("{what} needs a square matrix, but the tensor has shape {}", self.shape_text()));
        }
        Ok(m)
    }

    /// The values as a vector: any shape with at most one axis longer than 1, such as
    /// (3,), (1, 3) or (3, 1).
    pub fn as_vector(&self, what: &str) -> Result<Vec<f64>, String> {
        if self.shape.iter().filter(|d| **d > 1).count() > 1 {
            return Err(format!("{what} needs a vector, but the tensor has shape {}", self.shape_text()));
        }
        Ok(self.data.clone())
    }

    /// Element-wise `op` with numpy broadcasting (shapes aligned at the right; each
    /// pair of dimensions equal or one of them 1).
    pub fn broadcast(&self, other: &Tensor, op: impl Fn(f64, f64) -> f64) -> Result<Tensor, String> {
        let rank = self.shape.len().max(other.shape.len());
        let pad = |s: &[usize]| -> Vec<usize> {
            let mut p = vec![1; rank - s.len()];
            p.extend_from_slice(s);
            p
        };
        let (a, b) = (pad(&self.shape), pad(&other.shape));
        let mut shape = Vec::with_capacity(rank);
        for (x, y) in a.iter().zip(&b) {
            shape.push(match (x, y) {
                _ if x == y => *x,
                (1, _) => *y,
                (_, 1) => *x,
                _ => {
                    return Err(format!(
                        "operands could not be broadcast together with shapes {} {}",
                        self.shape_text(),
                        other.shape_text()
                    ));
                }
            });
        }
        let n = count(&shape).ok_or("the broadcast result is too large")?;
        let strides = |s: &[usize]| -> Vec<usize> {
            let mut st = vec![0; rank];
            let mut acc = 1;
            for i in (0..rank).rev() {
                let d = s.get(i).copied().unwrap_or(1);
                if let Some(slot) = st.get_mut(i) {
                    *slot = if d == 1 { 0 } else { acc };
                }
                acc *= d;
            }
            st
        };
        let (sa, sb) = (strides(&a), strides(&b));
        let mut data = Vec::with_capacity(n);
        let mut index = vec![0usize; rank];
        for _ in 0..n {
            let ia: usize = index.iter().zip(&sa).map(|(i, s)| i * s).sum();
            let ib: usize = index.iter().zip(&sb).map(|(i, s)| i * s).sum();
            let (x, y) =
                (self.data.get(ia).copied().unwrap_or(f64::NAN), other.data.get(ib).copied().unwrap_or(f64::NAN));
            data.push(op(x, y));
            for axis in (0..rank).rev() {
                let (Some(i), Some(d)) = (index.get_mut(axis), shape.get(axis)) else { break };
                *i += 1;
                if *i < *d {
                    break;
                }
                *i = 0;
            }
        }
        Ok(Tensor { shape, data })
    }

    /// The matrix product (numpy `matmul` for 1-D and 2-D operands: a 1-D left operand
    /// is a row vector, a 1-D right operand a column vector, and that axis is dropped).
    pub fn matmul(&self, other: &Tensor) -> Result<Tensor, String> {
        let as_2d = |t: &Tensor, left: bool| -> Result<(usize, usize), String> {
            match t.shape.as_slice() {
                [n] if left => Ok((1, *n)),
                [n] => Ok((*n, 1)),
                [r, c] => Ok((*r, *c)),
                _ => Err(format!("multiply_matrices handles 1-D and 2-D tensors, not shape {}", t.shape_text())),
            }
        };
        let (m, k) = as_2d(self, true)?;
        let (k2, n) = as_2d(other, false)?;
        if k != k2 {
            return Err(format!(
                "matmul: shapes {} and {} are not aligned ({k} columns on the left, {k2} rows on the right)",
                self.shape_text(),
                other.shape_text()
            ));
        }
        let product = if m == 0 || k == 0 || n == 0 {
            Tensor { shape: vec![m, n], data: vec![0.0; m * n] }
        } else {
            let a = DMatrix::from_row_slice(m, k, &self.data);
            let b = DMatrix::from_row_slice(k2, n, &other.data);
            Tensor::from_matrix(&(a * b))
        };
        let shape = match (self.shape.len(), other.shape.len()) {
            (1, 1) => vec![],
            (1, _) => vec![n],
            (_, 1) => vec![m],
            _ => vec![m, n],
        };
        Ok(Tensor { shape, data: product.data })
    }

    /// The axes in reverse order (numpy `transpose`): a matrix's transpose; a vector
    /// unchanged.
    pub fn transpose(&self) -> Tensor {
        let rank = self.shape.len();
        let new_shape: Vec<usize> = self.shape.iter().rev().copied().collect();
        let mut old_strides = vec![0; rank];
        let mut acc = 1;
        for i in (0..rank).rev() {
            if let Some(s) = old_strides.get_mut(i) {
                *s = acc;
            }
            acc *= self.shape.get(i).copied().unwrap_or(1);
        }
        // New axis j is old axis rank-1-j.
        let strides: Vec<usize> = old_strides.iter().rev().copied().collect();
        let mut data = Vec::with_capacity(self.data.len());
        let mut index = vec![0usize; rank];
        for _ in 0..self.data.len() {
            let at: usize = index.iter().zip(&strides).map(|(i, s)| i * s).sum();
            data.push(self.data.get(at).copied().unwrap_or(f64::NAN));
            for axis in (0..rank).rev() {
                let (Some(i), Some(d)) = (index.get_mut(axis), new_shape.get(axis)) else { break };
                *i += 1;
                if *i < *d {
                    break;
                }
                *i = 0;
            }
        }
        Tensor { shape: new_shape, data }
    }

    pub fn scale(&self, factor: f64) -> Tensor {
        Tensor { shape: self.shape.clone(), data: self.data.iter().map(|v| v * factor).collect() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(shape: &[i64], v: &[f64]) -> Tensor {
        Tensor::new(shape, v.to_vec()).unwrap_or(Tensor { shape: vec![], data: vec![] })
    }

    #[test]
    fn create_checks_size() {
        assert!(Tensor::new(&[2, 2], vec![1.0, 2.0, 3.0]).is_err());
        assert!(Tensor::new(&[-1], vec![]).is_err());
        assert_eq!(t(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).rows(), vec![vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.0]]);
        assert_eq!(t(&[3], &[1.0, 2.0, 3.0]).rows(), vec![vec![1.0, 2.0, 3.0]]);
        assert_eq!(t(&[2, 0], &[]).rows(), vec![Vec::<f64>::new(), Vec::new()]);
    }

    #[test]
    fn broadcasting() {
        let a = t(&[2, 2], &[1.0, 2.0, 3.0, 4.0]);
        let row = t(&[2], &[10.0, 20.0]);
        let col = t(&[2, 1], &[100.0, 200.0]);
        let s = t(&[1], &[1.0]);
        assert_eq!(a.broadcast(&row, |x, y| x + y).map(|r| r.data), Ok(vec![11.0, 22.0, 13.0, 24.0]));
        assert_eq!(a.broadcast(&col, |x, y| x + y).map(|r| r.data), Ok(vec![101.0, 102.0, 203.0, 204.0]));
        assert_eq!(a.broadcast(&s, |x, y| x - y).map(|r| r.data), Ok(vec![0.0, 1.0, 2.0, 3.0]));
        assert!(a.broadcast(&t(&[3], &[1.0, 2.0, 3.0]), |x, y| x + y).is_err());
    }

    #[test]
    fn products_and_transpose() {
        let a = t(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let at = a.transpose();
        assert_eq!(at.shape, vec![3, 2]);
        assert_eq!(at.data, vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
        let p = a.matmul(&at);
        assert_eq!(p.map(|p| (p.shape, p.data)), Ok((vec![2, 2], vec![14.0, 32.0, 32.0, 77.0])));
        let v = t(&[3], &[1.0, 0.0, 1.0]);
        assert_eq!(a.matmul(&v).map(|p| (p.shape, p.data)), Ok((vec![2], vec![4.0, 10.0])));
        assert_eq!(v.matmul(&v).map(|p| (p.shape, p.data)), Ok((vec![], vec![2.0])));
        assert!(a.matmul(&a).is_err());
        let cube = t(&[2, 1, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let ct = cube.transpose();
        assert_eq!(ct.shape, vec![3, 1, 2]);
        assert_eq!(ct.data, vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    }
}
