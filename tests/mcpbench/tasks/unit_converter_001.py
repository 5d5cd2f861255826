# unit_converter_001 (Unit Converter): high-altitude drone test flight in SI units.
# Angle target unit: "grads" if list_supported_units("angle") lists it, else "gons".
# Average power = battery energy / flight duration (convert_energy, convert_time), in kW,
# then kW -> horsepower. Temperatures, pressure, storage, energy and power go in one
# convert_batch; a failed batch item falls back to its convert_* tool. Fuel mass = volume
# (m^3) x density (kg/m^3); above 100 kg it is reported in tonnes, else in pounds.
# The measurements are the task's own; `input` may replace any of them.

flight = input.get("flight_duration", {"value": 2.5, "unit": "hours"})  # 2 h 30 min
battery_kwh = input.get("battery_kwh", 5.0)
fuel_gallons = input.get("fuel_gallons_us", 200.0)
fuel_density_g_per_l = input.get("fuel_density_g_per_l", 810.0)
mass_threshold_kg = input.get("mass_threshold_kg", 100.0)
BATCHED = [
    # name, value, from_unit, to_unit, conversion_type
    ["engine_inlet_temperature", 500.0, "fahrenheit", "kelvin", "temperature"],
    ["engine_outlet_temperature", 300.0, "fahrenheit", "kelvin", "temperature"],
    ["cargo_bay_pressure", 50.0, "psi", "pascal", "pressure"],
    ["log_storage", 2.0, "gigabytes", "bytes", "computer_data"],
    ["downlink_buffer", 10.0, "megabytes", "bytes", "computer_data"],
    ["battery_capacity", battery_kwh, "kilowatt hour", "joule", "energy"],
]
SINGLE = [
    ["cruise_speed", 60.0, "knots", "meters per second", "speed"],
    ["cruise_altitude", 10000.0, "foot", "meter", "length"],
    ["wing_span", 15.0, "foot", "meter", "length"],
    ["wing_area", 1200.0, "square inch", "square meter", "area"],
    ["takeoff_thrust", 3000.0, "pounds force", "newtons", "force"],
]
batched = input.get("batched", BATCHED)
single = input.get("single", SINGLE)
uc = tools.unit_converter


def sig(x):
    """`x` to 10 significant digits (enough for a report, and stable in the last bits)."""
    digits = len(str(int(abs(x))))
    return round(x, max(0, 10 - digits))


def entry(name, result, method):
    return {
        "name": name,
        "original_value": result["original_value"],
        "original_unit": result["original_unit"],
        "converted_value": sig(result["converted_value"]),
        "converted_unit": result["converted_unit"],
        "method": method,
    }


def one(kind, value, from_unit, to_unit):
    return getattr(uc, "convert_" + kind)(value=value, from_unit=from_unit, to_unit=to_unit)


conversions = []

# 1. The angle unit.
angle_units = uc.list_supported_units(unit_type="angle")["angle"]
angle_unit = "grads" if "grads" in angle_units else "gons"
conversions.append(entry("propeller_pitch", uc.convert_angle(value=15.0, from_unit="degrees", to_unit=angle_unit), "single"))

# Power chain: energy and duration, average power in kW, then to horsepower (in the batch).
energy_j = uc.convert_energy(value=battery_kwh, from_unit="kilowatt hour", to_unit="joule")["converted_value"]
duration = uc.convert_time(value=flight["value"], from_unit=flight["unit"], to_unit="seconds")
conversions.append(entry("flight_duration", duration, "single"))
average_kw = energy_j / duration["converted_value"] / 1000.0

# 2./3. The batch, with a fallback per failed item.
requests = []
for b in batched + [["average_power_draw", average_kw, "kilowatt", "horsepower", "power"]]:
    requests.append({"value": b[1], "from_unit": b[2], "to_unit": b[3], "conversion_type": b[4], "request_id": b[0]})
batch = uc.convert_batch(requests=requests)
fallbacks = []
for r, item in zip(requests, batch["batch_results"]):
    if item["success"]:
        conversions.append(entry(r["request_id"], item, "batch"))
    else:
        fallbacks.append(r["request_id"])
        conversions.append(entry(r["request_id"], one(r["conversion_type"], r["value"], r["from_unit"], r["to_unit"]), "fallback"))

for s in single:
    conversions.append(entry(s[0], one(s[4], s[1], s[2], s[3]), "single"))

# 4. Fuel mass and its branch.
volume = uc.convert_volume(value=fuel_gallons, from_unit="gallon (US)", to_unit="cubic meter")
density = uc.convert_density(value=fuel_density_g_per_l, from_unit="grams per liter", to_unit="kilograms per cubic meter")
conversions.append(entry("fuel_tank_volume", volume, "single"))
conversions.append(entry("fuel_density", density, "single"))
fuel_kg = volume["converted_value"] * density["converted_value"]
if fuel_kg > mass_threshold_kg:
    mass = uc.convert_mass(value=fuel_kg, from_unit="kilogram", to_unit="tonne")
    branch = f"fuel mass {round(fuel_kg, 2)} kg > {mass_threshold_kg} kg: reported in tonnes"
else:
    mass = uc.convert_mass(value=fuel_kg, from_unit="kilogram", to_unit="pound")
    branch = f"fuel mass {round(fuel_kg, 2)} kg <= {mass_threshold_kg} kg: reported in pounds"

power_hp = [c for c in conversions if c["name"] == "average_power_draw"][0]["converted_value"]
{
    "angle_unit": angle_unit,
    "conversions": conversions,
    "batch_fallbacks": fallbacks,
    "average_power": {"value": sig(average_kw), "unit": "kilowatt", "horsepower": power_hp},
    "starting_fuel_mass": {
        "value": sig(fuel_kg),
        "unit": "kilogram",
        "converted_value": sig(mass["converted_value"]),
        "converted_unit": mass["converted_unit"],
    },
    "fuel_mass_branch": branch,
}
