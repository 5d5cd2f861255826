// weather_data_001 (Weather Data), in JavaScript: the same task, rules and expected output
// as weather_data_001.py (see there): the first US Springfield (WeatherAPI has no population
// data), current vs legacy temperature, a 3-day forecast widened to 7 days when more than one
// day has > 50 % rain, and up to three days with a mean of 20-25 °C and < 30 % rain.

const query = input.query ?? "Springfield";
const maxGap = input.max_temperature_gap ?? 2.0;
const w = tools.weather_data;

function dayNumber(iso) {
  let y = Number(iso.slice(0, 4));
  const m = Number(iso.slice(5, 7));
  const d = Number(iso.slice(8, 10));
  if (m <= 2) y -= 1;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = m > 2 ? m - 3 : m + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
}

// Python's round(x, 1) for the values here (no ties at the second decimal).
const round1 = (x) => Math.round(x * 10) / 10;

const today = tools.time_mcp.get_current_time({ timezone: "UTC" }).datetime.slice(0, 10);
const places = w.search_locations_tool({ query }).locations;
const us = places.filter((p) => ["United States of America", "USA", "United States"].includes(p.country));
if (us.length === 0) {
  return { error: `no United States location named ${query}`, locations_found: places.length };
}
const chosen = us[0];
const city = `${chosen.name}, ${chosen.region}, ${chosen.country}`;
const current = w.get_current_weather_tool({ city });
const legacy = w.get_live_temp({ city }).temperature_c;
const discrepancy = Math.abs(current.temperature_c - legacy) > maxGap;

let forecast = w.get_weather_forecast_tool({ city, days: 3 }).forecast;
const rainy = forecast.filter((d) => d.chance_of_rain > 50).length;
const extended = rainy > 1;
if (extended) forecast = w.get_weather_forecast_tool({ city, days: 7 }).forecast;

const details = [];
const recommended = [];
for (const d of forecast) {
  const mean = round1((d.max_temp_c + d.min_temp_c) / 2);
  const label = `Day ${dayNumber(d.date) - dayNumber(today)}`;
  details.push({
    day: label, date: d.date, max_temp_c: d.max_temp_c, min_temp_c: d.min_temp_c, avg_temp_c: mean,
    condition: d.condition, chance_of_rain: d.chance_of_rain, chance_of_snow: d.chance_of_snow,
    avg_humidity: d.avg_humidity, max_wind_kph: d.max_wind_kph,
  });
  if (mean >= 20 && mean <= 25 && d.chance_of_rain < 30 && recommended.length < 3) {
    recommended.push({
      date: label, avg_temp: mean, precipitation_chance: d.chance_of_rain,
      summary: `${d.condition}, ${d.min_temp_c.toFixed(1)}-${d.max_temp_c.toFixed(1)} °C`,
    });
  }
}

return {
  today,
  selected_city: chosen.name,
  selected_location: { region: chosen.region, country: chosen.country, id: chosen.id },
  population_check: `not available from WeatherAPI; chose the first of ${us.length} US matches in search order`,
  current_weather: {
    temperature: current.temperature_c, conditions: current.weather, humidity: current.humidity,
    wind: `${current.wind_kph} km/h ${current.wind_dir}`,
  },
  legacy_temperature: legacy,
  temperature_discrepancy: discrepancy,
  rainy_days_in_3_day_forecast: rainy,
  extended_forecast_used: extended,
  forecast_days: forecast.length,
  forecast_details: details,
  recommended_days: recommended,
};
