# weather_data_000 (Weather Data): the best Springfield and day in the next 7 days for a large
# outdoor event.
#
# Chain: search_locations_tool("Springfield") -> per place get_current_weather_tool and
# get_live_temp (cross-check: |detailed - legacy| > 2 °C marks an anomaly, excluded) ->
# get_weather_forecast_tool(days=7) for the others -> selection.
#
# Rules (where the task leaves room):
# - Each place is named to the tools as "name, region, country", so that every Springfield
#   resolves to itself (a bare "Springfield" is WeatherAPI's first match only).
# - A day's temperature is the mean of its high and low ((max + min) / 2; the forecast has no
#   average); its precipitation probability is max(chance_of_rain, chance_of_snow).
# - Pairs (place, day) with precipitation probability <= 30 % compete on that day's mean
#   temperature; if there are none, the lowest probability wins. Ties go to the earlier date,
#   then to the place listed first by the search.
# - The forecast days are each place's own local days from today (places east of UTC are
#   already on 2026-11-24 at the frozen 15:30 UTC).
#
# Expected output (offline data, Time MCP frozen at 2026-11-23T15:30:00Z): eight Springfields
# (Missouri, Massachusetts, Illinois, Ohio, Oregon, Queensland, Canterbury, Manitoba), legacy
# and detailed readings agree everywhere (no anomalies); the warmest day with <= 30 % is
# Springfield, Queensland on 2026-11-27 (32.4/21.0 °C, mean 26.7, 20 %, humidity 55); its
# hotter 2026-11-25 (mean 28.2) and 2026-11-30 (27.6) are excluded at 75 % and 45 %.

query = input.get("query", "Springfield")
days = input.get("days", 7)
max_precip = input.get("max_precipitation", 30)
max_gap = input.get("max_temperature_gap", 2.0)
w = tools.weather_data

today = tools.time_mcp.get_current_time(timezone="UTC")["datetime"][0:10]

places = w.search_locations_tool(query=query)["locations"]

anomalies = []
unavailable = []
valid = []
for p in places:
    city = p["name"] + ", " + p["region"] + ", " + p["country"]
    try:
        detailed = w.get_current_weather_tool(city=city)["temperature_c"]
        live = w.get_live_temp(city=city)["temperature_c"]
    except Exception as e:
        unavailable.append({"city": p["name"], "region": p["region"], "country": p["country"], "error": str(e)})
        continue
    gap = round(abs(detailed - live), 1)
    if gap > max_gap:
        anomalies.append({"city": p["name"], "region": p["region"], "country": p["country"],
                          "temp_detailed": detailed, "temp_live": live, "difference": gap})
    else:
        valid.append({"place": p, "city": city})

pairs = []
summaries = []
for order, v in enumerate(valid):
    p = v["place"]
    forecast = w.get_weather_forecast_tool(city=v["city"], days=days)["forecast"]
    means = []
    worst = 0
    for d in forecast:
        mean = (d["max_temp_c"] + d["min_temp_c"]) / 2
        precip = max(d["chance_of_rain"], d["chance_of_snow"])
        means.append(mean)
        worst = max(worst, precip)
        pairs.append({"order": order, "place": p, "day": d, "mean": mean, "precip": precip})
    summaries.append({
        "city": p["name"], "region": p["region"], "country": p["country"],
        "average_daily_temperature": round(sum(means) / len(means), 1) if means else None,
        "max_precipitation_probability": worst,
    })

dry = [q for q in pairs if q["precip"] <= max_precip]
best = None
if dry:
    rule = "highest mean temperature among days with precipitation probability <= " + str(max_precip) + "%"
    for q in dry:
        if best is None or q["mean"] > best["mean"] or (q["mean"] == best["mean"] and
                (q["day"]["date"], q["order"]) < (best["day"]["date"], best["order"])):
            best = q
else:
    rule = "no day <= " + str(max_precip) + "%: lowest precipitation probability"
    for q in pairs:
        if best is None or q["precip"] < best["precip"] or (q["precip"] == best["precip"] and
                (q["day"]["date"], q["order"]) < (best["day"]["date"], best["order"])):
            best = q

result = {"today": today, "locations_found": len(places), "anomalies": anomalies,
          "location_summaries": summaries, "selection_rule": rule}
if unavailable:
    result["unavailable"] = unavailable
if best is None:
    result["chosen_location"] = None
else:
    d = best["day"]
    result["chosen_location"] = {"city": best["place"]["name"], "region": best["place"]["region"],
                                 "country": best["place"]["country"]}
    result["chosen_date"] = d["date"]
    result["forecast_summary"] = {"temperature_high": d["max_temp_c"], "temperature_low": d["min_temp_c"],
                                  "average_temperature": round(best["mean"], 1),
                                  "precipitation_probability": best["precip"], "humidity": d["avg_humidity"],
                                  "condition": d["condition"]}
result
