//! Component values as the host sees them while forwarding.

use wasmtime::component::Val;

/// Roughly how many bytes `val` occupies once encoded: string and list contents,
/// scalars at their size (a `list<u8>` of an image counts its bytes), a byte per
/// container. Used to enforce output limits without encoding anything.
/// Iterative, so a deeply nested value cannot exhaust the host's stack.
pub fn size_of(val: &Val) -> u64 {
    let mut total = 0u64;
    let mut pending = vec![val];
    while let Some(val) = pending.pop() {
        total = total.saturating_add(match val {
            Val::String(s) => s.len() as u64,
            Val::Enum(name) => name.len() as u64,
            Val::Flags(names) => names.iter().map(|n| n.len() as u64 + 1).sum(),
            Val::List(items) | Val::Tuple(items) | Val::FixedLengthList(items) => {
                pending.extend(items);
                1
            }
            Val::Record(fields) => {
                pending.extend(fields.iter().map(|(_, v)| v));
                1
            }
            Val::Map(entries) => {
                pending.extend(entries.iter().flat_map(|(k, v)| [k, v]));
                1
            }
            Val::Variant(_, payload) | Val::Option(payload) | Val::Result(Ok(payload) | Err(payload)) => {
                pending.extend(payload.as_deref());
                1
            }
            Val::Bool(_) | Val::U8(_) | Val::S8(_) => 1,
            Val::U16(_) | Val::S16(_) => 2,
            Val::U32(_) | Val::S32(_) | Val::Float32(_) | Val::Char(_) => 4,
            _ => 8,
        });
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_lists_count_their_contents() {
        let val = Val::Result(Ok(Some(Box::new(Val::List(vec![Val::String("abcd".into()), Val::U32(1)])))));
        assert_eq!(size_of(&val), 1 + 1 + 4 + 4);
        let image = Val::List(vec![Val::U8(0); 1000]);
        assert_eq!(size_of(&image), 1 + 1000, "bytes count as bytes");
    }
}
