//! Pure text logic, as the original server's `wikipedia-api` client does it: the
//! section tree parsed from a plain-text extract with `== Heading ==` markers, the
//! article's full text, and the extractive "summaries". Free of wit-bindgen.
//!
//! Lengths and positions count characters (Unicode scalar values), as Python does.

/// One section: heading, own text, subsections.
#[derive(Debug, Clone, Default)]
pub struct Section {
    pub title: String,
    pub text: String,
    pub sections: Vec<Section>,
}

/// A parsed extract: the lead and the top-level sections.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub summary: String,
    pub sections: Vec<Section>,
}

/// One heading found in an extract: where its match starts and ends, its marker
/// length (2 for `==`) and its title.
struct Heading {
    start: usize,
    end: usize,
    marker: usize,
    title: String,
}

/// Parses an extract (`explaintext`, `exsectionformat=wiki`). Headings are found as the
/// pattern `\n\n *(==+) (.*?) (==+) *\n`; each section's text runs to the next heading.
pub fn parse(extract: &str) -> Parsed {
    let headings = headings(extract);
    let Some(first) = headings.first() else {
        return Parsed { summary: extract.trim().to_owned(), sections: Vec::new() };
    };
    let mut summary = extract.get(..first.start).unwrap_or_default().trim().to_owned();
    if summary.is_empty() {
        summary = extract.trim().to_owned();
    }
    // Flat list of (depth in the stack, section), built with the original's stack rule.
    let mut flat: Vec<(usize, Section)> = Vec::new();
    let mut stack_len = 1; // the page itself
    for (i, heading) in headings.iter().enumerate() {
        let text_end = headings.get(i + 1).map_or(extract.len(), |next| next.start);
        let raw = extract.get(heading.end..text_end).unwrap_or_default();
        let text = if i + 1 < headings.len() { raw.trim() } else { raw };
        let wanted = heading.marker; // = level + 1 with level = marker - 1
        stack_len = if wanted > stack_len { stack_len + 1 } else { wanted };
        flat.push((
            stack_len - 1,
            Section { title: heading.title.clone(), text: text.to_owned(), sections: Vec::new() },
        ));
    }
    Parsed { summary, sections: nest(flat) }
}

/// Builds the tree from (depth, section) pairs in document order (depth 1 = top level).
fn nest(flat: Vec<(usize, Section)>) -> Vec<Section> {
    let mut roots: Vec<Section> = Vec::new();
    for (depth, section) in flat {
        insert(&mut roots, depth, section);
    }
    roots
}

/// Appends `section` under the last section `depth - 1` levels down.
fn insert(siblings: &mut Vec<Section>, depth: usize, section: Section) {
    if depth > 1
        && let Some(parent) = siblings.last_mut()
    {
        insert(&mut parent.sections, depth - 1, section);
    } else {
        siblings.push(section);
    }
}

fn headings(text: &str) -> Vec<Heading> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes.get(i) == Some(&b'\n')
            && bytes.get(i + 1) == Some(&b'\n')
            && let Some(heading) = heading_at(text, i)
        {
            i = heading.end;
            found.push(heading);
            continue;
        }
        i += 1;
    }
    found
}

/// Matches ` *(==+) (.*?) (==+) *\n` after the `\n\n` at `start`.
fn heading_at(text: &str, start: usize) -> Option<Heading> {
    let bytes = text.as_bytes();
    let mut j = start + 2;
    while bytes.get(j) == Some(&b' ') {
        j += 1;
    }
    let marker = bytes.get(j..)?.iter().take_while(|&&b| b == b'=').count();
    if marker < 2 || bytes.get(j + marker) != Some(&b' ') {
        return None;
    }
    let title_start = j + marker + 1;
    let mut p = title_start;
    while let Some(&b) = bytes.get(p) {
        if b == b'\n' {
            return None;
        }
        if b == b' ' && bytes.get(p + 1) == Some(&b'=') && bytes.get(p + 2) == Some(&b'=') {
            let mut q = p + 1;
            while bytes.get(q) == Some(&b'=') {
                q += 1;
            }
            while bytes.get(q) == Some(&b' ') {
                q += 1;
            }
            if bytes.get(q) == Some(&b'\n') {
                let title = text.get(title_start..p)?.to_owned();
                return Some(Heading { start, end: q + 1, marker, title });
            }
        }
        p += 1;
    }
    None
}

