//! `convert_batch`: many conversions, each failing on its own.

use crate::convert::convert;

/// One request, as the caller gave it.
pub struct Request<'a> {
    pub value: f64,
    pub from_unit: &'a str,
    pub to_unit: &'a str,
    pub conversion_type: &'a str,
    pub request_id: Option<&'a str>,
}

/// What became of one request: its id, and the converted value or why it failed.
pub struct Outcome {
    pub request_id: String,
    pub result: Result<f64, String>,
}

/// Runs the requests in order. Default ids are `<conversion_type>_<index>` for a success and
/// `error_<index>` for a failure (index from 0), so that they are the same on every run.
pub fn run(requests: &[Request<'_>]) -> Vec<Outcome> {
    requests
        .iter()
        .enumerate()
        .map(|(index, request)| {
            let result = one(request);
            let request_id = match (request.request_id, &result) {
                (Some(id), _) => id.to_owned(),
                (None, Ok(_)) => format!("{}_{index}", request.conversion_type),
                (None, Err(_)) => format!("error_{index}"),
            };
            Outcome { request_id, result }
        })
        .collect()
}

fn one(request: &Request<'_>) -> Result<f64, String> {
    // The original's checks, in its order (a field that is empty counts as missing).
    for (field, text) in
        [("from_unit", request.from_unit), ("to_unit", request.to_unit), ("conversion_type", request.conversion_type)]
    {
        if text.is_empty() {
            return Err(format!("Missing required field: {field}"));
        }
    }
    convert(request.conversion_type, request.value, request.from_unit, request.to_unit)
}
