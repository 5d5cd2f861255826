//! The few parts of the OpenAI Chat Completions API an agent loop needs: a request with
//! messages and function tools, a response with the assistant's message (text or tool
//! calls) and the token usage the endpoint reports. Any OpenAI-compatible server
//! (a hosted API, vLLM, llama.cpp's server, Ollama) speaks it.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A function tool as the API takes it.
pub fn function_tool(tool: &rmcp::model::Tool) -> Value {
    json!({
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description.as_deref().unwrap_or_default(),
            "parameters": Value::Object((*tool.input_schema).clone()),
        }
    })
}

/// A tool call the model made.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ToolCall {
    /// Its id, which the tool's answer refers to.
    pub id: String,
    /// Always "function".
    #[serde(rename = "type", default = "function")]
    pub kind: String,
    /// The function and its arguments.
    pub function: FunctionCall,
}

fn function() -> String {
    "function".to_owned()
}

/// A function call: a name, and arguments as a JSON text.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FunctionCall {
    /// The tool's name.
    pub name: String,
    /// Its arguments, JSON text (as the model wrote it: it may not be valid JSON).
    pub arguments: String,
}

/// The assistant's message.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Message {
    /// Text, if any.
    #[serde(default)]
    pub content: Option<String>,
    /// Tool calls, if any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
}

/// Tokens the endpoint counted for one request.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Usage {
    /// Input tokens.
    #[serde(default)]
    pub prompt_tokens: u64,
    /// Output tokens.
    #[serde(default)]
    pub completion_tokens: u64,
}

#[derive(Debug, Deserialize)]
struct Choice {
    message: Message,
}

/// A response.
#[derive(Debug, Deserialize)]
pub struct Response {
    choices: Vec<Choice>,
    /// Tokens, when the endpoint reports them.
    #[serde(default)]
    pub usage: Option<Usage>,
}

impl Response {
    /// The first choice's message.
    pub fn message(&self) -> Option<&Message> {
        self.choices.first().map(|c| &c.message)
    }
}

/// The assistant's message as the next request's history carries it.
pub fn assistant(message: &Message) -> Value {
    let mut value = serde_json::Map::new();
    value.insert("role".into(), json!("assistant"));
    value.insert("content".into(), json!(message.content));
    if !message.tool_calls.is_empty() {
        value.insert("tool_calls".into(), json!(message.tool_calls));
    }
    Value::Object(value)
}

/// A tool's answer to `call_id`.
pub fn tool_answer(call_id: &str, text: &str) -> Value {
    json!({ "role": "tool", "tool_call_id": call_id, "content": text })
}
