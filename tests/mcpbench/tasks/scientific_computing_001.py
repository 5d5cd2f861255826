# scientific_computing_001 (Scientific Computing): analysis of a 3x3 covariance matrix C and a
# vector v. The determinant of C decides whether C must be regularised (det = 0: C + 0.01 I,
# the identity stored and scaled by 0.01 with scale_matrix); then the inverse, eigen-, SVD and
# QR decompositions, an orthonormal basis of C's columns and C expressed in it, and v
# projected onto the principal eigenvector. A Gaussian exp(-(x^2+y^2+z^2)/2) gets its
# directional derivative along that eigenvector, its gradient field, and that field's
# divergence (at the origin) and curl (at (1, 1, 1)); the field and the Gaussian's (x, y)
# slice are plotted; C and v are deleted.
# The covariance matrix, the vector and the Gaussian are the task's own; `input` may replace them.

c_values = input.get("covariance", [4.0, 1.2, 0.8, 1.2, 2.0, 0.5, 0.8, 0.5, 1.5])
v_values = input.get("v", [1.0, 2.0, 0.5])
gaussian = input.get("gaussian", "exp(-(x^2 + y^2 + z^2)/2)")
sc = tools.scientific_computing


def r(x):
    return round(x, 6) + 0.0


def rm(rows):
    return [[r(v) for v in row] for row in rows]


sc.create_tensor(shape=[3, 3], values=c_values, name="C")
sc.create_tensor(shape=[3], values=v_values, name="v")

# 1. A singular covariance matrix is regularised: C + 0.01 I.
det = sc.determinant(name="C")
regularised = False
if det == 0:
    sc.create_tensor(shape=[3, 3], values=[1, 0, 0, 0, 1, 0, 0, 0, 1], name="I")
    sc.scale_matrix(name="I", scale_factor=0.01, in_place=True)
    c_reg = sc.add_matrices(name_a="C", name_b="I")["rows"]
    sc.create_tensor(shape=[3, 3], values=[x for row in c_reg for x in row], name="C")
    sc.delete_tensor(name="I")
    det = sc.determinant(name="C")
    regularised = True

# 2. Decompositions.
inverse = sc.matrix_inverse(name="C")
eigen = sc.compute_eigen(name="C")
principal = [row[0]["re"] for row in eigen["eigenvectors"]]
svd = sc.svd_decompose(name="C")
qr = sc.qr_decompose(name="C")
basis = sc.find_orthonormal_basis(name="C")
basis_matrix = [[vec[i] for vec in basis] for i in range(len(basis[0]))]
in_basis = sc.change_basis(name="C", new_basis=basis_matrix)

# 3. v on the principal axis.
projection = sc.vector_project(name="v", new_vector=principal)

# 4. The Gaussian. The eigenvector has unit length already; rounded to 6 decimals it is
# passed with unit=false so that the printed coefficients are those decimals.
u = [r(c) for c in principal]
directional = sc.directional_deriv(f_str=gaussian, u=u, unit=False)
grad = sc.gradient(f_str=gaussian)
div = sc.divergence(f_str=grad, point=[0, 0, 0])
curl = sc.curl(f_str=grad, point=[1, 1, 1])


def first_line(blocks):
    # The first line of the text summary (what was plotted; the later lines hold values).
    text = [b["text"] for b in blocks if b["type"] == "text"][0]
    return text.split("\n")[0]


field_plot = first_line(sc.plot_vector_field(f_str=grad, bounds="[-2, 2, -2, 2, -2, 2]", n=15))
function_plot = first_line(sc.plot_function(expr_str="exp(-(x^2 + y^2)/2)", xlim=[-3, 3], ylim=[-3, 3], grid="200"))

# 5. Clean up.
for name in ["C", "v"]:
    sc.delete_tensor(name=name)

{
    "determinant": r(det),
    "regularised": regularised,
    "inverse": rm(inverse),
    "eigenvalues": [r(e["re"]) for e in eigen["eigenvalues"]],
    "principal_eigenvector": u,
    "singular_values": [r(s) for s in svd["s"]],
    "qr_r_diagonal": [r(qr["r"][i][i]) for i in range(3)],
    "orthonormal_basis": rm(basis),
    "c_in_basis": rm(in_basis),
    "v_on_principal_axis": [r(c) for c in projection],
    "gaussian": {
        "directional_derivative": directional,
        "gradient": grad,
        "divergence": div["divergence_sym"],
        "divergence_at_origin": r(div["divergence_val"]),
        "curl": curl["curl_sym"],
        "curl_at_1_1_1": curl["curl_val"],
    },
    "plots": {"vector_field": field_plot, "function": function_plot},
    "deleted": ["C", "v"],
}
