# scientific_computing_math_mcp_001 (Scientific Computing + Math MCP): the pipeline
# E = (A + B - A) . B^-1 (each intermediate stored with create_tensor, since results are not
# stored), which is the identity up to rounding. Then E's eigenvalues and SVD, the condition
# number k = s_max / s_min (Math division); if k > 5, E is scaled by 1/k (Math division and
# scale_matrix) and decomposed again. E is expressed in the basis of B's columns
# (change_basis), v is projected onto E's diagonal and dotted with that projection, and
# E's rank and determinant close the report.
# The matrices and the vector are the task's own; `input` may replace them.

a_values = input.get("a", [2, -1, 0, 1, 3, 2, 0, 1, 4])
b_values = input.get("b", [4, 1, 2, 0, 3, 1, 1, 0, 2])
v_values = input.get("v", [1, 2, 3])
kappa_limit = input.get("condition_limit", 5)
sc = tools.scientific_computing
m = tools.math_mcp


def r(x):
    return round(x, 6) + 0.0


def rm(rows):
    return [[r(v) for v in row] for row in rows]


def flat(rows):
    return [v for row in rows for v in row]


sc.create_tensor(shape=[3, 3], values=a_values, name="A")
sc.create_tensor(shape=[3, 3], values=b_values, name="B")
sc.create_tensor(shape=[3], values=v_values, name="v")

# 1. E = (A + B - A) . B^-1
s_rows = sc.add_matrices(name_a="A", name_b="B")["rows"]
sc.create_tensor(shape=[3, 3], values=flat(s_rows), name="S")
d_rows = sc.subtract_matrices(name_a="S", name_b="A")["rows"]
sc.create_tensor(shape=[3, 3], values=flat(d_rows), name="D")
b_inv = sc.matrix_inverse(name="B")
sc.create_tensor(shape=[3, 3], values=flat(b_inv), name="B_inv")
e_rows = sc.multiply_matrices(name_a="D", name_b="B_inv")["rows"]
sc.create_tensor(shape=[3, 3], values=flat(e_rows), name="E")
identity_error = max([abs(e_rows[i][j] - (1 if i == j else 0)) for i in range(3) for j in range(3)])

# 2. Spectrum and conditioning.
eigen = sc.compute_eigen(name="E")
svd = sc.svd_decompose(name="E")
kappa = m.division(numerator=svd["s"][0], denominator=svd["s"][-1])
scaled = None
if kappa > kappa_limit:
    alpha = m.division(numerator=1, denominator=kappa)
    sc.scale_matrix(name="E", scale_factor=alpha, in_place=True)
    scaled = {"alpha": r(alpha), "singular_values": [r(s) for s in sc.svd_decompose(name="E")["s"]]}

# 3. E in the basis of B's columns, projection and dot product.
in_b_basis = sc.change_basis(name="E", new_basis=[b_values[0:3], b_values[3:6], b_values[6:9]])
e_now = sc.view_tensor(name="E")["rows"]
diagonal = [e_now[i][i] for i in range(3)]
projection = sc.vector_project(name="v", new_vector=diagonal)
sc.create_tensor(shape=[3], values=projection, name="p")
dot = sc.vector_dot_product(name_a="v", name_b="p")

{
    "s": s_rows,
    "d_equals_b": d_rows == [b_values[0:3], b_values[3:6], b_values[6:9]],
    "b_inverse": rm(b_inv),
    "e": rm(e_rows),
    "e_is_identity": identity_error < 1e-12,
    "eigenvalues": [{"re": r(e["re"]), "im": r(e["im"])} for e in eigen["eigenvalues"]],
    "singular_values": [r(s) for s in svd["s"]],
    "condition_number": r(kappa),
    "scaled_by_inverse_condition": scaled,
    "e_in_b_basis": rm(in_b_basis),
    "projection_on_diagonal": [r(c) for c in projection],
    "dot_v_projection": r(dot),
    "rank": sc.rank(name="E"),
    "determinant": r(sc.determinant(name="E")),
}
