//! `types`: echoes every kind of WIT value, so that cemcp's tests can check the JSON
//! mapping of each type against a real component.

use exports::cemcp::fixtures::types::{Colour, Guest, Perms, Scalars, Shape};

wit_bindgen::generate!({ path: "../../wit/fixtures", world: "types-tool" });

#[used]
#[unsafe(link_section = "cemcp:wit")]
static WIT: [u8; include_bytes!("../../../wit/fixtures/types.wit").len()] =
    *include_bytes!("../../../wit/fixtures/types.wit");

struct Types;

type Containers = (Vec<String>, (u8, String), Option<u32>, Option<Option<String>>);
type Deep = Vec<Vec<Option<Scalars>>>;

impl Guest for Types {
    fn echo_scalars(s: Scalars) -> Result<Scalars, String> {
        Ok(s)
    }

    fn echo_containers(
        items: Vec<String>,
        pair: (u8, String),
        maybe: Option<u32>,
        nested: Option<Option<String>>,
    ) -> Result<Containers, String> {
        Ok((items, pair, maybe, nested))
    }

    fn echo_kinds(c: Colour, p: Perms, s: Shape) -> Result<(Colour, Perms, Shape), String> {
        Ok((c, p, s))
    }

    fn echo_results(
        r: Result<u32, String>,
        unit: Result<(), ()>,
        deep: Deep,
    ) -> Result<(Result<u32, String>, Result<(), ()>, Deep), String> {
        Ok((r, unit, deep))
    }
}

export!(Types);
