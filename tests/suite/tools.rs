//! The `files` and `kv` tools do what their WIT docs promise, as a program sees it.

use cemcp_tests::{TestBed, artifacts};
use serde_json::{Value, json};

fn probe_all(bed: &TestBed, inputs: &[Value]) -> Vec<Value> {
    let runtime = bed.base_runtime();
    inputs
        .iter()
        .map(|input| bed.run(&runtime, artifacts::PROBE_COMPONENT, None, &input.to_string()).unwrap().unwrap())
        .collect()
}

#[test]
fn files_reads_byte_ranges_lists_and_searches() {
    let bed = TestBed::new();
    let outcomes = probe_all(
        &bed,
        &[
            json!({ "do": "files-read", "path": "alpha.txt", "offset": 4, "length": 5 }),
            json!({ "do": "files-read", "path": "alpha.txt", "offset": 1000 }),
            json!({ "do": "files-list", "path": "" }),
            json!({ "do": "files-search", "pattern": "fox", "regex": false, "path": "", "max": 10 }),
            json!({ "do": "files-search", "pattern": "^[a-z]+ (over|components)", "regex": true, "path": "", "max": 10 }),
            json!({ "do": "files-search", "pattern": "o", "regex": false, "path": "", "max": 1 }),
            json!({ "do": "files-search", "pattern": "(", "regex": true, "path": "", "max": 10 }),
            json!({ "do": "files-read", "path": "missing.txt" }),
        ],
    );
    assert_eq!(outcomes[0], json!({ "ok": "quick" }));
    assert_eq!(outcomes[1], json!({ "ok": "" }));
    assert_eq!(outcomes[2], json!({ "ok": ["alpha.txt", "notes"] }));
    assert_eq!(outcomes[3], json!({ "ok": ["alpha.txt:1:the quick brown fox", "notes/beta.md:3:no fox here"] }));
    assert_eq!(
        outcomes[4],
        json!({ "ok": ["alpha.txt:2:jumps over the lazy dog", "notes/beta.md:2:wasm components are portable"] })
    );
    assert_eq!(outcomes[5], json!({ "ok": ["alpha.txt:1:the quick brown fox"] }), "max-hits is respected");
    assert!(outcomes[6]["error"].as_str().unwrap().starts_with("invalid regular expression"), "{}", outcomes[6]);
    assert!(outcomes[7]["error"].as_str().unwrap().starts_with("cannot read `missing.txt`: No such file"));
}

#[test]
fn kv_puts_lists_by_prefix_and_deletes() {
    let bed = TestBed::new();
    let outcomes = probe_all(
        &bed,
        &[
            json!({ "do": "kv-put", "key": "user/1", "value": "ada" }),
            json!({ "do": "kv-put", "key": "user/2", "value": "grace" }),
            json!({ "do": "kv-put", "key": "team", "value": "x" }),
            json!({ "do": "kv-list", "prefix": "user/" }),
            json!({ "do": "kv-delete", "key": "user/1" }),
            json!({ "do": "kv-delete", "key": "user/1" }),
            json!({ "do": "kv-list", "prefix": "" }),
            json!({ "do": "kv-get", "key": "user/1" }),
            json!({ "do": "kv-put", "key": "", "value": "x" }),
            json!({ "do": "kv-put", "key": "../../escape", "value": "x" }),
        ],
    );
    assert_eq!(outcomes[3], json!({ "ok": ["user/1", "user/2"] }));
    assert_eq!(outcomes[4], json!({ "ok": true }));
    assert_eq!(outcomes[5], json!({ "ok": false }));
    assert_eq!(outcomes[6], json!({ "ok": ["team", "user/2"] }));
    assert_eq!(outcomes[7], json!({ "ok": null }));
    assert_eq!(outcomes[8], json!({ "error": "keys must be 1 to 80 bytes long; got 0 bytes" }));
    // A key is a name, never a path: this one is stored inside the directory, encoded.
    assert_eq!(outcomes[9], json!({ "ok": null }));
    assert!(bed.path().join("store/%2E%2E%2F%2E%2E%2Fescape").is_file());
    assert!(!bed.path().join("escape").exists());
}
