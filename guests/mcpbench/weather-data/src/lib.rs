//! The `weather-data` tool (MCP-Bench's Weather Data server): current weather, daily
//! forecasts and place search from WeatherAPI.com, whose base URL and key the manifest
//! grants (`WEATHERAPI_URL`, `WEATHERAPI_KEY`, optional `WEATHERAPI_LANG`).

mod api;

use exports::mcpbench::weather_data::weather_data::{
    CurrentWeather, Forecast, ForecastDay, Guest, LiveTemp, Location, Locations,
};

wit_bindgen::generate!({ path: "../../../wit/mcpbench/weather-data", world: "weather-data-tool" });

/// The WIT this tool exports, doc comments included, carried in the component (custom
/// section `cemcp:wit`) so that cemcp can show the docs to agents.
#[used]
#[unsafe(link_section = "cemcp:wit")]
static WIT: [u8; include_bytes!("../../../../wit/mcpbench/weather-data/weather-data.wit").len()] =
    *include_bytes!("../../../../wit/mcpbench/weather-data/weather-data.wit");

/// The most forecast days the tool asks for.
const MAX_DAYS: i64 = 10;

struct WeatherData;

impl Guest for WeatherData {
    fn get_current_weather_tool(city: String) -> Result<CurrentWeather, String> {
        let answer = api::current(&city)?;
        let (place, now) = (answer.location, answer.current);
        Ok(CurrentWeather {
            city: place.name,
            country: place.country,
            region: place.region,
            weather: now.condition.text,
            temperature_c: now.temp_c,
            temperature_f: now.temp_f,
            feelslike_c: now.feelslike_c,
            feelslike_f: now.feelslike_f,
            humidity: whole(now.humidity),
            wind_kph: now.wind_kph,
            wind_mph: now.wind_mph,
            wind_dir: now.wind_dir,
            pressure_mb: now.pressure_mb,
            visibility_km: now.vis_km,
            uv_index: now.uv,
            icon: now.condition.icon,
            last_updated: now.last_updated,
        })
    }

    fn get_weather_forecast_tool(city: String, days: i64) -> Result<Forecast, String> {
        if !(1..=MAX_DAYS).contains(&days) {
            return Err(format!("days must be between 1 and {MAX_DAYS} (got {days})"));
        }
        let answer = api::forecast(&city, days)?;
        let forecast = answer
            .forecast
            .forecastday
            .into_iter()
            .map(|entry| {
                let day = entry.day;
                ForecastDay {
                    date: entry.date,
                    max_temp_c: day.maxtemp_c,
                    min_temp_c: day.mintemp_c,
                    max_temp_f: day.maxtemp_f,
                    min_temp_f: day.mintemp_f,
                    condition: day.condition.text,
                    icon: day.condition.icon,
                    chance_of_rain: whole(day.daily_chance_of_rain),
                    chance_of_snow: whole(day.daily_chance_of_snow),
                    max_wind_kph: day.maxwind_kph,
                    avg_humidity: whole(day.avghumidity),
                    uv_index: day.uv,
                }
            })
            .collect();
        let place = answer.location;
        Ok(Forecast { city: place.name, country: place.country, region: place.region, forecast })
    }

    fn search_locations_tool(query: String) -> Result<Locations, String> {
        let hits = api::search(&query)?;
        let locations = hits
            .into_iter()
            .map(|hit| Location {
                id: whole(hit.id),
                name: hit.name,
                region: hit.region,
                country: hit.country,
                lat: hit.lat,
                lon: hit.lon,
                url: hit.url,
            })
            .collect();
        Ok(Locations { locations })
    }

    fn get_live_temp(city: String) -> Result<LiveTemp, String> {
        let answer = api::current(&city)?;
        let now = answer.current;
        Ok(LiveTemp {
            city: answer.location.name,
            temperature_c: now.temp_c,
            temperature_f: now.temp_f,
            last_updated: now.last_updated,
        })
    }
}

/// A count or percentage WeatherAPI sends as a JSON number, as an integer.
fn whole(value: f64) -> i64 {
    if value.is_finite() { value.round() as i64 } else { 0 }
}

export!(WeatherData);
