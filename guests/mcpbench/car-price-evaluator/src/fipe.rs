//! The FIPE API (`{FIPE_API_URL}/{carros|motos|caminhoes}/marcas/...`) and the parts of its
//! answers this tool reads. Plain Rust, no bindings.

use serde::Deserialize;
use serde_json::Value;
use web_client::{MAX_DOCUMENT, Method};

/// A brand or a model: FIPE's code (a string for brands, a number for models) and name.
#[derive(Debug, Clone, Deserialize)]
pub struct Named {
    #[serde(deserialize_with = "code")]
    pub codigo: String,
    pub nome: String,
}

/// `/marcas/{code}/modelos`.
#[derive(Debug, Deserialize)]
pub struct Models {
    #[serde(default)]
    pub modelos: Vec<Named>,
}

/// `/anos/{code}`: one model year's price.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Price {
    #[serde(rename = "Valor")]
    pub valor: Option<Value>,
    #[serde(rename = "AnoModelo")]
    pub ano_modelo: Option<Value>,
    #[serde(rename = "Combustivel")]
    pub combustivel: Option<Value>,
    #[serde(rename = "CodigoFipe")]
    pub codigo_fipe: Option<Value>,
    #[serde(rename = "MesReferencia")]
    pub mes_referencia: Option<Value>,
}

/// What a GET brought back: a decoded document, or an HTTP status other than 200.
pub enum Answer<T> {
    Ok(T),
    Status(u16),
}

/// GETs `path` (below the base URL) and decodes it as `T`.
///
/// # Errors
///
/// When the base URL is not granted, the request fails, or a 200 answer is not the JSON
/// expected.
pub fn get<T: serde::de::DeserializeOwned>(path: &str) -> Result<Answer<T>, String> {
    let base = web_client::base_url("FIPE_API_URL")?;
    let url = format!("{base}/{path}");
    let response = web_client::send(&Method::Get, &url, &[], None, MAX_DOCUMENT)?;
    if response.status != 200 {
        return Ok(Answer::Status(response.status));
    }
    serde_json::from_slice(&response.body).map(Answer::Ok).map_err(|e| format!("unexpected answer from {url}: {e}"))
}

/// A code FIPE sends as a string or a number, as text.
fn code<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::String(s) => s,
        other => other.to_string(),
    })
}

/// A field shown as Python's `str()` would show it, "N/A" when missing.
pub fn shown(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "N/A".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}
