//! Words for the services' searches: lower-cased alphanumeric runs, plurals folded.

/// Lower-cased alphanumeric runs of `text`.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

/// Drops a plural ending: "frameworks" -> "framework", "policies" -> "policy".
pub fn stem(word: &str) -> String {
    if let Some(base) = word.strip_suffix("ies").filter(|b| b.len() > 2) {
        return format!("{base}y");
    }
    match word.strip_suffix('s') {
        Some(base) if base.len() > 2 && !base.ends_with('s') => base.to_owned(),
        _ => word.to_owned(),
    }
}
