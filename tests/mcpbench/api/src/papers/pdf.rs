//! A minimal PDF writer for the preprints' full texts: PDF 1.4, US Letter pages, the
//! standard Type 1 fonts Helvetica and Helvetica-Bold with WinAnsiEncoding, one
//! uncompressed content stream per page, each line its own text object. Deterministic:
//! the same paper always gives the same bytes.

use std::fmt::Write as _;

use super::data::Paper;

const PAGE_WIDTH: u32 = 612;
const PAGE_HEIGHT: u32 = 792;
const LEFT: u32 = 72;
const TOP: u32 = 740;
const BOTTOM: u32 = 64;
const LEADING: u32 = 14;
/// Characters per body line (10 pt Helvetica in 468 pt).
const WRAP: usize = 92;

/// One laid-out line: font (1 regular, 2 bold), size, text.
struct Line {
    font: u8,
    size: u8,
    text: String,
}

/// The paper as a PDF: title, authors, abstract, then its sections.
pub fn render(paper: &Paper) -> Vec<u8> {
    let mut lines = Vec::new();
    for part in wrap(&paper.title, 70) {
        lines.push(Line { font: 2, size: 14, text: part });
    }
    for part in wrap(&paper.authors.join(", "), WRAP) {
        lines.push(Line { font: 1, size: 10, text: part });
    }
    lines.push(blank());
    block(&mut lines, "Abstract", &paper.abstract_text);
    for (heading, text) in &paper.sections {
        block(&mut lines, heading, text);
    }
    document(paper, &lines)
}

fn blank() -> Line {
    Line { font: 1, size: 10, text: String::new() }
}

fn block(lines: &mut Vec<Line>, heading: &str, text: &str) {
    lines.push(Line { font: 2, size: 12, text: heading.to_owned() });
    for paragraph in text.split("\n\n") {
        for part in wrap(paragraph, WRAP) {
            lines.push(Line { font: 1, size: 10, text: part });
        }
        lines.push(blank());
    }
}

/// Greedy word wrap at `width` characters (a longer word stands alone).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
}

/// A PDF string literal: WinAnsi bytes, with `(`, `)`, `\` and non-ASCII escaped.
fn literal(text: &str) -> String {
    let mut out = String::from("(");
    for ch in text.chars() {
        match ch {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(ch);
            }
            ' '..='~' => out.push(ch),
            other => {
                let byte = win_ansi(other).unwrap_or(b'?');
                let _ = write!(out, "\\{byte:03o}");
            }
        }
    }
    out.push(')');
    out
}

fn win_ansi(ch: char) -> Option<u8> {
    match ch {
        '\u{2013}' => Some(0x96),
        '\u{2014}' => Some(0x97),
        '\u{2018}' => Some(0x91),
        '\u{2019}' => Some(0x92),
        '\u{201C}' => Some(0x93),
        '\u{201D}' => Some(0x94),
        '\u{2022}' => Some(0x95),
        '\u{2026}' => Some(0x85),
        c if ('\u{A0}'..='\u{FF}').contains(&c) => u8::try_from(u32::from(c)).ok(),
        _ => None,
    }
}

fn document(paper: &Paper, lines: &[Line]) -> Vec<u8> {
    let per_page = ((TOP - BOTTOM) / LEADING) as usize + 1;
    let pages: Vec<&[Line]> = lines.chunks(per_page).collect();
    let page_count = pages.len().max(1);
    // Objects: 1 catalog, 2 pages, 3 Helvetica, 4 Helvetica-Bold, 5 info, then a page
    // and its content stream for each page.
    let mut objects: Vec<Vec<u8>> = Vec::new();
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    let kids: Vec<String> = (0..page_count).map(|i| format!("{} 0 R", 6 + 2 * i)).collect();
    objects.push(format!("<< /Type /Pages /Kids [{}] /Count {page_count} >>", kids.join(" ")).into_bytes());
    objects.push(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_vec());
    objects.push(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>".to_vec());
    objects.push(
        format!(
            "<< /Title {} /Author {} /Producer (mcpbench-api offline paper service) >>",
            literal(&paper.title),
            literal(&paper.authors.join(", "))
        )
        .into_bytes(),
    );
    for (i, page) in pages.iter().enumerate() {
        let content = 7 + 2 * i;
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {content} 0 R >>"
            )
            .into_bytes(),
        );
        let mut stream = String::new();
        for (n, line) in page.iter().enumerate() {
            if line.text.is_empty() {
                continue;
            }
            let y = TOP - LEADING * u32::try_from(n).unwrap_or(0);
            let _ = writeln!(stream, "BT /F{} {} Tf {LEFT} {y} Td {} Tj ET", line.font, line.size, literal(&line.text));
        }
        objects.push(format!("<< /Length {} >>\nstream\n{stream}endstream", stream.len()).into_bytes());
    }
    let mut out: Vec<u8> = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(object);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        let _ = writeln!(table, "{offset:010} 00000 n ");
    }
    let _ =
        write!(table, "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1);
    out.extend_from_slice(table.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_and_escapes() {
        assert_eq!(wrap("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(literal("f(x) \\ café"), "(f\\(x\\) \\\\ caf\\351)");
    }

    #[test]
    fn renders_a_well_formed_pdf() {
        let paper = super::super::data::all().iter().find(|p| p.source == "arxiv").unwrap();
        let pdf = render(paper);
        assert!(pdf.starts_with(b"%PDF-1.4"));
        assert!(pdf.ends_with(b"%%EOF\n"));
        // The header's binary comment is not UTF-8: read everything after it.
        let header = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".len();
        let text = std::str::from_utf8(&pdf[header..]).unwrap();
        let startxref: usize = text.rsplit("startxref\n").next().unwrap().lines().next().unwrap().parse().unwrap();
        assert!(text[startxref - header..].starts_with("xref\n"));
        // Every xref offset points at "<n> 0 obj".
        for (n, line) in text[startxref - header..].lines().skip(3).take_while(|l| l.ends_with(" n ")).enumerate() {
            let offset: usize = line[..10].parse().unwrap();
            assert!(text[offset - header..].starts_with(&format!("{} 0 obj", n + 1)), "object {}", n + 1);
        }
    }
}
