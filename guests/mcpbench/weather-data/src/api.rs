//! WeatherAPI.com's endpoints (`current.json`, `forecast.json`, `search.json`) and the
//! parts of their answers this tool reads. Plain Rust, no bindings.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use web_client::{MAX_DOCUMENT, Method};

/// `location` of an answer.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Place {
    pub name: String,
    pub region: String,
    pub country: String,
}

/// A condition: text and icon.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Condition {
    pub text: String,
    pub icon: String,
}

/// `current` of an answer.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Current {
    pub last_updated: String,
    pub temp_c: f64,
    pub temp_f: f64,
    pub condition: Condition,
    pub wind_mph: f64,
    pub wind_kph: f64,
    pub wind_dir: String,
    pub pressure_mb: f64,
    pub humidity: f64,
    pub feelslike_c: f64,
    pub feelslike_f: f64,
    pub vis_km: f64,
    pub uv: f64,
}

/// The answer of `current.json`.
#[derive(Debug, Deserialize)]
pub struct CurrentAnswer {
    pub location: Place,
    pub current: Current,
}

/// `day` of a forecast day.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Day {
    pub maxtemp_c: f64,
    pub maxtemp_f: f64,
    pub mintemp_c: f64,
    pub mintemp_f: f64,
    pub maxwind_kph: f64,
    pub avghumidity: f64,
    pub daily_chance_of_rain: f64,
    pub daily_chance_of_snow: f64,
    pub condition: Condition,
    pub uv: f64,
}

/// One entry of `forecast.forecastday`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ForecastEntry {
    pub date: String,
    pub day: Day,
}

/// `forecast` of an answer.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Days {
    pub forecastday: Vec<ForecastEntry>,
}

/// The answer of `forecast.json`.
#[derive(Debug, Deserialize)]
pub struct ForecastAnswer {
    pub location: Place,
    pub forecast: Days,
}

/// One element of the answer of `search.json`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SearchHit {
    pub id: f64,
    pub name: String,
    pub region: String,
    pub country: String,
    pub lat: f64,
    pub lon: f64,
    pub url: String,
}

/// WeatherAPI's error body: `{"error": {"code": 1006, "message": "..."}}`.
#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Debug, Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    code: i64,
    #[serde(default)]
    message: String,
}

/// `current.json` for `city`.
pub fn current(city: &str) -> Result<CurrentAnswer, String> {
    let city = place(city)?;
    let mut params = vec![("q", city)];
    params.extend(language());
    call("current.json", &params)
}

/// `forecast.json` for `city` and `days`.
pub fn forecast(city: &str, days: i64) -> Result<ForecastAnswer, String> {
    let city = place(city)?;
    let days = days.to_string();
    let mut params = vec![("q", city), ("days", days)];
    params.extend(language());
    call("forecast.json", &params)
}

/// `search.json` for `query`.
pub fn search(query: &str) -> Result<Vec<SearchHit>, String> {
    let query = query.trim();
    if query.is_empty() {
        return Err("query must not be empty".to_owned());
    }
    call("search.json", &[("q", query.to_owned())])
}

fn place(city: &str) -> Result<String, String> {
    let city = city.trim();
    if city.is_empty() { Err("city must not be empty".to_owned()) } else { Ok(city.to_owned()) }
}

/// `lang=<WEATHERAPI_LANG>` when the manifest grants one.
fn language() -> Option<(&'static str, String)> {
    std::env::var("WEATHERAPI_LANG").ok().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).map(|l| ("lang", l))
}

/// GETs `endpoint` with the key and `params`, and decodes its JSON answer. Messages never
/// contain the key.
fn call<T: DeserializeOwned>(endpoint: &str, params: &[(&str, String)]) -> Result<T, String> {
    let base = web_client::base_url("WEATHERAPI_URL")?;
    let key = match std::env::var("WEATHERAPI_KEY") {
        Ok(key) if !key.trim().is_empty() => key.trim().to_owned(),
        _ => {
            return Err("WeatherAPI needs an API key: the manifest must grant the environment variable WEATHERAPI_KEY"
                .to_owned());
        }
    };
    let mut query: Vec<(&str, &str)> = vec![("key", key.as_str())];
    query.extend(params.iter().map(|(name, value)| (*name, value.as_str())));
    let url = web_client::with_query(&format!("{base}/{endpoint}"), &query);
    let hide = |text: String| text.replace(&web_client::encode(&key), "***");
    let response = web_client::send(&Method::Get, &url, &[], None, MAX_DOCUMENT).map_err(hide)?;
    let shown = hide(url.clone());
    if response.truncated {
        return Err(format!("the answer from {shown} is over {MAX_DOCUMENT} bytes"));
    }
    if !(200..300).contains(&response.status) {
        if let Ok(body) = serde_json::from_slice::<ErrorBody>(&response.body) {
            return Err(format!(
                "WeatherAPI error {}: {} (HTTP {})",
                body.error.code, body.error.message, response.status
            ));
        }
        let excerpt: String = hide(response.text()).chars().take(300).collect();
        return Err(format!("{shown} answered HTTP {}: {excerpt}", response.status));
    }
    serde_json::from_slice(&response.body).map_err(|e| format!("unexpected answer from {shown}: {e}"))
}
