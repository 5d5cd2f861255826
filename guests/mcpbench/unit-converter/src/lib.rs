//! The `unit-converter` tool (MCP-Bench's Unit Converter, offline): conversions within
//! fourteen categories through one base unit each, with the original server's unit names
//! and factors, one at a time or in a batch.

mod batch;
mod convert;
mod units;

use exports::mcpbench::unit_converter::unit_converter::{
    BatchItem, BatchRequest, BatchResponse, BatchSummary, Conversion, Guest, SupportedUnits,
};

wit_bindgen::generate!({ path: "../../../wit/mcpbench/unit-converter", world: "unit-converter-tool" });

/// The WIT this tool exports, doc comments included, carried in the component (custom
/// section `cemcp:wit`) so that cemcp can show the docs to agents.
#[used]
#[unsafe(link_section = "cemcp:wit")]
static WIT: [u8; include_bytes!("../../../../wit/mcpbench/unit-converter/unit-converter.wit").len()] =
    *include_bytes!("../../../../wit/mcpbench/unit-converter/unit-converter.wit");

struct UnitConverter;

/// One conversion in `category`, as the record every `convert_*` function returns.
fn single(category: &str, value: f64, from_unit: String, to_unit: String) -> Result<Conversion, String> {
    let converted_value = convert::convert(category, value, &from_unit, &to_unit)?;
    Ok(Conversion {
        original_value: value,
        original_unit: from_unit,
        converted_value,
        converted_unit: to_unit,
        conversion_type: category.to_owned(),
    })
}

impl Guest for UnitConverter {
    fn convert_temperature(value: f64, from_unit: String, to_unit: String) -> Result<Conversion, String> {
        single("temperature", value, from_unit, to_unit)
    }

    fn convert_angle(value: f64, from_unit: String, to_unit: String) -> Result<Conversion, String> {
        single("angle", value, from_unit, to_unit)
    }

    fn convert_length(value: f64, from_unit: String, to_unit: String) -> Result<Conversion, String> {
        single("length", value, from_unit, to_unit)
    }

    fn convert_energy(value: f64, from_unit: String, to_unit: String) -> Result<Conversion, String> {
        single("energy", value, from_unit, to_unit)
    }

    fn convert_force(value: f64, from_unit: String, to_unit: String) -> Result<Conversion, String> {
        single("force", value, from_unit, to_unit)
    }

    fn convert_pressure(value: f64, from_unit: String, to_unit: String) -> Result<Conversion, String> {
        single("pressure", value, from_unit, to_unit)
    }

    fn convert_power(value: f64, from_unit: String, to_unit: String) -> Result<Conversion, String> {
        single("power", value, from_unit, to_unit)
    }

    fn convert_speed(value: f64, from_unit: String, to_unit: String) -> Result<Conversion, String> {
        single("speed", value, from_unit, to_unit)
    }

    fn convert_area(value: f64, from_unit: String, to_unit: String) -> Result<Conversion, String> {
        single("area", value, from_unit, to_unit)
    }

    fn convert_mass(value: f64, from_unit: String, to_unit: String) -> Result<Conversion, String> {
        single("mass", value, from_unit, to_unit)
    }

    fn convert_volume(value: f64, from_unit: String, to_unit: String) -> Result<Conversion, String> {
        single("volume", value, from_unit, to_unit)
    }

    fn convert_computer_data(value: f64, from_unit: String, to_unit: String) -> Result<Conversion, String> {
        single("computer_data", value, from_unit, to_unit)
    }

    fn convert_density(value: f64, from_unit: String, to_unit: String) -> Result<Conversion, String> {
        single("density", value, from_unit, to_unit)
    }

    fn convert_time(value: f64, from_unit: String, to_unit: String) -> Result<Conversion, String> {
        single("time", value, from_unit, to_unit)
    }

    fn convert_batch(requests: Vec<BatchRequest>) -> Result<BatchResponse, String> {
        let plain: Vec<batch::Request<'_>> = requests
            .iter()
            .map(|r| batch::Request {
                value: r.value,
                from_unit: &r.from_unit,
                to_unit: &r.to_unit,
                conversion_type: &r.conversion_type,
                request_id: r.request_id.as_deref(),
            })
            .collect();
        let outcomes = batch::run(&plain);
        let items: Vec<BatchItem> = outcomes
            .into_iter()
            .zip(&requests)
            .map(|(outcome, request)| match outcome.result {
                Ok(converted) => BatchItem {
                    request_id: outcome.request_id,
                    success: true,
                    original_value: Some(request.value),
                    original_unit: Some(request.from_unit.clone()),
                    converted_value: Some(converted),
                    converted_unit: Some(request.to_unit.clone()),
                    conversion_type: Some(request.conversion_type.clone()),
                    error: None,
                },
                Err(error) => BatchItem {
                    request_id: outcome.request_id,
                    success: false,
                    original_value: None,
                    original_unit: None,
                    converted_value: None,
                    converted_unit: None,
                    conversion_type: None,
                    error: Some(error),
                },
            })
            .collect();
        let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        let successful = items.iter().filter(|i| i.success).count();
        let summary = BatchSummary {
            total_requests: count(items.len()),
            successful_conversions: count(successful),
            failed_conversions: count(items.len() - successful),
        };
        Ok(BatchResponse { batch_results: items, summary })
    }

    fn list_supported_units(unit_type: Option<String>) -> Result<SupportedUnits, String> {
        if let Some(category) = &unit_type
            && !convert::CATEGORIES.contains(&category.as_str())
        {
            return Err(format!("Unknown unit type '{category}': expected one of {}", convert::CATEGORIES.join(", ")));
        }
        let units = |category: &str| match &unit_type {
            Some(wanted) if wanted != category => None,
            _ => convert::unit_names(category),
        };
        Ok(SupportedUnits {
            angle: units("angle"),
            area: units("area"),
            computer_data: units("computer_data"),
            density: units("density"),
            energy: units("energy"),
            force: units("force"),
            temperature: units("temperature"),
            length: units("length"),
            mass: units("mass"),
            power: units("power"),
            pressure: units("pressure"),
            speed: units("speed"),
            time: units("time"),
            volume: units("volume"),
        })
    }
}

export!(UnitConverter);
