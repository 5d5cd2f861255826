# scientific_computing_math_mcp_000 (Scientific Computing + Math MCP): mean-variance portfolio
# weights for three assets. The covariance matrix S and expected returns mu are stored and S
# viewed; a zero determinant has S rescaled to percent^2 units (x 10^4), as the task asks;
# the eigenvalues give the condition number k = max/min (Math division). If k > 100, S is
# inverted through its SVD (pseudo-inverse V . diag(1/s) . U^T, each 1/s by Math division,
# the factors stored and multiplied), else with matrix_inverse. Raw weights S^-1 . mu are
# normalised to sum to 1 (Math sum and division), projected onto the principal eigenvector,
# and checked: their dot product with (1, 1, 1) is the weight sum; Math min/max give the
# extreme weights; the dot product with mu is the portfolio's expected return.
# The covariances and returns are the task's own; `input` may replace them.

sigma_values = input.get("covariance", [0.040, 0.038, 0.012, 0.038, 0.037, 0.011, 0.012, 0.011, 0.090])
mu_values = input.get("expected_returns", [0.08, 0.075, 0.11])
kappa_limit = input.get("condition_limit", 100)
sc = tools.scientific_computing
m = tools.math_mcp
n = len(mu_values)


def r(x):
    return round(x, 6) + 0.0


def flat(rows):
    return [v for row in rows for v in row]


def diag(values):
    return [values[i] if i == j else 0 for i in range(len(values)) for j in range(len(values))]


# 1. Store and view.
sc.create_tensor(shape=[n, n], values=sigma_values, name="Sigma")
sc.create_tensor(shape=[n], values=mu_values, name="mu")
viewed_shape = sc.view_tensor(name="Sigma")["shape"]

# 2. Determinant (a zero one: rescale to percent^2 units).
det = sc.determinant(name="Sigma")
rescaled = False
if det == 0:
    sc.scale_matrix(name="Sigma", scale_factor=10000, in_place=True)
    det = sc.determinant(name="Sigma")
    rescaled = True

# 3. Eigenvalues and the condition number.
eigen = sc.compute_eigen(name="Sigma")
eigenvalues = [e["re"] for e in eigen["eigenvalues"]]
principal = [row[0]["re"] for row in eigen["eigenvectors"]]
kappa = m.division(numerator=m.max(numbers=eigenvalues), denominator=m.min(numbers=eigenvalues))

# 4. The inverse: pseudo-inverse through the SVD when ill-conditioned (a zero eigenvalue
# makes k infinite: Math division answers "Infinity").
if not isinstance(kappa, (int, float)) or kappa > kappa_limit:
    method = "svd_pseudo_inverse"
    svd = sc.svd_decompose(name="Sigma")
    s_max = svd["s"][0]
    s_inv = [m.division(numerator=1, denominator=s) if s > s_max * 1e-12 else 0 for s in svd["s"]]
    sc.create_tensor(shape=[n, n], values=diag(s_inv), name="S_inv")
    sc.create_tensor(shape=[n, n], values=flat(svd["u"]), name="U")
    sc.create_tensor(shape=[n, n], values=flat(svd["v_t"]), name="V_t")
    sc.create_tensor(shape=[n, n], values=flat(sc.transpose(name="U")["rows"]), name="U_T")
    sc.create_tensor(shape=[n, n], values=flat(sc.transpose(name="V_t")["rows"]), name="V")
    sc.create_tensor(shape=[n, n], values=flat(sc.multiply_matrices(name_a="V", name_b="S_inv")["rows"]), name="V_S_inv")
    inverse = sc.multiply_matrices(name_a="V_S_inv", name_b="U_T")["rows"]
else:
    method = "inverse"
    inverse = sc.matrix_inverse(name="Sigma")
sc.create_tensor(shape=[n, n], values=flat(inverse), name="Sigma_inv")

# 5. Weights: S^-1 mu, normalised to sum to 1.
raw = sc.multiply_matrices(name_a="Sigma_inv", name_b="mu")["rows"][0]
total = m.sum(numbers=raw)
weights = [m.division(numerator=w, denominator=total) for w in raw]
sc.create_tensor(shape=[n], values=weights, name="w")

# 6. Projection on the principal eigenvector, and the checks.
projection = sc.vector_project(name="w", new_vector=principal)
sc.create_tensor(shape=[n], values=[1] * n, name="ones")
weight_sum = sc.vector_dot_product(name_a="w", name_b="ones")
expected_return = sc.vector_dot_product(name_a="w", name_b="mu")

{
    "sigma_shape": viewed_shape,
    "determinant": round(det, 12),
    "rescaled": rescaled,
    "eigenvalues": [r(e) for e in eigenvalues],
    "condition_number": round(kappa, 4) if isinstance(kappa, (int, float)) else kappa,
    "inverse_method": method,
    "inverse": [[round(v, 4) + 0.0 for v in row] for row in inverse],
    "weights": [r(w) for w in weights],
    "min_weight": r(m.min(numbers=weights)),
    "max_weight": r(m.max(numbers=weights)),
    "projection_on_principal_eigenvector": [r(c) for c in projection],
    "weight_sum": r(weight_sum),
    "weights_sum_to_one": abs(weight_sum - 1) < 1e-9,
    "expected_return": r(expected_return),
}
