//! The stand-in for WeatherAPI.com (`/v1/current.json`, `/v1/forecast.json`,
//! `/v1/search.json`), serving nine synthetic places (`data/weather/places.json`: eight
//! Springfields on three continents and a Springville) with their current conditions and
//! ten forecast days, as seen at 2026-11-23T15:30Z.
//!
//! As the real service: every request needs `key=` (any non-empty key is accepted here),
//! `q` is a name optionally narrowed by region/country ("Springfield, Illinois",
//! "Springfield, IL, USA"), "lat,lon" or `"id:<id>"`; an ambiguous name resolves to the first
//! match in the search order; errors are `{"error": {"code", "message"}}` with WeatherAPI's
//! codes. `lang=tr` gives Turkish condition texts (this stand-in's own renderings); any
//! other language gives English. Forecast days carry no hourly data or astronomy.

use std::sync::LazyLock;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::dates::{civil_from_days, days_from_civil};
use crate::{Request, Response};

/// The places, as shipped.
static PLACES: LazyLock<Vec<Place>> = LazyLock::new(|| {
    #[derive(Deserialize)]
    struct File {
        places: Vec<Place>,
    }
    serde_json::from_str::<File>(include_str!("../data/weather/places.json")).map(|f| f.places).unwrap_or_default()
});

/// One place of the data set.
#[derive(Debug, Deserialize)]
struct Place {
    id: u64,
    name: String,
    region: String,
    country: String,
    lat: f64,
    lon: f64,
    url: String,
    tz_id: String,
    utc_offset_minutes: i64,
    current: Current,
    first_day: String,
    /// `[maxtemp_c, mintemp_c, condition, chance_of_rain, chance_of_snow, maxwind_kph,
    /// avghumidity, uv, totalprecip_mm]` per day.
    days: Vec<[f64; 9]>,
}

/// A place's current conditions.
#[derive(Debug, Deserialize)]
struct Current {
    last_updated: String,
    temp_c: f64,
    feelslike_c: f64,
    condition: u32,
    humidity: u32,
    wind_kph: f64,
    wind_degree: u32,
    pressure_mb: f64,
    precip_mm: f64,
    cloud: u32,
    vis_km: f64,
    uv: f64,
    gust_kph: f64,
}

/// "Now" for the whole data set: 2026-11-23T15:30:00Z, in seconds since the epoch.
const NOW_EPOCH: i64 = 1_795_447_800;

/// Answers one request.
pub fn handle(request: &Request) -> Response {
    let endpoint = request.path.strip_prefix("/v1").unwrap_or(&request.path);
    if !matches!(endpoint, "/current.json" | "/forecast.json" | "/search.json") {
        return error(400, 1005, "API request url is invalid.");
    }
    if request.param("key").is_none_or(|k| k.trim().is_empty()) {
        return error(401, 1002, "API key is invalid or not provided.");
    }
    let Some(q) = request.param("q").map(str::trim).filter(|q| !q.is_empty()) else {
        return error(400, 1003, "Parameter q is missing.");
    };
    let turkish = request.param("lang") == Some("tr");
    match endpoint {
        "/search.json" => Response::json(&Value::Array(search(q).iter().map(|p| hit(p)).collect())),
        "/current.json" => match resolve(q) {
            Some(place) => Response::json(&json!({ "location": location(place), "current": current(place, turkish) })),
            None => error(400, 1006, "No matching location found."),
        },
        _ => match resolve(q) {
            Some(place) => {
                let days = request.param("days").and_then(|d| d.trim().parse::<usize>().ok()).unwrap_or(1).clamp(1, 14);
                let forecastday: Vec<Value> =
                    place.days.iter().take(days).enumerate().map(|(i, d)| day(place, i, d, turkish)).collect();
                Response::json(&json!({
                    "location": location(place),
                    "current": current(place, turkish),
                    "forecast": { "forecastday": forecastday },
                }))
            }
            None => error(400, 1006, "No matching location found."),
        },
    }
}

fn error(status: u16, code: u32, message: &str) -> Response {
    Response::json_status(status, &json!({ "error": { "code": code, "message": message } }))
}

