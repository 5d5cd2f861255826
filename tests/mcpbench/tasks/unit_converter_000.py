# unit_converter_000 (Unit Converter): Reactor X start-up readiness check.
# 14 sensor readings in US/imperial units are converted in one convert_batch call to the
# units of their SI thresholds; a reading passes when converted >= threshold. Every FAIL is
# converted again with its category's own convert_* tool (same arguments) to cross-validate.
# The readings and thresholds are the task's own; `input` may replace them.
# Tool chain: list_supported_units(null) -> convert_batch(14) -> convert_<category> per FAIL.

SENSORS = [
    # name, value, from_unit, threshold, to_unit, conversion_type
    ["inlet_temperature", 350.0, "fahrenheit", 150.0, "celsius", "temperature"],
    ["inlet_pressure", 50.0, "psi", 350.0, "kilopascal", "pressure"],
    ["reactor_length", 10.0, "foot", 5.0, "meter", "length"],
    ["catalyst_weight", 500.0, "pound", 200.0, "kilogram", "mass"],
    ["tank_volume", 2000.0, "gallon (imperial)", 8.0, "cubic meter", "volume"],
    ["data_buffer", 2.0, "gigabytes", 1500.0, "megabytes", "computer_data"],
    ["heat_exchanger_area", 1000.0, "square foot", 90.0, "square meter", "area"],
    ["motor_power", 50.0, "horsepower", 40.0, "kilowatt", "power"],
    ["reaction_time", 2.0, "hours", 6000.0, "seconds", "time"],
    ["valve_angle", 0.25, "turns", 45.0, "degrees", "angle"],
    ["conveyor_speed", 2.0, "meters per second", 4000.0, "feet per minute", "speed"],
    ["valve_force", 500.0, "pounds force", 2000.0, "newtons", "force"],
    ["fluid_density", 128.0, "pounds per cubic foot", 2000.0, "kilograms per cubic meter", "density"],
    ["fuel_energy", 10000.0, "Btu", 12000.0, "kilojoule", "energy"],
]

sensors = input.get("sensors", SENSORS)
uc = tools.unit_converter

# 1. Every unit must be supported by its category.
supported = uc.list_supported_units(unit_type=None)
unsupported = []
for s in sensors:
    units = supported.get(s[5]) or []
    for unit in [s[2], s[4]]:
        if unit not in units:
            unsupported.append(s[0] + ": " + unit)

# 2. One batch, one request per sensor, the sensor name as request_id.
requests = []
for s in sensors:
    requests.append({"value": s[1], "from_unit": s[2], "to_unit": s[4], "conversion_type": s[5], "request_id": s[0]})
batch = uc.convert_batch(requests=requests)
by_id = {}
for item in batch["batch_results"]:
    by_id[item["request_id"]] = item

# 3./4. PASS/FAIL, and a second conversion with the category's own tool for each FAIL.
report = []
for s in sensors:
    item = by_id[s[0]]
    entry = {
        "sensor_name": s[0],
        "original_reading": {"value": s[1], "unit": s[2]},
        "threshold_value": {"value": s[3], "unit": s[4]},
    }
    if not item["success"]:
        entry["converted_value"] = None
        entry["status"] = "ERROR"
        entry["error"] = item["error"]
        entry["cross_validation"] = None
        report.append(entry)
        continue
    value = item["converted_value"]
    entry["converted_value"] = {"value": round(value, 4), "unit": s[4]}
    if value >= s[3]:
        entry["status"] = "PASS"
        entry["cross_validation"] = None
    else:
        entry["status"] = "FAIL"
        single = getattr(uc, "convert_" + s[5])(value=s[1], from_unit=s[2], to_unit=s[4])
        again = single["converted_value"]
        entry["cross_validation"] = {
            "tool": "convert_" + s[5],
            "batch_value": round(value, 4),
            "individual_value": round(again, 4),
            "consistent": abs(again - value) <= 1e-9 * max(1.0, abs(value)),
        }
    report.append(entry)

passed = [e["sensor_name"] for e in report if e["status"] == "PASS"]
failed = [e["sensor_name"] for e in report if e["status"] == "FAIL"]
{
    "units_supported": len(unsupported) == 0,
    "unsupported_units": unsupported,
    "batch_summary": batch["summary"],
    "sensors": report,
    "passed": len(passed),
    "failed": failed,
    "ready_for_startup": len(failed) == 0 and len(unsupported) == 0,
}
