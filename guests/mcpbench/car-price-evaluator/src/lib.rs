//! The `car-price-evaluator` tool (MCP-Bench's Car Price Evaluator server): FIPE brands,
//! models and prices as Markdown text, from the FIPE API granted as `FIPE_API_URL`.

mod fipe;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use exports::mcpbench::car_price_evaluator::car_price_evaluator::Guest;
use fipe::{Answer, Models, Named, Price, shown};

wit_bindgen::generate!({ path: "../../../wit/mcpbench/car-price-evaluator", world: "car-price-evaluator-tool" });

/// The WIT this tool exports, doc comments included, carried in the component (custom
/// section `cemcp:wit`) so that cemcp can show the docs to agents.
#[used]
#[unsafe(link_section = "cemcp:wit")]
static WIT: [u8; include_bytes!("../../../../wit/mcpbench/car-price-evaluator/car-price-evaluator.wit").len()] =
    *include_bytes!("../../../../wit/mcpbench/car-price-evaluator/car-price-evaluator.wit");

/// Most brands `get-car-brands` shows, and per letter.
const BRANDS_SHOWN: usize = 20;
const PER_LETTER: usize = 5;
/// Most brands `get-vehicles-by-type` shows.
const TYPE_BRANDS_SHOWN: usize = 15;
/// Models `search-car-price` prices.
const MODELS_PRICED: usize = 3;

struct CarPriceEvaluator;

impl Guest for CarPriceEvaluator {
    fn get_car_brands() -> Result<String, String> {
        let brands = brands("carros")?;
        if brands.is_empty() {
            return Ok("No car brands found".to_owned());
        }
        let mut by_letter: BTreeMap<String, Vec<&Named>> = BTreeMap::new();
        for brand in &brands {
            let letter = brand.nome.chars().next().map(|c| c.to_uppercase().collect()).unwrap_or_default();
            by_letter.entry(letter).or_default().push(brand);
        }
        let mut text = "🚗 **Car Brands Available** 🚗\n\n".to_owned();
        let mut count = 0;
        for (letter, group) in &by_letter {
            if count >= BRANDS_SHOWN {
                break;
            }
            let _ = writeln!(text, "**{letter}:**");
            for brand in group.iter().take(PER_LETTER) {
                if count >= BRANDS_SHOWN {
                    break;
                }
                let _ = writeln!(text, "  • {} (Code: {})", brand.nome, brand.codigo);
                count += 1;
            }
            text.push('\n');
        }
        let _ = writeln!(text, "*Total: {} brands available*", brands.len());
        text.push_str("*Use search_car_price with a brand name to get models and prices*");
        Ok(text)
    }

    fn search_car_price(brand_name: String) -> Result<String, String> {
        let query = brand_name.trim();
        if query.is_empty() {
            return Err("Please provide a car brand name to search for.".to_owned());
        }
        let brands = brands("carros")?;
        let lower = query.to_lowercase();
        let Some(brand) = brands.iter().find(|b| b.nome.to_lowercase().contains(&lower)) else {
            let names: Vec<&str> = brands.iter().take(10).map(|b| b.nome.as_str()).collect();
            return Ok(format!("Brand '{query}' not found. Available brands include: {}...", names.join(", ")));
        };
        let base = format!("carros/marcas/{}/modelos", brand.codigo);
        let models = match fipe::get::<Models>(&base)? {
            Answer::Ok(models) => models.modelos,
            Answer::Status(status) => {
                return Err(format!("Could not fetch models for {} (Status: {status})", brand.nome));
            }
        };
        if models.is_empty() {
            return Ok(format!("No models found for {}", brand.nome));
        }
        let mut text = format!("🚗 **{} Models & Prices** 🚗\n\n", brand.nome);
        for (i, model) in models.iter().take(MODELS_PRICED).enumerate() {
            text.push_str(&priced(&base, i + 1, model)?);
        }
        if models.len() > MODELS_PRICED {
            let _ = writeln!(text, "*...and {} more models available*", models.len() - MODELS_PRICED);
        }
        let _ = writeln!(text, "\n**Total Models:** {}", models.len());
        text.push_str("*Prices are from FIPE (Brazilian vehicle price reference)*");
        Ok(text)
    }

    fn get_vehicles_by_type(vehicle_type: String) -> Result<String, String> {
        let given = if vehicle_type.trim().is_empty() { "carros".to_owned() } else { vehicle_type.trim().to_owned() };
        let kind = match given.to_lowercase().as_str() {
            "motorcycle" | "motorcycles" | "moto" | "motos" => "motos",
            "truck" | "trucks" | "caminhao" | "caminhoes" => "caminhoes",
            _ => "carros",
        };
        let brands = brands(kind)?;
        if brands.is_empty() {
            return Ok(format!("No {given} brands found"));
        }
        let emoji = match kind {
            "motos" => "🏍️",
            "caminhoes" => "🚛",
            _ => "🚗",
        };
        let mut text = format!("{emoji} **{} Brands** {emoji}\n\n", title(&given));
        for (i, brand) in brands.iter().take(TYPE_BRANDS_SHOWN).enumerate() {
            let _ = writeln!(text, "**{}. {}** (Code: {})", i + 1, brand.nome, brand.codigo);
        }
        if brands.len() > TYPE_BRANDS_SHOWN {
            let _ = writeln!(text, "\n*...and {} more brands*", brands.len() - TYPE_BRANDS_SHOWN);
        }
        let _ = writeln!(text, "\n**Total Brands:** {}", brands.len());
        text.push_str("*Use search_car_price with a brand name to get specific models and prices*");
        Ok(text)
    }
}

/// The brand list of `kind` (`carros`, `motos`, `caminhoes`).
fn brands(kind: &str) -> Result<Vec<Named>, String> {
    match fipe::get::<Vec<Named>>(&format!("{kind}/marcas"))? {
        Answer::Ok(brands) => Ok(brands),
        Answer::Status(status) => Err(format!("Could not fetch {kind} brands (Status: {status})")),
    }
}

/// The block of model number `n`: the newest model year's price, or why there is none.
fn priced(base: &str, n: usize, model: &Named) -> Result<String, String> {
    let years = format!("{base}/{}/anos", model.codigo);
    let latest = match fipe::get::<Vec<Named>>(&years)? {
        Answer::Ok(years) => match years.into_iter().next() {
            Some(year) => year,
            None => return Ok(format!("**{n}. {}** - No years available\n\n", model.nome)),
        },
        Answer::Status(_) => return Ok(format!("**{n}. {}** - Years not available\n\n", model.nome)),
    };
    let price = match fipe::get::<Price>(&format!("{years}/{}", latest.codigo))? {
        Answer::Ok(price) => price,
        Answer::Status(_) => return Ok(format!("**{n}. {}** - Price not available\n\n", model.nome)),
    };
    Ok(format!(
        "**{n}. {}**\n📅 **Year:** {}\n⛽ **Fuel:** {}\n💰 **Price:** {}\n📊 **Reference:** {}\n🔢 **FIPE Code:** {}\n\n",
        model.nome,
        shown(price.ano_modelo.as_ref()),
        shown(price.combustivel.as_ref()),
        shown(price.valor.as_ref()),
        shown(price.mes_referencia.as_ref()),
        shown(price.codigo_fipe.as_ref()),
    ))
}

/// Python's `str.title()`: each run of letters starts upper-case, the rest lower-case.
fn title(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_word = false;
    for c in text.chars() {
        if c.is_alphabetic() {
            if in_word {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
            in_word = true;
        } else {
            out.push(c);
            in_word = false;
        }
    }
    out
}

export!(CarPriceEvaluator);