/// The places `search.json` lists for `q`: names starting with `q` (autocomplete), or,
/// when `q` has commas, the places every part of it matches.
fn search(q: &str) -> Vec<&'static Place> {
    if q.contains(',') {
        return PLACES.iter().filter(|p| matches(p, q)).collect();
    }
    let q = q.to_lowercase();
    PLACES.iter().filter(|p| p.name.to_lowercase().starts_with(&q)).collect()
}

/// The place `q` names for `current.json`/`forecast.json`.
fn resolve(q: &str) -> Option<&'static Place> {
    if let Some(id) = q.strip_prefix("id:") {
        let id: u64 = id.trim().parse().ok()?;
        return PLACES.iter().find(|p| p.id == id);
    }
    if let Some((lat, lon)) = q.split_once(',')
        && let (Ok(lat), Ok(lon)) = (lat.trim().parse::<f64>(), lon.trim().parse::<f64>())
    {
        let distance = |p: &Place| (p.lat - lat).powi(2) + (p.lon - lon).powi(2);
        return PLACES.iter().filter(|p| distance(p) <= 1.0).min_by(|a, b| distance(a).total_cmp(&distance(b)));
    }
    PLACES.iter().find(|p| matches(p, q))
}

/// Whether `q` ("name[, region or country]...") names `place`: the first part is its name,
/// each further part its region, its country, or a usual short form of either.
fn matches(place: &Place, q: &str) -> bool {
    let mut parts = q.split(',').map(|s| s.trim().to_lowercase());
    let Some(name) = parts.next() else { return false };
    if name != place.name.to_lowercase() && name != place.url {
        return false;
    }
    let names = aliases(place);
    parts.filter(|p| !p.is_empty()).all(|part| names.contains(&part))
}

/// What a region or country part of `q` may say for `place`, lowercase.
fn aliases(place: &Place) -> Vec<String> {
    let mut names = vec![place.region.to_lowercase(), place.country.to_lowercase()];
    let short: &[&str] = match place.region.as_str() {
        "Missouri" => &["mo"],
        "Massachusetts" => &["ma", "mass"],
        "Illinois" => &["il"],
        "Ohio" => &["oh"],
        "Oregon" => &["or"],
        "Utah" => &["ut"],
        "Queensland" => &["qld"],
        "Manitoba" => &["mb"],
        _ => &[],
    };
    names.extend(short.iter().map(|s| (*s).to_owned()));
    if place.country == "United States of America" {
        names.extend(["usa", "us", "united states", "america"].map(str::to_owned));
    }
    if place.country == "New Zealand" {
        names.push("nz".to_owned());
    }
    names
}

fn hit(place: &Place) -> Value {
    json!({
        "id": place.id, "name": place.name, "region": place.region, "country": place.country,
        "lat": place.lat, "lon": place.lon, "url": place.url,
    })
}

fn location(place: &Place) -> Value {
    let local = NOW_EPOCH + place.utc_offset_minutes * 60;
    json!({
        "name": place.name, "region": place.region, "country": place.country,
        "lat": place.lat, "lon": place.lon, "tz_id": place.tz_id,
        "localtime_epoch": NOW_EPOCH, "localtime": local_time(local),
    })
}

