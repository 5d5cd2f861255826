//! The little HTTP each service needs: a parsed request (path and decoded query) and
//! a response with a status, a content type and a body.

use std::collections::BTreeMap;

/// A request as the services see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, percent-decoded, without the query.
    pub path: String,
    /// The query parameters, percent-decoded (`+` as a space); the last of repeated
    /// names wins.
    pub query: BTreeMap<String, String>,
}

impl Request {
    /// Parses a request target such as `/v1/search.json?q=Spring%20field`.
    pub fn parse(method: &str, target: &str) -> Self {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let query = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(name), decode(value))
            })
            .collect();
        Self { method: method.to_owned(), path: decode(path), query }
    }

    /// A query parameter, if given.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }
}

/// What a service answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The `Content-Type`.
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// 200 with a JSON body.
    pub fn json(value: &serde_json::Value) -> Self {
        Self::json_status(200, value)
    }

    /// A JSON body with `status`.
    pub fn json_status(status: u16, value: &serde_json::Value) -> Self {
        Self { status, content_type: "application/json; charset=utf-8", body: value.to_string().into_bytes() }
    }

    /// A body of `content_type` with `status`.
    pub fn with(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Self { status, content_type, body: body.into() }
    }

    /// 404 for a path no service serves.
    pub fn not_found(path: &str) -> Self {
        Self::with(404, "text/plain; charset=utf-8", format!("Not Found: {path}"))
    }
}

/// Answers one request with `handle`.
pub(crate) fn answer(request: tiny_http::Request, handle: impl Fn(&Request) -> Response) {
    let parsed = Request::parse(request.method().as_str(), request.url());
    let response = handle(&parsed);
    let header = tiny_http::Header::from_bytes(&b"Content-Type"[..], response.content_type.as_bytes()).ok();
    let mut reply = tiny_http::Response::from_data(response.body).with_status_code(response.status);
    if let Some(header) = header {
        reply.add_header(header);
    }
    let _ = request.respond(reply);
}

/// Percent-decoding, with `+` as a space; invalid escapes are kept as written.
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'+' => out.push(b' '),
            b'%' => match bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                Some(decoded) => {
                    out.push(decoded);
                    i += 2;
                }
                None => out.push(b'%'),
            },
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_decoded() {
        let r = Request::parse("GET", "/w/api.php?action=query&srsearch=Paris+Agreement%2C%20treaty&x=%zz");
        assert_eq!(r.path, "/w/api.php");
        assert_eq!(r.param("srsearch"), Some("Paris Agreement, treaty"));
        assert_eq!(r.param("x"), Some("%zz"));
        assert_eq!(r.param("missing"), None);
    }
}
