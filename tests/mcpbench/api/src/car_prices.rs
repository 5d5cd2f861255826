//! The stand-in for the FIPE vehicle price table's public API (parallelum.com.br,
//! `/fipe/api/v1`), serving `data/car_prices/fipe.json`: real brand names with invented
//! models, codes and prices for cars (39 brands), motorcycles (26) and trucks (28),
//! reference month "novembro de 2026".
//!
//! Endpoints, relative to the base URL (the real one ends in `/fipe/api/v1`; this one
//! answers with or without that prefix): `/{tipo}/marcas`,
//! `/{tipo}/marcas/{marca}/modelos` (`{"modelos": [...], "anos": [...]}`),
//! `/{tipo}/marcas/{marca}/modelos/{modelo}/anos` (newest first; 32000 is zero km) and
//! `/{tipo}/marcas/{marca}/modelos/{modelo}/anos/{ano}` (the price record), with `tipo`
//! one of `carros`, `motos`, `caminhoes`. Brand codes are strings, model codes numbers,
//! year codes `"<year>-<fuel>"` as FIPE writes them. Unknown codes get 404
//! `{"error": "..."}`.

use std::sync::LazyLock;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::{Request, Response};

/// The table, as shipped.
static TABLE: LazyLock<Table> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../data/car_prices/fipe.json")).unwrap_or_else(|_| Table {
        reference: String::new(),
        carros: Vec::new(),
        motos: Vec::new(),
        caminhoes: Vec::new(),
    })
});

#[derive(Debug, Deserialize)]
struct Table {
    reference: String,
    carros: Vec<Brand>,
    motos: Vec<Brand>,
    caminhoes: Vec<Brand>,
}

#[derive(Debug, Deserialize)]
struct Brand {
    codigo: String,
    nome: String,
    modelos: Vec<Model>,
}

#[derive(Debug, Deserialize)]
struct Model {
    nome: String,
    /// `(year, fuel, price)`, newest first.
    anos: Vec<(u32, String, u64)>,
}

/// Answers one request.
pub fn handle(request: &Request) -> Response {
    let path = request.path.strip_prefix("/fipe/api/v1").unwrap_or(&request.path);
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let Some((&tipo, rest)) = parts.split_first() else { return not_found("Not found") };
    let (brands, kind) = match tipo {
        "carros" => (&TABLE.carros, 1),
        "motos" => (&TABLE.motos, 2),
        "caminhoes" => (&TABLE.caminhoes, 3),
        _ => return not_found("Tipo de veículo inválido"),
    };
    match rest {
        ["marcas"] => Response::json(&Value::Array(
            brands.iter().map(|b| json!({ "codigo": b.codigo, "nome": b.nome })).collect(),
        )),
        ["marcas", brand, "modelos", more @ ..] => {
            let Some(brand) = brands.iter().find(|b| b.codigo == *brand) else {
                return not_found("Marca não encontrada");
            };
            models(brand, kind, more)
        }
        _ => not_found("Not found"),
    }
}

/// `/modelos`, and below it, for `brand`.
fn models(brand: &Brand, kind: u8, rest: &[&str]) -> Response {
    let Some((wanted, rest)) = rest.split_first() else {
        let modelos: Vec<Value> = brand
            .modelos
            .iter()
            .enumerate()
            .map(|(i, m)| json!({ "codigo": model_code(brand, i), "nome": m.nome }))
            .collect();
        let mut years: Vec<(u32, &str)> =
            brand.modelos.iter().flat_map(|m| m.anos.iter().map(|(y, f, _)| (*y, f.as_str()))).collect();
        years.sort_by(|a, b| b.cmp(a));
        years.dedup();
        let anos: Vec<Value> = years.into_iter().map(|(y, f)| year_entry(y, f)).collect();
        return Response::json(&json!({ "modelos": modelos, "anos": anos }));
    };
    let found = brand.modelos.iter().enumerate().find(|(i, _)| model_code(brand, *i).to_string() == *wanted);
    let Some((index, model)) = found else { return not_found("Modelo não encontrado") };
    match rest {
        ["anos"] => Response::json(&Value::Array(model.anos.iter().map(|(y, f, _)| year_entry(*y, f)).collect())),
        ["anos", year] => match model.anos.iter().find(|(y, f, _)| year_code(*y, f) == *year) {
            Some((y, fuel, price)) => Response::json(&json!({
                "TipoVeiculo": kind,
                "Valor": reais(*price),
                "Marca": brand.nome,
                "Modelo": model.nome,
                "AnoModelo": y,
                "Combustivel": fuel,
                "CodigoFipe": fipe_code(brand, index, kind),
                "MesReferencia": TABLE.reference,
                "SiglaCombustivel": fuel.chars().next().map(|c| if c == 'Á' { 'A' } else { c }).unwrap_or('G').to_string(),
            })),
            None => not_found("Ano não encontrado"),
        },
        _ => not_found("Not found"),
    }
}

