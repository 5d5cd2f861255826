# scientific_computing_000 (Scientific Computing): a tour of the whole toolset on two 3x3
# matrices, two vectors, a scalar potential and a vector field. Arithmetic (A+B, A-B, A.B),
# A scaled by 0.5 in place, its determinant deciding between the inverse (det != 0) and an
# SVD (det = 0); eigen-decomposition, QR, an orthonormal basis and A in that basis, rank;
# dot, cross and projection of the vectors; gradient, directional derivative, curl at
# (1, 1, 1), divergence at the origin and Laplacian; a vector-field plot and a function plot
# (their text summaries); finally every stored tensor is deleted.
# The matrices, vectors and fields are the task's own; `input` may replace them.

a_values = input.get("a", [2, 1, 0, 1, 3, 1, 0, 1, 4])
b_values = input.get("b", [1, 2, 0, 0, 1, 3, 4, 0, 1])
v1 = input.get("v1", [1, 2, 3])
v2 = input.get("v2", [4, -1, 2])
potential = input.get("potential", "x^2*y + y*z^2 + x*z")
field = input.get("field", "[x + y*z, 2*y - x*z, 3*z + x*y]")
direction = input.get("direction", [1, 2, 2])
sc = tools.scientific_computing


def r(x):
    # Six decimals, and -0.0 as 0.0.
    return round(x, 6) + 0.0


def rm(rows):
    return [[r(v) for v in row] for row in rows]


# 1. Store the matrices; arithmetic (results are returned, not stored).
sc.create_tensor(shape=[3, 3], values=a_values, name="A")
sc.create_tensor(shape=[3, 3], values=b_values, name="B")
arithmetic = {
    "sum": sc.add_matrices(name_a="A", name_b="B")["rows"],
    "difference": sc.subtract_matrices(name_a="A", name_b="B")["rows"],
    "product": sc.multiply_matrices(name_a="A", name_b="B")["rows"],
}

# 2. Halve A in place, then branch on its determinant.
scaled = sc.scale_matrix(name="A", scale_factor=0.5, in_place=True)["rows"]
det = sc.determinant(name="A")
if det != 0:
    branch = {"method": "inverse", "inverse": rm(sc.matrix_inverse(name="A"))}
else:
    svd = sc.svd_decompose(name="A")
    branch = {"method": "svd", "singular_values": [r(s) for s in svd["s"]]}

# 3. Decompositions of the scaled A.
eigen = sc.compute_eigen(name="A")
principal = [r(row[0]["re"]) for row in eigen["eigenvectors"]]
qr = sc.qr_decompose(name="A")
basis = sc.find_orthonormal_basis(name="A")
# The basis vectors as the columns of the new-basis matrix (given row by row).
basis_matrix = [[vec[i] for vec in basis] for i in range(len(basis[0]))]
in_basis = sc.change_basis(name="A", new_basis=basis_matrix)
rank = sc.rank(name="A")

# 4. Vectors.
sc.create_tensor(shape=[len(v1)], values=v1, name="v1")
sc.create_tensor(shape=[len(v2)], values=v2, name="v2")
vectors = {
    "dot": r(sc.vector_dot_product(name_a="v1", name_b="v2")),
    "cross": [r(c) for c in sc.vector_cross_product(name_a="v1", name_b="v2")],
    "projection_v1_on_v2": [r(c) for c in sc.vector_project(name="v1", new_vector=v2)],
}

# 5. Vector calculus.
curl = sc.curl(f_str=field, point=[1, 1, 1])
div = sc.divergence(f_str=field, point=[0, 0, 0])
calculus = {
    "gradient": sc.gradient(f_str=potential),
    "directional_derivative": sc.directional_deriv(f_str=potential, u=direction, unit=True),
    "curl": curl["curl_sym"],
    "curl_at_1_1_1": curl["curl_val"],
    "divergence": div["divergence_sym"],
    "divergence_at_origin": div["divergence_val"],
    "laplacian": sc.laplacian(f_str=potential, is_vector=False),
}


# 6. Plots: keep each one's content types and the first line of its text summary.
def plot_info(blocks):
    text = [b["text"] for b in blocks if b["type"] == "text"][0]
    return {"types": [b["type"] for b in blocks], "summary": text.split("\n")[0]}


plots = {
    "vector_field": plot_info(sc.plot_vector_field(f_str=field, bounds="[-1, 1, -1, 1, -1, 1]", n=5)),
    "function": plot_info(sc.plot_function(expr_str="x^2*y", xlim=[-2, 2], ylim=[-2, 2], grid="100")),
}

# 7. Clean up.
deleted = []
for name in ["A", "B", "v1", "v2"]:
    sc.delete_tensor(name=name)
    deleted.append(name)
try:
    sc.view_tensor(name="A")
    store_empty = False
except Exception as e:
    store_empty = "not found" in str(e)

{
    "arithmetic": arithmetic,
    "scaled_a": scaled,
    "determinant": r(det),
    "branch": branch,
    "eigenvalues": [r(e["re"]) for e in eigen["eigenvalues"]],
    "eigenvalues_real": all([e["im"] == 0 for e in eigen["eigenvalues"]]),
    "principal_eigenvector": principal,
    "qr_r": rm(qr["r"]),
    "orthonormal_basis": rm(basis),
    "a_in_basis": rm(in_basis),
    "rank": rank,
    "vectors": vectors,
    "calculus": calculus,
    "plots": plots,
    "deleted": deleted,
    "store_empty": store_empty,
}
