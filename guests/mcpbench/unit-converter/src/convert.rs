//! One conversion: the category's table (or formula) applied to a value.

use crate::units;

/// The conversion categories, in the order `list_supported_units` gives them (the
/// original server's order: temperature after force).
pub const CATEGORIES: [&str; 14] = [
    "angle",
    "area",
    "computer_data",
    "density",
    "energy",
    "force",
    "temperature",
    "length",
    "mass",
    "power",
    "pressure",
    "speed",
    "time",
    "volume",
];

/// The unit names of `category`, in order; none for an unknown category.
pub fn unit_names(category: &str) -> Option<Vec<String>> {
    let names = match category {
        "temperature" => units::TEMPERATURE.iter().map(|u| (*u).to_owned()).collect(),
        "angle" => units::ANGLE.iter().map(|u| (*u).to_owned()).collect(),
        other => table(other)?.iter().map(|(u, _)| (*u).to_owned()).collect(),
    };
    Some(names)
}

/// The factor table of a linear category.
fn table(category: &str) -> Option<&'static [(&'static str, f64)]> {
    Some(match category {
        "area" => units::AREA,
        "computer_data" => units::COMPUTER_DATA,
        "density" => units::DENSITY,
        "energy" => units::ENERGY,
        "force" => units::FORCE,
        "length" => units::LENGTH,
        "mass" => units::MASS,
        "power" => units::POWER,
        "pressure" => units::PRESSURE,
        "speed" => units::SPEED,
        "time" => units::TIME,
        "volume" => units::VOLUME,
        _ => return None,
    })
}

/// Converts `value` from `from` to `to` within `category`. Errors name what was wrong:
/// an unknown category or unit, or a negative kelvin value.
pub fn convert(category: &str, value: f64, from: &str, to: &str) -> Result<f64, String> {
    match category {
        "temperature" => temperature(value, from, to),
        "angle" => angle(value, from, to),
        other => {
            let table = table(other).ok_or_else(|| format!("Unsupported conversion type: {other}"))?;
            let factor = |unit: &str| {
                table.iter().find(|(u, _)| *u == unit).map(|(_, f)| *f).ok_or_else(|| unknown(other, unit))
            };
            let (from_factor, to_factor) = (factor(from)?, factor(to)?);
            // The original's order of operations: to the base unit, then from it.
            Ok(value * from_factor / to_factor)
        }
    }
}

fn unknown(category: &str, unit: &str) -> String {
    format!("Unknown {} unit: '{unit}'", category.replace('_', " "))
}

/// Through Celsius, with the original's formulas (so results match it bit for bit).
fn temperature(value: f64, from: &str, to: &str) -> Result<f64, String> {
    let celsius = match from {
        "celsius" => value,
        "fahrenheit" => (value - 32.0) * 5.0 / 9.0,
        "kelvin" => {
            if value < 0.0 {
                return Err(format!("temperature must be non-negative, got {value:?}"));
            }
            value - 273.15
        }
        other => return Err(unknown("temperature", other)),
    };
    match to {
        "celsius" => Ok(celsius),
        "fahrenheit" => Ok(celsius * 9.0 / 5.0 + 32.0),
        "kelvin" => Ok(celsius + 273.15),
        other => Err(unknown("temperature", other)),
    }
}

/// Through degrees, with the original's formulas.
fn angle(value: f64, from: &str, to: &str) -> Result<f64, String> {
    use std::f64::consts::PI;
    let degrees = match from {
        "degrees" => value,
        "radians" => value * 180.0 / PI,
        "arcmin" => value / 60.0,
        "arcsec" => value / 3600.0,
        "turns" => value * 360.0,
        "gons" => value * (9.0 / 10.0),
        other => return Err(unknown("angle", other)),
    };
    match to {
        "degrees" => Ok(degrees),
        "radians" => Ok(degrees * PI / 180.0),
        "arcmin" => Ok(degrees * 60.0),
        "arcsec" => Ok(degrees * 3600.0),
        "turns" => Ok(degrees / 360.0),
        "gons" => Ok(degrees * (10.0 / 9.0)),
        other => Err(unknown("angle", other)),
    }
}
