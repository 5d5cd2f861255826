# unit_converter_math_mcp_001 (Unit Converter + Math MCP): hot-water heating for 150, 200 and
# 250 gpm from 50 degF to 120 degF. One convert_batch converts the two temperatures, the
# three per-minute volumes (gallon (US) -> m^3) and the density (1 g/cm^3 -> kg/m^3). Math
# MCP: dT = outlet - inlet; per flow m^3/s = m^3/min / 60, kg/s = m^3/s x density, Q (kW) =
# kg/s x Cp 4.186 x dT; convert_power kW -> horsepower; mean, median, max horsepower; more
# than 2 hp means two pumps in parallel. Daily kWh = Q x 24, monthly kWh = daily x 30, cost
# = monthly x $0.10; mean monthly cost; the 200 gpm monthly kWh also converted to Btu.
# All figures are the task's own; `input` may replace them.

flows_gpm = input.get("flows_gpm", [150, 200, 250])
inlet_f = input.get("inlet_f", 50)
outlet_f = input.get("outlet_f", 120)
density_g_per_cm3 = input.get("density_g_per_cm3", 1)
cp_kj_per_kg_k = input.get("cp_kj_per_kg_k", 4.186)
hp_limit = input.get("two_pump_above_hp", 2)
days_per_month = input.get("days_per_month", 30)
price_per_kwh = input.get("price_per_kwh", 0.10)
check_flow = input.get("cross_check_gpm", 200)
uc = tools.unit_converter
m = tools.math_mcp

# 1. One batch.
requests = [
    {"value": inlet_f, "from_unit": "fahrenheit", "to_unit": "celsius", "conversion_type": "temperature", "request_id": "inlet"},
    {"value": outlet_f, "from_unit": "fahrenheit", "to_unit": "celsius", "conversion_type": "temperature", "request_id": "outlet"},
]
for gpm in flows_gpm:
    requests.append({"value": gpm, "from_unit": "gallon (US)", "to_unit": "cubic meter", "conversion_type": "volume", "request_id": "flow_" + str(gpm)})
requests.append({"value": density_g_per_cm3, "from_unit": "grams per cubic centimeter", "to_unit": "kilograms per cubic meter", "conversion_type": "density", "request_id": "density"})
converted = {}
for item in uc.convert_batch(requests=requests)["batch_results"]:
    converted[item["request_id"]] = item["converted_value"]
density = converted["density"]

# 2. Temperature rise.
delta_t = m.subtract(minuend=converted["outlet"], subtrahend=converted["inlet"])

# 3. Per flow.
scenarios = []
horsepower = []
for gpm in flows_gpm:
    per_minute = converted["flow_" + str(gpm)]
    per_second = m.division(numerator=per_minute, denominator=60)
    mass_flow = m.multiply(firstNumber=per_second, SecondNumber=density)
    heat_kw = m.multiply(firstNumber=m.multiply(firstNumber=mass_flow, SecondNumber=cp_kj_per_kg_k), SecondNumber=delta_t)
    hp = uc.convert_power(value=heat_kw, from_unit="kilowatt", to_unit="horsepower")["converted_value"]
    horsepower.append(hp)
    # 6. Energy and cost.
    daily_kwh = m.multiply(firstNumber=heat_kw, SecondNumber=24)
    monthly_kwh = m.multiply(firstNumber=daily_kwh, SecondNumber=days_per_month)
    monthly_cost = m.multiply(firstNumber=monthly_kwh, SecondNumber=price_per_kwh)
    scenarios.append({
        "flow_gpm": gpm,
        "volumetric_flow_m3_per_min": round(per_minute, 6),
        "volumetric_flow_m3_per_s": round(per_second, 8),
        "mass_flow_kg_per_s": round(mass_flow, 4),
        "heat_duty_kw": round(heat_kw, 4),
        "horsepower": round(hp, 4),
        "daily_kwh": round(daily_kwh, 4),
        "monthly_kwh": round(monthly_kwh, 4),
        "monthly_cost_usd": round(monthly_cost, 2),
        "exact_monthly_kwh": monthly_kwh,
        "exact_monthly_cost": monthly_cost,
    })

# 4./5. Horsepower statistics and the pump decision.
hp_mean = m.mean(numbers=horsepower)
hp_median = m.median(numbers=horsepower)
hp_max = m.max(numbers=horsepower)
pumps = 2 if hp_max > hp_limit else 1

# 7. Mean monthly cost; 8. cross-check in Btu.
average_cost = m.mean(numbers=[s["exact_monthly_cost"] for s in scenarios])
check = [s for s in scenarios if s["flow_gpm"] == check_flow]
check_btu = None
if check:
    check_btu = uc.convert_energy(value=check[0]["exact_monthly_kwh"], from_unit="kilowatt hour", to_unit="Btu")["converted_value"]
for s in scenarios:
    s.pop("exact_monthly_kwh")
    s.pop("exact_monthly_cost")

{
    "inlet_c": round(converted["inlet"], 4),
    "outlet_c": round(converted["outlet"], 4),
    "delta_t_c": round(delta_t, 4),
    "density_kg_per_m3": density,
    "scenarios": scenarios,
    "horsepower_mean": round(hp_mean, 4),
    "horsepower_median": round(hp_median, 4),
    "horsepower_max": round(hp_max, 4),
    "pump_count": pumps,
    "recommendation": f"{pumps} identical pumps in parallel (max {round(hp_max, 1)} hp > {hp_limit} hp)" if pumps == 2 else f"one pump suffices (max {round(hp_max, 1)} hp <= {hp_limit} hp)",
    "average_monthly_cost_usd": round(average_cost, 2),
    "cross_check_" + str(check_flow) + "_gpm_monthly_btu": round(check_btu, 1) if check_btu is not None else None,
}