/// The whole plain text: the lead, then each section as its title line, its text and
/// its subsections.
pub fn full_text(parsed: &Parsed) -> String {
    let mut out = parsed.summary.clone();
    if !out.is_empty() {
        out.push_str("\n\n");
    }
    for section in &parsed.sections {
        section_text(section, &mut out);
    }
    out.trim().to_owned()
}

fn section_text(section: &Section, out: &mut String) {
    out.push_str(&section.title);
    out.push('\n');
    out.push_str(&section.text);
    if !section.text.is_empty() {
        out.push_str("\n\n");
    }
    for sub in &section.sections {
        section_text(sub, out);
    }
}

/// The first `n` characters of `text`.
fn prefix(text: &str, n: usize) -> String {
    text.chars().take(n).collect()
}

/// The window of `max_length` characters of `text` around the first case-insensitive
/// occurrence of `query`, or the start of the lead when it does not occur.
pub fn summarize_for_query(summary: &str, text: &str, query: &str, max_length: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = chars.iter().map(|c| c.to_lowercase().next().unwrap_or(*c)).collect();
    let needle: Vec<char> = query.chars().map(|c| c.to_lowercase().next().unwrap_or(c)).collect();
    let found =
        if needle.is_empty() { Some(0) } else { lower.windows(needle.len()).position(|w| w == needle.as_slice()) };
    let Some(start) = found else {
        let mut part = prefix(summary, max_length);
        if part.is_empty() {
            part = prefix(text, max_length);
        }
        let full = part.chars().count() >= max_length;
        return if full { format!("{part}...") } else { part };
    };
    let context_start = start.saturating_sub(max_length / 2);
    let context_end = chars.len().min(start + needle.len() + max_length / 2);
    let snippet: String = chars.get(context_start..context_end).unwrap_or_default().iter().take(max_length).collect();
    let cut = snippet.chars().count() >= max_length || context_end < chars.len();
    if cut { format!("{snippet}...") } else { snippet }
}

/// The first section (depth first) whose title equals `wanted` case-insensitively.
pub fn find_section<'a>(sections: &'a [Section], wanted: &str) -> Option<&'a Section> {
    let wanted = wanted.to_lowercase();
    fn walk<'a>(sections: &'a [Section], wanted: &str) -> Option<&'a Section> {
        for section in sections {
            if section.title.to_lowercase() == wanted {
                return Some(section);
            }
            if let Some(found) = walk(&section.sections, wanted) {
                return Some(found);
            }
        }
        None
    }
    walk(sections, &wanted)
}

/// The first `max_length` characters of a section's own text, or the "not found or is
/// empty" message.
pub fn summarize_section(parsed: &Parsed, title: &str, section_title: &str, max_length: usize) -> String {
    match find_section(&parsed.sections, section_title) {
        Some(section) if !section.text.is_empty() => {
            let summary = prefix(&section.text, max_length);
            if section.text.chars().count() > max_length { format!("{summary}...") } else { summary }
        }
        _ => format!("Section '{section_title}' not found or is empty in article '{title}'."),
    }
}

/// A section's text for fact extraction: a direct match is used even when empty (then
/// the lead is used instead), a nested match only when it has text.
fn topic_text<'a>(sections: &'a [Section], wanted: &str) -> Option<&'a str> {
    for section in sections {
        if section.title.to_lowercase() == wanted {
            return Some(&section.text);
        }
        if let Some(text) = topic_text(&section.sections, wanted).filter(|t| !t.is_empty()) {
            return Some(text);
        }
    }
    None
}

/// The first `count` sentences (split at every ".") of the named section or the lead.
pub fn key_facts(parsed: &Parsed, topic: Option<&str>, count: usize) -> Vec<String> {
    let section = topic.and_then(|t| topic_text(&parsed.sections, &t.to_lowercase())).filter(|t| !t.is_empty());
    let text = section.unwrap_or(&parsed.summary);
    if text.is_empty() {
        return vec!["No content found to extract facts from.".to_owned()];
    }
    let facts: Vec<String> =
        text.split('.').map(str::trim).filter(|s| !s.is_empty()).take(count).map(|s| format!("{s}.")).collect();
    if facts.is_empty() { vec!["Could not extract facts from the provided text.".to_owned()] } else { facts }
}

/// The lead of a related article as the original shows it: 200 characters and "...".
pub fn short_summary(summary: &str) -> String {
    if summary.chars().count() > 200 { format!("{}...", prefix(summary, 200)) } else { summary.to_owned() }
}
