# scientific_computing_unit_converter_001 (Scientific Computing + Unit Converter): a rocket-
# nozzle transform. Chamber temperature 518 degF -> K, throat diameter 16 in -> m, nozzle
# half-angle 45 deg -> rad, stored energy 5000 Btu -> kJ (Unit Converter). M1 is the rotation
# by the angle about z, M2 = diag(T, d, E); M = M1 . M2 is stored and, if det(M) != 1, scaled
# by det^(-1/3) so that det = 1. Then the full decomposition suite on M (inverse, eigen, SVD,
# orthonormal basis, M in the basis of M1's columns, rank), vector operations on v1 and v2,
# symbolic calculus on a scalar field f and a vector field F (gradient, directional
# derivative, curl, divergence at (1, 2, 3), Laplacian), and a plot of F on an 8x8x8 grid.
# cos and sin are not among the tools, so the script sums their Taylor series.
# The quantities, vectors and fields are the task's own; `input` may replace them.

temperature_f = input.get("chamber_temperature_f", 518)
diameter_in = input.get("throat_diameter_in", 16)
angle_deg = input.get("half_angle_deg", 45)
energy_btu = input.get("energy_btu", 5000)
v1 = input.get("v1", [2, -1, 3])
v2 = input.get("v2", [1, 4, -2])
scalar_field = input.get("scalar_field", "x^2*y + y*z^3 - 3*x*z")
vector_field = input.get("vector_field", "[y*z^2, x*z, x^2*y]")
direction = input.get("direction", [2, 1, 2])
sc = tools.scientific_computing
uc = tools.unit_converter


def r(x):
    return round(x, 6) + 0.0


def rm(rows):
    return [[r(v) for v in row] for row in rows]


def flat(rows):
    return [v for row in rows for v in row]


def cos_sin(t):
    c = 0.0
    s = 0.0
    term = 1.0
    for k in range(0, 40):
        if k % 4 == 0:
            c = c + term
        elif k % 4 == 1:
            s = s + term
        elif k % 4 == 2:
            c = c - term
        else:
            s = s - term
        term = term * t / (k + 1)
    return [c, s]


# 1. Units.
t_k = uc.convert_temperature(value=temperature_f, from_unit="fahrenheit", to_unit="kelvin")["converted_value"]
d_m = uc.convert_length(value=diameter_in, from_unit="inch", to_unit="meter")["converted_value"]
angle = uc.convert_angle(value=angle_deg, from_unit="degrees", to_unit="radians")["converted_value"]
e_kj = uc.convert_energy(value=energy_btu, from_unit="Btu", to_unit="kilojoule")["converted_value"]

# 2. M = M1 . M2, scaled to det 1.
cs = cos_sin(angle)
m1 = [cs[0], -cs[1], 0, cs[1], cs[0], 0, 0, 0, 1]
sc.create_tensor(shape=[3, 3], values=m1, name="M1")
sc.create_tensor(shape=[3, 3], values=[t_k, 0, 0, 0, d_m, 0, 0, 0, e_kj], name="M2")
product = sc.multiply_matrices(name_a="M1", name_b="M2")["rows"]
sc.create_tensor(shape=[3, 3], values=flat(product), name="M")
det_before = sc.determinant(name="M")
alpha = 1
if abs(det_before - 1) > 1e-9:
    alpha = det_before ** (-1 / 3)
    sc.scale_matrix(name="M", scale_factor=alpha, in_place=True)
det_after = sc.determinant(name="M")

# 3. Decompositions.
inverse = sc.matrix_inverse(name="M")
eigen = sc.compute_eigen(name="M")
svd = sc.svd_decompose(name="M")
basis = sc.find_orthonormal_basis(name="M")
in_m1_basis = sc.change_basis(name="M", new_basis=[m1[0:3], m1[3:6], m1[6:9]])
rank = sc.rank(name="M")

# 4. Vectors.
sc.create_tensor(shape=[3], values=v1, name="v1")
sc.create_tensor(shape=[3], values=v2, name="v2")
vectors = {
    "dot": r(sc.vector_dot_product(name_a="v1", name_b="v2")),
    "cross": [r(c) for c in sc.vector_cross_product(name_a="v1", name_b="v2")],
    "projection_v1_on_v2": [r(c) for c in sc.vector_project(name="v1", new_vector=v2)],
}

# 5. Calculus.
curl = sc.curl(f_str=vector_field, point=None)
div = sc.divergence(f_str=vector_field, point=[1, 2, 3])
calculus = {
    "gradient": sc.gradient(f_str=scalar_field),
    "directional_derivative": sc.directional_deriv(f_str=scalar_field, u=direction, unit=True),
    "curl": curl["curl_sym"],
    "divergence": div["divergence_sym"],
    "divergence_at_1_2_3": div["divergence_val"],
    "laplacian": sc.laplacian(f_str=scalar_field, is_vector=False),
}

# 6. The vector field's plot: its text summary's first line.
blocks = sc.plot_vector_field(f_str=vector_field, bounds="[-1, 1, -1, 1, -1, 1]", n=8)
plot_summary = [b["text"] for b in blocks if b["type"] == "text"][0].split("\n")[0]

{
    "converted": {
        "temperature_k": r(t_k),
        "throat_diameter_m": r(d_m),
        "half_angle_rad": r(angle),
        "energy_kj": r(e_kj),
    },
    "determinant_before": round(det_before, 3),
    "scale_factor": r(alpha),
    "determinant_after": r(det_after),
    "m": rm(sc.view_tensor(name="M")["rows"]),
    "inverse": rm(inverse),
    "eigenvalues": [{"re": r(e["re"]), "im": r(e["im"])} for e in eigen["eigenvalues"]],
    "singular_values": [r(s) for s in svd["s"]],
    "orthonormal_basis": rm(basis),
    "m_in_m1_basis": rm(in_m1_basis),
    "rank": rank,
    "vectors": vectors,
    "calculus": calculus,
    "plot": {"types": [b["type"] for b in blocks], "summary": plot_summary},
}
