# scientific_computing_unit_converter_000 (Scientific Computing + Unit Converter): a planar
# two-joint robot arm. Joint angles (degrees) become radians and link lengths (inches) metres
# (Unit Converter); the joint rotations R1, R2 about z are stored and multiplied (R12), and
# the homogeneous transform T12 of the end effector is stored. R12 is checked for
# orthonormality (R12^T R12 - I, via transpose, multiply_matrices and subtract_matrices
# against a stored identity) and its determinant; if either is off by more than 1e-6, R12 is
# replaced by the Q of its QR decomposition. The frame's orthonormal basis follows. A force
# F at the end effector is projected on the lever arm G (the end-effector position), and
# F.G and the torque G x F are computed; finally the directional derivative of the potential
# energy U (gravity on the payload plus a spring) along F.
# cos and sin are not among the tools, so the script sums their Taylor series.
# The arm, the force and U are the task's own; `input` may replace them.

angles_deg = input.get("joint_angles_deg", [30, 45])
lengths_in = input.get("link_lengths_in", [24, 18])
force = input.get("force_n", [30, 0, -40])
potential = input.get("potential_energy", "24.525*z + 60*(x^2 + y^2)")
sc = tools.scientific_computing
uc = tools.unit_converter


def r(x):
    return round(x, 6) + 0.0


def rm(rows):
    return [[r(v) for v in row] for row in rows]


def flat(rows):
    return [v for row in rows for v in row]


def cos_sin(t):
    # Taylor series (|t| <= 2 pi here), to full double precision.
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


def rotation_z(t):
    cs = cos_sin(t)
    return [cs[0], -cs[1], 0, cs[1], cs[0], 0, 0, 0, 1]


# 1. Units.
theta = [uc.convert_angle(value=a, from_unit="degrees", to_unit="radians")["converted_value"] for a in angles_deg]
links = [uc.convert_length(value=l, from_unit="inch", to_unit="meter")["converted_value"] for l in lengths_in]

# 2. Rotations and their product.
sc.create_tensor(shape=[3, 3], values=rotation_z(theta[0]), name="R1")
sc.create_tensor(shape=[3, 3], values=rotation_z(theta[1]), name="R2")
r12 = sc.multiply_matrices(name_a="R1", name_b="R2")["rows"]
sc.create_tensor(shape=[3, 3], values=flat(r12), name="R12")

# 3. The end effector: p = R1 (L1, 0, 0) + R12 (L2, 0, 0); T12 = [[R12, p], [0, 0, 0, 1]].
r1 = sc.view_tensor(name="R1")["rows"]
p = [links[0] * r1[i][0] + links[1] * r12[i][0] for i in range(3)]
t12 = [r12[i] + [p[i]] for i in range(3)] + [[0, 0, 0, 1]]
sc.create_tensor(shape=[4, 4], values=flat(t12), name="T12")

# 4. Orthonormality and determinant; QR correction if needed.
sc.create_tensor(shape=[3, 3], values=flat(sc.transpose(name="R12")["rows"]), name="R12_T")
sc.create_tensor(shape=[3, 3], values=flat(sc.multiply_matrices(name_a="R12_T", name_b="R12")["rows"]), name="RtR")
sc.create_tensor(shape=[3, 3], values=[1, 0, 0, 0, 1, 0, 0, 0, 1], name="I")
deviation = sc.subtract_matrices(name_a="RtR", name_b="I")["rows"]
orthonormality_error = max([abs(v) for v in flat(deviation)])
det = sc.determinant(name="R12")
corrected = False
if orthonormality_error > 1e-6 or abs(det - 1) > 1e-6:
    q = sc.qr_decompose(name="R12")["q"]
    sc.create_tensor(shape=[3, 3], values=flat(q), name="R12")
    det = sc.determinant(name="R12")
    corrected = True
basis = sc.find_orthonormal_basis(name="R12")

# 5. Force on the lever arm.
sc.create_tensor(shape=[3], values=force, name="F")
sc.create_tensor(shape=[3], values=p, name="G")
projection = sc.vector_project(name="F", new_vector=p)
work_like = sc.vector_dot_product(name_a="F", name_b="G")
torque = sc.vector_cross_product(name_a="G", name_b="F")

# 6. Potential energy along the force direction.
du = sc.directional_deriv(f_str=potential, u=force, unit=True)

{
    "joint_angles_rad": [r(t) for t in theta],
    "link_lengths_m": [r(l) for l in links],
    "r12": rm(r12),
    "t12": rm(t12),
    "end_effector_m": [r(c) for c in p],
    "orthonormal": orthonormality_error < 1e-9,
    "determinant": r(det),
    "qr_corrected": corrected,
    "frame_basis": rm(basis),
    "force_on_lever_arm": [r(c) for c in projection],
    "force_dot_lever_arm": r(work_like),
    "torque_nm": [r(c) for c in torque],
    "potential_directional_derivative": du,
}
