//! What cemcp's interpreter components share: a library linked into each, not a
//! component of its own.

/// What a script printed: the first `limit` bytes, and a count of the rest, so that
/// a script printing without end cannot grow the interpreter's memory.
#[derive(Debug, Default)]
pub struct Printed {
    text: String,
    limit: usize,
    dropped: usize,
}

impl Printed {
    /// Keeps at most `limit` bytes.
    pub fn new(limit: u32) -> Self {
        Self { text: String::new(), limit: usize::try_from(limit).unwrap_or(usize::MAX), dropped: 0 }
    }

    /// Adds `text`, as much of it as fits (never splitting a character).
    pub fn push(&mut self, text: &str) {
        let room = self.limit.saturating_sub(self.text.len());
        let mut end = room.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        self.text.push_str(text.get(..end).unwrap_or_default());
        self.dropped += text.len() - end;
    }

    /// The text kept, with a note of how much was dropped.
    pub fn finish(mut self) -> String {
        if self.dropped > 0 {
            self.text.push_str(&format!("\n[{} more bytes of printed text dropped]", self.dropped));
        }
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_bytes_and_counts_the_rest() {
        let mut printed = Printed::new(5);
        printed.push("héllo world");
        assert_eq!(printed.finish(), "héll\n[7 more bytes of printed text dropped]");
    }
}
