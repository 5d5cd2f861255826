//! Just enough HTML reading for WikiCFP's search results: the tables with
//! `cellpadding="2" cellspacing="1"` that have a header row `bgcolor="#bbbbbb"`, their rows
//! and cells as text, and the first link of a cell. Plain Rust, no bindings.

/// One table cell: its text (tags removed, entities decoded, whitespace collapsed) and the
/// `href` and text of its first link, if any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub link: Option<(String, String)>,
}

/// The rows after the header row of every WikiCFP results table in `html`, one list per
/// table, each row as its cells.
pub fn result_tables(html: &str) -> Vec<Vec<Vec<Cell>>> {
    let lower = html.to_ascii_lowercase();
    let mut tables = Vec::new();
    let mut from = 0;
    while let Some(start) = find_tag(&lower, "table", from) {
        let open_end = tag_end(&lower, start);
        let attributes = html.get(start..open_end).unwrap_or_default();
        let end = table_end(&lower, open_end);
        let wanted = attribute(attributes, "cellpadding").as_deref() == Some("2")
            && attribute(attributes, "cellspacing").as_deref() == Some("1");
        if wanted {
            let rows = rows(html, &lower, open_end, end);
            let is_header =
                |attrs: &str| attribute(attrs, "bgcolor").is_some_and(|c| c.eq_ignore_ascii_case("#bbbbbb"));
            if let Some(header) = rows.iter().position(|(attrs, _)| is_header(attrs)) {
                let body = rows.into_iter().skip(header + 1).map(|(_, cells)| cells).collect();
                tables.push(body);
            }
            from = end;
        } else {
            from = open_end;
        }
    }
    tables
}

/// The `<tr>` rows between `from` and `to` (the opening tag and the row's cells).
fn rows(html: &str, lower: &str, from: usize, to: usize) -> Vec<(String, Vec<Cell>)> {
    let mut rows = Vec::new();
    let mut at = from;
    while let Some(start) = find_tag(lower, "tr", at).filter(|s| *s < to) {
        let open_end = tag_end(lower, start);
        let next_row = find_tag(lower, "tr", open_end).filter(|s| *s < to).unwrap_or(to);
        let close = lower.get(open_end..next_row).and_then(|s| s.find("</tr")).map_or(next_row, |i| open_end + i);
        let attrs = html.get(start..open_end).unwrap_or_default().to_owned();
        rows.push((attrs, cells(html, lower, open_end, close)));
        at = next_row;
    }
    rows
}

/// The `<td>`/`<th>` cells between `from` and `to`.
fn cells(html: &str, lower: &str, from: usize, to: usize) -> Vec<Cell> {
    let mut cells = Vec::new();
    let mut at = from;
    loop {
        let next =
            [find_tag(lower, "td", at), find_tag(lower, "th", at)].into_iter().flatten().filter(|s| *s < to).min();
        let Some(start) = next else { break };
        let open_end = tag_end(lower, start);
        let following = [find_tag(lower, "td", open_end), find_tag(lower, "th", open_end)]
            .into_iter()
            .flatten()
            .filter(|s| *s < to)
            .min();
        let limit = following.unwrap_or(to);
        let segment = lower.get(open_end..limit).unwrap_or_default();
        let close =
            [segment.find("</td"), segment.find("</th")].into_iter().flatten().min().map_or(limit, |i| open_end + i);
        let inner = html.get(open_end..close).unwrap_or_default();
        cells.push(Cell { text: text(inner), link: first_link(inner) });
        at = limit;
    }
    cells
}

/// The first `<a href>` in `inner`: its href (entities decoded) and text.
fn first_link(inner: &str) -> Option<(String, String)> {
    let lower = inner.to_ascii_lowercase();
    let start = find_tag(&lower, "a", 0)?;
    let open_end = tag_end(&lower, start);
    let href = attribute(inner.get(start..open_end)?, "href")?;
    let close = lower.get(open_end..).and_then(|s| s.find("</a")).map_or(inner.len(), |i| open_end + i);
    Some((decode(&href), text(inner.get(open_end..close).unwrap_or_default())))
}

/// Where the next `<name` tag (followed by whitespace, `>` or `/`) starts at or after `from`.
fn find_tag(lower: &str, name: &str, from: usize) -> Option<usize> {
    let pattern = format!("<{name}");
    let mut at = from;
    while let Some(i) = lower.get(at..).and_then(|s| s.find(&pattern)) {
        let start = at + i;
        let after = lower.as_bytes().get(start + pattern.len());
        if after.is_none_or(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/') {
            return Some(start);
        }
        at = start + pattern.len();
    }
    None
}

/// Just past the `>` that ends the tag starting at `start`.
fn tag_end(lower: &str, start: usize) -> usize {
    lower.get(start..).and_then(|s| s.find('>')).map_or(lower.len(), |i| start + i + 1)
}

/// Just before the `</table>` that closes a table whose opening tag ends at `from`.
fn table_end(lower: &str, from: usize) -> usize {
    let mut depth = 1usize;
    let mut at = from;
    loop {
        let open = find_tag(lower, "table", at);
        let close = lower.get(at..).and_then(|s| s.find("</table")).map(|i| at + i);
        match (open, close) {
            (Some(o), Some(c)) if o < c => {
                depth += 1;
                at = tag_end(lower, o);
            }
            (_, Some(c)) => {
                depth -= 1;
                if depth == 0 {
                    return c;
                }
                at = c + "</table".len();
            }
            (_, None) => return lower.len(),
        }
    }
}

/// The value of attribute `name` (lowercase) in an opening tag, unquoted, as written.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut at = 0;
    while let Some(i) = lower.get(at..).and_then(|s| s.find(name)) {
        let start = at + i;
        at = start + name.len();
        let before_ok = start > 0 && bytes.get(start - 1).is_some_and(u8::is_ascii_whitespace);
        let mut j = at;
        while bytes.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        if !before_ok || bytes.get(j) != Some(&b'=') {
            continue;
        }
        j += 1;
        while bytes.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        let value = match bytes.get(j) {
            Some(&q @ (b'"' | b'\'')) => {
                let rest = tag.get(j + 1..)?;
                rest.get(..rest.find(char::from(q))?)?
            }
            _ => {
                let rest = tag.get(j..)?;
                rest.get(..rest.find(|c: char| c.is_ascii_whitespace() || c == '>').unwrap_or(rest.len()))?
            }
        };
        return Some(value.trim_end_matches('/').to_owned());
    }
    None
}

/// The text of an HTML fragment: tags removed, entities decoded, whitespace collapsed.
pub fn text(fragment: &str) -> String {
    let mut raw = String::with_capacity(fragment.len());
    let mut in_tag = false;
    for c in fragment.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => raw.push(c),
            _ => {}
        }
    }
    decode(&raw).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Decodes the character references WikiCFP pages use (named basics and numeric).
fn decode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(rest.get(..i).unwrap_or_default());
        let after = rest.get(i..).unwrap_or_default();
        let end = after.find(';').filter(|e| *e <= 10);
        let decoded = end.and_then(|e| after.get(1..e)).and_then(|name| match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            _ => {
                let number = name.strip_prefix('#')?;
                let code = match number.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => number.parse().ok()?,
                };
                char::from_u32(code)
            }
        });
        match (decoded, end) {
            (Some(c), Some(e)) => {
                out.push(c);
                rest = after.get(e + 1..).unwrap_or_default();
            }
            _ => {
                out.push('&');
                rest = after.get(1..).unwrap_or_default();
            }
        }
    }
    out.push_str(rest);
    out
}
