//! Token counts with `o200k_base`, the encoding of GPT-4o and GPT-4.1, through
//! `tiktoken-rs` (its BPE ranks are compiled into the binary: counting needs no
//! network). Text is encoded as ordinary text: a special token's spelling in a tool
//! result counts as the characters it is made of, as an API counts user content.

use tiktoken_rs::CoreBPE;

/// The tokenizer.
pub struct Tokenizer {
    bpe: CoreBPE,
}

impl Tokenizer {
    /// `o200k_base`.
    ///
    /// # Errors
    ///
    /// When its compiled-in ranks cannot be read (a broken build of `tiktoken-rs`).
    pub fn o200k() -> anyhow::Result<Self> {
        Ok(Self { bpe: tiktoken_rs::o200k_base()? })
    }

    /// The number of tokens in `text`.
    pub fn count(&self, text: &str) -> u64 {
        u64::try_from(self.bpe.encode_ordinary(text).len()).unwrap_or(u64::MAX)
    }
}
