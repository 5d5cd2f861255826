//! What an agent puts through a model, turn by turn, for a conversation of tool
//! calls: the two agents of the study are two shapes of the same accounting.
//!
//! A conversation is a fixed prefix (the tool definitions and the task), then
//! exchanges: in each, the model writes (tool calls: output tokens) and the client
//! appends what came back (results: read on every later turn). The model's last turn
//! reads everything and writes the answer. So with exchanges `1..=n`, turn `t` reads
//! the prefix and exchanges `1..t`, and there are `n + 1` turns:
//!
//! - input = Σ over turns of (prefix + everything appended before that turn)
//!   = (n + 1)·prefix + Σₖ (n + 1 − k)·(written_k + returned_k);
//! - output = Σₖ written_k + answer.
//!
//! - **Context-coupled** (tool by tool): prefix = every connected server's tool
//!   listing + the task; one exchange per tool call (the call, its full result).
//! - **Context-decoupled** (code mode): prefix = the code-mode tools' definitions +
//!   the task; one exchange for the discovery calls (`search_tools`, all written in
//!   one turn, with their results), one for `run_script` (the script, and the
//!   program's output).
//!
//! Each piece is counted on its own, as chat APIs encode each message's content;
//! the few tokens of framing a chat format adds around each message are not
//! counted (they would add about the same per turn to both agents, and the coupled
//! one has many more turns).

use serde::Serialize;
use serde_json::{Value, json};

use super::tokens::Tokenizer;

/// One exchange: what the model wrote, and what came back, in tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Exchange {
    /// Tokens the model wrote (its tool calls).
    pub written: u64,
    /// Tokens that came back (the results).
    pub returned: u64,
}

/// A conversation, in tokens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conversation {
    /// What every turn starts with: tool definitions and the task.
    pub prefix: u64,
    /// The exchanges, in order.
    pub exchanges: Vec<Exchange>,
    /// The model's final answer.
    pub answer: u64,
}

/// What a conversation put through the model.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Count {
    /// Model turns (requests to the model).
    pub turns: u64,
    /// Input tokens, summed over turns.
    pub input: u64,
    /// Output tokens.
    pub output: u64,
}

impl Count {
    /// Input and output.
    pub fn total(&self) -> u64 {
        self.input + self.output
    }
}

impl Conversation {
    /// Its tokens, turn by turn.
    pub fn count(&self) -> Count {
        let mut input = 0;
        let mut context = self.prefix;
        let mut output = self.answer;
        for exchange in &self.exchanges {
            input += context;
            context += exchange.written + exchange.returned;
            output += exchange.written;
        }
        input += context;
        let turns = u64::try_from(self.exchanges.len()).unwrap_or(u64::MAX) + 1;
        Count { turns, input, output }
    }
}

/// A tool call as the model writes it: the tool's name and its JSON arguments.
pub fn call_text(name: &str, arguments: &Value) -> String {
    json!({ "name": name, "arguments": arguments }).to_string()
}

/// A conversation in text, for counting: what [`Conversation`] counts, before
/// counting.
#[derive(Debug, Clone, Default)]
pub struct Transcript {
    /// The tool definitions as the prompt shows them.
    pub tools: String,
    /// The task text.
    pub task: String,
    /// Exchanges: the calls the model wrote (in one turn) and what came back.
    pub exchanges: Vec<(Vec<String>, Vec<String>)>,
    /// The final answer.
    pub answer: String,
}

impl Transcript {
    /// The transcript in tokens.
    pub fn conversation(&self, tokenizer: &Tokenizer) -> Conversation {
        let sum = |texts: &[String]| texts.iter().map(|t| tokenizer.count(t)).sum();
        Conversation {
            prefix: tokenizer.count(&self.tools) + tokenizer.count(&self.task),
            exchanges: self
                .exchanges
                .iter()
                .map(|(written, returned)| Exchange { written: sum(written), returned: sum(returned) })
                .collect(),
            answer: tokenizer.count(&self.answer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turns_read_everything_before_them() {
        let conversation = Conversation {
            prefix: 100,
            exchanges: vec![Exchange { written: 5, returned: 20 }, Exchange { written: 7, returned: 30 }],
            answer: 9,
        };
        // Turn 1 reads 100, turn 2 reads 125, turn 3 reads 162.
        assert_eq!(conversation.count(), Count { turns: 3, input: 387, output: 21 });
        assert_eq!(Conversation { prefix: 10, exchanges: vec![], answer: 1 }.count().turns, 1);
    }
}