fn current(place: &Place, turkish: bool) -> Value {
    let c = &place.current;
    let updated_epoch = parse_local(&c.last_updated).map_or(NOW_EPOCH, |t| t - place.utc_offset_minutes * 60);
    json!({
        "last_updated_epoch": updated_epoch,
        "last_updated": c.last_updated,
        "temp_c": c.temp_c,
        "temp_f": fahrenheit(c.temp_c),
        "is_day": u8::from(is_day(&c.last_updated)),
        "condition": condition(c.condition, is_day(&c.last_updated), turkish),
        "wind_mph": mph(c.wind_kph),
        "wind_kph": c.wind_kph,
        "wind_degree": c.wind_degree,
        "wind_dir": compass(c.wind_degree),
        "pressure_mb": c.pressure_mb,
        "pressure_in": round(c.pressure_mb * 0.02953, 2),
        "precip_mm": c.precip_mm,
        "precip_in": round(c.precip_mm / 25.4, 2),
        "humidity": c.humidity,
        "cloud": c.cloud,
        "feelslike_c": c.feelslike_c,
        "feelslike_f": fahrenheit(c.feelslike_c),
        "vis_km": c.vis_km,
        "vis_miles": round(c.vis_km / 1.609_344, 0),
        "uv": c.uv,
        "gust_mph": mph(c.gust_kph),
        "gust_kph": c.gust_kph,
    })
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // the data's small whole numbers
fn day(place: &Place, index: usize, d: &[f64; 9], turkish: bool) -> Value {
    let [max, min, code, rain, snow, wind, humidity, uv, precip] = *d;
    let first = parse_local(&format!("{} 00:00", place.first_day)).unwrap_or(0);
    let offset = i64::try_from(index).unwrap_or(0) * 86_400;
    let date = local_time(first + offset).chars().take(10).collect::<String>();
    let avg = round(f64::midpoint(max, min), 1);
    let snow_cm = if snow >= 50.0 { round(precip * 0.8, 2) } else { 0.0 };
    json!({
        "date": date,
        "date_epoch": first + offset,
        "day": {
            "maxtemp_c": max, "maxtemp_f": fahrenheit(max),
            "mintemp_c": min, "mintemp_f": fahrenheit(min),
            "avgtemp_c": avg, "avgtemp_f": fahrenheit(avg),
            "maxwind_mph": mph(wind), "maxwind_kph": wind,
            "totalprecip_mm": precip, "totalprecip_in": round(precip / 25.4, 2),
            "totalsnow_cm": snow_cm,
            "avgvis_km": if precip > 5.0 { 7.0 } else { 10.0 },
            "avgvis_miles": if precip > 5.0 { 4.0 } else { 6.0 },
            "avghumidity": humidity as u32,
            "daily_will_it_rain": u8::from(rain >= 50.0),
            "daily_chance_of_rain": rain as u32,
            "daily_will_it_snow": u8::from(snow >= 50.0),
            "daily_chance_of_snow": snow as u32,
            "condition": condition(code as u32, true, turkish),
            "uv": uv,
        },
    })
}

/// WeatherAPI's condition: text (English or Turkish), icon URL and code.
fn condition(code: u32, day: bool, turkish: bool) -> Value {
    let (icon, english, turkish_text) = match code {
        1000 if day => (113, "Sunny", "Güneşli"),
        1000 => (113, "Clear", "Açık"),
        1003 => (116, "Partly cloudy", "Parçalı bulutlu"),
        1006 => (119, "Cloudy", "Bulutlu"),
        1009 => (122, "Overcast", "Kapalı"),
        1063 => (176, "Patchy rain nearby", "Yer yer yağmur"),
        1066 => (179, "Patchy snow nearby", "Yer yer kar"),
        1087 => (200, "Thundery outbreaks in nearby", "Yer yer gök gürültülü"),
        1183 => (296, "Light rain", "Hafif yağmur"),
        1189 => (302, "Moderate rain", "Orta şiddetli yağmur"),
        1195 => (308, "Heavy rain", "Şiddetli yağmur"),
        1213 => (326, "Light snow", "Hafif kar"),
        1219 => (332, "Moderate snow", "Orta şiddetli kar"),
        1240 => (353, "Light rain shower", "Hafif sağanak"),
        1273 => (386, "Patchy light rain in area with thunder", "Yer yer gök gürültülü hafif yağmur"),
        _ => (119, "Cloudy", "Bulutlu"),
    };
    let time = if day { "day" } else { "night" };
    json!({
        "text": if turkish { turkish_text } else { english },
        "icon": format!("//cdn.weatherapi.com/weather/64x64/{time}/{icon}.png"),
        "code": code,
    })
}

fn is_day(local: &str) -> bool {
    local.get(11..13).and_then(|h| h.parse::<u32>().ok()).is_some_and(|h| (6..18).contains(&h))
}

fn round(value: f64, places: i32) -> f64 {
    let scale = 10_f64.powi(places);
    (value * scale).round() / scale
}

fn fahrenheit(celsius: f64) -> f64 {
    round(celsius * 1.8 + 32.0, 1)
}

fn mph(kph: f64) -> f64 {
    round(kph / 1.609_344, 1)
}

fn compass(degree: u32) -> &'static str {
    const POINTS: [&str; 16] =
        ["N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"];
    let index = ((f64::from(degree % 360) / 22.5).round() as usize) % 16;
    POINTS.get(index).copied().unwrap_or("N")
}

