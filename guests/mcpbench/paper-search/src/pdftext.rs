//! Text extraction from PDFs with `lopdf`: each page's text (lines from text objects and
//! line moves), pages joined by newlines, as the original's PyPDF2 loop did.

/// Most decompressed bytes of one page's content.
const MAX_PAGE_CONTENT: usize = 32 << 20;

pub fn extract(bytes: &[u8], name: &str) -> Result<String, String> {
    let doc = lopdf::Document::load_mem(bytes).map_err(|e| format!("{name} is not a readable PDF: {e}"))?;
    let mut text = String::new();
    for number in doc.get_pages().keys() {
        let page = doc
            .extract_text_with_limit(&[*number], MAX_PAGE_CONTENT)
            .map_err(|e| format!("cannot extract the text of page {number} of {name}: {e}"))?;
        text.push_str(&page);
        text.push('\n');
    }
    Ok(text.trim().to_owned())
}
