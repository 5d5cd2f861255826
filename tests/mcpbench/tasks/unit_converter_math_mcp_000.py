# unit_converter_math_mcp_000 (Unit Converter + Math MCP): weekly HVAC energy for a 22 degC
# set point. Forecast highs (degF) are batch-converted to degC; dT = |22 - T| (Math subtract,
# then multiply by -1 when negative); Q = (U x A) x dT in W, converted to kW; daily kWh =
# kW x 24; weekly total (sum) and daily average (division by 7); total in MJ and Btu
# (convert_energy); cost = total x $0.12/kWh.
# The forecast and building data are the task's own; `input` may replace them.

forecast_f = input.get("forecast_f", [68, 70, 75, 80, 85, 75, 65])
set_point_c = input.get("set_point_c", 22)
wall_area_m2 = input.get("wall_area_m2", 500)
u_value = input.get("u_value_w_per_m2k", 0.35)
hours_per_day = input.get("hours_per_day", 24)
price_per_kwh = input.get("price_per_kwh", 0.12)
uc = tools.unit_converter
m = tools.math_mcp

# 1. The unit names exist.
temperature_units = uc.list_supported_units(unit_type="temperature")["temperature"]
energy_units = uc.list_supported_units(unit_type="energy")["energy"]
units_ok = "fahrenheit" in temperature_units and "celsius" in temperature_units
units_ok = units_ok and "kilowatt hour" in energy_units and "megajoule" in energy_units and "Btu" in energy_units

# 2. All seven temperatures in one batch.
requests = []
for i, f in enumerate(forecast_f):
    requests.append({"value": f, "from_unit": "fahrenheit", "to_unit": "celsius", "conversion_type": "temperature", "request_id": "day_" + str(i + 1)})
outside_c = [item["converted_value"] for item in uc.convert_batch(requests=requests)["batch_results"]]

# 3.-6. Per day: |dT|, heat rate, kW, kWh.
ua = m.multiply(firstNumber=u_value, SecondNumber=wall_area_m2)
days = []
daily_kwh = []
for i, t in enumerate(outside_c):
    delta = m.subtract(minuend=set_point_c, subtrahend=t)
    if delta < 0:
        delta = m.multiply(firstNumber=delta, SecondNumber=-1)
    q_w = m.multiply(firstNumber=ua, SecondNumber=delta)
    q_kw = uc.convert_power(value=q_w, from_unit="watt", to_unit="kilowatt")["converted_value"]
    kwh = m.multiply(firstNumber=q_kw, SecondNumber=hours_per_day)
    daily_kwh.append(kwh)
    days.append({
        "day": i + 1,
        "outside_f": forecast_f[i],
        "outside_c": round(t, 4),
        "delta_t_c": round(delta, 4),
        "q_kw": round(q_kw, 4),
        "daily_kwh": round(kwh, 4),
    })

# 7.-9. The week.
total_kwh = m.sum(numbers=daily_kwh)
average_kwh = m.division(numerator=total_kwh, denominator=len(daily_kwh))
total_mj = uc.convert_energy(value=total_kwh, from_unit="kilowatt hour", to_unit="megajoule")["converted_value"]
total_btu = uc.convert_energy(value=total_kwh, from_unit="kilowatt hour", to_unit="Btu")["converted_value"]
cost = m.multiply(firstNumber=total_kwh, SecondNumber=price_per_kwh)

{
    "units_confirmed": units_ok,
    "ua_w_per_k": round(ua, 4),
    "days": days,
    "summary": {
        "total_weekly_kwh": round(total_kwh, 4),
        "average_daily_kwh": round(average_kwh, 4),
        "total_mj": round(total_mj, 4),
        "total_btu": round(total_btu, 2),
        "total_cost_usd": round(cost, 2),
    },
}