/// "YYYY-MM-DD HH:MM" as seconds since the epoch (the clock time as if it were UTC).
fn parse_local(text: &str) -> Option<i64> {
    let number = |range: std::ops::Range<usize>| text.get(range).and_then(|s| s.parse::<i64>().ok());
    let (y, m, d) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hh, mm) = (number(11..13)?, number(14..16)?);
    Some(days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60)
}

/// Seconds since the epoch as "YYYY-MM-DD HH:MM".
fn local_time(seconds: i64) -> String {
    let (days, rest) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", rest / 3600, rest % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(target: &str) -> (u16, Value) {
        let response = handle(&Request::parse("GET", target));
        (response.status, serde_json::from_slice(&response.body).unwrap_or(Value::Null))
    }

    #[test]
    fn the_data_loads_and_now_is_right() {
        assert_eq!(PLACES.len(), 9);
        assert!(PLACES.iter().all(|p| p.days.len() == 10));
        assert_eq!(local_time(NOW_EPOCH), "2026-11-23 15:30");
    }

    #[test]
    fn search_lists_every_springfield_in_order() {
        let (status, body) = get("/v1/search.json?key=k&q=Springfield");
        assert_eq!(status, 200);
        let regions: Vec<&str> = body.as_array().into_iter().flatten().filter_map(|p| p["region"].as_str()).collect();
        assert_eq!(regions.first(), Some(&"Missouri"));
        assert_eq!(regions.len(), 8);
        let (_, none) = get("/v1/search.json?key=k&q=Atlantis");
        assert_eq!(none, json!([]));
    }

    #[test]
    fn current_resolves_names_regions_ids_and_coordinates() {
        let (_, plain) = get("/v1/current.json?key=k&q=Springfield");
        assert_eq!(plain["location"]["region"], "Missouri");
        let (_, illinois) = get("/v1/current.json?key=k&q=Springfield%2C%20IL");
        assert_eq!(illinois["location"]["region"], "Illinois");
        assert_eq!(illinois["current"]["temp_f"], 57.0);
        let (_, by_id) = get("/v1/current.json?key=k&q=id:7441125");
        assert_eq!(by_id["location"]["country"], "Australia");
        assert_eq!(by_id["location"]["localtime"], "2026-11-24 01:30");
        let (_, near) = get("/v1/current.json?key=k&q=44.0,-123.0");
        assert_eq!(near["location"]["region"], "Oregon");
        let (_, tr) = get("/v1/current.json?key=k&q=Springfield&lang=tr");
        assert_eq!(tr["current"]["condition"]["text"], "Orta şiddetli yağmur");
    }

    #[test]
    fn forecast_gives_the_days_asked_from_the_local_date() {
        let (_, body) = get("/v1/forecast.json?key=k&q=Springfield,%20Missouri&days=7");
        let days = body["forecast"]["forecastday"].as_array().cloned().unwrap_or_default();
        assert_eq!(days.len(), 7);
        assert_eq!(days.first().map(|d| d["date"].clone()), Some(json!("2026-11-23")));
        assert_eq!(days.get(3).map(|d| d["day"]["daily_chance_of_rain"].clone()), Some(json!(10)));
        let (_, nz) = get("/v1/forecast.json?key=k&q=Springfield,%20New%20Zealand&days=20");
        let nz_days = nz["forecast"]["forecastday"].as_array().cloned().unwrap_or_default();
        assert_eq!(nz_days.len(), 10);
        assert_eq!(nz_days.first().map(|d| d["date"].clone()), Some(json!("2026-11-24")));
    }

    #[test]
    fn errors_are_weatherapis() {
        assert_eq!(get("/v1/current.json?q=Springfield").0, 401);
        let (status, body) = get("/v1/current.json?key=k&q=Atlantis");
        assert_eq!((status, body["error"]["code"].clone()), (400, json!(1006)));
        assert_eq!(get("/v1/current.json?key=k").1["error"]["code"], 1003);
        assert_eq!(get("/v1/history.json?key=k&q=x").1["error"]["code"], 1005);
    }
}