fn not_found(message: &str) -> Response {
    Response::json_status(404, &json!({ "error": message }))
}

/// A model's code: a number unique within the table's kind.
fn model_code(brand: &Brand, index: usize) -> u64 {
    let brand: u64 = brand.codigo.parse().unwrap_or(0);
    brand * 100 + u64::try_from(index).unwrap_or(0) + 1
}

/// The FIPE code of a model, "0BBMMM-K" style.
fn fipe_code(brand: &Brand, index: usize, kind: u8) -> String {
    let code = model_code(brand, index);
    format!("{}{:05}-{}", kind.saturating_sub(1), code % 100_000, code % 7)
}

fn year_entry(year: u32, fuel: &str) -> Value {
    json!({ "codigo": year_code(year, fuel), "nome": format!("{year} {fuel}") })
}

/// "2016-3": the year and FIPE's fuel number.
fn year_code(year: u32, fuel: &str) -> String {
    let number = match fuel {
        "Álcool" => 2,
        "Diesel" => 3,
        "Elétrico" => 4,
        "Híbrido" => 5,
        _ => 1,
    };
    format!("{year}-{number}")
}

/// 112450 as "R$ 112.450,00".
fn reais(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("R$ {grouped},00")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str) -> (u16, Value) {
        let r = handle(&Request::parse("GET", path));
        (r.status, serde_json::from_slice(&r.body).unwrap_or(Value::Null))
    }

    #[test]
    fn brand_lists_are_long_enough_to_be_cut() {
        for (tipo, more_than) in [("carros", 20), ("motos", 15), ("caminhoes", 15)] {
            let (status, brands) = get(&format!("/fipe/api/v1/{tipo}/marcas"));
            assert_eq!(status, 200);
            assert!(brands.as_array().unwrap().len() > more_than, "{tipo}");
        }
        assert_eq!(get("/carros/marcas").1[0], json!({"codigo": "1", "nome": "Acura"}));
    }

    #[test]
    fn models_years_and_prices_chain() {
        let (_, models) = get("/fipe/api/v1/carros/marcas/2/modelos");
        let first = &models["modelos"][0];
        assert_eq!(first["nome"], "MARRUÁ 2.8 12V 132cv TDI Diesel");
        let code = first["codigo"].as_u64().unwrap();
        let (_, years) = get(&format!("/fipe/api/v1/carros/marcas/2/modelos/{code}/anos"));
        assert_eq!(years[0], json!({"codigo": "2016-3", "nome": "2016 Diesel"}));
        let (_, price) = get(&format!("/fipe/api/v1/carros/marcas/2/modelos/{code}/anos/2016-3"));
        assert_eq!(price["Valor"], "R$ 112.450,00");
        assert_eq!(price["MesReferencia"], "novembro de 2026");
        assert_eq!(price["AnoModelo"], 2016);
        assert_eq!(reais(1_650_000), "R$ 1.650.000,00");
        assert_eq!(reais(8_970), "R$ 8.970,00");
        assert_eq!(reais(970), "R$ 970,00");
    }

    #[test]
    fn unknown_codes_are_404_with_an_error() {
        assert_eq!(get("/fipe/api/v1/carros/marcas/9999/modelos").0, 404);
        assert_eq!(get("/fipe/api/v1/carros/marcas/2/modelos/1/anos").0, 404);
        assert_eq!(get("/fipe/api/v1/barcos/marcas").1["error"], "Tipo de veículo inválido");
        assert_eq!(get("/fipe/api/v1/carros/marcas/2/modelos/201/anos/1999-1").0, 404);
    }
}
