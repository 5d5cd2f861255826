# weather_data_001 (Weather Data): up to three good days for an outdoor promotion in the
# largest US Springfield.
#
# Chain: search_locations_tool("Springfield") -> choose the city -> get_current_weather_tool +
# get_live_temp (discrepancy if they differ by more than 2 °C) -> get_weather_forecast_tool(3)
# -> if more than one of those days has a chance of rain > 50 %, get_weather_forecast_tool(7)
# -> recommend up to three days with a mean temperature of 20-25 °C (inclusive) and a chance
# of rain below 30 %.
#
# Rules (where the task leaves room):
# - WeatherAPI has no population data, so "largest (> 100,000)" cannot be checked with these
#   tools. The rule used: the first United States match in the search's order (the order the
#   service ranks its matches); the output says so (population_check).
# - A day's mean temperature is (max + min) / 2 (the forecast has no average).
# - "Day N" counts from today (Day 0 = today, Day 1 = tomorrow), today from Time MCP (UTC).
#
# Expected output (offline data, Time MCP frozen at 2026-11-23T15:30:00Z): Springfield,
# Missouri (first US match); now 17.2 °C, moderate rain, 88 %, 19.1 km/h S; legacy 17.2 (no
# discrepancy); the 3-day forecast has 78 % and 85 % rain on Day 0 and Day 1, so the 7-day
# forecast is used; Days 3, 4, 5 and 6 qualify (means 20.0, 21.4, 20.6, 20.2 with 10, 25, 15
# and 28 % rain) and the first three are recommended.

query = input.get("query", "Springfield")
max_gap = input.get("max_temperature_gap", 2.0)
w = tools.weather_data

def day_number(iso):
    y = int(iso[0:4])
    m = int(iso[5:7])
    d = int(iso[8:10])
    if m <= 2:
        y = y - 1
    era = y // 400
    yoe = y - era * 400
    mp = m - 3 if m > 2 else m + 9
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe

today = tools.time_mcp.get_current_time(timezone="UTC")["datetime"][0:10]

places = w.search_locations_tool(query=query)["locations"]
us = [p for p in places if p["country"] in ["United States of America", "USA", "United States"]]
if not us:
    result = {"error": "no United States location named " + query, "locations_found": len(places)}
else:
    chosen = us[0]
    city = chosen["name"] + ", " + chosen["region"] + ", " + chosen["country"]
    current = w.get_current_weather_tool(city=city)
    legacy = w.get_live_temp(city=city)["temperature_c"]
    discrepancy = abs(current["temperature_c"] - legacy) > max_gap

    forecast = w.get_weather_forecast_tool(city=city, days=3)["forecast"]
    rainy = len([d for d in forecast if d["chance_of_rain"] > 50])
    extended = rainy > 1
    if extended:
        forecast = w.get_weather_forecast_tool(city=city, days=7)["forecast"]

    details = []
    recommended = []
    for d in forecast:
        mean = round((d["max_temp_c"] + d["min_temp_c"]) / 2, 1)
        label = "Day " + str(day_number(d["date"]) - day_number(today))
        details.append({"day": label, "date": d["date"], "max_temp_c": d["max_temp_c"], "min_temp_c": d["min_temp_c"],
                        "avg_temp_c": mean, "condition": d["condition"], "chance_of_rain": d["chance_of_rain"],
                        "chance_of_snow": d["chance_of_snow"], "avg_humidity": d["avg_humidity"],
                        "max_wind_kph": d["max_wind_kph"]})
        if 20 <= mean and mean <= 25 and d["chance_of_rain"] < 30 and len(recommended) < 3:
            recommended.append({"date": label, "avg_temp": mean, "precipitation_chance": d["chance_of_rain"],
                                "summary": f"{d['condition']}, {d['min_temp_c']:.1f}-{d['max_temp_c']:.1f} °C"})

    result = {
        "today": today,
        "selected_city": chosen["name"],
        "selected_location": {"region": chosen["region"], "country": chosen["country"], "id": chosen["id"]},
        "population_check": "not available from WeatherAPI; chose the first of " + str(len(us)) + " US matches in search order",
        "current_weather": {"temperature": current["temperature_c"], "conditions": current["weather"],
                            "humidity": current["humidity"],
                            "wind": str(current["wind_kph"]) + " km/h " + current["wind_dir"]},
        "legacy_temperature": legacy,
        "temperature_discrepancy": discrepancy,
        "rainy_days_in_3_day_forecast": rainy,
        "extended_forecast_used": extended,
        "forecast_days": len(forecast),
        "forecast_details": details,
        "recommended_days": recommended,
    }
result
